using System.Security.Cryptography;
using System.Text;

namespace ClientHub.Core.Webhooks;

/// <summary>
/// Standard Webhooks signatures, both ways: <c>webhook-signature: v1,&lt;base64 HMAC-SHA256(key, id + "." + timestamp + "." + body)&gt;</c>,
/// where the secret is <c>whsec_</c> followed by the base64 of the key's 32 random bytes.
/// </summary>
/// <remarks>Pure: the caller passes the time it reads from its <see cref="TimeProvider"/>.</remarks>
public static class WebhookSignature
{
    public const string SecretPrefix = "whsec_";
    public const string IdHeader = "webhook-id", TimestampHeader = "webhook-timestamp", SignatureHeader = "webhook-signature";

    /// <summary>How far a sender's timestamp may be from our clock (either way) before its call counts as a replay.</summary>
    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    public static string NewSecret() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>The header value for one secret: <c>v1,&lt;signature&gt;</c>.</summary>
    public static string Sign(string secret, string id, long timestamp, ReadOnlySpan<byte> body) =>
        "v1," + Convert.ToBase64String(Mac(KeyOf(secret)!, id, timestamp, body));

    /// <summary>
    /// Whether <paramref name="signatures"/> (space-separated <c>v1,…</c> entries) holds a signature of the call by one of
    /// <paramref name="secrets"/>, and its timestamp is within <see cref="Tolerance"/> of <paramref name="now"/>.
    /// </summary>
    public static bool Verify(IEnumerable<string> secrets, string? id, string? timestamp, string? signatures, ReadOnlySpan<byte> body,
        DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(signatures) || !long.TryParse(timestamp, out var seconds)) return false;
        if (seconds < now.AddYears(-1).ToUnixTimeSeconds() || seconds > now.AddYears(1).ToUnixTimeSeconds()) return false;
        if ((now - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > Tolerance) return false;
        var offered = signatures.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Where(s => s.StartsWith("v1,", StringComparison.Ordinal)).Select(s => Decode(s[3..])).OfType<byte[]>().ToList();
        var valid = false;
        foreach (var key in secrets.Select(KeyOf).OfType<byte[]>())
        {
            var expected = Mac(key, id, seconds, body);
            // Every candidate is compared in constant time; none is skipped once one matched.
            foreach (var signature in offered) valid |= CryptographicOperations.FixedTimeEquals(expected, signature);
        }
        return valid;
    }

    private static byte[]? KeyOf(string secret) =>
        secret.StartsWith(SecretPrefix, StringComparison.Ordinal) ? Decode(secret[SecretPrefix.Length..]) : null;

    private static byte[]? Decode(string base64)
    {
        var bytes = new byte[base64.Length];
        return Convert.TryFromBase64String(base64, bytes, out var length) ? bytes[..length] : null;
    }

    private static byte[] Mac(byte[] key, string id, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes($"{id}.{timestamp}.");
        var content = new byte[prefix.Length + body.Length];
        prefix.CopyTo(content, 0);
        body.CopyTo(content.AsSpan(prefix.Length));
        return HMACSHA256.HashData(key, content);
    }
}
