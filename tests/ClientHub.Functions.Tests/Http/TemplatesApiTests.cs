using System.Net;
using System.Text;
using ClientHub.Core.Firms;
using ClientHub.Functions.Tests.Infrastructure;

namespace ClientHub.Functions.Tests.Http;

public sealed class TemplatesApiTests(ClientHubHost host) : IClassFixture<ClientHubHost>
{
    private static object Email(string body = "Hello {{contact.firstName}}") =>
        new { kind = "email", name = "Welcome", subject = "Welcome to {{firm.name}}", body };

    [Fact]
    public async Task A_template_is_created_read_replaced_and_deleted()
    {
        var firm = await host.CreateFirmAsync();
        var create = await firm.Owner.PostJsonAsync("/api/templates", Email());
        Assert.Equal(HttpStatusCode.Created, create.StatusCode);
        Assert.NotNull(create.Headers.ETag);
        var created = await create.ReadJsonAsync();
        var id = created["id"]!.GetValue<string>();
        Assert.Equal($"/api/templates/{id}", create.Headers.Location?.OriginalString);
        Assert.Equal("email", created["kind"]!.GetValue<string>());

        var get = await firm.Owner.GetAsync($"/api/templates/{id}");
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.NotNull(get.Headers.ETag);
        var read = await get.ReadJsonAsync();
        Assert.Equal("Welcome to {{firm.name}}", read["subject"]!.GetValue<string>());

        read["subject"] = "Changed";
        var put = await firm.Owner.PutJsonAsync($"/api/templates/{id}", read);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.NotNull(put.Headers.ETag);
        var replaced = await firm.Owner.GetAsync($"/api/templates/{id}").ExpectAsync(200);
        Assert.Equal("Changed", replaced["subject"]!.GetValue<string>());
        Assert.Equal(id, replaced["id"]!.GetValue<string>());

        await firm.Owner.DeleteAsync($"/api/templates/{id}").ExpectAsync(204);
        await firm.Owner.GetAsync($"/api/templates/{id}").ExpectAsync(404);
    }

    [Fact]
    public async Task Templates_are_writable_by_every_staff_member()
    {
        var firm = await host.CreateFirmAsync();
        var (_, staff) = await host.AddStaffMemberAsync(firm, StaffRole.Staff);
        await staff.PostJsonAsync("/api/templates", Email()).ExpectAsync(201);
    }

    [Fact]
    public async Task The_list_can_be_filtered_by_kind()
    {
        var firm = await host.CreateFirmAsync();
        await firm.Owner.PostJsonAsync("/api/templates", Email()).ExpectAsync(201);
        await firm.Owner.PostJsonAsync("/api/templates", new { kind = "folder", name = "Tax", folders = new[] { "2026/Tax" } }).ExpectAsync(201);

        var all = await firm.Owner.GetAsync("/api/templates").ExpectAsync(200);
        Assert.Equal(2, all["items"]!.AsArray().Count);
        Assert.True(all.AsObject().ContainsKey("continuationToken"));
        var folders = await firm.Owner.GetAsync("/api/templates?kind=folder").ExpectAsync(200);
        Assert.Equal("folder", Assert.Single(folders["items"]!.AsArray())!["kind"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_100000_character_email_body_round_trips_and_one_more_is_rejected()
    {
        var firm = await host.CreateFirmAsync();
        var body = new StringBuilder().Insert(0, "é", 100_000).ToString();
        var created = await firm.Owner.PostJsonAsync("/api/templates", Email(body)).ExpectAsync(201);
        var read = await firm.Owner.GetAsync($"/api/templates/{created["id"]}").ExpectAsync(200);
        Assert.Equal(body, read["body"]!.GetValue<string>());

        var rejected = await firm.Owner.PostJsonAsync("/api/templates", Email(body + "x")).ExpectAsync(400);
        Assert.NotNull(rejected["errors"]?["body"]);
    }

    [Theory]
    [InlineData("""{ "name": "No kind", "subject": "s", "body": "b" }""")]
    [InlineData("""{ "kind": "sms", "name": "Unknown kind", "text": "t" }""")]
    [InlineData("""{ "kind": "email", "name": "Extra", "subject": "s", "body": "b", "cc": "x" }""")]
    [InlineData("""{ "kind": "email", "name": "Missing subject", "body": "b" }""")]
    [InlineData("""[]""")]
    [InlineData("""null""")]
    public async Task Malformed_templates_are_a_400_problem(string json)
    {
        var firm = await host.CreateFirmAsync();
        var response = await firm.Owner.PostAsync("/api/templates", new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(response.IsProblem());
    }

    [Fact]
    public async Task A_task_assignee_must_be_a_staff_member_of_the_firm()
    {
        var firm = await host.CreateFirmAsync();
        var other = await host.CreateFirmAsync();
        object Task(string staffId) => new { kind = "task", name = "Review", title = "Review", assignee = new { staffId }, dueInDays = 2 };

        await firm.Owner.PostJsonAsync("/api/templates", Task(firm.OwnerId)).ExpectAsync(201);
        var rejected = await firm.Owner.PostJsonAsync("/api/templates", Task(other.OwnerId)).ExpectAsync(400);
        Assert.NotNull(rejected["errors"]?["assignee.staffId"]);
    }

    [Fact]
    public async Task A_proposal_must_point_at_an_invoice_template()
    {
        var firm = await host.CreateFirmAsync();
        var invoice = await firm.Owner.PostJsonAsync("/api/templates", new
        {
            kind = "invoice", name = "Fee", currency = "EUR", lines = new[] { new { description = "Return", quantity = 1, unitPrice = 300 } },
        }).ExpectAsync(201);
        var email = await firm.Owner.PostJsonAsync("/api/templates", Email()).ExpectAsync(201);
        object Proposal(string invoiceTemplateId) => new { kind = "proposal", name = "Engagement", title = "Engagement", body = "...", invoiceTemplateId };

        await firm.Owner.PostJsonAsync("/api/templates", Proposal(invoice["id"]!.GetValue<string>())).ExpectAsync(201);
        var rejected = await firm.Owner.PostJsonAsync("/api/templates", Proposal(email["id"]!.GetValue<string>())).ExpectAsync(400);
        Assert.NotNull(rejected["errors"]?["invoiceTemplateId"]);
    }

    [Fact]
    public async Task A_job_template_status_must_exist()
    {
        var firm = await host.CreateFirmAsync();
        var status = await host.AddStatusAsync(firm, "Preparing");
        object Job(string clientFacingStatusId) => new { kind = "job", name = "1040", jobName = "[ACCOUNT_NAME] [YEAR]", priority = "High", clientFacingStatusId };

        await firm.Owner.PostJsonAsync("/api/templates", Job(status.Id)).ExpectAsync(201);
        var rejected = await firm.Owner.PostJsonAsync("/api/templates", Job("nosuchstatus")).ExpectAsync(400);
        Assert.NotNull(rejected["errors"]?["clientFacingStatusId"]);
    }

    [Fact]
    public async Task A_template_kind_cannot_change_on_put()
    {
        var firm = await host.CreateFirmAsync();
        var created = await firm.Owner.PostJsonAsync("/api/templates", Email()).ExpectAsync(201);
        var rejected = await firm.Owner.PutJsonAsync($"/api/templates/{created["id"]}",
            new { kind = "folder", name = "Tax", folders = new[] { "2026" } }).ExpectAsync(400);
        Assert.NotNull(rejected["errors"]?["kind"]);
    }

    [Fact]
    public async Task A_stale_If_Match_is_a_412()
    {
        var firm = await host.CreateFirmAsync();
        var create = await firm.Owner.PostJsonAsync("/api/templates", Email());
        var staleETag = create.Headers.ETag!;
        var id = (await create.ReadJsonAsync())["id"]!.GetValue<string>();
        await firm.Owner.PutJsonAsync($"/api/templates/{id}", Email("second")).ExpectAsync(200);

        using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/templates/{id}") { Content = JsonContent(Email("third")) };
        request.Headers.IfMatch.Add(staleETag);
        var response = await firm.Owner.SendAsync(request);
        Assert.Equal(HttpStatusCode.PreconditionFailed, response.StatusCode);
        Assert.True(response.IsProblem());
    }

    [Fact]
    public async Task Another_firms_templates_are_not_found_and_never_listed()
    {
        var firm = await host.CreateFirmAsync();
        var other = await host.CreateFirmAsync();
        var created = await firm.Owner.PostJsonAsync("/api/templates", Email()).ExpectAsync(201);
        var id = created["id"]!.GetValue<string>();

        await other.Owner.GetAsync($"/api/templates/{id}").ExpectAsync(404);
        await other.Owner.PutJsonAsync($"/api/templates/{id}", Email()).ExpectAsync(404);
        await other.Owner.DeleteAsync($"/api/templates/{id}").ExpectAsync(404);
        await other.Owner.GetAsync("/api/templates/not..an..id").ExpectAsync(404);
        var list = await other.Owner.GetAsync("/api/templates").ExpectAsync(200);
        Assert.Empty(list["items"]!.AsArray());
        await firm.Owner.GetAsync($"/api/templates/{id}").ExpectAsync(200);
    }

    [Fact]
    public async Task A_template_used_by_a_pipeline_cannot_be_deleted()
    {
        var firm = await host.CreateFirmAsync();
        var email = (await firm.Owner.PostJsonAsync("/api/templates", Email()).ExpectAsync(201))["id"]!.GetValue<string>();
        await firm.Owner.PostJsonAsync("/api/pipelines", new
        {
            name = "Onboarding",
            stages = new object[]
            {
                new { name = "Welcome", automations = new object[] { new { type = "sendEmail", templateId = email } } },
                new { name = "Done" },
            },
        }).ExpectAsync(201);

        await firm.Owner.DeleteAsync($"/api/templates/{email}").ExpectAsync(409);
    }

    [Fact]
    public async Task An_invoice_template_a_proposal_template_names_cannot_be_deleted()
    {
        var firm = await host.CreateFirmAsync();
        var invoice = (await firm.Owner.PostJsonAsync("/api/templates", new
        {
            kind = "invoice", name = "Fee", currency = "EUR", lines = new[] { new { description = "Return", quantity = 1, unitPrice = 300 } },
        }).ExpectAsync(201)).Id();
        var proposal = (await firm.Owner.PostJsonAsync("/api/templates", new { kind = "proposal", name = "Offer", title = "Our offer", body = "…", invoiceTemplateId = invoice })
            .ExpectAsync(201)).Id();

        await firm.Owner.DeleteAsync($"/api/templates/{invoice}").ExpectAsync(409);
        await firm.Owner.DeleteAsync($"/api/templates/{proposal}").ExpectAsync(204);
        await firm.Owner.DeleteAsync($"/api/templates/{invoice}").ExpectAsync(204);
    }

    private static StringContent JsonContent(object value) =>
        new(System.Text.Json.JsonSerializer.Serialize(value), Encoding.UTF8, "application/json");
}
