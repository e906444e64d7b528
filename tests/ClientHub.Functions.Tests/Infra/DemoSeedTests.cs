using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ClientHub.Functions.Tests.Infrastructure;

namespace ClientHub.Functions.Tests.Infra;

/// <summary>What <c>scripts/run</c> does after the host is up: <c>scripts/seed-demo.mjs</c> against the real host process.</summary>
public sealed class DemoSeedTests : IDisposable
{
    private readonly string _demoFile = Path.Combine(Path.GetTempPath(), $"clienthub-demo-{Guid.NewGuid():N}.json");

    public void Dispose() => File.Delete(_demoFile);

    [Fact]
    public async Task The_demo_job_moves_on_by_itself_when_its_client_submits_the_request_in_the_portal_and_a_second_run_seeds_nothing()
    {
        using var host = await HostProcess.StartAsync(HostProcess.FreePort(), new Dictionary<string, string>
        {
            ["ClientHub__StoragePrefix"] = "demo" + Guid.NewGuid().ToString("N")[..12],
            ["ClientHub__BootstrapToken"] = ClientHubHost.BootstrapToken,
            ["ClientHub__Queues__MaxPollingInterval"] = "00:00:00.500",
        });

        Assert.Equal(0, await SeedAsync(host.BaseUrl));
        var demo = JsonNode.Parse(await File.ReadAllTextAsync(_demoFile))!;
        using var api = new HttpClient { BaseAddress = new Uri(host.BaseUrl) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", demo["apiKey"]!.GetValue<string>());
        var jobId = demo["jobId"]!.GetValue<string>();

        var pipeline = await api.GetAsync($"/api/pipelines/{demo["pipelineId"]!.GetValue<string>()}").ExpectAsync(200);
        Assert.Equal(5, pipeline["stages"]!.AsArray().Count);
        var items = await Eventually.HoldsAsync(async () => (await api.GetAsync($"/api/jobs/{jobId}/items").ExpectAsync(200))["items"]!.AsArray(),
            list => list.Any(i => i!["type"]!.GetValue<string>() == "request"), "the demo request is created");
        var request = items.Single(i => i!["type"]!.GetValue<string>() == "request")!["id"]!.GetValue<string>();

        using var portal = new HttpClient { BaseAddress = new Uri(host.BaseUrl) };
        portal.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", demo["portalToken"]!.GetValue<string>());
        await portal.PatchAsJsonAsync($"/api/portal/requests/{request}/items/i1", new { status = "Done" }).ExpectAsync(200);
        await portal.PostAsync($"/api/portal/requests/{request}/submit", null).ExpectAsync(200);

        await Eventually.HoldsAsync(() => api.GetAsync($"/api/jobs/{jobId}").ExpectAsync(200),
            job => job["stageName"]!.GetValue<string>() == "Preparation", "the demo job moves on by itself");
        Assert.Equal(0, await SeedAsync(host.BaseUrl));
        var again = JsonNode.Parse(await File.ReadAllTextAsync(_demoFile))!;
        Assert.Equal(demo["firmId"]!.GetValue<string>(), again["firmId"]!.GetValue<string>());
        Assert.Equal(demo["portalToken"]!.GetValue<string>(), again["portalToken"]!.GetValue<string>());
    }

    private async Task<int> SeedAsync(string baseUrl)
    {
        var start = new ProcessStartInfo("node", ["scripts/seed-demo.mjs"])
        {
            WorkingDirectory = HostProcess.RepositoryRoot(), RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        start.Environment["CLIENTHUB_BASE_URL"] = baseUrl;
        start.Environment["ClientHub__BootstrapToken"] = ClientHubHost.BootstrapToken;
        start.Environment["CLIENTHUB_DEMO_FILE"] = _demoFile;
        using var node = Process.Start(start)!;
        var output = node.StandardOutput.ReadToEndAsync();
        var errors = node.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await node.WaitForExitAsync(timeout.Token);
        Assert.True(node.ExitCode == 0, $"seed-demo exited with {node.ExitCode}: {await output} {await errors}");
        return node.ExitCode;
    }
}
