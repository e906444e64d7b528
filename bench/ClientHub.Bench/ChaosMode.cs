using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Azure;
using Azure.Storage.Queues;

namespace ClientHub.Bench;

/// <summary>
/// <c>ClientHub.Bench chaos [--jobs N] [--kills K] [--timeout-min M] [--seed S] [--logs DIR]</c>: two host processes on one
/// storage prefix (A: http,queues; B: queues,timers), N jobs through a pipeline of every client-free automation kind,
/// K SIGKILLs of a random instance at random moments (each restarted), then checks: no job stuck, no duplicate
/// effect (emails, tasks, invoices, requests), consistent histories, empty poison queues. Exit code 1 on any violation.
/// Needs <c>AzureWebJobsStorage</c> and a built host (<c>CLIENTHUB_HOST_DLL</c> or the Release build of the repository).
/// </summary>
internal static partial class ChaosMode
{
    [System.Text.RegularExpressions.GeneratedRegex(@"\b(?=[a-z0-9]*\d)[a-z0-9]{8,}\b|\b\d+\b")]
    private static partial System.Text.RegularExpressions.Regex KindOf();

    private const string WelcomeSubject = "Chaos welcome", BillingSubject = "Chaos billing";

    /// <summary>Concurrent API calls of the driver: enough to keep Azurite's one thread busy, not so many it starves the engine.</summary>
    private const int Concurrency = 32;

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(30);

    public static async Task<int> RunAsync(string[] args, CancellationToken ct)
    {
        int jobs = 1000, kills = 20, timeoutMinutes = 30, seed = Environment.TickCount;
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
                    Console.Error.WriteLine("usage: ClientHub.Bench chaos [--jobs N] [--kills K] [--timeout-min M] [--seed S] [--logs DIR]");
                    return 2;
            }
        }
        var storage = Environment.GetEnvironmentVariable("AzureWebJobsStorage");
        if (string.IsNullOrEmpty(storage))
        {
            Console.Error.WriteLine("error: AzureWebJobsStorage is not set; run bench/chaos.sh, which starts a private Azurite.");
            return 2;
        }
        var root = RepositoryRoot();
        var dll = Environment.GetEnvironmentVariable("CLIENTHUB_HOST_DLL") is { Length: > 0 } d
            ? d : Path.Combine(root, "functions", "ClientHub.Functions", "bin", "Release", "net10.0", "ClientHub.Functions.dll");
        if (!File.Exists(dll))
        {
            Console.Error.WriteLine($"error: no host build at {dll}; build functions/ClientHub.Functions in Release first.");
            return 2;
        }
        logDir ??= Directory.CreateTempSubdirectory("clienthub-chaos-logs.").FullName;
        Directory.CreateDirectory(logDir);

        var run = new ChaosRun(jobs, kills, TimeSpan.FromMinutes(timeoutMinutes), new Random(seed), storage, dll, root, logDir);
        Console.WriteLine($"chaos: {jobs} jobs, {kills} kills, seed {seed}, timeout {timeoutMinutes} min; host logs in {logDir}");
        Console.WriteLine($"Load average at the start: {BenchProgram.LoadAverage()} on {Environment.ProcessorCount} cores");
        return await run.RunAsync(ct);
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ClientHub.Functions.sln"))) return dir.FullName;
        return Directory.GetCurrentDirectory();
    }

    private sealed record Setup(ResilientApi Api, string PipelineId, IReadOnlyList<string> StageIds, IReadOnlyList<int> AutomationsPerStage,
        IReadOnlyDictionary<string, string> ContactByAccount);

    private sealed class ChaosRun(int jobs, int kills, TimeSpan timeout, Random random, string storage, string dll, string root, string logDir)
    {
        private readonly string _prefix = "c" + Guid.NewGuid().ToString("N")[..12];
        private readonly CallCounters _counters = new();
        private readonly List<string> _violations = [];
        private readonly SemaphoreSlim _slots = new(Concurrency);
        private int _killsDone, _completionErrors;

        private void Violation(string text)
        {
            lock (_violations) _violations.Add(text);
        }

        public async Task<int> RunAsync(CancellationToken ct)
        {
            var clock = Stopwatch.StartNew();
            await using var sendGrid = await SendGridStub.StartAsync(ct, record: true);
            var common = new Dictionary<string, string>
            {
                ["AzureWebJobsStorage"] = storage,
                ["ClientHub__StoragePrefix"] = _prefix,
                ["ClientHub__BootstrapToken"] = BenchHost.BootstrapToken,
                ["ClientHub__SendGrid__ApiKey"] = "SG.chaos-key",
                ["ClientHub__SendGrid__Host"] = sendGrid.Url,
                ["ClientHub__SendGrid__ActivityCheck"] = "true",
                ["ClientHub__Queues__MaxPollingInterval"] = "00:00:00.500",
                ["Logging__LogLevel__Default"] = "Warning",
            };
            var ports = FreePorts(2);
            using var a = new ChaosHost("a", ports[0], dll, root, new Dictionary<string, string>(common)
            {
                ["ClientHub__Roles"] = "http,queues", ["ClientHub__DurableTask__WorkerId"] = "chaos-a",
            }, logDir);
            using var b = new ChaosHost("b", ports[1], dll, root, new Dictionary<string, string>(common)
            {
                ["ClientHub__Roles"] = "queues,timers", ["ClientHub__DurableTask__WorkerId"] = "chaos-b",
            }, logDir);
            await Task.WhenAll(a.StartAsync(ct), b.StartAsync(ct));
            Console.WriteLine($"[{clock.Elapsed.TotalSeconds:0} s] hosts up: A {a.BaseUrl} (http,queues), B {b.BaseUrl} (queues,timers), "
                + $"prefix {_prefix}");

            var setup = await SetUpAsync(a.BaseUrl, ct);
            Console.WriteLine($"[{clock.Elapsed.TotalSeconds:0} s] firm, pipeline and {jobs} accounts created");
            var added = Stopwatch.StartNew();
            var jobIds = new List<string>();
            foreach (var chunk in setup.ContactByAccount.Keys.Order().Chunk(500))
            {
                var body = await setup.Api.PostAsync("/api/jobs/bulk", new { accountIds = chunk, pipelineId = setup.PipelineId }, ct,
                    idempotencyKey: Guid.NewGuid().ToString("N"));
                jobIds.AddRange(body["items"]!.AsArray().Select(j => j!["id"]!.GetValue<string>()));
            }
            Console.WriteLine($"[{clock.Elapsed.TotalSeconds:0} s] {jobIds.Count} jobs added in {added.Elapsed.TotalSeconds:0} s; killing starts");

            using var driveDone = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var killing = KillLoopAsync([a, b], clock, driveDone.Token);
            var remaining = await DriveAsync(setup, jobIds, clock, ct);
            await driveDone.CancelAsync();
            await killing;
            if (_killsDone < kills) Console.WriteLine($"note: the jobs finished after {_killsDone} of {kills} kills; the rest were not made");
            // Both instances up again (a kill may have been the last thing that happened), and a moment for any late effect
            // (a replayed activity, a redelivered message) to show up before the effects are counted.
            foreach (var host in new[] { a, b }) await EnsureUpAsync(host, ct);
            await Task.Delay(TimeSpan.FromSeconds(10), ct);

            await CheckAsync(setup, jobIds, remaining, sendGrid, ct);
            var seconds = clock.Elapsed.TotalSeconds;
            Console.WriteLine($"API calls retried: {_counters.ConnectionErrors} connection errors, {_counters.Timeouts} timeouts, "
                + $"{_counters.ServerErrors} 5xx, {_counters.Conflicts} 409/429; item completions that failed and were retried: {_completionErrors}");
            Console.WriteLine($"Load average at the end: {BenchProgram.LoadAverage()} on {Environment.ProcessorCount} cores");
            // Emails whose attempt died between SendGrid and the mark (host log events 5009 and 5010, logged at Warning).
            var logs = new[] { a, b }.SelectMany(h => File.Exists(h.LogPath) ? File.ReadLines(h.LogPath) : []).ToList();
            Console.WriteLine($"Emails retaken after a kill: {logs.Count(l => l.Contains("SendGrid had taken it"))} found at the stub's activity "
                + $"feed, {logs.Count(l => l.Contains("does not show it: sent again"))} sent again");
            // By kind first (ids and numbers blanked), so a run with hundreds of violations still says what went wrong.
            foreach (var kind in _violations.GroupBy(v => KindOf().Replace(v, "#")).OrderByDescending(g => g.Count()))
                Console.WriteLine($"violations x{kind.Count()}: {kind.Key}");
            foreach (var v in _violations.Take(50)) Console.WriteLine($"VIOLATION {v}");
            if (_violations.Count > 50) Console.WriteLine($"... and {_violations.Count - 50} more");
            Console.WriteLine($"chaos: {jobIds.Count} jobs, {_killsDone} kills, {_violations.Count} violations, {seconds:0} s");
            return _violations.Count == 0 ? 0 : 1;
        }

        private static async Task EnsureUpAsync(ChaosHost host, CancellationToken ct)
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            try
            {
                if ((await http.GetAsync(host.BaseUrl + "/healthz", ct)).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
            }
            await host.StartAsync(ct);
        }

        /// <summary>K times: wait 2–10 s, SIGKILL a random instance, start it again with the same worker id (as a restarted container).</summary>
        private async Task KillLoopAsync(ChaosHost[] hosts, Stopwatch clock, CancellationToken ct)
        {
            try
            {
                for (var k = 0; k < kills; k++)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(random.Next(2000, 10001)), ct);
                    var host = hosts[random.Next(hosts.Length)];
                    host.Kill();
                    Interlocked.Increment(ref _killsDone);
                    var down = Stopwatch.StartNew();
                    // Not cancelled with the drive: a killed instance always comes back before the checks.
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
                // An instance that does not come back is a finding, not a crash of the driver: the checks still run.
                Violation($"restart failed: {e.Message}");
            }
        }

        private async Task<Setup> SetUpAsync(string baseUrl, CancellationToken ct)
        {
            var bootstrap = new ResilientApi(baseUrl, BenchHost.BootstrapToken, _counters);
            var firm = await bootstrap.PostAsync("/api/firms",
                new { name = "Chaos CPA", timeZone = "Europe/Paris", owner = new { name = "Olive Owner", email = "owner@firm.example.com" } }, ct);
            var api = new ResilientApi(baseUrl, firm["apiKey"]!.GetValue<string>(), _counters);
            var ownerId = firm["ownerId"]!.GetValue<string>();
            await api.PostAsync("/api/tags", new { name = "Chaos", color = "#cc3300" }, ct);
            var status = Id(await api.PostAsync("/api/client-facing-statuses", new { name = "In progress", description = "We are on it" }, ct));
            async Task<string> Template(object body) => Id(await api.PostAsync("/api/templates", body, ct));
            var welcome = await Template(new { kind = "email", name = "Welcome", subject = WelcomeSubject, body = "<p>{{job.name}}</p>" });
            var billing = await Template(new { kind = "email", name = "Billing", subject = BillingSubject, body = "<p>{{job.name}}</p>" });
            var task = await Template(new { kind = "task", name = "Review", title = "Review", assignee = new { staffId = ownerId }, dueInDays = 7 });
            var folder = await Template(new { kind = "folder", name = "Tax", folders = new[] { "2026/Tax" } });
            var invoice = await Template(new
            {
                kind = "invoice", name = "Fee", currency = "EUR", dueInDays = 30,
                lines = new[] { new { description = "Return", quantity = 1, unitPrice = 300 } },
            });
            var request = await Template(new { kind = "request", name = "Docs", title = "Documents", items = new[] { new { title = "W-2" } } });
            var intake = new object[]
            {
                new { type = "sendEmail", templateId = welcome },
                new { type = "updateAccountTags", add = new[] { "Chaos" } },
                new { type = "updateJobAssignees", add = new[] { ownerId } },
                new { type = "updateClientFacingStatus", visible = true, statusId = status },
                new { type = "applyFolderTemplate", templateId = folder },
                new { type = "createTask", templateId = task },
            };
            var bill = new object[]
            {
                new { type = "sendEmail", templateId = billing },
                new { type = "createInvoice", templateId = invoice },
                new { type = "createRequest", templateId = request },
            };
            var pipeline = await api.PostAsync("/api/pipelines", new
            {
                name = "Chaos",
                stages = new object[]
                {
                    new { name = "Intake", automove = true, automations = intake },
                    new { name = "Billing", automove = true, automations = bill },
                    new { name = "Done", automove = false, automations = Array.Empty<object>() },
                },
            }, ct);
            var stageIds = pipeline["stages"]!.AsArray().Select(s => Id(s!)).ToList();

            var contacts = new ConcurrentDictionary<string, string>();
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = ct };
            await Parallel.ForEachAsync(Enumerable.Range(1, jobs), parallel,
                async (i, c) =>
                {
                    var account = Id(await api.PostAsync("/api/accounts",
                        new { name = $"Client {i:D4}", type = "Individual", tags = Array.Empty<string>() }, c));
                    var email = $"client{i:D4}@chaos.example.com";
                    await api.PostAsync($"/api/accounts/{account}/contacts",
                        new { name = $"Casey Client{i:D4}", email, notify = true, portalAccess = false }, c);
                    contacts[account] = email;
                });
            return new Setup(api, Id(pipeline), stageIds, [intake.Length, bill.Length, 0], contacts);
        }

        /// <summary>
        /// The firm and its clients doing their part until every job is in the last stage and idle, or the timeout: the job list
        /// is read again and again, and every idle job with pending items gets its current entry's items completed.
        /// Returns the jobs that did not get there.
        /// </summary>
        private async Task<HashSet<string>> DriveAsync(Setup setup, IReadOnlyCollection<string> jobIds, Stopwatch clock, CancellationToken ct)
        {
            var remaining = jobIds.ToHashSet();
            var handled = new ConcurrentDictionary<string, int>();
            var working = new ConcurrentDictionary<string, Task>();
            var deadline = DateTime.UtcNow + timeout;
            var nextProgress = clock.Elapsed + ProgressInterval;
            while (remaining.Count > 0 && DateTime.UtcNow < deadline)
            {
                var started = clock.Elapsed;
                List<JsonNode> list;
                try
                {
                    list = await setup.Api.ListAllAsync($"/api/jobs?pipelineId={setup.PipelineId}", ct);
                }
                catch (TimeoutException e)
                {
                    Console.Error.WriteLine($"  list read failed: {e.Message}");
                    continue;
                }
                var took = clock.Elapsed - started;
                foreach (var job in list)
                {
                    var id = job["id"]!.GetValue<string>();
                    if (!remaining.Contains(id) || job["automation"]!["state"]!.GetValue<string>() != "idle") continue;
                    if (job["stageId"]!.GetValue<string>() == setup.StageIds[^1])
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
                            if (await CompleteItemsAsync(setup.Api, id, entrySeq, ct)) handled[id] = entrySeq;
                        }
                        catch (Exception e) when (e is not OperationCanceledException)
                        {
                            Interlocked.Increment(ref _completionErrors);
                            Console.Error.WriteLine($"  completing items of job {id} failed (retried on a later read): {e.Message}");
                        }
                        finally
                        {
                            working.TryRemove(id, out _);
                        }
                    }, ct);
                }
                if (clock.Elapsed >= nextProgress)
                {
                    // Where the jobs are (stage/automation state/pending items): tells a slow run from a stuck one.
                    var where = list.GroupBy(j => $"{j["stageName"]}/{j["automation"]!["state"]}/{j["pendingItems"]}")
                        .OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}");
                    Console.Error.WriteLine($"  [{clock.Elapsed.TotalSeconds:0} s] {jobIds.Count - remaining.Count} of {jobIds.Count} jobs done, "
                        + $"{_killsDone} kills; list read {took.TotalMilliseconds:0} ms; stage/state/pending: {string.Join(", ", where)}");
                    nextProgress = clock.Elapsed + ProgressInterval;
                }
                // A read of 1,000 cards costs Azurite much more than one of 100: wait at least as long as it took.
                if (remaining.Count > 0) await Task.Delay(took > PollInterval ? took : PollInterval, ct);
            }
            await Task.WhenAll(working.Values);
            return remaining;
        }

        /// <summary>
        /// Completes every incomplete item of entry <paramref name="entrySeq"/>: task Done, request Completed, invoice paid in full.
        /// </summary>
        private async Task<bool> CompleteItemsAsync(ResilientApi api, string jobId, int entrySeq, CancellationToken ct)
        {
            await _slots.WaitAsync(ct);
            try
            {
                var items = await api.ListAllAsync($"/api/jobs/{jobId}/items", ct);
                var pending = items.Where(i => !i["complete"]!.GetValue<bool>() && i["stageEntrySeq"]!.GetValue<int>() == entrySeq).ToList();
                if (pending.Count == 0) return false;
                foreach (var item in pending)
                {
                    var id = Id(item);
                    switch (item["type"]!.GetValue<string>())
                    {
                        case "task":
                            await api.CallAsync(HttpMethod.Patch, $"/api/tasks/{id}", new { status = "Done" }, ct);
                            break;
                        case "request":
                            await api.CallAsync(HttpMethod.Patch, $"/api/requests/{id}", new { status = "Completed" }, ct);
                            break;
                        case "invoice":
                            // The balance read first, so a payment whose answer was lost to a kill is not paid again on a later pass.
                            var invoice = await api.GetAsync($"/api/invoices/{id}", ct);
                            var balance = invoice["balance"]!.GetValue<decimal>();
                            if (balance > 0)
                                await api.PostAsync($"/api/invoices/{id}/payments", new { amount = balance }, ct,
                                    idempotencyKey: Guid.NewGuid().ToString("N"));
                            break;
                        default:
                            Violation($"job {jobId}: unexpected item type {item["type"]} in entry {entrySeq}");
                            break;
                    }
                }
                return true;
            }
            finally
            {
                _slots.Release();
            }
        }

        private async Task CheckAsync(Setup setup, IReadOnlyList<string> jobIds, HashSet<string> remaining, SendGridStub sendGrid,
            CancellationToken ct)
        {
            var stageIndex = setup.StageIds.Select((s, i) => (s, i)).ToDictionary(x => x.s, x => x.i);
            // Stuck: not in the last stage or not idle, with where they are.
            var list = await setup.Api.ListAllAsync($"/api/jobs?pipelineId={setup.PipelineId}", ct);
            var byId = list.ToDictionary(j => Id(j));
            foreach (var id in jobIds)
            {
                if (!byId.TryGetValue(id, out var job))
                {
                    Violation($"job {id}: missing from the job list");
                    continue;
                }
                var state = job["automation"]!["state"]!.GetValue<string>();
                if (job["stageId"]!.GetValue<string>() != setup.StageIds[^1] || state != "idle")
                    Violation($"stuck: job {id} in stage '{job["stageName"]}' (entry {job["entrySeq"]}), automation {state}"
                        + $"{(job["automation"]!["error"] is { } err ? $" ({err})" : "")}, pendingItems {job["pendingItems"]}");
            }
            var notDone = jobIds.Count(id => !byId.TryGetValue(id, out var j) || j["stageId"]!.GetValue<string>() != setup.StageIds[^1]);
            Console.WriteLine($"Stuck jobs: {notDone}"
                + $" (drive left {remaining.Count})");

            // Emails: exactly one per sendEmail automation per contact; no (contact, subject) twice.
            var emails = sendGrid.Recorded.ToList();
            var counts = emails.GroupBy(e => e).ToDictionary(g => g.Key, g => g.Count());
            var contacts = setup.ContactByAccount.Values.ToHashSet(StringComparer.OrdinalIgnoreCase);
            foreach (var contact in contacts)
                foreach (var subject in new[] { WelcomeSubject, BillingSubject })
                {
                    var n = counts.GetValueOrDefault((contact, subject));
                    if (n != 1) Violation($"email '{subject}' to {contact}: {n} sent, expected 1");
                }
            foreach (var ((to, subject), n) in counts)
                if (n > 1 && contacts.Contains(to) && subject is not WelcomeSubject and not BillingSubject)
                    Violation($"email '{subject}' to {to}: {n} sent, expected at most 1");
            Console.WriteLine($"Emails recorded by the stub: {emails.Count} ({emails.Count(e => contacts.Contains(e.To))} to contacts)");

            // Items and history of every job.
            var itemCounts = new ConcurrentDictionary<string, int>();
            await Parallel.ForEachAsync(jobIds, new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = ct }, async (id, c) =>
            {
                var items = await setup.Api.ListAllAsync($"/api/jobs/{id}/items", c);
                foreach (var type in new[] { "task", "invoice", "request" })
                {
                    var n = items.Count(i => i["type"]!.GetValue<string>() == type);
                    itemCounts.AddOrUpdate(type, n, (_, m) => m + n);
                    if (n != 1) Violation($"job {id}: {n} {type} items, expected 1");
                }
                if (items.Count != 3) Violation($"job {id}: {items.Count} items, expected 3");
                CheckHistory(id, await setup.Api.ListAllAsync($"/api/jobs/{id}/history", c), setup, stageIndex);
            });
            Console.WriteLine($"Items: {string.Join(", ", itemCounts.OrderBy(kv => kv.Key).Select(kv => $"{kv.Value} {kv.Key}s"))}");

            // Poison queues: a message there is work given up on.
            foreach (var queue in new[] { "links", "notices", "webhookevents" })
            {
                var name = $"{_prefix}-{queue}-poison";
                try
                {
                    var peeked = await new QueueClient(storage, name).PeekMessagesAsync(32, ct);
                    if (peeked.Value.Length > 0) Violation($"poison queue {name}: {peeked.Value.Length} message(s), e.g. {peeked.Value[0].Body}");
                }
                catch (RequestFailedException e) when (e.Status == 404)
                {
                }
            }
        }

        /// <summary>
        /// <c>added</c> first; each <c>moved</c> from the stage the previous entry went to; no stage entered twice (nothing moves
        /// back here); one automation record per automation of each entry (a second would mean a step ran twice).
        /// </summary>
        private void CheckHistory(string jobId, List<JsonNode> history, Setup setup, Dictionary<string, int> stageIndex)
        {
            if (history.Count == 0 || history[0]["kind"]!.GetValue<string>() != "added")
            {
                Violation($"job {jobId}: history does not start with 'added' ({history.FirstOrDefault()?["kind"]})");
                return;
            }
            var entered = new List<string>();
            var automations = new List<int>();
            foreach (var entry in history)
            {
                var kind = entry["kind"]!.GetValue<string>();
                if (kind is "added" or "moved")
                {
                    if (kind == "added" && entered.Count > 0) Violation($"job {jobId}: a second 'added' entry");
                    var from = entry["fromStageId"]?.GetValue<string>();
                    if (kind == "moved" && from != entered.LastOrDefault())
                        Violation($"job {jobId}: moved from {from}, but the previous entry went to {entered.LastOrDefault()}");
                    var to = entry["toStageId"]?.GetValue<string>() ?? "";
                    if (entered.Contains(to)) Violation($"job {jobId}: stage {to} entered twice");
                    entered.Add(to);
                    automations.Add(0);
                }
                else if (kind is "automation" or "automationSkipped") automations[^1]++;
            }
            if (!entered.SequenceEqual(setup.StageIds))
                Violation($"job {jobId}: entered stages "
                    + string.Join(" → ", entered.Select(s => stageIndex.TryGetValue(s, out var i) ? $"#{i}" : s)));
            for (var i = 0; i < entered.Count; i++)
                if (stageIndex.TryGetValue(entered[i], out var s) && automations[i] != setup.AutomationsPerStage[s])
                    Violation($"job {jobId}: entry {i + 1} has {automations[i]} automation records, expected {setup.AutomationsPerStage[s]}");
        }

        private static string Id(JsonNode node) => node["id"]!.GetValue<string>();

        private static int[] FreePorts(int n)
        {
            var listeners = Enumerable.Range(0, n).Select(_ => new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0)).ToList();
            listeners.ForEach(l => l.Start());
            var ports = listeners.Select(l => ((System.Net.IPEndPoint)l.LocalEndpoint).Port).ToArray();
            listeners.ForEach(l => l.Stop());
            return ports;
        }
    }
}
