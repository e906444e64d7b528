using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using ClientHub.Core;
using ClientHub.Core.Items;
using ClientHub.Core.Jobs;

namespace ClientHub.Storage;

/// <summary>A row of a job's outbox: work its transition caused, not yet handed to a queue or projection.</summary>
public sealed record OutboxRow(string PartitionKey, string RowKey, string Kind, string Payload);

public static class OutboxKinds
{
    /// <summary><c>automation</c> rows wake the job's orchestration to run an entry's automations (<see cref="AutomationRun"/>).</summary>
    public const string Automation = "automation", Event = "event", Card = "card", Links = "links", Notice = "notice", Watch = "watch";
}

/// <summary>
/// Asks the jobs an item is linked to by hand to re-read it (<see cref="SyncLinkedJobs"/>); <c>Round</c> counts how often it
/// was sent again after being poisoned.
/// </summary>
public sealed record LinkSyncMessage(FirmId FirmId, string ItemId, Actor By, int Round = 0);

/// <summary>Automation #Index of entry #EntrySeq, as a job's orchestration runs it; its identity is the idempotency key.</summary>
/// <remarks><c>Retries</c> is the job's retry count when it was asked for: a failure from before a retry must not flag the resumed chain.</remarks>
public sealed record AutomationRun(FirmId FirmId, JobId JobId, int EntrySeq, int Index, string AutomationId, int Retries = 0)
{
    public string EffectKey => $"{JobId.Value}:{EntrySeq}:{AutomationId}";
}

/// <summary>A job, as an outbox row names it.</summary>
public sealed record JobRef(FirmId FirmId, JobId JobId);

/// <summary>A <see cref="Notify"/> on its way; <c>Owner</c> is the item's partition owner (a job id, or "f"), where its emails are claimed.</summary>
public sealed record NoticeMessage(string Id, FirmId FirmId, string Owner, string? ItemId, NoticeAudience Audience, string What, DateTimeOffset At);

/// <summary>A <see cref="PublishEvent"/> on its way, with the job as its transition left it (<c>Job</c>; absent in rows of older builds).</summary>
public sealed record JobEventMessage(
    string Id, FirmId FirmId, JobId JobId, string Type, string? FromStageId, string? ToStageId, string? ItemId, DateTimeOffset At, Job? Job = null);

/// <summary>A job row as committed, with the outbox rows its transition wrote.</summary>
public sealed record CommittedJob(Job Job, ETag ETag, IReadOnlyList<OutboxRow> Outbox);

/// <summary>
/// The job store. One partition per job (<c>{firmId}|{jobId}</c>) holds the job row, its outbox,
/// effect records, history and the items created for it, so a transition and everything it caused
/// is one entity-group transaction, guarded by the job row's ETag.
/// </summary>
/// <remarks>
/// Items not created for a job live in the firm's <c>{firmId}|f</c> partition. Row keys:
/// <c>job</c>, <c>item|{itemId}</c>, <c>link|{itemId}</c> (an item of another partition linked by
/// hand), <c>history|{version}|{n}</c>, <c>outbox|{version}|{n}</c>, <c>effect|{key}</c>,
/// <c>reminder|{itemId}</c>.
/// </remarks>
public sealed class JobStore(TableServiceClient tables, StorageNames names, OutboxMarks marks)
{
    private const string JobRow = "job";
    public TableClient Table { get; } = tables.GetTableClient(names.Table(Tables.Jobs));

    public OutboxMarks Marks => marks;

    /// <summary>The owner is a job's id, or <see cref="ItemIds.NoJob"/> for the partition of the firm's items of no job: hence a string.</summary>
    public static string PartitionKey(FirmId firmId, string owner) => $"{firmId.Value}|{owner}";

    public static string PartitionKey(FirmId firmId, JobId jobId) => PartitionKey(firmId, jobId.Value);

    public static string ItemRowKey(string itemId) => $"item|{itemId}";

    public static string LinkRowKey(string itemId) => $"link|{itemId}";

    private static string ReminderRowKey(string itemId) => $"reminder|{itemId}";

    public async Task<Versioned<Job>?> GetAsync(FirmId firmId, JobId jobId, CancellationToken cancellationToken)
    {
        if (!Ids.IsWellFormed(jobId.Value) || jobId.Value.Contains('-')) return null;
        var row = await Table.GetEntityIfExistsAsync<TableEntity>(PartitionKey(firmId, jobId), JobRow, cancellationToken: cancellationToken);
        return row.HasValue ? new Versioned<Job>(FirmDocuments.Read<Job>(row.Value!), row.Value!.ETag) : null;
    }

    /// <summary>
    /// Writes the transition's job row (insert when <paramref name="expected"/> is null, else
    /// <c>If-Match</c>), its history and outbox rows, the card projection row (unless nothing a
    /// card shows changed since <paramref name="previous"/>), and <paramref name="extra"/> rows of
    /// the same partition, in one transaction. A stale ETag throws
    /// <see cref="RequestFailedException"/> 412 and writes nothing. A transaction with outbox rows
    /// is preceded by the partition's <see cref="OutboxMarks">mark</see>, so the sweeper can find them.
    /// </summary>
    public async Task<CommittedJob> CommitAsync(Transition transition, ETag? expected, Job? previous, IEnumerable<TableTransactionAction> extra,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        var job = transition.Job with { Version = transition.Job.Version + 1 };
        var pk = PartitionKey(job.FirmId, job.Id);
        var version = job.Version.ToString("D12");
        var jobEntity = FirmDocuments.ToEntity(pk, JobRow, job);
        var actions = new List<TableTransactionAction>
        {
            expected is { } etag
                ? new(TableTransactionActionType.UpdateReplace, jobEntity, etag)
                : new(TableTransactionActionType.Add, jobEntity),
        };
        actions.AddRange(transition.History.Select((h, n) =>
            new TableTransactionAction(TableTransactionActionType.Add, FirmDocuments.ToEntity(pk, $"history|{version}|{n:D3}", h))));

        // A reminder is a row of the partition, written with the item it chases; the job's orchestration holds its timer.
        actions.AddRange(transition.Effects.OfType<ScheduleReminder>().Select(r => new TableTransactionAction(TableTransactionActionType.Add,
            new TableEntity(pk, ReminderRowKey(r.ItemId))
            {
                ["Count"] = r.Count, ["DaysBetween"] = r.DaysBetween, ["FirstDueAt"] = r.DueAt, ["Sent"] = 0,
                ["Then"] = r.Then is null ? null : JsonSerializer.Serialize(r.Then, ClientHubJson.Stored),
            })));

        var outbox = transition.Effects.Where(e => e is not ScheduleReminder).Select(e => e switch
            {
                RunAutomation a => (OutboxKinds.Automation,
                    JsonSerializer.Serialize(new AutomationRun(job.FirmId, job.Id, a.EntrySeq, a.Index, a.AutomationId, a.Retries),
                        ClientHubJson.Stored)),
                PublishEvent p => (OutboxKinds.Event,
                    JsonSerializer.Serialize(
                        new JobEventMessage(Ids.New(), job.FirmId, job.Id, p.Type, p.FromStageId, p.ToStageId, p.ItemId, now, job),
                        ClientHubJson.Stored)),
                _ => OutboxEntry(job.FirmId, job.Id.Value, e, now),
            })
            // Most steps of an automation chain change nothing a card shows: they write no card.
            .Concat(previous is not null && CardOf(previous).Equals(CardOf(job))
                ? []
                : new[] { (OutboxKinds.Card, JsonSerializer.Serialize(job, ClientHubJson.Stored)) })
            .Select((o, n) => new OutboxRow(pk, $"outbox|{version}|{n:D3}", o.Item1, o.Item2))
            .ToList();
        actions.AddRange(outbox.Select(Insert));
        actions.AddRange(extra);

        var responses = await SubmitAsync(pk, actions, underMark: outbox.Count > 0, cancellationToken);
        return new CommittedJob(job, responses.Value[0].Headers.ETag ?? default, outbox);
    }

    /// <summary>
    /// One transaction of partition <paramref name="pk"/>; one that writes outbox rows runs under the partition's outbox mark, so the
    /// sweeper finds what a crash leaves undispatched.
    /// </summary>
    private Task<Response<IReadOnlyList<Response>>> SubmitAsync(string pk, IReadOnlyList<TableTransactionAction> actions, bool underMark,
        CancellationToken cancellationToken)
    {
        // Azurite accepts a batch that mixes partitions; Azure rejects it. Fail here, the same way everywhere.
        if (actions.Any(a => a.Entity.PartitionKey != pk)) throw new InvalidOperationException($"A transaction may only touch partition {pk}.");
        return underMark
            ? marks.UnderMarkAsync(pk, () => Table.SubmitTransactionAsync(actions, cancellationToken), cancellationToken)
            : Table.SubmitTransactionAsync(actions, cancellationToken);
    }

    /// <summary>What the board and list projection shows of a job, as a tuple so that two compare by value.</summary>
    private static object CardOf(Job job) => (job.Name, job.StageId, job.EntrySeq, job.Status, string.Join(',', job.AssigneeIds), job.Priority,
        job.StartDate, job.DueDate, job.ClientFacing, job.PendingItems, job.Automation, job.AutomationError);

    /// <summary>A job partition's outbox rows, each with the time the server wrote it (the sweeper's look into a marked partition).</summary>
    public async Task<List<(OutboxRow Row, DateTimeOffset WrittenAt)>> OutboxAsync(string partitionKey, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey} and RowKey gt {"outbox|"} and RowKey lt {"outbox}"}");
        var rows = new List<(OutboxRow, DateTimeOffset)>();
        await foreach (var e in Table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
            rows.Add((new OutboxRow(e.PartitionKey, e.RowKey, e.GetString("Kind"), e.GetString("Payload")), e.Timestamp!.Value));
        return rows;
    }

    /// <summary>
    /// An outbox row for a partition that holds no job (the firm's items of no job, <c>{firmId}|f</c>);
    /// write it in the same transaction as the change that caused it, after marking the partition.
    /// </summary>
    public static OutboxRow OutboxRowFor(FirmId firmId, string owner, JobEffect effect, DateTimeOffset now)
    {
        var (kind, payload) = OutboxEntry(firmId, owner, effect, now);
        return new(PartitionKey(firmId, owner), $"outbox|{Ids.New()}", kind, payload);
    }

    /// <summary>The outbox kind and payload of an effect that is neither a reminder row nor an automation of the job.</summary>
    private static (string Kind, string Payload) OutboxEntry(FirmId firmId, string owner, JobEffect effect, DateTimeOffset now) => effect switch
    {
        SyncLinkedJobs l => (OutboxKinds.Links, JsonSerializer.Serialize(new LinkSyncMessage(firmId, l.ItemId, l.By), ClientHubJson.Stored)),
        WatchJob => (OutboxKinds.Watch, JsonSerializer.Serialize(new JobRef(firmId, new JobId(owner)), ClientHubJson.Stored)),
        Notify n => (OutboxKinds.Notice,
            JsonSerializer.Serialize(new NoticeMessage(Ids.New(), firmId, owner, n.ItemId, n.Audience, n.What, now), ClientHubJson.Stored)),
        _ => throw new NotSupportedException(effect.GetType().Name),
    };

    public static TableTransactionAction Insert(OutboxRow row) =>
        new(TableTransactionActionType.Add, new TableEntity(row.PartitionKey, row.RowKey) { ["Kind"] = row.Kind, ["Payload"] = row.Payload });

    public async Task DeleteOutboxAsync(IReadOnlyList<OutboxRow> rows, CancellationToken cancellationToken)
    {
        foreach (var partition in rows.GroupBy(r => r.PartitionKey))
        {
            try
            {
                await Table.SubmitTransactionAsync(partition.Select(r =>
                    new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(r.PartitionKey, r.RowKey), ETag.All)),
                    cancellationToken);
            }
            catch (TableTransactionFailedException e) when (e.Status == 404)
            {
                // Another dispatcher (the sweeper, or a second delivery) got there first: delete the rest one by one.
                foreach (var r in partition) await Table.DeleteEntityAsync(r.PartitionKey, r.RowKey, ETag.All, cancellationToken);
            }
        }
    }

    // ---- items ----

    public async Task<Versioned<LinkedItem>?> GetItemAsync(FirmId firmId, string itemId, CancellationToken cancellationToken)
    {
        if (ItemIds.OwnerOf(itemId) is not { } owner) return null;
        var row = await Table.GetEntityIfExistsAsync<TableEntity>(PartitionKey(firmId, owner), ItemRowKey(itemId),
            cancellationToken: cancellationToken);
        return row.HasValue ? new Versioned<LinkedItem>(FirmDocuments.Read<LinkedItem>(row.Value!), row.Value!.ETag) : null;
    }

    /// <summary>Adds an item of no job (the firm's own partition); one of a job is added in the job's transaction (<see cref="AddItem"/>).</summary>
    public Task AddItemAsync(FirmId firmId, LinkedItem item, CancellationToken cancellationToken) =>
        Table.AddEntityAsync(ItemEntity(firmId, item), cancellationToken);

    /// <summary>A new item's row, for the transaction of the job it joins.</summary>
    public static TableTransactionAction AddItem(FirmId firmId, LinkedItem item) => new(TableTransactionActionType.Add, ItemEntity(firmId, item));

    /// <summary>An item's row written whatever is there: an automation's items, identical each time its run is repeated.</summary>
    public static TableTransactionAction PutItem(FirmId firmId, LinkedItem item) =>
        new(TableTransactionActionType.UpsertReplace, ItemEntity(firmId, item));

    /// <summary>An item's changed row, written only over the version <paramref name="ifMatch"/> it was read at.</summary>
    public static TableTransactionAction ReplaceItem(FirmId firmId, LinkedItem item, ETag ifMatch) =>
        new(TableTransactionActionType.UpdateReplace, ItemEntity(firmId, item), ifMatch);

    /// <summary>
    /// Commits changed items of the firm's own partition (items of no job) with the outbox rows they cause, in one transaction, under
    /// the partition's outbox mark when there are some (as a job's commit).
    /// </summary>
    public async Task CommitItemsAsync(FirmId firmId, IReadOnlyList<TableTransactionAction> items, IReadOnlyList<OutboxRow> outbox,
        CancellationToken cancellationToken)
    {
        await SubmitAsync(PartitionKey(firmId, ItemIds.NoJob), [.. items, .. outbox.Select(Insert)], underMark: outbox.Count > 0, cancellationToken);
    }

    private static TableEntity ItemEntity(FirmId firmId, LinkedItem item)
    {
        var entity = FirmDocuments.ToEntity(PartitionKey(firmId, item.JobId?.Value ?? ItemIds.NoJob), ItemRowKey(item.Id), item);
        entity["Type"] = item.Type;
        entity["EntrySeq"] = item.StageEntrySeq;
        entity["Complete"] = item.IsComplete;
        entity["RequiresAction"] = item.RequiresAction;
        entity["AccountId"] = item.AccountId;
        entity["Status"] = item.StatusName;
        if (item is TaskItem task)
        {
            entity["AssigneeId"] = task.AssigneeId;
            entity["DueDate"] = task.DueDate?.ToString("yyyy-MM-dd");
        }
        return entity;
    }

    /// <summary>A job's linked items: its own (<c>item|</c>) and those linked by hand (<c>link|</c>).</summary>
    public async Task<List<ItemLink>> ListLinksAsync(FirmId firmId, JobId jobId, CancellationToken cancellationToken)
    {
        var links = new List<ItemLink>();
        await foreach (var e in QueryLinks(firmId, jobId, pageSize: null, cancellationToken)) links.Add(ToLink(e));
        return links;
    }

    /// <summary>A page of a job's linked items.</summary>
    public async Task<ListPage<ItemLink>> LinksPageAsync(
        FirmId firmId, JobId jobId, int pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        await foreach (var page in QueryLinks(firmId, jobId, pageSize, cancellationToken).AsPages(continuationToken, pageSize))
            return new ListPage<ItemLink>(page.Values.Select(ToLink).ToList(), page.ContinuationToken);
        return new ListPage<ItemLink>([], null);
    }

    private AsyncPageable<TableEntity> QueryLinks(FirmId firmId, JobId jobId, int? pageSize, CancellationToken cancellationToken)
    {
        var partitionKey = PartitionKey(firmId, jobId);
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {partitionKey} and ((RowKey gt {"item|"} and RowKey lt {"item}"}) or (RowKey gt {"link|"} and RowKey lt {"link}"}))");
        return Table.QueryAsync<TableEntity>(filter, pageSize, select: ["RowKey", "Type", "EntrySeq", "Complete", "RequiresAction", "Status"],
            cancellationToken: cancellationToken);
    }

    private static ItemLink ToLink(TableEntity e) =>
        new(e.RowKey[5..], e.GetString("Type"), e.GetInt32("EntrySeq") ?? 0, e.GetBoolean("Complete") ?? false,
            e.GetBoolean("RequiresAction") ?? true, e.GetString("Status") ?? "", e.RowKey.StartsWith("link|", StringComparison.Ordinal));

    /// <summary>
    /// A page of the firm's items of one type (firm-wide lists such as <c>GET /api/tasks</c>), filtered by
    /// the table service on the columns <see cref="ItemEntity"/> writes. Without a job this is a range scan
    /// over the firm's job partitions, so a page may come back short (even empty) with a continuation token.
    /// </summary>
    public async Task<ListPage<LinkedItem>> ListItemsAsync(FirmId firmId, ItemQuery query, int pageSize, string? continuationToken,
        CancellationToken cancellationToken)
    {
        var filter = query.JobId is { } jobId
            ? TableClient.CreateQueryFilter($"PartitionKey eq {PartitionKey(firmId, jobId)}")
            : TableClient.CreateQueryFilter($"PartitionKey gt {firmId.Value + "|"} and PartitionKey lt {firmId.Value + "}"}");
        filter += " and " + TableClient.CreateQueryFilter($"RowKey gt {"item|"} and RowKey lt {"item}"} and Type eq {query.Type}");
        if (query.AssigneeId is not null) filter += " and " + TableClient.CreateQueryFilter($"AssigneeId eq {query.AssigneeId}");
        if (query.AccountId is not null) filter += " and " + TableClient.CreateQueryFilter($"AccountId eq {query.AccountId}");
        if (query.Status is not null) filter += " and " + TableClient.CreateQueryFilter($"Status eq {query.Status}");
        if (query.DueBefore is { } due) filter += " and " + TableClient.CreateQueryFilter($"DueDate lt {due.ToString("yyyy-MM-dd")}");
        if (query.DueAfter is { } after) filter += " and " + TableClient.CreateQueryFilter($"DueDate gt {after.ToString("yyyy-MM-dd")}");
        await foreach (var page in Table.QueryAsync<TableEntity>(filter, pageSize, cancellationToken: cancellationToken)
                           .AsPages(continuationToken, pageSize))
            return new ListPage<LinkedItem>(page.Values.Select(FirmDocuments.Read<LinkedItem>).ToList(), page.ContinuationToken);
        return new ListPage<LinkedItem>([], null);
    }

    /// <summary>
    /// The row that shows an item linked by hand among a job's items, as of <paramref name="item"/>, in entry <paramref name="entrySeq"/>.
    /// </summary>
    public static TableTransactionAction PutLink(FirmId firmId, JobId jobId, LinkedItem item, int entrySeq) =>
        new(TableTransactionActionType.UpsertReplace, new TableEntity(PartitionKey(firmId, jobId), LinkRowKey(item.Id))
        {
            ["Type"] = item.Type, ["EntrySeq"] = entrySeq, ["Complete"] = item.IsComplete,
            ["RequiresAction"] = item.RequiresAction, ["Status"] = item.StatusName,
        });

    /// <summary>The link row of an item linked to the job by hand; null when there is none (yet).</summary>
    public async Task<ItemLink?> GetLinkAsync(FirmId firmId, JobId jobId, string itemId, CancellationToken cancellationToken)
    {
        var row = await Table.GetEntityIfExistsAsync<TableEntity>(PartitionKey(firmId, jobId), LinkRowKey(itemId),
            cancellationToken: cancellationToken);
        return row.HasValue ? ToLink(row.Value!) : null;
    }

    // ---- history ----

    public async Task<ListPage<HistoryEntry>> HistoryAsync(
        FirmId firmId, JobId jobId, int pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {PartitionKey(firmId, jobId)} and RowKey gt {"history|"} and RowKey lt {"history}"}");
        await foreach (var page in Table.QueryAsync<TableEntity>(filter, pageSize, cancellationToken: cancellationToken)
                           .AsPages(continuationToken, pageSize))
            return new ListPage<HistoryEntry>(page.Values.Select(FirmDocuments.Read<HistoryEntry>).ToList(), page.ContinuationToken);
        return new ListPage<HistoryEntry>([], null);
    }

    // ---- reminders ----

    /// <summary>The job's items that still have reminders to send.</summary>
    public async Task<List<ItemReminders>> PendingRemindersAsync(FirmId firmId, JobId jobId, CancellationToken cancellationToken)
    {
        var pk = PartitionKey(firmId, jobId);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {pk} and RowKey gt {"reminder|"} and RowKey lt {"reminder}"}");
        var reminders = new List<ItemReminders>();
        await foreach (var e in Table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
            if (ToReminders(e) is { Pending: true } pending) reminders.Add(pending);
        return reminders;
    }

    public async Task<ItemReminders?> GetRemindersAsync(FirmId firmId, JobId jobId, string itemId, CancellationToken cancellationToken)
    {
        var row = await Table.GetEntityIfExistsAsync<TableEntity>(PartitionKey(firmId, jobId), ReminderRowKey(itemId),
            cancellationToken: cancellationToken);
        return row.HasValue ? ToReminders(row.Value!) : null;
    }

    /// <summary>Records how many reminders went out (or, with <c>sent = Count</c>, that no more will) and when the next may be tried.</summary>
    public Task RecordRemindersAsync(FirmId firmId, JobId jobId, string itemId, int sent, DateTimeOffset? notBefore,
        CancellationToken cancellationToken) =>
        Table.UpdateEntityAsync(new TableEntity(PartitionKey(firmId, jobId), ReminderRowKey(itemId)) { ["Sent"] = sent, ["NotBefore"] = notBefore },
            ETag.All, TableUpdateMode.Merge, cancellationToken);

    /// <summary>
    /// Marks the item's escalation done: written in the same transaction as the job change it made, so it happens once (a second
    /// decision re-reads the row after the job row's conflict).
    /// </summary>
    public static TableTransactionAction RemindersEscalated(FirmId firmId, JobId jobId, string itemId) =>
        new(TableTransactionActionType.UpdateMerge, new TableEntity(PartitionKey(firmId, jobId), ReminderRowKey(itemId)) { ["Escalated"] = true },
            ETag.All);

    private static ItemReminders ToReminders(TableEntity e) =>
        new(e.RowKey["reminder|".Length..], e.GetInt32("Count") ?? 0, e.GetInt32("DaysBetween") ?? 3, e.GetDateTimeOffset("FirstDueAt") ?? default,
            e.GetInt32("Sent") ?? 0, e.GetDateTimeOffset("NotBefore"))
        {
            Then = e.GetString("Then") is { } then ? JsonSerializer.Deserialize<Core.Pipelines.ReminderEscalation>(then, ClientHubJson.Stored) : null,
            Escalated = e.GetBoolean("Escalated") ?? false,
        };

    // ---- effects (idempotency records of external side effects) ----

    /// <summary>
    /// Claims the right to perform an external effect (an email) once. Either the caller holds the claim and must perform the
    /// effect, or <see cref="EffectClaim.Done"/> is the outcome recorded when it was already done.
    /// </summary>
    /// <remarks>
    /// An unsent intent whose claim expired was left by a crash, and is taken over (<see cref="EffectClaim.Retaken"/>: the dead
    /// attempt may have performed the effect before it could mark it); one still claimed belongs to a concurrent delivery of the
    /// same message, which is waited for rather than duplicated. The claim must outlast one send attempt (the SendGrid timeout).
    /// </remarks>
    public async Task<EffectClaim> ClaimEffectAsync(
        FirmId firmId, JobId jobId, string key, TimeSpan claim, TimeProvider time, CancellationToken cancellationToken)
    {
        var pk = PartitionKey(firmId, jobId);
        var rk = $"effect|{key}";
        while (true)
        {
            var now = time.GetUtcNow();
            try
            {
                await Table.AddEntityAsync(new TableEntity(pk, rk) { ["Status"] = "intent", ["ClaimedUntil"] = now + claim }, cancellationToken);
                return EffectClaim.Held;
            }
            catch (RequestFailedException e) when (e.Status == 409)
            {
            }
            var existing = (await Table.GetEntityAsync<TableEntity>(pk, rk, cancellationToken: cancellationToken)).Value;
            if (existing.GetString("Status") is { } status and not "intent")
                return new EffectClaim(new EffectOutcome(status, existing.GetString("Reference")), Retaken: false);
            if (existing.GetDateTimeOffset("ClaimedUntil") < now)
            {
                try
                {
                    existing["ClaimedUntil"] = now + claim;
                    await Table.UpdateEntityAsync(existing, existing.ETag, TableUpdateMode.Merge, cancellationToken);
                    return new EffectClaim(null, Retaken: true);
                }
                catch (RequestFailedException e) when (e.Status == 412)
                {
                    continue;
                }
            }
            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        }
    }

    /// <summary>
    /// Gives a claim back when the effect certainly did not happen (the provider refused), so the retry need not wait for it
    /// to expire.
    /// </summary>
    public Task ReleaseEffectAsync(FirmId firmId, JobId jobId, string key, CancellationToken cancellationToken) =>
        Table.DeleteEntityAsync(PartitionKey(firmId, jobId), $"effect|{key}", ETag.All, cancellationToken);

    /// <summary>Records that the effect happened (or settled as not to be tried again), with the provider's reference to it if any.</summary>
    public Task MarkEffectAsync(FirmId firmId, JobId jobId, string key, string status, CancellationToken cancellationToken, string? reference = null)
    {
        var mark = new TableEntity(PartitionKey(firmId, jobId), $"effect|{key}") { ["Status"] = status };
        if (reference is not null) mark["Reference"] = reference;
        return Table.UpsertEntityAsync(mark, TableUpdateMode.Replace, cancellationToken);
    }
}

/// <summary>How an external effect ended (<c>sent</c>, <c>notSent</c>…), and the provider's reference to it (SendGrid's message id).</summary>
public sealed record EffectOutcome(string Status, string? Reference);

/// <summary>
/// The answer to a claim: <see cref="Done"/> when the effect was already performed; otherwise the caller holds the claim, and
/// <see cref="Retaken"/> says that it took it over from an attempt that died without recording whether it performed the effect.
/// </summary>
public sealed record EffectClaim(EffectOutcome? Done, bool Retaken)
{
    public static readonly EffectClaim Held = new(null, false);
}

/// <summary>
/// The reminders of an item: <see cref="Count"/> in all, the first at <see cref="FirstDueAt"/>, then every
/// <see cref="DaysBetween"/> days; <see cref="Sent"/> so far. One that could not be sent waits until <see cref="NotBefore"/>.
/// </summary>
public sealed record ItemReminders(string ItemId, int Count, int DaysBetween, DateTimeOffset FirstDueAt, int Sent, DateTimeOffset? NotBefore)
{
    /// <summary>What happens after the last reminder, and whether it has.</summary>
    public Core.Pipelines.ReminderEscalation? Then { get; init; }
    public bool Escalated { get; init; }

    public bool Pending => Sent < Count;

    /// <summary>The number of the next reminder (1 for the first).</summary>
    public int NextSequence => Sent + 1;

    public DateTimeOffset NextDueAt => FirstDueAt.AddDays((double)DaysBetween * Sent) is var due && NotBefore > due ? NotBefore.Value : due;
}

/// <summary>What firm-wide item lists filter on (all of it server-side); <c>DueBefore</c> leaves out items without a due date.</summary>
public sealed record ItemQuery(string Type, JobId? JobId = null, string? AssigneeId = null, string? Status = null, DateOnly? DueBefore = null,
    string? AccountId = null, DateOnly? DueAfter = null);

/// <summary>An item as the job sees it: enough to count pending items and list them.</summary>
public sealed record ItemLink(string ItemId, string Type, int EntrySeq, bool Complete, bool RequiresAction, string Status, bool Manual);
