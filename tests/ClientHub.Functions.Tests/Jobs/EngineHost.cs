using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ClientHub.Core;
using ClientHub.Core.Clients;
using ClientHub.Core.Pipelines;
using ClientHub.Core.Templates;
using ClientHub.Functions.Tests.Infrastructure;
using ClientHub.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace ClientHub.Functions.Tests.Jobs;

/// <summary>The real host with queues and timers running fast, and SendGrid replaced by a recording stub.</summary>
public class EngineHost : ClientHubHost
{
    public SendGridStub SendGrid { get; } = new();

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("ClientHub:SendGrid:ApiKey", "SG.test-key"),
        new("ClientHub:SendGrid:Host", SendGrid.Url),
        new("ClientHub:SendGrid:ActivityCheck", "true"),
        new("ClientHub:Queues:MaxPollingInterval", "00:00:00.500"),
        new("ClientHub:Queues:MaxDequeueCount", "3"),
        new("ClientHub:Queues:VisibilityTimeout", "00:00:00"),
        .. EngineSettings,
    ];

    protected virtual IEnumerable<KeyValuePair<string, string?>> EngineSettings => [];

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await SendGrid.DisposeAsync();
    }
}

/// <summary>
/// Test data for one firm: configuration documents are written straight to the store (they are
/// not what these tests are about); jobs and items go through the HTTP API.
/// </summary>
public sealed class Scenario(ClientHubHost host, TestFirm firm)
{
    public TestFirm Firm { get; } = firm;
    public HttpClient Api => Firm.Owner;
    private FirmDocuments Documents => host.Services.GetRequiredService<FirmDocuments>();

    public static async Task<Scenario> CreateAsync(ClientHubHost host) => new(host, await host.CreateFirmAsync());

    public async Task<T> SaveAsync<T>(string kind, T value, Func<T, string> id)
    {
        await Documents.InsertAsync(Firm.Id, kind, id(value), value, CancellationToken.None);
        return value;
    }

    public Task<Template> TemplateAsync(Template template) => SaveAsync<Template>(DocumentKinds.Template, template with { Id = Ids.New() }, t => t.Id);

    public Task<Template> EmailTemplateAsync(string subject = "Hello {{contact.firstName}}", string body = "<p>{{job.name}} for {{account.name}}</p>") =>
        TemplateAsync(new EmailTemplate { Name = "email", Subject = subject, Body = body });

    public Task<Template> TaskTemplateAsync(string title = "Prepare return") => TemplateAsync(new TaskTemplate { Name = "task", Title = title });

    public Task<Template> InvoiceTemplateAsync(decimal price = 450m) =>
        TemplateAsync(new InvoiceTemplate { Name = "invoice", Lines = [new InvoiceLine("Tax return", 1, price)], Currency = "USD" });

    public Task<ClientFacingStatus> StatusAsync(string name) => SaveAsync(DocumentKinds.Status, new ClientFacingStatus(Ids.New(), name, $"{name} (description)"), s => s.Id);

    public Task<Pipeline> PipelineAsync(params Stage[] stages) => SaveAsync(DocumentKinds.Pipeline,
        new Pipeline(Ids.New(), "Pipeline", stages.Select(s => s with
        {
            Id = Ids.New(),
            Automations = s.Automations.Select(a => a with { Id = Ids.New() }).ToList(),
        }).ToList()), p => p.Id);

    public async Task<Account> AccountAsync(string name = "Jordan Rivera", string[]? tags = null, int contacts = 1)
    {
        foreach (var tag in tags ?? [])
            await SaveAsync(DocumentKinds.Tag, new Tag(Ids.New(), tag, null), t => t.Id);
        var account = await SaveAsync(DocumentKinds.Account, new Account(Ids.New(), name, AccountType.Individual, tags ?? []), a => a.Id);
        for (var i = 1; i <= contacts; i++)
            await Documents.InsertContactAsync(Firm.Id, new Contact(Ids.New(), account.Id, $"Contact{i} {name}", $"c{i}-{account.Id}@example.com", true, true), CancellationToken.None);
        return account;
    }

    public async Task<string> AddJobAsync(Account account, Pipeline pipeline, string? stageId = null, bool? visible = null)
    {
        var job = await Api.PostAsJsonAsync("/api/jobs", new { accountId = account.Id, pipelineId = pipeline.Id, stageId, clientFacingStatusVisible = visible }).ExpectAsync(201);
        return job["id"]!.GetValue<string>();
    }

    public Task<JsonNode> JobAsync(string jobId) => Api.GetAsync($"/api/jobs/{jobId}").ExpectAsync(200);

    /// <summary>Waits until the job's automations of the current entry finished (idle or failed) and returns it.</summary>
    public Task<JsonNode> SettledAsync(string jobId, int timeoutSeconds = 20) =>
        Eventually.HoldsAsync(() => JobAsync(jobId), j => j["automation"]!["state"]!.GetValue<string>() != "running", $"job {jobId} settles", timeoutSeconds);

    public Task<JsonNode> AtStageAsync(string jobId, Stage stage, int timeoutSeconds = 20) =>
        Eventually.HoldsAsync(() => JobAsync(jobId), j => j["stageId"]!.GetValue<string>() == stage.Id && j["automation"]!["state"]!.GetValue<string>() != "running",
            $"job {jobId} settles in stage {stage.Name}", timeoutSeconds);

    public async Task<JsonArray> ItemsAsync(string jobId) => (await Api.GetAsync($"/api/jobs/{jobId}/items").ExpectAsync(200))["items"]!.AsArray();

    public async Task<JsonArray> HistoryAsync(string jobId) => (await Api.GetAsync($"/api/jobs/{jobId}/history?pageSize=1000").ExpectAsync(200))["items"]!.AsArray();

    public async Task CompleteItemAsync(JsonNode item)
    {
        var id = item["id"]!.GetValue<string>();
        _ = item["type"]!.GetValue<string>() switch
        {
            "task" => await Api.PatchAsJsonAsync($"/api/tasks/{id}", new { status = "Done" }).ExpectAsync(200),
            "invoice" => await Api.PostAsJsonAsync($"/api/invoices/{id}/payments",
                new { amount = (await Api.GetAsync($"/api/invoices/{id}").ExpectAsync(200))["balance"]!.GetValue<decimal>() }).ExpectAsync(200),
            "request" => await Api.PatchAsJsonAsync($"/api/requests/{id}", new { status = "Completed" }).ExpectAsync(200),
            var other => throw new NotSupportedException(other),
        };
    }
}

public static class StageBuilder
{
    public static Stage Stage(string name, bool automove = false, string[]? conditions = null, params Automation[] automations) =>
        new() { Name = name, Automove = automove, Conditions = conditions is null ? null : new Conditions(conditions), Automations = automations };
}
