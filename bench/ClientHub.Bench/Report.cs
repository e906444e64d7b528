using System.Globalization;
using ClientHub.Core.Jobs;

namespace ClientHub.Bench;

public sealed record RunResult(int Jobs, TimeSpan Wall, TimeSpan AddTime, IReadOnlyList<JobHistory> Histories,
    IReadOnlyDictionary<OpKey, int> Ops, IReadOnlyDictionary<OpKey, int> Idle, TimeSpan IdleWindow, int Emails, TimeSpan Cpu);

/// <summary>Turns a run into the figures bench/README.md quotes.</summary>
public static class Report
{
    /// <summary>Scopes whose storage requests are the cost of moving jobs: the engine's own work and the API writes that cause transitions.</summary>
    private static readonly string[] HotScopes = [StorageOps.Engine, BenchScope.Add, BenchScope.Complete];

    public static void Print(RunResult run)
    {
        var all = run.Histories.SelectMany(h => h.Entries).ToList();
        var transitions = all.Count(e => e.Kind is HistoryKinds.Added or HistoryKinds.Moved);
        var automations = all.Count(e => e.Kind is HistoryKinds.Automation or HistoryKinds.AutomationSkipped);
        var latencies = run.Histories.SelectMany(EntryLatencies).Order().ToList();
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
        Line($"  CPU of this process (host+bench) {run.Cpu.TotalSeconds:0.0} s over {seconds:0.0} s wall ({run.Cpu.TotalSeconds / seconds:0.00} cores; Azurite is a separate process)");
        if (latencies.Count > 0)
            Line($"  stage entry -> last automation  p50 {Ms(Percentile(latencies, 50))}  p90 {Ms(Percentile(latencies, 90))}  p99 {Ms(Percentile(latencies, 99))}  max {Ms(latencies[^1])}  (n={latencies.Count})");
        Line();

        Line($"Storage operations on the hot path (engine + bulk add + task completions): {hotTotal}");
        Line($"  per stage transition   {Per(hotTotal, transitions)}");
        Line($"  per automation         {Per(hotTotal, automations)}");
        Line($"  per job-row commit     {Per(hotTotal, commits)}  ({commits} commits, {Per(commits, transitions)} per transition)");
        Table(hot, transitions, HotScopes, "/transition");
        Line($"  {"all of the above",-44} {hotTotal,7} {Per(hotTotal, transitions),12}   "
             + string.Join(" ", HotScopes.Select(s => $"{hot.Where(kv => kv.Key.Scope == s).Sum(kv => kv.Value),8}")));
        Line($"  {"  per stage transition",-44} {"",7} {"",12}   " + string.Join(" ", HotScopes.Select(s => $"{Per(hot.Where(kv => kv.Key.Scope == s).Sum(kv => kv.Value), transitions),8}")));
        Line();

        var background = run.Ops.Where(kv => kv.Key.Scope == StorageOps.Background).ToList();
        Line($"Background during the run (not counted above): {background.Sum(kv => kv.Value)} ({background.Sum(kv => kv.Value) / seconds:0.0}/s); idle host: {run.Idle.Values.Sum() / run.IdleWindow.TotalSeconds:0.0}/s");
        foreach (var (category, total) in background.GroupBy(kv => kv.Key.Category).Select(g => (g.Key, g.Sum(kv => kv.Value))).OrderByDescending(x => x.Item2))
            Line($"  {category,-44} {total,7}  {total / seconds,7:0.0}/s   idle {run.Idle.Where(kv => kv.Key.Category == category).Sum(kv => kv.Value) / run.IdleWindow.TotalSeconds,6:0.0}/s");
        Line();

        var observe = run.Ops.Where(kv => kv.Key.Scope == BenchScope.Observe).ToList();
        Line($"The bench's own reads (job list polling, item lookups; not counted above): {observe.Sum(kv => kv.Value)}");
        foreach (var (category, total) in observe.GroupBy(kv => kv.Key.Category).Select(g => (g.Key, g.Sum(kv => kv.Value))).OrderByDescending(x => x.Item2))
            Line($"  {category,-44} {total,7}");
    }

    /// <summary>For each stage entry (added/moved at t0): the time of its last automation record minus t0; entries without automations give none.</summary>
    private static IEnumerable<TimeSpan> EntryLatencies(JobHistory history)
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

    private static void Table(List<KeyValuePair<OpKey, int>> ops, int transitions, string[] scopes, string perLabel)
    {
        Line($"  {"category",-44} {"total",7} {perLabel,12}   " + string.Join(" ", scopes.Select(s => $"{s,8}")));
        foreach (var group in ops.GroupBy(kv => kv.Key.Category).OrderByDescending(g => g.Sum(kv => kv.Value)))
        {
            var total = group.Sum(kv => kv.Value);
            var byScope = scopes.Select(s => group.Where(kv => kv.Key.Scope == s).Sum(kv => kv.Value));
            Line($"  {group.Key,-44} {total,7} {Per(total, transitions),12}   " + string.Join(" ", byScope.Select(n => $"{n,8}")));
        }
    }

    private static TimeSpan Percentile(List<TimeSpan> sorted, int p) => sorted[Math.Clamp((int)Math.Ceiling(p / 100.0 * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static string Ms(TimeSpan t) => $"{t.TotalMilliseconds:0} ms";

    private static string Per(int total, int per) => per == 0 ? "-" : (total / (double)per).ToString("0.00", CultureInfo.InvariantCulture);

    private static void Line(string text = "") => Console.WriteLine(text);
}
