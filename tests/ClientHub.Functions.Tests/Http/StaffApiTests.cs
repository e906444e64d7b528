using System.Net;
using ClientHub.Functions.Tests.Infrastructure;

namespace ClientHub.Functions.Tests.Http;

public sealed class StaffApiTests(ClientHubHost host) : IClassFixture<ClientHubHost>
{
    [Fact]
    public async Task A_request_without_a_key_is_unauthorized_with_a_problem()
    {
        var response = await host.Anonymous().GetAsync("/api/staff");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.True(response.IsProblem());
    }

    [Theory]
    [InlineData("chk_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("not-a-key")]
    public async Task A_bad_key_is_unauthorized(string key)
    {
        var response = await host.WithToken(key).GetAsync("/api/staff");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.True(response.IsProblem());
    }

    [Fact]
    public async Task A_revoked_key_fails_at_once()
    {
        var firm = await host.CreateFirmAsync();
        var admin = await host.AddStaffAsync(firm, "Admin");
        await admin.Client.GetAsync("/api/staff").ExpectAsync(200);

        await firm.Owner.DeleteAsync($"/api/api-keys/{admin.KeyId}").ExpectAsync(204);

        await admin.Client.GetAsync("/api/staff").ExpectAsync(401);
    }

    [Fact]
    public async Task Deleting_a_staff_member_makes_their_keys_fail()
    {
        var firm = await host.CreateFirmAsync();
        var member = await host.AddStaffAsync(firm);

        await firm.Owner.DeleteAsync($"/api/staff/{member.Id}").ExpectAsync(204);

        await member.Client.GetAsync("/api/tags").ExpectAsync(401);
        await firm.Owner.GetAsync($"/api/staff/{member.Id}").ExpectAsync(404);
    }

    [Fact]
    public async Task A_Staff_role_key_cannot_manage_staff_or_keys()
    {
        var firm = await host.CreateFirmAsync();
        var staff = await host.AddStaffAsync(firm);
        var other = await host.AddStaffAsync(firm);

        await staff.Client.PostJsonAsync("/api/staff", new { name = "New", email = FirmBuilders.UniqueEmail(), role = "Staff" }).ExpectAsync(403);
        await staff.Client.PatchJsonAsync($"/api/staff/{other.Id}", new { name = "Renamed" }).ExpectAsync(403);
        await staff.Client.DeleteAsync($"/api/staff/{other.Id}").ExpectAsync(403);
        await staff.Client.PostAsync($"/api/staff/{staff.Id}/api-keys", null).ExpectAsync(403);
        await staff.Client.DeleteAsync($"/api/api-keys/{other.KeyId}").ExpectAsync(403);

        await other.Client.GetAsync("/api/staff").ExpectAsync(200);
    }

    [Theory]
    [InlineData("/api/staff")]
    [InlineData("/api/tags")]
    [InlineData("/api/accounts")]
    [InlineData("/api/client-facing-statuses")]
    public async Task A_Staff_role_key_can_read(string path)
    {
        var firm = await host.CreateFirmAsync();
        var staff = await host.AddStaffAsync(firm);

        await staff.Client.GetAsync(path).ExpectAsync(200);
        await staff.Client.GetAsync($"/api/staff/{staff.Id}").ExpectAsync(200);
    }

    [Fact]
    public async Task An_Admin_manages_staff_and_keys()
    {
        var firm = await host.CreateFirmAsync();
        var admin = await host.AddStaffAsync(firm, "Admin");

        var member = await admin.Client.PostJsonAsync("/api/staff", new { name = "Sam", email = FirmBuilders.UniqueEmail(), role = "Staff" }).ExpectAsync(201);
        await admin.Client.PatchJsonAsync($"/api/staff/{member.Id()}", new { role = "Admin" }).ExpectAsync(200);
        var key = await admin.Client.PostAsync($"/api/staff/{member.Id()}/api-keys", null).ExpectAsync(201);
        await admin.Client.DeleteAsync($"/api/api-keys/{key.Id()}").ExpectAsync(204);
        await admin.Client.DeleteAsync($"/api/staff/{member.Id()}").ExpectAsync(204);
    }

    [Fact]
    public async Task An_Admin_cannot_create_promote_delete_or_mint_keys_for_an_Owner()
    {
        var firm = await host.CreateFirmAsync();
        var admin = await host.AddStaffAsync(firm, "Admin");
        var staff = await host.AddStaffAsync(firm);

        await admin.Client.PostJsonAsync("/api/staff", new { name = "O2", email = FirmBuilders.UniqueEmail(), role = "Owner" }).ExpectAsync(403);
        await admin.Client.PatchJsonAsync($"/api/staff/{staff.Id}", new { role = "Owner" }).ExpectAsync(403);
        await admin.Client.PatchJsonAsync($"/api/staff/{firm.OwnerId}", new { role = "Staff" }).ExpectAsync(403);
        await admin.Client.DeleteAsync($"/api/staff/{firm.OwnerId}").ExpectAsync(403);
        await admin.Client.PostAsync($"/api/staff/{firm.OwnerId}/api-keys", null).ExpectAsync(403);
        var minted = await firm.Owner.PostAsync($"/api/staff/{firm.OwnerId}/api-keys", null);
        Assert.NotNull(minted.Headers.ETag);
        var ownerKey = await Task.FromResult(minted).ExpectAsync(201);
        await admin.Client.DeleteAsync($"/api/api-keys/{ownerKey["id"]!.GetValue<string>()}").ExpectAsync(403);
        await host.WithToken(ownerKey["apiKey"]!.GetValue<string>()).GetAsync("/api/staff").ExpectAsync(200);
    }

    [Fact]
    public async Task Nobody_deletes_or_demotes_the_last_Owner()
    {
        var firm = await host.CreateFirmAsync();

        await firm.Owner.DeleteAsync($"/api/staff/{firm.OwnerId}").ExpectAsync(409);
        await firm.Owner.PatchJsonAsync($"/api/staff/{firm.OwnerId}", new { role = "Admin" }).ExpectAsync(409);

        var second = await host.AddStaffAsync(firm, "Owner");
        await second.Client.DeleteAsync($"/api/staff/{firm.OwnerId}").ExpectAsync(204);
    }

    [Fact]
    public async Task A_portal_token_is_no_credential_for_staff_routes()
    {
        var firm = await host.CreateFirmAsync();
        var token = await firm.CreatePortalTokenAsync();
        Assert.StartsWith("chp_", token);

        var response = await host.WithToken(token).GetAsync("/api/staff");

        // 401 like no key: 403 is kept for a staff member whose role is too low.
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.True(response.IsProblem());
    }

    [Fact]
    public async Task Staff_emails_are_unique_within_a_firm_ignoring_case()
    {
        var firm = await host.CreateFirmAsync();
        var member = await host.AddStaffAsync(firm);

        await firm.Owner.PostJsonAsync("/api/staff", new { name = "Twin", email = member.Email.ToUpperInvariant(), role = "Staff" }).ExpectAsync(409);
        var other = await host.AddStaffAsync(firm);
        await firm.Owner.PatchJsonAsync($"/api/staff/{other.Id}", new { email = member.Email }).ExpectAsync(409);
    }

    [Fact]
    public async Task Changing_or_deleting_a_staff_member_frees_their_email()
    {
        var firm = await host.CreateFirmAsync();
        var member = await host.AddStaffAsync(firm);
        var renamed = FirmBuilders.UniqueEmail();

        await firm.Owner.PatchJsonAsync($"/api/staff/{member.Id}", new { email = renamed }).ExpectAsync(200);
        await firm.Owner.PostJsonAsync("/api/staff", new { name = "Reuse", email = member.Email, role = "Staff" }).ExpectAsync(201);
        await firm.Owner.DeleteAsync($"/api/staff/{member.Id}").ExpectAsync(204);
        await firm.Owner.PostJsonAsync("/api/staff", new { name = "Reuse again", email = renamed, role = "Staff" }).ExpectAsync(201);
    }

    [Fact]
    public async Task The_same_email_may_serve_two_firms()
    {
        var email = FirmBuilders.UniqueEmail();
        await host.AddStaffAsync(await host.CreateFirmAsync(), email: email);
        await host.AddStaffAsync(await host.CreateFirmAsync(), email: email);
    }

    [Fact]
    public async Task Creating_a_staff_member_answers_201_with_location_and_etag()
    {
        var firm = await host.CreateFirmAsync();
        var email = FirmBuilders.UniqueEmail();

        var response = await firm.Owner.PostJsonAsync("/api/staff", new { name = "Sam", email, role = "Staff" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.NotNull(response.Headers.ETag);
        var body = await response.ReadJsonAsync();
        Assert.Equal($"/api/staff/{body.Id()}", response.Headers.Location?.ToString());
        Assert.Equal(email, body["email"]!.GetValue<string>());
        Assert.Equal("Staff", body["role"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("not-an-email")]
    [InlineData("")]
    public async Task A_staff_member_needs_a_valid_email(string email)
    {
        var firm = await host.CreateFirmAsync();
        var body = await firm.Owner.PostJsonAsync("/api/staff", new { name = "Sam", email, role = "Staff" }).ExpectAsync(400);
        Assert.NotNull(body["errors"]?["email"]);
    }

    [Fact]
    public async Task Revoking_another_firms_key_is_not_found()
    {
        var firmA = await host.CreateFirmAsync();
        var firmB = await host.CreateFirmAsync();
        var member = await host.AddStaffAsync(firmA);

        await firmB.Owner.DeleteAsync($"/api/api-keys/{member.KeyId}").ExpectAsync(404);
        await member.Client.GetAsync("/api/staff").ExpectAsync(200);
    }
}
