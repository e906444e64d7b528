using System.Collections.Concurrent;
using System.Diagnostics;
using ClientHub.Core;
using ClientHub.Core.Clients;
using ClientHub.Core.Pipelines;
using ClientHub.Core.Templates;
using ClientHub.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace ClientHub.Bench;

/// <summary>How often the drive loop read the job list, and how long those reads took in all.</summary>
/// <summary>The bench's list reads, and how long its task completions (<c>PATCH /api/tasks/{id}</c>) took, sorted.</summary>
public sealed record PollStats(int Polls, TimeSpan Total, IReadOnlyList<TimeSpan> Completions);

/// <summary>
/// One firm, <c>N</c> accounts with one notify contact each, and a five-stage pipeline: every stage has
/// three automations (send an email, create a task, update the client-facing status), so every entry
/// waits on one task, and every stage but the last has automove on (the last never automoves).
/// The same firm also gets the <see cref="OneJobScenario"/>'s pipeline and accounts.
/// </summary>
public sealed class PipelineScenario
{
    public const int Stages = 5, AutomationsPerStage = 3;

    /// <summary>Bounded concurrency of the bench's own API calls (the firm and its clients doing their part).</summary>
    public const int Concurrency = 16;

    /// <summary>The shortest pause between two reads of the job list.</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>How often the drive loop says how far it got (on stderr, so the report stays as it was).</summary>
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(30);

    private readonly HttpClient _api;
    private readonly SemaphoreSlim _slots = new(Concurrency);
    private readonly ConcurrentBag<TimeSpan> _completions = [];

    public Pipeline Pipeline { get; }
    public IReadOnlyList<Account> Accounts { get; }
    public OneJobScenario OneJob { get; }

    private PipelineScenario(HttpClient api, Pipeline pipeline, IReadOnlyList<Account> accounts, OneJobScenario oneJob) =>
        (_api, Pipeline, Accounts, OneJob) = (api, pipeline, accounts, oneJob);

    private string LastStageId => Pipeline.Stages[^1].Id;

    /// <summary>The firm through the API; its configuration documents straight through the store (they are not what is measured).</summary>
    public static async Task<PipelineScenario> CreateAsync(BenchHost host, int accounts, CancellationToken cancellationToken)
    {
        var bootstrap = host.WithToken(BenchHost.BootstrapToken);
        var owner = new { name = "Olive Owner", email = "owner@bench.example.com" };
        var firm = await bootstrap.CallAsync(BenchScope.Setup, HttpMethod.Post, "/api/firms",
            new { name = "Bench CPA", timeZone = "Europe/Paris", owner }, 201, cancellationToken);
        var firmId = new FirmId(firm["id"]!.GetValue<string>());
        var api = host.WithToken(firm["apiKey"]!.GetValue<string>());
        var documents = host.Services.GetRequiredService<FirmDocuments>();

        return await BenchScope.RunAsync(BenchScope.Setup, async () =>
        {
            var email = new EmailTemplate
            {
                Id = Ids.New(), Name = "Stage email", Subject = "{{firm.name}}: {{job.name}} moved on",
                Body = "<p>Hello {{contact.firstName}},</p><p>{{job.name}} for {{account.name}} reached a new stage.</p>"
                    + "<p><a href=\"{{portal.link}}\">Open your portal</a></p>",
            };
            var task = new TaskTemplate { Id = Ids.New(), Name = "Stage task", Title = "Review the stage's work" };
            await documents.InsertAsync<Template>(firmId, DocumentKinds.Template, email.Id, email, cancellationToken);
            await documents.InsertAsync<Template>(firmId, DocumentKinds.Template, task.Id, task, cancellationToken);

            var stages = new List<Stage>();
            for (var s = 1; s <= Stages; s++)
            {
                var last = s == Stages;
                var status = await NewStatusAsync($"Step {s}", $"We are at step {s}", cancellationToken);
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

            var oneJobStatuses = new List<ClientFacingStatus>();
            for (var i = 1; i <= OneJobScenario.StatusUpdates; i++)
                oneJobStatuses.Add(await NewStatusAsync($"Progress {i}", $"Part {i} is done", cancellationToken));
            var oneJobPipeline = OneJobScenario.BuildPipeline(email.Id, task.Id, oneJobStatuses.Select(s => s.Id).ToList());
            await documents.InsertAsync(firmId, DocumentKinds.Pipeline, oneJobPipeline.Id, oneJobPipeline, cancellationToken);
            var oneJobAccounts = new List<Account>();
            for (var i = 1; i <= OneJobScenario.Runs; i++) oneJobAccounts.Add(await NewAccountAsync($"Solo client {i}", cancellationToken));

            var created = new ConcurrentBag<Account>();
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = cancellationToken };
            await Parallel.ForEachAsync(Enumerable.Range(1, accounts), parallel,
                async (i, ct) => created.Add(await NewAccountAsync($"Client {i:D4}", ct)));
            return new PipelineScenario(api, pipeline, [.. created.OrderBy(a => a.Name)], new OneJobScenario(api, oneJobPipeline, oneJobAccounts));
        });

        async Task<ClientFacingStatus> NewStatusAsync(string name, string description, CancellationToken ct)
        {
            var status = new ClientFacingStatus(Ids.New(), name, description);
            await documents.InsertAsync(firmId, DocumentKinds.Status, status.Id, status, ct);
            return status;
        }

        async Task<Account> NewAccountAsync(string name, CancellationToken ct)
        {
            var account = new Account(Ids.New(), name, AccountType.Individual, []);
            await documents.InsertAsync(firmId, DocumentKinds.Account, account.Id, account, ct);
            var n = name.Split(' ')[^1];
            var contact = new Contact(Ids.New(), account.Id, $"Casey Client{n}", $"client{n}-{account.Id}@bench.example.com", true, false);
            await documents.InsertContactAsync(firmId, contact, ct);
            return account;
        }
    }

    /// <summary>Adds one job per account through <c>POST /api/jobs/bulk</c> (at most 500 accounts a request).</summary>
    public async Task<IReadOnlyList<string>> AddJobsAsync(CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        foreach (var chunk in Accounts.Chunk(500))
        {
            var body = await _api.CallAsync(BenchScope.Add, HttpMethod.Post, "/api/jobs/bulk",
                new { accountIds = chunk.Select(a => a.Id).ToArray(), pipelineId = Pipeline.Id }, 201, cancellationToken);
            ids.AddRange(body["items"]!.AsArray().Select(j => j!["id"]!.GetValue<string>()));
        }
        return ids;
    }

    /// <summary>
    /// The firm and its clients doing their part: the job list is read again and again; each job whose current
    /// entry finished its automations gets that entry's pending task done. Returns when every job sits in the
    /// last stage with its automations idle.
    /// </summary>
    /// <remarks>
    /// The pause between two reads is <see cref="PollInterval"/>, or as long as the last read took if that was
    /// longer: a read of 1,000 cards costs Azurite far more than one of 50, and the bench's reads must not take
    /// most of the emulator's one thread from the engine it measures.
    /// </remarks>
    public async Task<PollStats> DriveToLastStageAsync(IReadOnlyCollection<string> jobIds, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var remaining = jobIds.ToHashSet();
        var handled = new ConcurrentDictionary<string, int>();
        var working = new ConcurrentDictionary<string, Task>();
        var (polls, polling) = (0, TimeSpan.Zero);
        var clock = Stopwatch.StartNew();
        var nextProgress = ProgressInterval;
        try
        {
            while (remaining.Count > 0)
            {
                var started = clock.Elapsed;
                var jobs = await _api.ListAllAsync(BenchScope.Observe, $"/api/jobs?pipelineId={Pipeline.Id}", deadline.Token);
                var took = clock.Elapsed - started;
                (polls, polling) = (polls + 1, polling + took);
                foreach (var job in jobs)
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
                if (clock.Elapsed >= nextProgress)
                {
                    Console.Error.WriteLine($"  [{clock.Elapsed.TotalSeconds:0} s] {jobIds.Count - remaining.Count} of {jobIds.Count} jobs done; "
                        + $"{polls} list reads, last {took.TotalMilliseconds:0} ms");
                    nextProgress += ProgressInterval;
                }
                if (remaining.Count > 0) await Task.Delay(took > PollInterval ? took : PollInterval, deadline.Token);
            }
            await Task.WhenAll(working.Values);
            return new PollStats(polls, polling, [.. _completions.Order()]);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{remaining.Count} of {jobIds.Count} jobs did not reach the last stage within {timeout}.");
        }
    }

    /// <summary>Finds the job's incomplete task of entry <paramref name="entrySeq"/> and marks it done.</summary>
    private async Task<bool> CompletePendingTaskAsync(string jobId, int entrySeq, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken);
        try
        {
            var items = await _api.ListAllAsync(BenchScope.Observe, $"/api/jobs/{jobId}/items", cancellationToken);
            var pending = items.FirstOrDefault(i =>
                i["type"]!.GetValue<string>() == "task" && !i["complete"]!.GetValue<bool>() && i["stageEntrySeq"]!.GetValue<int>() == entrySeq);
            if (pending is null) return false;
            var path = $"/api/tasks/{pending["id"]!.GetValue<string>()}";
            var took = Stopwatch.StartNew();
            await _api.CallAsync(BenchScope.Complete, HttpMethod.Patch, path, new { status = "Done" }, 200, cancellationToken);
            _completions.Add(took.Elapsed);
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
        await Parallel.ForEachAsync(jobIds, new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = cancellationToken },
            async (id, ct) => histories.Add(await _api.HistoryAsync(id, ct)));
        return [.. histories];
    }
}
