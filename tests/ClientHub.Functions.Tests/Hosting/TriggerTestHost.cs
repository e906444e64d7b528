using System.Collections.Concurrent;
using System.Security.Cryptography;
using Azure.Storage.Queues;
using ClientHub.Functions.Hosting;
using ClientHub.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace ClientHub.Functions.Tests.Hosting;

/// <summary>
/// A generic host with the real trigger host on Azurite (<c>AzureWebJobsStorage</c>), under its own storage
/// prefix so test classes run in parallel, and with fast polling unless a test says otherwise.
/// </summary>
internal sealed class TriggerTestHost : IAsyncDisposable
{
    private readonly IHost _host;
    private bool _stopped;

    private TriggerTestHost(IHost host) => _host = host;

    public static string ConnectionString =>
        Environment.GetEnvironmentVariable("AzureWebJobsStorage") is { Length: > 0 } cs ? cs : "UseDevelopmentStorage=true";

    /// <summary>"t" and 8 random lowercase letters or digits.</summary>
    public static string NewPrefix() => "t" + RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyz0123456789", 8);

    public IServiceProvider Services => _host.Services;

    public static IHost Build(string prefix, Action<IServiceCollection> configure, IDictionary<string, string?>? settings = null, ITestOutputHelper? output = null, bool fastPolling = true)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var defaults = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = ConnectionString,
            ["ClientHub:StoragePrefix"] = prefix,
        };
        if (fastPolling)
        {
            defaults["ClientHub:Queues:MinPollingInterval"] = "00:00:00.050";
            defaults["ClientHub:Queues:MaxPollingInterval"] = "00:00:00.250";
        }
        builder.Configuration.AddInMemoryCollection(defaults);
        if (settings is not null)
            builder.Configuration.AddInMemoryCollection(settings);

        builder.Logging.ClearProviders();
        if (output is not null)
            builder.Logging.AddProvider(new TestOutputLoggerProvider(output)).SetMinimumLevel(LogLevel.Debug);
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(2));

        builder.Services.AddClientHubStorage(builder.Configuration);
        builder.Services.AddTriggerHost(builder.Configuration);
        configure(builder.Services);
        return builder.Build();
    }

    public static async Task<TriggerTestHost> StartAsync(string prefix, Action<IServiceCollection> configure, IDictionary<string, string?>? settings = null, ITestOutputHelper? output = null, bool fastPolling = true)
    {
        var host = Build(prefix, configure, settings, output, fastPolling);
        await host.StartAsync();
        return new TriggerTestHost(host);
    }

    public QueueClient Queue(string logicalName) =>
        Services.GetRequiredService<QueueServiceClient>().GetQueueClient(Services.GetRequiredService<StorageNames>().Queue(logicalName));

    public QueueClient PoisonQueue(string logicalName) =>
        Services.GetRequiredService<QueueServiceClient>().GetQueueClient(Services.GetRequiredService<StorageNames>().Queue(logicalName) + "-poison");

    public async Task StopAsync()
    {
        if (_stopped)
            return;
        _stopped = true;
        await _host.StopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _host.Dispose();
    }

    /// <summary>A queue client of the same account and prefix, for a test to enqueue before any host starts.</summary>
    public static QueueClient QueueOutsideHost(string prefix, string logicalName) =>
        new QueueServiceClient(ConnectionString, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 })
            .GetQueueClient(new StorageNames(prefix).Queue(logicalName));

    public static async Task EventuallyAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (!condition())
        {
            if (deadline.IsCancellationRequested)
                Assert.Fail($"Timed out after {timeout} waiting until {what}.");
            await Task.Delay(50, CancellationToken.None);
        }
    }
}

/// <summary>What the test handlers saw; one instance per test, shared by every host of the test.</summary>
internal sealed class Probe
{
    private int _running;
    private int _maxRunning;

    public ConcurrentQueue<QueueTriggerMessage> Attempts { get; } = new();
    public ConcurrentQueue<QueueTriggerMessage> Handled { get; } = new();
    public ConcurrentQueue<(QueueTriggerMessage Message, Exception Error)> Poisoned { get; } = new();
    public ConcurrentQueue<TimerTriggerInfo> TimerRuns { get; } = new();
    public TimeSpan HandlerDelay { get; init; }
    public int MaxRunning => Volatile.Read(ref _maxRunning);

    public IDisposable Running()
    {
        var now = Interlocked.Increment(ref _running);
        int seen;
        while (now > (seen = Volatile.Read(ref _maxRunning)) && Interlocked.CompareExchange(ref _maxRunning, now, seen) != seen)
        {
        }
        return new Release(() => Interlocked.Decrement(ref _running));
    }

    private sealed class Release(Action release) : IDisposable
    {
        public void Dispose() => release();
    }
}

internal sealed class TestOutputLoggerProvider(ITestOutputHelper output) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new TestOutputLogger(output, categoryName);

    public void Dispose()
    {
    }

    private sealed class TestOutputLogger(ITestOutputHelper output, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => !category.StartsWith("Azure", StringComparison.Ordinal);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            try
            {
                output.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} {logLevel} [{eventId.Id}] {formatter(state, exception)}{(exception is null ? "" : " | " + exception.Message)}");
            }
            catch (InvalidOperationException)
            {
                // The test already finished; its output is closed.
            }
        }
    }
}
