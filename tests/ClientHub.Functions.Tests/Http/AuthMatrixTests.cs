using System.Net;
using System.Net.Http.Json;
using ClientHub.Functions.Tests.Infrastructure;

namespace ClientHub.Functions.Tests.Http;

/// <summary>Every route of the staff API against no key, a bad key, a revoked key, and (for management routes) each role.</summary>
public sealed class AuthMatrixTests(ClientHubHost host) : IClassFixture<ClientHubHost>
{
    private const string AnId = "abcdefghijklmnopqrst";

    public static TheoryData<string, string> Routes => new()
    {
        { "GET", "/api/staff" }, { "POST", "/api/staff" }, { "PATCH", $"/api/staff/{AnId}" }, { "DELETE", $"/api/staff/{AnId}" },
        { "POST", $"/api/staff/{AnId}/api-keys" }, { "DELETE", $"/api/api-keys/{AnId}" },
        { "GET", "/api/tags" }, { "POST", "/api/tags" }, { "DELETE", $"/api/tags/{AnId}" },
        { "GET", "/api/accounts" }, { "POST", "/api/accounts" }, { "PATCH", $"/api/accounts/{AnId}" }, { "POST", $"/api/accounts/{AnId}/tags" },
        { "GET", $"/api/accounts/{AnId}/contacts" }, { "PATCH", $"/api/contacts/{AnId}" }, { "POST", $"/api/contacts/{AnId}/portal-token" },
        { "GET", "/api/client-facing-statuses" }, { "POST", "/api/client-facing-statuses" },
        { "GET", "/api/templates" }, { "POST", "/api/templates" }, { "PUT", $"/api/templates/{AnId}" },
        { "GET", "/api/pipelines" }, { "POST", "/api/pipelines" }, { "PUT", $"/api/pipelines/{AnId}" }, { "DELETE", $"/api/pipelines/{AnId}" },
        { "GET", "/api/jobs" }, { "POST", "/api/jobs" }, { "POST", $"/api/jobs/{AnId}/move" }, { "GET", "/api/tasks" }, { "GET", "/api/emails" },
    };

    /// <summary>What only an Admin or Owner may do (API.md: Staff cannot manage staff, keys or pipelines).</summary>
    public static TheoryData<string, string> ManagementRoutes => new()
    {
        { "POST", "/api/staff" }, { "PATCH", $"/api/staff/{AnId}" }, { "DELETE", $"/api/staff/{AnId}" },
        { "POST", $"/api/staff/{AnId}/api-keys" }, { "DELETE", $"/api/api-keys/{AnId}" },
        { "POST", "/api/pipelines" }, { "PUT", $"/api/pipelines/{AnId}" }, { "DELETE", $"/api/pipelines/{AnId}" },
    };

    private static HttpRequestMessage Request(string method, string path) =>
        new(new HttpMethod(method), path) { Content = method is "GET" or "DELETE" ? null : JsonContent.Create(new { }) };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Without_a_valid_key_every_route_is_unauthorized(string method, string path)
    {
        var firm = await host.CreateFirmAsync();
        var revoked = await host.AddStaffAsync(firm, "Admin");
        await firm.Owner.DeleteAsync($"/api/api-keys/{revoked.KeyId}").ExpectAsync(204);

        foreach (var client in new[] { host.Anonymous(), host.WithToken("chk_not-a-key"), revoked.Client })
        {
            var response = await client.SendAsync(Request(method, path));
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.True(response.IsProblem());
        }
    }

    [Theory]
    [MemberData(nameof(ManagementRoutes))]
    public async Task A_Staff_role_is_forbidden_on_management_routes_where_an_Admin_gets_through(string method, string path)
    {
        var firm = await host.CreateFirmAsync();
        var staff = await host.AddStaffAsync(firm);
        var admin = await host.AddStaffAsync(firm, "Admin");

        Assert.Equal(HttpStatusCode.Forbidden, (await staff.Client.SendAsync(Request(method, path))).StatusCode);
        // The Admin passes authorization: what follows is the route's own answer (validation or not found), never 401/403.
        var asAdmin = (await admin.Client.SendAsync(Request(method, path))).StatusCode;
        Assert.True(asAdmin is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden), $"Admin got {(int)asAdmin}");
    }
}
