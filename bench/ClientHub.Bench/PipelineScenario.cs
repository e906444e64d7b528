using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ClientHub.Core;
using ClientHub.Core.Clients;
using ClientHub.Core.Pipelines;
using ClientHub.Core.Templates;
using ClientHub.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace ClientHub.Bench;

/// <summary>What the bench saw of one job at the end: its history as the API shows it.</summary>
public sealed record JobHistory(string JobId, IReadOnlyList<HistoryPoint> Entries);

public sealed record HistoryPoint(DateTimeOffset At, string Kind);

/// <summary>
/// One firm, <c>N</c> accounts with one notify contact each, and a five-stage pipeline: every stage has
/// three automations (send an email, create a task, update the client-facing status), so every entry
/// waits on one task, and every stage but the last has automove on (the last never automoves).
/// </summary>
public sealed class PipelineScenario
{
    public const int Stages = 5, AutomationsPerStage = 3;

    /// <summary>Bounded concurrency of the bench's own API calls (the firm and its clients doing their part).</summary>
    public const int Concurrency = 16;

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private readonly HttpClient _api;
    private readonly SemaphoreSlim _slots = new(Concurrency);

    public Pipeline Pipeline { get; }
    public IReadOnlyList<Account> Accounts { get; }

    private PipelineScenario(HttpClient api, Pipeline pipeline, IReadOnlyList<Account> accounts) =>
        (_api, Pipeline, Accounts) = (api, pipeline, accounts);

    private string LastStageId => Pipeline.Stages[^1].Id;

    /// <summary>The firm through the API; its configuration documents straight through the store (they are not what is measured).</summary>
    public static async Task<PipelineScenario> CreateAsync(BenchHost host, int accounts, CancellationToken cancellationToken)
    {
        var bootstrap = host.WithToken(BenchHost.BootstrapToken);
        var firm = await SendAsync(bootstrap, BenchScope.Setup, HttpMethod.Post, "/api/firms",
            new { name = "Bench CPA", timeZone = "Europe/Paris", owner = new { name = "Olive Owner", email = "owner@bench.example.com" } }, 201, cancellationToken);
        var firmId = new FirmId(firm["id"]!.GetValue<string>());
        var api = host.WithToken(firm["apiKey"]!.GetValue<string>());
        var documents = host.Services.GetRequiredService<FirmDocuments>();

        return await BenchScope.RunAsync(BenchScope.Setup, async () =>
        {
            var email = new EmailTemplate
            {
                Id = Ids.New(), Name = "Stage email", Subject = "{{firm.name}}: {{job.name}} moved on",
                Body = "<p>Hello {{contact.firstName}},</p><p>{{job.name}} for {{account.name}} reached a new stage.</p><p><a href=\"{{portal.link}}\">Open your portal</a></p>",
            };
            var task = new TaskTemplate { Id = Ids.New(), Name = "Stage task", Title = "Review the stage's work" };
            await documents.InsertAsync<Template>(firmId, DocumentKinds.Template, email.Id, email, cancellationToken);
            await documents.InsertAsync<Template>(firmId, DocumentKinds.Template, task.Id, task, cancellationToken);

            var stages = new List<Stage>();
            for (var s = 1; s <= Stages; s++)
            {
                var last = s == Stages;
                var status = new ClientFacingStatus(Ids.New(), $"Step {s}", $"We are at step {s}");
                await documents.InsertAsync(firmId, DocumentKinds.Status, status.Id, status, cancellationToken);
                stages.Add(new Stage
                {
                    Id = Ids.New(),
                    Name = $"Stage {s}",
                    Automove = !last,
                    Automations =
                    [
                        new SendEmail { Id = Ids.New(), TemplateId = email.Id },
                        new CreateTask { Id = Ids.New(), TemplateId = task.Id },
                        new UpdateClientFacingStatus { Id = Ids.New(), StatusId = status.Id, Visible = true },
                    ],
                });
            }
            var pipeline = new Pipeline(Ids.New(), "Bench pipeline", stages);
            await documents.InsertAsync(firmId, DocumentKinds.Pipeline, pipeline.Id, pipeline, cancellationToken);

            var created = new ConcurrentBag<Account>();
            await Parallel.ForEachAsync(Enumerable.Range(1, accounts), new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = cancellationToken },
                async (i, ct) =>
                {
                    var account = new Account(Ids.New(), $"Client {i:D4}", AccountType.Individual, []);
                    await documents.InsertAsync(firmId, DocumentKinds.Account, account.Id, account, ct);
                    await documents.InsertContactAsync(firmId, new Contact(Ids.New(), account.Id, $"Casey Client{i:D4}", $"client{i}-{account.Id}@bench.example.com", true, false), ct);
                    created.Add(account);
                });
            return new PipelineScenario(api, pipeline, [.. created.OrderBy(a => a.Name)]);
        });
    }

    /// <summary>Adds one job per account through <c>POST /api/jobs/bulk</c> (at most 500 accounts a request).</summary>
    public async Task<IReadOnlyList<string>> AddJobsAsync(CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        foreach (var chunk in Accounts.Chunk(500))
        {
            var body = await SendAsync(_api, BenchScope.Add, HttpMethod.Post, "/api/jobs/bulk",
                new { accountIds = chunk.Select(a => a.Id).ToArray(), pipelineId = Pipeline.Id }, 201, cancellationToken);
            ids.AddRange(body["items"]!.AsArray().Select(j => j!["id"]!.GetValue<string>()));
        }
        return ids;
    }

    /// <summary>
    /// The firm and its clients doing their part: every <see cref="PollInterval"/> the job list is read;
    /// each job whose current entry finished its automations gets that entry's pending task done.
    /// Returns when every job sits in the last stage with its automations idle.
    /// </summary>
    public async Task DriveToLastStageAsync(IReadOnlyCollection<string> jobIds, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var remaining = jobIds.ToHashSet();
        var handled = new ConcurrentDictionary<string, int>();
        var working = new ConcurrentDictionary<string, Task>();
        try
        {
            while (remaining.Count > 0)
            {
                foreach (var job in await ListJobsAsync(deadline.Token))
                {
                    var id = job["id"]!.GetValue<string>();
                    if (!remaining.Contains(id)) continue;
                    var state = job["automation"]!["state"]!.GetValue<string>();
                    if (state == "failed")
                        throw new InvalidOperationException($"Job {id}: automation failed: {job["automation"]!["error"]}");
                    if (state != "idle") continue;
                    if (job["stageId"]!.GetValue<string>() == LastStageId)
                    {
                        remaining.Remove(id);
                        continue;
                    }
                    var entrySeq = job["entrySeq"]!.GetValue<int>();
                    if (job["pendingItems"]!.GetValue<int>() == 0 || handled.GetValueOrDefault(id) >= entrySeq || working.ContainsKey(id)) continue;
                    working[id] = Task.Run(async () =>
                    {
                        try
                        {
                            if (await CompletePendingTaskAsync(id, entrySeq, deadline.Token)) handled[id] = entrySeq;
                        }
                        finally
                        {
                            working.TryRemove(id, out _);
                        }
                    }, deadline.Token);
                }
                if (remaining.Count > 0) await Task.Delay(PollInterval, deadline.Token);
            }
            await Task.WhenAll(working.Values);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{remaining.Count} of {jobIds.Count} jobs did not reach the last stage within {timeout}.");
        }
    }

    /// <summary>Every job of the pipeline, as the list projection shows it.</summary>
    private async Task<List<JsonNode>> ListJobsAsync(CancellationToken cancellationToken)
    {
        var jobs = new List<JsonNode>();
        string? token = null;
        do
        {
            var path = $"/api/jobs?pipelineId={Pipeline.Id}&pageSize=1000" + (token is null ? "" : $"&continuationToken={Uri.EscapeDataString(token)}");
            var page = await SendAsync(_api, BenchScope.Observe, HttpMethod.Get, path, null, 200, cancellationToken);
            jobs.AddRange(page["items"]!.AsArray().Select(j => j!));
            token = page["continuationToken"]?.GetValue<string>();
        } while (token is not null);
        return jobs;
    }

    /// <summary>Finds the job's incomplete task of entry <paramref name="entrySeq"/> and marks it done.</summary>
    private async Task<bool> CompletePendingTaskAsync(string jobId, int entrySeq, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken);
        try
        {
            var items = await SendAsync(_api, BenchScope.Observe, HttpMethod.Get, $"/api/jobs/{jobId}/items", null, 200, cancellationToken);
            var pending = items["items"]!.AsArray().FirstOrDefault(i =>
                i!["type"]!.GetValue<string>() == "task" && !i["complete"]!.GetValue<bool>() && i["stageEntrySeq"]!.GetValue<int>() == entrySeq);
            if (pending is null) return false;
            await SendAsync(_api, BenchScope.Complete, HttpMethod.Patch, $"/api/tasks/{pending["id"]!.GetValue<string>()}", new { status = "Done" }, 200, cancellationToken);
            return true;
        }
        finally
        {
            _slots.Release();
        }
    }

    /// <summary>The history of every job, read after the run.</summary>
    public async Task<IReadOnlyList<JobHistory>> HistoriesAsync(IEnumerable<string> jobIds, CancellationToken cancellationToken)
    {
        var histories = new ConcurrentBag<JobHistory>();
        await Parallel.ForEachAsync(jobIds, new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = cancellationToken }, async (id, ct) =>
        {
            var body = await SendAsync(_api, BenchScope.Observe, HttpMethod.Get, $"/api/jobs/{id}/history?pageSize=1000", null, 200, ct);
            histories.Add(new JobHistory(id, body["items"]!.AsArray()
                .Select(h => new HistoryPoint(h!["at"]!.GetValue<DateTimeOffset>(), h["kind"]!.GetValue<string>())).ToList()));
        });
        return [.. histories];
    }

    private static async Task<JsonNode> SendAsync(HttpClient client, string scope, HttpMethod method, string path, object? body, int expected, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add(BenchScope.Header, scope);
        if (body is not null) request.Content = JsonContent.Create(body);
        using var response = await client.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if ((int)response.StatusCode != expected)
            throw new InvalidOperationException($"{method} {path}: expected {expected}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? new JsonObject() : JsonNode.Parse(text)!;
    }
}
