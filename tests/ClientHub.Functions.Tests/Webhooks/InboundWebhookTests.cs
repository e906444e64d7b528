using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ClientHub.Core.Pipelines;
using ClientHub.Functions.Tests.Infrastructure;
using ClientHub.Functions.Tests.Jobs;
using static ClientHub.Functions.Tests.Jobs.StageBuilder;

namespace ClientHub.Functions.Tests.Webhooks;

/// <summary>A host whose inbound endpoints may make 4 calls at once and 1 a second after that, so the rate limit shows quickly.</summary>
public sealed class InboundWebhookHost : EngineHost
{
    protected override IEnumerable<KeyValuePair<string, string?>> EngineSettings =>
        [new("ClientHub:Webhooks:InboundBurst", "4"), new("ClientHub:Webhooks:InboundPerSecond", "1")];
}

/// <summary>Signs calls the way the Standard Webhooks libraries do, independently of the host's code.</summary>
public static class StandardWebhooks
{
    public static string Signature(string secret, string id, long timestamp, string body)
    {
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}")));
    }

    public static HttpRequestMessage Signed(string url, string secret, string body, string? id = null, long? timestamp = null,
        string? signWith = null)
    {
        id ??= "msg_" + Guid.NewGuid().ToString("N");
        var ts = timestamp ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("webhook-id", id);
        request.Headers.Add("webhook-timestamp", ts.ToString());
        request.Headers.Add("webhook-signature", Signature(signWith ?? secret, id, ts, body));
        return request;
    }
}

public sealed class InboundWebhookTests(InboundWebhookHost host) : IClassFixture<InboundWebhookHost>
{
    private sealed record Fixture(Scenario S, Pipeline Pipeline, string JobId, string Url, string Secret, string EndpointId);

    private async Task<Fixture> ArrangeAsync()
    {
        var s = await Scenario.CreateAsync(host);
        var pipeline = await s.PipelineAsync(Stage("Start"), Stage("Review"), Stage("Done"));
        var jobId = await s.AddJobAsync(await s.AccountAsync(), pipeline);
        await s.SettledAsync(jobId);
        var endpoint = await s.Api.PostJsonAsync("/api/webhook-endpoints", new { name = "Web form" }).ExpectAsync(201);
        return new Fixture(s, pipeline, jobId, endpoint["url"]!.GetValue<string>(), endpoint["secret"]!.GetValue<string>(), endpoint.Id());
    }

    private static string Move(string jobId, string stageId) => JsonSerializer.Serialize(new { action = "moveJob", jobId, stageId });

    private async Task<int> MovesAsync(Fixture f) => (await f.S.HistoryAsync(f.JobId)).Count(h => h!["kind"]!.GetValue<string>() == "moved");

    [Fact]
    public async Task A_signed_call_moves_the_job_as_the_webhook()
    {
        var f = await ArrangeAsync();

        var response = await host.Anonymous().SendAsync(StandardWebhooks.Signed(f.Url, f.Secret, Move(f.JobId, f.Pipeline.Stages[1].Id)));

        Assert.Equal(200, (int)response.StatusCode);
        var job = await f.S.JobAsync(f.JobId);
        Assert.Equal(f.Pipeline.Stages[1].Id, job["stageId"]!.GetValue<string>());
        var moved = (await f.S.HistoryAsync(f.JobId)).Last(h => h!["kind"]!.GetValue<string>() == "moved")!;
        Assert.Equal("webhook", moved["by"]!["type"]!.GetValue<string>());
        Assert.Equal(f.EndpointId, moved["by"]!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Forged_tampered_stale_or_unsigned_calls_are_401_and_change_nothing()
    {
        var f = await ArrangeAsync();
        var body = Move(f.JobId, f.Pipeline.Stages[1].Id);
        var api = host.Anonymous();

        var wrongSecret = StandardWebhooks.Signed(f.Url, f.Secret, body, signWith: "whsec_" + Convert.ToBase64String(new byte[32]));
        var tampered = StandardWebhooks.Signed(f.Url, f.Secret, body);
        tampered.Content = new StringContent(Move(f.JobId, f.Pipeline.Stages[2].Id), Encoding.UTF8, "application/json");
        var stale = StandardWebhooks.Signed(f.Url, f.Secret, body, timestamp: DateTimeOffset.UtcNow.AddMinutes(-6).ToUnixTimeSeconds());
        var unsigned = new HttpRequestMessage(HttpMethod.Post, f.Url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

        foreach (var request in new[] { wrongSecret, tampered, stale, unsigned })
        {
            var response = await api.SendAsync(request);
            Assert.Equal(401, (int)response.StatusCode);
            Assert.True(response.IsProblem());
        }
        Assert.Equal(f.Pipeline.Stages[0].Id, (await f.S.JobAsync(f.JobId))["stageId"]!.GetValue<string>());
        Assert.Equal(0, await MovesAsync(f));
    }

    [Fact]
    public async Task A_repeated_webhook_id_is_answered_without_acting_again()
    {
        var f = await ArrangeAsync();
        var id = "msg_" + Guid.NewGuid().ToString("N");
        var body = Move(f.JobId, f.Pipeline.Stages[1].Id);

        var first = await host.Anonymous().SendAsync(StandardWebhooks.Signed(f.Url, f.Secret, body, id)).ExpectAsync(200);
        // Meanwhile someone moves the job on: a repeat of the call must not bring it back.
        await f.S.Api.PostJsonAsync($"/api/jobs/{f.JobId}/move", new { stageId = f.Pipeline.Stages[2].Id }).ExpectAsync(200);
        var repeat = await host.Anonymous().SendAsync(StandardWebhooks.Signed(f.Url, f.Secret, body, id)).ExpectAsync(200);

        Assert.Equal("applied", first["status"]!.GetValue<string>());
        Assert.Equal("duplicate", repeat["status"]!.GetValue<string>());
        Assert.Equal(f.Pipeline.Stages[2].Id, (await f.S.JobAsync(f.JobId))["stageId"]!.GetValue<string>());
        Assert.Equal(2, await MovesAsync(f));
    }

    [Fact]
    public async Task After_a_rotation_both_the_old_and_the_new_secret_are_valid()
    {
        var f = await ArrangeAsync();
        var rotated = await f.S.Api.PostAsync($"/api/webhook-endpoints/{f.EndpointId}/rotate-secret", null).ExpectAsync(200);
        var newSecret = rotated["secret"]!.GetValue<string>();
        Assert.NotEqual(f.Secret, newSecret);

        await host.Anonymous().SendAsync(StandardWebhooks.Signed(f.Url, f.Secret, Move(f.JobId, f.Pipeline.Stages[1].Id))).ExpectAsync(200);
        await host.Anonymous().SendAsync(StandardWebhooks.Signed(f.Url, newSecret, Move(f.JobId, f.Pipeline.Stages[2].Id))).ExpectAsync(200);

        Assert.Equal(2, await MovesAsync(f));
    }

    [Fact]
    public async Task Another_firms_job_an_unknown_endpoint_and_a_malformed_body_change_nothing()
    {
        var f = await ArrangeAsync();
        var other = await ArrangeAsync();
        var api = host.Anonymous();

        await api.SendAsync(StandardWebhooks.Signed(f.Url, f.Secret, Move(other.JobId, other.Pipeline.Stages[1].Id))).ExpectAsync(404);
        await api.SendAsync(StandardWebhooks.Signed(f.Url + "x", f.Secret, Move(f.JobId, f.Pipeline.Stages[1].Id))).ExpectAsync(404);
        await api.SendAsync(StandardWebhooks.Signed(f.Url, f.Secret, """{"action":"moveJob","jobId":1}""")).ExpectAsync(400);

        Assert.Equal(0, await MovesAsync(other));
        Assert.Equal(0, await MovesAsync(f));
    }

    [Fact]
    public async Task A_signed_call_completes_a_task_of_the_firm()
    {
        var f = await ArrangeAsync();
        var task = await f.S.Api.PostJsonAsync("/api/tasks", new { title = "Call the client", jobId = f.JobId }).ExpectAsync(201);
        var body = JsonSerializer.Serialize(new { action = "completeItem", type = "task", id = task.Id() });

        await host.Anonymous().SendAsync(StandardWebhooks.Signed(f.Url, f.Secret, body)).ExpectAsync(200);

        Assert.Equal("Done", (await f.S.Api.GetAsync($"/api/tasks/{task.Id()}").ExpectAsync(200))["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Too_many_calls_to_one_endpoint_are_429_with_retry_after()
    {
        var f = await ArrangeAsync();
        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ =>
            host.Anonymous().SendAsync(StandardWebhooks.Signed(f.Url, f.Secret, Move(f.JobId, f.Pipeline.Stages[1].Id)))));

        var throttled = responses.Where(r => (int)r.StatusCode == 429).ToList();
        Assert.NotEmpty(throttled);
        Assert.All(throttled, r => Assert.NotNull(r.Headers.RetryAfter));
    }
}
