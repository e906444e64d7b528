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

namespace ClientHub.Functions.Tests.Infrastructure;

/// <summary>
/// Stands in for SendGrid's <c>/v3/mail/send</c> on a loopback port and records every request
/// the real SendGrid client made, so tests assert on what SendGrid would have received. Its activity feed
/// (<c>GET /v3/messages?query=unique_args['k']="v"</c>) finds the emails it took by a custom argument.
/// </summary>
public sealed partial class SendGridStub : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _count;

    public ConcurrentQueue<JsonNode> Mails { get; } = new();

    /// <summary>The status the next requests get (202 unless a test makes SendGrid fail).</summary>
    public int ResponseStatus { get; set; } = 202;

    /// <summary>Recipients SendGrid refuses for good (400), as it does an address it will not send to.</summary>
    public ConcurrentDictionary<string, bool> Refused { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>How long each request takes to answer (a slow provider keeps a chain in flight).</summary>
    public TimeSpan Delay { get; set; }

    public string Url { get; }

    public SendGridStub()
    {
        (_app, Url) = LoopbackServer.Start(app =>
        {
            app.MapPost("/v3/mail/send", SendAsync);
            app.MapGet("/v3/messages", (string query) => Results.Json(new { messages = Activity(query) }));
        });
    }

    private async Task SendAsync(HttpContext context)
    {
        var body = await JsonNode.ParseAsync(context.Request.Body);
        if (Delay > TimeSpan.Zero) await Task.Delay(Delay);
        var refused = body!["personalizations"]!.AsArray().SelectMany(p => p!["to"]!.AsArray()).Any(t => Refused.ContainsKey(t!["email"]!.GetValue<string>()));
        if (ResponseStatus >= 300 || refused)
        {
            context.Response.StatusCode = refused ? 400 : ResponseStatus;
            await context.Response.WriteAsync("{\"errors\":[{\"message\":\"stub failure\"}]}");
            return;
        }
        var id = $"stub-{Interlocked.Increment(ref _count)}";
        body!["x-message-id"] = id;
        Mails.Enqueue(body);
        context.Response.StatusCode = 202;
        context.Response.Headers["X-Message-Id"] = id;
    }

    /// <summary>The feed's messages matching <c>unique_args['name']="value"</c>, with SendGrid's per-recipient message ids.</summary>
    private IEnumerable<object> Activity(string query)
    {
        if (UniqueArg().Match(query) is not { Success: true } match) return [];
        return Mails.Where(m => m["custom_args"]?[match.Groups[1].Value]?.GetValue<string>() == match.Groups[2].Value)
            .Select(m => new { msg_id = $"{m["x-message-id"]}.filter0001.1.0", status = "processed" });
    }

    [GeneratedRegex(@"^unique_args\['([^']+)'\]=""([^""]*)""$")]
    private static partial Regex UniqueArg();

    /// <summary>(recipient, subject) of every recorded email.</summary>
    public IReadOnlyList<(string To, string Subject)> Recipients() =>
        Mails.SelectMany(m => m["personalizations"]!.AsArray().SelectMany(p => p!["to"]!.AsArray().Select(t =>
            (t!["email"]!.GetValue<string>(), (p["subject"] ?? m["subject"])!.GetValue<string>())))).ToList();

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
