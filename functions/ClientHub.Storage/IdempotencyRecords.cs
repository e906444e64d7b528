using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;

namespace ClientHub.Storage;

/// <summary>A response as first answered to an <c>Idempotency-Key</c>, replayed to every retry of it.</summary>
public sealed record StoredResponse(int Status, string? ContentType, string? ETag, string? Location, byte[] Body);

/// <summary>What <see cref="IdempotencyRecords.BeginAsync"/> found for a key.</summary>
public abstract record IdempotencyBegin
{
    private IdempotencyBegin()
    {
    }

    /// <summary>
    /// The caller holds the key and must act, then <see cref="IdempotencyRecords.CompleteAsync">complete</see> it. The key may have
    /// been taken over from an attempt that never completed (a crash), whose action may have happened already.
    /// </summary>
    public sealed record Started(ETag ETag) : IdempotencyBegin;

    public sealed record Replay(StoredResponse Response) : IdempotencyBegin;

    /// <summary>The key was used with another request (method, path or body).</summary>
    public sealed record Mismatch : IdempotencyBegin;

    /// <summary>The first request with this key is still being served.</summary>
    public sealed record InFlight : IdempotencyBegin;
}

/// <summary>
/// Idempotency keys (<c>draft-ietf-httpapi-idempotency-key-header</c>): PK = the caller's scope (firm, or firm|contact on portal
/// routes), RK = SHA-256 of the key. A record is written <c>pending</c> before the action and <c>done</c> with the response after;
/// it expires after its lifetime and is then ignored (and replaced by the next use of the key).
/// </summary>
/// <remarks>
/// A crash between the action and <see cref="CompleteAsync"/> leaves the record pending; once it is older than the stale age a retry
/// takes it over and acts again, so every idempotent route makes its action safe to repeat (a job's id is derived from the key).
/// </remarks>
public sealed class IdempotencyRecords(TableServiceClient tables, StorageNames names)
{
    private const int ChunkBytes = 60_000, MaxChunks = 14;
    private const string Pending = "pending", Done = "done";
    private readonly TableClient _table = tables.GetTableClient(names.Table(Tables.Idempotency));

    public static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    public async Task<IdempotencyBegin> BeginAsync(string scope, string key, string requestHash, DateTimeOffset now, TimeSpan lifetime,
        TimeSpan staleAfter, CancellationToken cancellationToken)
    {
        var entity = new TableEntity(scope, Hash(key))
        {
            ["State"] = Pending, ["RequestHash"] = requestHash, ["StartedAt"] = now, ["ExpiresAt"] = now + lifetime,
        };
        try
        {
            var added = await _table.AddEntityAsync(entity, cancellationToken);
            return new IdempotencyBegin.Started(added.Headers.ETag ?? default);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
        }
        var existing = (await _table.GetEntityIfExistsAsync<TableEntity>(scope, entity.RowKey, cancellationToken: cancellationToken)).Value;
        var expired = existing is null || existing.GetDateTimeOffset("ExpiresAt") <= now;
        if (!expired && existing!.GetString("RequestHash") != requestHash) return new IdempotencyBegin.Mismatch();
        if (!expired && existing!.GetString("State") == Done) return new IdempotencyBegin.Replay(ReadResponse(existing));
        var stale = expired || existing!.GetDateTimeOffset("StartedAt") <= now - staleAfter;
        if (!stale) return new IdempotencyBegin.InFlight();
        try
        {
            // Whoever replaces the row it read wins; a second retry taking over at the same moment finds it changed.
            var replaced = existing is null
                ? await _table.AddEntityAsync(entity, cancellationToken)
                : await _table.UpdateEntityAsync(entity, existing.ETag, TableUpdateMode.Replace, cancellationToken);
            return new IdempotencyBegin.Started(replaced.Headers.ETag ?? default);
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return new IdempotencyBegin.InFlight();
        }
    }

    /// <summary>
    /// Records the response; a body too large to keep (beyond about 800 KB compressed) leaves the key unusable for a replay, so it
    /// is released instead and a retry acts again (safely, see the remarks of the class).
    /// </summary>
    public async Task CompleteAsync(string scope, string key, ETag etag, StoredResponse response, CancellationToken cancellationToken)
    {
        var body = Compress(response.Body);
        if (body.Length > ChunkBytes * MaxChunks)
        {
            await ReleaseAsync(scope, key, cancellationToken);
            return;
        }
        var entity = new TableEntity(scope, Hash(key))
        {
            ["State"] = Done, ["Status"] = response.Status, ["ContentType"] = response.ContentType, ["ETag"] = response.ETag,
            ["Location"] = response.Location,
        };
        for (int i = 0, n = 0; i < body.Length; i += ChunkBytes, n++) entity[$"B{n}"] = body[i..Math.Min(body.Length, i + ChunkBytes)];
        // Merge keeps the request hash and expiry; the ETag makes sure a takeover since is not overwritten.
        try
        {
            await _table.UpdateEntityAsync(entity, etag, TableUpdateMode.Merge, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            // Taken over by a retry after this attempt was thought dead: that retry records the answer.
        }
    }

    /// <summary>Forgets a key whose request failed without an answer worth replaying, so a retry acts again.</summary>
    public Task ReleaseAsync(string scope, string key, CancellationToken cancellationToken) =>
        _table.DeleteEntityAsync(scope, Hash(key), ETag.All, cancellationToken);

    private static StoredResponse ReadResponse(TableEntity e)
    {
        using var body = new MemoryStream();
        for (var n = 0; e.GetBinary($"B{n}") is { } chunk; n++) body.Write(chunk);
        return new StoredResponse(e.GetInt32("Status") ?? 200, e.GetString("ContentType"), e.GetString("ETag"), e.GetString("Location"),
            Decompress(body.ToArray()));
    }

    private static byte[] Compress(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest)) gzip.Write(data);
        return output.ToArray();
    }

    private static byte[] Decompress(byte[] data)
    {
        if (data.Length == 0) return [];
        using var gzip = new GZipStream(new MemoryStream(data), CompressionMode.Decompress);
        using var output = new MemoryStream();
        gzip.CopyTo(output);
        return output.ToArray();
    }
}
