using System.Diagnostics;
using System.Text.Json;

namespace ClientHub.Functions.Tests.Infra;

/// <summary>
/// infra/ is compiled in CI with the Bicep CLI that the test project downloads as a NuGet package
/// (PackageDownload Azure.Bicep.CommandLine.linux-x64), so a broken template fails the build offline,
/// long before anyone deploys it.
/// </summary>
public sealed class BicepBuildTests
{
    private const string BicepVersion = "0.47.16";

    [Fact]
    public async Task Main_bicep_compiles_with_the_bicep_cli()
    {
        var repoRoot = FindRepoRoot();
        var bicep = FindBicep();

        var result = await RunAsync(bicep, repoRoot, "build", Path.Combine("infra", "main.bicep"), "--stdout");

        Assert.True(result.ExitCode == 0, $"bicep build exited with {result.ExitCode}:\n{result.StdErr}");
        using var template = JsonDocument.Parse(result.StdOut);
        Assert.Contains("Microsoft.Storage/storageAccounts", ResourceTypes(template.RootElement));
    }

    /// <summary>Resource types anywhere in the template, modules (nested deployments) included.</summary>
    private static IEnumerable<string> ResourceTypes(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Name == "type" && property.Value.ValueKind == JsonValueKind.String)
                        yield return property.Value.GetString()!;
                    foreach (var type in ResourceTypes(property.Value))
                        yield return type;
                }
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                foreach (var type in ResourceTypes(item))
                    yield return type;
                break;
        }
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ClientHub.Functions.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"No ClientHub.Functions.sln above {AppContext.BaseDirectory}.");
    }

    private static string FindBicep()
    {
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var bicep = Path.Combine(packages, "azure.bicep.commandline.linux-x64", BicepVersion, "tools", "bicep");
        Assert.True(File.Exists(bicep), $"The Bicep CLI is not at {bicep}; run dotnet restore first.");

        // NuGet extracts package files without the executable bit.
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(bicep);
            const UnixFileMode executable = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
            if ((mode & UnixFileMode.UserExecute) == 0)
                File.SetUnixFileMode(bicep, mode | executable);
        }
        return bicep;
    }

    private sealed record ProcessResult(int ExitCode, string StdOut, string StdErr);

    private static async Task<ProcessResult> RunAsync(string fileName, string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        // Keep the CLI offline and quiet: no telemetry, no registry look-ups.
        start.Environment["BICEP_TELEMETRY_ENABLED"] = "false";

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return new ProcessResult(process.ExitCode, await stdout, await stderr);
    }
}
