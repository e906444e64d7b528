namespace ClientHub.Core.Templates;

/// <summary>
/// What a template or pipeline may point at, as the firm has it now. The rules stay pure: the
/// caller loads these (only what the definition references, where that matters) and passes them in.
/// </summary>
public sealed record FirmReferences
{
    public static FirmReferences None { get; } = new();

    /// <summary>Template id → kind, for the templates the definition references.</summary>
    public IReadOnlyDictionary<string, string> TemplateKinds { get; init; } = new Dictionary<string, string>();

    public IReadOnlySet<string> StaffIds { get; init; } = new HashSet<string>();

    /// <summary>Tag ids (reminder escalations name tags by id, as API.md's <c>addTagIds</c> does).</summary>
    public IReadOnlySet<string> TagIds { get; init; } = new HashSet<string>();

    /// <summary>Client-facing status ids.</summary>
    public IReadOnlySet<string> StatusIds { get; init; } = new HashSet<string>();

    /// <summary>Tag names; tags are referenced by name and compared case-insensitively (API.md).</summary>
    public IReadOnlySet<string> TagNames
    {
        get;
        init => field = value.ToHashSet(StringComparer.OrdinalIgnoreCase);
    } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    public bool IsTemplateOfKind(string? id, string kind) =>
        id is not null && TemplateKinds.TryGetValue(id, out var actual) && actual == kind;
}
