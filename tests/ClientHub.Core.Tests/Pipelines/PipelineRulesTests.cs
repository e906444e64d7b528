using ClientHub.Core.Pipelines;
using ClientHub.Core.Templates;

namespace ClientHub.Core.Tests.Pipelines;

public sealed class PipelineRulesTests
{
    private static readonly FirmReferences References = new()
    {
        TemplateKinds = new Dictionary<string, string>
        {
            ["email1"] = TemplateKinds.Email, ["request1"] = TemplateKinds.Request, ["invoice1"] = TemplateKinds.Invoice,
        },
        StaffIds = new HashSet<string> { "staff1" },
        StatusIds = new HashSet<string> { "status1" },
        TagNames = new HashSet<string> { "Business" },
    };

    private static Stage NewStage(string name, params Automation[] automations) => new() { Name = name, Automations = automations };

    private static Pipeline NewPipeline(params Stage[] stages) => new("", "Tax return", stages);

    /// <summary>A three-stage pipeline with the given middle stage: first and last stages are plain.</summary>
    private static Pipeline WithMiddle(Stage middle) => NewPipeline(NewStage("Start"), middle, NewStage("Done"));

    private static IReadOnlyList<string> Fields(Pipeline pipeline) =>
        PipelineRules.Validate(pipeline, References).Select(v => v.Field).ToList();

    [Fact]
    public void A_well_formed_pipeline_has_no_violations()
    {
        var pipeline = NewPipeline(
            NewStage("Waiting", new SendEmail { TemplateId = "email1", Conditions = new Conditions(["business"]) },
                new CreateRequest { TemplateId = "request1", Reminders = new Reminders(true, 3, 2) }) with { Automove = true },
            NewStage("Review", new UpdateClientFacingStatus { StatusId = "status1" }) with { Conditions = new Conditions(["Business"]) },
            NewStage("Done"));
        Assert.Empty(PipelineRules.Validate(pipeline, References));
    }

    [Fact]
    public void A_pipeline_needs_at_least_two_stages()
    {
        Assert.Contains("stages", Fields(NewPipeline(NewStage("Only"))));
        Assert.Contains("stages", Fields(NewPipeline()));
        Assert.Contains("stages", Fields(new Pipeline("", "No stages", null!)));
        Assert.DoesNotContain("stages", Fields(NewPipeline(NewStage("A"), NewStage("B"))));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    public void A_pipeline_needs_a_name(string name) =>
        Assert.Contains("name", Fields(WithMiddle(NewStage("Middle")) with { Name = name }));

    [Fact]
    public void Names_are_at_most_200_characters()
    {
        Assert.DoesNotContain("name", Fields(WithMiddle(NewStage("Middle")) with { Name = new string('n', 200) }));
        Assert.Contains("name", Fields(WithMiddle(NewStage("Middle")) with { Name = new string('n', 201) }));
        Assert.Contains("stages[1].name", Fields(WithMiddle(NewStage(new string('n', 201)))));
    }

    [Fact]
    public void A_stage_needs_a_name() => Assert.Contains("stages[1].name", Fields(WithMiddle(NewStage(""))));

    [Fact]
    public void Automove_is_not_allowed_on_the_last_stage()
    {
        var pipeline = NewPipeline(NewStage("Start"), NewStage("Done") with { Automove = true });
        Assert.Contains("stages[1].automove", Fields(pipeline));
    }

    [Fact]
    public void Automove_is_allowed_on_every_stage_but_the_last() =>
        Assert.Empty(Fields(NewPipeline(NewStage("Start") with { Automove = true }, NewStage("Middle") with { Automove = true }, NewStage("Done"))));

    [Fact]
    public void The_first_stage_cannot_be_conditional()
    {
        var pipeline = NewPipeline(NewStage("Start") with { Conditions = new Conditions(["Business"]) }, NewStage("Done"));
        Assert.Contains("stages[0].conditions", Fields(pipeline));
    }

    [Fact]
    public void The_last_stage_cannot_be_conditional()
    {
        var pipeline = NewPipeline(NewStage("Start"), NewStage("Done") with { Conditions = new Conditions(["Business"]) });
        Assert.Contains("stages[1].conditions", Fields(pipeline));
    }

    [Fact]
    public void Empty_or_absent_stage_conditions_are_no_conditions()
    {
        var pipeline = NewPipeline(NewStage("Start") with { Conditions = new Conditions([]) }, NewStage("Done") with { Conditions = new Conditions(null) });
        Assert.Empty(Fields(pipeline));
    }

    [Fact]
    public void Middle_stages_may_be_conditional() =>
        Assert.Empty(Fields(WithMiddle(NewStage("Business") with { Conditions = new Conditions(["Business"]) })));

    [Fact]
    public void Automation_conditions_are_allowed_in_the_first_stage()
    {
        var pipeline = NewPipeline(
            NewStage("Start", new SendEmail { TemplateId = "email1", Conditions = new Conditions(["Business"]) }),
            NewStage("Done", new SendEmail { TemplateId = "email1", Conditions = new Conditions(["Business"]) }));
        Assert.Empty(Fields(pipeline));
    }

    [Fact]
    public void Condition_tags_must_exist()
    {
        Assert.Contains("stages[1].conditions.tags[0]", Fields(WithMiddle(NewStage("M") with { Conditions = new Conditions(["Personal"]) })));
        Assert.Contains("stages[1].automations[0].conditions.tags[1]",
            Fields(WithMiddle(NewStage("M", new SendEmail { TemplateId = "email1", Conditions = new Conditions(["Business", "Personal"]) }))));
    }

    [Fact]
    public void Condition_tags_match_case_insensitively() =>
        Assert.Empty(Fields(WithMiddle(NewStage("M") with { Conditions = new Conditions(["BUSINESS"]) })));

    [Fact]
    public void An_unknown_template_is_rejected() =>
        Assert.Contains("stages[1].automations[0].templateId", Fields(WithMiddle(NewStage("M", new SendEmail { TemplateId = "missing" }))));

    [Fact]
    public void A_templated_automation_needs_a_template_id() =>
        Assert.Contains("stages[1].automations[0].templateId", Fields(WithMiddle(NewStage("M", new SendEmail { TemplateId = "" }))));

    [Fact]
    public void A_template_of_the_wrong_kind_is_rejected()
    {
        Assert.Contains("stages[1].automations[0].templateId", Fields(WithMiddle(NewStage("M", new CreateInvoice { TemplateId = "email1" }))));
        Assert.Empty(Fields(WithMiddle(NewStage("M", new CreateInvoice { TemplateId = "invoice1" }))));
    }

    [Theory]
    [InlineData(0, 1, "daysBetween")]
    [InlineData(366, 1, "daysBetween")]
    [InlineData(3, -1, "count")]
    [InlineData(3, 21, "count")]
    public void Reminders_stay_within_their_bounds(int daysBetween, int count, string field) =>
        Assert.Contains($"stages[1].automations[0].reminders.{field}",
            Fields(WithMiddle(NewStage("M", new CreateRequest { TemplateId = "request1", Reminders = new Reminders(true, daysBetween, count) }))));

    [Theory]
    [InlineData(1, 0)]
    [InlineData(365, 20)]
    public void Reminder_bounds_are_inclusive(int daysBetween, int count) =>
        Assert.Empty(Fields(WithMiddle(NewStage("M", new CreateRequest { TemplateId = "request1", Reminders = new Reminders(true, daysBetween, count) }))));

    [Fact]
    public void Reminders_default_to_one_reminder_every_three_days()
    {
        var reminders = new Reminders(true);
        Assert.Equal((3, 1), (reminders.DaysBetween, reminders.Count));
    }

    [Fact]
    public void A_client_facing_status_must_exist()
    {
        Assert.Contains("stages[1].automations[0].statusId", Fields(WithMiddle(NewStage("M", new UpdateClientFacingStatus { StatusId = "missing" }))));
        Assert.Empty(Fields(WithMiddle(NewStage("M", new UpdateClientFacingStatus { StatusId = null, Visible = false }))));
    }

    [Fact]
    public void A_client_facing_status_description_is_at_most_4000_characters() =>
        Assert.Contains("stages[1].automations[0].description",
            Fields(WithMiddle(NewStage("M", new UpdateClientFacingStatus { Description = new string('d', 4001) }))));

    [Fact]
    public void Job_assignee_updates_name_existing_staff()
    {
        var fields = Fields(WithMiddle(NewStage("M", new UpdateJobAssignees { Add = ["staff1", "ghost"], Remove = ["ghost"] })));
        Assert.Equal(["stages[1].automations[0].add[1]", "stages[1].automations[0].remove[0]"], fields);
    }

    [Fact]
    public void Account_access_updates_name_existing_staff()
    {
        var fields = Fields(WithMiddle(NewStage("M", new UpdateAccountAccess { Grant = ["ghost"], Revoke = ["staff1", "ghost"] })));
        Assert.Equal(["stages[1].automations[0].grant[0]", "stages[1].automations[0].revoke[1]"], fields);
    }

    [Fact]
    public void Account_tag_updates_name_existing_tags()
    {
        var fields = Fields(WithMiddle(NewStage("M", new UpdateAccountTags { Add = ["business", "Personal"], Remove = ["Personal"] })));
        Assert.Equal(["stages[1].automations[0].add[1]", "stages[1].automations[0].remove[0]"], fields);
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("a/b")]
    public void Given_ids_must_be_well_formed(string id)
    {
        Assert.Contains("stages[1].id", Fields(WithMiddle(NewStage("M") with { Id = id })));
        Assert.Contains("stages[1].automations[0].id", Fields(WithMiddle(NewStage("M", new SendEmail { Id = id, TemplateId = "email1" }))));
    }

    [Fact]
    public void Stage_ids_are_unique_within_the_pipeline()
    {
        var pipeline = NewPipeline(NewStage("A") with { Id = "same" }, NewStage("B") with { Id = "same" });
        Assert.Contains("stages[1].id", Fields(pipeline));
    }

    [Fact]
    public void Automation_ids_are_unique_within_the_pipeline_across_stages()
    {
        var pipeline = NewPipeline(
            NewStage("A", new SendEmail { Id = "same", TemplateId = "email1" }),
            NewStage("B", new SendEmail { Id = "same", TemplateId = "email1" }));
        Assert.Contains("stages[1].automations[0].id", Fields(pipeline));
    }

    [Fact]
    public void Missing_stages_and_automations_are_violations_not_crashes()
    {
        Assert.Contains("stages[0]", Fields(NewPipeline(null!, NewStage("B"))));
        Assert.Contains("stages[0].automations[0]", Fields(NewPipeline(NewStage("A", [null!]), NewStage("B"))));
    }

    [Fact]
    public void Ids_are_assigned_when_absent_and_kept_when_given()
    {
        var counter = 0;
        var pipeline = NewPipeline(
            NewStage("A", new SendEmail { Id = "keep-automation", TemplateId = "email1" }, new SendEmail { TemplateId = "email1" }) with { Id = "keep-stage" },
            NewStage("B"));

        var assigned = pipeline.WithAssignedIds(() => $"new{++counter}");

        Assert.Equal("keep-stage", assigned.Stages[0].Id);
        Assert.Equal("keep-automation", assigned.Stages[0].Automations[0].Id);
        Assert.Equal("new1", assigned.Stages[0].Automations[1].Id);
        Assert.Equal("new2", assigned.Stages[1].Id);
    }

    [Fact]
    public void Referenced_templates_are_those_of_templated_automations()
    {
        var pipeline = NewPipeline(
            NewStage("A", new SendEmail { TemplateId = "email1" }, new UpdateAccountTags { Add = ["Business"] }),
            NewStage("B", new CreateRequest { TemplateId = "request1" }, new SendEmail { TemplateId = "email1" }));
        Assert.Equal(new HashSet<string> { "email1", "request1" }, PipelineRules.ReferencedTemplateIds(pipeline));
    }

    [Fact]
    public void Automation_and_stage_lists_may_be_empty_but_not_null()
    {
        Assert.Contains("stages[1].automations[0].remove", Fields(WithMiddle(NewStage("M", new UpdateJobAssignees { Add = ["staff1"], Remove = null! }))));
        Assert.Contains("stages[1].automations[0].grant", Fields(WithMiddle(NewStage("M", new UpdateAccountAccess { Grant = null! }))));
        Assert.Contains("stages[1].automations", Fields(WithMiddle(new Stage { Name = "M", Automations = null! })));
        Assert.Empty(Fields(WithMiddle(NewStage("M", new UpdateJobAssignees { Add = ["staff1"], Remove = [] }))));
    }
}
