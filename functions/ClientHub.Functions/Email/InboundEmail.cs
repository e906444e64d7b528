using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace ClientHub.Functions.Email;

/// <summary>An attachment of an inbound email, spooled to a temporary file that is deleted when the email is disposed.</summary>
public sealed record InboundAttachment(string FileName, FileStream Content, bool TooLarge);

/// <summary>
/// An email as SendGrid's Inbound Parse posts it (<c>multipart/form-data</c>): the fields we use, the recipients from the <c>to</c>
/// and <c>cc</c> headers and the SMTP envelope, and the attachments on disk.
/// </summary>
public sealed partial class InboundEmail : IAsyncDisposable
{
    /// <summary>The most attachments one email may bring; later ones are skipped (logged by the caller).</summary>
    public const int MaxAttachments = 10;

    /// <summary>Text fields are cut here: a reply keeps 4,000 characters, and headers with a Message-ID come well within it.</summary>
    private const int MaxFieldBytes = 256 * 1024;
    private const int MaxBoundaryLength = 70;

    private static readonly HashSet<string> Fields = ["to", "cc", "from", "subject", "text", "headers", "envelope"];

    public List<string> Recipients { get; } = [];
    public string? From { get; private set; }
    public string Subject { get; private set; } = "";
    public string Text { get; private set; } = "";

    /// <summary>The <c>Message-ID</c> header: the same on every post SendGrid makes of one email.</summary>
    public string? MessageId { get; private set; }

    public List<InboundAttachment> Attachments { get; } = [];

    /// <summary>Attachments past <see cref="MaxAttachments"/>, drained unread.</summary>
    public int SkippedAttachments { get; private set; }

    /// <summary>
    /// Reads the body section by section: small fields into strings (cut at 256 KiB), <c>attachmentN</c> files to temporary files
    /// (never into memory; a file over <paramref name="maxAttachmentBytes"/> is cut there and marked), anything else (<c>html</c>,
    /// <c>dkim</c>, <c>spam_report</c>…) drained. Attachments are spooled rather than stored at once because SendGrid does not
    /// promise the order of parts: nothing may be written before the recipient and sender are known to be good.
    /// </summary>
    /// <exception cref="BadHttpRequestException">Not multipart (415), malformed (400), or over the body limit (413).</exception>
    public static async Task<InboundEmail> ReadAsync(HttpRequest request, long maxAttachmentBytes, CancellationToken ct)
    {
        var email = new InboundEmail();
        try
        {
            var reader = new MultipartReader(Boundary(request), request.Body);
            string? envelope = null, to = null, cc = null, from = null, headers = null;
            while (await reader.ReadNextSectionAsync(ct) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)) continue;
                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
                if (name.StartsWith("attachment", StringComparison.Ordinal) && int.TryParse(name["attachment".Length..], out _))
                {
                    if (email.Attachments.Count >= MaxAttachments) email.SkippedAttachments++;
                    else email.Attachments.Add(await SpoolAsync(section, FileName(disposition, name), maxAttachmentBytes, ct));
                    continue;
                }
                if (!Fields.Contains(name)) continue;
                var value = await ReadFieldAsync(section, ct);
                switch (name)
                {
                    case "to": to = value; break;
                    case "cc": cc = value; break;
                    case "from": from = value; break;
                    case "subject": email.Subject = value; break;
                    case "text": email.Text = value; break;
                    case "headers": headers = value; break;
                    case "envelope": envelope = value; break;
                }
            }
            var (envelopeTo, envelopeFrom) = Envelope(envelope);
            email.Recipients.AddRange(Addresses(to).Concat(Addresses(cc)).Concat(envelopeTo).Distinct(StringComparer.OrdinalIgnoreCase));
            email.From = Addresses(from).FirstOrDefault() ?? envelopeFrom;
            email.MessageId = headers is null ? null : MessageIdHeader().Match(headers) is { Success: true } m
                ? Regex.Replace(m.Groups[1].Value, @"\s+", "") is { Length: > 0 } id ? id : null
                : null;
            return email;
        }
        catch (Exception e)
        {
            await email.DisposeAsync();
            // MultipartReader reports a malformed body as IOException or InvalidDataException; Kestrel's 413 stays as it is.
            if (e is IOException or InvalidDataException && e is not BadHttpRequestException)
                throw new BadHttpRequestException($"The multipart body is malformed: {e.Message}", e);
            throw;
        }
    }

    /// <summary>Every address in a header value such as <c>"Firm" &lt;a@b.c&gt;, d@e.f</c>; display names are ignored.</summary>
    public static IEnumerable<string> Addresses(string? header) =>
        header is null ? [] : Address().Matches(header).Select(m => m.Value.Trim('.'));

    private static (List<string> To, string? From) Envelope(string? json)
    {
        try
        {
            if (json is null || JsonNode.Parse(json) is not JsonObject envelope) return ([], null);
            var to = envelope["to"] switch
            {
                JsonArray list => list.Where(n => n?.GetValueKind() == JsonValueKind.String)
                    .SelectMany(n => Addresses(n!.GetValue<string>())).ToList(),
                JsonValue single when single.GetValueKind() == JsonValueKind.String => Addresses(single.GetValue<string>()).ToList(),
                _ => [],
            };
            var from = envelope["from"]?.GetValueKind() == JsonValueKind.String
                ? Addresses(envelope["from"]!.GetValue<string>()).FirstOrDefault() : null;
            return (to, from);
        }
        catch (JsonException)
        {
            return ([], null);
        }
    }

    private static async Task<InboundAttachment> SpoolAsync(MultipartSection section, string fileName, long maxBytes, CancellationToken ct)
    {
        var file = new FileStream(Path.Combine(Path.GetTempPath(), $"clienthub-inbound-{Guid.NewGuid():N}"), FileMode.CreateNew,
            FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        try
        {
            var buffer = new byte[81920];
            long size = 0;
            int read;
            while ((read = await section.Body.ReadAsync(buffer, ct)) > 0)
            {
                size += read;
                // Over the document limit the file would be refused anyway: keep what the store needs to say so, drop the rest.
                if (size > maxBytes + 1) continue;
                await file.WriteAsync(buffer.AsMemory(0, read), ct);
            }
            file.Position = 0;
            return new InboundAttachment(fileName, file, TooLarge: size > maxBytes);
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }
    }

    private static string FileName(ContentDispositionHeaderValue disposition, string field) =>
        (disposition.FileNameStar.HasValue ? disposition.FileNameStar.Value : HeaderUtilities.RemoveQuotes(disposition.FileName).Value) is
            { Length: > 0 } name ? name : field;

    private static async Task<string> ReadFieldAsync(MultipartSection section, CancellationToken ct)
    {
        var buffer = new byte[MaxFieldBytes];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await section.Body.ReadAsync(buffer.AsMemory(length), ct)) > 0) length += read;
        // SendGrid's "charsets" field names each field's encoding; replies are UTF-8 in practice, and anything else reads as
        // replacement characters rather than failing.
        return Encoding.UTF8.GetString(buffer, 0, length);
    }

    private static string Boundary(HttpRequest request)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            throw new BadHttpRequestException("The body must be multipart/form-data, as SendGrid's Inbound Parse posts it.",
                StatusCodes.Status415UnsupportedMediaType);
        var boundary = HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value;
        if (string.IsNullOrWhiteSpace(boundary) || boundary.Length > MaxBoundaryLength)
            throw new BadHttpRequestException("The multipart boundary is missing or longer than 70 characters.");
        return boundary;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var attachment in Attachments) await attachment.Content.DisposeAsync();
    }

    [GeneratedRegex(@"[^\s<>,;:""'()\[\]]+@[^\s<>,;:""'()\[\]]+")]
    private static partial Regex Address();

    [GeneratedRegex(@"^Message-ID:[ \t]*((?:.*)(?:\r?\n[ \t].*)*)", RegexOptions.IgnoreCase | RegexOptions.Multiline)]
    private static partial Regex MessageIdHeader();
}
