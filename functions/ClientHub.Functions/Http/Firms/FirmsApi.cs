using System.Security.Cryptography;
using System.Text;
using ClientHub.Core;
using ClientHub.Core.Firms;
using ClientHub.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ClientHub.Functions.Http.Firms;

public sealed record CreateFirmRequest(string Name, string TimeZone, OwnerRequest Owner);
public sealed record OwnerRequest(string Name, string Email);
public sealed record CreatedFirm(string Id, string Name, string TimeZone, string OwnerId, string ApiKey);

public static class FirmsApi
{
    public static IEndpointRouteBuilder MapFirmsApi(this IEndpointRouteBuilder api)
    {
        api.MapPost("/firms", CreateFirmAsync).AllowAnonymous().WithTags("Firms");
        return api;
    }

    /// <summary>Creates a firm with its owner and the owner's first API key, shown once.</summary>
    private static async Task<Results<Created<CreatedFirm>, ValidationProblem, UnauthorizedHttpResult, NotFound>> CreateFirmAsync(
        CreateFirmRequest request, HttpRequest http, IOptions<ClientHubOptions> options, FirmDocuments documents, AccessKeys keys,
        TimeProvider time, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(options.Value.BootstrapToken)) return TypedResults.NotFound();
        if (!IsBootstrapToken(http, options.Value.BootstrapToken)) return TypedResults.Unauthorized();

        var errors = new ValidationErrors()
            .Required("name", request.Name);
        if (!Limits.IsTimeZone(request.TimeZone)) errors.Add("timeZone", "A valid IANA time zone is required.");
        if (request.Owner is null) errors.Add("owner", "Required.");
        else errors.Required("owner.name", request.Owner.Name).Email("owner.email", request.Owner.Email);
        if (errors.Any) return errors.ToResult();

        var firm = new Firm(new FirmId(Ids.New()), request.Name.Trim(), request.TimeZone, Ids.New(), time.GetUtcNow());
        var owner = new StaffMember(firm.OwnerId, request.Owner!.Name.Trim(), request.Owner.Email.Trim(), StaffRole.Owner);
        await documents.IndexFirmAsync(firm.Id, cancellationToken);
        var etag = await documents.CreateFirmAsync(firm, owner, cancellationToken);
        var (_, apiKey, _) = await keys.CreateStaffKeyAsync(firm.Id, owner.Id, cancellationToken);
        http.HttpContext.Response.SetETag(etag);
        return TypedResults.Created($"/api/firms/{firm.Id}", new CreatedFirm(firm.Id.Value, firm.Name, firm.TimeZone, owner.Id, apiKey));
    }

    private static bool IsBootstrapToken(HttpRequest http, string expected)
    {
        var header = http.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return false;
        var presented = Encoding.UTF8.GetBytes(header["Bearer ".Length..].Trim());
        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(presented), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
    }
}
