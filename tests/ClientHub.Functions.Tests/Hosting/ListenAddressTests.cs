using Microsoft.Extensions.Configuration;

namespace ClientHub.Functions.Tests.Hosting;

/// <summary>Locally the host listens on localhost:PORT; in the container image ASPNETCORE_HTTP_PORTS (8080, all interfaces) must win.</summary>
public sealed class ListenAddressTests
{
    [Theory]
    [InlineData("ASPNETCORE_HTTP_PORTS", "8080")]
    [InlineData("http_ports", "8080")]
    [InlineData("ASPNETCORE_URLS", "http://+:8080")]
    [InlineData("urls", "http://+:8080")]
    public void A_configured_listen_address_wins_over_the_local_default(string key, string value)
    {
        Assert.True(ClientHubApplication.ListenAddressConfigured(Configuration((key, value))));
    }

    [Fact]
    public void Without_one_the_host_keeps_its_local_default()
    {
        Assert.False(ClientHubApplication.ListenAddressConfigured(Configuration(("PORT", "7072"))));
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build();
}
