using System.Text.Json.Serialization;

namespace ClientHub.Core.Clients;

public enum AccountType { Individual, Company }

/// <summary>A client of the firm. Tags are referenced by name everywhere (API.md).</summary>
public sealed record Account(string Id, string Name, AccountType Type, IReadOnlyList<string> Tags)
{
    /// <summary>Staff granted access by the updateAccountAccess automation.</summary>
    public IReadOnlyList<string> StaffAccess { get; init; } = [];

    /// <summary>Document folders created by applyFolderTemplate.</summary>
    public IReadOnlyList<string> Folders { get; init; } = [];

    public bool HasAllTags(IEnumerable<string> required) =>
        required.All(t => Tags.Contains(t, StringComparer.OrdinalIgnoreCase));

    /// <summary>The account with <see cref="ApplyTagUpdate"/> applied to its tags.</summary>
    public Account WithTagsUpdated(IEnumerable<string>? add, IEnumerable<string>? remove, bool clear) =>
        this with { Tags = ApplyTagUpdate(Tags, add, remove, clear) };

    /// <summary>
    /// The one rule for changing an account's tags, shared by <c>POST /api/accounts/{id}/tags</c> and the
    /// updateAccountTags automation: clear first, then remove, then add. Names compare case-insensitively
    /// (tags are unique per firm that way); the existing order is kept, added names go to the end once.
    /// </summary>
    public static IReadOnlyList<string> ApplyTagUpdate(
        IReadOnlyList<string> current, IEnumerable<string>? add, IEnumerable<string>? remove, bool clear)
    {
        var tags = clear ? [] : current.ToList();
        if (remove is not null)
        {
            var removed = new HashSet<string>(remove, StringComparer.OrdinalIgnoreCase);
            tags.RemoveAll(removed.Contains);
        }
        foreach (var name in add ?? [])
            if (!tags.Contains(name, StringComparer.OrdinalIgnoreCase)) tags.Add(name);
        return tags;
    }
}

public sealed record Contact(string Id, string AccountId, string Name, string Email, bool Notify, bool PortalAccess)
{
    /// <summary>
    /// Portal tokens issued before this moment are void: turning portal access off revokes every token the contact holds, and
    /// turning it on again does not bring them back.
    /// </summary>
    public DateTimeOffset? PortalTokensValidFrom { get; init; }

    public bool Accepts(DateTimeOffset tokenIssuedAt) => PortalAccess && (PortalTokensValidFrom is not { } from || tokenIssuedAt > from);

    [JsonIgnore]
    public string FirstName => Name.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? Name;
}

public sealed record Tag(string Id, string Name, string? Color);

public sealed record ClientFacingStatus(string Id, string Name, string? Description);
