using System.Text.Json.Serialization;
using ClientHub.Core.Templates;

namespace ClientHub.Core.Pipelines;

public sealed record Pipeline(string Id, string Name, IReadOnlyList<Stage> Stages)
{
    public int IndexOf(string stageId) => Stages.ToList().FindIndex(s => s.Id == stageId);

    public Stage? Find(string stageId) => Stages.FirstOrDefault(s => s.Id == stageId);
}

/// <summary>Tags the account must all have. Absent or empty means no condition.</summary>
public sealed record Conditions(IReadOnlyList<string>? Tags)
{
    [JsonIgnore]
    public bool IsEmpty => Tags is null or { Count: 0 };
}

public sealed record Stage
{
    public string Id { get; init; } = "";
    public required string Name { get; init; }
    public bool Automove { get; init; }
    public Conditions? Conditions { get; init; }
    public IReadOnlyList<Automation> Automations { get; init; } = [];

    /// <summary>TaxDome's stage time limit: a job in the stage longer than this is flagged and its assignees told, once per entry.</summary>
    public int? TimeLimitDays { get; init; }

    /// <summary>When a job that enters at <paramref name="enteredAt"/> outstays <see cref="TimeLimitDays"/>; null without a limit.</summary>
    public DateTimeOffset? LimitFor(DateTimeOffset enteredAt) => TimeLimitDays is { } days ? enteredAt.AddDays(days) : null;
}

public sealed record Reminders(bool Enabled, int DaysBetween = 3, int Count = 1)
{
    /// <summary>What happens once after the last reminder, if the item is still incomplete (Karbon changes a status; we do more).</summary>
    public ReminderEscalation? Then { get; init; }
}

/// <summary>
/// The escalation after an item's last unanswered reminder: show the client another status, tell the job's assignees, tag the
/// account. Each part is optional; it happens once, is written in the job's history, and not at all if the item completed.
/// </summary>
public sealed record ReminderEscalation(string? SetClientFacingStatusId = null, bool NotifyAssignees = false,
    IReadOnlyList<string>? AddTagIds = null);

/// <summary>
/// An action a stage runs on entry. The JSON discriminator is <c>type</c>. Ids are stable across
/// pipeline edits because effects are keyed by them (DESIGN.md, job engine rule 4).
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(SendEmail), AutomationTypes.SendEmail)]
[JsonDerivedType(typeof(SendMessage), AutomationTypes.SendMessage)]
[JsonDerivedType(typeof(CreateTask), AutomationTypes.CreateTask)]
[JsonDerivedType(typeof(CreateRequest), AutomationTypes.CreateRequest)]
[JsonDerivedType(typeof(CreateOrganizer), AutomationTypes.CreateOrganizer)]
[JsonDerivedType(typeof(CreateInvoice), AutomationTypes.CreateInvoice)]
[JsonDerivedType(typeof(SendProposal), AutomationTypes.SendProposal)]
[JsonDerivedType(typeof(UpdateAccountTags), AutomationTypes.UpdateAccountTags)]
[JsonDerivedType(typeof(UpdateJobAssignees), AutomationTypes.UpdateJobAssignees)]
[JsonDerivedType(typeof(UpdateAccountAccess), AutomationTypes.UpdateAccountAccess)]
[JsonDerivedType(typeof(UpdateClientFacingStatus), AutomationTypes.UpdateClientFacingStatus)]
[JsonDerivedType(typeof(ApplyFolderTemplate), AutomationTypes.ApplyFolderTemplate)]
public abstract record Automation
{
    public string Id { get; init; } = "";
    public Conditions? Conditions { get; init; }

    [JsonIgnore]
    public abstract string Type { get; }

    /// <summary>The template kind this automation instantiates, or null when it takes no template.</summary>
    [JsonIgnore]
    public virtual string? TemplateKind => null;
}

public static class AutomationTypes
{
    public const string SendEmail = "sendEmail", SendMessage = "sendMessage", CreateTask = "createTask",
        CreateRequest = "createRequest", CreateOrganizer = "createOrganizer", CreateInvoice = "createInvoice",
        SendProposal = "sendProposal", UpdateAccountTags = "updateAccountTags", UpdateJobAssignees = "updateJobAssignees",
        UpdateAccountAccess = "updateAccountAccess", UpdateClientFacingStatus = "updateClientFacingStatus",
        ApplyFolderTemplate = "applyFolderTemplate";
}

/// <summary>An automation that instantiates a template.</summary>
public abstract record TemplatedAutomation : Automation
{
    public required string TemplateId { get; init; }
}

/// <summary>An automation that creates a client-facing item clients can be reminded about.</summary>
public abstract record RemindingAutomation : TemplatedAutomation
{
    public Reminders? Reminders { get; init; }
}

public sealed record SendEmail : TemplatedAutomation
{
    [JsonIgnore] public override string Type => AutomationTypes.SendEmail;
    [JsonIgnore] public override string? TemplateKind => TemplateKinds.Email;
}

public sealed record SendMessage : RemindingAutomation
{
    [JsonIgnore] public override string Type => AutomationTypes.SendMessage;
    [JsonIgnore] public override string? TemplateKind => TemplateKinds.Message;
}

public sealed record CreateTask : TemplatedAutomation
{
    [JsonIgnore] public override string Type => AutomationTypes.CreateTask;
    [JsonIgnore] public override string? TemplateKind => TemplateKinds.Task;
}

public sealed record CreateRequest : RemindingAutomation
{
    [JsonIgnore] public override string Type => AutomationTypes.CreateRequest;
    [JsonIgnore] public override string? TemplateKind => TemplateKinds.Request;
}

public sealed record CreateOrganizer : RemindingAutomation
{
    [JsonIgnore] public override string Type => AutomationTypes.CreateOrganizer;
    [JsonIgnore] public override string? TemplateKind => TemplateKinds.Organizer;
}

public sealed record CreateInvoice : RemindingAutomation
{
    [JsonIgnore] public override string Type => AutomationTypes.CreateInvoice;
    [JsonIgnore] public override string? TemplateKind => TemplateKinds.Invoice;
}

public sealed record SendProposal : RemindingAutomation
{
    [JsonIgnore] public override string Type => AutomationTypes.SendProposal;
    [JsonIgnore] public override string? TemplateKind => TemplateKinds.Proposal;
}

public sealed record ApplyFolderTemplate : TemplatedAutomation
{
    [JsonIgnore] public override string Type => AutomationTypes.ApplyFolderTemplate;
    [JsonIgnore] public override string? TemplateKind => TemplateKinds.Folder;
}

public sealed record UpdateAccountTags : Automation
{
    public IReadOnlyList<string> Add { get; init; } = [];
    public IReadOnlyList<string> Remove { get; init; } = [];
    public bool Clear { get; init; }
    [JsonIgnore] public override string Type => AutomationTypes.UpdateAccountTags;
}

public sealed record UpdateJobAssignees : Automation
{
    public IReadOnlyList<string> Add { get; init; } = [];
    public IReadOnlyList<string> Remove { get; init; } = [];
    public bool Clear { get; init; }
    [JsonIgnore] public override string Type => AutomationTypes.UpdateJobAssignees;
}

public sealed record UpdateAccountAccess : Automation
{
    public IReadOnlyList<string> Grant { get; init; } = [];
    public IReadOnlyList<string> Revoke { get; init; } = [];
    [JsonIgnore] public override string Type => AutomationTypes.UpdateAccountAccess;
}

public sealed record UpdateClientFacingStatus : Automation
{
    public bool Visible { get; init; } = true;
    public string? StatusId { get; init; }
    public string? Description { get; init; }
    [JsonIgnore] public override string Type => AutomationTypes.UpdateClientFacingStatus;
}
