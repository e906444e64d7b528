using System.Diagnostics;
using System.Diagnostics.Metrics;
using ClientHub.Core;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ClientHub.Functions.Hosting;

/// <summary>
/// Traces, metrics and logs in one place: our <see cref="Source"/> and meter, the Durable Task Framework's spans, ASP.NET Core
/// and HttpClient (SendGrid, and the storage calls made inside a traced operation), exported over OTLP when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set and to the console in Development when <c>ClientHub:Telemetry:Console</c> is true.
/// </summary>
public static class Telemetry
{
    public const string Name = "ClientHub";
    public const string ServiceName = "clienthub";

    /// <summary>DTFx 3.x's <c>ActivitySource</c>: always on (no backend setting), it carries W3C context on its messages.</summary>
    public const string DurableTaskSource = "DurableTask.Core";

    public const string ConsoleKey = "ClientHub:Telemetry:Console";

    public static ActivitySource Source { get; } = new(Name);

    private static readonly Meter Meter = new(Name);

    public static Counter<long> Transitions { get; } =
        Meter.CreateCounter<long>("clienthub.job.transitions", "{transition}", "Job transitions committed, by history kind.");

    public static Counter<long> Automations { get; } =
        Meter.CreateCounter<long>("clienthub.automations", "{automation}", "Automations run, by type and outcome.");

    public static Counter<long> AutomationFailures { get; } =
        Meter.CreateCounter<long>("clienthub.automation.failures", "{automation}", "Automations flagged failed (retries spent or refused).");

    public static Counter<long> RemindersSent { get; } =
        Meter.CreateCounter<long>("clienthub.reminders.sent", "{reminder}", "Reminders whose email went out.");

    public static Counter<long> EmailsRetaken { get; } =
        Meter.CreateCounter<long>("clienthub.emails.retaken", "{email}",
            "Emails whose first attempt died unrecorded, by what the retry did: found at SendGrid, or sent again.");

    public static Histogram<double> TimerLag { get; } =
        Meter.CreateHistogram<double>("clienthub.timer.lag", "s", "How late a durable timer's activity ran after its due time.");

    /// <summary>The structured scope every job activity and queue handler logs within.</summary>
    public static IDisposable? BeginJobScope(this ILogger logger, FirmId firmId, JobId jobId) =>
        logger.BeginScope(new Dictionary<string, object> { ["FirmId"] = firmId.Value, ["JobId"] = jobId.Value });

    /// <summary>A span of ours about one job, tagged with its firm and id.</summary>
    public static Activity? StartJobActivity(string name, FirmId firmId, JobId jobId, ActivityKind kind = ActivityKind.Internal)
    {
        var activity = Source.StartActivity(name, kind);
        activity?.SetTag("firm.id", firmId.Value).SetTag("job.id", jobId.Value);
        return activity;
    }

    /// <summary>Records how late a durable timer fired; the due time travels in the activity's input.</summary>
    public static void RecordTimerLag(string kind, DateTimeOffset? dueAt, DateTimeOffset now)
    {
        if (dueAt is { } due) TimerLag.Record(Math.Max(0, (now - due).TotalSeconds), new KeyValuePair<string, object?>("timer.kind", kind));
    }

    public static IServiceCollection AddClientHubTelemetry(this IServiceCollection services, IConfiguration configuration,
        IHostEnvironment environment)
    {
        var console = environment.IsDevelopment() && configuration.GetValue<bool>(ConsoleKey);
        var otlp = !string.IsNullOrEmpty(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var roles = configuration[HostRoles.ConfigurationKey] is { Length: > 0 } r ? r : "http,queues,timers";
        services.AddSingleton<QueueAges>();

        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(ServiceName)
                .AddAttributes([new("clienthub.roles", roles.Replace(" ", ""))]))
            .WithTracing(tracing =>
            {
                tracing.SetSampler(new ParentBasedSampler(new NoParentlessClientCalls()))
                    .AddSource(Name, DurableTaskSource)
                    .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsProbe(context.Request.Path))
                    .AddHttpClientInstrumentation();
                if (console) tracing.AddConsoleExporter();
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(Name)
                    .AddInstrumentation(provider => provider.GetRequiredService<QueueAges>())
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation();
                if (console) metrics.AddConsoleExporter();
            });
        if (otlp || console)
            telemetry.WithLogging(logging =>
            {
                if (console) logging.AddConsoleExporter();
            }, options =>
            {
                // The FirmId/JobId scopes become attributes of each record, next to its trace and span ids.
                options.IncludeScopes = true;
                options.IncludeFormattedMessage = true;
            });
        // Reads OTEL_EXPORTER_OTLP_ENDPOINT (and _HEADERS, _PROTOCOL) itself, for traces, metrics and logs.
        if (otlp) telemetry.UseOtlpExporter();
        return services;
    }

    private static bool IsProbe(PathString path) => path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz");

    /// <summary>
    /// Drops client calls that start a trace of their own: the queue listeners' and DTFx's storage polls, several a second, that
    /// no operation asked for. A client call inside a traced operation follows its parent's decision, so it stays.
    /// </summary>
    private sealed class NoParentlessClientCalls : Sampler
    {
        public override SamplingResult ShouldSample(in SamplingParameters parameters) =>
            new(parameters.Kind == ActivityKind.Client ? SamplingDecision.Drop : SamplingDecision.RecordAndSample);
    }
}
