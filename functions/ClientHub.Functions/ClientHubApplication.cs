using Azure.Data.Tables;
using ClientHub.Core;
using ClientHub.Functions.Http;
using ClientHub.Functions.Http.Auth;
using ClientHub.Functions.Http.Clients;
using ClientHub.Functions.Http.Documents;
using ClientHub.Functions.Http.Portal;
using ClientHub.Functions.Email;
using ClientHub.Functions.Hosting;
using ClientHub.Functions.Http.Emails;
using ClientHub.Functions.Http.Firms;
using ClientHub.Functions.Http.Items;
using ClientHub.Functions.Http.Jobs;
using ClientHub.Functions.Http.Operations;
using ClientHub.Functions.Http.Pages;
using ClientHub.Functions.Jobs;
using ClientHub.Functions.Notices;
using ClientHub.Functions.Queues;
using ClientHub.Functions.Reminders;
using ClientHub.Functions.Timers;
using ClientHub.Functions.Http.Pipelines;
using ClientHub.Functions.Http.Recurrences;
using ClientHub.Functions.Recurrences;
using ClientHub.Functions.Http.Staff;
using ClientHub.Functions.Http.Templates;
using ClientHub.Functions.Http.Testing;
using ClientHub.Functions.Http.Webhooks;
using ClientHub.Functions.Webhooks;
using ClientHub.Storage;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace ClientHub.Functions;

/// <summary>The composition root: what the host is made of, and what it serves.</summary>
public static class ClientHubApplication
{
    public static WebApplicationBuilder AddClientHub(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        // host.json is the lowest-precedence configuration source, so its "logging" section sets log
        // levels as in Functions, and any environment variable still overrides it.
        var hostJson = new JsonConfigurationSource
        {
            Path = HostJson.Locate(configuration, builder.Environment), Optional = false, ReloadOnChange = false,
        };
        hostJson.ResolveFileProvider();
        configuration.Sources.Insert(0, hostJson);
        if (!ListenAddressConfigured(configuration))
            builder.WebHost.UseUrls($"http://localhost:{configuration["PORT"] ?? "7071"}");
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = Limits.RequestBody);

        var services = builder.Services;
        services.AddOptions<ClientHubOptions>().Bind(configuration.GetSection(ClientHubOptions.Section)).ValidateOnStart();
        // Read here, not through IOptions: the clock is needed while the services are composed. A negative offset throws at start.
        var testing = configuration.GetSection($"{ClientHubOptions.Section}:Testing").Get<ClientHubOptions.TestingOptions>();
        services.AddSingleton<TimeProvider>(testing is { EnableClock: true } ? new TestClock(testing.ClockOffset) : TimeProvider.System);

        services.AddClientHubTelemetry(configuration, builder.Environment);
        services.AddClientHubStorage(configuration);
        services.AddHostedService<StorageInitializer>();
        services.AddSingleton<FirmDocuments>();
        services.AddSingleton<AccessKeys>();
        services.AddOptions<DocumentOptions>().Bind(configuration.GetSection(DocumentOptions.Section))
            .Validate(o => o.MaxUploadBytes > 0, "ClientHub:Documents:MaxUploadBytes must be positive.").ValidateOnStart();
        services.AddSingleton<AccountDocuments>();
        services.AddSingleton<IdempotencyRecords>();
        services.AddJobEngine(configuration);
        services.AddWebhooks(configuration);
        services.AddTriggerHost(configuration);
        services.AddQueueTrigger<LinksTrigger>(EngineOptions.LinksQueue);
        services.AddQueueTrigger<NoticesTrigger>(NoticeSender.Queue);
        services.AddTimerTrigger<Digest.DailyDigestTrigger>(Digest.DailyDigest.Name, Digest.DailyDigest.Schedule);
        services.AddTimerTrigger<OutboxSweeperTrigger>(OutboxSweeperTrigger.Name,
            configuration[$"{EngineOptions.Section}:SweepSchedule"] ?? new EngineOptions().SweepSchedule);

        services.AddAccessKeyAuth();
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
            context.ProblemDetails.Detail ??= ProblemDetailDefaults.For(context.ProblemDetails.Status));
        services.AddExceptionHandler<ApiExceptionHandler>();
        services.ConfigureHttpJsonOptions(o => ClientHubJson.Configure(o.SerializerOptions));
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddOpenApi(DescribeTypedIds);
        return builder;
    }

    /// <summary>
    /// Whether ASP.NET Core is told where to listen (<c>ASPNETCORE_URLS</c>, or <c>ASPNETCORE_HTTP_PORTS</c> as the aspnet
    /// container image sets it): then that wins over the local default of <c>localhost:PORT</c>, which a container could not
    /// be reached on.
    /// </summary>
    internal static bool ListenAddressConfigured(IConfiguration configuration) =>
        new[] { "ASPNETCORE_URLS", "urls", "ASPNETCORE_HTTP_PORTS", "http_ports", "ASPNETCORE_HTTPS_PORTS", "https_ports" }
            .Any(key => !string.IsNullOrEmpty(configuration[key]));

    /// <summary>
    /// <see cref="FirmId"/> and <see cref="JobId"/> are written as plain strings by their converters, which
    /// the schema generator cannot see through (it would describe them as anything): the document
    /// shows them as the strings they are on the wire, inline rather than as components of their own.
    /// </summary>
    private static void DescribeTypedIds(OpenApiOptions options)
    {
        Type[] typedIds = [typeof(FirmId), typeof(JobId)];
        bool IsTypedId(Type type) => typedIds.Contains(Nullable.GetUnderlyingType(type) ?? type);
        options.CreateSchemaReferenceId = type => IsTypedId(type.Type) ? null : OpenApiOptions.CreateDefaultSchemaReferenceId(type);
        options.AddSchemaTransformer((schema, context, _) =>
        {
            var type = context.JsonTypeInfo.Type;
            if (IsTypedId(type))
                schema.Type = Nullable.GetUnderlyingType(type) is null ? JsonSchemaType.String : JsonSchemaType.String | JsonSchemaType.Null;
            // A list of ids loses its item schema along the way; it is a list of strings.
            else if (context.JsonTypeInfo.ElementType is { } element && IsTypedId(element) && schema.Items is null)
                schema.Items = new OpenApiSchema { Type = JsonSchemaType.String };
            return Task.CompletedTask;
        });
    }

    /// <summary>The job engine: job store, projections, outbox dispatch, the jobs' orchestrations and their activities, email.</summary>
    private static IServiceCollection AddJobEngine(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<EngineOptions>().Bind(configuration.GetSection(EngineOptions.Section))
            .Validate(o => o.OutboxMarkLifetime > o.OutboxSweepAge, "OutboxMarkLifetime must be longer than OutboxSweepAge.").ValidateOnStart();
        services.AddOptions<SendGridOptions>().Bind(configuration.GetSection(SendGridOptions.Section))
            // One without the other would silently turn replies by email off.
            .Validate(o => string.IsNullOrEmpty(o.InboundDomain) == string.IsNullOrEmpty(o.InboundSecret),
                "ClientHub:SendGrid:InboundDomain and InboundSecret go together: set both or neither.")
            .ValidateOnStart();
        services.AddHttpClient();
        services.AddSingleton<IEmailSender, SendGridEmailSender>();
        services.AddSingleton(provider => new OutboxMarks(provider.GetRequiredService<TableServiceClient>(),
            provider.GetRequiredService<StorageNames>(), provider.GetRequiredService<IOptions<EngineOptions>>().Value.OutboxMarkLifetime));
        services.AddSingleton<JobStore>();
        services.AddSingleton<JobCards>();
        services.AddSingleton<FirmClock>();
        services.AddMemoryCache();
        services.AddSingleton<FirmSnapshots>();
        services.AddSingleton<Http.Jobs.JobViews>();
        services.AddSingleton<EmailLog>();
        services.AddSingleton<OutboxDispatcher>();
        services.AddSingleton<JobEngine>();
        services.AddSingleton<ContactEmails>();
        services.AddSingleton<InboundReplies>();
        services.AddSingleton<ReminderSender>();
        services.AddSingleton<NoticeSender>();
        services.AddSingleton<Digest.DailyDigest>();
        services.AddSingleton<IDueWorkRunner>(provider => provider.GetRequiredService<Digest.DailyDigest>());
        services.AddSingleton<AutomationRunner>();
        services.AddSingleton<AutomationStep>();

        services.AddDurableTask(configuration);
        services.AddSingleton<JobOrchestrations>();
        services.AddSingleton<IDueWorkRunner>(provider => provider.GetRequiredService<JobOrchestrations>());
        services.AddOrchestrator<JobOrchestrator>(JobOrchestrator.Name);
        services.AddActivity<RunAutomationActivity>(RunAutomationActivity.Name);
        services.AddActivity<FailAutomationActivity>(FailAutomationActivity.Name);
        services.AddActivity<SendReminderActivity>(SendReminderActivity.Name);
        services.AddActivity<FlagStageOverdueActivity>(FlagStageOverdueActivity.Name);
        services.AddRecurrences();
        return services;
    }

    /// <summary>Recurring jobs: one orchestration per recurrence, woken by changes, completed jobs and the test clock.</summary>
    private static IServiceCollection AddRecurrences(this IServiceCollection services)
    {
        services.AddSingleton<RecurrenceRunner>();
        services.AddSingleton<RecurrenceOrchestrations>();
        services.AddSingleton<IDueWorkRunner>(provider => provider.GetRequiredService<RecurrenceOrchestrations>());
        services.AddSingleton<IJobEventListener>(provider => provider.GetRequiredService<RecurrenceOrchestrations>());
        services.AddOrchestrator<RecurrenceOrchestrator>(RecurrenceOrchestrator.Name);
        services.AddActivity<RecurrenceTickActivity>(RecurrenceTickActivity.Name);
        services.AddActivity<CreateRecurrenceJobsActivity>(CreateRecurrenceJobsActivity.Name);
        return services;
    }

    /// <summary>
    /// Webhooks: inbound endpoints (signature checks, a rate limit per endpoint); outbound subscriptions, fed by the outbox through
    /// the <c>webhookevents</c> queue, each event delivered by an orchestration of its own.
    /// </summary>
    private static IServiceCollection AddWebhooks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WebhookOptions>().Bind(configuration.GetSection(WebhookOptions.Section))
            .Validate(o => o.InboundPerSecond > 0 && o.InboundBurst > 0, "Inbound webhook rates must be positive.")
            .Validate(o => o.FirstRetryDelay > TimeSpan.Zero && o.MaxRetryDelay >= o.FirstRetryDelay && o.DeliveryTimeout > TimeSpan.Zero,
                "Webhook retry delays and the delivery timeout must be positive, the longest delay at least the first.")
            .ValidateOnStart();
        services.AddSingleton<InboundHookLimiter>();
        services.AddSingleton<WebhookDeliveries>();
        services.AddSingleton<WebhookDeliverer>();
        services.AddSingleton<WebhookFanOut>();
        services.AddHttpClient(WebhookDeliverer.HttpClientName).ConfigurePrimaryHttpMessageHandler(provider => new SocketsHttpHandler
        {
            ConnectCallback = WebhookTargets.Connect(provider.GetRequiredService<IOptions<WebhookOptions>>().Value.AllowPrivateTargets),
            AllowAutoRedirect = false,
        });
        services.AddQueueTrigger<WebhookEventsTrigger>(WebhookFanOut.Queue);
        services.AddOrchestrator<WebhookDeliveryOrchestrator>(WebhookDeliveryOrchestrator.Name);
        services.AddActivity<DeliverWebhookActivity>(DeliverWebhookActivity.Name);
        services.AddActivity<GiveUpWebhookActivity>(GiveUpWebhookActivity.Name);
        return services;
    }

    public static WebApplication MapClientHub(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.Use(RejectOversizedBodies);
        var http = app.Services.GetRequiredService<HostRoles>().Http;
        if (http) app.UsePageAssets();
        app.Use(PortalCookie.GuardCookieChanges);
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseIdempotencyKeys();

        app.MapOpenApi();
        app.MapScalarApiReference();
        app.MapHealthApi();

        // An instance without the http role serves only /healthz and /readyz (it runs queues and/or timers).
        if (!http) return app;
        app.MapPages();
        var api = app.MapGroup("/api");
        api.MapFirmsApi();
        api.MapStaffApi();
        api.MapTagsApi();
        api.MapAccountsApi();
        api.MapContactsApi();
        api.MapClientFacingStatusesApi();
        api.MapTemplatesApi();
        api.MapPipelinesApi();
        api.MapJobsApi();
        api.MapRecurrencesApi();
        api.MapItemsApi();
        api.MapPortalApi();
        api.MapEmailsApi();
        api.MapPoisonQueuesApi();
        api.MapDocumentsApi();
        api.MapPortalDocumentsApi();
        api.MapWebhookEndpointsApi();
        api.MapInboundHooksApi();
        api.MapWebhookSubscriptionsApi();
        api.MapSendGridEventsApi();
        api.MapSendGridInboundApi();
        api.MapTestingApi();
        return app;
    }

    /// <summary>
    /// Kestrel enforces the limit on streamed bodies; this answers declared oversize bodies at once, also under the test server.
    /// A route with its own limit (<see cref="IRequestSizeLimitMetadata"/>, document uploads) gets it here, before anything reads
    /// the body (routing has chosen the endpoint by now).
    /// </summary>
    private static Task RejectOversizedBodies(HttpContext context, Func<Task> next)
    {
        var feature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        var routeLimit = context.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>()?.MaxRequestBodySize;
        if (routeLimit is not null && feature is { IsReadOnly: false }) feature.MaxRequestBodySize = routeLimit;
        var limit = routeLimit ?? feature?.MaxRequestBodySize ?? Limits.RequestBody;
        if (context.Request.ContentLength > limit)
            throw new BadHttpRequestException("The request body is too large.", StatusCodes.Status413PayloadTooLarge);
        return next();
    }
}
