using System.Diagnostics;
using Azure.Storage.Queues.Models;
using ClientHub.Functions.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace ClientHub.Functions.Tests.Hosting;

public sealed class QueueTriggerTests(ITestOutputHelper output)
{
    private const string Queue = "work";
    private readonly string _prefix = TriggerTestHost.NewPrefix();

    [Fact]
    public async Task A_message_is_handled_once_when_all_goes_well()
    {
        var probe = new Probe();
        await using var host = await StartAsync<RecordingHandler>(probe);

        await host.Queue(Queue).SendMessageAsync(BinaryData.FromString("hello"));

        await TriggerTestHost.EventuallyAsync(() => probe.Handled.Count == 1, TimeSpan.FromSeconds(10), "the message is handled");
        await Task.Delay(TimeSpan.FromSeconds(1));
        var handled = Assert.Single(probe.Handled);
        Assert.Equal("hello", handled.Body.ToString());
        Assert.Equal(Queue, handled.QueueName);
        Assert.Equal(1, handled.DequeueCount);
        QueueProperties properties = await host.Queue(Queue).GetPropertiesAsync();
        Assert.Equal(0, properties.ApproximateMessagesCount);
    }

    [Fact]
    public async Task A_handler_that_always_throws_ends_in_poison_after_exactly_maxDequeueCount_tries()
    {
        var probe = new Probe();
        await using var host = await StartAsync<AlwaysThrowingHandler>(probe, new()
        {
            ["ClientHub:Queues:MaxDequeueCount"] = "3",
            ["ClientHub:Queues:VisibilityTimeout"] = "00:00:00",
        });

        await host.Queue(Queue).SendMessageAsync(BinaryData.FromString("""{"job":"j-1"}"""));

        await TriggerTestHost.EventuallyAsync(() => !probe.Poisoned.IsEmpty, TimeSpan.FromSeconds(15), "the message is poisoned");
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal([1L, 2L, 3L], probe.Attempts.Select(a => a.DequeueCount));
        var (message, error) = Assert.Single(probe.Poisoned);
        Assert.Equal("attempt 3 failed", error.Message);
        Assert.Equal("""{"job":"j-1"}""", message.Body.ToString());

        QueueMessage[] poisoned = await host.PoisonQueue(Queue).ReceiveMessagesAsync(maxMessages: 32);
        Assert.Equal("""{"job":"j-1"}""", Assert.Single(poisoned).Body.ToString());
        QueueProperties original = await host.Queue(Queue).GetPropertiesAsync();
        Assert.Equal(0, original.ApproximateMessagesCount);
    }

    [Fact]
    public async Task A_failed_message_waits_visibilityTimeout_before_its_retry()
    {
        var probe = new Probe();
        await using var host = await StartAsync<AlwaysThrowingHandler>(probe, new()
        {
            ["ClientHub:Queues:MaxDequeueCount"] = "2",
            ["ClientHub:Queues:VisibilityTimeout"] = "00:00:03",
        });

        await host.Queue(Queue).SendMessageAsync(BinaryData.FromString("retry me"));
        await TriggerTestHost.EventuallyAsync(() => probe.Attempts.Count == 1, TimeSpan.FromSeconds(10), "the first attempt ran");
        var firstFailure = Stopwatch.StartNew();

        await TriggerTestHost.EventuallyAsync(() => probe.Attempts.Count == 2, TimeSpan.FromSeconds(10), "the retry ran");
        Assert.InRange(firstFailure.Elapsed, TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(6));
    }

    [Fact]
    public async Task No_more_than_batchSize_messages_are_handled_at_once()
    {
        var probe = new Probe { HandlerDelay = TimeSpan.FromMilliseconds(250) };
        var queue = TriggerTestHost.QueueOutsideHost(_prefix, Queue);
        await queue.CreateIfNotExistsAsync();
        for (var i = 0; i < 24; i++)
            await queue.SendMessageAsync(BinaryData.FromString($"m{i}"));

        await using var host = await StartAsync<RecordingHandler>(probe, new()
        {
            ["ClientHub:Queues:BatchSize"] = "4",
            ["ClientHub:Queues:NewBatchThreshold"] = "2",
        });

        await TriggerTestHost.EventuallyAsync(() => probe.Handled.Count == 24, TimeSpan.FromSeconds(15), "all 24 messages are handled");
        Assert.InRange(probe.MaxRunning, 2, 4);
        Assert.Equal(24, probe.Handled.Select(m => m.Body.ToString()).Distinct().Count());
    }

    [Fact]
    public async Task Wake_makes_the_listener_pick_up_a_message_without_waiting_for_the_poll()
    {
        var probe = new Probe();
        // A 10 s poll, so only the wake can explain a pick-up within a couple of seconds.
        await using var host = await StartAsync<RecordingHandler>(probe, new()
        {
            ["ClientHub:Queues:MinPollingInterval"] = "00:00:10",
            ["ClientHub:Queues:MaxPollingInterval"] = "00:00:10",
        });
        await Task.Delay(TimeSpan.FromMilliseconds(750)); // the first, empty poll is over; the listener now waits 10 s

        await host.Queue(Queue).SendMessageAsync(BinaryData.FromString("wake up"));
        var woken = Stopwatch.StartNew();
        host.Services.GetRequiredService<IQueueWaker>().Wake(Queue);

        await TriggerTestHost.EventuallyAsync(() => probe.Handled.Count == 1, TimeSpan.FromSeconds(8), "the woken listener handles the message");
        Assert.True(woken.Elapsed < TimeSpan.FromSeconds(3), $"took {woken.Elapsed}");
    }

    [Fact]
    public async Task A_handler_slower_than_the_message_lease_keeps_its_message_invisible()
    {
        var probe = new Probe { HandlerDelay = TimeSpan.FromSeconds(5) };
        await using var host = await StartAsync<RecordingHandler>(probe, new() { ["ClientHub:Queues:MessageLease"] = "00:00:02" });

        await host.Queue(Queue).SendMessageAsync(BinaryData.FromString("slow"));

        await TriggerTestHost.EventuallyAsync(() => probe.Handled.Count == 1, TimeSpan.FromSeconds(15), "the slow message is handled");
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Single(probe.Attempts);
        QueueProperties properties = await host.Queue(Queue).GetPropertiesAsync();
        Assert.Equal(0, properties.ApproximateMessagesCount);
    }

    [Fact]
    public async Task A_message_held_by_a_vanished_listener_reappears_after_its_lease()
    {
        // A killed instance leaves its message invisible for the rest of its lease and never renews it again.
        var queue = TriggerTestHost.QueueOutsideHost(_prefix, Queue);
        await queue.CreateIfNotExistsAsync();
        await queue.SendMessageAsync(BinaryData.FromString("orphan"));
        QueueMessage[] held = await queue.ReceiveMessagesAsync(maxMessages: 1, visibilityTimeout: TimeSpan.FromSeconds(3));
        Assert.Single(held);
        var killed = Stopwatch.StartNew();

        var probe = new Probe();
        await using var host = await StartAsync<RecordingHandler>(probe);

        await TriggerTestHost.EventuallyAsync(() => probe.Handled.Count == 1, TimeSpan.FromSeconds(10), "the orphaned message is handled");
        Assert.InRange(killed.Elapsed, TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(6));
        Assert.Equal(2, Assert.Single(probe.Handled).DequeueCount);
    }

    [Fact]
    public async Task Stopping_the_host_releases_a_message_whose_handler_was_cancelled()
    {
        var probe = new Probe();
        var host = await StartAsync<NeverEndingHandler>(probe);
        await using (host)
        {
            await host.Queue(Queue).SendMessageAsync(BinaryData.FromString("interrupted"));
            await TriggerTestHost.EventuallyAsync(() => probe.Attempts.Count == 1, TimeSpan.FromSeconds(10), "the handler started");

            await host.StopAsync(); // shutdown timeout 2 s, then the handler is cancelled

            // Visible again at once, not after the rest of its 30 s lease.
            PeekedMessage[] visible = await host.Queue(Queue).PeekMessagesAsync(maxMessages: 1);
            Assert.Equal("interrupted", Assert.Single(visible).Body.ToString());
        }
    }

    [Fact]
    public async Task A_message_delivered_more_than_maxDequeueCount_times_is_poisoned_without_running()
    {
        var queue = TriggerTestHost.QueueOutsideHost(_prefix, Queue);
        await queue.CreateIfNotExistsAsync();
        await queue.SendMessageAsync(BinaryData.FromString("crashes its handler"));
        for (var i = 0; i < 2; i++) // two instances died while holding it
        {
            QueueMessage[] held = await queue.ReceiveMessagesAsync(maxMessages: 1, visibilityTimeout: TimeSpan.FromSeconds(1));
            Assert.Single(held);
            await Task.Delay(TimeSpan.FromSeconds(1.2));
        }

        var probe = new Probe();
        await using var host = await StartAsync<AlwaysThrowingHandler>(probe, new() { ["ClientHub:Queues:MaxDequeueCount"] = "2" });

        await TriggerTestHost.EventuallyAsync(() => !probe.Poisoned.IsEmpty, TimeSpan.FromSeconds(10), "the message is poisoned");
        Assert.Empty(probe.Attempts);
        Assert.IsType<QueueMessageAbandonedException>(Assert.Single(probe.Poisoned).Error);
    }

    [Fact]
    public async Task A_poison_callback_that_fails_leaves_the_message_to_be_poisoned_and_called_back_again()
    {
        var probe = new Probe();
        await using var host = await StartAsync<PoisonCallbackFailingOnceHandler>(probe, new()
        {
            ["ClientHub:Queues:MaxDequeueCount"] = "2",
            ["ClientHub:Queues:VisibilityTimeout"] = "00:00:00",
            ["ClientHub:Queues:MessageLease"] = "00:00:02",
        });

        await host.Queue(Queue).SendMessageAsync(BinaryData.FromString("flag the job"));

        await TriggerTestHost.EventuallyAsync(() => probe.Poisoned.Count >= 2, TimeSpan.FromSeconds(20), "the callback is called again");
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(2, probe.Attempts.Count);
        Assert.Equal(["attempt 2 failed", nameof(QueueMessageAbandonedException)],
            probe.Poisoned.Select(p => p.Error is QueueMessageAbandonedException ? nameof(QueueMessageAbandonedException) : p.Error.Message));
        QueueMessage[] poisoned = await host.PoisonQueue(Queue).ReceiveMessagesAsync(maxMessages: 32);
        Assert.Equal("flag the job", Assert.Single(poisoned).Body.ToString());
        QueueProperties original = await host.Queue(Queue).GetPropertiesAsync();
        Assert.Equal(0, original.ApproximateMessagesCount);
    }

    [Fact]
    public async Task A_poison_callback_that_always_fails_is_given_up_on_and_the_message_still_reaches_the_poison_queue()
    {
        var probe = new Probe();
        await using var host = await StartAsync<PoisonCallbackAlwaysFailingHandler>(probe, new()
        {
            ["ClientHub:Queues:MaxDequeueCount"] = "1",
            // Long enough that a busy machine renews it in time: a lapsed lease is one more delivery, and one more round.
            ["ClientHub:Queues:MessageLease"] = "00:00:02",
        });

        await host.Queue(Queue).SendMessageAsync(BinaryData.FromString("garbled"));

        await TriggerTestHost.EventuallyAsync(() => probe.Poisoned.Count >= 4, TimeSpan.FromSeconds(30), "the callback has had its rounds");
        QueueMessage[] poisoned = [];
        await TriggerTestHost.EventuallyAsync(() =>
        {
            poisoned = host.PoisonQueue(Queue).ReceiveMessages(maxMessages: 32).Value;
            return poisoned.Length > 0;
        }, TimeSpan.FromSeconds(10), "the message is in the poison queue");
        Assert.Equal("garbled", Assert.Single(poisoned).Body.ToString());
        Assert.Equal(4, probe.Poisoned.Count);
    }

    private Task<TriggerTestHost> StartAsync<THandler>(Probe probe, Dictionary<string, string?>? settings = null)
        where THandler : class, IQueueTrigger =>
        TriggerTestHost.StartAsync(
            _prefix,
            services => services.AddSingleton(probe).AddQueueTrigger<THandler>(Queue),
            settings,
            output);
}
