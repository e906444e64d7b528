using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace ClientHub.Bench;

/// <summary>
/// One instance of the real host as its own process (<c>dotnet ClientHub.Functions.dll</c>), so the chaos mode can
/// SIGKILL it and start it again on the same storage, as tests/…/HostProcess.cs does. Output goes to a log file.
/// </summary>
public sealed class ChaosHost(string name, int port, string dll, string root, IReadOnlyDictionary<string, string> settings, string logDir)
    : IDisposable
{
    private readonly object _logLock = new();
    private readonly Dictionary<string, string> _settings = new(settings);
    private Process? _process;

    public string Name => name;

    public string BaseUrl => $"http://127.0.0.1:{port}";

    public string LogPath => Path.Combine(logDir, $"host-{name}.log");

    /// <summary>Process ids of every start, written to <c>hosts.pids</c> so chaos.sh's trap can kill them if this process dies.</summary>
    private string PidFile => Path.Combine(logDir, "hosts.pids");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("dotnet", [dll])
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["ASPNETCORE_URLS"] = BaseUrl;
        foreach (var (key, value) in _settings) start.Environment[key] = value;
        var process = Process.Start(start)!;
        File.AppendAllText(PidFile, $"{process.Id}\n");
        var log = new StreamWriter(LogPath, append: true) { AutoFlush = true };
        lock (_logLock) log.WriteLine($"---- {DateTimeOffset.UtcNow:O} start, pid {process.Id}");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_logLock) log.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_logLock) log.WriteLine(e.Data); };
        process.Exited += (_, _) => { lock (_logLock) log.Dispose(); };
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        // The machine is shared and a cold start JITs the whole host: 90 s, not the 60 s the tests allow.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited) throw new InvalidOperationException($"Host {name} exited with {process.ExitCode}; see {LogPath}.");
            try
            {
                if ((await http.GetAsync(BaseUrl + "/healthz", cancellationToken)).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }
            await Task.Delay(250, cancellationToken);
        }
        throw new TimeoutException($"Host {name} did not answer /healthz within 90 s; see {LogPath}.");
    }

    /// <summary>Changes a setting (an environment variable) for the next start, as a redeployed container gets it.</summary>
    public void Set(string key, string value) => _settings[key] = value;

    /// <summary>Starts the instance again unless it answers <c>/healthz</c> (a kill may have been the last thing that happened).</summary>
    public async Task EnsureUpAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            if ((await http.GetAsync(BaseUrl + "/healthz", cancellationToken)).IsSuccessStatusCode) return;
        }
        catch (HttpRequestException)
        {
        }
        await StartAsync(cancellationToken);
    }

    /// <summary>SIGKILL: no graceful shutdown; messages stay invisible until their lease lapses, leases stay held.</summary>
    public void Kill()
    {
        var process = _process;
        if (process is null) return;
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        catch (InvalidOperationException)
        {
        }
        process.Dispose();
        _process = null;
    }

    public void Dispose() => Kill();
}

/// <summary>Counts of what the chaos driver's API calls met: answers it retried, and why.</summary>
public sealed class CallCounters
{
    public int ServerErrors, ConnectionErrors, Timeouts, Conflicts;
}

/// <summary>
/// The public API as the chaos driver calls it while instances die: a refused or reset connection, a timeout, a 5xx,
/// a 429 or an Idempotency-Key 409 ("first still in flight") is retried for up to 3 minutes past one call's timeout, and counted.
/// Non-idempotent writes during kills carry an Idempotency-Key, so a retry after a lost answer does not apply twice.
/// </summary>
/// <param name="timeout">How long one call may take; 2 minutes unless given (<see cref="WithTimeout"/>).</param>
public sealed class ResilientApi(string baseUrl, string token, CallCounters counters, TimeSpan? timeout = null)
{
    private readonly TimeSpan _retryFor = TimeSpan.FromMinutes(3) + (timeout ?? TimeSpan.Zero);

    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) })
    {
        BaseAddress = new Uri(baseUrl),
        // A bulk add of 500 jobs is one request on a busy 2-core machine.
        Timeout = timeout ?? TimeSpan.FromMinutes(2),
        DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", token) },
    };

    public async Task<JsonNode> CallAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken,
        string? idempotencyKey = null)
    {
        var deadline = DateTime.UtcNow + _retryFor;
        for (var attempt = 1; ; attempt++)
        {
            string problem;
            using (var request = new HttpRequestMessage(method, path))
            {
                if (body is not null) request.Content = JsonContent.Create(body);
                if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
                try
                {
                    using var response = await _http.SendAsync(request, cancellationToken);
                    var text = await response.Content.ReadAsStringAsync(cancellationToken);
                    var status = (int)response.StatusCode;
                    if (status is >= 200 and < 300) return text.Length == 0 ? new JsonObject() : JsonNode.Parse(text)!;
                    problem = $"{status}: {text}";
                    if (status >= 500) Interlocked.Increment(ref counters.ServerErrors);
                    else if (status == 429 || (status == 409 && idempotencyKey is not null)) Interlocked.Increment(ref counters.Conflicts);
                    else throw new InvalidOperationException($"{method} {path}: {problem}");
                }
                catch (HttpRequestException e)
                {
                    Interlocked.Increment(ref counters.ConnectionErrors);
                    problem = e.Message;
                }
                catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    Interlocked.Increment(ref counters.Timeouts);
                    problem = "timeout";
                }
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{method} {path}: still failing after {_retryFor}: {problem}");
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(250 * attempt, 2000)), cancellationToken);
        }
    }

    /// <summary>The same API with a longer (or shorter) timeout for each call.</summary>
    public ResilientApi WithTimeout(TimeSpan callTimeout) => new(baseUrl, token, counters, callTimeout);

    public Task<JsonNode> GetAsync(string path, CancellationToken cancellationToken) => CallAsync(HttpMethod.Get, path, null, cancellationToken);

    public Task<JsonNode> PostAsync(string path, object body, CancellationToken cancellationToken, string? idempotencyKey = null) =>
        CallAsync(HttpMethod.Post, path, body, cancellationToken, idempotencyKey);

    /// <summary>Every item of a list resource, following <c>continuationToken</c>.</summary>
    public async Task<List<JsonNode>> ListAllAsync(string path, CancellationToken cancellationToken)
    {
        var items = new List<JsonNode>();
        var separator = path.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        string? next = null;
        do
        {
            var page = await GetAsync($"{path}{separator}pageSize=1000"
                + (next is null ? "" : $"&continuationToken={Uri.EscapeDataString(next)}"), cancellationToken);
            items.AddRange(page["items"]!.AsArray().Select(i => i!));
            next = page["continuationToken"]?.GetValue<string>();
        } while (next is not null);
        return items;
    }
}
