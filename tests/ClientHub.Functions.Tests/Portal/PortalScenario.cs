using System.Text.Json.Nodes;
using ClientHub.Core.Clients;
using ClientHub.Functions.Tests.Infrastructure;
using ClientHub.Functions.Tests.Jobs;

namespace ClientHub.Functions.Tests.Portal;

/// <summary>Its own host: the isolation tests move the host's clock to expire a token.</summary>
public sealed class PortalHost : EngineHost;

/// <summary>A client of a <see cref="Scenario"/>'s firm signed in to the portal: its account, contact and a client holding its token.</summary>
public sealed record PortalClient(Account Account, string ContactId, string ContactEmail, string Token, HttpClient Http)
{
    public static async Task<PortalClient> SignInAsync(ClientHubHost host, Scenario s, string name = "Jordan Rivera")
    {
        var account = await s.AccountAsync(name);
        var contact = (await s.Api.GetAsync($"/api/accounts/{account.Id}/contacts").ExpectAsync(200))["items"]!.AsArray().Single()!;
        var token = (await s.Api.PostAsync($"/api/contacts/{contact.Id()}/portal-token", null).ExpectAsync(201))["token"]!.GetValue<string>();
        return new PortalClient(account, contact.Id(), contact["email"]!.GetValue<string>(), token, host.WithToken(token));
    }

    public async Task<JsonArray> ListAsync(string path) => (await Http.GetAsync($"/api/portal/{path}").ExpectAsync(200))["items"]!.AsArray();
}
