namespace ClientHub.Functions.Webhooks;

/// <summary>Settings of inbound and outbound webhooks (<c>ClientHub:Webhooks</c>).</summary>
public sealed class WebhookOptions
{
    public const string Section = "ClientHub:Webhooks";

    /// <summary>
    /// Lets outbound webhooks call loopback, private, link-local and unique-local addresses, and plain http. Development and
    /// tests only: in production it opens the host to server-side request forgery (169.254.169.254 and the like).
    /// </summary>
    public bool AllowPrivateTargets { get; set; }

    /// <summary>Calls per second one inbound endpoint may make, in this instance (a token bucket per endpoint).</summary>
    public int InboundPerSecond { get; set; } = 10;

    /// <summary>How many calls one inbound endpoint may make at once before it is throttled.</summary>
    public int InboundBurst { get; set; } = 20;

    /// <summary>How long one outbound delivery attempt may take.</summary>
    public TimeSpan DeliveryTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The wait after the first failed delivery; each next wait doubles, up to <see cref="MaxRetryDelay"/>.</summary>
    /// <remarks>Changing the schedule affects deliveries in flight from their next attempt on (the orchestrator reads it on each replay).</remarks>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long an event is retried; a subscription whose every attempt failed this long is disabled and its firm's owners told.</summary>
    public TimeSpan GiveUpAfter { get; set; } = TimeSpan.FromHours(24);
}
