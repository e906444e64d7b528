using System.Diagnostics;
using ClientHub.Core;
using ClientHub.Core.Clients;
using ClientHub.Core.Jobs;
using ClientHub.Core.Pipelines;

namespace ClientHub.Bench;

/// <summary>One job's run through the 20-automation stage: its history, and the storage requests made while it ran.</summary>
public sealed record OneJobRun(string Label, JobHistory History, IReadOnlyDictionary<OpKey, int> Ops)
{
    private HistoryPoint Added => History.Entries.First(e => e.Kind == HistoryKinds.Added);

    private List<HistoryPoint> Automations => History.Entries
        .Where(e => e.Kind is HistoryKinds.Automation or HistoryKinds.AutomationSkipped).ToList();

    public int AutomationCount => Automations.Count;

    public int Skipped => Automations.Count(e => e.Kind == HistoryKinds.AutomationSkipped);

    /// <summary>From the <c>added</c> record to the last automation record, both as the job's history dates them.</summary>
    public TimeSpan Span => Automations.Count == 0 ? TimeSpan.Zero : Automations.Max(e => e.At) - Added.At;

    public double PerSecond => Span > TimeSpan.Zero ? AutomationCount / Span.TotalSeconds : 0;
}

/// <summary>
/// One job alone on an idle host through one stage of <see cref="Automations"/> sequential automations: the time a long
/// chain takes when no other job waits in the queue. The stage's automations cycle through <c>sendEmail</c>,
/// <c>createTask</c> and <c>updateClientFacingStatus</c> (7, 7 and 6, each status update to a status of its own); the
/// second stage has none and the first does not automove, so the job stops after its 20th automation.
/// </summary>
public sealed class OneJobScenario(HttpClient api, Pipeline pipeline, IReadOnlyList<Account> accounts)
{
    public const int Automations = 20;

    /// <summary>How many <c>updateClientFacingStatus</c> automations the stage has (every third).</summary>
    public const int StatusUpdates = Automations / 3;

    /// <summary>The first job of a process pays for JIT and first connections, so two run, one after the other, on accounts of their own.</summary>
    public const int Runs = 2;

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50), Timeout = TimeSpan.FromMinutes(2);

    public static Pipeline BuildPipeline(string emailTemplateId, string taskTemplateId, IReadOnlyList<string> statusIds)
    {
        var automations = new List<Automation>();
        for (var i = 0; i < Automations; i++)
        {
            automations.Add((i % 3) switch
            {
                0 => new SendEmail { Id = Ids.New(), TemplateId = emailTemplateId },
                1 => new CreateTask { Id = Ids.New(), TemplateId = taskTemplateId },
                _ => new UpdateClientFacingStatus { Id = Ids.New(), StatusId = statusIds[i / 3], Visible = true },
            });
        }
        return new Pipeline(Ids.New(), "Bench one job", [
            new Stage { Id = Ids.New(), Name = $"{Automations} automations", Automove = false, Automations = automations },
            new Stage { Id = Ids.New(), Name = "Done", Automove = false, Automations = [] },
        ]);
    }

    /// <summary>
    /// Adds run <paramref name="run"/>'s job with <c>POST /api/jobs</c> and waits until its automations are idle and its history
    /// holds all <see cref="Automations"/> records; the figures come from that history, not from when the bench noticed.
    /// </summary>
    public async Task<OneJobRun> RunAsync(int run, string label, StorageOps ops, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Timeout);
        var before = ops.Snapshot();
        var body = new { accountId = accounts[run].Id, pipelineId = pipeline.Id };
        var job = await api.CallAsync(BenchScope.Add, HttpMethod.Post, "/api/jobs", body, 201, deadline.Token);
        var id = job["id"]!.GetValue<string>();
        var clock = Stopwatch.StartNew();
        try
        {
            while (true)
            {
                await Task.Delay(PollInterval, deadline.Token);
                job = await api.CallAsync(BenchScope.Observe, HttpMethod.Get, $"/api/jobs/{id}", null, 200, deadline.Token);
                var state = job["automation"]!["state"]!.GetValue<string>();
                if (state == "failed") throw new InvalidOperationException($"Job {id}: automation failed: {job["automation"]!["error"]}");
                if (state != "idle") continue;
                // Idle is not enough: an engine may show idle between two steps, or before the first has started.
                var history = await api.HistoryAsync(id, deadline.Token);
                var done = new OneJobRun(label, history, ops.Diff(before));
                if (done.AutomationCount >= Automations) return done;
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Job {id} did not run its {Automations} automations within {Timeout} ({clock.Elapsed} after it was added).");
        }
    }
}
