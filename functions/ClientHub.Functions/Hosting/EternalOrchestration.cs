using Microsoft.DurableTask;

namespace ClientHub.Functions.Hosting;

/// <summary>
/// What the long-lived orchestrations (a job's, a recurrence's) share: they sleep on durable timers between wakes, and must
/// never fail for good, since nothing would start them again.
/// </summary>
public static class EternalOrchestration
{
    /// <summary>
    /// Transient failures (a SendGrid 5xx, 429 or timeout, storage trouble) are retried three times in all, 1 s then 2 s apart.
    /// </summary>
    public static readonly TaskOptions Retry = TaskOptions.FromRetryPolicy(new RetryPolicy(3, TimeSpan.FromSeconds(1), backoffCoefficient: 2));

    /// <summary>How long the orchestration waits before it looks again after storage failed beyond every retry.</summary>
    public static readonly TimeSpan OutageRetry = TimeSpan.FromMinutes(1);

    /// <summary>A timer further away than this is cut short: the orchestration looks at its row or document at least daily.</summary>
    public static readonly TimeSpan LongestSleep = TimeSpan.FromDays(1);

    /// <summary>How long to sleep for a timer due in <paramref name="until"/>: not below zero, not beyond <see cref="LongestSleep"/>.</summary>
    public static TimeSpan Sleep(TimeSpan until) => until <= TimeSpan.Zero ? TimeSpan.Zero : until < LongestSleep ? until : LongestSleep;

    /// <summary>
    /// Runs one execution; when an activity failed beyond every retry (storage trouble), waits <see cref="OutageRetry"/> and
    /// <paramref name="continueAsNew"/>s, so the orchestration looks again later instead of failing and stranding its owner.
    /// </summary>
    public static async Task<string> SurvivingOutagesAsync(this TaskOrchestrationContext context, Func<Task<string>> run, Action continueAsNew)
    {
        try
        {
            return await run();
        }
        catch (TaskFailedException)
        {
            await context.CreateTimer(context.CurrentUtcDateTime + OutageRetry, CancellationToken.None);
            continueAsNew();
            return "";
        }
    }
}
