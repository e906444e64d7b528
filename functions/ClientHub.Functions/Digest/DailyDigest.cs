using System.Collections.Concurrent;
using System.Net;
using System.Text;
using ClientHub.Core;
using ClientHub.Core.Firms;
using ClientHub.Core.Items;
using ClientHub.Core.Jobs;
using ClientHub.Functions.Email;
using ClientHub.Functions.Hosting;
using ClientHub.Functions.Http.Testing;
using ClientHub.Storage;
using TaskStatus = ClientHub.Core.Items.TaskStatus;

namespace ClientHub.Functions.Digest;

/// <summary>
/// The daily digest: from 08:00 in the firm's time zone, each staff member with tasks or jobs due today or overdue gets one email
/// listing them (purpose <c>digest</c>). One per person per day whatever runs it (the timer on any instance, twice, or the test
/// clock): the email is claimed under "digest:{staff}:{date}" before it is sent, as automations' emails are.
/// </summary>
/// <remarks>
/// A pass reads, per firm whose morning has come, its staff, its tasks due by today and its active jobs' cards, and claims each
/// email. Once a pass has seen a firm's day through, this process skips the firm until its next morning, so the passes of the rest
/// of the day cost nothing but the firms' index; a restarted or second instance does that firm's pass once more, and finds its
/// emails claimed. The firms come from their index partition.
/// </remarks>
public sealed class DailyDigest(FirmDocuments documents, JobStore store, JobCards cards, ContactEmails emails, FirmClock clock,
    ILogger<DailyDigest> logger) : IDueWorkRunner
{
    public const string Name = "daily-digest";

    /// <summary>Every five minutes: a firm's digests go out within minutes of 08:00, or on the first run after a downtime.</summary>
    public const string Schedule = "0 */5 * * * *";

    private static readonly TimeOnly SendFrom = new(8, 0);

    /// <summary>The last day whose digests this process has seen through, per firm.</summary>
    private readonly ConcurrentDictionary<FirmId, DateOnly> _doneFor = new();

    public Task RunDueAsync(CancellationToken cancellationToken) => RunAsync(cancellationToken);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await foreach (var firmId in documents.ListFirmIdsAsync(cancellationToken))
        {
            try
            {
                await RunFirmAsync(firmId, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // One firm's trouble (SendGrid refusing, a storage hiccup) must not keep the others' digests back; the next run retries.
                Log.DigestFailed(logger, e, firmId);
            }
        }
    }

    private async Task RunFirmAsync(FirmId firmId, CancellationToken cancellationToken)
    {
        var local = TimeZoneInfo.ConvertTime(clock.Now, await clock.ZoneAsync(firmId, cancellationToken));
        var today = DateOnly.FromDateTime(local.DateTime);
        if (TimeOnly.FromDateTime(local.DateTime) < SendFrom || _doneFor.GetValueOrDefault(firmId) == today) return;
        if ((await documents.GetAsync<Firm>(firmId, DocumentKinds.Firm, firmId.Value, cancellationToken))?.Value is not { } firm) return;
        await SendFirmAsync(firm, today, cancellationToken);
        _doneFor[firmId] = today;
    }

    private async Task SendFirmAsync(Firm firm, DateOnly today, CancellationToken cancellationToken)
    {
        var firmId = firm.Id;
        var staff = (await documents.ListAllAsync<StaffMember>(firmId, DocumentKinds.Staff, cancellationToken)).Where(s => s.Digest).ToList();
        if (staff.Count == 0) return;
        var tasks = await DueTasksAsync(firmId, today, cancellationToken);
        var jobs = await DueJobsAsync(firmId, today, cancellationToken);
        foreach (var member in staff)
        {
            var theirTasks = tasks.Where(t => t.AssigneeId == member.Id).OrderBy(t => t.DueDate).ToList();
            var theirJobs = jobs.Where(j => j.AssigneeIds.Contains(member.Id)).OrderBy(j => j.DueDate).ToList();
            if (theirTasks.Count == 0 && theirJobs.Count == 0) continue;
            var message = new OutgoingEmail(member.Email, member.Name, $"{firm.Name}: due today or overdue ({today:yyyy-MM-dd})",
                Body(member, theirTasks, theirJobs, today));
            await emails.SendOnceAsync(firmId, new JobId(ItemIds.NoJob), $"digest:{member.Id}:{today:yyyyMMdd}", message,
                new EmailContext(EmailPurposes.Digest, null, null, null), cancellationToken);
        }
    }

    private async Task<List<TaskItem>> DueTasksAsync(FirmId firmId, DateOnly today, CancellationToken cancellationToken)
    {
        var tasks = new List<TaskItem>();
        string? continuation = null;
        do
        {
            var page = await store.ListItemsAsync(firmId, new ItemQuery(ItemTypes.Task, DueBefore: today.AddDays(1)), 1000, continuation,
                cancellationToken);
            tasks.AddRange(page.Items.OfType<TaskItem>().Where(t => t.Status != TaskStatus.Done && t.AssigneeId is not null));
            continuation = page.ContinuationToken;
        } while (continuation is not null);
        return tasks;
    }

    private async Task<List<Job>> DueJobsAsync(FirmId firmId, DateOnly today, CancellationToken cancellationToken)
    {
        var jobs = new List<Job>();
        string? continuation = null;
        do
        {
            var page = await cards.ListAsync(firmId, null, null, nameof(JobStatus.Active), null, 1000, continuation, cancellationToken);
            jobs.AddRange(page.Items.Where(j => j.DueDate <= today));
            continuation = page.ContinuationToken;
        } while (continuation is not null);
        return jobs;
    }

    private static string Body(StaffMember member, List<TaskItem> tasks, List<Job> jobs, DateOnly today)
    {
        static string Html(string text) => WebUtility.HtmlEncode(text);
        string When(DateOnly? due) => due < today ? $"overdue since {due:yyyy-MM-dd}" : "due today";
        var body = new StringBuilder($"<p>Good morning {Html(member.Name)},</p>");
        if (tasks.Count > 0)
            body.Append("<p>Your tasks:</p><ul>").AppendJoin("", tasks.Select(t => $"<li>{Html(t.Title)}: {When(t.DueDate)}</li>")).Append("</ul>");
        if (jobs.Count > 0)
            body.Append("<p>Your jobs:</p><ul>")
                .AppendJoin("", jobs.Select(j => $"<li>{Html(j.Name)} ({Html(j.AccountName)}): {When(j.DueDate)}</li>")).Append("</ul>");
        return body.ToString();
    }
}

/// <summary>Timer trigger of the daily digest.</summary>
internal sealed class DailyDigestTrigger(DailyDigest digest) : ITimerTrigger
{
    public Task RunAsync(TimerTriggerInfo timer, CancellationToken cancellationToken) => digest.RunAsync(cancellationToken);
}
