using System.Net;
using Azure.Storage.Blobs.Models;
using ClientHub.Functions.Tests.Infrastructure;

namespace ClientHub.Functions.Tests.Http.Documents;

/// <summary>The host with a 1 MiB document limit (<c>ClientHub:Documents:MaxUploadBytes</c>).</summary>
public sealed class OneMebibyteLimitHost : ClientHubHost
{
    public const int Limit = 1024 * 1024;

    protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("ClientHub:Documents:MaxUploadBytes", Limit.ToString())];
}

public sealed class DocumentSizeLimitTests(OneMebibyteLimitHost host) : IClassFixture<OneMebibyteLimitHost>
{
    private static byte[] PdfOfLength(int length)
    {
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        "%PDF-1.7\n"u8.CopyTo(bytes);
        return bytes;
    }

    [Fact]
    public async Task A_document_of_exactly_the_limit_is_stored_whole()
    {
        var firm = await host.CreateFirmAsync();
        var accountId = await firm.CreateAccountAsync();
        var bytes = PdfOfLength(OneMebibyteLimitHost.Limit);

        var document = await firm.Owner.UploadAsync(accountId, bytes, "exactly.pdf").ExpectAsync(201);

        Assert.Equal(OneMebibyteLimitHost.Limit, document["size"]!.GetValue<long>());
        Assert.Equal(bytes, await firm.Owner.GetByteArrayAsync($"/api/documents/{document.Id()}/content"));
    }

    [Fact]
    public async Task One_byte_over_the_limit_is_too_large_and_leaves_no_blob_and_no_row()
    {
        var firm = await host.CreateFirmAsync();
        var accountId = await firm.CreateAccountAsync();

        var response = await firm.Owner.UploadAsync(accountId, PdfOfLength(OneMebibyteLimitHost.Limit + 1), "over.pdf");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.True(response.IsProblem());
        Assert.Contains("1048576", (await response.ReadJsonAsync())["detail"]!.GetValue<string>());
        Assert.Empty(await host.BlobNamesAsync(firm.Id, BlobStates.Uncommitted));
        Assert.Empty(await host.RowsAsync(firm.Id, accountId));
        Assert.Empty((await firm.Owner.GetAsync($"/api/accounts/{accountId}/documents").ExpectAsync(200)).ItemIds());
    }

    [Fact]
    public async Task A_body_declared_far_over_the_limit_is_refused_before_it_is_read()
    {
        var firm = await host.CreateFirmAsync();
        var accountId = await firm.CreateAccountAsync();
        var content = DocumentUploads.Form(new MemoryStream(PdfOfLength(3 * OneMebibyteLimitHost.Limit)), "big.pdf");
        await content.LoadIntoBufferAsync();

        await firm.Owner.PostAsync($"/api/accounts/{accountId}/documents", content).ExpectAsync(413);
        Assert.Empty(await host.BlobNamesAsync(firm.Id, BlobStates.Uncommitted));
    }
}
