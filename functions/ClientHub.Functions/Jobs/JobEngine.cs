using Azure;
using Azure.Data.Tables;
using ClientHub.Core;
using ClientHub.Core.Clients;
using ClientHub.Core.Items;
using ClientHub.Core.Jobs;
using ClientHub.Core.Pipelines;
using System.Diagnostics;
using ClientHub.Functions.Hosting;
using ClientHub.Storage;

namespace ClientHub.Functions.Jobs;

/// <summary>What a decision writes: the transition and any rows of the job's partition that go with it.</summary>
public sealed record JobWrite(Transition Transition, IReadOnlyList<TableTransactionAction> Rows)
{
    public static JobWrite Of(Transition transition, params TableTransactionAction[] rows) => new(transition, rows);
}

/// <summary>The state the decision is made against.</summary>
public sealed record JobContext(Versioned<Job> Current, Pipeline Pipeline, Account Account)
{
    public Job Job => Current.Value;
}

/// <summary>What a move did: the job after it, and the entry it left (null when it did not move; see <c>InvalidStage</c>).</summary>
public sealed record MoveResult(Versioned<Job> Job, int? LeftEntry, bool InvalidStage);

/// <summary>The caller's <c>If-Match</c> did not match the job (or item) row.</summary>
public sealed class PreconditionFailed(string resource) : Exception($"The {resource} changed since it was read (If-Match).");

/// <summary>Other writers won every attempt at a change sent without <c>If-Match</c>: a conflict (409) the caller may send again.</summary>
public sealed class KeptChanging(string message) : Exception(message);

/// <summary>
/// The shell around <see cref="JobMachine"/>: loads the job, its pipeline and account, lets a
/// decision compute the transition, commits it in one transaction guarded by the job row's ETag,
/// and dispatches the outbox. A concurrent write makes it re-decide against the new state, so two
/// writers of one entry never both win.
/// </summary>
public sealed class JobEngine(JobStore store, FirmDocuments documents, OutboxDispatcher dispatcher, TimeProvider time, ILogger<JobEngine> logger)
{
    private const int MaxAttempts = 20;

    public DateTimeOffset Now => time.GetUtcNow();

    /// <summary>
    /// Inserts a new job (its first entry) and dispatches its first automation. A job of that id that exists already (its id
    /// is derived: from an <c>Idempotency-Key</c> on a retry after a crash, or a recurrence's period) is answered as it is,
    /// not added again.
    /// </summary>
    /// <param name="detail">The detail of the <c>added</c> history entry (a recurrence names its period there).</param>
    public async Task<CommittedJob> AddAsync(Job draft, Pipeline pipeline, Account account, string? stageId, bool? visible, Actor by,
        CancellationToken cancellationToken, string? detail = null)
    {
        var transition = JobMachine.Add(draft, pipeline, stageId, visible, by, account, Now, detail);
        try
        {
            return await CommitAsync(transition, null, null, [], cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            // Its outbox, if the crash left any, is the sweeper's.
            if (await store.GetAsync(draft.FirmId, draft.Id, cancellationToken) is not { } existing) throw;
            return new CommittedJob(existing.Value, existing.ETag, []);
        }
    }

    /// <summary>
    /// Decides and commits a transition of an existing job. <paramref name="decide"/> returns null
    /// when there is nothing to write. Returns null when the job does not exist (or is another firm's).
    /// </summary>
    /// <remarks>
    /// A conflict re-reads only the job: its pipeline and account, read once for the call, stay as they were (a job never changes
    /// either). The next attempt waits first (<see cref="BackOffAsync"/>).
    /// </remarks>
    public async Task<(Versioned<Job> Job, JobWrite? Write)?> TransitionAsync(FirmId firmId, JobId jobId, ETag? ifMatch,
        Func<JobContext, Task<JobWrite?>> decide, CancellationToken cancellationToken)
    {
        JobContext? context = null;
        for (var attempt = 1; ; attempt++)
        {
            var current = await store.GetAsync(firmId, jobId, cancellationToken);
            if (current is null) return null;
            if (ifMatch is { } expected && expected != ETag.All && expected != current.ETag) throw new PreconditionFailed("job");
            context = context is { } known && known.Pipeline.Id == current.Value.PipelineId && known.Account.Id == current.Value.AccountId
                ? known with { Current = current }
                : await LoadContextAsync(current, cancellationToken);
            var write = await decide(context);
            if (write is null) return (current, null);
            try
            {
                var committed = await CommitAsync(write.Transition, current.ETag, current.Value, write.Rows, cancellationToken);
                return (new Versioned<Job>(committed.Job, committed.ETag), write);
            }
            catch (RequestFailedException e) when (e.Status is 412)
            {
                if (ifMatch is { } m && m != ETag.All) throw new PreconditionFailed("job");
                if (attempt == MaxAttempts) throw KeptChanging("job");
                Log.Conflict(logger, jobId, attempt);
                await BackOffAsync(attempt, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Commits, then dispatches the outbox, in one <c>job.transition</c> span: what the commit caused (the orchestration started
    /// or woken, queue messages) hangs under it in the caller's trace.
    /// </summary>
    private async Task<CommittedJob> CommitAsync(Transition transition, ETag? expected, Job? previous, IReadOnlyList<TableTransactionAction> rows,
        CancellationToken cancellationToken)
    {
        var job = transition.Job;
        using var span = Telemetry.StartJobActivity("job.transition", job.FirmId, job.Id);
        span?.SetTag("job.entry_seq", job.EntrySeq).SetTag("job.transition", string.Join(",", transition.History.Select(h => h.Kind).Distinct()));
        CommittedJob committed;
        try
        {
            committed = await store.CommitAsync(transition, expected, previous, rows, Now, cancellationToken);
        }
        catch (RequestFailedException e)
        {
            // 412 and 409 are expected races, answered by the caller; the span shows that this attempt lost.
            span?.SetStatus(ActivityStatusCode.Error, e.ErrorCode ?? e.Status.ToString());
            throw;
        }
        foreach (var entry in transition.History) Telemetry.Transitions.Add(1, new KeyValuePair<string, object?>("kind", entry.Kind));
        await DispatchCommittedAsync(committed.Outbox, job.Id, cancellationToken);
        return committed;
    }

    /// <summary>
    /// Dispatches what a commit wrote to its outbox. The commit stands whatever happens here: a dispatch that fails leaves its
    /// rows to the sweeper, and must not reach a caller that would decide (and commit) the change a second time.
    /// </summary>
    private async Task DispatchCommittedAsync(IReadOnlyList<OutboxRow> outbox, JobId owner, CancellationToken cancellationToken)
    {
        try
        {
            await dispatcher.DispatchCommittedAsync(outbox, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.DispatchLeftToSweeper(logger, e, owner);
        }
    }

    /// <summary>After a lost If-Match race: a random moment that grows with the attempts, so that writers racing for one row take turns.</summary>
    private static Task BackOffAsync(int attempt, CancellationToken cancellationToken) =>
        Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5 * attempt)), cancellationToken);

    private static KeptChanging KeptChanging(string what) =>
        new($"The {what} kept changing while this change was decided ({MaxAttempts} attempts); send it again.");

    public Task<(Versioned<Job> Job, JobWrite? Write)?> TransitionAsync(FirmId firmId, JobId jobId, ETag? ifMatch,
        Func<JobContext, JobWrite?> decide, CancellationToken cancellationToken) =>
        TransitionAsync(firmId, jobId, ifMatch, c => Task.FromResult(decide(c)), cancellationToken);

    /// <summary>
    /// A manual move (<c>POST /move</c>, or a webhook's <c>moveJob</c>) to <paramref name="stageId"/>. With
    /// <paramref name="unlessThere"/>, a job already active in that stage stays in its entry (a webhook delivered twice moves once).
    /// Returns null when the job does not exist (or is another firm's).
    /// </summary>
    public async Task<MoveResult?> MoveAsync(FirmId firmId, JobId jobId, string? stageId, bool? visible, Actor by, ETag? ifMatch, bool unlessThere,
        CancellationToken cancellationToken)
    {
        int? leftEntry = null;
        var invalidStage = false;
        var result = await TransitionAsync(firmId, jobId, ifMatch, c =>
        {
            invalidStage = c.Pipeline.Find(stageId ?? "") is null;
            if (invalidStage || (unlessThere && c.Job.StageId == stageId && c.Job.Status == JobStatus.Active)) return null;
            leftEntry = c.Job.EntrySeq;
            return JobWrite.Of(JobMachine.Move(c.Job, c.Pipeline, stageId!, visible, by, c.Account, Now));
        }, cancellationToken);
        return result is { } done ? new MoveResult(done.Job, leftEntry, invalidStage) : null;
    }

    public async Task<JobContext> LoadContextAsync(Versioned<Job> current, CancellationToken cancellationToken)
    {
        var job = current.Value;
        var pipelineTask = documents.GetAsync<Pipeline>(job.FirmId, DocumentKinds.Pipeline, job.PipelineId, cancellationToken);
        var accountTask = documents.GetAsync<Account>(job.FirmId, DocumentKinds.Account, job.AccountId, cancellationToken);
        // A deleted pipeline freezes the job where it is; a deleted account has no tags.
        var pipeline = (await pipelineTask)?.Value ?? new Pipeline(job.PipelineId, "(deleted)", []);
        var account = (await accountTask)?.Value ?? new Account(job.AccountId, job.AccountName, AccountType.Individual, []);
        return new JobContext(current, pipeline, account);
    }

    /// <summary>
    /// Changes an item and applies what that means to the job(s) it is linked to: completing an item
    /// of the current entry may automove the job; reopening one makes it pending again. Jobs it is
    /// linked to by hand hear of it through the outbox (<see cref="SyncLinkedJobs"/>), written in the
    /// same transaction as the item, as are <paramref name="effects"/> (notices of a client's action).
    /// Paying a proposal's invoice completes the proposal in the same transaction when it is signed.
    /// Returns null when no item of type <typeparamref name="T"/> has this id; throws <see cref="ItemChangeRejected"/> for an illegal change.
    /// </summary>
    public async Task<LinkedItem?> ChangeItemAsync<T>(FirmId firmId, string itemId, Func<T, LinkedItem> change, Actor by,
        CancellationToken cancellationToken, ETag? ifMatch = null, IReadOnlyList<JobEffect>? effects = null) where T : LinkedItem
    {
        if (ItemIds.OwnerOf(itemId) is not { } owner) return null;
        List<ItemChange> changes = [];

        async Task<bool> PrepareAsync()
        {
            changes = [];
            var current = await store.GetItemAsync(firmId, itemId, cancellationToken);
            // Not found, or an item of another kind (a task id on the invoices route): nothing to change.
            if (current?.Value is not T item) return false;
            if (ifMatch is { } expected && expected != ETag.All && expected != current.ETag) throw new PreconditionFailed(item.Type);
            var after = change(item) with { UpdatedAt = Now };
            changes.Add(new ItemChange(item, after, current.ETag));
            if (after is InvoiceItem { ProposalId: { } proposalId } invoice && invoice.IsComplete != item.IsComplete
                && ItemIds.OwnerOf(proposalId) == owner
                && await store.GetItemAsync(firmId, proposalId, cancellationToken) is { Value: ProposalItem proposal } stored)
                changes.Add(new ItemChange(proposal, proposal with { InvoicePaid = invoice.IsComplete, UpdatedAt = Now }, stored.ETag));
            return true;
        }

        IReadOnlyList<JobEffect> EffectsOfChanges() =>
            [.. effects ?? [], .. changes.Where(c => c.After.LinkedJobIds.Count > 0).Select(c => new SyncLinkedJobs(c.After.Id, by))];

        if (owner == ItemIds.NoJob)
        {
            for (var attempt = 1; ; attempt++)
            {
                if (!await PrepareAsync()) return null;
                var outbox = EffectsOfChanges().Select(e => JobStore.OutboxRowFor(firmId, owner, e, Now)).ToList();
                try
                {
                    await store.CommitItemsAsync(firmId, [.. changes.Select(c => c.Row(firmId))], outbox, cancellationToken);
                    await DispatchCommittedAsync(outbox, new JobId(owner), cancellationToken);
                    break;
                }
                catch (RequestFailedException e) when (e.Status is 412)
                {
                    if (attempt == MaxAttempts) throw KeptChanging("item");
                    await BackOffAsync(attempt, cancellationToken);
                }
            }
        }
        else
        {
            // Decided inside the job's transition, so that item and job are re-read together after a conflict.
            var result = await TransitionAsync(firmId, new JobId(owner), null, async c =>
            {
                if (!await PrepareAsync()) return null;
                var transition = changes.Aggregate(Transition.None(c.Job), (t, ch) => t.Then(job =>
                    ItemTransition(job, c, Pending(ch.Before), Pending(ch.After), ch.Before.StageEntrySeq, ch.After.Id, by)));
                return new JobWrite(transition with { Effects = [.. transition.Effects, .. EffectsOfChanges()] },
                    changes.Select(ch => ch.Row(firmId)).ToList());
            }, cancellationToken);
            if (result is null) return null;
        }
        return changes.Count > 0 ? changes[0].After : null;
    }

    /// <summary>One item's change within <see cref="ChangeItemAsync{T}"/>, written with <c>If-Match</c> on the row as it was read.</summary>
    private sealed record ItemChange(LinkedItem Before, LinkedItem After, ETag ETag)
    {
        public TableTransactionAction Row(FirmId firmId) => JobStore.ReplaceItem(firmId, After, ETag);
    }

    /// <summary>
    /// Brings every job an item is linked to by hand up to date with the item as it is now: its link
    /// row (status shown in the job's items) and, when its completion changed, the job's pending count
    /// and automove. Comparing states rather than applying a delta makes a repeated or late message harmless.
    /// </summary>
    public async Task SyncLinkedJobsAsync(FirmId firmId, string itemId, Actor by, CancellationToken cancellationToken)
    {
        if (await store.GetItemAsync(firmId, itemId, cancellationToken) is not { } item) return;
        foreach (var jobId in item.Value.LinkedJobIds)
            await TransitionAsync(firmId, jobId, null, async c =>
            {
                var link = await store.GetLinkAsync(firmId, jobId, itemId, cancellationToken);
                // Read inside the decision, so a conflict re-reads both. A link not written yet is caught up by the sync its own transaction queues.
                if (link is null || await store.GetItemAsync(firmId, itemId, cancellationToken) is not { } current) return null;
                var item = current.Value;
                if (link.Complete == item.IsComplete && link.RequiresAction == item.RequiresAction && link.Status == item.StatusName) return null;
                var wasPending = link.RequiresAction && !link.Complete;
                return JobWrite.Of(ItemTransition(c.Job, c, wasPending, Pending(item), link.EntrySeq, itemId, by),
                    JobStore.PutLink(firmId, jobId, item, link.EntrySeq));
            }, cancellationToken);
    }

    /// <summary>
    /// Stores an item made by hand: one of a job joins the job's current entry in the same
    /// transaction (and counts for its automove); one without a job goes to the firm's partition.
    /// </summary>
    public async Task<T> CreateItemAsync<T>(FirmId firmId, T item, CancellationToken cancellationToken) where T : LinkedItem
    {
        if (item.JobId is not { } jobId)
        {
            await store.AddItemAsync(firmId, item, cancellationToken);
            return item;
        }
        var created = item;
        await TransitionAsync(firmId, jobId, null, c =>
        {
            created = item with { StageEntrySeq = c.Job.EntrySeq };
            return JobWrite.Of(JobMachine.ItemLinked(c.Job, c.Job.EntrySeq, created.IsComplete || !created.RequiresAction, Now),
                JobStore.AddItem(firmId, created));
        }, cancellationToken);
        return created;
    }

    /// <summary>Links an item of another partition to a job by hand; it counts for automove in the current entry.</summary>
    /// <remarks>
    /// The item names the job first, so every change of the item from then on reaches the job (<see cref="SyncLinkedJobsAsync"/>);
    /// the link row is then written from the item as read inside the job's transaction, with a sync of
    /// its own in the outbox: a change that slipped in between that read and the commit found no link
    /// row to update, and is caught up by it.
    /// </remarks>
    public async Task<(Versioned<Job> Job, JobWrite? Write)?> LinkItemAsync(
        FirmId firmId, JobId jobId, LinkedItem item, CancellationToken cancellationToken)
    {
        if (!item.LinkedJobIds.Contains(jobId))
            await ChangeItemAsync<LinkedItem>(firmId, item.Id, i => i with { LinkedJobIds = [.. i.LinkedJobIds, jobId] }, Actor.System,
                cancellationToken);
        return await TransitionAsync(firmId, jobId, null, async c =>
        {
            // Linking again within the same entry changes nothing; a link from an earlier entry joins this one.
            if ((await store.GetLinkAsync(firmId, jobId, item.Id, cancellationToken))?.EntrySeq == c.Job.EntrySeq) return null;
            if (await store.GetItemAsync(firmId, item.Id, cancellationToken) is not { } current) return null;
            var linked = JobMachine.ItemLinked(c.Job, c.Job.EntrySeq, !Pending(current.Value), Now);
            return JobWrite.Of(linked with { Effects = [.. linked.Effects, new SyncLinkedJobs(item.Id, Actor.System)] },
                JobStore.PutLink(firmId, jobId, current.Value, c.Job.EntrySeq));
        }, cancellationToken);
    }

    private static bool Pending(LinkedItem item) => item.RequiresAction && !item.IsComplete;

    /// <summary>What an item's change of completion means to <paramref name="job"/> (the context's job, or its state after an earlier change).</summary>
    private Transition ItemTransition(Job job, JobContext c, bool wasPending, bool isPending, int entrySeq, string itemId, Actor by)
    {
        if (wasPending && !isPending) return JobMachine.ItemCompleted(job, c.Pipeline, entrySeq, itemId, by, c.Account, Now);
        if (!wasPending && isPending) return JobMachine.ItemLinked(job, entrySeq, complete: false, Now);
        return Transition.None(job);
    }
}

