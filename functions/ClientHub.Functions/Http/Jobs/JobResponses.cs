using ClientHub.Core.Clients;
using ClientHub.Core.Jobs;
using ClientHub.Core.Pipelines;
using ClientHub.Core;
using ClientHub.Storage;

namespace ClientHub.Functions.Http.Jobs;

public sealed record ClientFacingStatusView(string? StatusId, string? Name, string? Description, bool Visible);
public sealed record AutomationView(string State, string? Error);

/// <summary>A job as API.md shows it.</summary>
public sealed record JobResponse(string Id, string Name, string AccountId, string AccountName, string PipelineId, string StageId, string? StageName,
    int EntrySeq, JobStatus Status, IReadOnlyList<string> AssigneeIds, Priority Priority, DateOnly? StartDate, DateOnly? DueDate,
    ClientFacingStatusView? ClientFacingStatus, int PendingItems, AutomationView Automation, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    /// <summary>Active, and its due date is before the firm's today.</summary>
    public bool Overdue { get; init; }

    /// <summary>In its stage longer than the stage's time limit.</summary>
    public bool StageOverdue { get; init; }
}

public sealed record ItemView(string Type, string Id, int StageEntrySeq, string Status, bool Complete, bool Manual);

public sealed record MoveResponse(JobResponse Job, IReadOnlyList<ItemView> UnfinishedItems);

/// <summary>
/// What a job row refers to by id (stage, client-facing status) and the firm's today (for <c>overdue</c>), loaded once per request.
/// </summary>
public sealed record JobNames(IReadOnlyDictionary<string, Pipeline> Pipelines, IReadOnlyDictionary<string, ClientFacingStatus> Statuses,
    DateTimeOffset Now, DateOnly Today)
{
    public JobResponse View(Job job)
    {
        var stage = Pipelines.GetValueOrDefault(job.PipelineId)?.Find(job.StageId);
        ClientFacingStatusView? clientFacing = null;
        if (job.ClientFacing is { } setting)
        {
            var status = setting.StatusId is null ? null : Statuses.GetValueOrDefault(setting.StatusId);
            clientFacing = new ClientFacingStatusView(setting.StatusId, status?.Name, setting.Description ?? status?.Description, setting.Visible);
        }
        var state = job.Automation switch { AutomationState.Running => "running", AutomationState.Failed => "failed", _ => "idle" };
        return new JobResponse(job.Id.Value, job.Name, job.AccountId, job.AccountName, job.PipelineId, job.StageId, stage?.Name, job.EntrySeq,
            job.Status, job.AssigneeIds, job.Priority, job.StartDate, job.DueDate, clientFacing, job.PendingItems,
            new AutomationView(state, job.AutomationError), job.CreatedAt, job.UpdatedAt)
        {
            Overdue = job.IsOverdue(Today), StageOverdue = job.IsStageOverdue(Now),
        };
    }

    public static ItemView View(ItemLink link) => new(link.Type, link.ItemId, link.EntrySeq, link.Status, link.Complete, link.Manual);
}

/// <summary>
/// Loads <see cref="JobNames"/> for a firm: its pipelines and statuses (cached, <see cref="FirmSnapshots"/>), and today in its time zone.
/// </summary>
public sealed class JobViews(FirmSnapshots snapshots, FirmClock clock)
{
    /// <summary>The names as current as <paramref name="stamps"/> (a caller's, read at sign-in), or as the firm's stamps now when null.</summary>
    public async Task<JobNames> LoadAsync(FirmId firmId, FirmStamps? stamps, CancellationToken cancellationToken)
    {
        stamps ??= await snapshots.StampsAsync(firmId, cancellationToken);
        var pipelines = snapshots.ByIdAsync<Pipeline>(stamps, DocumentKinds.Pipeline, p => p.Id, cancellationToken);
        var statuses = snapshots.ByIdAsync<ClientFacingStatus>(stamps, DocumentKinds.Status, s => s.Id, cancellationToken);
        var today = await clock.TodayAsync(firmId, cancellationToken);
        return new JobNames(await pipelines, await statuses, clock.Now, today);
    }
}
