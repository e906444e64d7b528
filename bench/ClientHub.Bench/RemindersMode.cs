using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;

namespace ClientHub.Bench;

/// <summary>
/// <c>ClientHub.Bench reminders [--jobs N] [--requests R] [--kills K] [--timeout-min M] [--seed S] [--logs DIR]</c>: N × R reminders
/// falling due in the same minute all fire, none twice, none lost when an instance dies. Two host processes on one storage prefix
/// (A: http,queues; B: queues,timers), both with the test clock; N jobs whose first stage creates R requests (1 by default), each
/// with one reminder a day later: N durable timers, one per job, hold N × R reminders. Once every reminder is scheduled both
/// instances are restarted with their clock a day and an hour ahead, so every reminder is due at once, and
/// <c>POST /api/testing/clock</c> wakes every orchestration, while B (no HTTP) is SIGKILLed K times. Checks: every contact got
/// exactly one reminder of each request, no email twice, empty poison queues. Exit code 1 on any violation.
/// </summary>
internal static class RemindersMode
{
    /// <summary>What <c>ReminderSender</c> puts before the item's notification subject: it tells a reminder from the request's email.</summary>
    private const string ReminderPrefix = "Reminder: ";

    /// <summary>Past the reminder's due time (a day after the request) by an hour: every reminder is due the moment the hosts restart.</summary>
    private static readonly TimeSpan ClockOffset = new(1, 1, 0, 0);

    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(30);

    public static async Task<int> RunAsync(string[] args, CancellationToken ct)
    {
        var at = Array.IndexOf(args, "--requests");
        var requests = at < 0 ? 1 : at + 1 < args.Length && int.TryParse(args[at + 1], out var r) && r is > 0 and <= 20 ? r : 0;
        if (requests == 0)
        {
            Console.Error.WriteLine("usage: ClientHub.Bench reminders [--requests R (1 to 20)] [--jobs N] ...");
            return 2;
        }
        string[] rest = at < 0 ? args : [.. args[..at], .. args[(at + 2)..]];
        return ProcessRun.FromArgs("reminders", rest, jobs: 1000, kills: 5, timeoutMinutes: 30) is { } run
            ? await new RemindersRun(run, requests).RunAsync(ct) : 2;
    }

    private sealed class RemindersRun(ProcessRun run, int requests)
    {
        private readonly Violations _violations = new();
        private readonly StrongBox<int> _killsDone = new();

        public async Task<int> RunAsync(CancellationToken ct)
        {
            var clock = Stopwatch.StartNew();
            // Raw Azurite before anything waits on it, and again below with every reminder's timer waiting: the rate to compare with.
            var rawIdle = await QueueResidency.RoundTripsPerSecondAsync(run.Storage, $"{run.Prefix}-raw", ct);
            await using var sendGrid = await SendGridStub.StartAsync(ct, record: true);
            var (a, b) = run.Hosts(sendGrid.Url, new Dictionary<string, string> { ["ClientHub__Testing__EnableClock"] = "true" });
            using var hostA = a;
            using var hostB = b;
            await Task.WhenAll(a.StartAsync(ct), b.StartAsync(ct));
            Console.WriteLine($"[{clock.Elapsed.TotalSeconds:0} s] hosts up: A {a.BaseUrl} (http,queues), B {b.BaseUrl} (queues,timers), "
                + $"prefix {run.Prefix}");

            var (api, pipelineId, contacts, titles) = await SetUpAsync(a.BaseUrl, ct);
            Console.WriteLine($"[{clock.Elapsed.TotalSeconds:0} s] firm, pipeline ({requests} requests) and {run.Jobs} accounts created");
            var jobIds = await ProcessRun.AddJobsAsync(api, pipelineId, contacts.Keys, ct);
            Console.WriteLine($"[{clock.Elapsed.TotalSeconds:0} s] {jobIds.Count} jobs added");
            await WaitScheduledAsync(api, pipelineId, jobIds.Count, clock, ct);

            // Every reminder is due a day after its request: a day and an hour later, all of them are due in the same minute.
            foreach (var host in new[] { a, b })
            {
                host.Kill();
                host.Set("ClientHub__Testing__ClockOffset", ClockOffset.ToString("c"));
            }
            var rawWaiting = await QueueResidency.RoundTripsPerSecondAsync(run.Storage, $"{run.Prefix}-raw", ct);
            Console.WriteLine($"[{clock.Elapsed.TotalSeconds:0} s] raw Azurite queue round trips/s (hosts down): {rawIdle:0} with nothing waiting, "
                + $"{rawWaiting:0} with the {jobIds.Count} timers waiting");
            await Task.WhenAll(a.StartAsync(ct), b.StartAsync(ct));
            Console.WriteLine($"[{clock.Elapsed.TotalSeconds:0} s] both instances restarted with the clock {ClockOffset:c} ahead; "
                + $"load average {BenchProgram.LoadAverage()}");

            var wakeStart = DateTimeOffset.UtcNow;
            using var stopWake = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var wake = WakeAsync(a.BaseUrl, clock, stopWake.Token);
            // The kills go on after the last reminder until all K are made (within the timeout): a timer or activity redelivered
            // after a kill must not send a reminder again either.
            using var killTimeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            killTimeout.CancelAfter(run.Timeout);
            var killing = run.KillLoopAsync([b], run.Kills, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(15), _killsDone, _violations, clock,
                killTimeout.Token);
            await WaitForRemindersAsync(sendGrid, contacts.Count * requests, wakeStart, clock, ct);
            var killsWhileFiring = Volatile.Read(ref _killsDone.Value);
            await killing;
            Console.WriteLine($"[{clock.Elapsed.TotalSeconds:0} s] kills: {killsWhileFiring} before the last reminder, "
                + $"{Volatile.Read(ref _killsDone.Value) - killsWhileFiring} after it");
            // Both instances up again, and a moment for a late reminder (a replayed activity, a redelivered timer) to show up.
            foreach (var host in new[] { a, b }) await host.EnsureUpAsync(ct);
            await Task.Delay(TimeSpan.FromSeconds(10), ct);
            // It answers once every orchestration heard the clock, or after the host's 30 s wait for them: a minute more is plenty.
            if (await Task.WhenAny(wake, Task.Delay(TimeSpan.FromMinutes(1), ct)) != wake)
                Console.WriteLine("The wake call had not answered a minute later; it is given up.");
            await stopWake.CancelAsync();
            await wake;

            Check(sendGrid, contacts.Values.ToHashSet(StringComparer.OrdinalIgnoreCase), titles, wakeStart, rawWaiting);
            await run.CheckPoisonQueuesAsync(_violations, ct);
            Console.WriteLine(run.RetriedCalls());
            Console.WriteLine(ProcessRun.RetakenEmails(a, b));
            Console.WriteLine($"Load average at the end: {BenchProgram.LoadAverage()} on {Environment.ProcessorCount} cores");
            _violations.Print();
            var kills = Volatile.Read(ref _killsDone.Value);
            Console.WriteLine($"reminders: {jobIds.Count} jobs, {kills} kills, {_violations.Count} violations, {clock.Elapsed.TotalSeconds:0} s");
            return _violations.Count == 0 ? 0 : 1;
        }

        /// <summary>
        /// A firm, R request templates, a pipeline whose first stage creates the R requests, each with one reminder a day later, and its
        /// clients; with the requests' titles, which tell their reminders apart.
        /// </summary>
        private async Task<(ResilientApi Api, string PipelineId, IReadOnlyDictionary<string, string> ContactByAccount, string[] Titles)>
            SetUpAsync(string baseUrl, CancellationToken ct)
        {
            var (api, _) = await run.CreateFirmAsync(baseUrl, "Reminders CPA", ct);
            var titles = Enumerable.Range(1, requests).Select(i => requests == 1 ? "Documents" : $"Documents {i}").ToArray();
            var templates = new List<string>();
            foreach (var title in titles)
                templates.Add(ProcessRun.Id(await api.PostAsync("/api/templates",
                    new { kind = "request", name = title, title, items = new[] { new { title = "W-2" } } }, ct)));
            var reminders = new { enabled = true, daysBetween = 1, count = 1 };
            var pipeline = await api.PostAsync("/api/pipelines", new
            {
                name = "Reminders",
                stages = new object[]
                {
                    new
                    {
                        name = "Waiting for documents", automove = false,
                        automations = templates.Select(templateId => new { type = "createRequest", templateId, reminders }).ToArray(),
                    },
                    new { name = "Done", automove = false, automations = Array.Empty<object>() },
                },
            }, ct);
            return (api, ProcessRun.Id(pipeline), await run.CreateClientsAsync(api, ct), titles);
        }

        /// <summary>
        /// Until every job is idle with its requests pending (so their reminders are stored with them and the timer set), or the timeout.
        /// </summary>
        private async Task WaitScheduledAsync(ResilientApi api, string pipelineId, int jobs, Stopwatch clock, CancellationToken ct)
        {
            var deadline = clock.Elapsed + run.Timeout;
            var nextProgress = clock.Elapsed + ProgressInterval;
            while (true)
            {
                var started = clock.Elapsed;
                var list = await api.ListAllAsync($"/api/jobs?pipelineId={pipelineId}", ct);
                var took = clock.Elapsed - started;
                var scheduled = list.Count(j =>
                    j["automation"]!["state"]!.GetValue<string>() == "idle" && j["pendingItems"]!.GetValue<int>() == requests);
                if (scheduled == jobs)
                {
                    Console.WriteLine($"[{clock.Elapsed.TotalSeconds:0} s] every job idle with its requests pending: {jobs * requests} reminders "
                        + $"scheduled on {jobs} timers");
                    return;
                }
                if (clock.Elapsed > deadline)
                {
                    _violations.Add($"only {scheduled} of {jobs} jobs had their requests (and reminders) after {run.Timeout}");
                    return;
                }
                if (clock.Elapsed >= nextProgress)
                {
                    Console.Error.WriteLine($"  [{clock.Elapsed.TotalSeconds:0} s] {scheduled} of {jobs} jobs scheduled; "
                        + $"list read {took.TotalMilliseconds:0} ms");
                    nextProgress = clock.Elapsed + ProgressInterval;
                }
                // A read of 1,000 cards costs Azurite much more than one of 100: wait at least as long as it took.
                await Task.Delay(took > PollInterval ? took : PollInterval, ct);
            }
        }

        /// <summary>
        /// <c>POST /api/testing/clock {"advanceBy":"PT0S"}</c> on A: wakes every orchestration with the clock as it is now. It answers
        /// once each has heard it, which at thousands of jobs takes long; its answer is printed, not waited for.
        /// </summary>
        private static async Task WakeAsync(string baseUrl, Stopwatch clock, CancellationToken ct)
        {
            using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = Timeout.InfiniteTimeSpan };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", BenchHost.BootstrapToken);
            var started = clock.Elapsed;
            try
            {
                using var response = await http.PostAsJsonAsync("/api/testing/clock", new { advanceBy = "PT0S" }, ct);
                Console.WriteLine($"[{clock.Elapsed.TotalSeconds:0} s] the wake call answered {(int)response.StatusCode} after "
                    + $"{(clock.Elapsed - started).TotalSeconds:0.0} s: {await response.Content.ReadAsStringAsync(ct)}");
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
            {
                Console.WriteLine($"[{clock.Elapsed.TotalSeconds:0} s] the wake call got no answer: {e.Message}");
            }
        }

        /// <summary>Until every contact has a reminder, or the timeout counted from the wake.</summary>
        private async Task WaitForRemindersAsync(SendGridStub sendGrid, int expected, DateTimeOffset wakeStart, Stopwatch clock, CancellationToken ct)
        {
            var nextProgress = clock.Elapsed + ProgressInterval;
            while (true)
            {
                var reached = Reminders(sendGrid).Select(Key).Distinct().Count();
                if (reached >= expected) return;
                var since = DateTimeOffset.UtcNow - wakeStart;
                if (since > run.Timeout)
                {
                    Console.WriteLine($"[{clock.Elapsed.TotalSeconds:0} s] timeout: {reached} of {expected} reminders sent "
                        + $"after {since.TotalSeconds:0} s");
                    return;
                }
                if (clock.Elapsed >= nextProgress)
                {
                    Console.Error.WriteLine($"  [{clock.Elapsed.TotalSeconds:0} s] {reached} of {expected} reminders sent, "
                        + $"{since.TotalSeconds:0} s after the wake; {Volatile.Read(ref _killsDone.Value)} kills; "
                        + $"load average {BenchProgram.LoadAverage()}");
                    nextProgress = clock.Elapsed + ProgressInterval;
                }
                await Task.Delay(250, ct);
            }
        }

        private static List<RecordedEmail> Reminders(SendGridStub sendGrid) =>
            sendGrid.Recorded.Where(e => e.Subject.StartsWith(ReminderPrefix, StringComparison.Ordinal)).ToList();

        /// <summary>One reminder: the contact it went to and the request it is about (its subject).</summary>
        private static (string To, string Subject) Key(RecordedEmail email) => (email.To.ToLowerInvariant(), email.Subject);

        /// <summary>
        /// Exactly one reminder of each request per contact and none to anyone else, no email twice; and the figures: when the first
        /// and the last reminder arrived after the wake, the rate, and the lateness of each (the wake is when the engine learnt they were due).
        /// </summary>
        private void Check(SendGridStub sendGrid, HashSet<string> contacts, string[] titles, DateTimeOffset wakeStart, double rawRoundTrips)
        {
            var emails = sendGrid.Recorded.ToList();
            var reminders = Reminders(sendGrid);
            var sent = reminders.GroupBy(Key).ToDictionary(g => g.Key, g => g.Count());
            var subjects = titles.Select(t => $"{ReminderPrefix}Reminders CPA: {t}").ToList();
            var expected = contacts.Select(c => c.ToLowerInvariant()).ToHashSet();
            foreach (var contact in expected.Order())
            foreach (var subject in subjects)
            {
                var n = sent.GetValueOrDefault((contact, subject));
                if (n != 1) _violations.Add($"reminder '{subject}' to {contact}: {n} sent, expected 1");
            }
            foreach (var ((to, subject), n) in sent.Where(kv => !expected.Contains(kv.Key.To) || !subjects.Contains(kv.Key.Subject)))
                _violations.Add($"reminder '{subject}' to {to}, not expected: {n} sent");
            foreach (var twice in emails.GroupBy(e => (e.To, e.Subject)).Where(g => g.Count() > 1 && !g.Key.Subject.StartsWith(ReminderPrefix)))
                _violations.Add($"email '{twice.Key.Subject}' to {twice.Key.To}: {twice.Count()} sent, expected at most 1");
            Console.WriteLine($"Emails recorded by the stub: {emails.Count}, of which {reminders.Count} reminders "
                + $"(subject e.g. '{reminders.FirstOrDefault()?.Subject}'), {sent.Count} different");
            if (reminders.Count == 0) return;

            // The first of each reminder: a duplicate is a violation above, not a figure here.
            var lateness = reminders.GroupBy(Key).Select(g => g.Min(e => e.At) - wakeStart).Order().ToList();
            var last = lateness[^1];
            Console.WriteLine($"From the wake call: first reminder after {lateness[0].TotalSeconds:0.0} s, last after {last.TotalSeconds:0.0} s; "
                + $"{lateness.Count / last.TotalSeconds:0.0} reminders/s ({lateness.Count / (last - lateness[0]).TotalSeconds:0.0}/s first to last)");
            Console.WriteLine($"Raw ratio: {lateness.Count / last.TotalSeconds / rawRoundTrips:0.000} reminders per raw queue round trip "
                + $"({rawRoundTrips:0}/s with the timers waiting)");
            Console.WriteLine($"Lateness (email at the stub − wake call): p50 {Report.Percentile(lateness, 50).TotalSeconds:0.0} s, "
                + $"p99 {Report.Percentile(lateness, 99).TotalSeconds:0.0} s, max {last.TotalSeconds:0.0} s");
        }
    }
}
