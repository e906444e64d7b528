using System.Net.Http.Headers;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using ClientHub.Core;
using ClientHub.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace ClientHub.Functions.Tests.Infrastructure;

/// <summary>Multipart uploads as clients send them (the file streamed, never a byte[] copy of a large one), and looks at what storage holds.</summary>
public static class DocumentUploads
{
    public static readonly byte[] Pdf = "%PDF-1.7\n%\u00e2\u00e3\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"u8.ToArray();

    public static readonly byte[] Png =
        [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D', (byte)'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 2];

    /// <summary>
    /// A multipart body with <c>folder</c> and <c>internal</c> (when given) before the file part. The file name goes in
    /// <c>filename</c> and, as browsers and HttpClient send names beyond ASCII, in <c>filename*</c>.
    /// </summary>
    public static MultipartFormDataContent Form(Stream file, string fileName, string? folder = null, bool? isInternal = null,
        string declaredType = "application/octet-stream")
    {
        var form = new MultipartFormDataContent();
        if (folder is not null) form.Add(new StringContent(folder), "folder");
        if (isInternal is { } flag) form.Add(new StringContent(flag ? "true" : "false"), "internal");
        var content = new StreamContent(file);
        content.Headers.ContentType = new MediaTypeHeaderValue(declaredType);
        content.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data")
        {
            Name = "\"file\"", FileName = "\"upload\"", FileNameStar = fileName,
        };
        form.Add(content);
        return form;
    }

    public static Task<HttpResponseMessage> UploadAsync(this HttpClient client, string accountId, byte[] bytes, string fileName,
        string? folder = null, bool? isInternal = null, string declaredType = "application/octet-stream") =>
        client.PostAsync($"/api/accounts/{accountId}/documents", Form(new MemoryStream(bytes), fileName, folder, isInternal, declaredType));

    /// <summary>
    /// A client straight on the test server: <see cref="ClientHubHost.WithToken"/>'s client has WebApplicationFactory's redirect
    /// handler, which copies every request body into memory so that it could send it again.
    /// </summary>
    public static HttpClient StreamingClient(this ClientHubHost host, string token)
    {
        var client = host.Server.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>The blob container as a client of the storage account sees it (not through the host).</summary>
    public static BlobContainerClient DocumentsContainer(this ClientHubHost host) =>
        new(ClientHubHost.StorageConnectionString, new StorageNames(host.Prefix).Container(Containers.Documents));

    /// <summary>The firm's blobs; with <see cref="BlobStates.Uncommitted"/> also those that have only staged blocks.</summary>
    public static async Task<List<string>> BlobNamesAsync(this ClientHubHost host, FirmId firmId, BlobStates states = BlobStates.None)
    {
        var names = new List<string>();
        await foreach (var blob in host.DocumentsContainer().GetBlobsAsync(BlobTraits.None, states, $"{firmId.Value}/", CancellationToken.None)) names.Add(blob.Name);
        return names;
    }

    /// <summary>The metadata rows of an account, internal ones too, read from the table.</summary>
    public static async Task<IReadOnlyList<StoredDocument>> RowsAsync(this ClientHubHost host, FirmId firmId, string accountId) =>
        (await host.Services.GetRequiredService<AccountDocuments>().ListAsync(firmId, accountId, null, includeInternal: true, 1000, null,
            CancellationToken.None)).Items;

    public static async Task<string> PortalTokenAsync(this TestFirm firm, string accountId)
    {
        var contactId = await firm.CreateContactAsync(accountId, portalAccess: true);
        return (await firm.Owner.PostAsync($"/api/contacts/{contactId}/portal-token", null).ExpectAsync(201))["token"]!.GetValue<string>();
    }
}
