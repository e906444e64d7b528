using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace ClientHub.Functions.Webhooks;

/// <summary>
/// A token bucket per inbound endpoint (<see cref="WebhookOptions.InboundPerSecond"/>, burst <see cref="WebhookOptions.InboundBurst"/>),
/// per instance: with several instances an endpoint may make that many calls to each. Idle buckets are dropped by the limiter.
/// </summary>
public sealed class InboundHookLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;

    public InboundHookLimiter(IOptions<WebhookOptions> options)
    {
        var settings = options.Value;
        _limiter = PartitionedRateLimiter.Create<string, string>(endpointId => RateLimitPartition.GetTokenBucketLimiter(endpointId, _ =>
            new TokenBucketRateLimiterOptions
            {
                TokenLimit = settings.InboundBurst, TokensPerPeriod = settings.InboundPerSecond, ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0, AutoReplenishment = true,
            }));
    }

    /// <summary>Null when the call may go on; otherwise how long the caller should wait.</summary>
    public TimeSpan? Throttle(string endpointId)
    {
        using var lease = _limiter.AttemptAcquire(endpointId);
        if (lease.IsAcquired) return null;
        return lease.TryGetMetadata(MetadataName.RetryAfter, out var after) && after > TimeSpan.Zero ? after : TimeSpan.FromSeconds(1);
    }

    public void Dispose() => _limiter.Dispose();
}
