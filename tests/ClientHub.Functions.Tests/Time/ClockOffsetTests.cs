using ClientHub.Functions.Tests.Infrastructure;

namespace ClientHub.Functions.Tests.Time;

/// <summary>A host whose test clock starts a day and an hour ahead, as the reminders benchmark restarts its instances.</summary>
public sealed class OffsetClockHost : ClientHubHost
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("ClientHub:Testing:ClockOffset", "1.01:00:00")];
}

public sealed class ClockOffsetTests(OffsetClockHost host) : IClassFixture<OffsetClockHost>
{
    [Fact]
    public async Task A_host_started_with_a_clock_offset_starts_its_test_clock_that_far_ahead()
    {
        var before = DateTimeOffset.UtcNow;
        var now = (await host.WithToken(ClientHubHost.BootstrapToken).GetAsync("/api/testing/clock").ExpectAsync(200))["now"]!
            .GetValue<DateTimeOffset>();
        var offset = new TimeSpan(1, 1, 0, 0);
        Assert.InRange(now, before + offset, DateTimeOffset.UtcNow + offset);
    }
}
