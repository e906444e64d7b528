using System.Diagnostics;
using System.Globalization;

namespace ClientHub.Bench;

/// <summary>
/// Drives N jobs through a five-stage pipeline on the real host (in process) against Azurite and
/// prints throughput, stage-entry latency and storage operations per stage transition.
/// Usage: <c>ClientHub.Bench [--jobs N]</c>; needs <c>AzureWebJobsStorage</c> (bench/run.sh sets it).
/// </summary>
internal static class BenchProgram
{
    private static readonly TimeSpan IdleWindow = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan DriveTimeout = TimeSpan.FromMinutes(5);

    private static async Task<int> Main(string[] args)
    {
        var jobs = 50;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--jobs" && i + 1 < args.Length && int.TryParse(args[++i], CultureInfo.InvariantCulture, out var n) && n > 0) jobs = n;
            else
            {
                Console.Error.WriteLine("usage: ClientHub.Bench [--jobs N]");
                return 2;
            }
        }
        var connectionString = Environment.GetEnvironmentVariable("AzureWebJobsStorage");
        if (string.IsNullOrEmpty(connectionString))
        {
            Console.Error.WriteLine("error: AzureWebJobsStorage is not set; run bench/run.sh, which starts a private Azurite.");
            return 2;
        }

        // WebApplicationFactory finds the app's content root through MvcTestingAppManifest.json in the current directory.
        Directory.SetCurrentDirectory(AppContext.BaseDirectory);
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
        var ct = cancel.Token;

        await using var sendGrid = await SendGridStub.StartAsync();
        await using var host = new BenchHost(connectionString, sendGrid.Url);
        _ = host.Services; // starts the host (storage, queue listeners, timers) outside any bench scope

        Console.WriteLine($"ClientHub bench: {jobs} jobs, {PipelineScenario.Stages} stages, {PipelineScenario.AutomationsPerStage} automations on each");
        var scenario = await PipelineScenario.CreateAsync(host, jobs, ct);

        // What an idle host costs (queue polling, timer leases, the sweeper), to tell it apart from the work.
        var idleStart = host.Ops.Snapshot();
        await Task.Delay(IdleWindow, ct);
        var idle = Diff(host.Ops.Snapshot(), idleStart);

        var before = host.Ops.Snapshot();
        var emailsBefore = sendGrid.Received;
        var cpuBefore = Environment.CpuUsage.TotalTime;
        var clock = Stopwatch.StartNew();
        var jobIds = await scenario.AddJobsAsync(ct);
        var added = clock.Elapsed;
        await scenario.DriveToLastStageAsync(jobIds, DriveTimeout, ct);
        var wall = clock.Elapsed;
        var cpu = Environment.CpuUsage.TotalTime - cpuBefore;
        var during = Diff(host.Ops.Snapshot(), before);
        var emails = sendGrid.Received - emailsBefore;

        var histories = await scenario.HistoriesAsync(jobIds, ct);
        Report.Print(new RunResult(jobs, wall, added, histories, during, idle, IdleWindow, emails, cpu));
        return 0;
    }

    private static Dictionary<OpKey, int> Diff(IReadOnlyDictionary<OpKey, int> after, IReadOnlyDictionary<OpKey, int> before) =>
        after.Select(kv => (kv.Key, Count: kv.Value - before.GetValueOrDefault(kv.Key)))
            .Where(x => x.Count != 0).ToDictionary(x => x.Key, x => x.Count);
}
