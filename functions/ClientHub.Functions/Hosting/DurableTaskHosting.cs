using System.Diagnostics;
using ClientHub.Core;
using ClientHub.Storage;
using DurableTask.AzureStorage;
using DurableTask.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Converters;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Shims;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ClientHub.Functions.Hosting;

/// <summary>An orchestrator or activity the Durable Task worker runs, by name.</summary>
public sealed record DurableTaskRegistration(string Name, Type Type, bool IsOrchestrator);

/// <summary>
/// The Durable Task engine in this host: the Durable Task Framework on its Azure Storage backend (what Durable
/// Functions runs on), with orchestrators and activities written against Microsoft.DurableTask and hosted through
/// <see cref="DurableTaskShimFactory"/>, so they move onto the Functions isolated worker unchanged.
/// </summary>
public static class DurableTaskHosting
{
    /// <summary>
    /// One converter on both sides: inputs, outputs and events are written by the <see cref="TaskHubClient"/> and read by
    /// the SDK's shims (and the other way round) as the JSON the rest of the host stores.
    /// </summary>
    public static DataConverter Converter { get; } = new JsonDataConverter(ClientHubJson.Stored);

    /// <summary>
    /// Adds the task hub (from <see cref="DurableTaskOptions"/> and the storage prefix), its client for every role, and
    /// its worker for the <c>queues</c> role. Needs <c>AddClientHubStorage</c> and <c>AddTriggerHost</c>.
    /// </summary>
    public static IServiceCollection AddDurableTask(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DurableTaskOptions>()
            .Configure<IServiceProvider>((options, provider) =>
            {
                HostJson.Section(HostJson.Locate(configuration, provider.GetService<IHostEnvironment>()), "extensions:durableTask").Bind(options);
                configuration.GetSection(DurableTaskOptions.Section).Bind(options);
            })
            .Validate<StorageNames>((o, names) => IsValidHubName(names.Prefix + o.HubName),
                "The task hub's name (storage prefix + hub name) must be 3 to 45 letters and digits, starting with a letter.")
            .ValidateOnStart();
        // A seam for the bench, which counts the engine's storage requests with its own client options.
        services.TryAddSingleton(provider => EngineStorage(provider.GetRequiredService<StorageConnection>()));
        services.AddSingleton(provider => new AzureStorageOrchestrationService(Settings(provider)));
        services.AddSingleton(provider => new TaskHubClient(provider.GetRequiredService<AzureStorageOrchestrationService>(),
            new ClientConverter(), provider.GetRequiredService<ILoggerFactory>()));
        services.AddHostedService<DurableTaskWorkerService>();
        return services;
    }

    /// <summary>The engine reaches storage the way the rest of the host does: by the same connection string, or the same identity.</summary>
    private static StorageAccountClientProvider EngineStorage(StorageConnection connection) => connection switch
    {
        StorageConnection.IdentityStorage identity => new StorageAccountClientProvider(
            identity.BlobServiceUri, identity.QueueServiceUri, identity.TableServiceUri, identity.Credential),
        StorageConnection.ConnectionStringStorage connectionString => new StorageAccountClientProvider(connectionString.ConnectionString),
        _ => throw new UnreachableException($"Unknown storage connection {connection.GetType().Name}."),
    };

    /// <summary>Azure Storage accepts what DTFx derives from it (tables <c>{hub}History</c>, containers <c>{hub}-largemessages</c>).</summary>
    private static bool IsValidHubName(string hub) =>
        hub.Length is >= 3 and <= 45 && char.IsAsciiLetter(hub[0]) && hub.All(char.IsAsciiLetterOrDigit);

    public static IServiceCollection AddOrchestrator<T>(this IServiceCollection services, string name) where T : class, ITaskOrchestrator
    {
        services.TryAddTransient<T>();
        return services.AddSingleton(new DurableTaskRegistration(name, typeof(T), IsOrchestrator: true));
    }

    public static IServiceCollection AddActivity<T>(this IServiceCollection services, string name) where T : class, ITaskActivity
    {
        services.TryAddTransient<T>();
        return services.AddSingleton(new DurableTaskRegistration(name, typeof(T), IsOrchestrator: false));
    }

    /// <summary><see cref="Converter"/> as DTFx's client wants it (the SDK's own adapter is internal).</summary>
    private sealed class ClientConverter : DurableTask.Core.Serializing.DataConverter
    {
        public override string? Serialize(object? value) => Converter.Serialize(value);

        public override string? Serialize(object? value, bool formatted) => Converter.Serialize(value);

        public override object? Deserialize(string? data, Type objectType) => Converter.Deserialize(data, objectType);
    }

    private static AzureStorageOrchestrationServiceSettings Settings(IServiceProvider provider)
    {
        var options = provider.GetRequiredService<IOptions<DurableTaskOptions>>().Value;
        var storage = options.StorageProvider;
        return new AzureStorageOrchestrationServiceSettings
        {
            TaskHubName = provider.GetRequiredService<StorageNames>().Prefix + options.HubName,
            StorageAccountClientProvider = provider.GetRequiredService<StorageAccountClientProvider>(),
            WorkerId = options.WorkerId ?? Environment.MachineName,
            PartitionCount = storage.PartitionCount,
            MaxQueuePollingInterval = storage.MaxQueuePollingInterval,
            ControlQueueVisibilityTimeout = storage.ControlQueueVisibilityTimeout,
            WorkItemQueueVisibilityTimeout = storage.WorkItemQueueVisibilityTimeout,
            ControlQueueBatchSize = storage.ControlQueueBatchSize,
            ExtendedSessionsEnabled = options.ExtendedSessionsEnabled,
            ExtendedSessionIdleTimeout = TimeSpan.FromSeconds(options.ExtendedSessionIdleTimeoutInSeconds),
            MaxConcurrentTaskActivityWorkItems = options.MaxConcurrentActivityFunctions,
            MaxConcurrentTaskOrchestrationWorkItems = options.MaxConcurrentOrchestratorFunctions,
            // DESIGN.md: a lease lasts at most 30 seconds, so a dead instance's partitions are taken over within that.
            LeaseInterval = TimeSpan.FromSeconds(20),
            LeaseRenewInterval = TimeSpan.FromSeconds(5),
            LeaseAcquireInterval = TimeSpan.FromSeconds(5),
            // Starting an instance that is alive must say so (the default returns silently), so the caller wakes it instead.
            ThrowExceptionOnInvalidDedupeStatus = true,
            LoggerFactory = provider.GetRequiredService<ILoggerFactory>(),
        };
    }
}

/// <summary>
/// Creates the task hub's tables, queues and containers at start (every role: the client needs them too), and in
/// the <c>queues</c> role runs the worker that executes orchestrations and activities.
/// </summary>
/// <remarks>
/// Shutdown (SIGTERM): the worker's graceful stop begins as soon as the application starts stopping, alongside the
/// queue listeners' drain rather than after it (hosted services stop one after another, and the drain may use the whole
/// shutdown timeout). DTFx then fetches no new work item and waits for the orchestration episodes and activities in hand;
/// one cut off by the end of the wait is not completed: its message stays in the work-item (or control) queue and is
/// delivered again after its visibility timeout, to this or another replica, so activities must be idempotent (ours are).
/// </remarks>
internal sealed class DurableTaskWorkerService(AzureStorageOrchestrationService service, HostRoles roles,
    IEnumerable<DurableTaskRegistration> registrations, IServiceProvider provider, ILoggerFactory loggerFactory,
    IHostApplicationLifetime lifetime) : IHostedService
{
    /// <summary>How long a stop waits for the work in hand; what is cut off is delivered again after its visibility timeout.</summary>
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    private readonly Lock _gate = new();
    private TaskHubWorker? _worker;
    private Task? _stopping;

    /// <summary>The worker's graceful stop once begun (null before, and in roles without a worker): for tests.</summary>
    internal Task? Stopping
    {
        get
        {
            lock (_gate)
                return _stopping;
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await service.CreateIfNotExistsAsync();
        if (!roles.Queues) return;
        var shims = new DurableTaskShimFactory(new DurableTaskWorkerOptions { DataConverter = DurableTaskHosting.Converter }, loggerFactory);
        _worker = new TaskHubWorker(service, loggerFactory);
        foreach (var registration in registrations)
        {
            if (registration.IsOrchestrator)
                _worker.AddTaskOrchestrations(new Creator<TaskOrchestration>(registration.Name,
                    () => shims.CreateOrchestration(registration.Name, (ITaskOrchestrator)provider.GetRequiredService(registration.Type))));
            else
                _worker.AddTaskActivities(new Creator<TaskActivity>(registration.Name,
                    () => shims.CreateActivity(registration.Name, (ITaskActivity)provider.GetRequiredService(registration.Type))));
        }
        await _worker.StartAsync();
        lifetime.ApplicationStopping.Register(() => BeginStop());
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_worker is null) return;
        await Task.WhenAny(BeginStop(), Task.Delay(StopTimeout, cancellationToken));
    }

    private Task BeginStop()
    {
        lock (_gate)
            // Off the caller's thread: ApplicationStopping runs its callbacks inline, and DTFx's stop waits in steps of seconds.
            return _stopping ??= Task.Run(() => _worker!.StopAsync(isForced: false));
    }

    /// <summary>Hands DTFx a new orchestrator or activity (from the container, so activities get their services) per use.</summary>
    private sealed class Creator<T> : ObjectCreator<T>
    {
        private readonly Func<T> _create;

        public Creator(string name, Func<T> create)
        {
            Name = name;
            Version = "";
            _create = create;
        }

        public override T Create() => _create();
    }
}
