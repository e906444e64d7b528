using ClientHub.Storage;

namespace ClientHub.Functions.Jobs;

/// <summary>
/// A feature that acts on a job's events (<c>job.completed</c>, <c>job.moved</c>…) as the outbox dispatcher hands them out: at
/// least once, possibly late, so a listener must be idempotent.
/// </summary>
public interface IJobEventListener
{
    Task OnJobEventAsync(JobEventMessage message, CancellationToken cancellationToken);
}
