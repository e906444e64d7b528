using System.Security.Cryptography;
using System.Text;
using ClientHub.Core.Items;

namespace ClientHub.Core.Email;

/// <summary>The firm and item an emailed reply belongs to.</summary>
public sealed record ReplyTarget(FirmId FirmId, string ItemId);

/// <summary>
/// Reply-to addresses of emails about an item: <c>reply+{firmId}.{itemId}.{sig}@{domain}</c>, where <c>sig</c> is the first
/// 16 base32 characters (80 bits) of HMAC-SHA256 over <c>{firmId}.{itemId}</c> keyed by the inbound secret. Ids alone are not
/// secret (they show in portal links), so the signature is what stops anyone from writing into an item by guessing an address.
/// </summary>
/// <remarks>
/// Everything is lowercase (ids and base32 alike) because mail systems may change the case of a local part; parsing ignores case.
/// Pure: the secret and domain come from the caller's settings.
/// </remarks>
public static class ReplyAddress
{
    public const string Prefix = "reply+";
    private const int SignatureLength = 16;
    private const string Base32 = "abcdefghijklmnopqrstuvwxyz234567";

    public static string Build(FirmId firmId, string itemId, string secret, string domain) =>
        $"{Prefix}{firmId.Value}.{itemId}.{Signature(firmId.Value, itemId, secret)}@{domain}".ToLowerInvariant();

    /// <summary>Whether <paramref name="address"/> is shaped like one of ours (our domain, our prefix), valid or not.</summary>
    public static bool LooksLikeOurs(string address, string domain) =>
        address.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) && address.EndsWith("@" + domain, StringComparison.OrdinalIgnoreCase);

    /// <summary>The item an address names, or null when it is not ours, malformed, or its signature does not match.</summary>
    public static ReplyTarget? Parse(string address, string secret, string domain)
    {
        if (!LooksLikeOurs(address, domain)) return null;
        var local = address[Prefix.Length..^(domain.Length + 1)].ToLowerInvariant();
        var parts = local.Split('.');
        if (parts.Length != 3 || !Ids.IsWellFormed(parts[0]) || parts[0].Contains('-') || ItemIds.OwnerOf(parts[1]) is null
            || parts[2].Length != SignatureLength)
            return null;
        var expected = Encoding.ASCII.GetBytes(Signature(parts[0], parts[1], secret));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(parts[2]))
            ? new ReplyTarget(new FirmId(parts[0]), parts[1])
            : null;
    }

    private static string Signature(string firmId, string itemId, string secret)
    {
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{firmId}.{itemId}"));
        // 16 base32 characters carry 80 bits: the first 10 bytes of the MAC.
        var text = new StringBuilder(SignatureLength);
        ulong buffer = 0;
        var bits = 0;
        foreach (var b in mac.AsSpan(0, 10))
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                bits -= 5;
                text.Append(Base32[(int)((buffer >> bits) & 31)]);
            }
        }
        return text.ToString();
    }
}
