using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

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

    public static string New() => Encode(RandomNumberGenerator.GetBytes(Length));

    /// <summary>
    /// The id for <paramref name="key"/>, the same on every call (100 bits of its SHA-256): what must exist at most once (a
    /// recurrence's job of one account and period, the job of a retried request under an Idempotency-Key) is inserted under
    /// it, and a second insert conflicts instead of adding a twin.
    /// </summary>
    public static string Derived(string key) => Encode(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)));

    /// <summary>Five bits of each of the first <see cref="Length"/> bytes, as base32 characters.</summary>
    private static string Encode(byte[] bytes) => string.Create(Length, bytes, static (chars, b) =>
    {
        for (var i = 0; i < chars.Length; i++) chars[i] = Alphabet[b[i] & 31];
    });

    /// <summary>True for strings that could be an id we issued (also stage and automation ids, which clients may choose).</summary>
    public static bool IsWellFormed(string? id) =>
        id is { Length: > 0 and <= 64 } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}

/// <summary>
/// A firm's id. Firm and job ids are both plain strings of the same shape and travel side by side
/// through every storage call, so they are typed apart: a swapped pair is a compile error, not a 404.
/// </summary>
/// <remarks>Serialized as the plain string, so stored documents, queue messages and the API look as before.</remarks>
[JsonConverter(typeof(FirmIdJsonConverter))]
public readonly record struct FirmId(string Value)
{
    public override string ToString() => Value;
}

/// <summary>A job's id; see <see cref="FirmId"/> for why it is typed.</summary>
[JsonConverter(typeof(JobIdJsonConverter))]
public readonly record struct JobId(string Value)
{
    public override string ToString() => Value;
}

internal sealed class FirmIdJsonConverter : JsonConverter<FirmId>
{
    public override FirmId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => new(IdJson.Read(ref reader, "firm"));

    public override void Write(Utf8JsonWriter writer, FirmId value, JsonSerializerOptions options) => writer.WriteStringValue(value.Value);
}

internal sealed class JobIdJsonConverter : JsonConverter<JobId>
{
    public override JobId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => new(IdJson.Read(ref reader, "job"));

    public override void Write(Utf8JsonWriter writer, JobId value, JsonSerializerOptions options) => writer.WriteStringValue(value.Value);
}

internal static class IdJson
{
    /// <summary>
    /// A JSON null reaches here only for a non-nullable id (a nullable one never calls the converter), so it is an error
    /// like a number would be.
    /// </summary>
    public static string Read(ref Utf8JsonReader reader, string owner) =>
        reader.TokenType == JsonTokenType.String ? reader.GetString()! : throw new JsonException($"A {owner} id must be a JSON string.");
}
