using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ClientHub.Bench;

/// <summary>
/// Stands in for SendGrid's <c>/v3/mail/send</c> on a loopback port and answers 202, so each email
/// costs what it costs through the real SendGrid client and HTTP, minus SendGrid itself. When recording, its activity feed
/// (<c>GET /v3/messages?query=unique_args['k']="v"</c>) finds the emails it took by a custom argument, as SendGrid's does.
/// </summary>
public sealed partial class SendGridStub : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _received;

    public int Received => Volatile.Read(ref _received);

    /// <summary>Every email (recipient, subject, when taken), kept only when started with <c>record: true</c> (chaos, reminders).</summary>
    public ConcurrentQueue<RecordedEmail> Recorded { get; } = new();

    /// <summary>The message id each email was taken under, by each of its custom arguments (<c>name=value</c>).</summary>
    private readonly ConcurrentDictionary<string, string> _byCustomArg = new();

    public string Url { get; }

    private SendGridStub(WebApplication app, string url) => (_app, Url) = (app, url);

    public static async Task<SendGridStub> StartAsync(CancellationToken cancellationToken, bool record = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        SendGridStub? stub = null;
        app.MapPost("/v3/mail/send", async (HttpContext context) =>
        {
            var id = $"bench-{Interlocked.Increment(ref stub!._received)}";
            // Read the body as SendGrid would, so the client's send completes the same way.
            if (record)
            {
                // SendGrid's v3 body: the subject sits in a personalization or at the top level.
                var mail = (await JsonNode.ParseAsync(context.Request.Body))!;
                foreach (var p in mail["personalizations"]!.AsArray())
                foreach (var to in p!["to"]!.AsArray())
                    stub.Recorded.Enqueue(new RecordedEmail(to!["email"]!.GetValue<string>(),
                        (p["subject"] ?? mail["subject"])?.GetValue<string>() ?? "", DateTimeOffset.UtcNow));
                foreach (var (name, value) in mail["custom_args"]?.AsObject() ?? []) stub._byCustomArg[$"{name}={value}"] = id;
            }
            else await context.Request.Body.CopyToAsync(Stream.Null);
            context.Response.StatusCode = StatusCodes.Status202Accepted;
            context.Response.Headers["X-Message-Id"] = id;
        });
        app.MapGet("/v3/messages", (string query) =>
            Results.Json(new
            {
                messages = UniqueArg().Match(query) is { Success: true } m && stub!._byCustomArg.TryGetValue($"{m.Groups[1]}={m.Groups[2]}", out var id)
                    ? new[] { new { msg_id = $"{id}.filter0001.1.0", status = "processed" } }
                    : [],
            }));
        await app.StartAsync(cancellationToken);
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        stub = new SendGridStub(app, url);
        return stub;
    }

    [GeneratedRegex(@"^unique_args\['([^']+)'\]=""([^""]*)""$")]
    private static partial Regex UniqueArg();

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}

/// <summary>One email the stub took: to whom, its subject, and when it arrived (the stub's clock).</summary>
public sealed record RecordedEmail(string To, string Subject, DateTimeOffset At);
