using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ClientHub.Functions.Tests.Infrastructure;

namespace ClientHub.Functions.Tests.Jobs;

/// <summary>DESIGN.md's recovery promise, on the real process: after SIGKILL and a restart, an entry in flight finishes within 60 s.</summary>
public sealed class HostCrashTests : IAsyncLifetime
{
    private readonly SendGridStub _sendGrid = new() { Delay = TimeSpan.FromMilliseconds(700) };
    private readonly int _port = HostProcess.FreePort();
    private Dictionary<string, string> _settings = [];

    public Task InitializeAsync()
    {
        _settings = new()
        {
            ["ClientHub__StoragePrefix"] = "k" + Guid.NewGuid().ToString("N")[..12],
            ["ClientHub__BootstrapToken"] = ClientHubHost.BootstrapToken,
            ["ClientHub__SendGrid__ApiKey"] = "SG.test-key",
            ["ClientHub__SendGrid__Host"] = _sendGrid.Url,
            ["ClientHub__Queues__MaxPollingInterval"] = "00:00:00.500",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _sendGrid.DisposeAsync();

    /// <param name="restartedAs">
    /// The restarted host's name in the task hub's leases: the same (a restarted container takes its leases back at once)
    /// or another (a new replica waits for the dead one's leases to expire, 20 s).
    /// </param>
    [Theory]
    [InlineData("replica-1")]
    [InlineData("replica-2")]
    public async Task A_stage_entry_in_flight_when_the_host_is_killed_finishes_after_a_restart(string restartedAs)
    {
        var first = await HostProcess.StartAsync(_port, As("replica-1"));
        string jobId;
        HttpClient api;
        try
        {
            using var bootstrap = Client(first.BaseUrl, ClientHubHost.BootstrapToken);
            var firm = await bootstrap.PostAsJsonAsync("/api/firms",
                new { name = "Crash CPA", timeZone = "Europe/Paris", owner = new { name = "Olive", email = "olive@crash.example.com" } }).ExpectAsync(201);
            api = Client(first.BaseUrl, firm["apiKey"]!.GetValue<string>());
            var automations = new JsonArray();
            for (var i = 1; i <= 8; i++)
            {
                var template = await api.PostAsJsonAsync("/api/templates", new { kind = "email", name = $"Step {i}", subject = $"Step {i}", body = "<p>{{job.name}}</p>" }).ExpectAsync(201);
                automations.Add(new JsonObject { ["type"] = "sendEmail", ["templateId"] = template["id"]!.GetValue<string>() });
            }
            var pipeline = await api.PostAsJsonAsync("/api/pipelines", new JsonObject
            {
                ["name"] = "Crash",
                ["stages"] = new JsonArray(
                    new JsonObject { ["name"] = "Busy", ["automove"] = true, ["automations"] = automations },
                    new JsonObject { ["name"] = "Done", ["automove"] = false, ["automations"] = new JsonArray() }),
            }).ExpectAsync(201);
            var account = await api.PostAsJsonAsync("/api/accounts", new { name = "Kill Nine", type = "Company", tags = Array.Empty<string>() }).ExpectAsync(201);
            var accountId = account["id"]!.GetValue<string>();
            await api.PostAsJsonAsync($"/api/accounts/{accountId}/contacts", new { name = "Kim Nine", email = "kim@crash.example.com" }).ExpectAsync(201);
            var job = await api.PostAsJsonAsync("/api/jobs", new { accountId, pipelineId = pipeline["id"]!.GetValue<string>() }).ExpectAsync(201);
            jobId = job["id"]!.GetValue<string>();

            await Eventually.HoldsAsync(() => Task.FromResult(_sendGrid.Mails.Count), n => n >= 2, "two emails of the chain went out");
        }
        finally
        {
            first.Kill();
        }
        Assert.True(_sendGrid.Mails.Count < 8, "the chain was still in flight when the host was killed");

        using var second = await HostProcess.StartAsync(_port, As(restartedAs));
        var restarted = Stopwatch.StartNew();
        using var again = Client(second.BaseUrl, api.DefaultRequestHeaders.Authorization!.Parameter!);
        var done = await Eventually.HoldsAsync(() => again.GetAsync($"/api/jobs/{jobId}").ExpectAsync(200),
            j => j["stageName"]?.GetValue<string>() == "Done" && j["automation"]!["state"]!.GetValue<string>() == "idle", "the entry finished after the restart", 70);

        Assert.True(restarted.Elapsed < TimeSpan.FromSeconds(60), $"took {restarted.Elapsed} after the restart");
        var subjects = _sendGrid.Recipients().Select(r => r.Subject).ToHashSet();
        Assert.All(Enumerable.Range(1, 8), i => Assert.Contains($"Step {i}", subjects));
        var history = (await again.GetAsync($"/api/jobs/{jobId}/history").ExpectAsync(200))["items"]!.AsArray();
        Assert.Equal(8, history.Count(h => h!["kind"]!.GetValue<string>() == "automation"));
        Assert.Equal("Done", done["stageName"]!.GetValue<string>());
    }

    private Dictionary<string, string> As(string workerId) => new(_settings) { ["ClientHub__DurableTask__WorkerId"] = workerId };

    private static HttpClient Client(string baseUrl, string token)
    {
        var client = new HttpClient { BaseAddress = new Uri(baseUrl) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}
