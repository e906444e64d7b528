using Microsoft.AspNetCore.Mvc;

namespace ClientHub.Functions.Http.Auth;

/// <summary>
/// The portal page's sign-in cookie: it holds the contact's portal token (<c>chp_…</c>) so the token leaves the address bar, and
/// scripts cannot read it (HttpOnly). It stands in for <c>Authorization: Bearer</c> on <c>/api/portal/*</c> only. Because a browser
/// sends a cookie by itself, a change made with it must prove it comes from our own page: SameSite=Strict keeps other sites'
/// requests from carrying it, and <c>X-Requested-With: portal</c> (a header no form or cross-origin request can set without a CORS
/// preflight we never grant) is required on every POST, PATCH, PUT and DELETE, with <c>Sec-Fetch-Site</c>, when the browser sends it,
/// saying <c>same-origin</c>.
/// </summary>
public static class PortalCookie
{
    public const string Name = "clienthub_portal";
    public const string RequestedWithHeader = "X-Requested-With", RequestedWithValue = "portal";
    private static readonly PathString PortalApi = "/api/portal";

    /// <summary>The cookie's token on a portal route; null anywhere else, so a cookie never authenticates a firm route.</summary>
    internal static string? Read(HttpRequest request) =>
        request.Path.StartsWithSegments(PortalApi) && request.Cookies.TryGetValue(Name, out var token) && !string.IsNullOrEmpty(token)
            ? token
            : null;

    /// <summary>
    /// A session cookie (no expiry): it goes when the browser closes, and the link in the firm's email signs in again while its token
    /// lives (30 days).
    /// </summary>
    public static void Append(HttpContext context, string token) => context.Response.Cookies.Append(Name, token, Options(context));

    public static void Delete(HttpContext context) => context.Response.Cookies.Delete(Name, Options(context));

    private static CookieOptions Options(HttpContext context) => new()
    {
        HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = IsHttps(context.Request), Path = "/", IsEssential = true,
    };

    /// <summary>
    /// Azure Container Apps end TLS at their ingress, so the forwarded scheme tells what the browser used. Trusting it can only make
    /// the cookie stricter (Secure), never looser.
    /// </summary>
    private static bool IsHttps(HttpRequest request) =>
        request.IsHttps || string.Equals(request.Headers["X-Forwarded-Proto"], "https", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether a request carries the proof that our own page sent it (see the class remarks).</summary>
    public static bool FromOwnPage(HttpRequest request)
    {
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        return request.Headers[RequestedWithHeader] == RequestedWithValue && (site.Length == 0 || site == "same-origin");
    }

    /// <summary>
    /// Middleware: a change on a portal route authenticated by the cookie alone (no <c>Authorization</c> header) without that proof is
    /// refused with 403 before anything reads it.
    /// </summary>
    internal static Task GuardCookieChanges(HttpContext context, Func<Task> next)
    {
        var request = context.Request;
        var change = !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method));
        if (!change || request.Headers.Authorization.Count > 0 || Read(request) is null || FromOwnPage(request)) return next();
        return Forbid(context);
    }

    public const string NotFromOwnPage =
        $"A change signed in with the portal cookie must come from the portal page ({RequestedWithHeader}: {RequestedWithValue}).";

    private static async Task Forbid(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status403Forbidden, Title = "Forbidden",
                Detail = NotFromOwnPage,
            },
        });
    }
}
