using Azure.Storage.Queues;
using ClientHub.Functions.Hosting;
using ClientHub.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit.Abstractions;

namespace ClientHub.Functions.Tests.Hosting;

/// <summary>
/// WebApplicationFactory stops the host while the application's own <c>app.Run()</c>, woken by the same stop,
/// stops it too and then disposes it: the trigger host's services see two concurrent stops, and a stop that
/// arrives after their disposal. Neither may throw, or the test class fails in its cleanup.
/// </summary>
public sealed class ShutdownTests(ITestOutputHelper output)
{
    private const string Queue = "work";
    private readonly string _prefix = TriggerTestHost.NewPrefix();

    [Fact]
    public async Task A_stop_arriving_after_disposal_while_a_handler_and_a_timer_body_ran_completes_without_exception()
    {
        var probe = new Probe();
        using var host = await StartMidFlightAsync(probe);
        var services = host.Services.GetServices<IHostedService>().Reverse().ToList();

        await host.StopAsync(); // the application's own stop: shutdown timeout 2 s, then handler and body are cancelled
        host.Dispose();

        foreach (var service in services) // the factory's stop, running late
            await service.StopAsync(CancellationToken.None);
        host.Dispose();
    }

    [Fact]
    public async Task Two_concurrent_stops_while_a_handler_and_a_timer_body_run_complete_without_exception()
    {
        var probe = new Probe();
        using var host = await StartMidFlightAsync(probe);

        var first = host.StopAsync();
        var second = host.StopAsync();
        await second;
        host.Dispose();
        await first;
    }

    private async Task<IHost> StartMidFlightAsync(Probe probe)
    {
        var host = TriggerTestHost.Build(
            _prefix,
            services => services.AddSingleton(probe)
                .AddQueueTrigger<NeverEndingHandler>(Queue)
                .AddTimerTrigger<NeverEndingTimer>("busy", "* * * * * *"),
            output: output);
        await host.StartAsync();
        var queue = host.Services.GetRequiredService<QueueServiceClient>()
            .GetQueueClient(host.Services.GetRequiredService<StorageNames>().Queue(Queue));
        await queue.SendMessageAsync(BinaryData.FromString("in flight"));
        await TriggerTestHost.EventuallyAsync(() => probe.Attempts.Count == 1 && probe.TimerRuns.Count == 1, TimeSpan.FromSeconds(10), "the handler and the timer body run");
        return host;
    }
}
