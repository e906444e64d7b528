using ClientHub.Core;
using ClientHub.Core.Clients;
using ClientHub.Core.Items;
using ClientHub.Core.Jobs;
using ClientHub.Core.Pipelines;
using ClientHub.Functions.Email;
using ClientHub.Functions.Hosting;
using ClientHub.Functions.Jobs;
using ClientHub.Storage;

namespace ClientHub.Functions.Reminders;

/// <summary>
/// Reminders chase clients about items that wait for them (TaxDome): "days between" (default 3)
/// and "number of reminders" (default 1), emailed to the account's notify contacts. The job's
/// orchestration holds each reminder's durable timer; when it fires, the reminder re-checks its item
/// and job: nothing is sent once the item is complete or the job is completed or archived.
/// </summary>
public sealed class ReminderSender(JobStore store, FirmDocuments documents, ContactEmails emails, JobEngine engine, TimeProvider time,
    ILogger<ReminderSender> logger)
{
    /// <summary>How long a reminder that could not be sent waits before it is tried again.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The reminders of an item an automation created, when the automation asks for them. They are stored
    /// with the item, in the transaction of the step that links it, so a run that loses its commit schedules nothing.
    /// </summary>
    public static ScheduleReminder? For(Automation automation, LinkedItem item, DateTimeOffset now) =>
        automation is RemindingAutomation { Reminders: { Enabled: true, Count: > 0 } reminders } && item.RequiresAction && !item.IsComplete
            ? new ScheduleReminder(item.Id, reminders.Count, reminders.DaysBetween, now.AddDays(reminders.DaysBetween)) { Then = reminders.Then }
            : null;

    /// <summary>
    /// Sends reminder #Sequence of the item once: a re-run finds it counted as sent, and its email is kept
    /// single by the same claim as an automation's. A reminder that fails is tried again <see cref="RetryAfter"/> later.
    /// </summary>
    public async Task SendAsync(ReminderRun run, CancellationToken cancellationToken)
    {
        using var scope = logger.BeginJobScope(run.FirmId, run.JobId);
        Telemetry.RecordTimerLag("reminder", run.DueAt, time.GetUtcNow());
        var reminders = await store.GetRemindersAsync(run.FirmId, run.JobId, run.ItemId, cancellationToken);
        if (reminders is null || reminders.Sent >= run.Sequence) return;
        var item = (await store.GetItemAsync(run.FirmId, run.ItemId, cancellationToken))?.Value;
        var job = (await store.GetAsync(run.FirmId, run.JobId, cancellationToken))?.Value;
        if (item is not { IsComplete: false } || job is not { Status: JobStatus.Active })
        {
            await store.RecordRemindersAsync(run.FirmId, run.JobId, run.ItemId, reminders.Count, null, cancellationToken);
            return;
        }
        try
        {
            var account = (await documents.GetAsync<Account>(job.FirmId, DocumentKinds.Account, job.AccountId, cancellationToken))?.Value
                          ?? new Account(job.AccountId, job.AccountName, AccountType.Individual, []);
            var (subject, body) = AutomationRunner.Notification(item);
            var key = $"reminder:{run.ItemId}.{run.Sequence}";
            await emails.SendAsync(job, account, "Reminder: " + subject, body, key, item.Id, EmailPurposes.Reminder, cancellationToken);
            // Before the last reminder is recorded: a crash in between sends nothing twice (the email is claimed) and escalates once.
            if (run.Sequence == reminders.Count && reminders is { Then: { } then, Escalated: false })
                await EscalateAsync(run, then, reminders.Count, cancellationToken);
            await store.RecordRemindersAsync(run.FirmId, run.JobId, run.ItemId, run.Sequence, null, cancellationToken);
            Telemetry.RemindersSent.Add(1);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A SendGrid outage, or a send that timed out and holds its claim: tried again a little later rather
            // than at once; the reminder keeps its number, so the email's effect record keeps it single.
            Log.ReminderFailed(logger, e, run.FirmId, run.JobId, run.ItemId, RetryAfter);
            await store.RecordRemindersAsync(run.FirmId, run.JobId, run.ItemId, reminders.Sent, time.GetUtcNow() + RetryAfter, cancellationToken);
        }
    }

    /// <summary>
    /// The escalation after the last reminder: tags first (a set operation, harmless to repeat), then the job's status change,
    /// notice and history in one transaction with the mark that it happened, decided against the item and mark as they are then.
    /// </summary>
    /// <remarks>The tags are added outside that transaction (the account is another document): an item completed in between keeps them.</remarks>
    private async Task EscalateAsync(ReminderRun run, ReminderEscalation then, int reminders, CancellationToken cancellationToken)
    {
        async Task<bool> DueAsync() =>
            (await store.GetItemAsync(run.FirmId, run.ItemId, cancellationToken))?.Value is { IsComplete: false }
            && await store.GetRemindersAsync(run.FirmId, run.JobId, run.ItemId, cancellationToken) is { Escalated: false };

        if (!await DueAsync()) return;
        var tags = (await documents.ListAllAsync<Tag>(run.FirmId, DocumentKinds.Tag, cancellationToken))
            .Where(t => then.AddTagIds?.Contains(t.Id) == true).Select(t => t.Name).ToList();
        var job = (await store.GetAsync(run.FirmId, run.JobId, cancellationToken))?.Value;
        if (tags.Count > 0 && job is not null)
            await documents.ChangeAsync<Account>(run.FirmId, DocumentKinds.Account, job.AccountId, a => a.WithTagsUpdated(tags, null, false),
                cancellationToken);
        await engine.TransitionAsync(run.FirmId, run.JobId, null, async c => await DueAsync()
            ? JobWrite.Of(JobMachine.Escalated(c.Job, run.ItemId, then, reminders, tags, engine.Now),
                JobStore.RemindersEscalated(run.FirmId, run.JobId, run.ItemId))
            : null, cancellationToken);
    }
}
