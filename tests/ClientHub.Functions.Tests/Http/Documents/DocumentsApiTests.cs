using System.Net;
using System.Net.Http.Headers;
using System.Text;
using ClientHub.Functions.Tests.Infrastructure;

namespace ClientHub.Functions.Tests.Http.Documents;

public sealed class DocumentsApiTests(ClientHubHost host) : IClassFixture<ClientHubHost>
{
    [Fact]
    public async Task Uploaded_documents_are_listed_by_folder_downloaded_byte_for_byte_and_deleted_with_their_blob()
    {
        var firm = await host.CreateFirmAsync();
        var accountId = await firm.CreateAccountAsync();

        var pdfResponse = await firm.Owner.UploadAsync(accountId, DocumentUploads.Pdf, "W-2 2025.pdf", folder: " Tax / 2025 ");
        var pdf = await Task.FromResult(pdfResponse).ExpectAsync(201);
        Assert.NotNull(pdfResponse.Headers.ETag);
        Assert.Equal($"/api/documents/{pdf.Id()}", pdfResponse.Headers.Location?.ToString());
        var png = await firm.Owner.UploadAsync(accountId, DocumentUploads.Png, "receipt.png", isInternal: true).ExpectAsync(201);

        Assert.Equal("W-2 2025.pdf", pdf["name"]!.GetValue<string>());
        Assert.Equal("Tax/2025", pdf["folder"]!.GetValue<string>());
        Assert.Equal(DocumentUploads.Pdf.Length, pdf["size"]!.GetValue<long>());
        Assert.Equal("application/pdf", pdf["contentType"]!.GetValue<string>());
        Assert.False(pdf["internal"]!.GetValue<bool>());
        Assert.Equal($"staff:{firm.OwnerId}", pdf["uploadedBy"]!.GetValue<string>());
        Assert.True(DateTimeOffset.UtcNow - pdf["uploadedAt"]!.GetValue<DateTimeOffset>() < TimeSpan.FromMinutes(1));
        Assert.Equal("image/png", png["contentType"]!.GetValue<string>());
        Assert.True(png["internal"]!.GetValue<bool>());
        Assert.Null(png["folder"]?.GetValue<string>());
        Assert.Equal(
            new[] { $"{firm.Id.Value}/{accountId}/{pdf.Id()}", $"{firm.Id.Value}/{accountId}/{png.Id()}" }.Order(),
            (await host.BlobNamesAsync(firm.Id)).Order());

        var all = await firm.Owner.GetAsync($"/api/accounts/{accountId}/documents").ExpectAsync(200);
        Assert.Equal(new[] { pdf.Id(), png.Id() }.Order(), all.ItemIds().Order());
        var inFolder = await firm.Owner.GetAsync($"/api/accounts/{accountId}/documents?folder=Tax/2025").ExpectAsync(200);
        Assert.Equal([pdf.Id()], inFolder.ItemIds());
        Assert.Empty((await firm.Owner.GetAsync($"/api/accounts/{accountId}/documents?folder=Tax").ExpectAsync(200)).ItemIds());

        var metadata = await firm.Owner.GetAsync($"/api/documents/{pdf.Id()}");
        Assert.Equal("W-2 2025.pdf", (await Task.FromResult(metadata).ExpectAsync(200))["name"]!.GetValue<string>());
        Assert.NotNull(metadata.Headers.ETag);

        var download = await firm.Owner.GetAsync($"/api/documents/{pdf.Id()}/content");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(DocumentUploads.Pdf, await download.Content.ReadAsByteArrayAsync());
        Assert.Equal("application/pdf", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal(DocumentUploads.Pdf.Length, download.Content.Headers.ContentLength);
        Assert.Equal("nosniff", download.Headers.GetValues("X-Content-Type-Options").Single());
        var disposition = download.Content.Headers.ContentDisposition!;
        Assert.Equal("attachment", disposition.DispositionType);
        Assert.Equal("W-2 2025.pdf", disposition.FileNameStar);
        Assert.Contains("filename*=UTF-8''W-2%202025.pdf", download.Content.Headers.GetValues("Content-Disposition").Single());
        Assert.Equal(DocumentUploads.Png, await firm.Owner.GetByteArrayAsync($"/api/documents/{png.Id()}/content"));

        await firm.Owner.DeleteAsync($"/api/documents/{pdf.Id()}").ExpectAsync(204);
        Assert.Equal([$"{firm.Id.Value}/{accountId}/{png.Id()}"], await host.BlobNamesAsync(firm.Id));
        Assert.Equal([png.Id()], (await firm.Owner.GetAsync($"/api/accounts/{accountId}/documents").ExpectAsync(200)).ItemIds());
        Assert.Equal([png.Id()], (await host.RowsAsync(firm.Id, accountId)).Select(d => d.Id));
        await firm.Owner.GetAsync($"/api/documents/{pdf.Id()}").ExpectAsync(404);
        await firm.Owner.GetAsync($"/api/documents/{pdf.Id()}/content").ExpectAsync(404);
        await firm.Owner.DeleteAsync($"/api/documents/{pdf.Id()}").ExpectAsync(404);
    }

    [Fact]
    public async Task A_stale_If_Match_on_delete_is_a_precondition_failure_and_keeps_the_document()
    {
        var firm = await host.CreateFirmAsync();
        var accountId = await firm.CreateAccountAsync();
        var document = await firm.Owner.UploadAsync(accountId, DocumentUploads.Pdf, "a.pdf").ExpectAsync(201);

        var request = new HttpRequestMessage(HttpMethod.Delete, $"/api/documents/{document.Id()}");
        request.Headers.TryAddWithoutValidation("If-Match", "W/\"datetime'2001-01-01T00%3A00%3A00.0000000Z'\"");
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await firm.Owner.SendAsync(request)).StatusCode);
        Assert.Single(await host.BlobNamesAsync(firm.Id));
        Assert.Single(await host.RowsAsync(firm.Id, accountId));
    }

    [Fact]
    public async Task An_executable_named_invoice_pdf_and_declared_a_pdf_is_refused_and_nothing_is_stored()
    {
        var firm = await host.CreateFirmAsync();
        var accountId = await firm.CreateAccountAsync();
        byte[] mz = [(byte)'M', (byte)'Z', 0x90, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0xFF, 0xFF, 0, 0, .. new byte[240]];
        byte[] elf = [0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0, .. new byte[120]];

        var response = await firm.Owner.UploadAsync(accountId, mz, "invoice.pdf", declaredType: "application/pdf");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.True(response.IsProblem());
        await firm.Owner.UploadAsync(accountId, elf, "statement.pdf", declaredType: "application/pdf").ExpectAsync(415);
        await firm.Owner.UploadAsync(accountId, [], "empty.txt").ExpectAsync(415);

        Assert.Empty(await host.BlobNamesAsync(firm.Id));
        Assert.Empty(await host.RowsAsync(firm.Id, accountId));
        Assert.Empty((await firm.Owner.GetAsync($"/api/accounts/{accountId}/documents").ExpectAsync(200)).ItemIds());
    }

    [Fact]
    public async Task Text_is_csv_by_its_name_and_the_stored_type_is_the_sniffed_one_never_the_declared_one()
    {
        var firm = await host.CreateFirmAsync();
        var accountId = await firm.CreateAccountAsync();
        var csv = Encoding.UTF8.GetBytes("date,amount\n2026-01-02,12.50\n");

        var stored = await firm.Owner.UploadAsync(accountId, csv, "bank.csv", declaredType: "text/html").ExpectAsync(201);
        var png = await firm.Owner.UploadAsync(accountId, DocumentUploads.Png, "photo.pdf", declaredType: "application/pdf").ExpectAsync(201);

        Assert.Equal("text/csv; charset=utf-8", stored["contentType"]!.GetValue<string>());
        Assert.Equal("image/png", png["contentType"]!.GetValue<string>());
        var download = await firm.Owner.GetAsync($"/api/documents/{png.Id()}/content");
        Assert.Equal("image/png", download.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Hostile_file_names_are_stored_and_offered_back_sanitized()
    {
        var firm = await host.CreateFirmAsync();
        var accountId = await firm.CreateAccountAsync();
        var cases = new (string Sent, string Stored)[]
        {
            ("../../etc/passwd", "passwd"),
            (new string('n', 296) + ".pdf", new string('n', 196) + ".pdf"),
            ("report\u0007 for \u202Efdp.exe", "report for fdp.exe"),
            (@"C:\fakepath\Relevé.pdf", "Relevé.pdf"),
        };

        foreach (var (sent, expected) in cases)
        {
            var document = await firm.Owner.UploadAsync(accountId, DocumentUploads.Pdf, sent).ExpectAsync(201);
            Assert.Equal(expected, document["name"]!.GetValue<string>());
            Assert.Equal(expected, (await firm.Owner.GetAsync($"/api/documents/{document.Id()}").ExpectAsync(200))["name"]!.GetValue<string>());

            var download = await firm.Owner.GetAsync($"/api/documents/{document.Id()}/content");
            var header = download.Content.Headers.GetValues("Content-Disposition").Single();
            Assert.All(header, c => Assert.True(c is >= ' ' and <= '~', $"non-printable or non-ASCII {(int)c:X4} in {header}"));
            Assert.Equal(expected, download.Content.Headers.ContentDisposition!.FileNameStar);
            Assert.DoesNotContain("/", download.Content.Headers.ContentDisposition!.FileName);
        }
        Assert.Equal(cases.Length, (await host.BlobNamesAsync(firm.Id)).Count);
        Assert.All(await host.BlobNamesAsync(firm.Id), name => Assert.StartsWith($"{firm.Id.Value}/{accountId}/{accountId}-", name));
    }

    [Theory]
    [InlineData("Tax//2025")]
    [InlineData("../other-account")]
    [InlineData(@"Tax\2025")]
    public async Task A_folder_that_climbs_or_has_empty_segments_is_refused_before_anything_is_stored(string folder)
    {
        var firm = await host.CreateFirmAsync();
        var accountId = await firm.CreateAccountAsync();

        var body = await firm.Owner.UploadAsync(accountId, DocumentUploads.Pdf, "a.pdf", folder).ExpectAsync(400);

        Assert.NotNull(body["errors"]?["folder"]);
        Assert.Empty(await host.BlobNamesAsync(firm.Id));
        await firm.Owner.GetAsync($"/api/accounts/{accountId}/documents?folder={Uri.EscapeDataString(folder)}").ExpectAsync(400);
        await firm.Owner.UploadAsync(accountId, DocumentUploads.Pdf, "a.pdf", new string('f', 201)).ExpectAsync(400);
    }

    [Fact]
    public async Task Malformed_uploads_are_client_errors_and_store_nothing()
    {
        var firm = await host.CreateFirmAsync();
        var accountId = await firm.CreateAccountAsync();
        var path = $"/api/accounts/{accountId}/documents";

        await firm.Owner.PostJsonAsync(path, new { file = "JVBERi0=" }).ExpectAsync(415);
        await firm.Owner.PostAsync(path, null).ExpectAsync(415);
        var noFile = new MultipartFormDataContent { { new StringContent("Tax"), "folder" } };
        Assert.NotNull((await firm.Owner.PostAsync(path, noFile).ExpectAsync(400))["errors"]?["file"]);
        var unknown = new MultipartFormDataContent { { new StringContent("x"), "colour" } };
        await firm.Owner.PostAsync(path, unknown).ExpectAsync(400);
        var badFlag = new MultipartFormDataContent { { new StringContent("maybe"), "internal" } };
        await firm.Owner.PostAsync(path, badFlag).ExpectAsync(400);

        var lateField = DocumentUploads.Form(new MemoryStream(DocumentUploads.Pdf), "a.pdf");
        lateField.Add(new StringContent("Tax"), "folder");
        Assert.NotNull((await firm.Owner.PostAsync(path, lateField).ExpectAsync(400))["errors"]?["folder"]);

        var truncated = new ByteArrayContent("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n%PDF-1.7 and then"u8.ToArray());
        truncated.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=b");
        var response = await firm.Owner.PostAsync(path, truncated);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(response.IsProblem());

        var noBoundary = new ByteArrayContent("x"u8.ToArray());
        noBoundary.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data");
        await firm.Owner.PostAsync(path, noBoundary).ExpectAsync(400);

        Assert.Empty(await host.BlobNamesAsync(firm.Id));
        Assert.Empty(await host.RowsAsync(firm.Id, accountId));
    }

    [Fact]
    public async Task Another_firms_deleted_or_malformed_ids_are_not_found()
    {
        var firm = await host.CreateFirmAsync();
        var other = await host.CreateFirmAsync("Other CPA");
        var accountId = await firm.CreateAccountAsync();
        var document = await firm.Owner.UploadAsync(accountId, DocumentUploads.Pdf, "a.pdf").ExpectAsync(201);

        await other.Owner.UploadAsync(accountId, DocumentUploads.Pdf, "b.pdf").ExpectAsync(404);
        await other.Owner.GetAsync($"/api/accounts/{accountId}/documents").ExpectAsync(404);
        await other.Owner.GetAsync($"/api/documents/{document.Id()}").ExpectAsync(404);
        await other.Owner.GetAsync($"/api/documents/{document.Id()}/content").ExpectAsync(404);
        await other.Owner.DeleteAsync($"/api/documents/{document.Id()}").ExpectAsync(404);
        foreach (var malformed in new[] { "x", accountId, $"{accountId}-", $"{accountId}-{accountId}-{accountId}", "a%2F..%2Fb", new string('a', 65) })
        {
            await firm.Owner.GetAsync($"/api/documents/{malformed}").ExpectAsync(404);
            await firm.Owner.GetAsync($"/api/documents/{malformed}/content").ExpectAsync(404);
            await firm.Owner.DeleteAsync($"/api/documents/{malformed}").ExpectAsync(404);
        }
        await firm.Owner.UploadAsync("no-such-account", DocumentUploads.Pdf, "a.pdf").ExpectAsync(404);

        await firm.Owner.DeleteAsync($"/api/accounts/{accountId}").ExpectAsync(204);
        await firm.Owner.UploadAsync(accountId, DocumentUploads.Pdf, "c.pdf").ExpectAsync(404);
        await firm.Owner.GetAsync($"/api/accounts/{accountId}/documents").ExpectAsync(404);
        await firm.Owner.GetAsync($"/api/documents/{document.Id()}").ExpectAsync(404);
        await firm.Owner.GetAsync($"/api/documents/{document.Id()}/content").ExpectAsync(404);
        Assert.Single(await host.BlobNamesAsync(firm.Id));
        Assert.Empty(await host.BlobNamesAsync(other.Id));
    }

    [Fact]
    public async Task The_portal_sees_its_own_accounts_shared_documents_only()
    {
        var firm = await host.CreateFirmAsync();
        var other = await host.CreateFirmAsync("Other CPA");
        var accountId = await firm.CreateAccountAsync();
        var neighbourId = await firm.CreateAccountAsync("Neighbour Ltd");
        var shared = await firm.Owner.UploadAsync(accountId, DocumentUploads.Pdf, "engagement.pdf", "Letters").ExpectAsync(201);
        var root = await firm.Owner.UploadAsync(accountId, DocumentUploads.Png, "logo.png").ExpectAsync(201);
        var notes = await firm.Owner.UploadAsync(accountId, DocumentUploads.Pdf, "notes.pdf", "Letters", isInternal: true).ExpectAsync(201);
        var neighbours = await firm.Owner.UploadAsync(neighbourId, DocumentUploads.Pdf, "theirs.pdf", "Letters").ExpectAsync(201);
        var otherFirms = await other.Owner.UploadAsync(await other.CreateAccountAsync(), DocumentUploads.Pdf, "x.pdf").ExpectAsync(201);
        var portal = host.WithToken(await firm.PortalTokenAsync(accountId));

        var list = await portal.GetAsync("/api/portal/documents").ExpectAsync(200);
        Assert.Equal(new[] { shared.Id(), root.Id() }.Order(), list.ItemIds().Order());
        Assert.Equal([shared.Id()], (await portal.GetAsync("/api/portal/documents?folder=Letters").ExpectAsync(200)).ItemIds());
        Assert.Equal(DocumentUploads.Pdf, await portal.GetByteArrayAsync($"/api/portal/documents/{shared.Id()}/content"));
        var download = await portal.GetAsync($"/api/portal/documents/{root.Id()}/content");
        Assert.Equal("nosniff", download.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("logo.png", download.Content.Headers.ContentDisposition?.FileNameStar);

        foreach (var hidden in new[] { notes.Id(), neighbours.Id(), otherFirms.Id(), "x", $"{accountId}-{accountId}" })
            await portal.GetAsync($"/api/portal/documents/{hidden}/content").ExpectAsync(404);
    }

    [Fact]
    public async Task A_credential_of_the_wrong_kind_is_unauthorized_while_a_role_too_low_stays_forbidden()
    {
        var firm = await host.CreateFirmAsync();
        var accountId = await firm.CreateAccountAsync();
        var document = await firm.Owner.UploadAsync(accountId, DocumentUploads.Pdf, "a.pdf").ExpectAsync(201);
        var portal = host.WithToken(await firm.PortalTokenAsync(accountId));
        var staff = await host.AddStaffAsync(firm);

        foreach (var path in new[] { "/api/portal/documents", $"/api/portal/documents/{document.Id()}/content" })
        {
            var response = await firm.Owner.GetAsync(path);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.True(response.IsProblem());
            await host.Anonymous().GetAsync(path).ExpectAsync(401);
        }
        foreach (var path in new[] { $"/api/accounts/{accountId}/documents", $"/api/documents/{document.Id()}", "/api/accounts", "/api/staff" })
            await portal.GetAsync(path).ExpectAsync(401);
        await portal.UploadAsync(accountId, DocumentUploads.Pdf, "b.pdf").ExpectAsync(401);
        await portal.PostJsonAsync("/api/staff", new { name = "Mallory", email = FirmBuilders.UniqueEmail(), role = "Admin" }).ExpectAsync(401);
        await staff.Client.PostJsonAsync("/api/staff", new { name = "Mallory", email = FirmBuilders.UniqueEmail(), role = "Admin" }).ExpectAsync(403);
        Assert.Single(await host.RowsAsync(firm.Id, accountId));
    }
}
