using ClientHub.Functions.Http.Auth;
using ClientHub.Storage;
using Microsoft.Extensions.FileProviders;

namespace ClientHub.Functions.Http.Pages;

/// <summary>
/// The two pages people use, served as static files next to the API they call: the client portal (<c>/portal</c>) and the firm's
/// board (<c>/app</c>). They use only the public API. Every page response and asset carries a Content-Security-Policy without
/// <c>unsafe-inline</c>, so even a string from the API that slipped into markup could not run.
/// </summary>
public static class PagesApi
{
    /// <summary>Scripts, styles and connections from this origin only; no inline code, no framing, no foreign form targets.</summary>
    public const string ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        + "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    /// <summary>
    /// Next to the host's assembly (copied there by the build and by publish), not under the content root: the host is started from the
    /// repository root by <c>scripts/run</c> and the tests, and from <c>/app</c> in the container.
    /// </summary>
    private static string WebRoot => Path.Combine(AppContext.BaseDirectory, "wwwroot");

    /// <summary>The pages' scripts and styles under <c>/assets</c>, revalidated on every load (they are small, and never stale).</summary>
    public static WebApplication UsePageAssets(this WebApplication app)
    {
        var assets = Path.Combine(WebRoot, "assets");
        if (!Directory.Exists(assets)) return app;
        app.UseStaticFiles(new StaticFileOptions
        {
            RequestPath = "/assets",
            FileProvider = new PhysicalFileProvider(assets),
            OnPrepareResponse = context =>
            {
                SetSecurityHeaders(context.Context.Response);
                context.Context.Response.Headers.CacheControl = "no-cache";
            },
        });
        return app;
    }

    public static IEndpointRouteBuilder MapPages(this IEndpointRouteBuilder app)
    {
        var pages = app.MapGroup("").ExcludeFromDescription();
        pages.MapGet("/portal", PortalAsync);
        pages.MapPost("/portal/sign-out", SignOut);
        pages.MapGet("/app", (HttpResponse response) => Page(response, "app.html"));
        return app;
    }

    /// <summary>
    /// <c>/portal?token=chp_…</c> (the link in the firm's emails) trades the token for the sign-in cookie and redirects to the bare
    /// <c>/portal</c>, so the token stays in neither the address bar nor the history; a link that no longer works comes back as
    /// <c>/portal?signin=failed</c>. Without a token it is the page itself.
    /// </summary>
    private static async Task<IResult> PortalAsync(string? token, HttpContext context, AccessKeys keys, FirmDocuments documents,
        CancellationToken cancellationToken)
    {
        if (token is null) return Page(context.Response, "portal.html");
        SetSecurityHeaders(context.Response);
        context.Response.Headers.CacheControl = "no-store";
        var grant = token.StartsWith(AccessKeys.PortalPrefix, StringComparison.Ordinal) ? await keys.ValidateAsync(token, cancellationToken) : null;
        if (grant is null || await AccessKeyAuthenticationHandler.PortalClaimsAsync(grant, documents, cancellationToken) is null)
        {
            PortalCookie.Delete(context);
            return Results.Redirect("/portal?signin=failed");
        }
        PortalCookie.Append(context, token);
        return Results.Redirect("/portal");
    }

    /// <summary>Clears the cookie. It changes state, so it asks the same proof as a change made with the cookie.</summary>
    private static IResult SignOut(HttpContext context)
    {
        if (!PortalCookie.FromOwnPage(context.Request))
            return TypedResults.Problem(PortalCookie.NotFromOwnPage, statusCode: StatusCodes.Status403Forbidden, title: "Forbidden");
        PortalCookie.Delete(context);
        return Results.NoContent();
    }

    private static IResult Page(HttpResponse response, string file)
    {
        SetSecurityHeaders(response);
        response.Headers.CacheControl = "no-cache";
        return Results.File(Path.Combine(WebRoot, file), "text/html; charset=utf-8");
    }

    private static void SetSecurityHeaders(HttpResponse response)
    {
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.XFrameOptions = "DENY";
    }
}
