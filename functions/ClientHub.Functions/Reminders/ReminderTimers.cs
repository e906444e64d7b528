using Azure;
using ClientHub.Core;
using ClientHub.Core.Clients;
using ClientHub.Core.Items;
using ClientHub.Core.Jobs;
using ClientHub.Core.Pipelines;
using ClientHub.Functions.Email;
using ClientHub.Functions.Http.Testing;
using ClientHub.Functions.Jobs;
using ClientHub.Storage;

namespace ClientHub.Functions.Reminders;

/// <summary>
/// Reminders chase clients about items that wait for them (TaxDome): "days between" (default 3)
/// and "number of reminders" (default 1), emailed to the account's notify contacts. A reminder's
/// timer re-checks its owner when it fires: nothing is sent once the item is complete or the job
/// is completed or archived, and the chain ends when the count is reached.
/// </summary>
public sealed class ReminderTimers(DurableTimers timers, JobStore store, FirmDocuments documents, ContactEmails emails,
    TimeProvider time, ILogger<ReminderTimers> logger) : IDueWorkRunner
{
    /// <summary>How long a reminder that could not be sent waits before it is tried again.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The reminders of an item an automation created, when the automation asks for them. They go into
    /// the outbox of the step that links the item, so a run that loses its commit schedules nothing.
    /// </summary>
    public static ScheduleReminder? For(Automation automation, LinkedItem item, DateTimeOffset now) =>
        automation is RemindingAutomation { Reminders: { Enabled: true, Count: > 0 } reminders } && item.RequiresAction && !item.IsComplete
            ? new ScheduleReminder(item.Id, reminders.Count, reminders.DaysBetween, now.AddDays(reminders.DaysBetween))
            : null;

    public async Task RunDueAsync(CancellationToken cancellationToken)
    {
        foreach (var timer in await timers.DueAsync(time.GetUtcNow(), cancellationToken))
        {
            try
            {
                await FireAsync(timer, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Tried again a little later rather than on every scan (a SendGrid outage, a send that timed
                // out and holds its claim); the timer keeps its id, so the email's effect record keeps it single.
                ReminderLog.Failed(logger, e, timer.FirmId, timer.JobId, timer.ItemId, RetryAfter);
                await RescheduleAsync(timer, time.GetUtcNow() + RetryAfter, cancellationToken);
            }
        }
    }

    private async Task RescheduleAsync(DurableTimer timer, DateTimeOffset dueAt, CancellationToken cancellationToken)
    {
        try
        {
            await timers.ScheduleAsync(timer with { DueAt = dueAt }, cancellationToken);
            await timers.DeleteAsync(timer, cancellationToken);
        }
        catch (RequestFailedException)
        {
            // Storage trouble too: the row stays due and the next scan tries it again.
        }
    }

    private async Task FireAsync(DurableTimer timer, CancellationToken cancellationToken)
    {
        var item = (await store.GetItemAsync(timer.FirmId, timer.ItemId, cancellationToken))?.Value;
        var job = (await store.GetAsync(timer.FirmId, timer.JobId, cancellationToken))?.Value;
        if (item is { IsComplete: false } && job is { Status: JobStatus.Active })
        {
            var account = (await documents.GetAsync<Account>(job.FirmId, DocumentKinds.Account, job.AccountId, cancellationToken))?.Value
                          ?? new Account(job.AccountId, job.AccountName, AccountType.Individual, []);
            var (subject, body) = AutomationRunner.Notification(item);
            await emails.SendAsync(job, account, "Reminder: " + subject, body, $"reminder:{timer.Id}", item.Id, EmailPurposes.Reminder, cancellationToken);
            if (timer.Remaining > 1)
                await timers.ScheduleAsync(timer with { Sequence = timer.Sequence + 1, Remaining = timer.Remaining - 1, DueAt = timer.DueAt.AddDays(timer.DaysBetween) }, cancellationToken);
        }
        await timers.DeleteAsync(timer, cancellationToken);
    }
}

internal static partial class ReminderLog
{
    [LoggerMessage(6000, LogLevel.Warning, "Reminder for item {ItemId} of job {JobId} (firm {FirmId}) failed; it is tried again in {RetryAfter}")]
    public static partial void Failed(ILogger logger, Exception exception, FirmId firmId, JobId jobId, string itemId, TimeSpan retryAfter);
}
