namespace ClientHub.Functions.Hosting;

/// <summary>
/// Which kinds of trigger this process runs (config <c>ClientHub:Roles</c>, a comma list of
/// <c>http</c>, <c>queues</c>, <c>timers</c>; default all), so each role scales on its own.
/// </summary>
public sealed record HostRoles(bool Http, bool Queues, bool Timers)
{
    public const string ConfigurationKey = "ClientHub:Roles";

    public static HostRoles All { get; } = new(Http: true, Queues: true, Timers: true);

    public static HostRoles Parse(string? roles)
    {
        if (string.IsNullOrWhiteSpace(roles))
            return All;

        bool http = false, queues = false, timers = false;
        foreach (var role in roles.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            switch (role.ToLowerInvariant())
            {
                case "http": http = true; break;
                case "queues": queues = true; break;
                case "timers": timers = true; break;
                default:
                    // A typo must not leave a role silently unserved.
                    throw new ArgumentException($"Unknown role '{role}' in {ConfigurationKey}; expected http, queues or timers.", nameof(roles));
            }
        }
        return new HostRoles(http, queues, timers);
    }
}
