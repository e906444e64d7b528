using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;

namespace ClientHub.Storage;

/// <summary>
/// How the host reaches its Storage account, decided once from <c>AzureWebJobsStorage</c> with the Functions
/// conventions: a connection string (Azurite by default), or an identity-based connection whose settings sit
/// under <c>AzureWebJobsStorage__*</c>. Every client of the account (tables, queues, blobs and the Durable Task
/// engine's) is built from the one instance, so no part of the host talks to storage another way.
/// </summary>
public abstract record StorageConnection
{
    public const string ConfigurationKey = "AzureWebJobsStorage";
    public const string DevelopmentStorage = "UseDevelopmentStorage=true";

    // Functions' names for an identity-based connection (case-insensitive, as configuration keys are).
    private const string AccountNameKey = "accountName", BlobKey = "blobServiceUri", QueueKey = "queueServiceUri",
        TableKey = "tableServiceUri", ClientIdKey = "clientId", CredentialKey = "credential";

    private static readonly string[] IdentitySettings = [AccountNameKey, BlobKey, QueueKey, TableKey, ClientIdKey, CredentialKey];

    /// <summary>
    /// <c>AzureWebJobsStorage</c> as a connection string when it has a value; else, when <c>AzureWebJobsStorage__*</c>
    /// settings exist, the identity-based connection they describe; else Azurite's development storage.
    /// </summary>
    /// <exception cref="InvalidOperationException">The settings are contradictory or incomplete; the message names them.</exception>
    public static StorageConnection Parse(IConfiguration configuration)
    {
        var section = configuration.GetSection(ConfigurationKey);
        var settings = section.GetChildren().Where(s => !string.IsNullOrWhiteSpace(s.Value))
            .ToDictionary(s => s.Key, s => s.Value!.Trim(), StringComparer.OrdinalIgnoreCase);
        var connectionString = section.Value;

        if (settings.Count == 0)
            return new ConnectionStringStorage(string.IsNullOrWhiteSpace(connectionString) ? DevelopmentStorage : connectionString);
        // Silently preferring one would leave an operator believing the other is in force.
        if (!string.IsNullOrWhiteSpace(connectionString))
            throw Invalid($"both {ConfigurationKey} (a connection string) and {Names(settings.Keys)} are set; keep one of the two");
        return IdentityStorage.From(settings);
    }

    private static string Names(IEnumerable<string> keys) => string.Join(", ", keys.Select(k => $"{ConfigurationKey}__{k}"));

    private static InvalidOperationException Invalid(string problem) =>
        new($"The storage connection is misconfigured: {problem}. Set either {ConfigurationKey} to a connection string, or "
            + $"{ConfigurationKey}__{AccountNameKey} (or __{BlobKey}, __{QueueKey} and __{TableKey}) for an "
            + $"identity-based connection, with {ConfigurationKey}__{ClientIdKey} naming a user-assigned managed identity.");

    public abstract TableServiceClient CreateTableServiceClient(TableClientOptions? options = null);

    /// <summary>Queue messages are Base64, as the Functions queue trigger writes and reads them.</summary>
    public abstract QueueServiceClient CreateQueueServiceClient(QueueClientOptions? options = null);

    public abstract BlobServiceClient CreateBlobServiceClient(BlobClientOptions? options = null);

    private static QueueClientOptions Base64(QueueClientOptions? options)
    {
        options ??= new QueueClientOptions();
        options.MessageEncoding = QueueMessageEncoding.Base64;
        return options;
    }

    /// <summary>A connection string: Azurite's, or an account key's (which an account without shared keys refuses).</summary>
    public sealed record ConnectionStringStorage(string ConnectionString) : StorageConnection
    {
        public override TableServiceClient CreateTableServiceClient(TableClientOptions? options = null) =>
            new(ConnectionString, options ?? new TableClientOptions());

        public override QueueServiceClient CreateQueueServiceClient(QueueClientOptions? options = null) =>
            new(ConnectionString, Base64(options));

        public override BlobServiceClient CreateBlobServiceClient(BlobClientOptions? options = null) =>
            new(ConnectionString, options ?? new BlobClientOptions());

        // The key is in it: never let it reach a log through a record's generated ToString.
        public override string ToString() => "connection string";
    }

    /// <summary>The account's service endpoints with a Microsoft Entra token (<see cref="DefaultAzureCredential"/>).</summary>
    /// <param name="ClientId">The user-assigned managed identity to use; null for the system-assigned one (or a developer's login).</param>
    public sealed record IdentityStorage(Uri BlobServiceUri, Uri QueueServiceUri, Uri TableServiceUri, string? ClientId) : StorageConnection
    {
        /// <summary>One credential for every client, so its token cache is shared.</summary>
        public TokenCredential Credential { get; } = new DefaultAzureCredential(new DefaultAzureCredentialOptions
        {
            ManagedIdentityClientId = ClientId,
            WorkloadIdentityClientId = ClientId,
        });

        public override TableServiceClient CreateTableServiceClient(TableClientOptions? options = null) =>
            new(TableServiceUri, Credential, options ?? new TableClientOptions());

        public override QueueServiceClient CreateQueueServiceClient(QueueClientOptions? options = null) =>
            new(QueueServiceUri, Credential, Base64(options));

        public override BlobServiceClient CreateBlobServiceClient(BlobClientOptions? options = null) =>
            new(BlobServiceUri, Credential, options ?? new BlobClientOptions());

        internal static IdentityStorage From(IReadOnlyDictionary<string, string> settings)
        {
            var unknown = settings.Keys.Where(k => !IdentitySettings.Contains(k, StringComparer.OrdinalIgnoreCase)).ToList();
            if (unknown.Count > 0)
                throw Invalid($"{Names(unknown)} {(unknown.Count == 1 ? "is" : "are")} not a setting of an identity-based connection");
            // Functions' only value: the identity is always a managed one (or the developer's login, via DefaultAzureCredential).
            if (settings.TryGetValue(CredentialKey, out var credential) && !credential.Equals("managedidentity", StringComparison.OrdinalIgnoreCase))
                throw Invalid($"{ConfigurationKey}__{CredentialKey} is '{credential}'; the only value is 'managedidentity'");

            settings.TryGetValue(AccountNameKey, out var account);
            if (account is not null && !(account.Length is >= 3 and <= 24 && account.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c))))
                throw Invalid($"{ConfigurationKey}__{AccountNameKey} '{account}' is not a storage account name (3-24 lowercase letters and digits)");

            var missing = new List<string>();
            Uri? Endpoint(string key, string service)
            {
                if (settings.TryGetValue(key, out var configured))
                {
                    // Storage refuses bearer tokens over plain HTTP, so an http:// endpoint could never work.
                    if (Uri.TryCreate(configured, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps) return uri;
                    throw Invalid($"{ConfigurationKey}__{key} '{configured}' is not an absolute https:// URI");
                }
                if (account is not null) return new Uri($"https://{account}.{service}.core.windows.net/");
                missing.Add($"{ConfigurationKey}__{key}");
                return null;
            }

            var blob = Endpoint(BlobKey, "blob");
            var queue = Endpoint(QueueKey, "queue");
            var table = Endpoint(TableKey, "table");
            if (blob is null || queue is null || table is null)
                throw Invalid($"{string.Join(", ", missing)} {(missing.Count == 1 ? "is" : "are")} missing "
                    + $"and no {ConfigurationKey}__{AccountNameKey} "
                    + "is set to derive it from (the host uses tables, queues and blobs)");
            settings.TryGetValue(ClientIdKey, out var clientId);
            return new IdentityStorage(blob, queue, table, clientId);
        }
    }
}
