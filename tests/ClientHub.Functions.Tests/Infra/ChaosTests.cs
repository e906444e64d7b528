using System.Diagnostics;
using System.Text.RegularExpressions;
using ClientHub.Functions.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ClientHub.Functions.Tests.Infra;

/// <summary>
/// The short version of bench/chaos.sh in CI: the bench's chaos mode (its own process, which starts two host processes, A with
/// http,queues and B with queues,timers, on the Azurite scripts/test started) with 100 jobs and 3 SIGKILLs. It must end with
/// exit code 0 and zero violations: no stuck job, no duplicate email/task/invoice/request, consistent histories, no poison.
/// See bench/README.md, "Chaos".
/// </summary>
public sealed partial class ChaosTests(ITestOutputHelper output)
{
    /// <summary>The test's own bound: the driver's drive timeout is 5 min; setup, restarts and checks fit in the rest.</summary>
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(8);

    [Fact]
    public async Task A_hundred_jobs_survive_three_kills_of_either_instance_without_a_stuck_job_or_a_duplicate_effect()
    {
        var root = HostProcess.RepositoryRoot();
        var release = $"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}";
        var configuration = AppContext.BaseDirectory.Contains(release, StringComparison.Ordinal) ? "Release" : "Debug";
        var bench = Path.Combine(root, "bench", "ClientHub.Bench", "bin", configuration, "net10.0", "ClientHub.Bench.dll");
        Assert.True(File.Exists(bench), $"no bench build at {bench} (scripts/test builds the whole solution)");
        var logs = Directory.CreateTempSubdirectory("clienthub-chaos-test.");
        var start = new ProcessStartInfo("dotnet", [bench, "chaos", "--jobs", "100", "--kills", "3", "--timeout-min", "5", "--logs", logs.FullName])
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["AzureWebJobsStorage"] = ClientHubHost.StorageConnectionString;
        start.Environment["CLIENTHUB_HOST_DLL"] =
            Path.Combine(root, "functions", "ClientHub.Functions", "bin", configuration, "net10.0", "ClientHub.Functions.dll");
        using var process = Process.Start(start)!;
        var lines = new List<string>();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (lines) lines.Add(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (lines) lines.Add(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var budget = new CancellationTokenSource(Budget);
        try
        {
            await process.WaitForExitAsync(budget.Token);
        }
        catch (OperationCanceledException)
        {
            // The driver kills its hosts when it exits normally; killed from outside, its hosts are killed through their pids.
            process.Kill(entireProcessTree: true);
            foreach (var pid in File.ReadAllLines(Path.Combine(logs.FullName, "hosts.pids")))
                try { Process.GetProcessById(int.Parse(pid)).Kill(); } catch (ArgumentException) { }
        }
        process.WaitForExit();
        string text;
        lock (lines) text = string.Join('\n', lines);
        output.WriteLine(text);
        var summary = SummaryLine().Match(text);
        Assert.True(summary.Success, $"no summary line (exit code {(process.HasExited ? process.ExitCode : -1)}); host logs in {logs.FullName}");
        Assert.Equal("0", summary.Groups["violations"].Value);
        Assert.Equal(0, process.ExitCode);
        logs.Delete(recursive: true);
    }

    [GeneratedRegex(@"^chaos: (?<jobs>\d+) jobs, (?<kills>\d+) kills, (?<violations>\d+) violations, \d+ s$", RegexOptions.Multiline)]
    private static partial Regex SummaryLine();
}
