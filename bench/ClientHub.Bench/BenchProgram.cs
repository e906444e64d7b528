using System.Diagnostics;
using System.Globalization;

namespace ClientHub.Bench;

/// <summary>
/// Measures the minimal-automation ceiling of the Azurite at hand, runs one job through 20 sequential automations,
/// then drives N jobs through a five-stage pipeline on the real host (in process) against the same Azurite and
/// prints throughput against the ceiling, stage-entry latency and storage operations per transition and automation.
/// Usage: <c>ClientHub.Bench [--jobs N]</c>; needs <c>AzureWebJobsStorage</c> (bench/run.sh sets it).
/// Other modes: <c>ClientHub.Bench chaos ...</c> (<see cref="ChaosMode"/>, bench/chaos.sh), <c>ClientHub.Bench reminders ...</c>
/// (<see cref="RemindersMode"/>, bench/reminders.sh), <c>ClientHub.Bench load ...</c> (<see cref="LoadMode"/>, bench/load.sh) and
/// <c>ClientHub.Bench queues ...</c> (<see cref="QueueResidency"/>, bench/queues.sh).
/// </summary>
internal static class BenchProgram
{
    private static readonly TimeSpan IdleWindow = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan PauseBetweenJobs = TimeSpan.FromSeconds(1);

    /// <summary>Grows with N: a slow engine at 1,000 jobs is a figure to report, not a timeout.</summary>
    private static TimeSpan DriveTimeout(int jobs) => TimeSpan.FromMinutes(5) + jobs * TimeSpan.FromSeconds(1);

    private static async Task<int> Main(string[] args)
    {
        if (args is [("chaos" or "reminders" or "load" or "queues") and var mode, .. var rest])
        {
            // The load mode starts the host in process: WebApplicationFactory finds it from the current directory (see below).
            if (mode == "load") Directory.SetCurrentDirectory(AppContext.BaseDirectory);
            using var stop = new CancellationTokenSource();
            Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
            return await (mode switch
            {
                "chaos" => ChaosMode.RunAsync(rest, stop.Token),
                "reminders" => RemindersMode.RunAsync(rest, stop.Token),
                "load" => LoadMode.RunAsync(rest, stop.Token),
                _ => QueueResidency.RunAsync(rest, stop.Token),
            });
        }
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

        await using var sendGrid = await SendGridStub.StartAsync(ct);
        await using var host = new BenchHost(connectionString, sendGrid.Url);

        Console.WriteLine($"ClientHub bench: {jobs} jobs, {PipelineScenario.Stages} stages, "
            + $"{PipelineScenario.AutomationsPerStage} automations on each; one job through {OneJobScenario.Automations} sequential automations");
        Console.WriteLine($"Load average at the start: {LoadAverage()} on {Environment.ProcessorCount} cores");
        Console.WriteLine();
        // Before the host starts, so nothing but the ceiling's own requests reaches Azurite.
        var ceiling = await Ceiling.MeasureAsync(connectionString, host.Prefix, ct);
        Report.PrintCeiling(ceiling);

        _ = host.Services; // starts the host (storage, queue listeners, timers) outside any bench scope
        var scenario = await PipelineScenario.CreateAsync(host, jobs, ct);

        // Before the N jobs, so the one job has the host and a small Azurite to itself.
        var oneJob = new List<OneJobRun>();
        for (var run = 0; run < OneJobScenario.Runs; run++)
        {
            if (run > 0) await Task.Delay(PauseBetweenJobs, ct);
            var label = run == 0 ? "first job of the process (JIT, first connections)" : "one job";
            oneJob.Add(await scenario.OneJob.RunAsync(run, label, host.Ops, ct));
        }
        Report.PrintOneJob(oneJob);

        // What an idle host costs (queue polling, timer leases, the sweeper), to tell it apart from the work.
        var idleStart = host.Ops.Snapshot();
        await Task.Delay(IdleWindow, ct);
        var idle = host.Ops.Diff(idleStart);

        var before = host.Ops.Snapshot();
        var emailsBefore = sendGrid.Received;
        var cpuBefore = Environment.CpuUsage.TotalTime;
        var loadBefore = LoadAverage();
        var clock = Stopwatch.StartNew();
        var jobIds = await scenario.AddJobsAsync(ct);
        var added = clock.Elapsed;
        var polls = await scenario.DriveToLastStageAsync(jobIds, DriveTimeout(jobs), ct);
        var wall = clock.Elapsed;
        var cpu = Environment.CpuUsage.TotalTime - cpuBefore;
        var during = host.Ops.Diff(before);
        var emails = sendGrid.Received - emailsBefore;
        var loadAfter = LoadAverage();

        var histories = await scenario.HistoriesAsync(jobIds, ct);
        var result = new RunResult(jobs, wall, added, histories, during, idle, IdleWindow, emails, cpu, polls, loadBefore, loadAfter);
        Report.Print(result);
        Report.PrintSummary(ceiling, result, oneJob[^1]);
        return 0;
    }

    /// <summary>The machine is shared: the 1, 5 and 15 minute load averages say how much the figures were disturbed.</summary>
    internal static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
