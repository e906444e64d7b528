namespace ClientHub.Functions;

/// <summary>Settings under <c>ClientHub:</c> (environment <c>ClientHub__…</c>).</summary>
public sealed class ClientHubOptions
{
    public const string Section = "ClientHub";

    /// <summary>Enables <c>POST /api/firms</c>; unset disables firm creation.</summary>
    public string? BootstrapToken { get; set; }

    /// <summary>Base URL of the client portal, used for <c>{{portal.link}}</c>.</summary>
    public string PortalBaseUrl { get; set; } = "http://localhost:7071/portal";

    public TestingOptions Testing { get; set; } = new();

    public sealed class TestingOptions
    {
        /// <summary>Enables the test clock endpoints. Never on in production.</summary>
        public bool EnableClock { get; set; }

        /// <summary>
        /// Where the test clock starts, ahead of the system clock (only with <see cref="EnableClock"/>). The test clock is per
        /// process; instances started with the same offset agree on the time, as the reminders benchmark needs across restarts.
        /// </summary>
        public TimeSpan ClockOffset { get; set; }
    }
}
