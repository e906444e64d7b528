using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using ClientHub.Core;
using ClientHub.Core.Jobs;
using ClientHub.Functions.Tests.Infrastructure;
using ClientHub.Storage;

namespace ClientHub.Functions.Tests.Storage;

public sealed class JobStoreTests : IAsyncLifetime
{
    private static readonly FirmId Firm = new("firm");
    private readonly StorageNames _names = new("s" + Guid.NewGuid().ToString("N")[..12]);
    private readonly TableServiceClient _tables = new(ClientHubHost.StorageConnectionString);
    private JobStore _store = null!;

    public async Task InitializeAsync()
    {
        await _tables.CreateTableIfNotExistsAsync(_names.Table(Tables.Jobs));
        await _tables.CreateTableIfNotExistsAsync(_names.Table(Tables.OutboxMarks));
        _store = new JobStore(_tables, _names, NewMarks());
    }

    public async Task DisposeAsync()
    {
        await _tables.DeleteTableAsync(_names.Table(Tables.Jobs));
        await _tables.DeleteTableAsync(_names.Table(Tables.OutboxMarks));
    }

    private OutboxMarks NewMarks() => new(_tables, _names, TimeSpan.FromSeconds(60));

    private async Task<List<OutboxMark>> MarksAsync(OutboxMarks marks)
    {
        var all = new List<OutboxMark>();
        await foreach (var mark in marks.OlderThanAsync(DateTimeOffset.UtcNow.AddMinutes(5), default)) all.Add(mark);
        return all;
    }

    private static Job NewJob() => new()
    {
        Id = new JobId(Ids.New()), FirmId = Firm, Name = "Job", AccountId = "acc", PipelineId = "p", StageId = "a", EntrySeq = 1,
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
        var job = await _store.GetAsync(Firm, added.Job.Id, default);
        Assert.Equal("First", job!.Value.Name);
        Assert.Equal(first.ETag, job.ETag);
        var history = await _store.HistoryAsync(Firm, added.Job.Id, 100, null, default);
        Assert.Empty(history.Items);
    }

    [Fact]
    public async Task A_transaction_may_not_touch_another_partition()
    {
        var foreign = new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("firm|other", "x"));

        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            _store.CommitAsync(new Transition(NewJob(), [], []), null, null, [foreign], DateTimeOffset.UtcNow, default));
    }

    [Fact]
    public async Task A_commit_marks_its_partition_before_writing_so_the_sweeper_finds_its_outbox()
    {
        var added = await _store.CommitAsync(new Transition(NewJob(), [new RunAutomation(1, 0, "x")], []), null, null, [], DateTimeOffset.UtcNow, default);

        var mark = Assert.Single(await MarksAsync(_store.Marks));
        Assert.Equal(JobStore.PartitionKey(Firm, added.Job.Id), mark.PartitionKey);
        var outbox = await _store.OutboxAsync(mark.PartitionKey, default);
        Assert.Equal(added.Outbox.Select(o => o.RowKey), outbox.Select(o => o.Row.RowKey));
    }

    [Fact]
    public async Task Typed_ids_are_stored_as_the_plain_strings_and_keys_they_always_were()
    {
        var added = await _store.CommitAsync(new Transition(NewJob(), [new RunAutomation(1, 0, "x")], []), null, null, [], DateTimeOffset.UtcNow, default);
        var jobId = added.Job.Id.Value;

        var row = (await _store.Table.GetEntityAsync<TableEntity>($"firm|{jobId}", "job")).Value;
        var stored = JsonNode.Parse(row.GetString("D0"))!;
        Assert.Equal(jobId, stored["id"]!.GetValue<string>());
        Assert.Equal("firm", stored["firmId"]!.GetValue<string>());
        var message = JsonNode.Parse(added.Outbox.Single(o => o.Kind == OutboxKinds.Automation).Payload)!;
        Assert.Equal(jobId, message["jobId"]!.GetValue<string>());
        Assert.Equal("firm", message["firmId"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_quick_chain_of_commits_marks_its_partition_once()
    {
        var added = await _store.CommitAsync(new Transition(NewJob(), [new RunAutomation(1, 0, "x")], []), null, null, [], DateTimeOffset.UtcNow, default);
        var first = Assert.Single(await MarksAsync(_store.Marks));

        await _store.CommitAsync(new Transition(added.Job with { NextAutomation = 1 }, [new RunAutomation(1, 1, "y")], []), added.ETag, added.Job, [], DateTimeOffset.UtcNow, default);

        Assert.Equal(first.ETag, Assert.Single(await MarksAsync(_store.Marks)).ETag);
    }

    [Fact]
    public async Task A_mark_written_again_after_it_was_read_is_not_removed()
    {
        var added = await _store.CommitAsync(new Transition(NewJob(), [new RunAutomation(1, 0, "x")], []), null, null, [], DateTimeOffset.UtcNow, default);
        var read = Assert.Single(await MarksAsync(_store.Marks));

        // Another process (which has not marked this partition yet) commits the next step.
        var otherProcess = new JobStore(_tables, _names, NewMarks());
        await otherProcess.CommitAsync(new Transition(added.Job with { NextAutomation = 1 }, [new RunAutomation(1, 1, "y")], []), added.ETag, added.Job, [], DateTimeOffset.UtcNow, default);
        await _store.Marks.RemoveAsync(read, default);

        Assert.NotEqual(read.ETag, Assert.Single(await MarksAsync(_store.Marks)).ETag);
    }
}
