namespace ClientHub.Functions.Hosting;

/// <summary>
/// Queue trigger settings: <c>extensions.queues</c> of the repository's <c>host.json</c> (Functions
/// schema and semantics), overridable by configuration under <c>ClientHub:Queues</c>.
/// </summary>
public sealed class QueueTriggerOptions
{
    public const string ConfigurationSection = "ClientHub:Queues";

    /// <summary>At most this many messages of one queue are handled at once (Storage hands out at most 32 per receive).</summary>
    public int BatchSize { get; set; } = 16;

    /// <summary>A new batch is fetched when the in-flight count drops to this; default <c>BatchSize / 2</c>.</summary>
    public int? NewBatchThreshold { get; set; }

    /// <summary>
    /// Deliveries before a failing message moves to <c>&lt;queue&gt;-poison</c>. Lowering it on a running
    /// deployment poisons messages that are mid-retry on their next failure.
    /// </summary>
    public int MaxDequeueCount { get; set; } = 5;

    /// <summary>Delay before a message whose handler threw is delivered again (Functions semantics, not the lease).</summary>
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.Zero;

    /// <summary>Longest wait between polls of an idle queue. DESIGN.md's latency promise needs at most 2 s in host.json.</summary>
    public TimeSpan MaxPollingInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>First wait after an empty poll; it doubles up to <see cref="MaxPollingInterval"/>.</summary>
    public TimeSpan MinPollingInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How long a received message stays invisible unless renewed; renewed every third of it while its handler runs.
    /// It bounds how late a message held by a killed instance reappears (DESIGN.md: within 30 s), so keep it at most 30 s.
    /// </summary>
    public TimeSpan MessageLease { get; set; } = TimeSpan.FromSeconds(30);

    internal int EffectiveNewBatchThreshold => NewBatchThreshold ?? BatchSize / 2;
}
