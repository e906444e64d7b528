using System.Text;
using ClientHub.Core;
using ClientHub.Storage;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace ClientHub.Functions.Documents;

/// <summary>
/// Receives a <c>multipart/form-data</c> upload (field <c>file</c>, optional <c>folder</c> and <c>internal</c>) section by
/// section and streams the file into <see cref="AccountDocuments"/>. <c>IFormFile</c> would buffer the whole file (in memory,
/// then on disk) before the first byte could be judged; here the file is never held in full anywhere but in the blob.
/// </summary>
/// <remarks>
/// Fields are read as they arrive, so <c>folder</c> and <c>internal</c> must come before <c>file</c> (browsers and HTTP clients
/// send them in the order they were added); one arriving after the file is refused (400) and the stored document removed.
/// </remarks>
public static class MultipartUpload
{
    // A folder is at most 200 characters, "internal" a boolean: anything longer is not a value of ours.
    private const int MaxFieldBytes = 1024;
    private const int MaxBoundaryLength = 70;

    /// <summary>The room multipart adds around the file (boundaries, part headers, the small fields), on top of the size limit.</summary>
    public const long Overhead = 64 * 1024;

    /// <summary>Stores the request's file as a document of the account; <paramref name="fixedFolder"/>/<paramref name="fixedInternal"/>,
    /// when given, replace the fields (which the request may then not send).</summary>
    /// <exception cref="BadHttpRequestException">Not multipart (415) or malformed (400).</exception>
    /// <exception cref="InvalidDocumentUpload">No file, an unknown or late field, or a bad folder or flag (400).</exception>
    /// <exception cref="DocumentTooLarge">413, nothing stored.</exception>
    /// <exception cref="DocumentTypeNotAllowed">415, nothing stored.</exception>
    public static async Task<StoredDocument> ReceiveAsync(HttpRequest request, AccountDocuments documents, FirmId firmId, string accountId,
        string uploadedBy, string? fixedFolder, bool? fixedInternal, CancellationToken ct)
    {
        // The file's own limit is enforced (with its own 413) by the store; this bounds any one part.
        var reader = new MultipartReader(Boundary(request), request.Body) { BodyLengthLimit = documents.MaxUploadBytes + Overhead };
        string? folder = fixedFolder;
        var isInternal = fixedInternal ?? false;
        StoredDocument? stored = null;
        try
        {
            while (await reader.ReadNextSectionAsync(ct) is { } section)
            {
                var field = ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                    && disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase)
                        ? HeaderUtilities.RemoveQuotes(disposition.Name).Value
                        : null;
                if (string.IsNullOrEmpty(field)) throw new BadHttpRequestException("Every part must have Content-Disposition: form-data with a name.");
                if (stored is not null)
                    throw new InvalidDocumentUpload(field, "Only one file per request, and every field before it.");
                switch (field)
                {
                    case "file":
                        stored = await documents.StoreAsync(firmId, accountId,
                            new DocumentUpload(FileName(disposition!), folder, isInternal, uploadedBy), section.Body, ct);
                        break;
                    case "folder" when fixedFolder is null:
                        folder = await ReadFieldAsync(section, field, ct);
                        break;
                    case "internal" when fixedInternal is null:
                        isInternal = bool.TryParse((await ReadFieldAsync(section, field, ct)).Trim(), out var flag)
                            ? flag
                            : throw new InvalidDocumentUpload(field, "Must be true or false.");
                        break;
                    default:
                        throw new InvalidDocumentUpload(field, "Unknown field.");
                }
            }
        }
        catch (Exception e) when (stored is not null)
        {
            // Something after the file went wrong (a late field, a broken closing boundary): the request fails, so its document goes.
            await documents.DeleteAsync(firmId, stored.Id, Azure.ETag.All, CancellationToken.None);
            throw Malformed(e);
        }
        catch (Exception e) when (Malformed(e) != e)
        {
            throw Malformed(e);
        }
        return stored ?? throw new InvalidDocumentUpload("file", "Required: a part named 'file'.");
    }

    /// <summary>
    /// MultipartReader reports a malformed body as IOException or InvalidDataException: the client's mistake, 400. Kestrel's own
    /// body errors (413 over the limit) are IOExceptions too, and stay as they are.
    /// </summary>
    private static Exception Malformed(Exception e) => e switch
    {
        BadHttpRequestException => e,
        IOException or InvalidDataException => new BadHttpRequestException($"The multipart body is malformed: {e.Message}", e),
        _ => e,
    };

    /// <summary>
    /// Lifts the host's request body limit (1 MiB) for a route that receives documents to the document limit plus multipart
    /// overhead; the host applies it before anything reads the body. A route calling <see cref="ReceiveAsync"/> needs it.
    /// </summary>
    public static RouteHandlerBuilder AcceptsDocumentUpload(this RouteHandlerBuilder route, IEndpointRouteBuilder api)
    {
        var limit = api.ServiceProvider.GetRequiredService<AccountDocuments>().MaxUploadBytes + Overhead;
        return route.WithBodyLimit(limit).Accepts<IFormFile>("multipart/form-data");
    }

    /// <summary>Sets a route's request body limit (instead of the host's 1 MiB); the host applies it before anything reads the body.</summary>
    public static RouteHandlerBuilder WithBodyLimit(this RouteHandlerBuilder route, long limit) => route.WithMetadata(new UploadSizeLimit(limit));

    private sealed record UploadSizeLimit(long? MaxRequestBodySize) : Microsoft.AspNetCore.Http.Metadata.IRequestSizeLimitMetadata;

    private static string Boundary(HttpRequest request)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            throw new BadHttpRequestException("The body must be multipart/form-data with a part named 'file'.",
                StatusCodes.Status415UnsupportedMediaType);
        var boundary = HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value;
        if (string.IsNullOrWhiteSpace(boundary) || boundary.Length > MaxBoundaryLength)
            throw new BadHttpRequestException("The multipart boundary is missing or longer than 70 characters.");
        return boundary;
    }

    /// <summary>The <c>filename*</c> (RFC 5987, decoded) when given, else <c>filename</c>; sanitized later by the store.</summary>
    private static string FileName(ContentDispositionHeaderValue disposition) =>
        disposition.FileNameStar.HasValue ? disposition.FileNameStar.Value! : HeaderUtilities.RemoveQuotes(disposition.FileName).Value ?? "";

    private static async Task<string> ReadFieldAsync(MultipartSection section, string field, CancellationToken ct)
    {
        var buffer = new byte[MaxFieldBytes + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await section.Body.ReadAsync(buffer.AsMemory(length), ct)) > 0) length += read;
        if (length > MaxFieldBytes) throw new InvalidDocumentUpload(field, $"At most {MaxFieldBytes} bytes.");
        return Encoding.UTF8.GetString(buffer, 0, length);
    }
}
