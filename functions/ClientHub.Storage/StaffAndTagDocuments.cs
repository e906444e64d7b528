using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using ClientHub.Core;
using ClientHub.Core.Clients;
using ClientHub.Core.Firms;

namespace ClientHub.Storage;

/// <summary>What writing a document with a unique-name index row came to.</summary>
public enum UniqueWrite { Written, NameTaken, NotFound }

/// <summary>
/// Staff members and tags, each written in one transaction with the index row that keeps its name unique in the firm: a staff
/// member's email (lower case), a tag's name (folded as <see cref="StringComparer.OrdinalIgnoreCase"/> folds, hashed because a
/// 200-character name, escaped, could pass the 1 KiB row-key limit). A firm is created with its first Owner the same way.
/// </summary>
public static class StaffAndTagDocuments
{
    private const string StaffIdColumn = "StaffId", TagIdColumn = "TagId";

    public static async Task<ETag> CreateFirmAsync(this FirmDocuments documents, Firm firm, StaffMember owner,
        CancellationToken cancellationToken)
    {
        var written = await documents.SubmitAsync(
        [
            new(TableTransactionActionType.Add, Row(firm.Id, DocumentKinds.Firm, firm.Id.Value, firm)),
            new(TableTransactionActionType.Add, Row(firm.Id, DocumentKinds.Staff, owner.Id, owner)),
            new(TableTransactionActionType.Add, EmailRow(firm.Id, owner)),
        ], cancellationToken);
        return written.Value[0].Headers.ETag ?? default;
    }

    /// <summary>Adds a staff member; <see cref="UniqueWrite.NameTaken"/> when another member of the firm has the email.</summary>
    public static Task<(UniqueWrite Outcome, ETag ETag)> InsertStaffAsync(this FirmDocuments documents, FirmId firmId, StaffMember member,
        CancellationToken cancellationToken) =>
        SubmitUniqueAsync(documents,
        [
            new(TableTransactionActionType.Add, Row(firmId, DocumentKinds.Staff, member.Id, member)),
            new(TableTransactionActionType.Add, EmailRow(firmId, member)),
        ], nameIndex: 1, cancellationToken);

    /// <summary>
    /// Replaces <paramref name="current"/> (read with <paramref name="ifMatch"/>; a stale one throws 412) by <paramref name="updated"/>,
    /// moving the email's index row when the address changed (a change of case alone keeps it).
    /// </summary>
    public static Task<(UniqueWrite Outcome, ETag ETag)> ReplaceStaffAsync(this FirmDocuments documents, FirmId firmId, StaffMember current,
        StaffMember updated, ETag ifMatch, CancellationToken cancellationToken)
    {
        List<TableTransactionAction> actions =
            [new(TableTransactionActionType.UpdateReplace, Row(firmId, DocumentKinds.Staff, updated.Id, updated), ifMatch)];
        var emailChanged = EmailRowKey(updated.Email) != EmailRowKey(current.Email);
        if (emailChanged)
        {
            actions.Add(new(TableTransactionActionType.Delete, new TableEntity(firmId.Value, EmailRowKey(current.Email)), ETag.All));
            actions.Add(new(TableTransactionActionType.Add, EmailRow(firmId, updated)));
        }
        return SubmitUniqueAsync(documents, actions, nameIndex: emailChanged ? 2 : -1, cancellationToken);
    }

    /// <summary>Deletes a staff member read with <paramref name="ifMatch"/> and frees the email; false when the member is gone.</summary>
    public static Task<bool> DeleteStaffAsync(this FirmDocuments documents, FirmId firmId, StaffMember member, ETag ifMatch,
        CancellationToken cancellationToken) =>
        DeleteWithIndexAsync(documents, firmId, FirmDocuments.RowKey(DocumentKinds.Staff, member.Id), ifMatch, EmailRowKey(member.Email),
            cancellationToken);

    /// <summary>Adds a tag; <see cref="UniqueWrite.NameTaken"/> when the firm has a tag of that name, whatever its case.</summary>
    public static Task<(UniqueWrite Outcome, ETag ETag)> InsertTagAsync(this FirmDocuments documents, FirmId firmId, Tag tag,
        CancellationToken cancellationToken) =>
        SubmitUniqueAsync(documents,
        [
            new(TableTransactionActionType.Add, Row(firmId, DocumentKinds.Tag, tag.Id, tag)),
            new(TableTransactionActionType.Add, new TableEntity(firmId.Value, TagNameRowKey(tag.Name)) { [TagIdColumn] = tag.Id }),
        ], nameIndex: 1, cancellationToken);

    /// <summary>Deletes a tag and frees its name; false when it is gone.</summary>
    public static Task<bool> DeleteTagAsync(this FirmDocuments documents, FirmId firmId, Tag tag, CancellationToken cancellationToken) =>
        DeleteWithIndexAsync(documents, firmId, FirmDocuments.RowKey(DocumentKinds.Tag, tag.Id), ETag.All, TagNameRowKey(tag.Name),
            cancellationToken);

    private static string EmailRowKey(string email) =>
        FirmDocuments.RowKey(DocumentKinds.StaffEmail, Uri.EscapeDataString(email.Trim().ToLowerInvariant()));

    private static string TagNameRowKey(string name) =>
        FirmDocuments.RowKey(DocumentKinds.TagName,
            Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name.Trim().ToUpperInvariant()))));

    private static TableEntity EmailRow(FirmId firmId, StaffMember member) =>
        new(firmId.Value, EmailRowKey(member.Email)) { [StaffIdColumn] = member.Id };

    private static TableEntity Row<T>(FirmId firmId, string kind, string id, T value) =>
        FirmDocuments.ToEntity(firmId.Value, FirmDocuments.RowKey(kind, id), value);

    private static async Task<(UniqueWrite, ETag)> SubmitUniqueAsync(FirmDocuments documents, IReadOnlyList<TableTransactionAction> actions,
        int nameIndex, CancellationToken cancellationToken)
    {
        try
        {
            var written = await documents.SubmitAsync(actions, cancellationToken);
            return (UniqueWrite.Written, written.Value[0].Headers.ETag ?? default);
        }
        catch (TableTransactionFailedException e) when (e.Status == 409 && e.FailedTransactionActionIndex == nameIndex)
        {
            return (UniqueWrite.NameTaken, default);
        }
        catch (TableTransactionFailedException e) when (e.Status == 404 && e.FailedTransactionActionIndex == 0)
        {
            return (UniqueWrite.NotFound, default);
        }
    }

    private static async Task<bool> DeleteWithIndexAsync(FirmDocuments documents, FirmId firmId, string rowKey, ETag ifMatch, string indexRowKey,
        CancellationToken cancellationToken)
    {
        try
        {
            await documents.SubmitAsync(
            [
                new(TableTransactionActionType.Delete, new TableEntity(firmId.Value, rowKey), ifMatch),
                new(TableTransactionActionType.Delete, new TableEntity(firmId.Value, indexRowKey), ETag.All),
            ], cancellationToken);
            return true;
        }
        catch (TableTransactionFailedException e) when (e.Status == 404)
        {
            return false;
        }
    }
}
