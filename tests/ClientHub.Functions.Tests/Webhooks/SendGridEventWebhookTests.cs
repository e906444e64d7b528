using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ClientHub.Core.Pipelines;
using ClientHub.Functions.Tests.Infrastructure;
using ClientHub.Functions.Tests.Jobs;
using static ClientHub.Functions.Tests.Jobs.StageBuilder;

namespace ClientHub.Functions.Tests.Webhooks;

/// <summary>A host that trusts the public half of a P-256 key made for the test, as SendGrid's verification key.</summary>
public sealed class SendGridEventsHost : EngineHost
{
    public ECDsa Key { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    protected override IEnumerable<KeyValuePair<string, string?>> EngineSettings =>
        [new("ClientHub:SendGrid:WebhookPublicKey", Convert.ToBase64String(Key.ExportSubjectPublicKeyInfo()))];

    /// <summary>Signs as SendGrid does: ECDSA P-256 over SHA-256 of timestamp + payload, DER-encoded, base64.</summary>
    public HttpRequestMessage Signed(string payload, string? signedPayload = null)
    {
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString();
        var signature = Key.SignData(Encoding.UTF8.GetBytes(timestamp + (signedPayload ?? payload)), HashAlgorithmName.SHA256,
            DSASignatureFormat.Rfc3279DerSequence);
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/hooks/sendgrid/events")
        {
            Content = new StringContent(payload, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Twilio-Email-Event-Webhook-Signature", Convert.ToBase64String(signature));
        request.Headers.Add("X-Twilio-Email-Event-Webhook-Timestamp", timestamp);
        return request;
    }
}

public sealed class SendGridEventWebhookTests(SendGridEventsHost host) : IClassFixture<SendGridEventsHost>
{
    private async Task<(Scenario S, string JobId, JsonNode Email)> SentEmailAsync()
    {
        var s = await Scenario.CreateAsync(host);
        var template = await s.EmailTemplateAsync();
        var pipeline = await s.PipelineAsync(Stage("Welcome", false, null, new SendEmail { TemplateId = template.Id }), Stage("Done"));
        var jobId = await s.AddJobAsync(await s.AccountAsync(), pipeline);
        await s.SettledAsync(jobId);
        var email = (await s.Api.GetAsync($"/api/emails?jobId={jobId}").ExpectAsync(200))["items"]!.AsArray().Single()!;
        Assert.Equal("sent", email["status"]!.GetValue<string>());
        return (s, jobId, email);
    }

    private static string Events(JsonNode email, string type, string? reason = null) => JsonSerializer.Serialize(new[]
    {
        new Dictionary<string, object?>
        {
            ["email"] = email["to"]!.GetValue<string>(), ["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), ["event"] = type,
            ["sg_event_id"] = Guid.NewGuid().ToString("N"), ["sg_message_id"] = email["messageId"]!.GetValue<string>() + ".filterdrecv-1.0",
            ["reason"] = reason,
        },
    });

    private static async Task<string> StatusAsync(Scenario s, string jobId) =>
        (await s.Api.GetAsync($"/api/emails?jobId={jobId}").ExpectAsync(200))["items"]!.AsArray().Single()!["status"]!.GetValue<string>();

    [Fact]
    public async Task A_signed_delivered_event_marks_the_email_delivered()
    {
        var (s, jobId, email) = await SentEmailAsync();

        await host.Anonymous().SendAsync(host.Signed(Events(email, "delivered"))).ExpectAsync(200);

        Assert.Equal("delivered", await StatusAsync(s, jobId));
    }

    [Fact]
    public async Task A_tampered_or_unsigned_event_is_401_and_changes_nothing()
    {
        var (s, jobId, email) = await SentEmailAsync();
        var unsigned = new HttpRequestMessage(HttpMethod.Post, "/api/hooks/sendgrid/events")
        {
            Content = new StringContent(Events(email, "bounce"), Encoding.UTF8, "application/json"),
        };

        await host.Anonymous().SendAsync(host.Signed(Events(email, "bounce"), signedPayload: Events(email, "delivered"))).ExpectAsync(401);
        await host.Anonymous().SendAsync(unsigned).ExpectAsync(401);

        Assert.Equal("sent", await StatusAsync(s, jobId));
    }

    [Fact]
    public async Task A_bounce_marks_the_email_bounced_and_raises_email_bounced_for_subscribers()
    {
        await using var receiver = new WebhookReceiver();
        var (s, jobId, email) = await SentEmailAsync();
        await s.Api.PostJsonAsync("/api/webhook-subscriptions", new { url = receiver.Url, events = new[] { "email.bounced" } }).ExpectAsync(201);

        await host.Anonymous().SendAsync(host.Signed(Events(email, "bounce", "550 no such user"))).ExpectAsync(200);
        await host.Anonymous().SendAsync(host.Signed(Events(email, "delivered"))).ExpectAsync(200);

        Assert.Equal("bounced", await StatusAsync(s, jobId));
        var call = await Eventually.HoldsAsync(() => Task.FromResult(receiver.Calls.FirstOrDefault()), c => c is not null, "the bounce is delivered");
        var payload = JsonNode.Parse(call!.Body)!;
        Assert.Equal("email.bounced", payload["type"]!.GetValue<string>());
        Assert.Equal(email.Id(), payload["data"]!["id"]!.GetValue<string>());
        Assert.Equal("550 no such user", payload["data"]!["reason"]!.GetValue<string>());
    }
}
