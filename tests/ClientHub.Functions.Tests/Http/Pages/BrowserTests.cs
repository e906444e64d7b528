using System.Diagnostics;
using ClientHub.Functions.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ClientHub.Functions.Tests.Http.Pages;

/// <summary>
/// The real host process (on the Azurite the tests use) that the browser scenarios drive; shared by the scenarios, each of which seeds
/// a demo firm of its own.
/// </summary>
public sealed class BrowserHost : IAsyncLifetime
{
    public HostProcess Host { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Host = await HostProcess.StartAsync(HostProcess.FreePort(), new Dictionary<string, string>
        {
            ["ClientHub__StoragePrefix"] = "web" + Guid.NewGuid().ToString("N")[..12],
            ["ClientHub__BootstrapToken"] = ClientHubHost.BootstrapToken,
            ["ClientHub__Queues__MaxPollingInterval"] = "00:00:00.500",
            // Small, so a scenario shows the portal's answer to a document over the limit (413) without sending 50 MiB.
            ["ClientHub__Documents__MaxUploadBytes"] = "262144",
        });

    public Task DisposeAsync()
    {
        Host?.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>
/// The pages in headless Chromium (<c>/usr/bin/chromium</c>, which <c>scripts/test</c> installs when missing), driven by
/// <c>tests/browser/run.mjs</c> through playwright-core, against the real host process. One test per scenario; the scenario's
/// output (what it checked, where its screenshots went) is the test's output.
/// </summary>
public sealed class BrowserTests(BrowserHost fixture, ITestOutputHelper output) : IClassFixture<BrowserHost>
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public Task A_client_uploads_two_documents_in_the_portal_and_submits_and_the_firms_board_shows_the_job_move_on() =>
        RunAsync("portal-upload-submit-moves-the-job");

    [Fact]
    public Task A_client_answers_an_organizer_pays_an_invoice_signs_a_proposal_and_checks_and_replies_to_a_message_in_the_portal() =>
        RunAsync("portal-organizer-invoice-proposal-message");

    [Fact]
    public Task A_firm_drags_a_card_to_another_stage_and_the_jobs_history_shows_the_move() => RunAsync("board-drag-moves-the-job");

    [Fact]
    public Task A_stale_drag_after_the_job_moved_elsewhere_shows_the_conflict_message() => RunAsync("board-stale-drag-shows-the-conflict");

    [Fact]
    public Task After_sign_in_the_token_is_gone_from_the_address_and_the_cookie_is_HttpOnly() => RunAsync("portal-sign-in-hides-the-token");

    private async Task RunAsync(string scenario)
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: scripts/test installs it (apt-get install chromium).");
        var root = HostProcess.RepositoryRoot();
        Assert.True(Directory.Exists(Path.Combine(root, "tests", "browser", "node_modules", "playwright-core")),
            "tests/browser/node_modules is missing: scripts/test installs it (npm ci in tests/browser).");
        var demoFile = Path.Combine(Path.GetTempPath(), $"clienthub-browser-{Guid.NewGuid():N}.json");
        try
        {
            var environment = new Dictionary<string, string>
            {
                ["CLIENTHUB_BASE_URL"] = fixture.Host.BaseUrl,
                ["CLIENTHUB_DEMO_FILE"] = demoFile,
                ["ClientHub__BootstrapToken"] = ClientHubHost.BootstrapToken,
                ["CLIENTHUB_SCREENSHOTS"] = ScreenshotDirectory(),
            };
            var (seedCode, seedOutput) = await NodeAsync(root, ["scripts/seed-demo.mjs"], environment, TimeSpan.FromSeconds(90));
            Assert.True(seedCode == 0, $"seed-demo exited with {seedCode}: {seedOutput}");
            var (code, text) = await NodeAsync(root, ["tests/browser/run.mjs", scenario], environment, TimeSpan.FromMinutes(3));
            output.WriteLine(text);
            Assert.True(code == 0 && text.Contains($"PASS {scenario}"), $"browser scenario {scenario} exited with {code}:\n{text}");
        }
        finally
        {
            File.Delete(demoFile);
        }
    }

    /// <summary>Next to the test results (scripts/test's results directory), else under /tmp; never in the repository.</summary>
    private static string ScreenshotDirectory() =>
        Environment.GetEnvironmentVariable("CLIENTHUB_SCREENSHOTS") is { Length: > 0 } dir
            ? dir
            : Path.Combine(Path.GetTempPath(), "clienthub-browser");

    private static async Task<(int ExitCode, string Output)> NodeAsync(string root, IReadOnlyList<string> args,
        IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("node", args)
        {
            WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var (key, value) in environment) start.Environment[key] = value;
        using var node = Process.Start(start)!;
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await node.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            node.Kill(entireProcessTree: true);
            return (-1, $"timed out after {timeout}:\n{await stdout}\n{await stderr}");
        }
        return (node.ExitCode, $"{await stdout}{await stderr}");
    }
}
