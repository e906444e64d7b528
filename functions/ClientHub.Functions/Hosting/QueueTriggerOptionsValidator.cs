using Microsoft.Extensions.Options;

namespace ClientHub.Functions.Hosting;

internal sealed class QueueTriggerOptionsValidator : IValidateOptions<QueueTriggerOptions>
{
    // Storage's limits: at most 32 messages per receive, visibility in whole seconds up to 7 days.
    private static readonly TimeSpan MaxVisibility = TimeSpan.FromDays(7);

    public ValidateOptionsResult Validate(string? name, QueueTriggerOptions options)
    {
        var failures = new List<string>();
        if (options.BatchSize is < 1 or > 32)
            failures.Add($"batchSize must be between 1 and 32 (was {options.BatchSize}).");
        if (options.EffectiveNewBatchThreshold < 0 || options.EffectiveNewBatchThreshold >= options.BatchSize)
            failures.Add($"newBatchThreshold must be at least 0 and below batchSize (was {options.EffectiveNewBatchThreshold}).");
        if (options.MaxDequeueCount < 1)
            failures.Add($"maxDequeueCount must be at least 1 (was {options.MaxDequeueCount}).");
        if (options.VisibilityTimeout < TimeSpan.Zero || options.VisibilityTimeout > MaxVisibility)
            failures.Add($"visibilityTimeout must be between 0 and 7 days (was {options.VisibilityTimeout}).");
        if (options.MinPollingInterval <= TimeSpan.Zero)
            failures.Add($"minPollingInterval must be positive (was {options.MinPollingInterval}).");
        if (options.MaxPollingInterval < options.MinPollingInterval || options.MaxPollingInterval > TimeSpan.FromMinutes(1))
            failures.Add($"maxPollingInterval must be between minPollingInterval and 1 minute (was {options.MaxPollingInterval}).");
        if (options.MessageLease < TimeSpan.FromSeconds(1) || options.MessageLease > TimeSpan.FromSeconds(30))
            failures.Add($"messageLease must be between 1 and 30 seconds (was {options.MessageLease}).");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
