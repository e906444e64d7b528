using Azure;
using Azure.Data.Tables;
using ClientHub.Core.Jobs;
using ClientHub.Functions.Tests.Infrastructure;
using ClientHub.Storage;

namespace ClientHub.Functions.Tests.Storage;

public sealed class JobStoreTests : IAsyncLifetime
{
    private readonly StorageNames _names = new("s" + Guid.NewGuid().ToString("N")[..12]);
    private readonly TableServiceClient _tables = new(ClientHubHost.StorageConnectionString);
    private JobStore _store = null!;

    public async Task InitializeAsync()
    {
        await _tables.CreateTableIfNotExistsAsync(_names.Table(Tables.Jobs));
        _store = new JobStore(_tables, _names);
    }

    public Task DisposeAsync() => _tables.DeleteTableAsync(_names.Table(Tables.Jobs));

    private static Job NewJob() => new()
    {
        Id = Core.Ids.New(), FirmId = "firm", Name = "Job", AccountId = "acc", PipelineId = "p", StageId = "a", EntrySeq = 1,
        Automation = AutomationState.Running,
    };

    [Fact]
    public async Task A_step_that_changes_nothing_a_card_shows_writes_no_card()
    {
        var added = await _store.CommitAsync(new Transition(NewJob(), [new RunAutomation(1, 0, "x")], []), null, null, [], DateTimeOffset.UtcNow, default);
        Assert.Contains(added.Outbox, o => o.Kind == OutboxKinds.Card);

        var step = added.Job with { NextAutomation = 1 };
        var next = await _store.CommitAsync(new Transition(step, [new RunAutomation(1, 1, "y")], []), added.ETag, added.Job, [], DateTimeOffset.UtcNow, default);

        Assert.DoesNotContain(next.Outbox, o => o.Kind == OutboxKinds.Card);
        var finished = await _store.CommitAsync(new Transition(next.Job with { Automation = AutomationState.Idle }, [], []), next.ETag, next.Job, [], DateTimeOffset.UtcNow, default);
        Assert.Contains(finished.Outbox, o => o.Kind == OutboxKinds.Card);
    }

    [Fact]
    public async Task A_stale_ETag_fails_the_whole_transaction_and_writes_nothing()
    {
        var added = await _store.CommitAsync(new Transition(NewJob(), [], []), null, null, [], DateTimeOffset.UtcNow, default);
        var first = await _store.CommitAsync(new Transition(added.Job with { Name = "First" }, [], []), added.ETag, added.Job, [], DateTimeOffset.UtcNow, default);

        var stale = await Assert.ThrowsAnyAsync<RequestFailedException>(() =>
            _store.CommitAsync(new Transition(added.Job with { Name = "Second" }, [new RunAutomation(1, 0, "x")],
                [new HistoryEntry(DateTimeOffset.UtcNow, HistoryKinds.Updated, "a", "a", Actor.System, null)]), added.ETag, added.Job, [], DateTimeOffset.UtcNow, default));

        Assert.Equal(412, stale.Status);
        var job = await _store.GetAsync("firm", added.Job.Id, default);
        Assert.Equal("First", job!.Value.Name);
        Assert.Equal(first.ETag, job.ETag);
        var history = await _store.HistoryAsync("firm", added.Job.Id, 100, null, default);
        Assert.Empty(history.Items);
    }

    [Fact]
    public async Task A_transaction_may_not_touch_another_partition()
    {
        var foreign = new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("firm|other", "x"));

        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            _store.CommitAsync(new Transition(NewJob(), [], []), null, null, [foreign], DateTimeOffset.UtcNow, default));
    }
}
