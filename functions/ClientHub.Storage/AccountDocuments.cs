using System.Buffers;
using System.Text;
using System.Text.Json.Serialization;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using ClientHub.Core;
using ClientHub.Core.Documents;
using Microsoft.Extensions.Options;

namespace ClientHub.Storage;

/// <summary>What a caller says about a document it stores; the content type is never among it (the bytes decide).</summary>
/// <param name="UploadedBy"><c>staff:{staffId}</c> or <c>contact:{contactId}</c>.</param>
public sealed record DocumentUpload(string FileName, string? Folder, bool Internal, string UploadedBy);

/// <summary>A document of an account: the metadata row; the bytes are the blob <c>{firmId}/{accountId}/{id}</c>.</summary>
/// <param name="Name">The sanitized original file name.</param>
/// <param name="ContentType">The sniffed type, never the one the client declared.</param>
/// <param name="Internal">Staff only: the client portal does not list or serve it.</param>
public sealed record StoredDocument(string Id, string AccountId, string Name, string? Folder, long Size, string ContentType, bool Internal,
    string UploadedBy, DateTimeOffset UploadedAt)
{
    /// <summary>The metadata row's ETag (for <c>ETag</c>/<c>If-Match</c>); not part of the stored or served JSON.</summary>
    [JsonIgnore]
    public ETag ETag { get; init; }
}

/// <summary>A document over the size limit; nothing was stored.</summary>
public sealed class DocumentTooLarge(long limit) : Exception($"Documents may be at most {limit} bytes.")
{
    public long Limit { get; } = limit;
}

/// <summary>A document whose first bytes are none of the allowed types; nothing was stored.</summary>
public sealed class DocumentTypeNotAllowed(string reason) : Exception(reason);

/// <summary>A field of an upload that cannot be accepted (for example a folder with <c>..</c>); nothing was stored.</summary>
public sealed class InvalidDocumentUpload(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}

/// <summary>Settings under <c>ClientHub:Documents</c> (environment <c>ClientHub__Documents__…</c>).</summary>
public sealed class DocumentOptions
{
    public const string Section = "ClientHub:Documents";

    /// <summary>The largest document accepted, in bytes (default 50 MiB). Uploads over it are refused with 413 and nothing stored.</summary>
    public long MaxUploadBytes { get; set; } = 50L * 1024 * 1024;
}

/// <summary>
/// Account documents: the bytes in one blob container under server-generated names <c>{firmId}/{accountId}/{documentId}</c>
/// (a file name never reaches a blob name), the metadata in table <see cref="Tables.Documents"/>, one partition per firm
/// and account (<c>{firmId}|{accountId}</c>, row key = document id), so an account's documents, or one folder of them, are one
/// range query. A document id is <c>{accountId}-{random id}</c>: it names its partition, so a read by id is a point read.
/// </summary>
/// <remarks>
/// Content is streamed: a block at a time is read, staged and forgotten, and the block list is committed only once the whole
/// content was read within the limit and its first bytes were an allowed type, so a refused, failed or aborted upload leaves
/// no blob (only uncommitted blocks, which the service discards after a week). The blob is committed before the row is
/// inserted: a crash between the two leaves an orphan blob nobody lists, never a row without its bytes. Deletes go the other
/// way round (row, then blob) for the same reason; a blob left by a crash there is as harmless. A sweep of orphans (blobs
/// without a row) is not built.
/// </remarks>
public sealed class AccountDocuments(TableServiceClient tables, BlobServiceClient blobs, StorageNames names, IOptions<DocumentOptions> options,
    TimeProvider time)
{
    // Blocks of this size bound the memory an upload holds (one block at a time); 50 MiB is 25 blocks, far under the 50,000 a
    // blob may have, and each is one round trip.
    private const int BlockSize = 2 * 1024 * 1024;
    private const string FolderColumn = "Folder", InternalColumn = "Internal";

    private readonly TableClient _table = tables.GetTableClient(names.Table(Tables.Documents));
    private readonly BlobContainerClient _container = blobs.GetBlobContainerClient(names.Container(Containers.Documents));

    public long MaxUploadBytes => options.Value.MaxUploadBytes;

    /// <summary>The container, for the storage initializer and for tests that look at the blobs themselves.</summary>
    public BlobContainerClient Container => _container;

    /// <summary>
    /// Stores <paramref name="content"/> as a new document of the account, judging its type by its first bytes and its size as
    /// it streams. The caller has checked that the account exists (and, on the portal, that it is the caller's).
    /// </summary>
    /// <exception cref="DocumentTooLarge">Over <see cref="MaxUploadBytes"/>; nothing stored.</exception>
    /// <exception cref="DocumentTypeNotAllowed">Not an allowed type (or empty); nothing stored.</exception>
    /// <exception cref="InvalidDocumentUpload">The folder is not acceptable; nothing stored.</exception>
    public async Task<StoredDocument> StoreAsync(FirmId firmId, string accountId, DocumentUpload upload, Stream content, CancellationToken ct)
    {
        if (!Ids.IsWellFormed(accountId) || accountId.Contains('-')) throw new ArgumentException("Not an account id.", nameof(accountId));
        if (!DocumentNames.TryNormalizeFolder(upload.Folder, out var folder, out var folderError))
            throw new InvalidDocumentUpload("folder", folderError!);
        var name = DocumentNames.SanitizeFileName(upload.FileName);
        var id = $"{accountId}-{Ids.New()}";
        var blob = _container.GetBlockBlobClient(BlobName(firmId, accountId, id));

        var buffer = ArrayPool<byte>.Shared.Rent(BlockSize);
        try
        {
            var (length, ended) = await FillAsync(content, buffer, ct);
            var contentType = ContentSniffer.Sniff(buffer.AsSpan(0, length), ended, name)
                ?? throw new DocumentTypeNotAllowed(length == 0
                    ? "The file is empty."
                    : "The file's content is not an allowed type (PDF, PNG, JPEG, HEIC/HEIF, Office documents, CSV or UTF-8 text).");
            var blocks = new List<string>();
            long size = 0;
            while (length > 0)
            {
                size += length;
                if (size > MaxUploadBytes) throw new DocumentTooLarge(MaxUploadBytes);
                var blockId = Convert.ToBase64String(Encoding.ASCII.GetBytes(blocks.Count.ToString("D6")));
                using (var block = new MemoryStream(buffer, 0, length, writable: false))
                    await blob.StageBlockAsync(blockId, block, cancellationToken: ct);
                blocks.Add(blockId);
                if (ended) break;
                (length, ended) = await FillAsync(content, buffer, ct);
            }
            await blob.CommitBlockListAsync(blocks, new CommitBlockListOptions
            {
                HttpHeaders = new BlobHttpHeaders { ContentType = contentType },
                Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
            }, ct);

            var document = new StoredDocument(id, accountId, name, folder, size, contentType, upload.Internal, upload.UploadedBy,
                time.GetUtcNow());
            try
            {
                var response = await _table.AddEntityAsync(ToEntity(firmId, document), ct);
                return document with { ETag = response.Headers.ETag ?? default };
            }
            catch
            {
                // Without its row the blob is an orphan; remove it now rather than leave it to a sweep.
                await blob.DeleteIfExistsAsync(cancellationToken: CancellationToken.None);
                throw;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The document, or null when it is missing, another firm's, or the id is not one of ours.</summary>
    public async Task<StoredDocument?> GetAsync(FirmId firmId, string documentId, CancellationToken ct)
    {
        if (AccountOf(documentId) is not { } accountId) return null;
        var response = await _table.GetEntityIfExistsAsync<TableEntity>(PartitionKey(firmId, accountId), documentId, cancellationToken: ct);
        return response.HasValue ? Read(response.Value!) : null;
    }

    /// <summary>A page of the account's documents, only those of exactly <paramref name="folder"/> when given, without internal ones unless asked.</summary>
    /// <param name="folder">Already normalized (<see cref="DocumentNames.TryNormalizeFolder"/>); null for every folder.</param>
    public async Task<ListPage<StoredDocument>> ListAsync(FirmId firmId, string accountId, string? folder, bool includeInternal, int pageSize,
        string? continuationToken, CancellationToken ct)
    {
        if (!Ids.IsWellFormed(accountId) || accountId.Contains('-')) return new ListPage<StoredDocument>([], null);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {PartitionKey(firmId, accountId)}");
        // Interpolated values are quoted as literals, so the column names go in as text.
        if (folder is not null) filter += $" and {FolderColumn} eq " + TableClient.CreateQueryFilter($"{folder}");
        if (!includeInternal) filter += $" and {InternalColumn} eq false";
        await foreach (var page in _table.QueryAsync<TableEntity>(filter, pageSize, cancellationToken: ct).AsPages(continuationToken, pageSize))
            return new ListPage<StoredDocument>(page.Values.Select(Read).ToList(), page.ContinuationToken);
        return new ListPage<StoredDocument>([], null);
    }

    /// <summary>Streams the document's bytes; null when the blob is gone (deleted between reading the row and this).</summary>
    public async Task<BlobDownloadStreamingResult?> OpenReadAsync(FirmId firmId, StoredDocument document, CancellationToken ct)
    {
        try
        {
            return await _container.GetBlobClient(BlobName(firmId, document.AccountId, document.Id)).DownloadStreamingAsync(cancellationToken: ct);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    /// <summary>Deletes the row (with <paramref name="ifMatch"/>; a stale one fails with 412), then the blob. False when there was none.</summary>
    public async Task<bool> DeleteAsync(FirmId firmId, string documentId, ETag ifMatch, CancellationToken ct)
    {
        if (AccountOf(documentId) is not { } accountId) return false;
        var response = await _table.DeleteEntityAsync(PartitionKey(firmId, accountId), documentId, ifMatch, ct);
        if (response.Status == 404) return false;
        // A crash here leaves the blob without its row: never listed or served, only paid for.
        await _container.GetBlobClient(BlobName(firmId, accountId, documentId)).DeleteIfExistsAsync(cancellationToken: ct);
        return true;
    }

    public static string BlobName(FirmId firmId, string accountId, string documentId) => $"{firmId.Value}/{accountId}/{documentId}";

    /// <summary>The account a document id names, or null when it is not one of ours.</summary>
    private static string? AccountOf(string documentId)
    {
        if (!Ids.IsWellFormed(documentId)) return null;
        var parts = documentId.Split('-');
        return parts is [{ Length: Ids.Length } account, { Length: Ids.Length }] ? account : null;
    }

    private static string PartitionKey(FirmId firmId, string accountId) => $"{firmId.Value}|{accountId}";

    private static TableEntity ToEntity(FirmId firmId, StoredDocument document)
    {
        var entity = FirmDocuments.ToEntity(PartitionKey(firmId, document.AccountId), document.Id, document);
        entity[FolderColumn] = document.Folder;
        entity[InternalColumn] = document.Internal;
        return entity;
    }

    private static StoredDocument Read(TableEntity entity) => FirmDocuments.Read<StoredDocument>(entity) with { ETag = entity.ETag };

    /// <summary>Reads until <paramref name="buffer"/> is full or the content ends (a network stream hands out a little at a time).</summary>
    private static async Task<(int Length, bool Ended)> FillAsync(Stream content, byte[] buffer, CancellationToken ct)
    {
        var length = 0;
        while (length < BlockSize)
        {
            var read = await content.ReadAsync(buffer.AsMemory(length, BlockSize - length), ct);
            if (read == 0) return (length, true);
            length += read;
        }
        return (length, false);
    }
}
