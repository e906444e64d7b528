using System.Text.Json;
using ClientHub.Core;
using ClientHub.Core.Templates;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ClientHub.Functions.Http.Templates;

/// <summary>
/// Reads a polymorphic definition (a template by <c>kind</c>, a pipeline's automations by
/// <c>type</c>) from the request body. The framework's binder lets System.Text.Json's
/// <see cref="NotSupportedException"/> for a missing discriminator escape as a 500; the contract
/// says no input produces a 5xx, so this turns it into a 400 like any other malformed JSON.
/// </summary>
internal static class DefinitionJson
{
    public static async Task<T> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken) where T : class
    {
        if (!request.HasJsonContentType())
            throw new BadHttpRequestException("Expected a JSON body (Content-Type: application/json).", StatusCodes.Status415UnsupportedMediaType);
        try
        {
            return await JsonSerializer.DeserializeAsync<T>(request.Body, ClientHubJson.Options, cancellationToken)
                   ?? throw new BadHttpRequestException("A JSON object is required.");
        }
        catch (NotSupportedException e)
        {
            throw new BadHttpRequestException($"Invalid JSON: a \"kind\" (templates) or \"type\" (automations) is required. {e.Message}", e);
        }
    }
}

internal static class RuleViolations
{
    public static bool Any(this IReadOnlyList<RuleViolation> violations) => violations.Count > 0;

    public static ValidationProblem ToProblem(this IEnumerable<RuleViolation> violations)
    {
        var errors = new ValidationErrors();
        foreach (var violation in violations) errors.Add(violation.Field, violation.Message);
        return errors.ToResult();
    }
}
