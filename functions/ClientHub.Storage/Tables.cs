namespace ClientHub.Storage;

/// <summary>Logical table names; <see cref="StorageNames.Table"/> adds the prefix.</summary>
public static class Tables
{
    /// <summary>Firm configuration documents: PK = firm id, RK = "{kind}|{id}".</summary>
    public const string Config = "config";

    /// <summary>API keys and portal tokens: PK = key id (the lookup part of the secret), RK = "".</summary>
    public const string Keys = "keys";

    /// <summary>Jobs: PK = "{firmId}|{jobId}" holds the job row, its outbox, effects, history and linked items.</summary>
    public const string Jobs = "jobs";

    /// <summary>Job cards, the board and list projection: PK = "{firmId}|{pipelineId}", RK = job id.</summary>
    public const string JobCards = "jobcards";

    /// <summary>Job partitions that may hold outbox rows (the sweeper's index): PK = the job's partition key, RK = "".</summary>
    public const string OutboxMarks = "outboxmarks";

    /// <summary>Email log: PK = firm id, RK = inverted time + id.</summary>
    public const string Emails = "emails";

    /// <summary>Account documents' metadata: PK = "{firmId}|{accountId}", RK = document id; the bytes are in <see cref="Containers.Documents"/>.</summary>
    public const string Documents = "documents";

    /// <summary>Idempotency-Key records: PK = firm id (or "{firmId}|{contactId}" on portal routes), RK = SHA-256 of the key.</summary>
    public const string Idempotency = "idempotency";

    /// <summary>Outbound webhook delivery attempts: PK = "{firmId}|{subscriptionId}", RK = "{first attempt ticks}|{eventId}|{attempt}".</summary>
    public const string WebhookDeliveries = "webhookdeliveries";

    public static readonly string[] All = [Config, Keys, Jobs, JobCards, OutboxMarks, Emails, Documents, Idempotency, WebhookDeliveries];
}

/// <summary>Logical blob container names; <see cref="StorageNames.Container"/> adds the prefix.</summary>
public static class Containers
{
    /// <summary>Account documents, named <c>{firmId}/{accountId}/{documentId}</c> (see <see cref="AccountDocuments"/>).</summary>
    public const string Documents = "documents";

    public static readonly string[] All = [Documents];
}
