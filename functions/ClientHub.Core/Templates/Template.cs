using System.Text.Json.Serialization;

namespace ClientHub.Core.Templates;

/// <summary>
/// A reusable definition an automation instantiates. The JSON discriminator is <c>kind</c>
/// (API.md "Templates and statuses").
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(EmailTemplate), TemplateKinds.Email)]
[JsonDerivedType(typeof(TaskTemplate), TemplateKinds.Task)]
[JsonDerivedType(typeof(RequestTemplate), TemplateKinds.Request)]
[JsonDerivedType(typeof(OrganizerTemplate), TemplateKinds.Organizer)]
[JsonDerivedType(typeof(InvoiceTemplate), TemplateKinds.Invoice)]
[JsonDerivedType(typeof(ProposalTemplate), TemplateKinds.Proposal)]
[JsonDerivedType(typeof(MessageTemplate), TemplateKinds.Message)]
[JsonDerivedType(typeof(FolderTemplate), TemplateKinds.Folder)]
[JsonDerivedType(typeof(JobTemplate), TemplateKinds.Job)]
public abstract record Template
{
    public string Id { get; init; } = "";
    public required string Name { get; init; }

    // System.Text.Json does not inherit [JsonIgnore] to overrides, so each override repeats it;
    // without it the property collides with the "kind" discriminator.
    [JsonIgnore]
    public abstract string Kind { get; }
}

public static class TemplateKinds
{
    public const string Email = "email", Task = "task", Request = "request", Organizer = "organizer", Invoice = "invoice",
        Proposal = "proposal", Message = "message", Folder = "folder", Job = "job";

    public static IReadOnlyList<string> All { get; } = [Email, Task, Request, Organizer, Invoice, Proposal, Message, Folder, Job];
}

public sealed record EmailTemplate : Template
{
    public required string Subject { get; init; }
    public required string Body { get; init; }
    [JsonIgnore] public override string Kind => TemplateKinds.Email;
}

/// <summary>Who a created task goes to: a named staff member, or the job's assignees.</summary>
public sealed record TaskAssignee(string? StaffId, string? Role)
{
    public const string JobAssignees = "jobAssignees";
}

public sealed record TaskTemplate : Template
{
    public required string Title { get; init; }
    public string? Description { get; init; }
    public TaskAssignee? Assignee { get; init; }
    public int? DueInDays { get; init; }
    [JsonIgnore] public override string Kind => TemplateKinds.Task;
}

public sealed record RequestTemplateItem(string Title, string? Description);

public sealed record RequestTemplate : Template
{
    public required string Title { get; init; }
    public string? Description { get; init; }
    public IReadOnlyList<RequestTemplateItem> Items { get; init; } = [];
    [JsonIgnore] public override string Kind => TemplateKinds.Request;
}

/// <summary>One question of an organizer; <see cref="Choices"/> only for <c>choice</c> questions.</summary>
public sealed record OrganizerQuestion(string Id, string Text, string Type, bool Required = false, IReadOnlyList<string>? Choices = null);

public static class QuestionTypes
{
    public const string Text = "text", YesNo = "yesNo", Number = "number", Date = "date", Choice = "choice", File = "file";

    public static readonly IReadOnlyList<string> All = [Text, YesNo, Number, Date, Choice, File];
}

public sealed record OrganizerTemplate : Template
{
    public required string Title { get; init; }
    public IReadOnlyList<OrganizerQuestion> Questions { get; init; } = [];
    [JsonIgnore] public override string Kind => TemplateKinds.Organizer;
}

public sealed record InvoiceLine(string Description, decimal Quantity, decimal UnitPrice);

public sealed record InvoiceTemplate : Template
{
    public IReadOnlyList<InvoiceLine> Lines { get; init; } = [];
    public string Currency { get; init; } = "USD";
    public int? DueInDays { get; init; }
    [JsonIgnore] public override string Kind => TemplateKinds.Invoice;
}

public sealed record ProposalTemplate : Template
{
    public required string Title { get; init; }
    public string Body { get; init; } = "";
    public string? InvoiceTemplateId { get; init; }
    [JsonIgnore] public override string Kind => TemplateKinds.Proposal;
}

public sealed record MessageTemplate : Template
{
    public required string Subject { get; init; }
    public string Body { get; init; } = "";
    public IReadOnlyList<string> ClientTasks { get; init; } = [];
    [JsonIgnore] public override string Kind => TemplateKinds.Message;
}

public sealed record FolderTemplate : Template
{
    public IReadOnlyList<string> Folders { get; init; } = [];
    [JsonIgnore] public override string Kind => TemplateKinds.Folder;
}

public sealed record JobTemplate : Template
{
    public required string JobName { get; init; }
    public string? Priority { get; init; }
    public IReadOnlyList<string> AssigneeIds { get; init; } = [];
    public int? StartInDays { get; init; }
    public int? DueInDays { get; init; }
    public string? ClientFacingStatusId { get; init; }
    [JsonIgnore] public override string Kind => TemplateKinds.Job;
}
