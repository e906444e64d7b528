using System.Security.Cryptography;
using System.Text;
using ClientHub.Functions.Documents;
using ClientHub.Functions.Email;
using ClientHub.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ClientHub.Functions.Http.Emails;

public sealed record InboundResponse(string Status);

/// <summary>
/// SendGrid's Inbound Parse (<c>POST /api/hooks/sendgrid/inbound/{secret}</c>, or <c>/inbound</c> with the secret as the basic-auth
/// password): clients' replies to item emails, posted as <c>multipart/form-data</c>, handed to <see cref="InboundReplies"/>. SendGrid
/// does not sign these posts, so the URL carries <c>ClientHub:SendGrid:InboundSecret</c>; a wrong one (or none configured) is a 404
/// that says nothing of the route.
/// </summary>
/// <remarks>
/// Every email that arrives answers 200 (<c>applied</c>, <c>duplicate</c> or <c>dropped</c>), also one whose streamed body runs over
/// the limit: SendGrid retries anything else for three days, and no retry makes such an email good. Only what SendGrid does not
/// send gets a problem: a body that is not multipart (415), a malformed one (400), one declaring a length over the limit (413).
/// </remarks>
public static class SendGridInboundApi
{
    /// <summary>Room for the text, HTML and headers of an email besides its attachments.</summary>
    private const long Overhead = 4 * 1024 * 1024;

    /// <summary>How many documents' worth of attachments one email may carry in all (each one is held to the document limit).</summary>
    private const int DocumentsPerEmail = 5;

    public static IEndpointRouteBuilder MapSendGridInboundApi(this IEndpointRouteBuilder api)
    {
        var limit = BodyLimit(api.ServiceProvider.GetRequiredService<AccountDocuments>());
        api.MapPost("/hooks/sendgrid/inbound/{secret}", ReceiveAsync).AllowAnonymous().WithTags("Webhooks")
            .WithBodyLimit(limit).Accepts<IFormFile>("multipart/form-data");
        // API.md's bare route: the secret comes as the password of HTTP basic auth (https://parse:<secret>@host/... in SendGrid).
        api.MapPost("/hooks/sendgrid/inbound", (HttpRequest request, IOptions<SendGridOptions> options, AccountDocuments documents,
                InboundReplies replies, ILogger<InboundReplies> logger, CancellationToken ct) =>
            ReceiveAsync(BasicPassword(request) ?? "", request, options, documents, replies, logger, ct))
            .AllowAnonymous().WithTags("Webhooks").WithBodyLimit(limit).Accepts<IFormFile>("multipart/form-data");
        return api;
    }

    /// <summary>The password of <c>Authorization: Basic …</c>, or null.</summary>
    private static string? BasicPassword(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)) return null;
        try
        {
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim()));
            return pair.IndexOf(':') is var colon and >= 0 ? pair[(colon + 1)..] : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static long BodyLimit(AccountDocuments documents) => documents.MaxUploadBytes * DocumentsPerEmail + Overhead;

    private static async Task<Results<Ok<InboundResponse>, NotFound>> ReceiveAsync(string secret, HttpRequest request,
        IOptions<SendGridOptions> options, AccountDocuments documents, InboundReplies replies, ILogger<InboundReplies> logger,
        CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.InboundEnabled || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(secret),
                Encoding.UTF8.GetBytes(settings.InboundSecret!)))
            return TypedResults.NotFound();
        InboundEmail email;
        try
        {
            email = await InboundEmail.ReadAsync(request, documents.MaxUploadBytes, cancellationToken);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            Log.InboundTooLarge(logger, BodyLimit(documents));
            return TypedResults.Ok(new InboundResponse("dropped"));
        }
        await using (email)
        {
            var outcome = await replies.ReceiveAsync(email, cancellationToken);
            return TypedResults.Ok(new InboundResponse(outcome.ToString().ToLowerInvariant()));
        }
    }
}
