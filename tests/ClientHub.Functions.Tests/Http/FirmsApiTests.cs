using System.Net;
using ClientHub.Functions.Tests.Infrastructure;

namespace ClientHub.Functions.Tests.Http;

public sealed class FirmsApiTests(ClientHubHost host) : IClassFixture<ClientHubHost>
{
    [Fact]
    public async Task Creating_a_firm_returns_an_owner_key_that_works()
    {
        var firm = await host.CreateFirmAsync();
        Assert.StartsWith("chk_", firm.ApiKey);
        var response = await firm.Owner.GetAsync("/api/tags");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Creating_a_firm_without_the_bootstrap_token_is_unauthorized()
    {
        var response = await host.WithToken("wrong").PostJsonAsync("/api/firms",
            new { name = "X", timeZone = "Europe/Paris", owner = new { name = "O", email = "o@example.com" } });
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.True(response.IsProblem());
    }

    [Theory]
    [InlineData("Mars/Olympus")]
    [InlineData("")]
    public async Task A_firm_needs_a_valid_IANA_time_zone(string timeZone)
    {
        var body = await host.WithToken(ClientHubHost.BootstrapToken).PostJsonAsync("/api/firms",
            new { name = "X", timeZone, owner = new { name = "O", email = "o@example.com" } }).ExpectAsync(400);
        Assert.NotNull(body["errors"]?["timeZone"]);
    }

    [Fact]
    public async Task Unknown_fields_are_rejected_with_a_problem()
    {
        var response = await host.WithToken(ClientHubHost.BootstrapToken).PostJsonAsync("/api/firms",
            new { name = "X", timeZone = "Europe/Paris", owner = new { name = "O", email = "o@example.com" }, plan = "gold" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(response.IsProblem());
    }

    [Fact]
    public async Task Health_answers_when_storage_is_reachable()
    {
        var response = await host.Anonymous().GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
