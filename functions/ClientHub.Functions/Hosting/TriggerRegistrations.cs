using Cronos;

namespace ClientHub.Functions.Hosting;

/// <summary>A queue trigger added with <c>AddQueueTrigger</c>; the handler is resolved from a new scope per message.</summary>
internal sealed record QueueTriggerRegistration(string QueueName, Type HandlerType);

/// <summary>A timer trigger added with <c>AddTimerTrigger</c>; the handler is resolved from a new scope per run.</summary>
internal sealed record TimerTriggerRegistration(string Name, string Expression, CronExpression Schedule, Type HandlerType);
