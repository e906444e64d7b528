using System.Diagnostics;
using System.Net.Sockets;

namespace ClientHub.Functions.Tests.Infrastructure;

/// <summary>
/// The real host as its own process (the build next to this test assembly), so a test can kill it
/// with SIGKILL and start it again on the same storage.
/// </summary>
public sealed class HostProcess : IDisposable
{
    private readonly Process _process;

    private HostProcess(Process process, string baseUrl)
    {
        _process = process;
        BaseUrl = baseUrl;
    }

    public string BaseUrl { get; }

    public static async Task<HostProcess> StartAsync(int port, IReadOnlyDictionary<string, string> settings)
    {
        var root = RepositoryRoot();
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
        var dll = Path.Combine(root, "functions", "ClientHub.Functions", "bin", configuration, "net10.0", "ClientHub.Functions.dll");
        var start = new ProcessStartInfo("dotnet", [dll])
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["PORT"] = port.ToString();
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["AzureWebJobsStorage"] = ClientHubHost.StorageConnectionString;
        foreach (var (key, value) in settings) start.Environment[key] = value;
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var host = new HostProcess(process, $"http://127.0.0.1:{port}");
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited) throw new InvalidOperationException($"The host exited with {process.ExitCode}.");
            try
            {
                if ((await http.GetAsync(host.BaseUrl + "/healthz")).IsSuccessStatusCode) return host;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(250);
        }
        host.Dispose();
        throw new TimeoutException("The host did not answer /healthz within 60 s.");
    }

    /// <summary>SIGKILL: no graceful shutdown, messages stay invisible until their lease lapses, leases stay held.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ClientHub.Functions.sln"))) return dir.FullName;
        throw new InvalidOperationException($"No ClientHub.Functions.sln above {AppContext.BaseDirectory}.");
    }
}
