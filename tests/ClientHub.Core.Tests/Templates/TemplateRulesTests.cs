using ClientHub.Core.Templates;

namespace ClientHub.Core.Tests.Templates;

public sealed class TemplateRulesTests
{
    private static readonly FirmReferences References = new()
    {
        TemplateKinds = new Dictionary<string, string> { ["invoice1"] = TemplateKinds.Invoice, ["email1"] = TemplateKinds.Email },
        StaffIds = new HashSet<string> { "staff1" },
        StatusIds = new HashSet<string> { "status1" },
    };

    private static IReadOnlyList<string> Fields(Template template) =>
        TemplateRules.Validate(template, References).Select(v => v.Field).ToList();

    private static readonly EmailTemplate Email = new() { Name = "Welcome", Subject = "Hello", Body = "Dear {{contact.firstName}}" };
    private static readonly TaskTemplate Task = new() { Name = "Review", Title = "Review the return" };
    private static readonly RequestTemplate Request = new() { Name = "Docs", Title = "Documents", Items = [new RequestTemplateItem("W-2", null)] };
    private static readonly OrganizerTemplate Organizer = new() { Name = "Intake", Title = "Intake", Questions = [new OrganizerQuestion("q1", "Married?", "yesNo")] };
    private static readonly InvoiceTemplate Invoice = new() { Name = "Fee", Lines = [new InvoiceLine("Return", 1, 300)], Currency = "EUR" };
    private static readonly ProposalTemplate Proposal = new() { Name = "Engagement", Title = "Engagement letter" };
    private static readonly MessageTemplate Message = new() { Name = "Note", Subject = "Next steps", ClientTasks = ["Sign the form"] };
    private static readonly FolderTemplate Folder = new() { Name = "Tax", Folders = ["2026/Tax"] };
    private static readonly JobTemplate Job = new() { Name = "1040", JobName = "[ACCOUNT_NAME] [YEAR]" };

    public static TheoryData<Template> ValidTemplates => [Email, Task, Request, Organizer, Invoice, Proposal, Message, Folder, Job];

    [Theory]
    [MemberData(nameof(ValidTemplates))]
    public void A_valid_template_of_each_kind_has_no_violations(Template template) => Assert.Empty(Fields(template));

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Every_template_needs_a_name(string name) => Assert.Contains("name", Fields(Folder with { Name = name }));

    [Fact]
    public void A_name_is_at_most_200_characters()
    {
        Assert.Empty(Fields(Folder with { Name = new string('n', 200) }));
        Assert.Contains("name", Fields(Folder with { Name = new string('n', 201) }));
    }

    [Fact]
    public void An_email_needs_a_subject_of_at_most_200_characters()
    {
        Assert.Contains("subject", Fields(Email with { Subject = "" }));
        Assert.Contains("subject", Fields(Email with { Subject = new string('s', 201) }));
    }

    [Fact]
    public void An_email_needs_a_body() => Assert.Contains("body", Fields(Email with { Body = "" }));

    [Fact]
    public void An_email_body_is_at_most_100000_characters()
    {
        Assert.Empty(Fields(Email with { Body = new string('b', 100_000) }));
        Assert.Contains("body", Fields(Email with { Body = new string('b', 100_001) }));
    }

    [Fact]
    public void A_task_needs_a_title() => Assert.Contains("title", Fields(Task with { Title = "" }));

    [Fact]
    public void A_task_is_not_due_before_it_is_created()
    {
        Assert.Contains("dueInDays", Fields(Task with { DueInDays = -1 }));
        Assert.Empty(Fields(Task with { DueInDays = 0 }));
    }

    [Fact]
    public void A_task_assignee_is_an_existing_staff_member_or_the_job_assignees()
    {
        Assert.Empty(Fields(Task with { Assignee = new TaskAssignee("staff1", null) }));
        Assert.Empty(Fields(Task with { Assignee = new TaskAssignee(null, TaskAssignee.JobAssignees) }));
        Assert.Contains("assignee.staffId", Fields(Task with { Assignee = new TaskAssignee("ghost", null) }));
        Assert.Contains("assignee", Fields(Task with { Assignee = new TaskAssignee(null, "everyone") }));
        Assert.Contains("assignee", Fields(Task with { Assignee = new TaskAssignee("staff1", TaskAssignee.JobAssignees) }));
        Assert.Contains("assignee", Fields(Task with { Assignee = new TaskAssignee(null, null) }));
    }

    [Fact]
    public void A_request_needs_a_title() => Assert.Contains("title", Fields(Request with { Title = "" }));

    [Fact]
    public void A_request_needs_at_least_one_item()
    {
        Assert.Contains("items", Fields(Request with { Items = [] }));
        Assert.Contains("items", Fields(Request with { Items = null! }));
    }

    [Fact]
    public void A_request_item_needs_a_title_of_at_most_200_characters()
    {
        Assert.Contains("items[0].title", Fields(Request with { Items = [new RequestTemplateItem("", null)] }));
        Assert.Contains("items[0].title", Fields(Request with { Items = [new RequestTemplateItem(new string('t', 201), null)] }));
    }

    [Fact]
    public void An_organizer_needs_a_title() => Assert.Contains("title", Fields(Organizer with { Title = "" }));

    [Fact]
    public void Titles_and_subjects_of_every_kind_are_at_most_200_characters()
    {
        var tooLong = new string('t', 201);
        Assert.Contains("title", Fields(Task with { Title = tooLong }));
        Assert.Contains("title", Fields(Request with { Title = tooLong }));
        Assert.Contains("title", Fields(Organizer with { Title = tooLong }));
        Assert.Contains("title", Fields(Proposal with { Title = tooLong }));
        Assert.Contains("subject", Fields(Message with { Subject = tooLong }));
        Assert.Empty(Fields(Task with { Title = new string('t', 200) }));
    }

    [Fact]
    public void Organizer_question_ids_are_unique()
    {
        var questions = new[] { new OrganizerQuestion("q1", "A?", "text"), new OrganizerQuestion("q1", "B?", "text") };
        Assert.Contains("questions[1].id", Fields(Organizer with { Questions = questions }));
    }

    [Fact]
    public void Organizer_questions_need_an_id_and_text()
    {
        var fields = Fields(Organizer with { Questions = [new OrganizerQuestion("", "", "text")] });
        Assert.Contains("questions[0].id", fields);
        Assert.Contains("questions[0].text", fields);
    }

    [Theory]
    [InlineData("text", true)]
    [InlineData("yesNo", true)]
    [InlineData("number", true)]
    [InlineData("file", true)]
    [InlineData("date", true)]
    [InlineData("time", false)]
    [InlineData("YesNo", false)]
    public void Organizer_question_types_are_API_md_s(string type, bool valid)
    {
        var fields = Fields(Organizer with { Questions = [new OrganizerQuestion("q1", "Q?", type)] });
        Assert.Equal(valid, !fields.Contains("questions[0].type"));
    }

    [Fact]
    public void A_choice_question_lists_its_choices_and_no_other_question_has_any()
    {
        Assert.Contains("questions[0].choices", Fields(Organizer with { Questions = [new OrganizerQuestion("q1", "Q?", "choice")] }));
        Assert.Contains("questions[0].choices", Fields(Organizer with { Questions = [new OrganizerQuestion("q1", "Q?", "choice", Choices: ["A", "A"])] }));
        Assert.Contains("questions[0].choices", Fields(Organizer with { Questions = [new OrganizerQuestion("q1", "Q?", "text", Choices: ["A"])] }));
        Assert.Empty(Fields(Organizer with { Questions = [new OrganizerQuestion("q1", "Q?", "choice", Required: true, Choices: ["A", "B"])] }));
    }

    [Fact]
    public void An_invoice_needs_at_least_one_line() => Assert.Contains("lines", Fields(Invoice with { Lines = [] }));

    [Fact]
    public void An_invoice_line_quantity_is_positive()
    {
        Assert.Contains("lines[0].quantity", Fields(Invoice with { Lines = [new InvoiceLine("x", 0, 10)] }));
        Assert.Empty(Fields(Invoice with { Lines = [new InvoiceLine("x", 0.5m, 10)] }));
    }

    [Fact]
    public void An_invoice_line_unit_price_is_not_negative()
    {
        Assert.Contains("lines[0].unitPrice", Fields(Invoice with { Lines = [new InvoiceLine("x", 1, -0.01m)] }));
        Assert.Empty(Fields(Invoice with { Lines = [new InvoiceLine("Free consultation", 1, 0)] }));
    }

    [Fact]
    public void An_invoice_line_is_bounded_so_that_no_total_can_overflow()
    {
        Assert.Contains("lines[0].unitPrice", Fields(Invoice with { Lines = [new InvoiceLine("x", 1, decimal.MaxValue)] }));
        Assert.Contains("lines[0].quantity", Fields(Invoice with { Lines = [new InvoiceLine("x", decimal.MaxValue, 1)] }));
        Assert.Empty(Fields(Invoice with { Lines = [new InvoiceLine("x", 1_000_000, 1_000_000_000_000m)] }));
    }

    [Fact]
    public void Lists_may_be_empty_but_not_null()
    {
        Assert.Contains("clientTasks", Fields(Message with { ClientTasks = null! }));
        Assert.Empty(Fields(Message with { ClientTasks = [] }));
        Assert.Contains("folders", Fields(Folder with { Folders = null! }));
        Assert.Contains("assigneeIds", Fields(Job with { AssigneeIds = null! }));
    }

    [Theory]
    [InlineData("usd")]
    [InlineData("EURO")]
    [InlineData("E1")]
    [InlineData("")]
    public void An_invoice_currency_is_a_three_letter_code(string currency) =>
        Assert.Contains("currency", Fields(Invoice with { Currency = currency }));

    [Fact]
    public void A_proposal_needs_a_title() => Assert.Contains("title", Fields(Proposal with { Title = "" }));

    [Fact]
    public void A_proposal_invoice_template_must_be_an_existing_invoice_template()
    {
        Assert.Empty(Fields(Proposal with { InvoiceTemplateId = "invoice1" }));
        Assert.Contains("invoiceTemplateId", Fields(Proposal with { InvoiceTemplateId = "email1" }));
        Assert.Contains("invoiceTemplateId", Fields(Proposal with { InvoiceTemplateId = "ghost" }));
    }

    [Fact]
    public void A_proposal_body_is_at_most_100000_characters() =>
        Assert.Contains("body", Fields(Proposal with { Body = new string('b', 100_001) }));

    [Fact]
    public void A_message_needs_a_subject() => Assert.Contains("subject", Fields(Message with { Subject = "" }));

    [Fact]
    public void A_message_body_is_at_most_100000_characters() =>
        Assert.Contains("body", Fields(Message with { Body = new string('b', 100_001) }));

    [Fact]
    public void Message_client_tasks_are_non_empty_and_at_most_200_characters()
    {
        Assert.Contains("clientTasks[0]", Fields(Message with { ClientTasks = [new string('t', 201)] }));
        Assert.Contains("clientTasks[1]", Fields(Message with { ClientTasks = ["ok", ""] }));
    }

    [Theory]
    [InlineData("")]
    [InlineData("../outside")]
    [InlineData("2026/../../etc")]
    [InlineData("2026\\..")]
    public void Folder_paths_are_non_empty_and_never_climb_out(string path) =>
        Assert.Contains("folders[0]", Fields(Folder with { Folders = [path] }));

    [Fact]
    public void A_job_template_needs_a_job_name() => Assert.Contains("jobName", Fields(Job with { JobName = "" }));

    [Theory]
    [InlineData("Low", true)]
    [InlineData("Urgent", true)]
    [InlineData("Critical", false)]
    [InlineData("high", false)]
    public void A_job_priority_is_low_medium_high_or_urgent(string priority, bool valid) =>
        Assert.Equal(valid, !Fields(Job with { Priority = priority }).Contains("priority"));

    [Fact]
    public void A_job_client_facing_status_must_exist()
    {
        Assert.Empty(Fields(Job with { ClientFacingStatusId = "status1" }));
        Assert.Contains("clientFacingStatusId", Fields(Job with { ClientFacingStatusId = "ghost" }));
    }

    [Fact]
    public void Job_assignees_are_existing_staff() =>
        Assert.Equal(["assigneeIds[1]"], Fields(Job with { AssigneeIds = ["staff1", "ghost"] }));

    [Fact]
    public void Job_offsets_are_not_negative()
    {
        var fields = Fields(Job with { StartInDays = -1, DueInDays = -1 });
        Assert.Contains("startInDays", fields);
        Assert.Contains("dueInDays", fields);
    }

    [Fact]
    public void Only_a_proposal_references_another_template()
    {
        Assert.Equal(["invoice1"], TemplateRules.ReferencedTemplateIds(Proposal with { InvoiceTemplateId = "invoice1" }));
        Assert.Empty(TemplateRules.ReferencedTemplateIds(Proposal));
        Assert.Empty(TemplateRules.ReferencedTemplateIds(Email));
    }

    private static readonly string TooLongDescription = new('d', 4_001);

    public static TheoryData<Template, string> DescriptionsTooLong => new()
    {
        { Task with { Description = TooLongDescription }, "description" },
        { Request with { Description = TooLongDescription }, "description" },
        { Request with { Items = [new RequestTemplateItem("W-2", TooLongDescription)] }, "items[0].description" },
        { Organizer with { Questions = [new OrganizerQuestion("q1", TooLongDescription, "text")] }, "questions[0].text" },
        { Invoice with { Lines = [new InvoiceLine(TooLongDescription, 1, 1)] }, "lines[0].description" },
        { Folder with { Folders = [TooLongDescription] }, "folders[0]" },
    };

    [Theory]
    [MemberData(nameof(DescriptionsTooLong))]
    public void Descriptions_are_at_most_4000_characters(Template template, string field) => Assert.Contains(field, Fields(template));

    [Fact]
    public void An_invoice_is_not_due_before_it_is_created() => Assert.Contains("dueInDays", Fields(Invoice with { DueInDays = -1 }));

    [Fact]
    public void Missing_list_entries_are_violations_not_crashes()
    {
        Assert.Contains("items[0]", Fields(Request with { Items = [null!] }));
        Assert.Contains("questions[0]", Fields(Organizer with { Questions = [null!] }));
        Assert.Contains("lines[0]", Fields(Invoice with { Lines = [null!] }));
    }
}
