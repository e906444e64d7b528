namespace ClientHub.Core.Templates;

/// <summary>
/// A broken rule of a definition (template or pipeline), keyed by the JSON path of the offending
/// field, e.g. <c>stages[2].automove</c>, so the API can answer <c>errors: { field: [messages] }</c>.
/// </summary>
public sealed record RuleViolation(string Field, string Message);

/// <summary>Collects violations with the checks every definition repeats.</summary>
internal sealed class Violations
{
    private readonly List<RuleViolation> _items = [];

    public IReadOnlyList<RuleViolation> Items => _items;

    public void Add(string field, string message) => _items.Add(new RuleViolation(field, message));

    public void Required(string field, string? value, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value)) Add(field, "Required.");
        else MaxLength(field, value, maxLength);
    }

    public void MaxLength(string field, string? value, int maxLength)
    {
        if (value is not null && value.Length > maxLength) Add(field, $"At most {maxLength} characters.");
    }

    /// <summary>
    /// A list the model defaults to empty: absent is fine, an explicit JSON <c>null</c> is not (the
    /// engine relies on it being a list). Returns the list to check, empty when it was null.
    /// </summary>
    public IReadOnlyList<T> List<T>(string field, IReadOnlyList<T>? values)
    {
        if (values is null) Add(field, "Must be a list; use [] for none.");
        return values ?? [];
    }

    public void NotNegative(string field, int? value)
    {
        if (value < 0) Add(field, "Must not be negative.");
    }
}
