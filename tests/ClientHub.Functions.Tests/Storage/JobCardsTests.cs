using Azure.Data.Tables;
using ClientHub.Core;
using ClientHub.Core.Jobs;
using ClientHub.Functions.Tests.Infrastructure;
using ClientHub.Storage;

namespace ClientHub.Functions.Tests.Storage;

public sealed class JobCardsTests : IAsyncLifetime
{
    private static readonly FirmId Firm = new("firm");
    private readonly StorageNames _names = new("c" + Guid.NewGuid().ToString("N")[..12]);
    private readonly TableServiceClient _tables = new(ClientHubHost.StorageConnectionString);

    public Task InitializeAsync() => _tables.CreateTableIfNotExistsAsync(_names.Table(Tables.JobCards));

    public Task DisposeAsync() => _tables.DeleteTableAsync(_names.Table(Tables.JobCards));

    private static Job Version(Job job, long version, string name) => job with { Version = version, Name = name };

    private async Task<string> CardNameAsync(Job job) =>
        Assert.Single((await new JobCards(_tables, _names).ListAsync(Firm, job.PipelineId, null, null, null, 10, null, default)).Items).Name;

    [Fact]
    public async Task An_older_snapshot_projected_late_never_replaces_a_newer_card()
    {
        var job = new Job { Id = new JobId(Ids.New()), FirmId = Firm, Name = "v1", AccountId = "acc", PipelineId = "p", StageId = "a", EntrySeq = 1 };
        var queueInstance = new JobCards(_tables, _names);
        var httpInstance = new JobCards(_tables, _names);

        await queueInstance.ProjectAsync(Version(job, 1, "v1"), default);
        await httpInstance.ProjectAsync(Version(job, 3, "v3"), default);
        await queueInstance.ProjectAsync(Version(job, 2, "v2"), default);
        Assert.Equal("v3", await CardNameAsync(job));

        await queueInstance.ProjectAsync(Version(job, 4, "v4"), default);
        await httpInstance.ProjectAsync(Version(job, 3, "v3 again"), default);
        Assert.Equal("v4", await CardNameAsync(job));
    }
}
