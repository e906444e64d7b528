namespace ClientHub.Storage;

/// <summary>
/// Physical names of tables, queues and containers. A prefix lets parallel test runs (and several
/// environments on one account) share a storage account without colliding.
/// </summary>
/// <remarks>
/// Changing the prefix of a running deployment orphans every row, message and blob written under the
/// old one: treat it as part of the storage account's identity.
/// </remarks>
public sealed class StorageNames
{
    public StorageNames(string? prefix)
    {
        Prefix = (prefix ?? "").ToLowerInvariant();
        if (Prefix.Length > 0 && (!char.IsAsciiLetter(Prefix[0]) || !Prefix.All(char.IsAsciiLetterOrDigit) || Prefix.Length > 20))
            throw new ArgumentException("The storage prefix must be at most 20 ASCII letters or digits and start with a letter.", nameof(prefix));
    }

    public string Prefix { get; }

    /// <summary>Table names allow letters and digits only.</summary>
    public string Table(string name) => Prefix + name;

    /// <summary>Queue names are lowercase letters, digits and single dashes.</summary>
    public string Queue(string name) => Prefix.Length == 0 ? name : $"{Prefix}-{name}";

    public string Container(string name) => Prefix.Length == 0 ? name : $"{Prefix}-{name}";
}
