using Azure;

namespace ClientHub.Functions.Hosting;

internal static class StorageFailures
{
    /// <summary>
    /// Whether <paramref name="exception"/> is a storage call failing rather than a bug: a service error, the
    /// <see cref="AggregateException"/> Azure.Core throws once its retries are spent, or the SDK's own network
    /// timeout (a cancellation we did not ask for). Listeners log these and back off instead of dying.
    /// </summary>
    public static bool IsStorageFailure(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        RequestFailedException => true,
        AggregateException aggregate => aggregate.InnerExceptions.All(inner => IsStorageFailure(inner, cancellationToken)),
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        _ => false,
    };
}
