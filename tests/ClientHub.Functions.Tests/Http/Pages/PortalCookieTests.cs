using System.Net;
using ClientHub.Functions.Http.Pages;
using ClientHub.Functions.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;

namespace ClientHub.Functions.Tests.Http.Pages;

/// <summary>
/// The portal page's sign-in: a link's token traded for an HttpOnly cookie, which works on portal routes only, and for changes only
/// from the page.
/// </summary>
public sealed class PortalCookieTests(ClientHubHost host) : IClassFixture<ClientHubHost>
{
    /// <summary>A browser of our own: no redirects followed, cookies sent by hand so each test says which it sends.</summary>
    private HttpClient Browser() => host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });

    private static HttpRequestMessage WithCookie(HttpMethod method, string path, string token, bool fromPage = false)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("Cookie", $"clienthub_portal={token}");
        if (fromPage) request.Headers.Add("X-Requested-With", "portal");
        return request;
    }

    [Fact]
    public async Task A_portal_link_sets_an_HttpOnly_SameSite_Strict_cookie_and_redirects_to_the_page_without_the_token()
    {
        var token = await (await host.CreateFirmAsync()).CreatePortalTokenAsync();

        var response = await Browser().GetAsync($"/portal?token={token}");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/portal", response.Headers.Location?.OriginalString);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith($"clienthub_portal={token};", cookie);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secure", cookie, StringComparison.OrdinalIgnoreCase); // plain http here
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
    }

    [Fact]
    public async Task A_link_behind_https_sets_a_Secure_cookie()
    {
        var token = await (await host.CreateFirmAsync()).CreatePortalTokenAsync();
        var request = new HttpRequestMessage(HttpMethod.Get, $"/portal?token={token}");
        request.Headers.Add("X-Forwarded-Proto", "https");

        var response = await Browser().SendAsync(request);

        Assert.Contains("secure", Assert.Single(response.Headers.GetValues("Set-Cookie")), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("chp_notavalidtoken")]
    [InlineData("chk_notaportaltoken")]
    public async Task A_link_that_no_longer_works_clears_the_cookie_and_leaves_the_token_out_of_the_address(string token)
    {
        var response = await Browser().GetAsync($"/portal?token={token}");

        Assert.Equal("/portal?signin=failed", response.Headers.Location?.OriginalString);
        Assert.Contains("expires=Thu, 01 Jan 1970", Assert.Single(response.Headers.GetValues("Set-Cookie")));
    }

    [Fact]
    public async Task The_cookie_authenticates_portal_reads_but_never_a_firm_route_and_never_carries_a_staff_key()
    {
        var firm = await host.CreateFirmAsync();
        var token = await firm.CreatePortalTokenAsync();
        var browser = Browser();

        Assert.Equal(HttpStatusCode.OK, (await browser.SendAsync(WithCookie(HttpMethod.Get, "/api/portal/jobs", token))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.SendAsync(WithCookie(HttpMethod.Get, "/api/accounts", token))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.SendAsync(WithCookie(HttpMethod.Get, "/api/accounts", firm.ApiKey))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized,
            (await browser.SendAsync(WithCookie(HttpMethod.Get, "/api/portal/jobs", firm.ApiKey))).StatusCode);
    }

    [Fact]
    public async Task A_change_made_with_the_cookie_is_refused_unless_it_comes_from_the_portal_page()
    {
        var token = await (await host.CreateFirmAsync()).CreatePortalTokenAsync();
        var browser = Browser();
        const string path = "/api/portal/proposals/nosuchproposal/decline";

        var forged = await browser.SendAsync(WithCookie(HttpMethod.Post, path, token));
        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        Assert.True(forged.IsProblem());
        var crossSite = WithCookie(HttpMethod.Post, path, token, fromPage: true);
        crossSite.Headers.Add("Sec-Fetch-Site", "cross-site");
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.SendAsync(crossSite)).StatusCode);
        // Past the guard: the proposal is simply not there.
        Assert.Equal(HttpStatusCode.NotFound, (await browser.SendAsync(WithCookie(HttpMethod.Post, path, token, fromPage: true))).StatusCode);
    }

    [Fact]
    public async Task Signing_out_from_the_page_clears_the_cookie()
    {
        var browser = Browser();
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.PostAsync("/portal/sign-out", null)).StatusCode);

        var request = new HttpRequestMessage(HttpMethod.Post, "/portal/sign-out");
        request.Headers.Add("X-Requested-With", "portal");
        var response = await browser.SendAsync(request);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Contains("expires=Thu, 01 Jan 1970", Assert.Single(response.Headers.GetValues("Set-Cookie")));
    }

    [Theory]
    [InlineData("/portal", "text/html")]
    [InlineData("/app", "text/html")]
    [InlineData("/assets/site.css", "text/css")]
    [InlineData("/assets/portal.js", "text/javascript")]
    [InlineData("/assets/board.js", "text/javascript")]
    public async Task Pages_and_their_assets_carry_a_content_security_policy_without_inline_code(string path, string mediaType)
    {
        var response = await Browser().GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(PagesApi.ContentSecurityPolicy, response.Headers.GetValues("Content-Security-Policy").Single());
        Assert.DoesNotContain("unsafe-inline", PagesApi.ContentSecurityPolicy);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
    }
}
