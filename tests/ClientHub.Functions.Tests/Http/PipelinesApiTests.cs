using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using ClientHub.Core.Firms;
using ClientHub.Functions.Tests.Infrastructure;

namespace ClientHub.Functions.Tests.Http;

public sealed class PipelinesApiTests(ClientHubHost host) : IClassFixture<ClientHubHost>
{
    [Fact]
    public async Task A_tag_status_or_staff_member_a_pipeline_names_cannot_be_deleted_and_the_pipeline_still_round_trips()
    {
        var firm = await host.CreateFirmAsync();
        var tag = await firm.CreateTagAsync("Business");
        var unusedTag = await firm.CreateTagAsync("Unused");
        var status = await firm.CreateStatusAsync();
        var staff = await host.AddStaffAsync(firm);
        var created = await firm.Owner.PostJsonAsync("/api/pipelines", new
        {
            name = "Bookkeeping",
            stages = new object[]
            {
                new { name = "Start", automations = new object[]
                {
                    new { type = "updateClientFacingStatus", visible = true, statusId = status },
                    new { type = "updateJobAssignees", add = new[] { staff.Id } },
                } },
                new { name = "Business only", conditions = new { tags = new[] { "Business" } } },
                new { name = "Done" },
            },
        }).ExpectAsync(201);

        await firm.Owner.DeleteAsync($"/api/tags/{tag}").ExpectAsync(409);
        await firm.Owner.DeleteAsync($"/api/client-facing-statuses/{status}").ExpectAsync(409);
        await firm.Owner.DeleteAsync($"/api/staff/{staff.Id}").ExpectAsync(409);
        await firm.Owner.DeleteAsync($"/api/tags/{unusedTag}").ExpectAsync(204);

        var read = await firm.Owner.GetAsync($"/api/pipelines/{created.Id()}").ExpectAsync(200);
        await firm.Owner.PutAsync($"/api/pipelines/{created.Id()}", Json(read)).ExpectAsync(200);
    }

    [Fact]
    public async Task A_tag_an_account_has_cannot_be_deleted()
    {
        var firm = await host.CreateFirmAsync();
        var tag = await firm.CreateTagAsync("VIP");
        var accountId = await firm.CreateAccountAsync("Acme", "Company", "VIP");

        await firm.Owner.DeleteAsync($"/api/tags/{tag}").ExpectAsync(409);
        await firm.Owner.PostJsonAsync($"/api/accounts/{accountId}/tags", new { clear = true }).ExpectAsync(200);
        await firm.Owner.DeleteAsync($"/api/tags/{tag}").ExpectAsync(204);
    }

    private static async Task<string> CreateTemplateAsync(TestFirm firm, object template) =>
        (await firm.Owner.PostJsonAsync("/api/templates", template).ExpectAsync(201))["id"]!.GetValue<string>();

    private static Task<string> CreateEmailTemplateAsync(TestFirm firm) =>
        CreateTemplateAsync(firm, new { kind = "email", name = "Reminder", subject = "Documents", body = "Please upload." });

    private static Task<string> CreateRequestTemplateAsync(TestFirm firm) =>
        CreateTemplateAsync(firm, new { kind = "request", name = "Docs", title = "Tax documents", items = new[] { new { title = "W-2" } } });

    private static object TwoStages(string emailTemplateId, string requestTemplateId) => new
    {
        name = "Individual tax return",
        stages = new object[]
        {
            new
            {
                name = "Waiting for documents", automove = true,
                automations = new object[]
                {
                    new { type = "sendEmail", templateId = emailTemplateId },
                    new { type = "createRequest", templateId = requestTemplateId, reminders = new { enabled = true, daysBetween = 3, count = 2 } },
                },
            },
            new { name = "Done" },
        },
    };

    [Fact]
    public async Task A_pipeline_is_created_read_replaced_and_deleted()
    {
        var firm = await host.CreateFirmAsync();
        var body = TwoStages(await CreateEmailTemplateAsync(firm), await CreateRequestTemplateAsync(firm));

        var create = await firm.Owner.PostJsonAsync("/api/pipelines", body);
        Assert.Equal(HttpStatusCode.Created, create.StatusCode);
        Assert.NotNull(create.Headers.ETag);
        var created = await create.ReadJsonAsync();
        var id = created["id"]!.GetValue<string>();
        Assert.Equal($"/api/pipelines/{id}", create.Headers.Location?.OriginalString);
        Assert.False(created["stages"]![1]!["automove"]!.GetValue<bool>());
        Assert.Equal(2, created["stages"]![0]!["automations"]![1]!["reminders"]!["count"]!.GetValue<int>());

        var get = await firm.Owner.GetAsync($"/api/pipelines/{id}");
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.NotNull(get.Headers.ETag);
        var read = await get.ReadJsonAsync();
        Assert.Equal(created.ToJsonString(), read.ToJsonString());

        read["name"] = "Renamed";
        var put = await firm.Owner.PutJsonAsync($"/api/pipelines/{id}", read);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.NotNull(put.Headers.ETag);
        Assert.Equal("Renamed", (await firm.Owner.GetAsync($"/api/pipelines/{id}").ExpectAsync(200))["name"]!.GetValue<string>());

        var list = await firm.Owner.GetAsync("/api/pipelines").ExpectAsync(200);
        Assert.Equal(id, Assert.Single(list["items"]!.AsArray())!["id"]!.GetValue<string>());

        await firm.Owner.DeleteAsync($"/api/pipelines/{id}").ExpectAsync(204);
        await firm.Owner.GetAsync($"/api/pipelines/{id}").ExpectAsync(404);
    }

    [Fact]
    public async Task Stage_and_automation_ids_are_kept_across_a_put_and_assigned_when_absent()
    {
        var firm = await host.CreateFirmAsync();
        var emailId = await CreateEmailTemplateAsync(firm);
        var created = await firm.Owner.PostJsonAsync("/api/pipelines", TwoStages(emailId, await CreateRequestTemplateAsync(firm))).ExpectAsync(201);
        var id = created["id"]!.GetValue<string>();
        var firstStageId = created["stages"]![0]!["id"]!.GetValue<string>();
        var lastStageId = created["stages"]![1]!["id"]!.GetValue<string>();
        var emailAutomationId = created["stages"]![0]!["automations"]![0]!["id"]!.GetValue<string>();
        Assert.NotEqual(firstStageId, lastStageId);

        // Insert a stage between the two and an automation without ids; the body's own id is ignored.
        var edited = created.DeepClone();
        edited["id"] = "someotherid";
        edited["stages"]!.AsArray().Insert(1, new JsonObject
        {
            ["name"] = "Review",
            ["automations"] = new JsonArray(new JsonObject { ["type"] = "sendEmail", ["templateId"] = emailId }),
        });
        var replaced = await firm.Owner.PutJsonAsync($"/api/pipelines/{id}", edited).ExpectAsync(200);

        Assert.Equal(id, replaced["id"]!.GetValue<string>());
        var stages = replaced["stages"]!.AsArray();
        Assert.Equal(firstStageId, stages[0]!["id"]!.GetValue<string>());
        Assert.Equal(lastStageId, stages[2]!["id"]!.GetValue<string>());
        Assert.Equal(emailAutomationId, stages[0]!["automations"]![0]!["id"]!.GetValue<string>());
        var newStageId = stages[1]!["id"]!.GetValue<string>();
        var newAutomationId = stages[1]!["automations"]![0]!["id"]!.GetValue<string>();
        Assert.False(string.IsNullOrEmpty(newStageId));
        Assert.False(string.IsNullOrEmpty(newAutomationId));
        Assert.NotEqual(emailAutomationId, newAutomationId);

        var read = await firm.Owner.GetAsync($"/api/pipelines/{id}").ExpectAsync(200);
        Assert.Equal(newStageId, read["stages"]![1]!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Duplicate_stage_ids_are_rejected()
    {
        var firm = await host.CreateFirmAsync();
        var body = await firm.Owner.PostJsonAsync("/api/pipelines", new
        {
            name = "Dup", stages = new[] { new { id = "same", name = "A" }, new { id = "same", name = "B" } },
        }).ExpectAsync(400);
        Assert.NotNull(body["errors"]?["stages[1].id"]);
    }

    [Fact]
    public async Task An_unknown_template_is_rejected()
    {
        var firm = await host.CreateFirmAsync();
        var body = await firm.Owner.PostJsonAsync("/api/pipelines", TwoStages("nosuchtemplate", await CreateRequestTemplateAsync(firm))).ExpectAsync(400);
        Assert.NotNull(body["errors"]?["stages[0].automations[0].templateId"]);
    }

    [Fact]
    public async Task A_template_of_the_wrong_kind_is_rejected()
    {
        var firm = await host.CreateFirmAsync();
        var emailId = await CreateEmailTemplateAsync(firm);
        var body = await firm.Owner.PostJsonAsync("/api/pipelines", TwoStages(emailId, emailId)).ExpectAsync(400);
        Assert.NotNull(body["errors"]?["stages[0].automations[1].templateId"]);
        Assert.Null(body["errors"]?["stages[0].automations[0].templateId"]);
    }

    [Fact]
    public async Task Condition_tags_must_exist_and_are_matched_case_insensitively()
    {
        var firm = await host.CreateFirmAsync();
        await host.AddTagAsync(firm, "Business");
        object Pipeline(string tag) => new
        {
            name = "Conditional",
            stages = new object[]
            {
                new { name = "Start" },
                new { name = "Business only", conditions = new { tags = new[] { tag } } },
                new { name = "Done" },
            },
        };

        await firm.Owner.PostJsonAsync("/api/pipelines", Pipeline("business")).ExpectAsync(201);
        var body = await firm.Owner.PostJsonAsync("/api/pipelines", Pipeline("Personal")).ExpectAsync(400);
        Assert.NotNull(body["errors"]?["stages[1].conditions.tags[0]"]);
    }

    [Fact]
    public async Task Invalid_definitions_list_every_error()
    {
        var firm = await host.CreateFirmAsync();
        var body = await firm.Owner.PostJsonAsync("/api/pipelines", new
        {
            name = "",
            stages = new object[] { new { name = "Only", automove = true } },
        }).ExpectAsync(400);
        var errors = body["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("name"));
        Assert.True(errors.ContainsKey("stages"));
    }

    [Theory]
    [InlineData("""{ "name": "P", "stages": [ { "name": "A", "color": "red" }, { "name": "B" } ] }""")]
    [InlineData("""{ "name": "P", "stages": [ { "name": "A", "automations": [ { "type": "launchRocket" } ] }, { "name": "B" } ] }""")]
    [InlineData("""{ "name": "P", "stages": [ { "name": "A", "automations": [ { "templateId": "x" } ] }, { "name": "B" } ] }""")]
    [InlineData("""{ "name": "P", "stages": [ null, { "name": "B" } ] }""")]
    [InlineData("""{ "name": "P", "stages": null }""")]
    [InlineData("""{ "name": "P", "stages": [ { "name": "A", "automations": [ null ] }, { "name": "B" } ] }""")]
    public async Task Malformed_pipelines_are_a_400_problem(string json)
    {
        var firm = await host.CreateFirmAsync();
        var response = await firm.Owner.PostAsync("/api/pipelines", new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(response.IsProblem());
    }

    [Fact]
    public async Task Staff_may_read_pipelines_but_not_write_them()
    {
        var firm = await host.CreateFirmAsync();
        var (_, staff) = await host.AddStaffMemberAsync(firm, StaffRole.Staff);
        var (_, admin) = await host.AddStaffMemberAsync(firm, StaffRole.Admin);
        var body = new { name = "P", stages = new[] { new { name = "A" }, new { name = "B" } } };

        var created = await admin.PostJsonAsync("/api/pipelines", body).ExpectAsync(201);
        var id = created["id"]!.GetValue<string>();

        await staff.GetAsync($"/api/pipelines/{id}").ExpectAsync(200);
        await staff.GetAsync("/api/pipelines").ExpectAsync(200);
        await staff.PostJsonAsync("/api/pipelines", body).ExpectAsync(403);
        await staff.PutJsonAsync($"/api/pipelines/{id}", created).ExpectAsync(403);
        await staff.DeleteAsync($"/api/pipelines/{id}").ExpectAsync(403);
    }

    [Fact]
    public async Task A_stale_If_Match_is_a_412()
    {
        var firm = await host.CreateFirmAsync();
        var create = await firm.Owner.PostJsonAsync("/api/pipelines", new { name = "P", stages = new[] { new { name = "A" }, new { name = "B" } } });
        var staleETag = create.Headers.ETag!;
        var created = await create.ReadJsonAsync();
        var id = created["id"]!.GetValue<string>();

        using var fresh = new HttpRequestMessage(HttpMethod.Put, $"/api/pipelines/{id}") { Content = Json(created) };
        fresh.Headers.IfMatch.Add(staleETag);
        await firm.Owner.SendAsync(fresh).ExpectAsync(200);

        using var stale = new HttpRequestMessage(HttpMethod.Put, $"/api/pipelines/{id}") { Content = Json(created) };
        stale.Headers.IfMatch.Add(staleETag);
        var response = await firm.Owner.SendAsync(stale);
        Assert.Equal(HttpStatusCode.PreconditionFailed, response.StatusCode);
        Assert.True(response.IsProblem());
    }

    [Fact]
    public async Task Another_firms_pipelines_are_not_found_and_never_listed()
    {
        var firm = await host.CreateFirmAsync();
        var other = await host.CreateFirmAsync();
        var created = await firm.Owner.PostJsonAsync("/api/pipelines", new { name = "P", stages = new[] { new { name = "A" }, new { name = "B" } } })
            .ExpectAsync(201);
        var id = created["id"]!.GetValue<string>();

        await other.Owner.GetAsync($"/api/pipelines/{id}").ExpectAsync(404);
        await other.Owner.PutJsonAsync($"/api/pipelines/{id}", created).ExpectAsync(404);
        await other.Owner.DeleteAsync($"/api/pipelines/{id}").ExpectAsync(404);
        await other.Owner.DeleteAsync("/api/pipelines/not%20an%20id").ExpectAsync(404);
        Assert.Empty((await other.Owner.GetAsync("/api/pipelines").ExpectAsync(200))["items"]!.AsArray());
        await firm.Owner.GetAsync($"/api/pipelines/{id}").ExpectAsync(200);
    }

    [Fact]
    public async Task Another_firms_template_is_unknown_to_a_pipeline()
    {
        var firm = await host.CreateFirmAsync();
        var other = await host.CreateFirmAsync();
        var foreignEmail = await CreateEmailTemplateAsync(other);
        var body = await firm.Owner.PostJsonAsync("/api/pipelines", TwoStages(foreignEmail, await CreateRequestTemplateAsync(firm))).ExpectAsync(400);
        Assert.NotNull(body["errors"]?["stages[0].automations[0].templateId"]);
    }

    private static StringContent Json(JsonNode node)
    {
        var content = new StringContent(node.ToJsonString(), Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }
}
