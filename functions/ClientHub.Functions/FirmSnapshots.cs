using ClientHub.Core;
using ClientHub.Storage;
using Microsoft.Extensions.Caching.Memory;

namespace ClientHub.Functions;

/// <summary>
/// A firm's staff, statuses and pipelines as request handling reads them on nearly every call (sign-in, job views), kept per process
/// and trusted only while the kind's stamp is unchanged (<see cref="FirmStamps"/>): a request reads the firm's stamps once (one small
/// query) instead of the lists, and a change made on any instance shows on the next request, as API.md asks.
/// </summary>
/// <remarks>
/// A copy is stored under the stamp read <em>before</em> the list, so a write landing in between leaves a copy newer than its stamp,
/// which the next request replaces; never an older one. Copies also expire after a few minutes, which bounds what a writer that does
/// not stamp (an older version of the host during a rolling deployment) could leave stale. A request's snapshot is as current
/// as its sign-in's stamps: a request that changes a stamped kind answers with what it wrote, not through the snapshot.
/// </remarks>
public sealed class FirmSnapshots(FirmDocuments documents, IMemoryCache cache)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    private sealed record Snapshot(string Stamp, object ById);

    public Task<FirmStamps> StampsAsync(FirmId firmId, CancellationToken cancellationToken) => documents.StampsAsync(firmId, cancellationToken);

    /// <summary>Every document of a stamped kind by id, as current as <paramref name="stamps"/>.</summary>
    public async Task<IReadOnlyDictionary<string, T>> ByIdAsync<T>(FirmStamps stamps, string kind, Func<T, string> idOf,
        CancellationToken cancellationToken)
    {
        if (!FirmDocuments.StampedKinds.Contains(kind)) throw new ArgumentException($"'{kind}' documents are not stamped.", nameof(kind));
        var key = (stamps.FirmId, kind);
        var stamp = stamps.Of(kind);
        if (cache.TryGetValue(key, out Snapshot? snapshot) && snapshot!.Stamp == stamp) return (IReadOnlyDictionary<string, T>)snapshot.ById;
        var byId = (await documents.ListAllAsync<T>(stamps.FirmId, kind, cancellationToken)).ToDictionary(idOf);
        cache.Set(key, new Snapshot(stamp, byId), Lifetime);
        return byId;
    }
}
