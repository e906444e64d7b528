using System.Text.Json;
using Azure;
using ClientHub.Storage;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace ClientHub.Functions.Http;

/// <summary>
/// Turns every failure into RFC 9457 problem+json: malformed or unknown-field JSON (400), wrong
/// media type (415), oversized bodies and documents (413), documents of a type not allowed (415), stale <c>If-Match</c> (412), write conflicts (409).
/// Anything else is a 500 without internals.
/// </summary>
internal sealed class ApiExceptionHandler(IProblemDetailsService problems, ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, detail) = exception switch
        {
            BadHttpRequestException { StatusCode: 413 } => (413, "Request body too large", "The request body exceeds the limit."),
            BadHttpRequestException { StatusCode: 415 } e => (415, "Unsupported media type", e.Message),
            BadHttpRequestException e => (e.StatusCode, "Invalid request", JsonDetail(e) ?? e.Message),
            JsonException e => (400, "Invalid JSON", e.Message),
            DocumentTooLarge e => (413, "Document too large", e.Message),
            DocumentTypeNotAllowed e => (415, "Document type not allowed", e.Message),
            InvalidDocumentUpload or Core.Items.ItemInputInvalid => (400, "Invalid input", ProblemDetailDefaults.For(400)),
            RequestFailedException { Status: 412 } => (412, "Precondition failed", "The resource changed since it was read (If-Match)."),
            RequestFailedException { Status: 409 } => (409, "Conflict", "The resource already exists or changed concurrently."),
            RequestFailedException { Status: 400 } =>
                (400, "Invalid request", "The request could not be served as given (for example a malformed continuation token)."),
            ConflictException e => (409, "Conflict", e.Message),
            Core.Jobs.StageTransitionRejected e => (409, "Transition rejected", e.Reason),
            Functions.Jobs.PreconditionFailed e => (412, "Precondition failed", e.Message),
            Functions.Jobs.KeptChanging e => (409, "Conflict", e.Message),
            Core.Items.ItemChangeRejected e => (409, "Change rejected", e.Message),
            OperationCanceledException when context.RequestAborted.IsCancellationRequested => (499, "Client closed request", ""),
            _ => (500, "Internal error", "An unexpected error occurred."),
        };
        if (status == 500) Log.Unhandled(logger, exception, context.Request.Path);
        context.Response.StatusCode = status;
        // An invalid upload field, or input an item's own rules refuse (an answer's type, an invoice's balance), is a validation
        // problem like any other: its fields and messages go in "errors".
        ProblemDetails problem = exception switch
        {
            InvalidDocumentUpload invalid => new HttpValidationProblemDetails(new Dictionary<string, string[]> { [invalid.Field] = [invalid.Message] }),
            Core.Items.ItemInputInvalid invalid => new HttpValidationProblemDetails(
                invalid.Violations.GroupBy(v => v.Field).ToDictionary(g => g.Key, g => g.Select(v => v.Message).ToArray())),
            _ => new ProblemDetails(),
        };
        (problem.Status, problem.Title, problem.Detail, problem.Type) = (status, title, detail, $"https://httpstatuses.io/{status}");
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, Exception = exception, ProblemDetails = problem });
    }

    private static string? JsonDetail(BadHttpRequestException e) =>
        e.InnerException is JsonException json ? $"Invalid JSON: {json.Message}" : null;
}

/// <summary>
/// The <c>detail</c> of a problem that did not set one (a bare 404 from a handler, a 401 from
/// authentication, a validation problem): API.md promises every problem a <c>detail</c>.
/// </summary>
internal static class ProblemDetailDefaults
{
    public static string For(int? status) => status switch
    {
        400 => "One or more fields are invalid; see errors.",
        401 => "A valid API key is required: Authorization: Bearer <key>.",
        403 => "Your role does not allow this.",
        404 => "No such resource (ids of another firm are not found either).",
        405 => "This route does not take this method.",
        409 => "The request conflicts with the resource's current state.",
        412 => "The resource changed since it was read (If-Match).",
        413 => "The request body exceeds the limit.",
        415 => "The body must be application/json.",
        _ => "The request could not be served.",
    };
}

/// <summary>An expected conflict raised by application code (e.g. a duplicate email).</summary>
public sealed class ConflictException(string message) : Exception(message);

/// <summary>Collects field errors into a 400 validation problem.</summary>
public sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> _errors = [];

    public bool Any => _errors.Count > 0;

    public ValidationErrors Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list)) _errors[field] = list = [];
        list.Add(message);
        return this;
    }

    public ValidationErrors Required(string field, string? value, int maxLength = Limits.Name)
    {
        if (string.IsNullOrWhiteSpace(value)) return Add(field, "Required.");
        return MaxLength(field, value, maxLength);
    }

    public ValidationErrors MaxLength(string field, string? value, int maxLength)
    {
        if (value is not null && value.Length > maxLength) Add(field, $"At most {maxLength} characters.");
        return this;
    }

    public ValidationErrors Email(string field, string? value)
    {
        if (!Limits.IsEmail(value)) Add(field, "A valid email address is required.");
        return this;
    }

    public ValidationProblem ToResult() =>
        TypedResults.ValidationProblem(_errors.ToDictionary(e => e.Key, e => e.Value.ToArray()),
            title: "Invalid input", type: "https://httpstatuses.io/400");
}

/// <summary>Input limits of the contract (API.md "Errors").</summary>
public static class Limits
{
    public const int Name = 200, Description = 4_000, TemplateBody = 100_000;
    public const long RequestBody = 1024 * 1024;

    public static bool IsEmail(string? value)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > 254 || value.Contains(' ')) return false;
        try
        {
            var address = new System.Net.Mail.MailAddress(value);
            return address.Address == value && address.Host.Contains('.');
        }
        catch (FormatException)
        {
            return false;
        }
    }

    public static bool IsTimeZone(string? value) =>
        !string.IsNullOrWhiteSpace(value) && TimeZoneInfo.TryFindSystemTimeZoneById(value, out var zone) && zone.HasIanaId;
}
