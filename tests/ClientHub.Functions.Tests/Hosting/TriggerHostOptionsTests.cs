using ClientHub.Functions.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ClientHub.Functions.Tests.Hosting;

public sealed class TriggerHostOptionsTests
{
    private readonly string _prefix = TriggerTestHost.NewPrefix();

    [Fact]
    public void The_repository_host_json_configures_the_queues_and_polls_at_least_every_two_seconds()
    {
        using var host = TriggerTestHost.Build(_prefix, _ => { }, fastPolling: false);

        var options = host.Services.GetRequiredService<IOptions<QueueTriggerOptions>>().Value;

        // DESIGN.md's latency promise: automations finish within 10 s because idle queues are polled every 2 s at most.
        Assert.True(options.MaxPollingInterval <= TimeSpan.FromSeconds(2), $"maxPollingInterval is {options.MaxPollingInterval}");
        Assert.Equal(16, options.BatchSize);
        Assert.Equal(8, options.NewBatchThreshold);
        Assert.Equal(5, options.MaxDequeueCount);
        Assert.Equal(TimeSpan.FromSeconds(5), options.VisibilityTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), options.MessageLease);
    }

    [Fact]
    public void Configuration_under_ClientHub_Queues_overrides_host_json()
    {
        using var host = TriggerTestHost.Build(_prefix, _ => { }, new Dictionary<string, string?>
        {
            ["ClientHub:Queues:BatchSize"] = "4",
            ["ClientHub:Queues:NewBatchThreshold"] = "1",
            ["ClientHub:Queues:MessageLease"] = "00:00:05",
        });

        var options = host.Services.GetRequiredService<IOptions<QueueTriggerOptions>>().Value;

        Assert.Equal(4, options.BatchSize);
        Assert.Equal(1, options.NewBatchThreshold);
        Assert.Equal(TimeSpan.FromSeconds(5), options.MessageLease);
        Assert.Equal(5, options.MaxDequeueCount); // still from host.json
    }

    [Fact]
    public void The_new_batch_threshold_defaults_to_half_the_batch_size()
    {
        var hostJson = Path.Combine(Path.GetTempPath(), $"{_prefix}-host.json");
        File.WriteAllText(hostJson, """{ "version": "2.0", "extensions": { "queues": { "batchSize": 10 } } }""");
        try
        {
            using var host = TriggerTestHost.Build(_prefix, _ => { }, new Dictionary<string, string?> { ["ClientHub:HostJsonPath"] = hostJson }, fastPolling: false);

            var options = host.Services.GetRequiredService<IOptions<QueueTriggerOptions>>().Value;

            Assert.Equal(5, options.EffectiveNewBatchThreshold);
            Assert.Equal(5, options.MaxDequeueCount);
            Assert.Equal(TimeSpan.Zero, options.VisibilityTimeout);
        }
        finally
        {
            File.Delete(hostJson);
        }
    }

    [Fact]
    public async Task A_batch_size_below_the_new_batch_threshold_fails_the_start()
    {
        // host.json's newBatchThreshold is 8: a batch of 4 could never be refilled as configured.
        using var host = TriggerTestHost.Build(_prefix, _ => { }, new Dictionary<string, string?> { ["ClientHub:Queues:BatchSize"] = "4" });

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("newBatchThreshold", failure.Message);
    }

    [Fact]
    public async Task An_invalid_queue_option_fails_the_start()
    {
        using var host = TriggerTestHost.Build(_prefix, _ => { }, new Dictionary<string, string?> { ["ClientHub:Queues:BatchSize"] = "64" });

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("batchSize", failure.Message);
    }

    [Theory]
    [InlineData(null, true, true, true)]
    [InlineData("http", true, false, false)]
    [InlineData("queues, timers", false, true, true)]
    [InlineData("TIMERS", false, false, true)]
    public void Roles_come_from_a_comma_list_and_default_to_all(string? roles, bool http, bool queues, bool timers) =>
        Assert.Equal(new HostRoles(http, queues, timers), HostRoles.Parse(roles));

    [Fact]
    public void An_unknown_role_is_rejected() =>
        Assert.Throws<ArgumentException>(() => HostRoles.Parse("http,queue"));

    [Fact]
    public void An_http_only_host_runs_no_listener_and_no_scheduler()
    {
        using var host = TriggerTestHost.Build(_prefix, _ => { }, new Dictionary<string, string?> { ["ClientHub:Roles"] = "http" });

        var hosted = host.Services.GetServices<IHostedService>().Select(s => s.GetType()).ToList();

        Assert.Contains(typeof(TriggerStorageInitializer), hosted);
        Assert.DoesNotContain(typeof(QueueListenerService), hosted);
        Assert.DoesNotContain(typeof(TimerScheduler), hosted);
        Assert.Equal(new HostRoles(true, false, false), host.Services.GetRequiredService<HostRoles>());
    }

    [Fact]
    public void A_timer_schedule_must_have_six_fields() =>
        Assert.ThrowsAny<Exception>(() => new ServiceCollection().AddTimerTrigger<RecordingTimer>("daily", "0 3 * * *"));
}
