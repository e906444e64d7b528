using System.Globalization;
using System.Net.Http.Json;
using System.Xml;
using ClientHub.Functions.Tests.Infrastructure;
using ClientHub.Functions.Tests.Jobs;

namespace ClientHub.Functions.Tests.Time;

public sealed class DigestTests(TimeHost host) : IClassFixture<TimeHost>
{
    private static readonly TimeZoneInfo Paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");

    private async Task<DateTimeOffset> NowAsync() =>
        (await host.WithToken(ClientHubHost.BootstrapToken).GetAsync("/api/testing/clock").ExpectAsync(200))["now"]!.GetValue<DateTimeOffset>();

    private async Task AdvanceAsync(TimeSpan by) =>
        await host.WithToken(ClientHubHost.BootstrapToken).PostAsJsonAsync("/api/testing/clock", new { advanceBy = XmlConvert.ToString(by) })
            .ExpectAsync(200);

    /// <summary>Moves the clock to the next <paramref name="hour"/>:00 in Paris (the test firms' zone) and returns that local date.</summary>
    private async Task<DateOnly> AdvanceToAsync(int hour)
    {
        var local = TimeZoneInfo.ConvertTime(await NowAsync(), Paris);
        var target = local.Date.AddHours(hour);
        if (target <= local.DateTime) target = target.AddDays(1);
        var at = new DateTimeOffset(target, Paris.GetUtcOffset(target));
        await AdvanceAsync(at - await NowAsync());
        return DateOnly.FromDateTime(target);
    }

    private List<string> Digests(string to) =>
        host.SendGrid.Recipients().Where(r => r.To == to && r.Subject.Contains("due today or overdue", StringComparison.Ordinal)).Select(r => r.Subject)
            .ToList();

    [Fact]
    public async Task Each_person_with_something_due_gets_one_digest_a_day_from_eight_and_nobody_else()
    {
        var s = await Scenario.CreateAsync(host);
        var busy = await host.AddStaffAsync(s.Firm);
        var idle = await host.AddStaffAsync(s.Firm);
        var quiet = await host.AddStaffAsync(s.Firm);
        await quiet.Client.PatchAsJsonAsync($"/api/staff/{quiet.Id}", new { digest = false }).ExpectAsync(200);
        await idle.Client.PatchAsJsonAsync($"/api/staff/{busy.Id}", new { digest = false }).ExpectAsync(403);

        var day = await AdvanceToAsync(7);
        foreach (var (who, title, due) in new[] { (busy, "File VAT", day), (busy, "Next month", day.AddDays(30)), (quiet, "Quiet task", day) })
            await s.Api.PostAsJsonAsync("/api/tasks", new { title, assigneeId = who.Id, dueDate = due }).ExpectAsync(201);
        await AdvanceAsync(TimeSpan.FromMinutes(30));
        Assert.Empty(Digests(busy.Email));

        await AdvanceAsync(TimeSpan.FromHours(1));
        var sent = Assert.Single(Digests(busy.Email));
        Assert.Contains(day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), sent);
        await AdvanceAsync(TimeSpan.FromHours(2));
        Assert.Single(Digests(busy.Email));
        Assert.Empty(Digests(idle.Email));
        Assert.Empty(Digests(quiet.Email));
        var logged = (await s.Api.GetAsync("/api/emails").ExpectAsync(200))["items"]!.AsArray();
        Assert.Single(logged, e => e!["purpose"]!.GetValue<string>() == "digest" && e["to"]!.GetValue<string>() == busy.Email);

        // The next morning the task is overdue, and that day's digest says so.
        await AdvanceToAsync(9);
        Assert.Equal(2, Digests(busy.Email).Count);
        var body = host.SendGrid.Mails.Last(m => m.ToJsonString().Contains(busy.Email, StringComparison.Ordinal)).ToJsonString();
        Assert.Contains("File VAT", body);
        Assert.Contains("overdue since", body);
        Assert.DoesNotContain("Next month", body);
    }
}
