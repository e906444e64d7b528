using System.Globalization;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using ClientHub.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ClientHub.Functions.Hosting;

/// <summary>
/// Runs the registered timer triggers on their NCRONTAB schedules (the <c>timers</c> role), each on exactly
/// one instance at a time: an occurrence runs only under the timer's blob lease, and the blob's metadata
/// records the last occurrence run, so an instance arriving after the run sees it was done.
/// </summary>
/// <remarks>
/// The application clock (<see cref="TimeProvider"/>) decides what is due; waits are real time in slices of
/// at most a second so a clock that jumps (a test clock, an NTP correction) is noticed promptly.
/// </remarks>
internal sealed class TimerScheduler(
    IEnumerable<TimerTriggerRegistration> timers,
    BlobServiceClient blobService,
    StorageNames names,
    TimeProvider clock,
    IServiceScopeFactory scopes,
    ILogger<TimerScheduler> logger) : TriggerService
{
    // DESIGN.md: a timer-singleton lease lasts at most 15 s, so a killed holder blocks the timer that long at most.
    private static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan LeaseRenewal = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Slice = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan StorageRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ReleaseGrace = TimeSpan.FromSeconds(5);
    private const string LastOccurrenceKey = "lastoccurrence";

    private readonly CancellationTokenSource _stopScheduling = new();
    private readonly CancellationTokenSource _abortBodies = new();
    private CancellationToken _abort;
    private Task _scheduling = Task.CompletedTask;

    private enum Attempt { Ran, Skipped, StorageFailed }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        var container = blobService.GetBlobContainerClient(names.Container(TriggerStorageInitializer.LeaseContainerName));
        // Taken once here: schedules and bodies must never read them from the sources, which Dispose may already have disposed.
        var stop = _stopScheduling.Token;
        _abort = _abortBodies.Token;
        _scheduling = Task.WhenAll(timers.Select(timer =>
            Task.Run(() => ScheduleAsync(timer, container.GetBlobClient($"timers/{timer.Name}"), stop), CancellationToken.None)));
        return Task.CompletedTask;
    }

    protected override async Task StopOnceAsync(CancellationToken cancellationToken)
    {
        // No new runs; a running body may finish until the host's shutdown timeout, then it is cancelled.
        await _stopScheduling.CancelAsync();
        try
        {
            await _scheduling.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await CancelUnlessDisposedAsync(_abortBodies);
            try
            {
                await _scheduling.WaitAsync(ReleaseGrace);
            }
            catch (TimeoutException)
            {
                // The lease expires by itself within LeaseDuration.
            }
        }
    }

    protected override void Abandon()
    {
        _stopScheduling.Cancel();
        _abortBodies.Cancel();
    }

    protected override void DisposeSources()
    {
        _stopScheduling.Dispose();
        _abortBodies.Dispose();
    }

    private async Task ScheduleAsync(TimerTriggerRegistration timer, BlobClient lockBlob, CancellationToken stop)
    {
        // Storage failures and body failures are handled inside; anything else must not end the timer for good.
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await RunScheduleAsync(timer, lockBlob, stop);
                return; // stopped, or a schedule with no further occurrence (e.g. February 30)
            }
            catch (Exception exception) when (!stop.IsCancellationRequested)
            {
                logger.TimerScheduleFailed(exception, timer.Name);
                try
                {
                    await Task.Delay(StorageRetry, stop);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task RunScheduleAsync(TimerTriggerRegistration timer, BlobClient lockBlob, CancellationToken stop)
    {
        try
        {
            await CatchUpAsync(timer, lockBlob, stop);

            var next = timer.Schedule.GetNextOccurrence(clock.GetUtcNow(), TimeZoneInfo.Utc);
            logger.TimerScheduled(timer.Name, timer.Expression, next);
            while (next is { } due)
            {
                var now = clock.GetUtcNow();
                if (now < due)
                {
                    await Task.Delay(Min(due - now, Slice), stop);
                    continue;
                }

                // Past due when a later occurrence is due as well: they collapse into this one run.
                var isPastDue = timer.Schedule.GetNextOccurrence(due, TimeZoneInfo.Utc) <= now;
                if (await TryRunAsync(timer, lockBlob, due, isPastDue, stop) == Attempt.StorageFailed)
                {
                    await Task.Delay(StorageRetry, stop);
                    continue;
                }

                var after = clock.GetUtcNow();
                next = timer.Schedule.GetNextOccurrence(after > due ? after : due, TimeZoneInfo.Utc);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>After downtime, runs the first missed occurrence once; the others collapse into it.</summary>
    private async Task CatchUpAsync(TimerTriggerRegistration timer, BlobClient lockBlob, CancellationToken stop)
    {
        IDictionary<string, string> metadata;
        try
        {
            metadata = (await lockBlob.GetPropertiesAsync(cancellationToken: stop)).Value.Metadata;
        }
        catch (RequestFailedException exception) when (exception.Status == 404)
        {
            return; // Never ran anywhere: nothing was missed.
        }
        catch (Exception exception) when (StorageFailures.IsStorageFailure(exception, stop))
        {
            logger.TimerStorageFailed(exception, timer.Name);
            return;
        }

        if (LastOccurrence(metadata) is not { } last)
            return;
        if (timer.Schedule.GetNextOccurrence(last, TimeZoneInfo.Utc) is { } missed && missed <= clock.GetUtcNow())
        {
            logger.TimerCatchingUp(timer.Name, missed, last);
            await TryRunAsync(timer, lockBlob, missed, isPastDue: true, stop);
        }
    }

    private async Task<Attempt> TryRunAsync(
        TimerTriggerRegistration timer, BlobClient lockBlob, DateTimeOffset occurrence, bool isPastDue, CancellationToken stop)
    {
        var lease = lockBlob.GetBlobLeaseClient();
        try
        {
            try
            {
                await lease.AcquireAsync(LeaseDuration, cancellationToken: stop);
            }
            catch (RequestFailedException exception) when (exception.ErrorCode == BlobErrorCode.BlobNotFound)
            {
                await CreateLockBlobAsync(lockBlob, stop);
                await lease.AcquireAsync(LeaseDuration, cancellationToken: stop);
            }
        }
        catch (RequestFailedException exception) when (exception.ErrorCode == BlobErrorCode.LeaseAlreadyPresent)
        {
            logger.TimerLeaseHeldElsewhere(timer.Name, occurrence);
            return Attempt.Skipped;
        }
        catch (Exception exception) when (StorageFailures.IsStorageFailure(exception, stop))
        {
            logger.TimerStorageFailed(exception, timer.Name);
            return Attempt.StorageFailed;
        }

        try
        {
            try
            {
                // Read under the lease: an instance that ran this occurrence recorded it before releasing.
                var metadata = (await lockBlob.GetPropertiesAsync(cancellationToken: stop)).Value.Metadata;
                if (LastOccurrence(metadata) is { } last && last >= occurrence)
                {
                    logger.TimerAlreadyRan(timer.Name, occurrence, last);
                    return Attempt.Skipped;
                }
            }
            catch (Exception exception) when (StorageFailures.IsStorageFailure(exception, stop))
            {
                logger.TimerStorageFailed(exception, timer.Name);
                return Attempt.StorageFailed;
            }

            if (!await RunBodyAsync(timer, lease, occurrence, isPastDue))
                return Attempt.Skipped; // Cancelled by shutdown: not recorded, so the next start catches it up.

            try
            {
                var recorded = new Dictionary<string, string> { [LastOccurrenceKey] = occurrence.ToString("O", CultureInfo.InvariantCulture) };
                await lockBlob.SetMetadataAsync(recorded, new BlobRequestConditions { LeaseId = lease.LeaseId }, CancellationToken.None);
            }
            catch (Exception exception) when (StorageFailures.IsStorageFailure(exception, CancellationToken.None))
            {
                // The body ran; retrying would run it twice. Only a catch-up after a restart could repeat it.
                logger.TimerStorageFailed(exception, timer.Name);
            }
            return Attempt.Ran;
        }
        finally
        {
            try
            {
                await lease.ReleaseAsync(cancellationToken: CancellationToken.None);
            }
            catch (Exception exception) when (StorageFailures.IsStorageFailure(exception, CancellationToken.None))
            {
                logger.TimerStorageFailed(exception, timer.Name);
            }
        }
    }

    /// <returns>False when the host's shutdown cancelled the body.</returns>
    private async Task<bool> RunBodyAsync(TimerTriggerRegistration timer, BlobLeaseClient lease, DateTimeOffset occurrence, bool isPastDue)
    {
        var abort = _abort;
        using var stopRenewing = new CancellationTokenSource();
        var renewal = RenewLeaseAsync(timer, lease, occurrence, stopRenewing.Token);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var handler = (ITimerTrigger)scope.ServiceProvider.GetRequiredService(timer.HandlerType);
            await handler.RunAsync(new TimerTriggerInfo(timer.Name, occurrence, isPastDue), abort);
            logger.TimerRan(timer.Name, occurrence, isPastDue);
            return true;
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception exception)
        {
            // Functions semantics: a failing run is logged and the schedule goes on; retrying is the body's business.
            logger.TimerFailed(exception, timer.Name, occurrence);
            return true;
        }
        finally
        {
            await stopRenewing.CancelAsync();
            await renewal;
        }
    }

    private async Task RenewLeaseAsync(TimerTriggerRegistration timer, BlobLeaseClient lease, DateTimeOffset occurrence, CancellationToken stop)
    {
        while (true)
        {
            try
            {
                await Task.Delay(LeaseRenewal, stop);
                await lease.RenewAsync(cancellationToken: stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (StorageFailures.IsStorageFailure(exception, stop))
            {
                logger.TimerLeaseLost(exception, timer.Name, occurrence);
            }
        }
    }

    private static async Task CreateLockBlobAsync(BlobClient lockBlob, CancellationToken cancellationToken)
    {
        try
        {
            var onlyIfAbsent = new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } };
            await lockBlob.UploadAsync(BinaryData.Empty, onlyIfAbsent, cancellationToken);
        }
        catch (RequestFailedException exception) when (exception.Status is 409 or 412)
        {
            // Another instance created it first.
        }
    }

    private static DateTimeOffset? LastOccurrence(IDictionary<string, string> metadata) =>
        metadata.TryGetValue(LastOccurrenceKey, out var value)
        && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var last)
            ? last
            : null;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
