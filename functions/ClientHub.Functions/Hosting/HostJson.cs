using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace ClientHub.Functions.Hosting;

/// <summary>
/// Finds and reads the repository's <c>host.json</c> (Functions schema), so the one file configures
/// both this host and a later move onto the Functions worker.
/// </summary>
internal static class HostJson
{
    public const string FileName = "host.json";
    public const string PathConfigurationKey = "ClientHub:HostJsonPath";

    /// <summary>
    /// The explicit <c>ClientHub:HostJsonPath</c>, else the first <c>host.json</c> found walking up from the
    /// content root and then from the app's base directory: <c>dotnet run</c> from the repository root and a
    /// test host running in <c>bin/</c> both reach the root file.
    /// </summary>
    public static string Locate(IConfiguration configuration, IHostEnvironment? environment)
    {
        if (configuration[PathConfigurationKey] is { Length: > 0 } configured)
        {
            return File.Exists(configured)
                ? Path.GetFullPath(configured)
                : throw new FileNotFoundException($"{PathConfigurationKey} points to a missing file.", configured);
        }

        string?[] starts = [environment?.ContentRootPath, AppContext.BaseDirectory];
        foreach (var start in starts.OfType<string>())
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                var candidate = Path.Combine(directory.FullName, FileName);
                if (File.Exists(candidate))
                    return candidate;
            }
        }

        // No silent defaults: the latency promises in DESIGN.md depend on this file's values.
        throw new FileNotFoundException(
            $"No {FileName} found above '{environment?.ContentRootPath}' or '{AppContext.BaseDirectory}'; set {PathConfigurationKey}.");
    }

    public static IConfigurationSection QueuesSection(string path) => Section(path, "extensions:queues");

    public static IConfigurationSection Section(string path, string key) =>
        new ConfigurationBuilder().AddJsonFile(path, optional: false, reloadOnChange: false).Build().GetSection(key);
}
