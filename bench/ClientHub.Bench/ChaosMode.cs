using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;

namespace ClientHub.Bench;

/// <summary>
/// <c>ClientHub.Bench chaos [--jobs N] [--kills K] [--timeout-min M] [--seed S] [--logs DIR]</c>: two host processes on one
/// storage prefix (A: http,queues; B: queues,timers), N jobs through a pipeline of every client-free automation kind,
/// K SIGKILLs of a random instance at random moments (each restarted), then checks: no job stuck, no duplicate
/// effect (emails, tasks, invoices, requests), consistent histories, empty poison queues. Exit code 1 on any violation.
/// Needs <c>AzureWebJobsStorage</c> and a built host (<c>CLIENTHUB_HOST_DLL</c> or the Release build of the repository).
/// </summary>
internal static class ChaosMode
{
    private const string WelcomeSubject = "Chaos welcome", BillingSubject = "Chaos billing";

    private const int Concurrency = ProcessRun.Concurrency;

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(30);

    public static async Task<int> RunAsync(string[] args, CancellationToken ct) =>
        ProcessRun.FromArgs("chaos", args, jobs: 1000, kills: 20, timeoutMinutes: 30) is { } run ? await new ChaosRun(run).RunAsync(ct) : 2;

    private sealed record Setup(ResilientApi Api, string PipelineId, IReadOnlyList<string> StageIds, IReadOnlyList<int> AutomationsPerStage,
        IReadOnlyDictionary<string, string> ContactByAccount);

    private sealed class ChaosRun(ProcessRun run)
    {
        private readonly Violations _violations = new();
        private readonly SemaphoreSlim _slots = new(Concurrency);
        private readonly StrongBox<int> _killsDone = new();
        private int _completionErrors;

        private int KillsDone => Volatile.Read(ref _killsDone.Value);

        private void Violation(string text) => _violations.Add(text);

        public async Task<int> RunAsync(CancellationToken ct)
        {
            var clock = Stopwatch.StartNew();
            await using var sendGrid = await SendGridStub.StartAsync(ct, record: true);
            var (a, b) = run.Hosts(sendGrid.Url);
            using var hostA = a;
            using var hostB = b;
            await Task.WhenAll(a.StartAsync(ct), b.StartAsync(ct));
            Console.WriteLine($"[{clock.Elapsed.TotalSeconds:0} s] hosts up: A {a.BaseUrl} (http,queues), B {b.BaseUrl} (queues,timers), "
                + $"prefix {run.Prefix}");

            var setup = await SetUpAsync(a.BaseUrl, ct);
            Console.WriteLine($"[{clock.Elapsed.TotalSeconds:0} s] firm, pipeline and {run.Jobs} accounts created");
            var added = Stopwatch.StartNew();
            var jobIds = await ProcessRun.AddJobsAsync(setup.Api, setup.PipelineId, setup.ContactByAccount.Keys, ct);
            Console.WriteLine($"[{clock.Elapsed.TotalSeconds:0} s] {jobIds.Count} jobs added in {added.Elapsed.TotalSeconds:0} s; killing starts");

            using var driveDone = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var killing = run.KillLoopAsync([a, b], run.Kills, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10), _killsDone, _violations, clock,
                driveDone.Token);
            var remaining = await DriveAsync(setup, jobIds, clock, ct);
            await driveDone.CancelAsync();
            await killing;
            if (KillsDone < run.Kills) Console.WriteLine($"note: the jobs finished after {KillsDone} of {run.Kills} kills; the rest were not made");
            // Both instances up again (a kill may have been the last thing that happened), and a moment for any late effect
            // (a replayed activity, a redelivered message) to show up before the effects are counted.
            foreach (var host in new[] { a, b }) await host.EnsureUpAsync(ct);
            await Task.Delay(TimeSpan.FromSeconds(10), ct);

            await CheckAsync(setup, jobIds, remaining, sendGrid, ct);
            var seconds = clock.Elapsed.TotalSeconds;
            Console.WriteLine($"{run.RetriedCalls()}; item completions that failed and were retried: {_completionErrors}");
            Console.WriteLine($"Load average at the end: {BenchProgram.LoadAverage()} on {Environment.ProcessorCount} cores");
            Console.WriteLine(ProcessRun.RetakenEmails(a, b));
            _violations.Print();
            Console.WriteLine($"chaos: {jobIds.Count} jobs, {KillsDone} kills, {_violations.Count} violations, {seconds:0} s");
            return _violations.Count == 0 ? 0 : 1;
        }

        private async Task<Setup> SetUpAsync(string baseUrl, CancellationToken ct)
        {
            var (api, ownerId) = await run.CreateFirmAsync(baseUrl, "Chaos CPA", ct);
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

            var contacts = await run.CreateClientsAsync(api, ct);
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
            var deadline = DateTime.UtcNow + run.Timeout;
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
                        + $"{KillsDone} kills; list read {took.TotalMilliseconds:0} ms; stage/state/pending: {string.Join(", ", where)}");
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
            var counts = emails.GroupBy(e => (e.To, e.Subject)).ToDictionary(g => g.Key, g => g.Count());
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

            await run.CheckPoisonQueuesAsync(_violations, ct);
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

        private static string Id(JsonNode node) => ProcessRun.Id(node);
    }
}
