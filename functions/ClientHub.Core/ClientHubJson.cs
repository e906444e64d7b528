using System.Text.Json;
using System.Text.Json.Serialization;

namespace ClientHub.Core;

/// <summary>
/// The one JSON shape of the product, for the HTTP API and for documents at rest: camelCase,
/// enums as strings, unknown members rejected (API.md: unknown fields are a 400, not ignored).
/// </summary>
public static class ClientHubJson
{
    /// <summary>For the HTTP API: strict about unknown members.</summary>
    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    /// <summary>For documents at rest: tolerant, so a field dropped from a record does not make old rows unreadable.</summary>
    public static JsonSerializerOptions Stored { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web), strict: false);

    public static JsonSerializerOptions Configure(JsonSerializerOptions options, bool strict = true)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.UnmappedMemberHandling = strict ? JsonUnmappedMemberHandling.Disallow : JsonUnmappedMemberHandling.Skip;
        options.AllowOutOfOrderMetadataProperties = true;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        options.Converters.Add(new JsonStringEnumConverter(allowIntegerValues: false));
        return options;
    }
}
