using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using ClientHub.Core;

namespace ClientHub.Storage;

public enum AccessKeyKind { Staff, Portal }

/// <summary>What a valid key or portal token grants.</summary>
public sealed record AccessGrant(
    string KeyId, AccessKeyKind Kind, FirmId FirmId, string? StaffId, string? AccountId, string? ContactId, DateTimeOffset IssuedAt);

/// <summary>
/// Staff API keys (<c>chk_</c>) and client portal tokens (<c>chp_</c>). A secret is
/// prefix + key id + random part; the key id finds the row with one point read, and only the
/// SHA-256 of the whole secret is stored, compared in constant time.
/// </summary>
public sealed class AccessKeys(TableServiceClient tables, StorageNames names, TimeProvider time)
{
    public const string StaffPrefix = "chk_", PortalPrefix = "chp_";
    private const int SecretLength = 32;
    private readonly TableClient _table = tables.GetTableClient(names.Table(Tables.Keys));

    public async Task<(string KeyId, string Secret, ETag ETag)> CreateStaffKeyAsync(
        FirmId firmId, string staffId, CancellationToken cancellationToken)
    {
        var (keyId, secret) = NewSecret(StaffPrefix);
        var added = await _table.AddEntityAsync(NewRow(keyId, secret, AccessKeyKind.Staff, firmId, staffId, null, null, null, time.GetUtcNow()),
            cancellationToken);
        return (keyId, secret, added.Headers.ETag ?? default);
    }

    public async Task<(string Secret, DateTimeOffset ExpiresAt, ETag ETag)> CreatePortalTokenAsync(FirmId firmId, string accountId,
        string contactId, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        var (keyId, secret) = NewSecret(PortalPrefix);
        var expiresAt = time.GetUtcNow() + lifetime;
        var added = await _table.AddEntityAsync(
            NewRow(keyId, secret, AccessKeyKind.Portal, firmId, null, accountId, contactId, expiresAt, time.GetUtcNow()), cancellationToken);
        return (secret, expiresAt, added.Headers.ETag ?? default);
    }

    /// <summary>The grant of a presented secret, or null when it is unknown, revoked, expired or malformed.</summary>
    public async Task<AccessGrant?> ValidateAsync(string presented, CancellationToken cancellationToken)
    {
        if (presented.Length != StaffPrefix.Length + Ids.Length + SecretLength) return null;
        var keyId = presented.Substring(StaffPrefix.Length, Ids.Length);
        if (!Ids.IsWellFormed(keyId)) return null;
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(keyId, "", cancellationToken: cancellationToken);
        if (!row.HasValue) return null;
        var e = row.Value!;
        var expected = Convert.FromHexString(e.GetString("Hash"));
        if (!CryptographicOperations.FixedTimeEquals(expected, Hash(presented))) return null;
        if (e.GetBoolean("Revoked") == true) return null;
        if (e.GetDateTimeOffset("ExpiresAt") is { } expiry && expiry <= time.GetUtcNow()) return null;
        var kind = Enum.Parse<AccessKeyKind>(e.GetString("Kind"));
        if (!presented.StartsWith(kind == AccessKeyKind.Staff ? StaffPrefix : PortalPrefix, StringComparison.Ordinal)) return null;
        return new AccessGrant(keyId, kind, new FirmId(e.GetString("FirmId")), e.GetString("StaffId"), e.GetString("AccountId"),
            e.GetString("ContactId"), e.GetDateTimeOffset("IssuedAt") ?? DateTimeOffset.MinValue);
    }

    /// <summary>The staff member a staff key of the firm belongs to; null when no such key belongs to the firm.</summary>
    public async Task<string?> StaffOfKeyAsync(FirmId firmId, string keyId, CancellationToken cancellationToken)
    {
        if (!Ids.IsWellFormed(keyId)) return null;
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(keyId, "", cancellationToken: cancellationToken);
        if (!row.HasValue || row.Value!.GetString("FirmId") != firmId.Value || row.Value.GetString("Kind") != nameof(AccessKeyKind.Staff))
            return null;
        return row.Value.GetString("StaffId");
    }

    /// <summary>Revokes a key found with <see cref="StaffOfKeyAsync"/>; it fails from the next request on.</summary>
    public Task RevokeAsync(string keyId, CancellationToken cancellationToken) =>
        _table.UpdateEntityAsync(new TableEntity(keyId, "") { ["Revoked"] = true }, ETag.All, TableUpdateMode.Merge, cancellationToken);

    private static (string KeyId, string Secret) NewSecret(string prefix)
    {
        var keyId = Ids.New();
        var random = string.Concat(Ids.New(), Ids.New())[..SecretLength];
        return (keyId, prefix + keyId + random);
    }

    private static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    private static TableEntity NewRow(string keyId, string secret, AccessKeyKind kind, FirmId firmId, string? staffId,
        string? accountId, string? contactId, DateTimeOffset? expiresAt, DateTimeOffset issuedAt) => new(keyId, "")
    {
        ["Hash"] = Convert.ToHexString(Hash(secret)),
        ["Kind"] = kind.ToString(),
        ["FirmId"] = firmId.Value,
        ["StaffId"] = staffId,
        ["AccountId"] = accountId,
        ["ContactId"] = contactId,
        ["ExpiresAt"] = expiresAt,
        ["IssuedAt"] = issuedAt,
        ["Revoked"] = false,
    };
}
