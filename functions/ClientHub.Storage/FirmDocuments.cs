using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using ClientHub.Core;

namespace ClientHub.Storage;

/// <summary>A stored document with the ETag to send back in <c>If-Match</c>.</summary>
public sealed record Versioned<T>(T Value, ETag ETag);

/// <summary>One page of a list, with the token that fetches the next one (null on the last page).</summary>
public sealed record ListPage<T>(IReadOnlyList<T> Items, string? ContinuationToken);

/// <summary>
/// A firm's stamps as read at one moment: for each stamped kind (<see cref="FirmDocuments.StampedKinds"/>) a value that every write of
/// that kind replaces with a new one. A copy of a kind's documents read after its stamp is current as long as the stamp is unchanged.
/// </summary>
public sealed record FirmStamps(FirmId FirmId, IReadOnlyDictionary<string, string> ByKind)
{
    /// <summary>The kind's stamp; empty while the kind has never been written.</summary>
    public string Of(string kind) => ByKind.GetValueOrDefault(kind, "");
}

/// <summary>
/// A firm's configuration (staff, accounts, contacts, tags, statuses, templates, pipelines) as JSON
/// documents in one table partition per firm, row key "{kind}|{id}". Configuration is read often
/// and written rarely, so one partition per firm keeps lists a single range query; the hot,
/// write-heavy rows (jobs) live elsewhere, one partition per job.
/// </summary>
/// <remarks>
/// A table string property holds at most 64 KiB (32K UTF-16 chars) and template bodies may reach
/// 100,000 characters, so the JSON is split across properties D0..Dn.
/// </remarks>
public sealed class FirmDocuments(TableServiceClient tables, StorageNames names)
{
    private const int ChunkChars = 30_000;
    private readonly TableClient _table = tables.GetTableClient(names.Table(Tables.Config));

    internal TableClient Table => _table;

    public static string RowKey(string kind, string id) => $"{kind}|{id}";

    /// <summary>
    /// The kinds that request handling reads on nearly every call (staff at sign-in; statuses and pipelines in job views) and caches:
    /// every write of one also writes its stamp row in the same transaction (<see cref="SubmitAsync"/>).
    /// </summary>
    public static readonly IReadOnlySet<string> StampedKinds =
        new HashSet<string> { DocumentKinds.Staff, DocumentKinds.Status, DocumentKinds.Pipeline };

    private const string StampKind = "stamp", StampColumn = "Stamp";

    /// <summary>The partition listing every firm (one row each): firm ids are 20 characters, so it is no firm's.</summary>
    private const string FirmIndex = "firms";

    /// <summary>Lists the firm among all firms (for work that runs per firm, like the daily digest); written before the firm itself.</summary>
    public Task IndexFirmAsync(FirmId firmId, CancellationToken cancellationToken) =>
        _table.UpsertEntityAsync(new TableEntity(FirmIndex, firmId.Value), TableUpdateMode.Replace, cancellationToken);

    /// <summary>Every indexed firm; one whose creation failed after its index row is listed too, and has no documents.</summary>
    public async IAsyncEnumerable<FirmId> ListFirmIdsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var row in _table.QueryAsync<TableEntity>(e => e.PartitionKey == FirmIndex, select: ["RowKey"],
                           cancellationToken: cancellationToken))
            yield return new FirmId(row.RowKey);
    }

    /// <summary>The firm's stamps: one query over a handful of rows.</summary>
    public async Task<FirmStamps> StampsAsync(FirmId firmId, CancellationToken cancellationToken)
    {
        var stamps = new Dictionary<string, string>();
        await foreach (var row in _table.QueryAsync<TableEntity>(KindFilter(firmId, StampKind), select: ["RowKey", StampColumn],
                           cancellationToken: cancellationToken))
            stamps[row.RowKey[(StampKind.Length + 1)..]] = row.GetString(StampColumn);
        return new FirmStamps(firmId, stamps);
    }

    /// <summary>
    /// Submits one transaction of the firm's documents (one partition), with a new stamp for each stamped kind it writes. Every write
    /// of a firm's documents goes through here (the single-document methods below too).
    /// </summary>
    public async Task<Response<IReadOnlyList<Response>>> SubmitAsync(IReadOnlyList<TableTransactionAction> actions,
        CancellationToken cancellationToken)
    {
        var partition = actions[0].Entity.PartitionKey;
        // Azure rejects a transaction across partitions, Azurite does not: fail here as Azure would.
        if (actions.Any(a => a.Entity.PartitionKey != partition)) throw new ArgumentException("A transaction spans one partition.", nameof(actions));
        var stamps = actions.Select(a => a.Entity.RowKey.Split('|')[0]).Where(StampedKinds.Contains).Distinct()
            .Select(kind => new TableTransactionAction(TableTransactionActionType.UpsertReplace,
                new TableEntity(partition, RowKey(StampKind, kind)) { [StampColumn] = Guid.NewGuid().ToString("N") }));
        return await _table.SubmitTransactionAsync([.. actions, .. stamps], cancellationToken);
    }

    public async Task<Versioned<T>?> GetAsync<T>(FirmId firmId, string kind, string id, CancellationToken cancellationToken)
    {
        if (!Ids.IsWellFormed(id)) return null;
        var response = await _table.GetEntityIfExistsAsync<TableEntity>(firmId.Value, RowKey(kind, id), cancellationToken: cancellationToken);
        return response.HasValue ? new Versioned<T>(Read<T>(response.Value!), response.Value!.ETag) : null;
    }

    public async Task<ListPage<Versioned<T>>> ListAsync<T>(
        FirmId firmId, string kind, int pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        await foreach (var page in _table.QueryAsync<TableEntity>(KindFilter(firmId, kind), pageSize, cancellationToken: cancellationToken)
                           .AsPages(continuationToken, pageSize))
        {
            return new ListPage<Versioned<T>>(page.Values.Select(e => new Versioned<T>(Read<T>(e), e.ETag)).ToList(), page.ContinuationToken);
        }
        return new ListPage<Versioned<T>>([], null);
    }

    /// <summary>Every document of a kind (for small sets such as tags or statuses).</summary>
    public async Task<List<T>> ListAllAsync<T>(FirmId firmId, string kind, CancellationToken cancellationToken)
    {
        var result = new List<T>();
        await foreach (var e in _table.QueryAsync<TableEntity>(KindFilter(firmId, kind), cancellationToken: cancellationToken))
            result.Add(Read<T>(e));
        return result;
    }

    private static string KindFilter(FirmId firmId, string kind) =>
        TableClient.CreateQueryFilter($"PartitionKey eq {firmId.Value} and RowKey gt {kind + "|"} and RowKey lt {kind + "}"}");

    public async Task<ETag> InsertAsync<T>(FirmId firmId, string kind, string id, T value, CancellationToken cancellationToken)
    {
        var written = await SubmitAsync([new(TableTransactionActionType.Add, ToEntity(firmId.Value, RowKey(kind, id), value))], cancellationToken);
        return written.Value[0].Headers.ETag ?? default;
    }

    /// <summary>Replaces a document; <paramref name="ifMatch"/> of <see cref="ETag.All"/> means unconditional.</summary>
    public async Task<ETag> ReplaceAsync<T>(FirmId firmId, string kind, string id, T value, ETag ifMatch, CancellationToken cancellationToken)
    {
        var written = await SubmitAsync([new(TableTransactionActionType.UpdateReplace, ToEntity(firmId.Value, RowKey(kind, id), value), ifMatch)],
            cancellationToken);
        return written.Value[0].Headers.ETag ?? default;
    }

    /// <summary>
    /// Applies <paramref name="change"/> to a document as it is now, again after a concurrent writer got in between (ETag);
    /// for set-like changes that are right whatever the order. Returns the document as written, or null when there is none.
    /// </summary>
    public async Task<T?> ChangeAsync<T>(FirmId firmId, string kind, string id, Func<T, T> change, CancellationToken cancellationToken)
        where T : class
    {
        while (true)
        {
            if (await GetAsync<T>(firmId, kind, id, cancellationToken) is not { } current) return null;
            var changed = change(current.Value);
            try
            {
                await ReplaceAsync(firmId, kind, id, changed, current.ETag, cancellationToken);
                return changed;
            }
            catch (RequestFailedException e) when (e.Status == 412)
            {
            }
        }
    }

    public async Task<bool> DeleteAsync(FirmId firmId, string kind, string id, CancellationToken cancellationToken)
    {
        if (!Ids.IsWellFormed(id)) return false;
        try
        {
            await SubmitAsync([new(TableTransactionActionType.Delete, new TableEntity(firmId.Value, RowKey(kind, id)), ETag.All)],
                cancellationToken);
            return true;
        }
        catch (TableTransactionFailedException e) when (e.Status == 404)
        {
            return false;
        }
    }

    public static TableEntity ToEntity<T>(string partitionKey, string rowKey, T value)
    {
        var json = JsonSerializer.Serialize(value, ClientHubJson.Stored);
        var entity = new TableEntity(partitionKey, rowKey);
        for (int i = 0, n = 0; i < json.Length; i += ChunkChars, n++)
            entity[$"D{n}"] = json.Substring(i, Math.Min(ChunkChars, json.Length - i));
        return entity;
    }

    public static T Read<T>(TableEntity entity)
    {
        var json = new StringBuilder();
        for (var n = 0; entity.TryGetValue($"D{n}", out var part) && part is string s; n++) json.Append(s);
        return JsonSerializer.Deserialize<T>(json.ToString(), ClientHubJson.Stored)
               ?? throw new InvalidDataException($"Empty document {entity.PartitionKey}/{entity.RowKey}.");
    }
}
