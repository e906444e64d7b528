using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using ClientHub.Functions.Tests.Infrastructure;
using ClientHub.Functions.Tests.Jobs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static ClientHub.Functions.Tests.Jobs.StageBuilder;

namespace ClientHub.Functions.Tests.Webhooks;

/// <summary>A host whose outbound retries wait seconds, not minutes, and give up after 15 s instead of a day.</summary>
public sealed class OutboundWebhookHost : EngineHost
{
    protected override IEnumerable<KeyValuePair<string, string?>> EngineSettings =>
    [
        new("ClientHub:Webhooks:FirstRetryDelay", "00:00:01"), new("ClientHub:Webhooks:MaxRetryDelay", "00:00:02"),
        new("ClientHub:Webhooks:GiveUpAfter", "00:00:15"),
    ];
}

/// <summary>A webhook receiver on a loopback port that fails its first <see cref="Failures"/> calls (500) and records every call.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _calls;

    public sealed record Call(string Id, string Timestamp, string Signature, string Body, int Status);

    public ConcurrentQueue<Call> Calls { get; } = new();
    public int Failures { get; init; }
    public string Url { get; }

    public WebhookReceiver()
    {
        (_app, var url) = LoopbackServer.Start(app => app.MapPost("/hook", async (HttpContext context) =>
        {
            var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
            var status = Interlocked.Increment(ref _calls) <= Failures ? 500 : 200;
            Calls.Enqueue(new Call(context.Request.Headers["webhook-id"].ToString(), context.Request.Headers["webhook-timestamp"].ToString(),
                context.Request.Headers["webhook-signature"].ToString(), body, status));
            context.Response.StatusCode = status;
        }));
        Url = url + "/hook";
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}

public sealed class OutboundWebhookTests(OutboundWebhookHost host) : IClassFixture<OutboundWebhookHost>
{
    [Fact]
    public async Task A_receiver_failing_three_times_gets_one_successful_signed_delivery_after_four_attempts()
    {
        await using var receiver = new WebhookReceiver { Failures = 3 };
        var s = await Scenario.CreateAsync(host);
        var pipeline = await s.PipelineAsync(Stage("Start"), Stage("Review"), Stage("Done"));
        var jobId = await s.AddJobAsync(await s.AccountAsync(), pipeline);
        var subscription = await s.Api.PostJsonAsync("/api/webhook-subscriptions", new { url = receiver.Url, events = new[] { "job.moved" } })
            .ExpectAsync(201);
        var secret = subscription["secret"]!.GetValue<string>();

        await s.Api.PostJsonAsync($"/api/jobs/{jobId}/move", new { stageId = pipeline.Stages[1].Id }).ExpectAsync(200);

        await Eventually.HoldsAsync(() => Task.FromResult(receiver.Calls.Count(c => c.Status == 200)), n => n >= 1, "a delivery succeeds", 60);
        await Task.Delay(TimeSpan.FromSeconds(3)); // nothing more may come
        var calls = receiver.Calls.ToList();
        Assert.Equal([500, 500, 500, 200], calls.Select(c => c.Status));
        Assert.Single(calls.Select(c => c.Id).Distinct());
        var delivered = calls[^1];
        Assert.Equal(StandardWebhooks.Signature(secret, delivered.Id, long.Parse(delivered.Timestamp), delivered.Body), delivered.Signature);
        var payload = JsonNode.Parse(delivered.Body)!;
        Assert.Equal("job.moved", payload["type"]!.GetValue<string>());
        Assert.Equal(jobId, payload["data"]!["id"]!.GetValue<string>());
        Assert.Equal(pipeline.Stages[1].Id, payload["data"]!["stageId"]!.GetValue<string>());
        Assert.True(payload["data"]!["version"]!.GetValue<long>() > 1);

        var deliveries = (await s.Api.GetAsync($"/api/webhook-subscriptions/{subscription.Id()}/deliveries").ExpectAsync(200))["items"]!.AsArray();
        Assert.Equal([1, 2, 3, 4], deliveries.Select(d => d!["attempt"]!.GetValue<int>()));
        Assert.Equal([500, 500, 500, 200], deliveries.Select(d => d!["statusCode"]!.GetValue<int>()));
        Assert.All(deliveries, d => Assert.Equal(delivered.Id, d!["event"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_subscription_failing_every_attempt_until_the_end_is_turned_off_and_the_owner_emailed_once()
    {
        await using var receiver = new WebhookReceiver { Failures = int.MaxValue };
        var s = await Scenario.CreateAsync(host);
        var pipeline = await s.PipelineAsync(Stage("Start"), Stage("Done"));
        var subscription = await s.Api.PostJsonAsync("/api/webhook-subscriptions", new { url = receiver.Url, events = new[] { "job.created" } })
            .ExpectAsync(201);

        await s.AddJobAsync(await s.AccountAsync(), pipeline);

        var off = await Eventually.HoldsAsync(() => s.Api.GetAsync($"/api/webhook-subscriptions/{subscription.Id()}").ExpectAsync(200),
            sub => !sub["enabled"]!.GetValue<bool>(), "the subscription is turned off", 60);
        Assert.NotNull(off["disabledAt"]);
        await Eventually.HoldsAsync(() => Task.FromResult(host.SendGrid.Recipients().Count(r => r.Subject.Contains("webhook"))), n => n == 1,
            "the owner is emailed");
        Assert.True(receiver.Calls.Count >= 3);

        await s.Api.PatchJsonAsync($"/api/webhook-subscriptions/{subscription.Id()}", new { enabled = true }).ExpectAsync(200);
        Assert.True((await s.Api.GetAsync($"/api/webhook-subscriptions/{subscription.Id()}").ExpectAsync(200))["enabled"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Unknown_events_and_malformed_urls_are_refused()
    {
        var s = await Scenario.CreateAsync(host);
        await s.Api.PostJsonAsync("/api/webhook-subscriptions", new { url = "https://example.com/hook", events = new[] { "job.exploded" } })
            .ExpectAsync(400);
        await s.Api.PostJsonAsync("/api/webhook-subscriptions", new { url = "not a url", events = new[] { "job.moved" } }).ExpectAsync(400);
    }
}

/// <summary>A host as production runs it: outbound webhooks may not call private addresses.</summary>
public sealed class NoPrivateTargetsHost : ClientHubHost
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("ClientHub:Webhooks:AllowPrivateTargets", "false")];
}

public sealed class WebhookTargetTests(NoPrivateTargetsHost host) : IClassFixture<NoPrivateTargetsHost>
{
    [Theory]
    [InlineData("https://127.0.0.1/hook")]
    [InlineData("https://10.1.2.3/hook")]
    [InlineData("https://169.254.169.254/latest/meta-data")]
    [InlineData("https://[::1]/hook")]
    [InlineData("https://[fd00::1]/hook")]
    [InlineData("https://localhost/hook")]
    [InlineData("http://example.com/hook")]
    public async Task Private_loopback_link_local_and_plain_http_targets_are_refused(string url)
    {
        var firm = await host.CreateFirmAsync();

        var response = await firm.Owner.PostJsonAsync("/api/webhook-subscriptions", new { url, events = new[] { "job.moved" } });

        Assert.Equal(400, (int)response.StatusCode);
        Assert.True(response.IsProblem());
        Assert.Empty((await firm.Owner.GetAsync("/api/webhook-subscriptions").ExpectAsync(200))["items"]!.AsArray());
    }
}
