using Azure;
using Azure.Data.Tables;
using ClientHub.Core.Clients;
using ClientHub.Core.Items;
using ClientHub.Core.Jobs;
using ClientHub.Core.Pipelines;
using ClientHub.Core.Templates;
using ClientHub.Core;
using ClientHub.Functions.Email;
using ClientHub.Storage;

namespace ClientHub.Functions.Jobs;

/// <summary>What running one automation changed: on the job row, in its partition, on the account.</summary>
public sealed record AutomationOutcome(
    Func<Job, Job> Change, IReadOnlyList<TableTransactionAction> Rows, Account Account, string Detail, bool Skipped = false)
{
    /// <summary>Work that goes into the step's outbox with its commit.</summary>
    public IReadOnlyList<JobEffect> Effects { get; init; } = [];
}

/// <summary>
/// Runs automation #k of a stage entry: checks its tag condition against the account as it is now,
/// then performs it. Every effect is safe to repeat for the same run
/// (<c>jobId:entrySeq:automationId</c>): items get an id derived from that key and are inserted in
/// the same transaction that advances the job, account updates are set operations, and each email
/// is recorded as an intent before it is sent and marked after.
/// </summary>
public sealed class AutomationRunner(FirmDocuments documents, ContactEmails emails, TimeProvider time)
{
    /// <summary>
    /// Automations whose whole effect is rows of the job's own partition (no email, no other
    /// document): they can run in the same transaction as the one before them.
    /// </summary>
    public static bool IsLocal(Automation automation) => automation is CreateTask or UpdateJobAssignees or UpdateClientFacingStatus;

    public async Task<AutomationOutcome> RunAsync(
        Job job, Automation automation, Account account, AutomationRun run, CancellationToken cancellationToken)
    {
        if (automation.Conditions is { IsEmpty: false } conditions && !account.HasAllTags(conditions.Tags!))
            return new AutomationOutcome(j => j, [], account, $"skipped: the account lacks tags {string.Join(", ", conditions.Tags!)}",
                Skipped: true);

        switch (automation)
        {
            case SendEmail send:
            {
                var template = await TemplateAsync<EmailTemplate>(job.FirmId, send.TemplateId, cancellationToken);
                var outcomes = await emails.SendAsync(job, account, template.Subject, template.Body, run.EffectKey, itemId: null,
                    EmailPurposes.Automation, cancellationToken);
                return new AutomationOutcome(j => j, [], account, outcomes.Count == 0 ? "no contact to notify"
                    : "emails: " + string.Join(", ", outcomes.GroupBy(o => o).Select(g => $"{g.Count()} {g.Key}")));
            }
            case TemplatedAutomation { TemplateKind: not null and not TemplateKinds.Folder } create:
                return await CreateItemAsync(job, create, account, run, cancellationToken);
            case ApplyFolderTemplate folders:
            {
                var template = await TemplateAsync<FolderTemplate>(job.FirmId, folders.TemplateId, cancellationToken);
                var updated = await UpdateAccountAsync(job.FirmId, account.Id, a => a with { Folders = [.. a.Folders.Union(template.Folders)] },
                    cancellationToken) ?? account;
                return new AutomationOutcome(j => j, [], updated, $"folders {string.Join(", ", template.Folders)}");
            }
            case UpdateAccountTags tags:
            {
                var updated = await UpdateAccountAsync(job.FirmId, account.Id, a => a.WithTagsUpdated(tags.Add, tags.Remove, tags.Clear),
                    cancellationToken) ?? account;
                return new AutomationOutcome(j => j, [], updated, $"tags now {string.Join(", ", updated.Tags)}");
            }
            case UpdateAccountAccess access:
            {
                var updated = await UpdateAccountAsync(job.FirmId, account.Id,
                    a => a with { StaffAccess = [.. a.StaffAccess.Union(access.Grant).Except(access.Revoke)] }, cancellationToken) ?? account;
                return new AutomationOutcome(j => j, [], updated, "account access updated");
            }
            case UpdateJobAssignees assignees:
                return new AutomationOutcome(j => j with
                {
                    AssigneeIds = [.. (assignees.Clear ? [] : j.AssigneeIds).Except(assignees.Remove).Union(assignees.Add)],
                }, [], account, "assignees updated");
            case UpdateClientFacingStatus status:
                return new AutomationOutcome(j => j with { ClientFacing = JobMachine.ClientFacingAfter(j, status) }, [], account,
                    $"client-facing status {(job.EntryVisibilityOverride ?? status.Visible ? "shown" : "hidden")}");
            default:
                throw new NotSupportedException($"Automation type {automation.Type} is not supported.");
        }
    }

    private async Task<AutomationOutcome> CreateItemAsync(
        Job job, TemplatedAutomation automation, Account account, AutomationRun run, CancellationToken cancellationToken)
    {
        var template = await TemplateAsync<Template>(job.FirmId, automation.TemplateId, cancellationToken);
        var item = ItemFactory.FromTemplate(template, ItemIds.ForAutomation(job.Id, run.EntrySeq, automation.Id), job, time.GetUtcNow());
        List<LinkedItem> created = [item];
        // A proposal with an invoice template brings its invoice, which the proposal waits for (signed and paid).
        if (item is ProposalItem { InvoiceTemplateId: { } invoiceTemplateId } proposal)
        {
            var invoice = (InvoiceItem)ItemFactory.FromTemplate(await TemplateAsync<InvoiceTemplate>(job.FirmId, invoiceTemplateId, cancellationToken),
                ItemIds.ForAutomation(job.Id, run.EntrySeq, $"{automation.Id}:invoice"), job, time.GetUtcNow()) with { ProposalId = proposal.Id };
            item = proposal with { InvoiceId = invoice.Id };
            created = [item, invoice];
        }
        // Upsert: the same run always produces the same items, and the rows land in the same
        // transaction that advances the job, so a redelivery either finds the job advanced or rewrites identical items.
        var rows = created.Select(i => JobStore.PutItem(job.FirmId, i)).ToList();
        var pending = item.RequiresAction && !item.IsComplete ? 1 : 0;
        if (item is not TaskItem)
        {
            var (subject, body) = Notification(item);
            await emails.SendAsync(job, account, subject, body, run.EffectKey, item.Id, EmailPurposes.Automation, cancellationToken);
        }
        return new AutomationOutcome(j => j with { PendingItems = j.PendingItems + pending }, rows, account,
            string.Join(", ", created.Select(i => $"{i.Type} {i.Id}")) + " created")
        {
            Effects = Reminders.ReminderSender.For(automation, item, time.GetUtcNow()) is { } reminders ? [reminders] : [],
        };
    }

    /// <summary>The email that tells the client about a new item (and, prefixed, reminds them of it).</summary>
    public static (string Subject, string Body) Notification(LinkedItem item) => item switch
    {
        RequestItem r => ($"{{{{firm.name}}}}: {r.Title}", "<p>Hello {{contact.firstName}},</p><p>We need a few things from you for {{job.name}}: " +
            string.Join(", ", r.Items.Select(i => System.Net.WebUtility.HtmlEncode(i.Title))) +
            ".</p><p><a href=\"{{portal.link}}\">Open your portal</a></p>"),
        InvoiceItem i => ("{{firm.name}}: a new invoice",
            $"<p>Hello {{{{contact.firstName}}}},</p><p>A new invoice of {i.Total:0.00} {i.Currency} is ready.</p>" +
            $"<p><a href=\"{{{{portal.link}}}}\">Pay it in your portal</a></p>"),
        OrganizerItem o => ($"{{{{firm.name}}}}: {o.Title}",
            "<p>Hello {{contact.firstName}},</p><p>Please fill in your organizer.</p><p><a href=\"{{portal.link}}\">Open your portal</a></p>"),
        ProposalItem p => ($"{{{{firm.name}}}}: {p.Title}",
            "<p>Hello {{contact.firstName}},</p><p>A proposal is waiting for your signature.</p>" +
            "<p><a href=\"{{portal.link}}\">Open your portal</a></p>"),
        MessageItem m => (m.Subject, m.Body),
        _ => ("{{firm.name}}", ""),
    };

    private async Task<T> TemplateAsync<T>(FirmId firmId, string templateId, CancellationToken cancellationToken) where T : Template =>
        (await documents.GetAsync<Template>(firmId, DocumentKinds.Template, templateId, cancellationToken))?.Value as T
        ?? throw new InvalidOperationException($"Template {templateId} is missing or of the wrong kind.");

    private Task<Account?> UpdateAccountAsync(FirmId firmId, string accountId, Func<Account, Account> change,
        CancellationToken cancellationToken) => documents.ChangeAsync(firmId, DocumentKinds.Account, accountId, change, cancellationToken);
}
