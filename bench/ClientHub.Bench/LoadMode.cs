using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace ClientHub.Bench;

/// <summary>
/// <c>ClientHub.Bench load [--rate R] [--seconds S]</c>: open-loop load on one host with all roles (in process, as the bench
/// runs it, so every storage request is counted per route). Requests start at a fixed arrival rate whatever the answers
/// take (no coordinated omission): latency is measured from each request's scheduled start. Prints per-route p50/p99,
/// 5xx and storage requests per call.
/// </summary>
internal static class LoadMode
{
    private const int Accounts = 50, JobsUpFront = 200;

    /// <summary>The mix, by weight (out of 100): reads dominate, as on a firm's working day.</summary>
    private static readonly (string Route, int Weight)[] Mix =
    [
        ("GET /api/jobs/{id}", 30), ("GET /api/pipelines/{id}/board", 10), ("GET /api/jobs", 15), ("GET /api/tasks", 15),
        ("POST /api/jobs", 10), ("POST /api/jobs/{id}/move", 10), ("PATCH /api/tasks/{id}", 10),
    ];

    private sealed record Sample(string Route, TimeSpan Latency, int Status);

    public static async Task<int> RunAsync(string[] args, CancellationToken ct)
    {
        int rate = 200, seconds = 60;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--rate" && i + 1 < args.Length) rate = int.Parse(args[++i], CultureInfo.InvariantCulture);
            else if (args[i] == "--seconds" && i + 1 < args.Length) seconds = int.Parse(args[++i], CultureInfo.InvariantCulture);
            else
            {
                Console.Error.WriteLine("usage: ClientHub.Bench load [--rate R] [--seconds S]");
                return 2;
            }
        }
        var storage = Environment.GetEnvironmentVariable("AzureWebJobsStorage");
        if (string.IsNullOrEmpty(storage))
        {
            Console.Error.WriteLine("error: AzureWebJobsStorage is not set; run bench/load.sh, which starts a private Azurite.");
            return 2;
        }
        await using var sendGrid = await SendGridStub.StartAsync(ct);
        await using var host = new BenchHost(storage, sendGrid.Url);
        _ = host.Services;
        var bootstrap = host.WithToken(BenchHost.BootstrapToken);
        var firm = await bootstrap.CallAsync(BenchScope.Setup, HttpMethod.Post, "/api/firms",
            new { name = "Load CPA", timeZone = "Europe/Paris", owner = new { name = "Olive Owner", email = "owner@load.example.com" } }, 201, ct);
        var api = host.WithToken(firm["apiKey"]!.GetValue<string>());
        api.Timeout = TimeSpan.FromSeconds(60);
        var ownerId = firm["ownerId"]!.GetValue<string>();
        var task = await api.CallAsync(BenchScope.Setup, HttpMethod.Post, "/api/templates",
            new { kind = "task", name = "Review", title = "Review", assignee = new { staffId = ownerId }, dueInDays = 7 }, 201, ct);
        // Three stages, no automove: a new job gets one task, moves are the firm's own.
        var pipeline = await api.CallAsync(BenchScope.Setup, HttpMethod.Post, "/api/pipelines", new
        {
            name = "Load",
            stages = new object[]
            {
                new { name = "Open", automations = new object[] { new { type = "createTask", templateId = task["id"]!.GetValue<string>() } } },
                new { name = "Review", automations = Array.Empty<object>() },
                new { name = "Done", automations = Array.Empty<object>() },
            },
        }, 201, ct);
        var pipelineId = pipeline["id"]!.GetValue<string>();
        var stageIds = pipeline["stages"]!.AsArray().Select(s => s!["id"]!.GetValue<string>()).ToArray();
        var accountIds = new List<string>();
        for (var i = 0; i < Accounts; i++)
            accountIds.Add((await api.CallAsync(BenchScope.Setup, HttpMethod.Post, "/api/accounts",
                new { name = $"Load client {i:D3}", type = "Company", tags = Array.Empty<string>() }, 201, ct))["id"]!.GetValue<string>());
        var jobIds = new ConcurrentBag<string>();
        for (var round = 0; round < JobsUpFront / Accounts; round++)
        {
            var bulk = await api.CallAsync(BenchScope.Setup, HttpMethod.Post, "/api/jobs/bulk", new { accountIds, pipelineId }, 201, ct);
            foreach (var j in bulk["items"]!.AsArray()) jobIds.Add(j!["id"]!.GetValue<string>());
        }
        // Let the up-front jobs' tasks be created before the load starts: the PATCH route needs them.
        List<string> taskIds = [];
        for (var wait = 0; wait < 120 && taskIds.Count < JobsUpFront; wait++)
        {
            await Task.Delay(1000, ct);
            taskIds = (await api.ListAllAsync(BenchScope.Setup, "/api/tasks", ct)).Select(t => t["id"]!.GetValue<string>()).ToList();
        }
        Console.WriteLine($"Load: {rate} requests/s for {seconds} s, open loop; {Accounts} accounts, {jobIds.Count} jobs "
            + $"and {taskIds.Count} tasks up front");

        var random = new Random(42);
        var jobs = jobIds.ToArray();
        var newJobs = new ConcurrentQueue<string>();
        string AnyJob() => random.Next(10) == 0 && newJobs.TryPeek(out var n) ? n : jobs[random.Next(jobs.Length)];
        (string Route, Func<HttpRequestMessage> Make) Pick()
        {
            var roll = random.Next(100);
            var route = Mix.First(m => (roll -= m.Weight) < 0).Route;
            return (route, route switch
            {
                "GET /api/jobs/{id}" => () => new HttpRequestMessage(HttpMethod.Get, $"/api/jobs/{AnyJob()}"),
                "GET /api/pipelines/{id}/board" => () => new HttpRequestMessage(HttpMethod.Get, $"/api/pipelines/{pipelineId}/board"),
                "GET /api/jobs" => () => new HttpRequestMessage(HttpMethod.Get, $"/api/jobs?pipelineId={pipelineId}"),
                "GET /api/tasks" => () => new HttpRequestMessage(HttpMethod.Get, "/api/tasks"),
                "POST /api/jobs" => () => new HttpRequestMessage(HttpMethod.Post, "/api/jobs")
                    { Content = JsonContent.Create(new { accountId = accountIds[random.Next(accountIds.Count)], pipelineId }) },
                "POST /api/jobs/{id}/move" => () => new HttpRequestMessage(HttpMethod.Post, $"/api/jobs/{AnyJob()}/move")
                    { Content = JsonContent.Create(new { stageId = stageIds[random.Next(1, stageIds.Length)] }) },
                _ => () => new HttpRequestMessage(HttpMethod.Patch, $"/api/tasks/{taskIds[random.Next(taskIds.Count)]}")
                    { Content = JsonContent.Create(new { status = "Done" }) },
            });
        }

        // Warm-up, not measured: JIT and first connections of every route.
        foreach (var _ in Enumerable.Range(0, 5))
            foreach (var (route, _) in Mix)
            {
                var (r, make) = Pick();
                using var request = make();
                request.Headers.Add(BenchScope.Header, BenchScope.Setup);
                using var response = await api.SendAsync(request, ct);
            }
        await Task.Delay(2000, ct);

        var samples = new ConcurrentBag<Sample>();
        var errors = new ConcurrentBag<string>();
        var before = host.Ops.Snapshot();
        var loadBefore = BenchProgram.LoadAverage();
        var cpuBefore = Environment.CpuUsage.TotalTime;
        var total = rate * seconds;
        var inFlight = new List<Task>(total);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < total; i++)
        {
            var scheduled = TimeSpan.FromSeconds(i / (double)rate);
            var wait = scheduled - clock.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1)) await Task.Delay(wait, ct);
            var (route, make) = Pick();
            var request = make();
            request.Headers.Add(BenchScope.Header, route);
            inFlight.Add(Task.Run(async () =>
            {
                try
                {
                    using var response = await api.SendAsync(request, ct);
                    var body = await response.Content.ReadAsStringAsync(ct);
                    var status = (int)response.StatusCode;
                    samples.Add(new Sample(route, clock.Elapsed - scheduled, status));
                    if (status == 201 && route == "POST /api/jobs") newJobs.Enqueue(JsonNode.Parse(body)!["id"]!.GetValue<string>());
                    if (status >= 400) errors.Add($"{route} {status}: {body[..Math.Min(body.Length, 200)]}");
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    samples.Add(new Sample(route, clock.Elapsed - scheduled, 0));
                    errors.Add($"{route}: {e.GetType().Name} {e.Message}");
                }
                finally
                {
                    request.Dispose();
                }
            }, ct));
        }
        var sent = clock.Elapsed;
        await Task.WhenAll(inFlight);
        var wall = clock.Elapsed;
        var cpu = Environment.CpuUsage.TotalTime - cpuBefore;
        var ops = host.Ops.Diff(before);
        var loadAfter = BenchProgram.LoadAverage();

        Console.WriteLine($"Sent {total} requests in {sent.TotalSeconds:0.0} s (target {seconds} s); last answer after {wall.TotalSeconds:0.0} s; "
            + $"process CPU {cpu.TotalSeconds:0} s (host + load generator)");
        Console.WriteLine($"Load average before: {loadBefore}, after: {loadAfter} on {Environment.ProcessorCount} cores");
        Console.WriteLine();
        Console.WriteLine($"  {"route",-32} {"n",6} {"p50 ms",8} {"p99 ms",8} {"max ms",8} {"2xx",6} {"4xx",5} {"5xx",5} {"fail",5} "
            + $"{"storage/req",12}");
        foreach (var group in samples.GroupBy(s => s.Route).OrderBy(g => Array.FindIndex(Mix, m => m.Route == g.Key)))
        {
            var sorted = group.Select(s => s.Latency).Order().ToList();
            var storageOps = ops.Where(kv => kv.Key.Scope == group.Key).Sum(kv => kv.Value);
            Console.WriteLine($"  {group.Key,-32} {sorted.Count,6} {Report.Percentile(sorted, 50).TotalMilliseconds,8:0} "
                + $"{Report.Percentile(sorted, 99).TotalMilliseconds,8:0} {sorted[^1].TotalMilliseconds,8:0} "
                + $"{group.Count(s => s.Status is >= 200 and < 300),6} {group.Count(s => s.Status is >= 400 and < 500),5} "
                + $"{group.Count(s => s.Status >= 500),5} {group.Count(s => s.Status == 0),5} {storageOps / (double)sorted.Count,12:0.0}");
        }
        Console.WriteLine();
        Console.WriteLine("Storage requests per call, by category (routes above 2 per call):");
        foreach (var group in ops.Where(kv => Mix.Any(m => m.Route == kv.Key.Scope)).GroupBy(kv => kv.Key.Scope))
        {
            var n = samples.Count(s => s.Route == group.Key);
            if (n == 0 || group.Sum(kv => kv.Value) < 2 * n) continue;
            Console.WriteLine($"  {group.Key}: " + string.Join(", ", group.OrderByDescending(kv => kv.Value)
                .Select(kv => $"{kv.Key.Category} {kv.Value / (double)n:0.00}")));
        }
        var engine = ops.Where(kv => kv.Key.Scope is StorageOps.Engine or StorageOps.Background).Sum(kv => kv.Value);
        Console.WriteLine($"  engine and background (automations of new jobs, polling): {engine} requests, {engine / wall.TotalSeconds:0} /s");
        foreach (var e in errors.GroupBy(e => e[..Math.Min(e.Length, 60)]).Take(10)) Console.WriteLine($"  error x{e.Count()}: {e.First()}");
        var fiveXx = samples.Count(s => s.Status >= 500);
        var failed = samples.Count(s => s.Status == 0);
        var getJob = samples.Where(s => s.Route == "GET /api/jobs/{id}").Select(s => s.Latency).Order().ToList();
        var p99 = getJob.Count > 0 ? Report.Percentile(getJob, 99).TotalMilliseconds : double.NaN;
        Console.WriteLine($"load: {total} requests at {rate}/s, {fiveXx} 5xx, {failed} failed (no answer within 60 s), "
            + $"GET /api/jobs/{{id}} p99 {p99:0} ms (goal < 50 ms)");
        return fiveXx + failed == 0 ? 0 : 1;
    }
}
