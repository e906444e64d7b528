namespace ClientHub.Functions;

/// <summary>
/// The application's log events. Ids: 1xxx trigger host (see Hosting), 3xxx HTTP, 4xxx job engine,
/// 5xxx email, 6xxx timers. Firm and job ids are always structured parameters; secrets and document
/// content never appear.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(3000, LogLevel.Error, "Unhandled error serving {Path}")]
    public static partial void Unhandled(ILogger logger, Exception exception, string path);
}
