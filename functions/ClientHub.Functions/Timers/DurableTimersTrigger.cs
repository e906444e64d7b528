using ClientHub.Functions.Hosting;
using ClientHub.Functions.Reminders;

namespace ClientHub.Functions.Timers;

/// <summary>Fires the durable timers that came due (reminders). The test clock runs the same scan right after it advances.</summary>
internal sealed class DurableTimersTrigger(ReminderTimers reminders) : ITimerTrigger
{
    public const string Name = "durable-timers";
    public const string Schedule = "*/10 * * * * *";

    public Task RunAsync(TimerTriggerInfo timer, CancellationToken cancellationToken) => reminders.RunDueAsync(cancellationToken);
}
