using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using ClientHub.Core;
using ClientHub.Core.Clients;
using ClientHub.Core.Firms;
using ClientHub.Core.Jobs;
using ClientHub.Core.Templates;
using System.Diagnostics;
using ClientHub.Functions.Hosting;
using ClientHub.Storage;
using Microsoft.Extensions.Options;

namespace ClientHub.Functions.Email;

/// <summary>What an email is logged with besides its address and subject.</summary>
public sealed record EmailContext(string Purpose, string? ItemId, JobId? JobId, string? AccountId);

public static class EmailPurposes
{
    public const string Automation = "automation", Reminder = "reminder", Notification = "notification", Digest = "digest";
}

/// <summary>
/// Emails the notify contacts of a job's account, once per effect key and contact: the email is
/// claimed in the job's partition, sent, logged and marked with its outcome. A redelivery finds it
/// marked and skips it; a concurrent duplicate waits for the claim; a claim left by a crashed
/// process expires and is taken over, so a crash loses no email.
/// </summary>
public sealed class ContactEmails(JobStore store, FirmDocuments documents, IEmailSender sender, EmailLog log,
    IOptions<ClientHubOptions> options, IOptions<SendGridOptions> sendGrid, TimeProvider time, ILogger<ContactEmails> logger)
{
    /// <summary>How long one delivery may take to send one email before another takes over; longer than the SendGrid timeout (15 s).</summary>
    private static readonly TimeSpan Claim = TimeSpan.FromSeconds(20);
    private readonly ConcurrentDictionary<FirmId, Firm> _firms = new();

    /// <remarks>
    /// A permanent refusal by SendGrid fails an automation at once (the job shows it, <c>/retry</c>
    /// resumes). Any other email (a reminder) records the refusal as <c>notSent</c>, never tries that
    /// contact again for this key, and goes on with the next contact: nobody is watching it fail.
    /// </remarks>
    /// <returns>The outcome per contact (<c>sent</c>, <c>notSent</c>…), including those recorded by an earlier delivery.</returns>
    public async Task<List<string>> SendAsync(Job job, Account account, string subject, string body, string effectKey, string? itemId, string purpose,
        CancellationToken cancellationToken)
    {
        var firm = await FirmAsync(job.FirmId, cancellationToken);
        var contacts = (await documents.ListContactsAsync(job.FirmId, account.Id, cancellationToken))
            .Where(c => c.Notify).OrderBy(c => c.Id).ToList();
        var outcomes = new List<string>();
        foreach (var contact in contacts)
        {
            var values = new Dictionary<string, string>
            {
                ["account.name"] = account.Name, ["contact.firstName"] = contact.FirstName, ["contact.name"] = contact.Name,
                ["job.name"] = job.Name, ["firm.name"] = firm?.Name ?? "", ["portal.link"] = options.Value.PortalBaseUrl,
            };
            var message = new OutgoingEmail(contact.Email, contact.Name,
                Placeholders.Render(subject, values, html: false), Placeholders.Render(body, values, html: true),
                sendGrid.Value.ReplyToFor(job.FirmId, itemId));
            outcomes.Add(await SendOnceAsync(job.FirmId, job.Id, $"{effectKey}:{contact.Id}", message,
                new EmailContext(purpose, itemId, job.Id, account.Id), cancellationToken));
        }
        return outcomes;
    }

    /// <summary>
    /// Sends one email at most once for <paramref name="key"/>: claimed in the partition of <paramref name="owner"/> (a job, or the
    /// firm's items of no job), sent, logged and marked. Returns the outcome, or the one recorded by an earlier delivery.
    /// </summary>
    public async Task<string> SendOnceAsync(FirmId firmId, JobId owner, string key, OutgoingEmail message, EmailContext context,
        CancellationToken cancellationToken)
    {
        var id = EmailId(key);
        EmailLogEntry Entry(string status, DateTimeOffset? sentAt, string? messageId, string? error) => new(id, message.To, message.Subject,
            context.Purpose, context.ItemId, context.JobId, context.AccountId, status, sentAt, messageId, error);
        // Marked first: a crash after SendGrid took the email and before this one write is the only way it is sent twice.
        async Task<string> RecordAsync(string status, string? messageId, string? reason)
        {
            await store.MarkEffectAsync(firmId, owner, key, status, cancellationToken, messageId);
            await log.WriteAsync(firmId, Entry(status, time.GetUtcNow(), messageId, reason), cancellationToken);
            return status;
        }

        var claim = await store.ClaimEffectAsync(firmId, owner, key, Claim, time, cancellationToken);
        if (claim.Done is { } done)
        {
            // Sent and marked by an earlier delivery that may have died before logging it.
            await log.WriteIfMissingAsync(firmId, Entry(done.Status, time.GetUtcNow(), done.Reference, null), cancellationToken);
            return done.Status;
        }
        // An attempt died between handing the email to SendGrid and marking it: SendGrid may have it already.
        if (claim.Retaken)
        {
            var accepted = await sender.FindAcceptedAsync(id, cancellationToken);
            Telemetry.EmailsRetaken.Add(1, new KeyValuePair<string, object?>("outcome", accepted is null ? "sentAgain" : "found"));
            if (accepted is not null)
            {
                Log.EmailFoundAtProvider(logger, firmId, id, accepted);
                return await RecordAsync(ToWire(EmailStatus.Sent), accepted, null);
            }
            Log.EmailSentAgain(logger, firmId, id);
        }
        message = message with { TrackingId = id };
        // The SendGrid call (HttpClient instrumentation) is this span's child; one already sent by an earlier delivery has none.
        using var span = Telemetry.StartJobActivity("email.send", firmId, owner, ActivityKind.Internal);
        span?.SetTag("email.purpose", context.Purpose);
        try
        {
            var outcome = await sender.SendAsync(message, cancellationToken);
            span?.SetTag("email.outcome", ToWire(outcome.Status));
            return await RecordAsync(ToWire(outcome.Status), outcome.MessageId, outcome.Reason);
        }
        catch (EmailSendFailed failed)
        {
            span?.SetStatus(ActivityStatusCode.Error, $"SendGrid {failed.Status}").SetTag("email.outcome", "notSent");
            var settled = !failed.Transient && context.Purpose != EmailPurposes.Automation;
            if (settled) await store.MarkEffectAsync(firmId, owner, key, "notSent", cancellationToken);
            // An answer from SendGrid means it did not take the email; a timeout might hide a send, so that claim is left to expire.
            else if (failed.Status != 0) await store.ReleaseEffectAsync(firmId, owner, key, cancellationToken);
            await log.WriteAsync(firmId, Entry("notSent", null, null, failed.Message), cancellationToken);
            if (!settled) throw;
            return "notSent";
        }
    }

    /// <remarks>
    /// A firm's document is written once, when the firm is created, and no route changes it, so each
    /// process reads it once. (A route that renames firms would have to drop it from here.)
    /// </remarks>
    public async Task<Firm?> FirmAsync(FirmId firmId, CancellationToken cancellationToken)
    {
        if (_firms.TryGetValue(firmId, out var known)) return known;
        var firm = (await documents.GetAsync<Firm>(firmId, DocumentKinds.Firm, firmId.Value, cancellationToken))?.Value;
        if (firm is not null) _firms[firmId] = firm;
        return firm;
    }

    /// <summary>The email's id in the log, derived from its effect key: also the tracking id SendGrid's activity feed finds it by.</summary>
    public static string EmailId(string effectKey) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(effectKey)), 0, 12).ToLowerInvariant();

    private static string ToWire(EmailStatus status) => status == EmailStatus.NotSent ? "notSent" : status.ToString().ToLowerInvariant();
}
