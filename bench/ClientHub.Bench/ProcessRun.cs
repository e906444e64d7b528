using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Azure;
using Azure.Storage.Queues;

namespace ClientHub.Bench;

/// <summary>
/// What the modes that run the host as processes and kill them share (<see cref="ChaosMode"/>, <see cref="RemindersMode"/>): their
/// options (<c>--jobs N --kills K --timeout-min M --seed S --logs DIR</c>), the storage and host build they need, and the two
/// instances on one storage prefix: <b>A</b> <c>http,queues</c> and <b>B</b> <c>queues,timers</c>, SendGrid → the stub.
/// </summary>
internal sealed record ProcessRun(string Mode, int Jobs, int Kills, TimeSpan Timeout, int Seed, string Storage, string Dll, string Root,
    string LogDir)
{
    /// <summary>Concurrent API calls of the set-up: enough to keep Azurite's one thread busy, not so many it starves the engine.</summary>
    public const int Concurrency = 32;

    public string Prefix { get; } = Mode[0] + Guid.NewGuid().ToString("N")[..12];

    public CallCounters Counters { get; } = new();

    public Random Random { get; } = new(Seed);

    /// <summary>The run the arguments describe, or null (with the reason on stderr: exit code 2) when they or the machine do not allow one.</summary>
    public static ProcessRun? FromArgs(string mode, string[] args, int jobs, int kills, int timeoutMinutes)
    {
        var seed = Environment.TickCount;
        string? logDir = null;
        for (var i = 0; i < args.Length; i++)
        {
            var ok = i + 1 < args.Length;
            switch (args[i])
            {
                case "--jobs" when ok: jobs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--kills" when ok: kills = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--timeout-min" when ok: timeoutMinutes = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--seed" when ok: seed = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--logs" when ok: logDir = args[++i]; break;
                default:
                    Console.Error.WriteLine($"usage: ClientHub.Bench {mode} [--jobs N] [--kills K] [--timeout-min M] [--seed S] [--logs DIR]");
                    return null;
            }
        }
        var storage = Environment.GetEnvironmentVariable("AzureWebJobsStorage");
        if (string.IsNullOrEmpty(storage))
        {
            Console.Error.WriteLine($"error: AzureWebJobsStorage is not set; run bench/{mode}.sh, which starts a private Azurite.");
            return null;
        }
        var root = RepositoryRoot();
        var dll = Environment.GetEnvironmentVariable("CLIENTHUB_HOST_DLL") is { Length: > 0 } d
            ? d : Path.Combine(root, "functions", "ClientHub.Functions", "bin", "Release", "net10.0", "ClientHub.Functions.dll");
        if (!File.Exists(dll))
        {
            Console.Error.WriteLine($"error: no host build at {dll}; build functions/ClientHub.Functions in Release first.");
            return null;
        }
        logDir ??= Directory.CreateTempSubdirectory($"clienthub-{mode}-logs.").FullName;
        Directory.CreateDirectory(logDir);
        var run = new ProcessRun(mode, jobs, kills, TimeSpan.FromMinutes(timeoutMinutes), seed, storage, dll, root, logDir);
        Console.WriteLine($"{mode}: {jobs} jobs, {kills} kills, seed {seed}, timeout {timeoutMinutes} min; host logs in {logDir}");
        Console.WriteLine($"Load average at the start: {BenchProgram.LoadAverage()} on {Environment.ProcessorCount} cores");
        return run;
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ClientHub.Functions.sln"))) return dir.FullName;
        return Directory.GetCurrentDirectory();
    }

    /// <summary>A and B (not started), worker ids <c>{mode}-a</c> and <c>{mode}-b</c>, logs at Warning in the log directory.</summary>
    public (ChaosHost A, ChaosHost B) Hosts(string sendGridUrl, IReadOnlyDictionary<string, string>? settings = null)
    {
        var common = new Dictionary<string, string>
        {
            ["AzureWebJobsStorage"] = Storage,
            ["ClientHub__StoragePrefix"] = Prefix,
            ["ClientHub__BootstrapToken"] = BenchHost.BootstrapToken,
            ["ClientHub__SendGrid__ApiKey"] = "SG.chaos-key",
            ["ClientHub__SendGrid__Host"] = sendGridUrl,
            ["ClientHub__SendGrid__ActivityCheck"] = "true",
            ["ClientHub__Queues__MaxPollingInterval"] = "00:00:00.500",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) common[key] = value;
        var ports = FreePorts(2);
        ChaosHost Host(string name, int port, string roles) => new(name, port, Dll, Root, new Dictionary<string, string>(common)
        {
            ["ClientHub__Roles"] = roles, ["ClientHub__DurableTask__WorkerId"] = $"{Mode}-{name}",
        }, LogDir);
        return (Host("a", ports[0], "http,queues"), Host("b", ports[1], "queues,timers"));
    }

    /// <summary>A firm created with the bootstrap token (owner "Olive Owner"), and the API as that firm sees it.</summary>
    public async Task<(ResilientApi Api, string OwnerId)> CreateFirmAsync(string baseUrl, string name, CancellationToken ct)
    {
        var bootstrap = new ResilientApi(baseUrl, BenchHost.BootstrapToken, Counters);
        var firm = await bootstrap.PostAsync("/api/firms",
            new { name, timeZone = "Europe/Paris", owner = new { name = "Olive Owner", email = "owner@firm.example.com" } }, ct);
        return (new ResilientApi(baseUrl, firm["apiKey"]!.GetValue<string>(), Counters), firm["ownerId"]!.GetValue<string>());
    }

    /// <summary>
    /// <see cref="Jobs"/> accounts, each with one contact that receives client emails (<c>client0001@{mode}.example.com</c>, …):
    /// the contact's email by account id.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> CreateClientsAsync(ResilientApi api, CancellationToken ct)
    {
        var contacts = new ConcurrentDictionary<string, string>();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = ct };
        await Parallel.ForEachAsync(Enumerable.Range(1, Jobs), parallel, async (i, c) =>
        {
            var account = Id(await api.PostAsync("/api/accounts",
                new { name = $"Client {i:D4}", type = "Individual", tags = Array.Empty<string>() }, c));
            var email = $"client{i:D4}@{Mode}.example.com";
            await api.PostAsync($"/api/accounts/{account}/contacts",
                new { name = $"Casey Client{i:D4}", email, notify = true, portalAccess = false }, c);
            contacts[account] = email;
        });
        return contacts;
    }

    /// <summary>One job per account in <paramref name="pipelineId"/>, 500 a bulk call (each with an Idempotency-Key): their ids.</summary>
    /// <remarks>
    /// A bulk call runs each job's first automations; with thousands of jobs in Azurite one took over the 2 minutes other calls get
    /// (the fifth of a 10,000-job reminders run), so these get 10.
    /// </remarks>
    public static async Task<List<string>> AddJobsAsync(ResilientApi api, string pipelineId, IEnumerable<string> accountIds, CancellationToken ct)
    {
        api = api.WithTimeout(TimeSpan.FromMinutes(10));
        var jobIds = new List<string>();
        foreach (var chunk in accountIds.Order().Chunk(500))
        {
            var body = await api.PostAsync("/api/jobs/bulk", new { accountIds = chunk, pipelineId }, ct,
                idempotencyKey: Guid.NewGuid().ToString("N"));
            jobIds.AddRange(body["items"]!.AsArray().Select(j => Id(j!)));
            Console.Error.WriteLine($"  {jobIds.Count} jobs added");
        }
        return jobIds;
    }

    /// <summary>
    /// <paramref name="kills"/> times: wait a random time in [<paramref name="minDelay"/>, <paramref name="maxDelay"/>], SIGKILL a random
    /// one of <paramref name="hosts"/> and start it again with the same worker id (as a restarted container). Counts in
    /// <paramref name="done"/>; a host that does not come back is a violation, not a crash of the driver.
    /// </summary>
    public async Task KillLoopAsync(ChaosHost[] hosts, int kills, TimeSpan minDelay, TimeSpan maxDelay, StrongBox<int> done,
        Violations violations, Stopwatch clock, CancellationToken ct)
    {
        try
        {
            for (var k = 0; k < kills; k++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Next((int)minDelay.TotalMilliseconds, (int)maxDelay.TotalMilliseconds + 1)), ct);
                var host = hosts[Random.Next(hosts.Length)];
                host.Kill();
                Interlocked.Increment(ref done.Value);
                var down = Stopwatch.StartNew();
                // Not cancelled with the caller's work: a killed instance always comes back before the checks.
                await host.StartAsync(CancellationToken.None);
                Console.WriteLine($"[{clock.Elapsed.TotalSeconds:0} s] kill {k + 1}: {host.Name} killed, "
                    + $"back after {down.Elapsed.TotalSeconds:0.0} s");
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            violations.Add($"restart failed: {e.Message}");
        }
    }

    /// <summary><c>{prefix}-links-poison</c>, <c>-notices-poison</c>, <c>-webhookevents-poison</c>: a message there is work given up on.</summary>
    public async Task CheckPoisonQueuesAsync(Violations violations, CancellationToken ct)
    {
        foreach (var queue in new[] { "links", "notices", "webhookevents" })
        {
            var name = $"{Prefix}-{queue}-poison";
            try
            {
                var peeked = await new QueueClient(Storage, name).PeekMessagesAsync(32, ct);
                if (peeked.Value.Length > 0) violations.Add($"poison queue {name}: {peeked.Value.Length} message(s), e.g. {peeked.Value[0].Body}");
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
            }
        }
    }

    /// <summary>The API calls the driver retried, and why (A down, timeouts, 5xx, in-flight conflicts).</summary>
    public string RetriedCalls() => $"API calls retried: {Counters.ConnectionErrors} connection errors, {Counters.Timeouts} timeouts, "
        + $"{Counters.ServerErrors} 5xx, {Counters.Conflicts} 409/429";

    /// <summary>Emails whose attempt died between SendGrid and the mark (host log events 5009 and 5010, logged at Warning).</summary>
    public static string RetakenEmails(params ChaosHost[] hosts)
    {
        var logs = hosts.SelectMany(h => File.Exists(h.LogPath) ? File.ReadLines(h.LogPath) : []).ToList();
        return $"Emails retaken after a kill: {logs.Count(l => l.Contains("SendGrid had taken it"))} found at the stub's activity feed, "
            + $"{logs.Count(l => l.Contains("does not show it: sent again"))} sent again";
    }

    public static string Id(JsonNode node) => node["id"]!.GetValue<string>();

    private static int[] FreePorts(int n)
    {
        var listeners = Enumerable.Range(0, n).Select(_ => new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(l => l.Start());
        var ports = listeners.Select(l => ((System.Net.IPEndPoint)l.LocalEndpoint).Port).ToArray();
        listeners.ForEach(l => l.Stop());
        return ports;
    }
}

/// <summary>What a run found wrong: printed by kind (ids and numbers blanked) and then the first 50, so hundreds still say what went wrong.</summary>
internal sealed partial class Violations
{
    private readonly List<string> _found = [];

    [System.Text.RegularExpressions.GeneratedRegex(@"\b(?=[a-z0-9]*\d)[a-z0-9]{8,}\b|\b\d+\b")]
    private static partial System.Text.RegularExpressions.Regex KindOf();

    public int Count
    {
        get
        {
            lock (_found) return _found.Count;
        }
    }

    public void Add(string text)
    {
        lock (_found) _found.Add(text);
    }

    public void Print()
    {
        lock (_found)
        {
            foreach (var kind in _found.GroupBy(v => KindOf().Replace(v, "#")).OrderByDescending(g => g.Count()))
                Console.WriteLine($"violations x{kind.Count()}: {kind.Key}");
            foreach (var v in _found.Take(50)) Console.WriteLine($"VIOLATION {v}");
            if (_found.Count > 50) Console.WriteLine($"... and {_found.Count - 50} more");
        }
    }
}
