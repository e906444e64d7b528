using System.Globalization;
using ClientHub.Core.Jobs;

namespace ClientHub.Bench;

public sealed record RunResult(int Jobs, TimeSpan Wall, TimeSpan AddTime, IReadOnlyList<JobHistory> Histories,
    IReadOnlyDictionary<OpKey, int> Ops, IReadOnlyDictionary<OpKey, int> Idle, TimeSpan IdleWindow, int Emails, TimeSpan Cpu,
    PollStats Polls, string LoadBefore, string LoadAfter)
{
    public int Transitions => Histories.SelectMany(h => h.Entries).Count(e => e.Kind is HistoryKinds.Added or HistoryKinds.Moved);

    public int Automations => Histories.SelectMany(h => h.Entries).Count(e => e.Kind is HistoryKinds.Automation or HistoryKinds.AutomationSkipped);

    public double AutomationsPerSecond => Automations / Wall.TotalSeconds;

    public List<TimeSpan> SortedEntryLatencies() => [.. Histories.SelectMany(Report.EntryLatencies).Order()];

    /// <summary>Requests that moved jobs: the engine's own work and the API writes that cause transitions.</summary>
    public int HotPathOps => Ops.Where(kv => Report.HotScopes.Contains(kv.Key.Scope)).Sum(kv => kv.Value);
}

/// <summary>Turns a run into the figures bench/README.md quotes.</summary>
public static class Report
{
    /// <summary>
    /// Scopes whose storage requests are the cost of moving jobs: the engine's own work and the API writes that cause
    /// transitions (the hot path).
    /// </summary>
    public static readonly string[] HotScopes = [StorageOps.Engine, BenchScope.Add, BenchScope.Complete];

    public static void PrintCeiling(CeilingResult ceiling)
    {
        Line("Ceiling: the minimal automation on this Azurite (send, receive, delete a queue message; one 3-entity transaction)");
        foreach (var level in ceiling.Levels)
        {
            Line($"  {level.InFlight,2} in flight   {level.Rounds} rounds in {level.Elapsed.TotalSeconds:0.00} s = {level.PerSecond,6:0.0}/s   "
                 + $"round p50 {Ms(level.RoundP50)}  p99 {Ms(level.RoundP99)}   {Per(level.Requests, level.Rounds)} requests per round"
                 + (level.EmptyReceives > 0 ? $" ({level.EmptyReceives} empty receives)" : ""));
        }
        Line($"  ceiling automations/s: {ceiling.Best.PerSecond:0.0} (the best level, {ceiling.Best.InFlight} in flight)");
        Line();
    }

    public static void PrintOneJob(IReadOnlyList<OneJobRun> runs)
    {
        Line($"One job alone, one stage of {OneJobScenario.Automations} sequential automations "
             + "(7 sendEmail, 7 createTask, 6 updateClientFacingStatus)");
        foreach (var run in runs)
        {
            var hot = run.Ops.Where(kv => HotScopes.Contains(kv.Key.Scope)).Sum(kv => kv.Value);
            Line($"  {run.Label,-52} {run.AutomationCount} automations in {run.Span.TotalSeconds:0.000} s = {run.PerSecond,5:0.0}/s   "
                 + $"{Per(hot, run.AutomationCount)} storage ops per automation" + (run.Skipped > 0 ? $" ({run.Skipped} skipped)" : ""));
        }
        Line("  (from the job's history: its added record to its last automation record)");
        Line();
    }

    /// <summary>The figures the issue asks for, together, after the details they come from.</summary>
    public static void PrintSummary(CeilingResult ceiling, RunResult run, OneJobRun oneJob)
    {
        var latencies = run.SortedEntryLatencies();
        var levels = string.Join(" and ", ceiling.Levels.Select(l => l.InFlight));
        Line();
        Line($"Summary: {run.Jobs} jobs, load average {run.LoadBefore} at the start and {run.LoadAfter} at the end");
        Figure($"ceiling automations/s (minimal automation, best of {levels} in flight)", $"{ceiling.Best.PerSecond:0.0}");
        Figure("automations/s", $"{run.AutomationsPerSecond:0.0}");
        Figure("automations/s / ceiling (goal: at least 60 %)", $"{run.AutomationsPerSecond / ceiling.Best.PerSecond * 100:0.0} %");
        if (latencies.Count > 0)
            Figure("stage entry -> last automation p50 / p99", $"{Ms(Percentile(latencies, 50))} / {Ms(Percentile(latencies, 99))}");
        Figure("storage ops per automation (hot path)",
            $"{Per(run.HotPathOps, run.Automations)}  ({Per(run.HotPathOps, run.Transitions)} per stage transition)");
        Figure($"one job, {OneJobScenario.Automations} sequential automations (goal: at least 20/s)",
            $"{oneJob.AutomationCount} in {oneJob.Span.TotalSeconds:0.00} s = {oneJob.PerSecond:0.0} automations/s");
    }

    public static void Print(RunResult run)
    {
        var transitions = run.Transitions;
        var automations = run.Automations;
        var latencies = run.SortedEntryLatencies();
        var seconds = run.Wall.TotalSeconds;

        var hot = run.Ops.Where(kv => HotScopes.Contains(kv.Key.Scope)).ToList();
        var hotTotal = hot.Sum(kv => kv.Value);
        var commits = hot.Where(kv => kv.Key.Category.StartsWith("table batch (job commit)", StringComparison.Ordinal)).Sum(kv => kv.Value);

        Line("Run");
        Line($"  jobs                            {run.Jobs}");
        Line($"  wall time                       {seconds:0.00} s (bulk add returned after {run.AddTime.TotalSeconds:0.00} s)");
        Line($"  jobs/s through the pipeline     {run.Jobs / seconds:0.00}");
        Line($"  stage transitions (add + move)  {transitions}  ({transitions / seconds:0.0}/s)");
        Line($"  automations run                 {automations}  ({automations / seconds:0.0}/s)");
        Line($"  emails taken by the stub        {run.Emails}");
        Line($"  load average                    {run.LoadBefore} at the start, {run.LoadAfter} at the end");
        Line($"  CPU of this process (host+bench) {run.Cpu.TotalSeconds:0.0} s over {seconds:0.0} s wall "
             + $"({run.Cpu.TotalSeconds / seconds:0.00} cores; Azurite is a separate process)");
        if (latencies.Count > 0)
            Line($"  stage entry -> last automation  p50 {Ms(Percentile(latencies, 50))}  p90 {Ms(Percentile(latencies, 90))}  "
                 + $"p99 {Ms(Percentile(latencies, 99))}  max {Ms(latencies[^1])}  (n={latencies.Count})");
        Line();

        Line($"Storage operations on the hot path (engine + bulk add + task completions): {hotTotal}");
        Line($"  per stage transition   {Per(hotTotal, transitions)}");
        Line($"  per automation         {Per(hotTotal, automations)}");
        Line($"  per job-row commit     {Per(hotTotal, commits)}  ({commits} commits, {Per(commits, transitions)} per transition)");
        Table(hot, transitions, automations, HotScopes);
        Line($"  {"all of the above",-44} {hotTotal,7} {Per(hotTotal, transitions),12} {Per(hotTotal, automations),12}   "
             + string.Join(" ", HotScopes.Select(s => $"{InScope(hot, s),8}")));
        var blank = $"{"",7} {"",12} {"",12}   ";
        Line($"  {"  per stage transition",-44} {blank}" + string.Join(" ", HotScopes.Select(s => $"{Per(InScope(hot, s), transitions),8}")));
        Line($"  {"  per automation",-44} {blank}" + string.Join(" ", HotScopes.Select(s => $"{Per(InScope(hot, s), automations),8}")));
        Line();

        var background = run.Ops.Where(kv => kv.Key.Scope == StorageOps.Background).ToList();
        var idleSeconds = run.IdleWindow.TotalSeconds;
        Line($"Background during the run (not counted above): {background.Sum(kv => kv.Value)} ({background.Sum(kv => kv.Value) / seconds:0.0}/s); "
             + $"idle host: {run.Idle.Values.Sum() / idleSeconds:0.0}/s");
        foreach (var (category, total) in ByCategory(background))
        {
            var idle = run.Idle.Where(kv => kv.Key.Category == category).Sum(kv => kv.Value) / idleSeconds;
            Line($"  {category,-44} {total,7}  {total / seconds,7:0.0}/s   idle {idle,6:0.0}/s");
        }
        Line();

        var observe = run.Ops.Where(kv => kv.Key.Scope == BenchScope.Observe).ToList();
        Line($"The bench's own reads (job list polling, item lookups; not counted above): {observe.Sum(kv => kv.Value)}");
        if (run.Polls.Polls > 0)
            Line($"  the job list was read {run.Polls.Polls} times, {run.Polls.Total.TotalMilliseconds / run.Polls.Polls:0} ms a read on average");
        if (run.Polls.Completions is { Count: > 0 } calls)
            Line($"  task completions (PATCH /api/tasks/{{id}}, 16 at most at once): {calls.Count}, "
                + $"p50 {calls[calls.Count / 2].TotalMilliseconds:0} ms, p99 {calls[(int)(calls.Count * 0.99)].TotalMilliseconds:0} ms");
        foreach (var (category, total) in ByCategory(observe))
            Line($"  {category,-44} {total,7}");
    }

    /// <summary>
    /// For each stage entry (added/moved at t0): the time of its last automation record minus t0; entries without
    /// automations give none.
    /// </summary>
    public static IEnumerable<TimeSpan> EntryLatencies(JobHistory history)
    {
        DateTimeOffset? entered = null, lastAutomation = null;
        foreach (var entry in history.Entries.Append(new HistoryPoint(default, HistoryKinds.Moved)))
        {
            if (entry.Kind is HistoryKinds.Added or HistoryKinds.Moved)
            {
                if (entered is { } t0 && lastAutomation is { } t1) yield return t1 - t0;
                (entered, lastAutomation) = (entry.At, null);
            }
            else if (entry.Kind is HistoryKinds.Automation or HistoryKinds.AutomationSkipped)
            {
                lastAutomation = entry.At;
            }
        }
    }

    private static void Table(List<KeyValuePair<OpKey, int>> ops, int transitions, int automations, string[] scopes)
    {
        Line($"  {"category",-44} {"total",7} {"/transition",12} {"/automation",12}   " + string.Join(" ", scopes.Select(s => $"{s,8}")));
        foreach (var group in ops.GroupBy(kv => kv.Key.Category).OrderByDescending(g => g.Sum(kv => kv.Value)))
        {
            var total = group.Sum(kv => kv.Value);
            var byScope = scopes.Select(s => group.Where(kv => kv.Key.Scope == s).Sum(kv => kv.Value));
            Line($"  {group.Key,-44} {total,7} {Per(total, transitions),12} {Per(total, automations),12}   "
                 + string.Join(" ", byScope.Select(n => $"{n,8}")));
        }
    }

    private static int InScope(List<KeyValuePair<OpKey, int>> ops, string scope) => ops.Where(kv => kv.Key.Scope == scope).Sum(kv => kv.Value);

    private static IEnumerable<(string Category, int Total)> ByCategory(List<KeyValuePair<OpKey, int>> ops) =>
        ops.GroupBy(kv => kv.Key.Category).Select(g => (g.Key, g.Sum(kv => kv.Value))).OrderByDescending(x => x.Item2);

    public static TimeSpan Percentile(List<TimeSpan> sorted, int p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p / 100.0 * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static void Figure(string label, string value) => Line($"  {label,-72} {value}");

    private static string Ms(TimeSpan t) => $"{t.TotalMilliseconds:0} ms";

    private static string Per(int total, int per) => per == 0 ? "-" : (total / (double)per).ToString("0.00", CultureInfo.InvariantCulture);

    private static void Line(string text = "") => Console.WriteLine(text);
}
