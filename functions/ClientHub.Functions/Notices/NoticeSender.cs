using System.Net;
using System.Text.Json;
using ClientHub.Core;
using ClientHub.Core.Clients;
using ClientHub.Core.Firms;
using ClientHub.Core.Items;
using ClientHub.Core.Jobs;
using ClientHub.Functions.Email;
using ClientHub.Functions.Hosting;
using ClientHub.Storage;
using Microsoft.Extensions.Options;

namespace ClientHub.Functions.Notices;

/// <summary>
/// Emails a <see cref="Notify"/>: the firm hears of a client's action (the job's assignees, or the firm's owners when it has none),
/// the client of the firm's (the account's notify contacts). One email per notice and recipient, however often it is delivered.
/// </summary>
public sealed class NoticeSender(JobStore store, FirmDocuments documents, ContactEmails emails, IOptions<ClientHubOptions> options,
    IOptions<SendGridOptions> sendGrid)
{
    /// <summary>Queue of <see cref="NoticeMessage"/>s, fed from the outbox of the transaction that caused them.</summary>
    public const string Queue = "notices";

    private sealed record Recipient(string Id, string Email, string Name);

    public async Task SendAsync(NoticeMessage notice, CancellationToken cancellationToken)
    {
        var item = notice.ItemId is { } itemId ? (await store.GetItemAsync(notice.FirmId, itemId, cancellationToken))?.Value : null;
        // An item deleted since has nothing left to tell anyone about.
        if (notice.ItemId is not null && item is null) return;
        JobId? jobId = item is null ? new JobId(notice.Owner) : item.JobId;
        var job = jobId is { } id ? (await store.GetAsync(notice.FirmId, id, cancellationToken))?.Value : null;
        var accountId = item?.AccountId ?? job?.AccountId;
        var account = accountId is null ? null
            : (await documents.GetAsync<Account>(notice.FirmId, DocumentKinds.Account, accountId, cancellationToken))?.Value;
        var firm = await emails.FirmAsync(notice.FirmId, cancellationToken);
        var recipients = notice.Audience == NoticeAudience.Firm
            ? await StaffAsync(notice.FirmId, job, cancellationToken)
            : await ContactsAsync(notice.FirmId, accountId, cancellationToken);
        var (subject, body) = Compose(notice, job, account, firm);
        // A client may answer a notice about an item by email; staff answer in the app.
        var replyTo = notice.Audience == NoticeAudience.Firm ? null : sendGrid.Value.ReplyToFor(notice.FirmId, notice.ItemId);
        foreach (var to in recipients)
            await emails.SendOnceAsync(notice.FirmId, new JobId(notice.Owner), $"notice:{notice.Id}:{to.Id}",
                new OutgoingEmail(to.Email, to.Name, subject, body, replyTo),
                new EmailContext(EmailPurposes.Notification, notice.ItemId, job?.Id, accountId),
                cancellationToken);
    }

    private async Task<List<Recipient>> StaffAsync(FirmId firmId, Job? job, CancellationToken cancellationToken)
    {
        var staff = await documents.ListAllAsync<StaffMember>(firmId, DocumentKinds.Staff, cancellationToken);
        var assignees = staff.Where(s => job?.AssigneeIds.Contains(s.Id) == true).ToList();
        return (assignees.Count > 0 ? assignees : staff.Where(s => s.Role == StaffRole.Owner))
            .OrderBy(s => s.Id).Select(s => new Recipient(s.Id, s.Email, s.Name)).ToList();
    }

    private async Task<List<Recipient>> ContactsAsync(FirmId firmId, string? accountId, CancellationToken cancellationToken) =>
        accountId is null ? [] : (await documents.ListContactsAsync(firmId, accountId, cancellationToken))
            .Where(c => c.Notify).OrderBy(c => c.Id).Select(c => new Recipient(c.Id, c.Email, c.Name)).ToList();

    private (string Subject, string Body) Compose(NoticeMessage notice, Job? job, Account? account, Firm? firm)
    {
        string Html(string? text) => WebUtility.HtmlEncode(text ?? "");
        var about = job is null ? "" : $" ({job.Name})";
        // Of an item, the client did something; of the job itself, the job is the subject.
        var who = notice.ItemId is null ? job?.Name ?? "A job" : account?.Name ?? "A client";
        return notice.Audience == NoticeAudience.Firm
            ? notice.ItemId is null
                ? ($"{who} {notice.What}", $"<p>{Html(who)} {Html(notice.What)}.</p>")
                : ($"{who} {notice.What}{about}", $"<p>{Html(who)} {Html(notice.What)}{Html(about)}.</p><p>Item {Html(notice.ItemId)}.</p>")
            : ($"{firm?.Name ?? "Your accountant"}: {notice.What}",
                $"<p>{Html(notice.What)}{Html(about)}.</p><p><a href=\"{Html(options.Value.PortalBaseUrl)}\">Open your portal</a></p>");
    }
}

/// <summary>Queue trigger of <c>notices</c>.</summary>
internal sealed class NoticesTrigger(NoticeSender notices) : IQueueTrigger
{
    public Task RunAsync(QueueTriggerMessage message, CancellationToken cancellationToken) =>
        notices.SendAsync(JsonSerializer.Deserialize<NoticeMessage>(message.Body.ToString(), ClientHubJson.Stored)
            ?? throw new InvalidDataException($"Empty notice {message.MessageId}."), cancellationToken);
}
