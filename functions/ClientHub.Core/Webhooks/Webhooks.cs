namespace ClientHub.Core.Webhooks;

/// <summary>
/// An inbound webhook endpoint: <c>POST /api/hooks/{id}</c>, signed with <see cref="Secret"/> (or, until
/// <see cref="PreviousSecretExpiresAt"/>, the secret it replaced). The id starts with the firm's id, so an anonymous call finds
/// its firm's document without an index.
/// </summary>
public sealed record WebhookEndpoint(string Id, string? Name, string Secret, string? PreviousSecret, DateTimeOffset? PreviousSecretExpiresAt,
    DateTimeOffset CreatedAt)
{
    /// <summary>The secrets a call may be signed with at <paramref name="now"/>.</summary>
    public IEnumerable<string> SecretsAt(DateTimeOffset now) =>
        PreviousSecret is not null && PreviousSecretExpiresAt > now ? [Secret, PreviousSecret] : [Secret];

    public static string NewId(FirmId firmId) => firmId.Value + Ids.New();

    /// <summary>The firm of an endpoint id, or null for an id we cannot have issued.</summary>
    public static FirmId? FirmOf(string id) =>
        id.Length == 2 * Ids.Length && Ids.IsWellFormed(id) && !id.Contains('-') && !id.Contains('_') ? new FirmId(id[..Ids.Length]) : null;
}

/// <summary>An outbound subscription: events of the firm POSTed to <see cref="Url"/>, signed with <see cref="Secret"/>.</summary>
public sealed record WebhookSubscription(string Id, string Url, IReadOnlyList<string> Events, string Secret, bool Enabled, DateTimeOffset CreatedAt)
{
    /// <summary>When it was disabled for failing every attempt for a day, and by which event's delivery (its owners were emailed then).</summary>
    public DateTimeOffset? DisabledAt { get; init; }
    public string? DisabledBy { get; init; }
}

/// <summary>The events a subscription may ask for.</summary>
public static class WebhookEvents
{
    public const string JobCreated = "job.created", JobMoved = "job.moved", JobCompleted = "job.completed", JobArchived = "job.archived",
        ItemCompleted = "item.completed", AutomationFailed = "automation.failed", EmailBounced = "email.bounced";

    public static readonly string[] All = [JobCreated, JobMoved, JobCompleted, JobArchived, ItemCompleted, AutomationFailed, EmailBounced];
}
