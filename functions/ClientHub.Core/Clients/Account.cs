namespace ClientHub.Core.Clients;

public enum AccountType { Individual, Company }

/// <summary>A client of the firm. Tags are referenced by name everywhere (API.md).</summary>
public sealed record Account(string Id, string Name, AccountType Type, IReadOnlyList<string> Tags)
{
    public bool HasAllTags(IEnumerable<string> required) =>
        required.All(t => Tags.Contains(t, StringComparer.OrdinalIgnoreCase));
}

public sealed record Contact(string Id, string AccountId, string Name, string Email, bool Notify, bool PortalAccess)
{
    public string FirstName => Name.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? Name;
}

public sealed record Tag(string Id, string Name, string? Color);

public sealed record ClientFacingStatus(string Id, string Name, string? Description);
