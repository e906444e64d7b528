using System.Collections.ObjectModel;
using System.Diagnostics;
using ClientHub.Core;
using ClientHub.Core.Pipelines;
using ClientHub.Functions.Hosting;
using ClientHub.Functions.Jobs;
using ClientHub.Functions.Tests.Infrastructure;
using ClientHub.Functions.Tests.Jobs;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using static ClientHub.Functions.Tests.Jobs.StageBuilder;

namespace ClientHub.Functions.Tests.Hosting;

/// <summary>The engine host with every finished span kept in memory.</summary>
public sealed class TracedEngineHost : EngineHost
{
    public SpanLog Spans { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services => services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(Spans)));
    }
}

/// <summary>
/// The exporter adds spans as they end, on whichever thread ends them; a test reads a copy. (The listener hears every host in
/// the process, so tests pick their spans by job, instance or trace.)
/// </summary>
public sealed class SpanLog : Collection<Activity>
{
    private readonly Lock _gate = new();

    public IReadOnlyList<Activity> Snapshot()
    {
        lock (_gate) return [.. Items];
    }

    protected override void InsertItem(int index, Activity item)
    {
        lock (_gate) base.InsertItem(index, item);
    }
}

public sealed class TelemetryTests(TracedEngineHost host) : IClassFixture<TracedEngineHost>
{
    [Fact]
    public async Task A_jobs_first_automation_its_activity_and_its_SendGrid_call_share_the_trace_of_the_POST_that_added_it()
    {
        var s = await Scenario.CreateAsync(host);
        var email = await s.EmailTemplateAsync(subject: "Traced");
        var task = await s.TaskTemplateAsync();
        var pipeline = await s.PipelineAsync(
            Stage("Start", false, null, new SendEmail { TemplateId = email.Id }, new CreateTask { TemplateId = task.Id }), Stage("Done"));

        var jobId = await s.AddJobAsync(await s.AccountAsync(), pipeline);
        await s.SettledAsync(jobId);

        var instanceId = JobOrchestrations.InstanceId(s.Firm.Id, new JobId(jobId));
        bool IsRunAutomation(Activity a) => a.Source.Name == Telemetry.DurableTaskSource && a.Kind == ActivityKind.Server
            && a.DisplayName == $"activity:{RunAutomationActivity.Name}" && Tag(a, "durabletask.task.instance_id") == instanceId;
        // The job settles when the step commits; DTFx's activity span ends a little later, when the activity returns.
        var spans = await Eventually.HoldsAsync(() => Task.FromResult(host.Spans.Snapshot()),
            all => all.Count(a => a.OperationName == "automation" && Tag(a, "job.id") == jobId) == 2 && all.Any(IsRunAutomation),
            $"both automations of job {jobId} and their activity are traced", 20);
        var automations = spans.Where(a => a.OperationName == "automation" && Tag(a, "job.id") == jobId).ToList();
        var sendEmail = automations.Single(a => Tag(a, "automation.type") == "sendEmail");
        var request = spans.SingleOrDefault(a => a.Kind == ActivityKind.Server && Tag(a, "http.request.method") == "POST"
            && Tag(a, "http.route")?.TrimEnd('/') == "/api/jobs" && a.TraceId == sendEmail.TraceId);
        Assert.True(request is not null, "no POST /api/jobs span in the automation's trace, which holds:\n" + Describe(spans, sendEmail.TraceId));
        var activity = spans.Single(IsRunAutomation);
        var sendGrid = spans.Where(a => a.Kind == ActivityKind.Client && Tag(a, "url.full")?.StartsWith(host.SendGrid.Url) == true
            && a.TraceId == request.TraceId).ToList();

        Assert.All(automations, a => Assert.Equal(request.TraceId, a.TraceId));
        Assert.Equal(request.TraceId, activity.TraceId);
        Assert.Single(sendGrid);
        // Nested, not merely in the same trace: the automation runs inside DTFx's activity span, the SendGrid call inside it.
        Assert.Equal(activity.SpanId, sendEmail.ParentSpanId);
        Assert.Contains(spans, e => e.OperationName == "email.send" && e.SpanId == sendGrid[0].ParentSpanId && e.ParentSpanId == sendEmail.SpanId);
        Assert.Equal("done", Tag(sendEmail, "automation.outcome"));
    }

    private static string Describe(IEnumerable<Activity> spans, ActivityTraceId trace) => string.Join("\n",
        spans.Where(a => a.TraceId == trace).OrderBy(a => a.StartTimeUtc)
            .Select(a => $"{a.SpanId} <- {a.ParentSpanId} {a.Source.Name} {a.DisplayName}"));

    private static string? Tag(Activity activity, string name) => activity.GetTagItem(name)?.ToString();
}
