using System.Security.Cryptography;
using System.Text;
using ClientHub.Core;
using ClientHub.Core.Email;
using ClientHub.Core.Items;
using ClientHub.Core.Jobs;
using ClientHub.Functions.Jobs;
using ClientHub.Storage;
using Microsoft.Extensions.Options;

namespace ClientHub.Functions.Email;

public enum InboundOutcome { Applied, Duplicate, Dropped }

/// <summary>
/// A client's emailed reply to an item email: a reply on a message, or a comment on a request (on the item its subject names,
/// else the first), by the contact whose address sent it, through <see cref="JobEngine.ChangeItemAsync{T}"/> as the portal's own
/// replies go. Attachments become the account's documents (a request's folder, or <c>Messages</c>) and are listed on the
/// request's item.
/// </summary>
/// <remarks>
/// Anything that cannot be applied (no signed reply address, an unknown item or sender, an item that takes no comment) is dropped
/// with a warning and nothing written: SendGrid retries any non-2xx for days, and retrying cannot make such an email good. A repeat
/// of the same email (same <c>Message-ID</c>) is recognized by an effect record in the item's partition. Should the process die
/// after storing attachments but before the reply is recorded, SendGrid's retry stores them again: a duplicate document is
/// preferred over a lost reply.
/// </remarks>
public sealed class InboundReplies(JobStore store, FirmDocuments documents, AccountDocuments accountDocuments, JobEngine engine,
    IOptions<SendGridOptions> options, TimeProvider time, ILogger<InboundReplies> logger)
{
    /// <summary>Longer than storing ten attachments takes; a concurrent repeat waits for it rather than applying twice.</summary>
    private static readonly TimeSpan Claim = TimeSpan.FromMinutes(2);

    public const string MessagesFolder = "Messages";

    public async Task<InboundOutcome> ReceiveAsync(InboundEmail email, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (email.Recipients.Select(a => ReplyAddress.Parse(a, settings.InboundSecret!, settings.InboundDomain!)).FirstOrDefault(t => t is not null)
            is not { } target)
        {
            if (email.Recipients.Any(a => ReplyAddress.LooksLikeOurs(a, settings.InboundDomain!))) Log.InboundForged(logger);
            else Log.InboundNoReplyAddress(logger, email.Recipients.Count);
            return InboundOutcome.Dropped;
        }
        var (firmId, itemId) = target;
        if ((await store.GetItemAsync(firmId, itemId, cancellationToken))?.Value is not { AccountId: { } accountId } item)
        {
            Log.InboundUnknownItem(logger, firmId, itemId);
            return InboundOutcome.Dropped;
        }
        var contact = email.From is null ? null : (await documents.ListContactsAsync(firmId, accountId, cancellationToken))
            .FirstOrDefault(c => string.Equals(c.Email.Trim(), email.From, StringComparison.OrdinalIgnoreCase));
        if (contact is null)
        {
            Log.InboundUnknownSender(logger, firmId, itemId);
            return InboundOutcome.Dropped;
        }
        if (NotApplicable(item) is { } reason)
        {
            Log.InboundNotApplicable(logger, firmId, itemId, reason);
            return InboundOutcome.Dropped;
        }
        var text = ReplyText.Strip(email.Text);
        if (text.Length == 0 && email.Attachments.Count == 0)
        {
            Log.InboundNotApplicable(logger, firmId, itemId, "it has neither text nor attachments");
            return InboundOutcome.Dropped;
        }

        var owner = new JobId(ItemIds.OwnerOf(itemId)!);
        var key = email.MessageId is { } messageId
            ? "inbound:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(messageId)), 0, 16).ToLowerInvariant()
            : null;
        if (key is not null && (await store.ClaimEffectAsync(firmId, owner, key, Claim, time, cancellationToken)).Done is not null)
        {
            Log.InboundDuplicate(logger, firmId, itemId);
            return InboundOutcome.Duplicate;
        }
        try
        {
            var outcome = await ApplyAsync(firmId, item, contact.Id, email, text, cancellationToken);
            if (key is not null) await store.MarkEffectAsync(firmId, owner, key, outcome.ToString().ToLowerInvariant(), cancellationToken);
            return outcome;
        }
        catch when (key is not null)
        {
            // Nothing recorded the reply: SendGrid's retry of this failure must be free to apply it.
            await store.ReleaseEffectAsync(firmId, owner, key, CancellationToken.None);
            throw;
        }
    }

    /// <summary>Why a reply cannot be recorded on the item, or null when it can.</summary>
    private static string? NotApplicable(LinkedItem item) => item switch
    {
        MessageItem => null,
        RequestItem { Items.Count: 0 } => "the request has no item to comment on",
        RequestItem { Status: not RequestStatus.Sent } request => $"the request is {request.Status} and read-only for the client",
        RequestItem => null,
        _ => $"a {item.Type} takes no comment",
    };

    private async Task<InboundOutcome> ApplyAsync(FirmId firmId, LinkedItem item, string contactId, InboundEmail email, string text,
        CancellationToken cancellationToken)
    {
        var by = $"contact:{contactId}";
        var request = item as RequestItem;
        // The subject of a reply repeats ours, which names the request; an item's title in it says which item the client means.
        var entry = request?.Items.FirstOrDefault(i => email.Subject.Contains(i.Title, StringComparison.OrdinalIgnoreCase)) ?? request?.Items[0];
        var stored = new List<StoredDocument>();
        for (var i = 0; i < email.Attachments.Count; i++)
        {
            var attachment = email.Attachments[i];
            if (attachment.TooLarge)
            {
                Log.InboundAttachmentSkipped(logger, firmId, item.Id, i + 1, $"over the limit of {accountDocuments.MaxUploadBytes} bytes");
                continue;
            }
            try
            {
                stored.Add(await accountDocuments.StoreAsync(firmId, item.AccountId!,
                    new DocumentUpload(attachment.FileName, request?.Folder ?? MessagesFolder, Internal: false, by), attachment.Content,
                    cancellationToken));
            }
            catch (Exception e) when (e is DocumentTooLarge or DocumentTypeNotAllowed or InvalidDocumentUpload)
            {
                Log.InboundAttachmentSkipped(logger, firmId, item.Id, i + 1, e.Message);
            }
        }
        for (var skipped = 0; skipped < email.SkippedAttachments; skipped++)
            Log.InboundAttachmentSkipped(logger, firmId, item.Id, InboundEmail.MaxAttachments + skipped + 1, "too many attachments");
        if (text.Length == 0 && stored.Count == 0)
        {
            Log.InboundNotApplicable(logger, firmId, item.Id, "no text, and none of its attachments could be kept");
            return InboundOutcome.Dropped;
        }

        var now = engine.Now;
        Func<LinkedItem, LinkedItem> change = request is null
            // A message keeps no document list: the reply names what came with it (the documents are in the account's Messages folder).
            ? i => ((MessageItem)i).Replied(new RequestComment(now, by, WithAttachmentNames(text, stored)))
            : i => ((RequestItem)i).ByClient(open => open.WithEntry(entry!.Id, e => e with
            {
                Comments = text.Length == 0 ? e.Comments : [.. e.Comments, new RequestComment(now, by, text)],
                Documents = [.. e.Documents, .. stored.Select(d => d.Id)],
            }));
        try
        {
            await engine.ChangeItemAsync(firmId, item.Id, change, Actor.Client(contactId), cancellationToken,
                effects: [new Notify(item.Id, NoticeAudience.Firm,
                    request is null ? "replied to a message by email" : "commented on a request by email")]);
        }
        catch (ItemChangeRejected e)
        {
            // The firm closed the request between our read and the change; its documents stay among the account's.
            Log.InboundNotApplicable(logger, firmId, item.Id, e.Message);
            return InboundOutcome.Dropped;
        }
        Log.InboundApplied(logger, firmId, item.Type, item.Id, contactId, stored.Count);
        return InboundOutcome.Applied;
    }

    private static string WithAttachmentNames(string text, List<StoredDocument> stored) =>
        stored.Count == 0 ? text : $"{text}\n\n[Attached: {string.Join(", ", stored.Select(d => d.Name))}]".TrimStart();
}
