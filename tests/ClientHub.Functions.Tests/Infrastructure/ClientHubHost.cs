using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ClientHub.Core;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace ClientHub.Functions.Tests.Infrastructure;

/// <summary>
/// The real host, in process, against the Azurite that <c>scripts/test</c> started
/// (<c>AzureWebJobsStorage</c>), with its own storage prefix so test classes run in parallel.
/// </summary>
public class ClientHubHost : WebApplicationFactory<Program>
{
    public const string BootstrapToken = "test-bootstrap-token";

    /// <summary>The storage prefix; two hosts given the same one share storage, like two instances of one deployment.</summary>
    public virtual string Prefix { get; } = "t" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>Extra settings a test class needs (e.g. the SendGrid stub's address).</summary>
    protected virtual IEnumerable<KeyValuePair<string, string?>> Settings => [];

    public static string StorageConnectionString =>
        Environment.GetEnvironmentVariable("AzureWebJobsStorage") is { Length: > 0 } cs ? cs : "UseDevelopmentStorage=true";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting("AzureWebJobsStorage", StorageConnectionString);
        builder.UseSetting("ClientHub:StoragePrefix", Prefix);
        builder.UseSetting("ClientHub:BootstrapToken", BootstrapToken);
        builder.UseSetting("ClientHub:Testing:EnableClock", "true");
        builder.UseSetting("ClientHub:Webhooks:AllowPrivateTargets", "true");
        foreach (var (key, value) in Settings) builder.UseSetting(key, value);
    }

    public HttpClient Anonymous() => CreateClient();

    public HttpClient WithToken(string token)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Creates a firm through the API and returns a client holding its owner's key.</summary>
    public async Task<TestFirm> CreateFirmAsync(string name = "Test CPA", string timeZone = "Europe/Paris")
    {
        var slug = Guid.NewGuid().ToString("N")[..8];
        var response = await WithToken(BootstrapToken).PostAsJsonAsync("/api/firms",
            new { name, timeZone, owner = new { name = "Olive Owner", email = $"owner-{slug}@example.com" } });
        var body = await response.ReadJsonAsync();
        Assert.True(response.IsSuccessStatusCode, $"firm creation failed: {(int)response.StatusCode} {body}");
        Assert.NotNull(response.Headers.ETag); // API.md: every create carries an ETag
        var apiKey = body["apiKey"]!.GetValue<string>();
        return new TestFirm(new FirmId(body["id"]!.GetValue<string>()), body["ownerId"]!.GetValue<string>(), apiKey, WithToken(apiKey));
    }
}

/// <param name="Owner">A client authenticated as the firm's owner.</param>
public sealed record TestFirm(FirmId Id, string OwnerId, string ApiKey, HttpClient Owner);

public static class HttpJson
{
    /// <summary>Follows a list's continuation tokens to its end, asserting no page holds more than <paramref name="pageSize"/>; the ids of every item.</summary>
    public static async Task<List<string>> AllPageIdsAsync(this HttpClient client, string path, int pageSize)
    {
        var ids = new List<string>();
        string? token = null;
        do
        {
            var query = $"{(path.Contains('?') ? '&' : '?')}pageSize={pageSize}{(token is null ? "" : $"&continuationToken={Uri.EscapeDataString(token)}")}";
            var page = await client.GetAsync(path + query).ExpectAsync(200);
            Assert.True(page["items"]!.AsArray().Count <= pageSize);
            ids.AddRange(page["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()));
            token = page["continuationToken"]?.GetValue<string>();
        } while (token is not null);
        return ids;
    }

    public static async Task<JsonNode> ReadJsonAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return text.Length == 0 ? new JsonObject() : JsonNode.Parse(text)!;
    }

    /// <summary>Sends and asserts the status, returning the body; the message carries the body when it fails.</summary>
    public static async Task<JsonNode> ExpectAsync(this Task<HttpResponseMessage> call, int status)
    {
        var response = await call;
        var body = await response.ReadJsonAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {body.ToJsonString()}");
        return body;
    }

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string path, object body) => client.PostAsJsonAsync(path, body);

    public static Task<HttpResponseMessage> PatchJsonAsync(this HttpClient client, string path, object body) => client.PatchAsJsonAsync(path, body);

    public static Task<HttpResponseMessage> PutJsonAsync(this HttpClient client, string path, object body) => client.PutAsJsonAsync(path, body);

    public static bool IsProblem(this HttpResponseMessage response) =>
        response.Content.Headers.ContentType?.MediaType == "application/problem+json";
}
