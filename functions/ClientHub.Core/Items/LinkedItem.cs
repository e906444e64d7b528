using System.Security.Cryptography;
using System.Text;
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
    [JsonIgnore] public override string Type => ItemTypes.Task;
    [JsonIgnore] public override bool IsComplete => Status == TaskStatus.Done;
    [JsonIgnore] public override string StatusName => Status.ToString();
}

public enum RequestStatus { Sent, Submitted, Completed }

public sealed record RequestEntry(
    string Id, string Title, string? Description, TaskStatus Status, IReadOnlyList<RequestComment> Comments, IReadOnlyList<string> Documents);

public sealed record RequestSummary(int Sent, int Todo, int InProgress, int Done);

public sealed record RequestComment(DateTimeOffset At, string By, string Text);

public sealed record RequestItem : LinkedItem
{
    public required string Title { get; init; }
    public string? Description { get; init; }
    public RequestStatus Status { get; init; }
    public IReadOnlyList<RequestEntry> Items { get; init; } = [];

    /// <summary>Welyb's progress counts; derived, never stored.</summary>
    public RequestSummary Summary => new(Items.Count, Items.Count(i => i.Status == TaskStatus.Todo),
        Items.Count(i => i.Status == TaskStatus.InProgress), Items.Count(i => i.Status == TaskStatus.Done));

    [JsonIgnore] public override string Type => ItemTypes.Request;
    [JsonIgnore] public override bool IsComplete => Status is RequestStatus.Submitted or RequestStatus.Completed;
    [JsonIgnore] public override string StatusName => Status.ToString();
}

public enum OrganizerStatus { Sent, Submitted, Archived }

public sealed record OrganizerItem : LinkedItem
{
    public required string Title { get; init; }
    public IReadOnlyList<OrganizerQuestion> Questions { get; init; } = [];
    public IReadOnlyDictionary<string, System.Text.Json.JsonElement> Answers { get; init; } = new Dictionary<string, System.Text.Json.JsonElement>();
    public OrganizerStatus Status { get; init; }
    [JsonIgnore] public override string Type => ItemTypes.Organizer;

    /// <summary>Submitted only: an archived organizer does not count (TaxDome).</summary>
    [JsonIgnore] public override bool IsComplete => Status == OrganizerStatus.Submitted;
    [JsonIgnore] public override string StatusName => Status.ToString();
}

public enum InvoiceStatus { Unpaid, PartiallyPaid, Paid, Void }

public sealed record InvoiceItem : LinkedItem
{
    public IReadOnlyList<InvoiceLine> Lines { get; init; } = [];
    public string Currency { get; init; } = "USD";
    public decimal Total { get; init; }
    public decimal AmountPaid { get; init; }
    public DateOnly? DueDate { get; init; }
    public InvoiceStatus Status { get; init; }
    [JsonIgnore] public override string Type => ItemTypes.Invoice;

    /// <summary>
    /// The largest unit price or payment we take: a trillion in any currency is beyond any real
    /// invoice, and far enough below <see cref="decimal"/>'s range that no total or sum can overflow.
    /// </summary>
    public const decimal MaxAmount = 1_000_000_000_000m;

    /// <summary>The largest quantity of one invoice line.</summary>
    public const decimal MaxQuantity = 1_000_000m;

    /// <summary>Paid in full; a partial payment does not count.</summary>
    [JsonIgnore] public override bool IsComplete => Status == InvoiceStatus.Paid;
    [JsonIgnore] public override string StatusName => Status.ToString();

    public InvoiceItem WithPayment(decimal amount, DateTimeOffset now)
    {
        var paid = AmountPaid + amount;
        return this with { AmountPaid = paid, Status = paid >= Total ? InvoiceStatus.Paid : InvoiceStatus.PartiallyPaid, UpdatedAt = now };
    }
}

public enum ProposalStatus { Sent, Signed, Declined }

public sealed record ProposalItem : LinkedItem
{
    public required string Title { get; init; }
    public string Body { get; init; } = "";
    public string? InvoiceTemplateId { get; init; }
    public ProposalStatus Status { get; init; }
    public string? SignerName { get; init; }
    [JsonIgnore] public override string Type => ItemTypes.Proposal;

    /// <summary>Signed. Its invoice, when it has one, is a linked item of its own that must be paid too.</summary>
    [JsonIgnore] public override bool IsComplete => Status == ProposalStatus.Signed;
    [JsonIgnore] public override string StatusName => Status.ToString();
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
}
