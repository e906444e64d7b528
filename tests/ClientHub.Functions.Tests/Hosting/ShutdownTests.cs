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

    [Fact]
    public async Task A_stop_takes_no_new_message_and_lets_the_handler_in_hand_finish_within_the_shutdown_timeout()
    {
        var probe = new Probe { HandlerDelay = TimeSpan.FromSeconds(1) }; // within the 2 s shutdown timeout
        var host = await TriggerTestHost.StartAsync(_prefix, services => services.AddSingleton(probe).AddQueueTrigger<RecordingHandler>(Queue),
            output: output);
        await using (host)
        {
            await host.Queue(Queue).SendMessageAsync(BinaryData.FromString("in hand"));
            await TriggerTestHost.EventuallyAsync(() => probe.Attempts.Count == 1, TimeSpan.FromSeconds(10), "the handler started");

            var stopping = host.StopAsync();
            await host.Queue(Queue).SendMessageAsync(BinaryData.FromString("arrived during the stop"));
            await stopping;

            Assert.Equal("in hand", Assert.Single(probe.Handled).Body.ToString());
            Assert.Single(probe.Attempts);
            // The finished message was deleted, not released; the new one was never received (dequeue count 0).
            var left = Assert.Single((await host.Queue(Queue).PeekMessagesAsync(maxMessages: 32)).Value);
            Assert.Equal("arrived during the stop", left.Body.ToString());
            Assert.Equal(0, left.DequeueCount);
            Assert.Equal(1, (await host.Queue(Queue).GetPropertiesAsync()).Value.ApproximateMessagesCount); // none left invisible
        }
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
