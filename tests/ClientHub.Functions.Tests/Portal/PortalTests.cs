using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ClientHub.Core.Pipelines;
using ClientHub.Core.Templates;
using ClientHub.Functions.Tests.Infrastructure;
using ClientHub.Functions.Tests.Jobs;
using static ClientHub.Functions.Tests.Jobs.StageBuilder;

namespace ClientHub.Functions.Tests.Portal;

public sealed class PortalTests(PortalHost host) : IClassFixture<PortalHost>
{
    private static Task<Template> RequestTemplateAsync(Scenario s) =>
        s.TemplateAsync(new RequestTemplate { Name = "docs", Title = "Documents for 2026", Items = [new("W-2", null), new("1099", null)] });

    /// <summary>A job waiting in "Waiting for documents" for a request, its client-facing status visible; returns the request's id.</summary>
    private static async Task<(string JobId, string RequestId, Pipeline Pipeline)> WaitingForDocumentsAsync(Scenario s, PortalClient client)
    {
        var status = await s.StatusAsync("Waiting for your documents");
        var pipeline = await s.PipelineAsync(
            Stage("Waiting for documents", true, null, new CreateRequest { TemplateId = (await RequestTemplateAsync(s)).Id },
                new UpdateClientFacingStatus { Visible = true, StatusId = status.Id, Description = "Upload your W-2 and 1099" }),
            Stage("Preparation"));
        var jobId = await s.AddJobAsync(client.Account, pipeline);
        await s.AtStageAsync(jobId, pipeline.Stages[0]);
        var requestId = (await s.ItemsAsync(jobId)).Single()!.Id();
        return (jobId, requestId, pipeline);
    }

    private IEnumerable<(string To, string Subject)> Notifications(string to) => host.SendGrid.Recipients().Where(r => r.To == to);

    [Fact]
    public async Task Only_jobs_with_a_visible_status_are_shown_with_the_stage_s_description()
    {
        var s = await Scenario.CreateAsync(host);
        var client = await PortalClient.SignInAsync(host, s);
        var (jobId, _, _) = await WaitingForDocumentsAsync(s, client);
        var hidden = await s.StatusAsync("Internal review");
        var quiet = await s.PipelineAsync(Stage("Review", false, null, new UpdateClientFacingStatus { Visible = false, StatusId = hidden.Id }),
            Stage("Done"));
        var hiddenJob = await s.AddJobAsync(client.Account, quiet);
        await s.SettledAsync(hiddenJob);

        var jobs = await client.ListAsync("jobs");

        var shown = Assert.Single(jobs)!;
        Assert.Equal(jobId, shown.Id());
        Assert.Equal("Waiting for your documents", shown["status"]!["name"]!.GetValue<string>());
        Assert.Equal("Upload your W-2 and 1099", shown["status"]!["description"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_client_works_through_a_request_and_submits_it_and_the_job_moves_on_by_itself()
    {
        var s = await Scenario.CreateAsync(host);
        var client = await PortalClient.SignInAsync(host, s);
        var (jobId, requestId, pipeline) = await WaitingForDocumentsAsync(s, client);
        var listed = await client.ListAsync("requests?q=2026&status=Sent");
        Assert.Equal(requestId, Assert.Single(listed)!.Id());
        Assert.Empty(await client.ListAsync("requests?q=no-such-words"));

        var started = await client.Http.PatchAsJsonAsync($"/api/portal/requests/{requestId}/items/i1", new { status = "InProgress" }).ExpectAsync(200);
        Assert.Equal(1, started["summary"]!["inProgress"]!.GetValue<int>());
        var firmView = await s.Api.GetAsync($"/api/requests/{requestId}").ExpectAsync(200);
        Assert.Equal(new[] { 2, 1, 1, 0 }, new[] { "sent", "todo", "inProgress", "done" }.Select(k => firmView["summary"]![k]!.GetValue<int>()));
        await client.Http.PatchAsJsonAsync($"/api/portal/requests/{requestId}/items/i1", new { status = "Done" }).ExpectAsync(200);
        var perJob = await s.Api.GetAsync($"/api/jobs/{jobId}/request-summary").ExpectAsync(200);
        Assert.Equal(new[] { 1, 2, 1, 0, 1 }, new[] { "requests", "sent", "todo", "inProgress", "done" }.Select(k => perJob[k]!.GetValue<int>()));
        await client.Http.PostAsJsonAsync($"/api/portal/requests/{requestId}/items/i2/comments", new { text = "Mine comes next week" })
            .ExpectAsync(200);
        var answered = await s.Api.PostAsJsonAsync($"/api/requests/{requestId}/items/i2/comments", new { text = "Thanks, no rush" }).ExpectAsync(200);
        Assert.Equal(["Mine comes next week", "Thanks, no rush"],
            answered["items"]![1]!["comments"]!.AsArray().Select(c => c!["text"]!.GetValue<string>()));
        Assert.Equal(pipeline.Stages[0].Id, (await s.JobAsync(jobId))["stageId"]!.GetValue<string>());

        var w2 = await client.Http.PostAsync($"/api/portal/requests/{requestId}/items/i1/documents",
            DocumentUploads.Form(new MemoryStream(DocumentUploads.Pdf), "W-2 2026.pdf")).ExpectAsync(201);
        var form1099 = await client.Http.PostAsync($"/api/portal/requests/{requestId}/items/i2/documents",
            DocumentUploads.Form(new MemoryStream(DocumentUploads.Png), "1099 scan.png")).ExpectAsync(201);

        var submitted = await client.Http.PostAsync($"/api/portal/requests/{requestId}/submit", null).ExpectAsync(200);
        Assert.Equal("Submitted", submitted["status"]!.GetValue<string>());
        Assert.Equal([w2.Id()], submitted["items"]![0]!["documents"]!.AsArray().Select(d => d!.GetValue<string>()));
        Assert.Equal([form1099.Id()], submitted["items"]![1]!["documents"]!.AsArray().Select(d => d!.GetValue<string>()));
        // Both are the account's documents now, in the request's folder, under their own names, and come back byte for byte.
        var filed = (await s.Api.GetAsync($"/api/accounts/{client.Account.Id}/documents?folder=Requests/Documents for 2026").ExpectAsync(200))
            ["items"]!.AsArray();
        Assert.Equal(["1099 scan.png", "W-2 2026.pdf"], filed.Select(d => d!["name"]!.GetValue<string>()).Order());
        Assert.Equal(DocumentUploads.Pdf, await s.Api.GetByteArrayAsync($"/api/documents/{w2.Id()}/content"));
        Assert.Equal(DocumentUploads.Png, await client.Http.GetByteArrayAsync($"/api/portal/documents/{form1099.Id()}/content"));
        await client.Http.PostAsync($"/api/portal/requests/{requestId}/items/i1/documents",
            DocumentUploads.Form(new MemoryStream(DocumentUploads.Pdf), "late.pdf")).ExpectAsync(409);

        await s.AtStageAsync(jobId, pipeline.Stages[1]);
        var history = await s.HistoryAsync(jobId);
        var completed = history.Single(h => h!["kind"]!.GetValue<string>() == "itemCompleted")!;
        Assert.Equal("client", completed["by"]!["type"]!.GetValue<string>());
        Assert.Equal(client.ContactId, completed["by"]!["id"]!.GetValue<string>());
        // The firm hears of the submission: the job has no assignees, so its owner is told, once.
        var owner = (await s.Api.GetAsync($"/api/staff/{s.Firm.OwnerId}").ExpectAsync(200))["email"]!.GetValue<string>();
        await Eventually.HoldsAsync(() => Task.FromResult(Notifications(owner).ToList()), n => n.Count == 1, "the owner is notified");
        var logged = (await s.Api.GetAsync($"/api/emails?jobId={jobId}").ExpectAsync(200))["items"]!.AsArray();
        Assert.Single(logged, e => e!["purpose"]!.GetValue<string>() == "notification" && e["to"]!.GetValue<string>() == owner);
    }

    [Fact]
    public async Task A_submitted_request_is_read_only_for_the_client_until_the_firm_reopens_it_and_tells_the_client()
    {
        var s = await Scenario.CreateAsync(host);
        var client = await PortalClient.SignInAsync(host, s);
        var (_, requestId, _) = await WaitingForDocumentsAsync(s, client);
        await client.Http.PostAsync($"/api/portal/requests/{requestId}/submit", null).ExpectAsync(200);

        await client.Http.PatchAsJsonAsync($"/api/portal/requests/{requestId}/items/i1", new { status = "Done" }).ExpectAsync(409);
        await client.Http.PostAsync($"/api/portal/requests/{requestId}/submit", null).ExpectAsync(409);
        var unchanged = await client.Http.GetAsync($"/api/portal/requests/{requestId}").ExpectAsync(200);
        Assert.Equal(2, unchanged["summary"]!["todo"]!.GetValue<int>());

        var before = Notifications(client.ContactEmail).Count();
        await s.Api.PatchAsJsonAsync($"/api/requests/{requestId}", new { status = "Sent" }).ExpectAsync(200);
        var changed = await client.Http.PatchAsJsonAsync($"/api/portal/requests/{requestId}/items/i1", new { status = "Done" }).ExpectAsync(200);
        Assert.Equal(1, changed["summary"]!["done"]!.GetValue<int>());
        await Eventually.HoldsAsync(() => Task.FromResult(Notifications(client.ContactEmail).Count()), n => n == before + 1,
            "the client is told the request was reopened");
    }

    [Fact]
    public async Task An_invoice_paid_in_two_parts_completes_on_the_second_and_an_overpayment_is_refused()
    {
        var s = await Scenario.CreateAsync(host);
        var client = await PortalClient.SignInAsync(host, s);
        var pipeline = await s.PipelineAsync(Stage("Bill", true, null, new CreateInvoice { TemplateId = (await s.InvoiceTemplateAsync(100m)).Id }),
            Stage("Done"));
        var jobId = await s.AddJobAsync(client.Account, pipeline);
        await s.AtStageAsync(jobId, pipeline.Stages[0]);
        var invoiceId = Assert.Single(await client.ListAsync("invoices"))!.Id();

        var first = await client.Http.PostAsJsonAsync($"/api/portal/invoices/{invoiceId}/payments", new { amount = 40 }).ExpectAsync(200);
        Assert.Equal("PartiallyPaid", first["status"]!.GetValue<string>());
        var over = await client.Http.PostAsJsonAsync($"/api/portal/invoices/{invoiceId}/payments", new { amount = 60.01 }).ExpectAsync(400);
        Assert.NotNull(over["errors"]!["amount"]);
        var second = await client.Http.PostAsJsonAsync($"/api/portal/invoices/{invoiceId}/payments", new { amount = 60 }).ExpectAsync(200);
        Assert.Equal("Paid", second["status"]!.GetValue<string>());
        Assert.Equal(2, second["payments"]!.AsArray().Count);

        await s.AtStageAsync(jobId, pipeline.Stages[1]);
    }

    [Fact]
    public async Task A_proposal_with_an_invoice_completes_only_when_it_is_signed_and_its_invoice_paid()
    {
        var s = await Scenario.CreateAsync(host);
        var client = await PortalClient.SignInAsync(host, s);
        var invoice = await s.InvoiceTemplateAsync(250m);
        var proposal = await s.TemplateAsync(new ProposalTemplate { Name = "engagement", Title = "Engagement letter", Body = "Terms", InvoiceTemplateId = invoice.Id });
        var pipeline = await s.PipelineAsync(Stage("Engage", true, null, new SendProposal { TemplateId = proposal.Id }), Stage("Done"));
        var jobId = await s.AddJobAsync(client.Account, pipeline);
        await s.AtStageAsync(jobId, pipeline.Stages[0]);
        var proposalId = Assert.Single(await client.ListAsync("proposals"))!.Id();
        var invoiceId = Assert.Single(await client.ListAsync("invoices"))!.Id();
        Assert.Equal(1, (await s.JobAsync(jobId))["pendingItems"]!.GetValue<int>());

        await client.Http.PostAsJsonAsync($"/api/portal/proposals/{proposalId}/sign", new { signerName = "" }).ExpectAsync(400);
        var signed = await client.Http.PostAsJsonAsync($"/api/portal/proposals/{proposalId}/sign", new { signerName = "Jordan Rivera" }).ExpectAsync(200);
        Assert.Equal("Signed", signed["status"]!.GetValue<string>());
        Assert.Equal("Jordan Rivera", signed["signerName"]!.GetValue<string>());
        Assert.NotNull(signed["signedAt"]);
        // The caller's address is recorded too (signerIp); the in-process test server has none to give.
        await client.Http.PostAsJsonAsync($"/api/portal/proposals/{proposalId}/decline", new { reason = "changed my mind" }).ExpectAsync(409);
        var links = await s.ItemsAsync(jobId);
        Assert.False(links.Single(l => l!.Id() == proposalId)!["complete"]!.GetValue<bool>());
        Assert.Equal(pipeline.Stages[0].Id, (await s.JobAsync(jobId))["stageId"]!.GetValue<string>());

        await client.Http.PostAsJsonAsync($"/api/portal/invoices/{invoiceId}/payments", new { amount = 250 }).ExpectAsync(200);

        await s.AtStageAsync(jobId, pipeline.Stages[1]);
        Assert.True((await s.Api.GetAsync($"/api/proposals/{proposalId}").ExpectAsync(200))["invoicePaid"]!.GetValue<bool>());
    }

    [Fact]
    public async Task An_organizer_takes_drafts_checked_by_type_and_counts_once_submitted_with_its_required_answers()
    {
        var s = await Scenario.CreateAsync(host);
        var client = await PortalClient.SignInAsync(host, s);
        var organizer = await s.TemplateAsync(new OrganizerTemplate
        {
            Name = "intake", Title = "2026 intake",
            Questions =
            [
                new("married", "Married?", "yesNo", Required: true), new("kids", "Children", "number"),
                new("born", "Date of birth", "date"), new("state", "State", "choice", Choices: ["CA", "NY"]),
            ],
        });
        var pipeline = await s.PipelineAsync(Stage("Intake", true, null, new CreateOrganizer { TemplateId = organizer.Id }), Stage("Done"));
        var jobId = await s.AddJobAsync(client.Account, pipeline);
        await s.AtStageAsync(jobId, pipeline.Stages[0]);
        var id = Assert.Single(await client.ListAsync("organizers"))!.Id();

        var wrong = await client.Http.PatchAsJsonAsync($"/api/portal/organizers/{id}",
            new { answers = new { kids = "two", born = "31/01/1990", state = "TX", nope = 1 } }).ExpectAsync(400);
        Assert.Equal(["answers.born", "answers.kids", "answers.nope", "answers.state"],
            wrong["errors"]!.AsObject().Select(e => e.Key).Order());
        var draft = await client.Http.PatchAsJsonAsync($"/api/portal/organizers/{id}", new { answers = new { kids = 2, state = "CA" } })
            .ExpectAsync(200);
        Assert.Equal("Sent", draft["status"]!.GetValue<string>());
        var missing = await client.Http.PostAsJsonAsync($"/api/portal/organizers/{id}/submit", new { answers = new { born = "1990-01-31" } })
            .ExpectAsync(400);
        Assert.NotNull(missing["errors"]!["answers.married"]);

        var submitted = await client.Http.PostAsJsonAsync($"/api/portal/organizers/{id}/submit", new { answers = new { married = true } })
            .ExpectAsync(200);
        Assert.Equal("Submitted", submitted["status"]!.GetValue<string>());
        Assert.Equal(2, submitted["answers"]!["kids"]!.GetValue<int>());
        await s.AtStageAsync(jobId, pipeline.Stages[1]);
        await client.Http.PatchAsJsonAsync($"/api/portal/organizers/{id}", new { answers = new { kids = 3 } }).ExpectAsync(409);
    }

    [Fact]
    public async Task A_message_completes_when_its_tasks_are_checked_and_replies_from_both_sides_come_newest_last()
    {
        var s = await Scenario.CreateAsync(host);
        var client = await PortalClient.SignInAsync(host, s);
        var message = await s.TemplateAsync(new MessageTemplate { Name = "m", Subject = "Before we file", Body = "Please confirm", ClientTasks = ["Bank details", "Address"] });
        var pipeline = await s.PipelineAsync(Stage("Confirm", true, null, new SendMessage { TemplateId = message.Id }), Stage("Done"));
        var jobId = await s.AddJobAsync(client.Account, pipeline);
        await s.AtStageAsync(jobId, pipeline.Stages[0]);
        var id = Assert.Single(await client.ListAsync("messages"))!.Id();

        await client.Http.PostAsJsonAsync($"/api/portal/messages/{id}/replies", new { text = "Which account?" }).ExpectAsync(200);
        await s.Api.PostAsJsonAsync($"/api/messages/{id}/replies", new { text = "The joint one" }).ExpectAsync(200);
        await client.Http.PostAsync($"/api/portal/messages/{id}/tasks/0/check", null).ExpectAsync(200);
        await client.Http.PostAsync($"/api/portal/messages/{id}/tasks/0/check", null).ExpectAsync(200);
        await client.Http.PostAsync($"/api/portal/messages/{id}/tasks/2/check", null).ExpectAsync(404);
        Assert.Equal(pipeline.Stages[0].Id, (await s.JobAsync(jobId))["stageId"]!.GetValue<string>());
        var done = await client.Http.PostAsync($"/api/portal/messages/{id}/tasks/1/check", null).ExpectAsync(200);

        Assert.Equal(["Which account?", "The joint one"], done["replies"]!.AsArray().Select(r => r!["text"]!.GetValue<string>()));
        await s.AtStageAsync(jobId, pipeline.Stages[1]);
    }
}
