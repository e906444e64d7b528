using ClientHub.Functions.Tests.Infrastructure;

namespace ClientHub.Functions.Tests.Http;

/// <summary>
/// Sign-in's staff and the job views' pipelines and statuses are cached per instance and checked against the firm's stamps: a change
/// made through another instance of the same deployment takes effect on this one's next request (API.md), with nothing to wait for.
/// </summary>
public sealed class CachedConfigurationTests : IAsyncLifetime
{
    private sealed class Instance(string prefix) : ClientHubHost
    {
        public override string Prefix => prefix;
    }

    private readonly string _prefix = "k" + Guid.NewGuid().ToString("N")[..12];
    private Instance _a = null!, _b = null!;

    public Task InitializeAsync()
    {
        _a = new Instance(_prefix);
        _b = new Instance(_prefix);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    [Fact]
    public async Task A_role_lowered_on_another_instance_applies_on_the_next_request()
    {
        var firm = await _a.CreateFirmAsync();
        var admin = await _a.AddStaffAsync(firm, "Admin");
        await admin.Client.PostJsonAsync("/api/staff", new { name = "First", email = FirmBuilders.UniqueEmail(), role = "Staff" }).ExpectAsync(201);

        await _b.WithToken(firm.ApiKey).PatchJsonAsync($"/api/staff/{admin.Id}", new { role = "Staff" }).ExpectAsync(200);

        await admin.Client.PostJsonAsync("/api/staff", new { name = "Second", email = FirmBuilders.UniqueEmail(), role = "Staff" }).ExpectAsync(403);
        await admin.Client.GetAsync("/api/tags").ExpectAsync(200);
    }

    [Fact]
    public async Task A_staff_member_deleted_on_another_instance_is_refused_on_the_next_request()
    {
        var firm = await _a.CreateFirmAsync();
        var member = await _a.AddStaffAsync(firm);
        await member.Client.GetAsync("/api/tags").ExpectAsync(200);

        await _b.WithToken(firm.ApiKey).DeleteAsync($"/api/staff/{member.Id}").ExpectAsync(204);

        await member.Client.GetAsync("/api/tags").ExpectAsync(401);
    }

    [Fact]
    public async Task A_stage_renamed_on_another_instance_shows_on_the_next_board()
    {
        var firm = await _a.CreateFirmAsync();
        var created = await firm.Owner.PostJsonAsync("/api/pipelines",
            new { name = "Bookkeeping", stages = new object[] { new { name = "Collect" }, new { name = "Done" } } }).ExpectAsync(201);
        var board = $"/api/pipelines/{created.Id()}/board";
        Assert.Equal("Collect", (await firm.Owner.GetAsync(board).ExpectAsync(200))["stages"]![0]!["name"]!.GetValue<string>());

        created["stages"]![0]!["name"] = "Gather";
        await _b.WithToken(firm.ApiKey).PutJsonAsync($"/api/pipelines/{created.Id()}", created).ExpectAsync(200);

        Assert.Equal("Gather", (await firm.Owner.GetAsync(board).ExpectAsync(200))["stages"]![0]!["name"]!.GetValue<string>());
        await _b.WithToken(firm.ApiKey).DeleteAsync($"/api/pipelines/{created.Id()}").ExpectAsync(204);
        await firm.Owner.GetAsync(board).ExpectAsync(404);
    }

    [Fact]
    public async Task A_status_renamed_on_another_instance_shows_on_the_next_job_read()
    {
        var firm = await _a.CreateFirmAsync();
        var status = await firm.CreateStatusAsync("Waiting on you");
        var pipeline = await firm.Owner.PostJsonAsync("/api/pipelines", new
        {
            name = "Returns",
            stages = new object[] { new { name = "Start", automations = new object[]
            {
                new { type = "updateClientFacingStatus", visible = true, statusId = status },
            } }, new { name = "Done" } },
        }).ExpectAsync(201);
        var account = await firm.CreateAccountAsync();
        var job = await firm.Owner.PostJsonAsync("/api/jobs", new { accountId = account, pipelineId = pipeline.Id() }).ExpectAsync(201);
        await Eventually.HoldsAsync(async () => await firm.Owner.GetAsync($"/api/jobs/{job.Id()}").ExpectAsync(200),
            read => read["clientFacingStatus"]?["name"]?.GetValue<string>() == "Waiting on you", "the automation set the status");

        await _b.WithToken(firm.ApiKey).PatchJsonAsync($"/api/client-facing-statuses/{status}", new { name = "Over to you" }).ExpectAsync(200);

        var read = await firm.Owner.GetAsync($"/api/jobs/{job.Id()}").ExpectAsync(200);
        Assert.Equal("Over to you", read["clientFacingStatus"]!["name"]!.GetValue<string>());
    }
}
