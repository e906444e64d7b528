using System.Diagnostics;
using System.Text.Json;

namespace ClientHub.Functions.Tests.Infra;

/// <summary>
/// infra/ is compiled in CI with the Bicep CLI that the test project downloads as a NuGet package
/// (PackageDownload Azure.Bicep.CommandLine.linux-x64), so a broken template fails the build offline,
/// long before anyone deploys it; the linter's rules are errors (bicepconfig.json) and any warning fails the test.
/// </summary>
public sealed class BicepBuildTests
{
    private const string BicepVersion = "0.47.16";

    [Fact]
    public async Task Main_bicep_compiles_with_the_bicep_cli_without_a_warning()
    {
        var result = await RunAsync(FindBicep(), FindRepoRoot(), "build", MainBicep, "--stdout");

        Assert.True(result.ExitCode == 0, $"bicep build exited with {result.ExitCode}:\n{result.StdErr}");
        AssertNoDiagnostics("bicep build", result);
        using var template = JsonDocument.Parse(result.StdOut);
        var types = ResourceTypes(template.RootElement).ToHashSet();
        string[] expected =
        [
            "Microsoft.Storage/storageAccounts", "Microsoft.ManagedIdentity/userAssignedIdentities", "Microsoft.KeyVault/vaults",
            "Microsoft.OperationalInsights/workspaces", "Microsoft.App/managedEnvironments", "Microsoft.App/containerApps",
            "Microsoft.Authorization/roleAssignments",
        ];
        Assert.All(expected, type => Assert.Contains(type, types));
    }

    /// <summary>bicepconfig.json turns the linter's rules to errors; a warning of the compiler itself fails here too.</summary>
    [Fact]
    public async Task Main_bicep_passes_the_linter_with_every_rule_an_error()
    {
        var result = await RunAsync(FindBicep(), FindRepoRoot(), "lint", MainBicep);

        Assert.True(result.ExitCode == 0, $"bicep lint exited with {result.ExitCode}:\n{result.StdErr}{result.StdOut}");
        AssertNoDiagnostics("bicep lint", result);
    }

    [Fact]
    public async Task The_template_uses_no_storage_account_key()
    {
        var template = (await RunAsync(FindBicep(), FindRepoRoot(), "build", MainBicep, "--stdout")).StdOut;

        Assert.DoesNotContain("AccountKey", template, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("listKeys(resourceId('Microsoft.Storage", template);
        Assert.Contains("\"allowSharedKeyAccess\": false", template);
        Assert.Contains("AzureWebJobsStorage__accountName", template);
        Assert.Contains("AzureWebJobsStorage__clientId", template);
    }

    [Fact]
    public async Task The_template_agrees_with_host_json_and_the_code_on_names()
    {
        var root = FindRepoRoot();
        using var template = JsonDocument.Parse((await RunAsync(FindBicep(), root, "build", MainBicep, "--stdout")).StdOut);
        using var hostJson = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(root, "host.json")));
        var durableTask = hostJson.RootElement.GetProperty("extensions").GetProperty("durableTask");
        var parameters = template.RootElement.GetProperty("parameters");

        // The KEDA rules name the task hub's queues from these defaults: a mismatch would leave the queues app asleep.
        Assert.Equal(durableTask.GetProperty("hubName").GetString(), parameters.GetProperty("taskHubName").GetProperty("defaultValue").GetString());
        Assert.Equal(durableTask.GetProperty("storageProvider").GetProperty("partitionCount").GetInt32(),
            parameters.GetProperty("partitionCount").GetProperty("defaultValue").GetInt32());
        Assert.Contains(StringArrays(template.RootElement), names => names.SequenceEqual(ClientHub.Storage.Tables.All));
        Assert.Contains(StringArrays(template.RootElement), names => ClientHub.Storage.Containers.All.All(names.Contains) && names.Contains("locks"));
    }

    private static string MainBicep => Path.Combine("infra", "main.bicep");

    private static void AssertNoDiagnostics(string command, ProcessResult result)
    {
        var diagnostics = (result.StdErr + "\n" + result.StdOut).Split('\n')
            .Where(line => line.Contains(") : Warning ", StringComparison.Ordinal) || line.Contains(") : Error ", StringComparison.Ordinal))
            .ToList();
        Assert.True(diagnostics.Count == 0, $"{command} reported:\n{string.Join('\n', diagnostics)}");
    }

    /// <summary>Every array of strings in the template (variables of nested deployments included).</summary>
    private static IEnumerable<string[]> StringArrays(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Array)
        {
            var items = element.EnumerateArray().ToList();
            if (items.Count > 0 && items.All(i => i.ValueKind == JsonValueKind.String))
                yield return [.. items.Select(i => i.GetString()!)];
        }
        var children = element.ValueKind switch
        {
            JsonValueKind.Object => element.EnumerateObject().Select(p => p.Value).ToList(),
            JsonValueKind.Array => element.EnumerateArray().ToList(),
            _ => [],
        };
        foreach (var child in children)
        foreach (var array in StringArrays(child))
            yield return array;
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
