using System.Security.Cryptography;
using ClientHub.Core;
using ClientHub.Functions.Http.Auth;
using ClientHub.Storage;

namespace ClientHub.Functions.Http;

/// <summary>Marks a route as honouring <c>Idempotency-Key</c> (see <see cref="Idempotency"/>).</summary>
public sealed class IdempotentEndpoint;

/// <summary>
/// <c>Idempotency-Key</c> (IETF <c>draft-ietf-httpapi-idempotency-key-header</c>) on the routes marked <see cref="Idempotent{T}"/>:
/// the same key with the same request (method, path, query and body) replays the first response (status, body, <c>ETag</c>,
/// <c>Location</c>); with another request it is a 422; while the first is still being served, a 409. Keys belong to the caller's
/// firm (to the contact on portal routes) and are kept 24 hours.
/// </summary>
/// <remarks>
/// The key is recorded <c>pending</c> before the action and completed with the response after it. A crash in between leaves it
/// pending; a retry after <see cref="StaleAfter"/> takes it over and acts again, so each idempotent action must be safe to repeat
/// under the same key: a new job's id is derived from the key (<see cref="DerivedId"/>), so the retry finds the job its first
/// attempt inserted; a payment carries the key as its reference, and the invoice takes one payment per reference.
/// </remarks>
public static class Idempotency
{
    public const string Header = "Idempotency-Key";
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);

    /// <summary>How long an attempt that never answered holds its key; longer than any request takes (the table service gives up at 30 s).</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(1);

    private const int MaxKeyLength = 255;
    private static readonly object Seed = new();

    public static TBuilder Idempotent<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new IdempotentEndpoint());

    public static IApplicationBuilder UseIdempotencyKeys(this IApplicationBuilder app) => app.UseMiddleware<IdempotencyMiddleware>();

    /// <summary>
    /// An id that the same request under the same key derives again (null without a key): of the caller's scope, key and request,
    /// and <paramref name="part"/> (which of the things the request creates).
    /// </summary>
    public static string? DerivedId(HttpContext context, string part) =>
        context.Items.TryGetValue(Seed, out var seed) && seed is string s ? Ids.Derived($"{s}|{part}") : null;

    /// <summary>A reference that the same request under the same key gives again (null without a key).</summary>
    public static string? Reference(HttpContext context) => DerivedId(context, "reference");

    internal static void Remember(HttpContext context, string seed) => context.Items[Seed] = seed;

    /// <summary>Whose keys these are: the firm's, or on portal routes the contact's.</summary>
    internal static string? Scope(HttpContext context) =>
        PortalCaller.From(context.User) is { } contact ? $"{contact.FirmId.Value}|{contact.ContactId}"
        : StaffCaller.From(context.User) is { } staff ? staff.FirmId.Value
        : null;

    internal static bool IsValidKey(string key) => key.Length is > 0 and <= MaxKeyLength && key.All(c => c is >= ' ' and <= '~');

    internal static string RequestHash(HttpRequest request, byte[] body) =>
        IdempotencyRecords.Hash($"{request.Method} {request.Path}{request.QueryString}\n{Convert.ToHexString(SHA256.HashData(body))}");
}

internal sealed class IdempotencyMiddleware(RequestDelegate next, IdempotencyRecords records, TimeProvider time)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var header = context.Request.Headers[Idempotency.Header];
        if (header.Count == 0 || context.GetEndpoint()?.Metadata.GetMetadata<IdempotentEndpoint>() is null
            || Idempotency.Scope(context) is not { } scope)
        {
            await next(context);
            return;
        }
        var key = header.ToString();
        if (header.Count > 1 || !Idempotency.IsValidKey(key))
        {
            await ProblemAsync(context, 400, "Invalid Idempotency-Key", "An Idempotency-Key is one value of 1 to 255 printable ASCII characters.");
            return;
        }
        var ct = context.RequestAborted;
        context.Request.EnableBuffering();
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, ct);
        context.Request.Body.Position = 0;
        var requestHash = Idempotency.RequestHash(context.Request, body.ToArray());

        var begin = await records.BeginAsync(scope, key, requestHash, time.GetUtcNow(), Idempotency.Lifetime, Idempotency.StaleAfter, ct);
        switch (begin)
        {
            case IdempotencyBegin.Mismatch:
                await ProblemAsync(context, 422, "Idempotency-Key reused", "This Idempotency-Key was used with another request.");
                return;
            case IdempotencyBegin.InFlight:
                await ProblemAsync(context, 409, "Request in progress", "The first request with this Idempotency-Key is still being served.");
                return;
            case IdempotencyBegin.Replay replay:
                await ReplayAsync(context, replay.Response);
                return;
            case IdempotencyBegin.Started started:
                await ServeAsync(context, scope, key, requestHash, started);
                return;
        }
    }

    /// <summary>Serves the request into a buffer, records the answer, then sends it.</summary>
    private async Task ServeAsync(HttpContext context, string scope, string key, string requestHash, IdempotencyBegin.Started started)
    {
        Idempotency.Remember(context, $"{scope}|{IdempotencyRecords.Hash(key)}|{requestHash}");
        var response = context.Response;
        var original = response.Body;
        using var buffer = new MemoryStream();
        response.Body = buffer;
        try
        {
            await next(context);
        }
        catch
        {
            // No answer to replay: the exception handler answers this attempt, and a retry acts again.
            response.Body = original;
            await records.ReleaseAsync(scope, key, CancellationToken.None);
            throw;
        }
        response.Body = original;
        if (response.StatusCode >= 500) await records.ReleaseAsync(scope, key, CancellationToken.None);
        else
            await records.CompleteAsync(scope, key, started.ETag, new StoredResponse(response.StatusCode, response.ContentType,
                response.Headers.ETag.ToString() is { Length: > 0 } etag ? etag : null,
                response.Headers.Location.ToString() is { Length: > 0 } location ? location : null, buffer.ToArray()), CancellationToken.None);
        buffer.Position = 0;
        await buffer.CopyToAsync(original, context.RequestAborted);
    }

    private static async Task ReplayAsync(HttpContext context, StoredResponse stored)
    {
        var response = context.Response;
        response.StatusCode = stored.Status;
        if (stored.ContentType is not null) response.ContentType = stored.ContentType;
        if (stored.ETag is not null) response.Headers.ETag = stored.ETag;
        if (stored.Location is not null) response.Headers.Location = stored.Location;
        response.Headers["Idempotent-Replayed"] = "true";
        await response.Body.WriteAsync(stored.Body, context.RequestAborted);
    }

    private static Task ProblemAsync(HttpContext context, int status, string title, string detail) =>
        HttpConventions.Problem(status, title, detail).ExecuteAsync(context);
}
