namespace ClientHub.Functions.Hosting;

/// <summary>
/// The Durable Task engine's settings: <c>extensions.durableTask</c> of <c>host.json</c>, in Durable Functions'
/// schema, overridable under <c>ClientHub:DurableTask</c> (environment <c>ClientHub__DurableTask__…</c>).
/// </summary>
/// <remarks>
/// The defaults keep DESIGN.md's promises on Azurite: an idle hub notices new work within about half a second, and
/// after a SIGKILL what the dead instance held reappears within 30 seconds (see <see cref="StorageProviderOptions"/>).
/// </remarks>
public sealed class DurableTaskOptions
{
    public const string Section = "ClientHub:DurableTask";

    /// <summary>
    /// The task hub (letters and digits; the storage prefix goes in front of it). Renaming it strands every
    /// orchestration in flight under the old name: the jobs they drove stop moving until woken again.
    /// </summary>
    public string HubName { get; set; } = "clienthub";

    /// <summary>
    /// Keeps an orchestration in memory between its steps, so a chain of activities does not reload its history after
    /// each one (one job's 20 automations ran at 53/s with it, 10/s without).
    /// </summary>
    public bool ExtendedSessionsEnabled { get; set; } = true;

    /// <summary>
    /// A session holds one of <see cref="MaxConcurrentOrchestratorFunctions"/> until it has idled this long, and every
    /// job's orchestration idles after each chain: keep it short. With Functions' default (30 s) the slots stayed taken by
    /// sleeping jobs, and 1,000 jobs did not finish one in 13 minutes.
    /// </summary>
    public int ExtendedSessionIdleTimeoutInSeconds { get; set; } = 1;

    /// <summary>Activities at once on this instance: enough requests in flight to keep Azure Storage (or Azurite) busy.</summary>
    public int MaxConcurrentActivityFunctions { get; set; } = 32;

    /// <summary>Orchestration steps at once on this instance; each is a few storage round trips and little CPU.</summary>
    public int MaxConcurrentOrchestratorFunctions { get; set; } = 100;

    /// <summary>
    /// This instance's name in the partition leases. It must differ between instances that run at the same time and
    /// should stay the same across a restart of one: a restarted instance under its old name takes its leases back at
    /// once instead of waiting for them to expire. Default: the machine name (a container's replica name).
    /// </summary>
    public string? WorkerId { get; set; }

    public StorageProviderOptions StorageProvider { get; set; } = new();

    public sealed class StorageProviderOptions
    {
        /// <summary>Control queues, hence how many instances can share the orchestrations. Fixed when the hub is created.</summary>
        public int PartitionCount { get; set; } = 4;

        /// <summary>
        /// The longest an idle queue waits between polls (the default 30 s would let an idle hub answer a wake after up to 30 s).
        /// Shorter costs more storage requests while idle: one per control queue and the work-item queue per interval.
        /// </summary>
        public TimeSpan MaxQueuePollingInterval { get; set; } = TimeSpan.FromMilliseconds(500);

        /// <summary>
        /// How long a message a dead instance held stays invisible (the default 5 minutes would hold a crashed entry that
        /// long). Live work renews it, so this bounds only recovery. Changing it affects only messages received afterwards.
        /// </summary>
        public TimeSpan ControlQueueVisibilityTimeout { get; set; } = TimeSpan.FromSeconds(30);

        /// <inheritdoc cref="ControlQueueVisibilityTimeout"/>
        public TimeSpan WorkItemQueueVisibilityTimeout { get; set; } = TimeSpan.FromSeconds(30);

        /// <summary>Messages a partition takes from its control queue at once.</summary>
        public int ControlQueueBatchSize { get; set; } = 32;
    }
}
