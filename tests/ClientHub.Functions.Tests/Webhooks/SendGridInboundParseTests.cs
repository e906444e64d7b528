using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using ClientHub.Core;
using ClientHub.Core.Email;
using ClientHub.Core.Pipelines;
using ClientHub.Core.Templates;
using ClientHub.Functions.Tests.Infrastructure;
using ClientHub.Functions.Tests.Jobs;
using static ClientHub.Functions.Tests.Jobs.StageBuilder;

namespace ClientHub.Functions.Tests.Webhooks;

/// <summary>A host with Inbound Parse set up: replies go to <see cref="Domain"/>, signed and routed with <see cref="Secret"/>.</summary>
public sealed class InboundParseHost : EngineHost
{
    public const string Secret = "inbound-test-secret", Domain = "reply.test.example";

    protected override IEnumerable<KeyValuePair<string, string?>> EngineSettings =>
        [new("ClientHub:SendGrid:InboundSecret", Secret), new("ClientHub:SendGrid:InboundDomain", Domain)];
}

public sealed class SendGridInboundParseTests(InboundParseHost host) : IClassFixture<InboundParseHost>
{
    private sealed record Sent(Scenario S, string ItemId, string ReplyTo, string ContactId, string ContactEmail, string AccountId);

    /// <summary>A job whose first stage sends the client a message (or a request) by automation, and the email that told them.</summary>
    private async Task<Sent> ItemEmailedAsync(bool request = false)
    {
        var s = await Scenario.CreateAsync(host);
        Template template = request
            ? new RequestTemplate { Name = "r", Title = "Your documents", Items = [new("W-2", null), new("1099", null)] }
            : new MessageTemplate { Name = "m", Subject = "Next steps", Body = "Please", ClientTasks = ["Sign"] };
        template = await s.TemplateAsync(template);
        Automation automation = request ? new CreateRequest { TemplateId = template.Id } : new SendMessage { TemplateId = template.Id };
        var pipeline = await s.PipelineAsync(Stage("Start", false, null, automation), Stage("Done"));
        var account = await s.AccountAsync();
        var jobId = await s.AddJobAsync(account, pipeline);
        await s.SettledAsync(jobId);
        var itemId = (await s.ItemsAsync(jobId)).Single()!.Id();
        var contact = (await s.Api.GetAsync($"/api/accounts/{account.Id}/contacts").ExpectAsync(200))["items"]!.AsArray().Single()!;
        var email = contact["email"]!.GetValue<string>();
        var mail = await Eventually.HoldsAsync(() => Task.FromResult(host.SendGrid.Mails.FirstOrDefault(m =>
            m["personalizations"]![0]!["to"]![0]!["email"]!.GetValue<string>() == email)), m => m is not null, "the item's email is sent");
        return new Sent(s, itemId, mail!["reply_to"]!["email"]!.GetValue<string>(), contact.Id(), email, account.Id);
    }

    /// <summary>A post as SendGrid's Inbound Parse makes it: the email's fields, then its attachments as files.</summary>
    private static MultipartFormDataContent Email(string to, string from, string text, string? messageId = null, string subject = "Re: Next steps",
        params (string Name, byte[] Bytes)[] attachments)
    {
        var form = new MultipartFormDataContent();
        form.Add(new StringContent($"Received: by mx.sendgrid.net\nMessage-ID: {messageId ?? $"<{Guid.NewGuid():N}@mail.example.com>"}\n" +
            $"Subject: {subject}\n"), "headers");
        form.Add(new StringContent($"\"Test CPA\" <{to}>"), "to");
        form.Add(new StringContent($"Jordan Rivera <{from}>"), "from");
        form.Add(new StringContent(subject), "subject");
        form.Add(new StringContent(text), "text");
        form.Add(new StringContent($"<p>{WebUtility.HtmlEncode(text)}</p>"), "html");
        form.Add(new StringContent(JsonSerializer.Serialize(new { to = new[] { to }, from })), "envelope");
        form.Add(new StringContent(attachments.Length.ToString()), "attachments");
        form.Add(new StringContent(JsonSerializer.Serialize(attachments.Select((a, i) => (Key: $"attachment{i + 1}", Value: a))
            .ToDictionary(a => a.Key, a => new { filename = a.Value.Name, name = a.Value.Name, type = "application/pdf" }))), "attachment-info");
        for (var i = 0; i < attachments.Length; i++)
        {
            var file = new ByteArrayContent(attachments[i].Bytes);
            file.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
            form.Add(file, $"attachment{i + 1}", attachments[i].Name);
        }
        return form;
    }

    private Task<HttpResponseMessage> PostAsync(HttpContent email, string secret = InboundParseHost.Secret) =>
        host.Anonymous().PostAsync($"/api/hooks/sendgrid/inbound/{secret}", email);

    private static async Task<JsonNode> MessageAsync(Sent sent) =>
        (await sent.S.Api.GetAsync($"/api/messages?jobId={sent.ItemId.Split('-')[0]}").ExpectAsync(200))["items"]!.AsArray()
        .Single(m => m!.Id() == sent.ItemId)!;

    private static async Task<JsonArray> DocumentsAsync(Sent sent) =>
        (await sent.S.Api.GetAsync($"/api/accounts/{sent.AccountId}/documents").ExpectAsync(200))["items"]!.AsArray();

    [Fact]
    public async Task An_email_about_a_message_carries_a_reply_to_address_that_names_its_item()
    {
        var sent = await ItemEmailedAsync();

        Assert.Equal(new ReplyTarget(sent.S.Firm.Id, sent.ItemId),
            ReplyAddress.Parse(sent.ReplyTo, InboundParseHost.Secret, InboundParseHost.Domain));
    }

    [Fact]
    public async Task An_emailed_reply_with_a_pdf_becomes_a_reply_on_the_message_by_the_contact_and_a_document()
    {
        var sent = await ItemEmailedAsync();

        var response = await PostAsync(Email(sent.ReplyTo, sent.ContactEmail.ToUpperInvariant(),
            "Signed and attached.\n\nOn Mon, Jan 5, 2026 at 10:00 AM Test CPA wrote:\n> Please", attachments: ("signed.pdf", DocumentUploads.Pdf)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("applied", (await response.ReadJsonAsync())["status"]!.GetValue<string>());
        var reply = (await MessageAsync(sent))["replies"]!.AsArray().Single()!;
        Assert.Equal($"contact:{sent.ContactId}", reply["by"]!.GetValue<string>());
        Assert.StartsWith("Signed and attached.", reply["text"]!.GetValue<string>());
        Assert.DoesNotContain("Please", reply["text"]!.GetValue<string>());
        var document = (await DocumentsAsync(sent)).Single()!;
        Assert.Equal(["signed.pdf", "Messages", $"contact:{sent.ContactId}"],
            [document["name"]!.GetValue<string>(), document["folder"]!.GetValue<string>(), document["uploadedBy"]!.GetValue<string>()]);
        var content = await sent.S.Api.GetAsync($"/api/documents/{document.Id()}/content");
        Assert.Equal(DocumentUploads.Pdf, await content.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task An_emailed_reply_to_a_request_comments_on_the_item_its_subject_names_and_lists_the_attachment()
    {
        var sent = await ItemEmailedAsync(request: true);

        await PostAsync(Email(sent.ReplyTo, sent.ContactEmail, "Here is my 1099.", subject: "Re: Your documents (1099)",
            attachments: ("1099.pdf", DocumentUploads.Pdf))).ExpectAsync(200);

        var request = await sent.S.Api.GetAsync($"/api/requests/{sent.ItemId}").ExpectAsync(200);
        var entry = request["items"]!.AsArray().Single(i => i!["title"]!.GetValue<string>() == "1099")!;
        var comment = entry["comments"]!.AsArray().Single()!;
        Assert.Equal(("Here is my 1099.", $"contact:{sent.ContactId}"), (comment["text"]!.GetValue<string>(), comment["by"]!.GetValue<string>()));
        var document = (await DocumentsAsync(sent)).Single()!;
        Assert.Equal([document.Id()], entry["documents"]!.AsArray().Select(d => d!.GetValue<string>()));
        Assert.Equal("Requests/Your documents", document["folder"]!.GetValue<string>());
        Assert.Empty(request["items"]!.AsArray().Single(i => i!["title"]!.GetValue<string>() == "W-2")!["comments"]!.AsArray());
    }

    [Fact]
    public async Task A_forged_signature_is_answered_200_and_changes_nothing()
    {
        var sent = await ItemEmailedAsync();
        var at = sent.ReplyTo.IndexOf('@');
        var forged = sent.ReplyTo[..(at - 1)] + (sent.ReplyTo[at - 1] == 'a' ? 'b' : 'a') + sent.ReplyTo[at..];

        var response = await PostAsync(Email(forged, sent.ContactEmail, "Let me in", attachments: ("x.pdf", DocumentUploads.Pdf)));

        Assert.Equal("dropped", (await response.ExpectAsync200())["status"]!.GetValue<string>());
        Assert.Empty((await MessageAsync(sent))["replies"]!.AsArray());
        Assert.Empty(await DocumentsAsync(sent));
    }

    [Fact]
    public async Task A_reply_from_someone_who_is_no_contact_of_the_account_is_answered_200_and_changes_nothing()
    {
        var sent = await ItemEmailedAsync();

        var response = await PostAsync(Email(sent.ReplyTo, "stranger@example.com", "Hello", attachments: ("x.pdf", DocumentUploads.Pdf)));

        Assert.Equal("dropped", (await response.ExpectAsync200())["status"]!.GetValue<string>());
        Assert.Empty((await MessageAsync(sent))["replies"]!.AsArray());
        Assert.Empty(await DocumentsAsync(sent));
    }

    [Fact]
    public async Task A_wrong_path_secret_is_not_found()
    {
        var sent = await ItemEmailedAsync();

        var response = await PostAsync(Email(sent.ReplyTo, sent.ContactEmail, "Hello"), secret: "not-the-secret");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Empty((await MessageAsync(sent))["replies"]!.AsArray());
    }

    [Fact]
    public async Task The_same_email_posted_twice_makes_one_reply()
    {
        var sent = await ItemEmailedAsync();
        var messageId = $"<{Guid.NewGuid():N}@mail.example.com>";

        var first = await PostAsync(Email(sent.ReplyTo, sent.ContactEmail, "Only once", messageId));
        var second = await PostAsync(Email(sent.ReplyTo, sent.ContactEmail, "Only once", messageId));

        Assert.Equal("applied", (await first.ExpectAsync200())["status"]!.GetValue<string>());
        Assert.Equal("duplicate", (await second.ExpectAsync200())["status"]!.GetValue<string>());
        Assert.Single((await MessageAsync(sent))["replies"]!.AsArray());
    }
}

internal static class InboundResponses
{
    public static Task<JsonNode> ExpectAsync200(this HttpResponseMessage response) => Task.FromResult(response).ExpectAsync(200);
}
