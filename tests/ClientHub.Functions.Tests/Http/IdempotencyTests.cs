using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ClientHub.Core.Clients;
using ClientHub.Core.Pipelines;
using ClientHub.Functions.Tests.Infrastructure;
using ClientHub.Functions.Tests.Jobs;
using ClientHub.Storage;
using Microsoft.Extensions.DependencyInjection;
using static ClientHub.Functions.Tests.Jobs.StageBuilder;

namespace ClientHub.Functions.Tests.Http;

public sealed class IdempotencyTests(EngineHost host) : IClassFixture<EngineHost>
{
    private static HttpRequestMessage Post(string path, object body, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key);
        return request;
    }

    private static async Task<(Scenario S, Account Account, object Body)> JobRequestAsync(EngineHost host)
    {
        var s = await Scenario.CreateAsync(host);
        var pipeline = await s.PipelineAsync(Stage("Start"), Stage("Done"));
        var account = await s.AccountAsync();
        return (s, account, new { accountId = account.Id, pipelineId = pipeline.Id });
    }

    private static async Task<JsonArray> JobsOfAsync(Scenario s, Account account) =>
        (await s.Api.GetAsync($"/api/jobs?accountId={account.Id}").ExpectAsync(200))["items"]!.AsArray();

    [Fact]
    public async Task The_same_key_and_body_replays_the_first_response_and_creates_one_job()
    {
        var (s, account, body) = await JobRequestAsync(host);
        var key = Guid.NewGuid().ToString();

        var first = await s.Api.SendAsync(Post("/api/jobs", body, key));
        var second = await s.Api.SendAsync(Post("/api/jobs", body, key));

        Assert.Equal(201, (int)first.StatusCode);
        Assert.Equal(201, (int)second.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync());
        Assert.Equal(first.Headers.ETag, second.Headers.ETag);
        Assert.Equal(first.Headers.Location, second.Headers.Location);
        Assert.Single(await JobsOfAsync(s, account));
    }

    [Fact]
    public async Task The_same_key_with_another_body_is_a_422_problem()
    {
        var (s, account, body) = await JobRequestAsync(host);
        var key = Guid.NewGuid().ToString();
        await s.Api.SendAsync(Post("/api/jobs", body, key)).ExpectAsync(201);

        var other = await s.Api.SendAsync(Post("/api/jobs", new { accountId = account.Id, pipelineId = "other" }, key));

        Assert.Equal(422, (int)other.StatusCode);
        Assert.True(other.IsProblem());
        Assert.Single(await JobsOfAsync(s, account));
    }

    [Fact]
    public async Task A_key_whose_first_request_is_in_flight_is_a_409_problem()
    {
        var (s, _, body) = await JobRequestAsync(host);
        var key = Guid.NewGuid().ToString();
        var records = host.Services.GetRequiredService<IdempotencyRecords>();
        // The first request holds the key: recorded pending, not answered yet.
        var hash = await FirstRequestHashAsync(s, body);
        await records.BeginAsync(s.Firm.Id.Value, key, hash, DateTimeOffset.UtcNow, TimeSpan.FromHours(24), TimeSpan.FromMinutes(1),
            CancellationToken.None);

        var second = await s.Api.SendAsync(Post("/api/jobs", body, key));

        Assert.Equal(409, (int)second.StatusCode);
        Assert.True(second.IsProblem());
    }

    /// <summary>The hash the host records for this request: found by sending it once under a throwaway key and reading the record.</summary>
    private async Task<string> FirstRequestHashAsync(Scenario s, object body)
    {
        var probeKey = Guid.NewGuid().ToString();
        var response = await s.Api.SendAsync(Post("/api/jobs", body, probeKey));
        Assert.Equal(201, (int)response.StatusCode);
        var table = host.Services.GetRequiredService<Azure.Data.Tables.TableServiceClient>()
            .GetTableClient(host.Services.GetRequiredService<StorageNames>().Table(Tables.Idempotency));
        var row = await table.GetEntityAsync<Azure.Data.Tables.TableEntity>(s.Firm.Id.Value, IdempotencyRecords.Hash(probeKey));
        return row.Value.GetString("RequestHash");
    }

    [Fact]
    public async Task Two_concurrent_calls_with_one_key_create_exactly_one_job()
    {
        var (s, account, body) = await JobRequestAsync(host);
        var key = Guid.NewGuid().ToString();

        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => s.Api.SendAsync(Post("/api/jobs", body, key))));

        Assert.All(responses, r => Assert.Contains((int)r.StatusCode, new[] { 201, 409 }));
        Assert.Contains(responses, r => (int)r.StatusCode == 201);
        Assert.Single(await JobsOfAsync(s, account));
    }

    [Fact]
    public async Task A_retry_after_a_crash_that_lost_the_record_answers_with_the_job_already_created()
    {
        var (s, account, body) = await JobRequestAsync(host);
        var key = Guid.NewGuid().ToString();
        var first = await s.Api.SendAsync(Post("/api/jobs", body, key)).ExpectAsync(201);
        // As if the process died after inserting the job and before recording the answer.
        await host.Services.GetRequiredService<IdempotencyRecords>().ReleaseAsync(s.Firm.Id.Value, key, CancellationToken.None);

        var retry = await s.Api.SendAsync(Post("/api/jobs", body, key)).ExpectAsync(201);

        Assert.Equal(first.Id(), retry.Id());
        Assert.Single(await JobsOfAsync(s, account));
    }

    [Fact]
    public async Task A_replayed_payment_is_recorded_once()
    {
        var s = await Scenario.CreateAsync(host);
        var invoice = await s.InvoiceTemplateAsync(100m);
        var pipeline = await s.PipelineAsync(Stage("Bill", false, null, new CreateInvoice { TemplateId = invoice.Id }), Stage("Done"));
        var jobId = await s.AddJobAsync(await s.AccountAsync(), pipeline);
        var item = (await Eventually.HoldsAsync(() => s.ItemsAsync(jobId), i => i.Count == 1, "the invoice exists"))[0]!;
        var key = Guid.NewGuid().ToString();

        var first = await s.Api.SendAsync(Post($"/api/invoices/{item.Id()}/payments", new { amount = 40 }, key)).ExpectAsync(200);
        await host.Services.GetRequiredService<IdempotencyRecords>().ReleaseAsync(s.Firm.Id.Value, key, CancellationToken.None);
        var again = await s.Api.SendAsync(Post($"/api/invoices/{item.Id()}/payments", new { amount = 40 }, key)).ExpectAsync(200);

        Assert.Equal(60m, first["balance"]!.GetValue<decimal>());
        Assert.Equal(60m, again["balance"]!.GetValue<decimal>());
        Assert.Single(again["payments"]!.AsArray());
    }

    [Fact]
    public async Task Keys_are_scoped_per_firm()
    {
        var (s1, account1, body1) = await JobRequestAsync(host);
        var (s2, account2, body2) = await JobRequestAsync(host);
        var key = Guid.NewGuid().ToString();

        await s1.Api.SendAsync(Post("/api/jobs", body1, key)).ExpectAsync(201);
        await s2.Api.SendAsync(Post("/api/jobs", body2, key)).ExpectAsync(201);

        Assert.Single(await JobsOfAsync(s1, account1));
        Assert.Single(await JobsOfAsync(s2, account2));
    }
}
