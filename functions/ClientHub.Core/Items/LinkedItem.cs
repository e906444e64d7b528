using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using ClientHub.Core.Templates;

namespace ClientHub.Core.Items;

/// <summary>
/// Something linked to a job that needs action (DESIGN.md "linked item"). Each kind states when it
/// counts as complete; automove waits for every action-requiring item of the current entry.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(TaskItem), ItemTypes.Task)]
[JsonDerivedType(typeof(RequestItem), ItemTypes.Request)]
[JsonDerivedType(typeof(OrganizerItem), ItemTypes.Organizer)]
[JsonDerivedType(typeof(InvoiceItem), ItemTypes.Invoice)]
[JsonDerivedType(typeof(ProposalItem), ItemTypes.Proposal)]
[JsonDerivedType(typeof(MessageItem), ItemTypes.Message)]
public abstract record LinkedItem
{
    public required string Id { get; init; }
    /// <summary>The client the item concerns; null for a firm's own to-do that concerns none.</summary>
    public string? AccountId { get; init; }
    public JobId? JobId { get; init; }

    /// <summary>The stage entry of the job the item was linked in; only the current entry counts for automove.</summary>
    public int StageEntrySeq { get; init; }

    /// <summary>Other jobs this item was linked to by hand (their link rows mirror its completion).</summary>
    public IReadOnlyList<JobId> LinkedJobIds { get; init; } = [];

    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    [JsonIgnore] public abstract string Type { get; }
    [JsonIgnore] public abstract bool IsComplete { get; }

    /// <summary>False for items that never block automove (a message without client tasks).</summary>
    [JsonIgnore] public virtual bool RequiresAction => true;

    /// <summary>The status word shown in lists.</summary>
    [JsonIgnore] public abstract string StatusName { get; }
}

public static class ItemTypes
{
    public const string Task = "task", Request = "request", Organizer = "organizer", Invoice = "invoice", Proposal = "proposal", Message = "message";

    public static readonly string[] All = [Task, Request, Organizer, Invoice, Proposal, Message];
}

/// <summary>Item ids name the partition they live in: "{jobId}-{local}", or "f-{local}" for items of no job.</summary>
public static class ItemIds
{
    public const string NoJob = "f";

    /// <summary>The id an automation's item gets: the same for every delivery of the same automation run.</summary>
    public static string ForAutomation(JobId jobId, int entrySeq, string automationId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{jobId.Value}:{entrySeq}:{automationId}"));
        return $"{jobId.Value}-{Convert.ToHexString(hash, 0, 8).ToLowerInvariant()}";
    }

    public static string New(JobId? jobId) => $"{jobId?.Value ?? NoJob}-{Ids.New()}";

    /// <summary>The owner part (job id or <see cref="NoJob"/>), or null for a malformed id.</summary>
    public static string? OwnerOf(string? itemId)
    {
        if (!Ids.IsWellFormed(itemId)) return null;
        var dash = itemId!.IndexOf('-');
        return dash > 0 && dash < itemId.Length - 1 ? itemId[..dash] : null;
    }
}

public enum TaskStatus { Todo, InProgress, Done }

public sealed record TaskItem : LinkedItem
{
    public required string Title { get; init; }
    public string? Description { get; init; }
    public string? AssigneeId { get; init; }
    public DateOnly? DueDate { get; init; }
    public TaskStatus Status { get; init; }

    /// <summary>Not done, and due before the firm's today: set on what the API answers (<see cref="Dated"/>), never stored.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Overdue { get; init; }

    [JsonIgnore] public override string Type => ItemTypes.Task;
    [JsonIgnore] public override bool IsComplete => Status == TaskStatus.Done;
    [JsonIgnore] public override string StatusName => Status.ToString();

    public TaskItem Dated(DateOnly today) => this with { Overdue = !IsComplete && DueDate < today };
}

public enum RequestStatus { Sent, Submitted, Completed }

public sealed record RequestEntry(
    string Id, string Title, string? Description, TaskStatus Status, IReadOnlyList<RequestComment> Comments, IReadOnlyList<string> Documents);

public sealed record RequestSummary(int Sent, int Todo, int InProgress, int Done)
{
    public static RequestSummary Of(IEnumerable<RequestEntry> entries)
    {
        var list = entries.ToList();
        return new(list.Count, list.Count(i => i.Status == TaskStatus.Todo), list.Count(i => i.Status == TaskStatus.InProgress),
            list.Count(i => i.Status == TaskStatus.Done));
    }
}

/// <summary>A comment or reply; <c>By</c> is <c>staff:{id}</c> or <c>contact:{id}</c>.</summary>
public sealed record RequestComment(DateTimeOffset At, string By, string Text);

public sealed record RequestItem : LinkedItem
{
    public required string Title { get; init; }
    public string? Description { get; init; }
    public RequestStatus Status { get; init; }
    public IReadOnlyList<RequestEntry> Items { get; init; } = [];

    /// <summary>Welyb's progress counts; derived, never stored.</summary>
    public RequestSummary Summary => RequestSummary.Of(Items);

    [JsonIgnore] public override string Type => ItemTypes.Request;
    [JsonIgnore] public override bool IsComplete => Status is RequestStatus.Submitted or RequestStatus.Completed;
    [JsonIgnore] public override string StatusName => Status.ToString();

    public bool HasEntry(string entryId) => Items.Any(i => i.Id == entryId);

    /// <summary>Where the client's uploads to it are filed among the account's documents: <c>Requests/{title}</c>.</summary>
    [JsonIgnore]
    public string Folder =>
        Documents.DocumentNames.TryNormalizeFolder($"Requests/{Title.Replace('/', '-').Replace('\\', '-')}", out var folder, out _)
            ? folder! : $"Requests/{Id}";

    /// <summary>The client works on a request only while it is sent to them: a submitted one is read-only until the firm reopens it.</summary>
    public RequestItem ByClient(Func<RequestItem, RequestItem> change)
    {
        EnsureOpenToClient();
        return change(this);
    }

    /// <summary>Throws <see cref="ItemChangeRejected"/> unless the client may work on the request now (it is sent to them).</summary>
    public void EnsureOpenToClient()
    {
        if (Status != RequestStatus.Sent) throw new ItemChangeRejected(Id, $"The request is {Status}: it is read-only until the firm reopens it.");
    }

    public RequestItem WithEntry(string entryId, Func<RequestEntry, RequestEntry> change) =>
        this with { Items = Items.Select(i => i.Id == entryId ? change(i) : i).ToList() };

    public RequestItem Submitted() => ByClient(r => r with { Status = RequestStatus.Submitted });
}

public enum OrganizerStatus { Sent, Submitted, Archived }

public sealed record OrganizerItem : LinkedItem
{
    public required string Title { get; init; }
    public IReadOnlyList<OrganizerQuestion> Questions { get; init; } = [];
    public IReadOnlyDictionary<string, JsonElement> Answers { get; init; } = new Dictionary<string, JsonElement>();
    public OrganizerStatus Status { get; init; }
    public DateTimeOffset? SubmittedAt { get; init; }
    [JsonIgnore] public override string Type => ItemTypes.Organizer;

    /// <summary>Submitted only: an archived organizer does not count (TaxDome).</summary>
    [JsonIgnore] public override bool IsComplete => Status == OrganizerStatus.Submitted;
    [JsonIgnore] public override string StatusName => Status.ToString();

    /// <summary>
    /// The client's answers merged into the saved ones (a null answer clears one). A draft is checked against the question
    /// types; a submission must also answer every required question, and then the organizer is read-only.
    /// </summary>
    public OrganizerItem Answered(IReadOnlyDictionary<string, JsonElement> answers, bool submit, DateTimeOffset now)
    {
        if (Status != OrganizerStatus.Sent) throw new ItemChangeRejected(Id, $"The organizer is {Status}: it can no longer be answered.");
        var merged = new Dictionary<string, JsonElement>(Answers);
        foreach (var (id, value) in answers)
            if (value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined) merged.Remove(id);
            else merged[id] = value.Clone();
        var violations = OrganizerAnswers.Check(Questions, answers, merged, submit);
        if (violations.Count > 0) throw new ItemInputInvalid(violations);
        return this with
        {
            Answers = merged, Status = submit ? OrganizerStatus.Submitted : Status, SubmittedAt = submit ? now : SubmittedAt,
        };
    }
}

public enum InvoiceStatus { Unpaid, PartiallyPaid, Paid, Void }

/// <summary>
/// A payment recorded against an invoice; <c>By</c> is <c>staff:{id}</c> or <c>contact:{id}</c>. <c>Reference</c> comes from the
/// request's <c>Idempotency-Key</c>: an invoice takes one payment per reference.
/// </summary>
public sealed record Payment(DateTimeOffset At, decimal Amount, string By, string? Reference = null);

public sealed record InvoiceItem : LinkedItem
{
    public IReadOnlyList<InvoiceLine> Lines { get; init; } = [];
    public string Currency { get; init; } = "USD";
    public decimal Total { get; init; }
    public decimal AmountPaid { get; init; }
    public IReadOnlyList<Payment> Payments { get; init; } = [];
    public DateOnly? DueDate { get; init; }
    public InvoiceStatus Status { get; init; }

    /// <summary>The proposal this invoice belongs to: the proposal counts for automove (signed and paid), not the invoice.</summary>
    public string? ProposalId { get; init; }

    [JsonIgnore] public override string Type => ItemTypes.Invoice;

    /// <summary>
    /// The largest unit price or payment we take: a trillion in any currency is beyond any real
    /// invoice, and far enough below <see cref="decimal"/>'s range that no total or sum can overflow.
    /// </summary>
    public const decimal MaxAmount = 1_000_000_000_000m;

    /// <summary>The largest quantity of one invoice line.</summary>
    public const decimal MaxQuantity = 1_000_000m;

    public decimal Balance => Total - AmountPaid;

    /// <summary>Paid in full; a partial payment does not count.</summary>
    [JsonIgnore] public override bool IsComplete => Status == InvoiceStatus.Paid;
    [JsonIgnore] public override bool RequiresAction => ProposalId is null;
    [JsonIgnore] public override string StatusName => Status.ToString();

    /// <summary>A payment of at most the balance: an overpayment is refused rather than kept as credit nobody asked for.</summary>
    public InvoiceItem WithPayment(decimal amount, string by, DateTimeOffset now, string? reference = null)
    {
        if (reference is not null && Payments.Any(p => p.Reference == reference)) return this;
        if (Status is InvoiceStatus.Paid or InvoiceStatus.Void) throw new ItemChangeRejected(Id, $"The invoice is already {Status}.");
        if (amount > Balance)
            throw new ItemInputInvalid([new("amount", $"The balance is {Balance:0.00} {Currency}; a payment cannot exceed it.")]);
        var paid = AmountPaid + amount;
        return this with
        {
            AmountPaid = paid, Payments = [.. Payments, new Payment(now, amount, by, reference)],
            Status = paid >= Total ? InvoiceStatus.Paid : InvoiceStatus.PartiallyPaid, UpdatedAt = now,
        };
    }
}

public enum ProposalStatus { Sent, Signed, Declined }

public sealed record ProposalItem : LinkedItem
{
    public required string Title { get; init; }
    public string Body { get; init; } = "";
    public string? InvoiceTemplateId { get; init; }

    /// <summary>The invoice created with the proposal (from <see cref="InvoiceTemplateId"/>), and whether it is paid in full.</summary>
    public string? InvoiceId { get; init; }
    public bool InvoicePaid { get; init; }

    public ProposalStatus Status { get; init; }
    public string? SignerName { get; init; }
    public DateTimeOffset? SignedAt { get; init; }

    /// <summary>The address the signature came from, kept as evidence with the name and time.</summary>
    public string? SignerIp { get; init; }

    public DateTimeOffset? DeclinedAt { get; init; }
    public string? DeclineReason { get; init; }
    [JsonIgnore] public override string Type => ItemTypes.Proposal;

    /// <summary>Signed, and its invoice (when it has one) paid in full (DESIGN.md).</summary>
    [JsonIgnore] public override bool IsComplete => Status == ProposalStatus.Signed && (InvoiceId is null || InvoicePaid);
    [JsonIgnore] public override string StatusName => Status.ToString();

    public ProposalItem Signed(string signerName, string? ip, DateTimeOffset now) =>
        Open() with { Status = ProposalStatus.Signed, SignerName = signerName, SignerIp = ip, SignedAt = now };

    public ProposalItem Declined(string? reason, DateTimeOffset now) =>
        Open() with { Status = ProposalStatus.Declined, DeclineReason = reason, DeclinedAt = now };

    private ProposalItem Open() =>
        Status == ProposalStatus.Sent ? this : throw new ItemChangeRejected(Id, $"The proposal is already {Status}.");
}

public sealed record ClientTask(string Text, bool Checked);

public sealed record MessageItem : LinkedItem
{
    public required string Subject { get; init; }
    public string Body { get; init; } = "";
    public IReadOnlyList<ClientTask> ClientTasks { get; init; } = [];
    public IReadOnlyList<RequestComment> Replies { get; init; } = [];
    [JsonIgnore] public override string Type => ItemTypes.Message;
    [JsonIgnore] public override bool IsComplete => ClientTasks.All(t => t.Checked);

    /// <summary>A message without client tasks does not block automove.</summary>
    [JsonIgnore] public override bool RequiresAction => ClientTasks.Count > 0;
    [JsonIgnore] public override string StatusName => IsComplete ? "Complete" : "Open";

    /// <summary>Checks client task #<paramref name="index"/> (from 0); checking it again changes nothing.</summary>
    public MessageItem Checked(int index) =>
        this with { ClientTasks = ClientTasks.Select((t, n) => n == index ? t with { Checked = true } : t).ToList() };

    public MessageItem Replied(RequestComment reply) => this with { Replies = [.. Replies, reply] };
}

/// <summary>A change to an item that its state does not allow (e.g. paying a void invoice, answering a submitted organizer).</summary>
public sealed class ItemChangeRejected(string itemId, string reason) : Exception(reason)
{
    public string ItemId { get; } = itemId;
}

/// <summary>Input to an item's change that breaks its rules (an answer of the wrong type, an overpayment): a 400 with the fields.</summary>
public sealed class ItemInputInvalid(IReadOnlyList<RuleViolation> violations) : Exception(string.Join(" ", violations.Select(v => v.Message)))
{
    public IReadOnlyList<RuleViolation> Violations { get; } = violations;
}
