using System.Net;
using System.Net.Http.Json;
using ClientHub.Core.Pipelines;
using ClientHub.Core.Templates;
using ClientHub.Functions.Tests.Infrastructure;
using ClientHub.Functions.Tests.Jobs;
using static ClientHub.Functions.Tests.Jobs.StageBuilder;

namespace ClientHub.Functions.Tests.Portal;

public sealed class PortalIsolationTests(PortalHost host) : IClassFixture<PortalHost>
{
    /// <summary>One item of every client-visible kind for <paramref name="client"/>'s account; returns their ids by type.</summary>
    private static async Task<Dictionary<string, string>> ItemsOfEveryKindAsync(Scenario s, PortalClient client)
    {
        var invoice = await s.InvoiceTemplateAsync(10m);
        var pipeline = await s.PipelineAsync(Stage("Everything", false, null,
            new CreateRequest { TemplateId = (await s.TemplateAsync(new RequestTemplate { Name = "r", Title = "Docs", Items = [new("W-2", null)] })).Id },
            new CreateOrganizer
            {
                TemplateId = (await s.TemplateAsync(new OrganizerTemplate { Name = "o", Title = "Intake", Questions = [new("q1", "Name?", "text")] })).Id,
            },
            new CreateInvoice { TemplateId = invoice.Id },
            new SendProposal { TemplateId = (await s.TemplateAsync(new ProposalTemplate { Name = "p", Title = "Letter", Body = "Terms" })).Id },
            new SendMessage { TemplateId = (await s.TemplateAsync(new MessageTemplate { Name = "m", Subject = "Hi", ClientTasks = ["Read"] })).Id }),
            Stage("Done"));
        var jobId = await s.AddJobAsync(client.Account, pipeline);
        await s.SettledAsync(jobId);
        return (await s.ItemsAsync(jobId)).ToDictionary(i => i!["type"]!.GetValue<string>(), i => i!.Id());
    }

    /// <summary>Every portal route that names an item, for the items in <paramref name="ids"/>.</summary>
    private static IEnumerable<(HttpMethod Method, string Path, object? Body)> Routes(IReadOnlyDictionary<string, string> ids) =>
    [
        (HttpMethod.Get, $"/api/portal/requests/{ids["request"]}", null),
        (HttpMethod.Patch, $"/api/portal/requests/{ids["request"]}/items/i1", new { status = "Done" }),
        (HttpMethod.Post, $"/api/portal/requests/{ids["request"]}/items/i1/comments", new { text = "hello" }),
        (HttpMethod.Post, $"/api/portal/requests/{ids["request"]}/submit", null),
        (HttpMethod.Get, $"/api/portal/organizers/{ids["organizer"]}", null),
        (HttpMethod.Patch, $"/api/portal/organizers/{ids["organizer"]}", new { answers = new { q1 = "x" } }),
        (HttpMethod.Post, $"/api/portal/organizers/{ids["organizer"]}/submit", new { answers = new { q1 = "x" } }),
        (HttpMethod.Get, $"/api/portal/invoices/{ids["invoice"]}", null),
        (HttpMethod.Post, $"/api/portal/invoices/{ids["invoice"]}/payments", new { amount = 1 }),
        (HttpMethod.Get, $"/api/portal/proposals/{ids["proposal"]}", null),
        (HttpMethod.Post, $"/api/portal/proposals/{ids["proposal"]}/sign", new { signerName = "Mallory" }),
        (HttpMethod.Post, $"/api/portal/proposals/{ids["proposal"]}/decline", new { reason = "no" }),
        (HttpMethod.Get, $"/api/portal/messages/{ids["message"]}", null),
        (HttpMethod.Post, $"/api/portal/messages/{ids["message"]}/tasks/0/check", null),
        (HttpMethod.Post, $"/api/portal/messages/{ids["message"]}/replies", new { text = "hello" }),
    ];

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, (HttpMethod Method, string Path, object? Body) route) =>
        client.SendAsync(new HttpRequestMessage(route.Method, route.Path) { Content = route.Body is null ? null : JsonContent.Create(route.Body) });

    [Fact]
    public async Task A_contact_finds_nothing_of_another_account_or_another_firm_and_changes_nothing_there()
    {
        var s = await Scenario.CreateAsync(host);
        var mine = await PortalClient.SignInAsync(host, s, "Mine");
        var neighbour = await PortalClient.SignInAsync(host, s, "Neighbour");
        var other = await Scenario.CreateAsync(host);
        var stranger = await PortalClient.SignInAsync(host, other, "Stranger");
        var neighbours = await ItemsOfEveryKindAsync(s, neighbour);
        var strangers = await ItemsOfEveryKindAsync(other, stranger);

        foreach (var route in Routes(neighbours).Concat(Routes(strangers)))
            Assert.True((await SendAsync(mine.Http, route)).StatusCode == HttpStatusCode.NotFound, $"{route.Method} {route.Path}");
        foreach (var list in new[] { "jobs", "requests", "organizers", "invoices", "proposals", "messages" })
            Assert.Empty(await mine.ListAsync(list));
        // Nothing changed: the neighbour's request is untouched and its proposal unsigned.
        var request = await neighbour.Http.GetAsync($"/api/portal/requests/{neighbours["request"]}").ExpectAsync(200);
        Assert.Equal("Sent", request["status"]!.GetValue<string>());
        Assert.Empty(request["items"]![0]!["comments"]!.AsArray());
        Assert.Equal("Sent", (await neighbour.Http.GetAsync($"/api/portal/proposals/{neighbours["proposal"]}").ExpectAsync(200))["status"]!.GetValue<string>());
        // A firm's to-do is never the client's.
        var task = await s.Api.PostAsJsonAsync("/api/tasks", new { title = "Internal", accountId = mine.Account.Id }).ExpectAsync(201);
        await mine.Http.GetAsync($"/api/portal/requests/{task.Id()}").ExpectAsync(404);
    }

    [Fact]
    public async Task Staff_keys_do_not_open_the_portal_and_portal_tokens_do_not_open_firm_routes()
    {
        var s = await Scenario.CreateAsync(host);
        var client = await PortalClient.SignInAsync(host, s);

        await s.Api.GetAsync("/api/portal/jobs").ExpectAsync(401);
        await s.Api.GetAsync("/api/portal/requests").ExpectAsync(401);
        await client.Http.GetAsync("/api/jobs").ExpectAsync(401);
        await client.Http.GetAsync($"/api/accounts/{client.Account.Id}").ExpectAsync(401);
        await client.Http.PostAsJsonAsync("/api/tasks", new { title = "sneaky" }).ExpectAsync(401);
    }

    [Fact]
    public async Task Revoked_deleted_and_expired_tokens_are_refused()
    {
        var s = await Scenario.CreateAsync(host);
        var revoked = await PortalClient.SignInAsync(host, s, "Revoked");
        var deleted = await PortalClient.SignInAsync(host, s, "Deleted");
        var expiring = await PortalClient.SignInAsync(host, s, "Expiring");
        await expiring.Http.GetAsync("/api/portal/jobs").ExpectAsync(200);

        await s.Api.PatchAsJsonAsync($"/api/contacts/{revoked.ContactId}", new { portalAccess = false }).ExpectAsync(200);
        await s.Api.DeleteAsync($"/api/contacts/{deleted.ContactId}").ExpectAsync(204);
        await revoked.Http.GetAsync("/api/portal/jobs").ExpectAsync(401);
        await deleted.Http.GetAsync("/api/portal/jobs").ExpectAsync(401);

        await host.WithToken(ClientHubHost.BootstrapToken).PostAsJsonAsync("/api/testing/clock", new { advanceBy = "P31D" }).ExpectAsync(200);
        await expiring.Http.GetAsync("/api/portal/jobs").ExpectAsync(401);
        // Granting access again does not revive an old token: a new one must be issued.
        await s.Api.PatchAsJsonAsync($"/api/contacts/{revoked.ContactId}", new { portalAccess = true }).ExpectAsync(200);
        await revoked.Http.GetAsync("/api/portal/jobs").ExpectAsync(401);
    }
}
