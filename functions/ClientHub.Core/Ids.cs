using System.Security.Cryptography;

namespace ClientHub.Core;

/// <summary>
/// Opaque identifiers: 20 lowercase base32 characters (100 random bits). Ids go into table keys,
/// so anything that does not look like one of ours is rejected before it reaches storage and the
/// caller simply gets a 404.
/// </summary>
public static class Ids
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";
    public const int Length = 20;

    public static string New()
    {
        Span<byte> bytes = stackalloc byte[Length];
        RandomNumberGenerator.Fill(bytes);
        return string.Create(Length, bytes.ToArray(), static (chars, b) =>
        {
            for (var i = 0; i < chars.Length; i++) chars[i] = Alphabet[b[i] & 31];
        });
    }

    /// <summary>True for strings that could be an id we issued (also stage and automation ids, which clients may choose).</summary>
    public static bool IsWellFormed(string? id) =>
        id is { Length: > 0 and <= 64 } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
