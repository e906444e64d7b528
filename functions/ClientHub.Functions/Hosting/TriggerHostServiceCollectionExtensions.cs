using Cronos;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ClientHub.Functions.Hosting;

public static class TriggerHostServiceCollectionExtensions
{
    /// <summary>
    /// Adds the trigger host: <see cref="QueueTriggerOptions"/> from <c>host.json</c> (overridable under
    /// <c>ClientHub:Queues</c>), <see cref="HostRoles"/> from <c>ClientHub:Roles</c>, the <see cref="IQueueWaker"/>,
    /// creation of queues, poison queues and the lease container at start, the queue listeners (role
    /// <c>queues</c>) and the timer scheduler (role <c>timers</c>). Needs <c>AddClientHubStorage</c>.
    /// </summary>
    public static IServiceCollection AddTriggerHost(this IServiceCollection services, IConfiguration configuration)
    {
        var roles = HostRoles.Parse(configuration[HostRoles.ConfigurationKey]);
        services.TryAddSingleton(roles);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<QueueWaker>();
        services.TryAddSingleton<IQueueWaker>(provider => provider.GetRequiredService<QueueWaker>());
        services.TryAddSingleton<PoisonQueues>();

        services.AddOptions<QueueTriggerOptions>()
            .Configure<IServiceProvider>((options, provider) =>
            {
                var hostJson = HostJson.Locate(configuration, provider.GetService<IHostEnvironment>());
                HostJson.QueuesSection(hostJson).Bind(options);
                configuration.GetSection(QueueTriggerOptions.ConfigurationSection).Bind(options);
            })
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<QueueTriggerOptions>, QueueTriggerOptionsValidator>());

        // Hosted services start in registration order: storage exists before anything listens on it.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, TriggerStorageInitializer>());
        if (roles.Queues)
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, QueueListenerService>());
        if (roles.Timers)
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, TimerScheduler>());
        return services;
    }

    /// <summary>
    /// Handles messages of the logical queue <paramref name="logicalQueueName"/> (physical name from
    /// <c>StorageNames.Queue</c>) with <typeparamref name="THandler"/>, resolved from a new scope per message.
    /// </summary>
    public static IServiceCollection AddQueueTrigger<THandler>(this IServiceCollection services, string logicalQueueName)
        where THandler : class, IQueueTrigger
    {
        ThrowIfInvalidName(logicalQueueName, nameof(logicalQueueName));
        services.TryAddScoped<THandler>();
        services.AddSingleton(new QueueTriggerRegistration(logicalQueueName, typeof(THandler)));
        return services;
    }

    /// <summary>
    /// Runs <typeparamref name="THandler"/> on the six-field NCRONTAB schedule <paramref name="ncrontabSixFields"/>
    /// (<c>sec min hour day month day-of-week</c>, UTC) on one instance at a time; resolved from a new scope per run.
    /// </summary>
    /// <remarks>Renaming a timer loses its record of the last run, so its first missed run is not caught up.</remarks>
    public static IServiceCollection AddTimerTrigger<THandler>(this IServiceCollection services, string name, string ncrontabSixFields)
        where THandler : class, ITimerTrigger
    {
        ThrowIfInvalidName(name, nameof(name));
        var schedule = CronExpression.Parse(ncrontabSixFields, CronFormat.IncludeSeconds);
        services.TryAddScoped<THandler>();
        services.AddSingleton(new TimerTriggerRegistration(name, ncrontabSixFields, schedule, typeof(THandler)));
        return services;
    }

    // Lowercase letters, digits and single inner dashes fit queue and blob names alike.
    private static void ThrowIfInvalidName(string name, string parameterName)
    {
        var valid = name.Length is > 0 and <= 40
            && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
            && char.IsAsciiLetterOrDigit(name[0]) && char.IsAsciiLetterOrDigit(name[^1])
            && !name.Contains("--", StringComparison.Ordinal);
        if (!valid)
            throw new ArgumentException($"'{name}' must be lowercase letters, digits and single inner dashes, at most 40 characters.", parameterName);
    }
}
