using System.Xml;
using Microsoft.Extensions.Options;

namespace ClientHub.Functions.Http.Testing;

public sealed record ClockResponse(DateTimeOffset Now);
public sealed record AdvanceClockRequest(string AdvanceBy);

/// <summary>
/// Runs whatever became due after the clock moved (durable timers). Registered by the features
/// that own timers; the test clock calls every one after an advance.
/// </summary>
public interface IDueWorkRunner
{
    Task RunDueAsync(CancellationToken cancellationToken);
}

public static class TestingApi
{
    public static IEndpointRouteBuilder MapTestingApi(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/testing").AllowAnonymous().ExcludeFromDescription();
        group.MapGet("/clock", GetClock);
        group.MapPost("/clock", AdvanceClockAsync);
        return api;
    }

    private static IResult GetClock(HttpRequest http, IOptions<ClientHubOptions> options, TimeProvider time) =>
        Denied(http, options.Value) ?? TypedResults.Ok(new ClockResponse(time.GetUtcNow()));

    private static async Task<IResult> AdvanceClockAsync(AdvanceClockRequest request, HttpRequest http, IOptions<ClientHubOptions> options,
        TimeProvider time, IEnumerable<IDueWorkRunner> runners, CancellationToken cancellationToken)
    {
        if (Denied(http, options.Value) is { } denied) return denied;
        TimeSpan by;
        try
        {
            by = XmlConvert.ToTimeSpan(request.AdvanceBy ?? "");
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            return new ValidationErrors().Add("advanceBy", "An ISO 8601 duration such as P3D or PT2H is required.").ToResult();
        }
        if (by < TimeSpan.Zero) return new ValidationErrors().Add("advanceBy", "The clock only moves forward.").ToResult();
        if (by > DateTimeOffset.MaxValue.AddYears(-1) - time.GetUtcNow())
            return new ValidationErrors().Add("advanceBy", "That is past the end of time.").ToResult();
        ((TestClock)time).Advance(by);
        foreach (var runner in runners) await runner.RunDueAsync(cancellationToken);
        return TypedResults.Ok(new ClockResponse(time.GetUtcNow()));
    }

    /// <summary>404 unless the clock is enabled (the route does not exist in production); 401 without the bootstrap token.</summary>
    private static IResult? Denied(HttpRequest http, ClientHubOptions options)
    {
        if (!options.Testing.EnableClock || string.IsNullOrEmpty(options.BootstrapToken)) return TypedResults.NotFound();
        return http.Headers.Authorization.ToString() == $"Bearer {options.BootstrapToken}" ? null : TypedResults.Unauthorized();
    }
}
