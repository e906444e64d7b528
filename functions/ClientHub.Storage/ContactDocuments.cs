using Azure;
using Azure.Data.Tables;
using ClientHub.Core;
using ClientHub.Core.Clients;

namespace ClientHub.Storage;

/// <summary>
/// Contacts live twice in the firm's partition, always written in one table batch:
/// <list type="bullet">
/// <item><c>contact|{contactId}</c>, the document of record: lookups by id (the API, the portal
/// token check) stay one point read, and its ETag is the one <c>If-Match</c> compares.</item>
/// <item><c>accountcontact|{accountId}-{contactId}</c>, a copy under its account, so "the account's
/// contacts" (the API list, the job engine's emails) is one range query instead of a scan of every
/// contact of the firm. Ids are letters and digits only, so the dash cannot be confused.</item>
/// </list>
/// Both rows are in one partition (the firm), which is what makes the batch possible.
/// </summary>
public static class ContactDocuments
{
    public static string AccountRowKey(string accountId, string contactId) =>
        FirmDocuments.RowKey(DocumentKinds.AccountContact, $"{accountId}-{contactId}");

    public static Task<Versioned<Contact>?> GetContactAsync(
        this FirmDocuments documents, FirmId firmId, string contactId, CancellationToken cancellationToken) =>
        documents.GetAsync<Contact>(firmId, DocumentKinds.Contact, contactId, cancellationToken);

    /// <summary>Every contact of an account, in one range query.</summary>
    public static async Task<List<Contact>> ListContactsAsync(
        this FirmDocuments documents, FirmId firmId, string accountId, CancellationToken cancellationToken)
    {
        var result = new List<Contact>();
        if (!Ids.IsWellFormed(accountId)) return result;
        await foreach (var e in documents.Table.QueryAsync<TableEntity>(AccountFilter(firmId, accountId), cancellationToken: cancellationToken))
            result.Add(FirmDocuments.Read<Contact>(e));
        return result;
    }

    /// <summary>One page of an account's contacts.</summary>
    public static async Task<ListPage<Contact>> ListContactsAsync(this FirmDocuments documents, FirmId firmId, string accountId, int pageSize,
        string? continuationToken, CancellationToken cancellationToken)
    {
        if (!Ids.IsWellFormed(accountId)) return new ListPage<Contact>([], null);
        await foreach (var page in documents.Table
                           .QueryAsync<TableEntity>(AccountFilter(firmId, accountId), pageSize, cancellationToken: cancellationToken)
                           .AsPages(continuationToken, pageSize))
        {
            return new ListPage<Contact>(page.Values.Select(FirmDocuments.Read<Contact>).ToList(), page.ContinuationToken);
        }
        return new ListPage<Contact>([], null);
    }

    public static async Task<ETag> InsertContactAsync(
        this FirmDocuments documents, FirmId firmId, Contact contact, CancellationToken cancellationToken)
    {
        var response = await documents.SubmitAsync(
        [
            new(TableTransactionActionType.Add,
                FirmDocuments.ToEntity(firmId.Value, FirmDocuments.RowKey(DocumentKinds.Contact, contact.Id), contact)),
            new(TableTransactionActionType.Add, FirmDocuments.ToEntity(firmId.Value, AccountRowKey(contact.AccountId, contact.Id), contact)),
        ], cancellationToken);
        return await ETagOfRecordAsync(documents, firmId, contact.Id, response.Value[0], cancellationToken);
    }

    /// <summary>Replaces a contact (its account never changes); a stale <paramref name="ifMatch"/> fails the whole batch with 412.</summary>
    public static async Task<ETag> ReplaceContactAsync(
        this FirmDocuments documents, FirmId firmId, Contact contact, ETag ifMatch, CancellationToken cancellationToken)
    {
        var response = await documents.SubmitAsync(
        [
            new(TableTransactionActionType.UpdateReplace,
                FirmDocuments.ToEntity(firmId.Value, FirmDocuments.RowKey(DocumentKinds.Contact, contact.Id), contact), ifMatch),
            new(TableTransactionActionType.UpsertReplace,
                FirmDocuments.ToEntity(firmId.Value, AccountRowKey(contact.AccountId, contact.Id), contact)),
        ], cancellationToken);
        return await ETagOfRecordAsync(documents, firmId, contact.Id, response.Value[0], cancellationToken);
    }

    public static async Task DeleteContactAsync(this FirmDocuments documents, FirmId firmId, Contact contact, CancellationToken cancellationToken) =>
        await documents.SubmitAsync(DeleteActions(firmId, contact), cancellationToken);

    /// <summary>Deletes every contact of an account (when the account goes), a batch of at most 100 actions at a time.</summary>
    public static async Task DeleteAccountContactsAsync(
        this FirmDocuments documents, FirmId firmId, string accountId, CancellationToken cancellationToken)
    {
        var contacts = await documents.ListContactsAsync(firmId, accountId, cancellationToken);
        foreach (var chunk in contacts.Chunk(50))
            await documents.SubmitAsync([.. chunk.SelectMany(c => DeleteActions(firmId, c))], cancellationToken);
    }

    private static TableTransactionAction[] DeleteActions(FirmId firmId, Contact contact) =>
    [
        new(TableTransactionActionType.Delete, new TableEntity(firmId.Value, FirmDocuments.RowKey(DocumentKinds.Contact, contact.Id)), ETag.All),
        new(TableTransactionActionType.Delete, new TableEntity(firmId.Value, AccountRowKey(contact.AccountId, contact.Id)), ETag.All),
    ];

    private static string AccountFilter(FirmId firmId, string accountId)
    {
        var prefix = AccountRowKey(accountId, "");
        return TableClient.CreateQueryFilter($"PartitionKey eq {firmId.Value} and RowKey gt {prefix} and RowKey lt {prefix[..^1] + "."}");
    }

    /// <summary>Batch sub-responses carry the new ETag; should one not, read it back rather than hand out a wrong one.</summary>
    private static async Task<ETag> ETagOfRecordAsync(
        FirmDocuments documents, FirmId firmId, string contactId, Response response, CancellationToken cancellationToken)
    {
        if (response.Headers.ETag is { } etag) return etag;
        var stored = await documents.GetContactAsync(firmId, contactId, cancellationToken);
        return stored?.ETag ?? default;
    }
}
