using ClientHub.Core;
using ClientHub.Functions.Http.Auth;
using ClientHub.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ClientHub.Functions.Http.Emails;

public static class EmailsApi
{
    public static IEndpointRouteBuilder MapEmailsApi(this IEndpointRouteBuilder api)
    {
        api.MapGet("/emails", ListAsync).RequireAuthorization(Policies.Staff).WithTags("Emails");
        return api;
    }

    private static async Task<Ok<ListResponse<EmailLogEntry>>> ListAsync(StaffCaller caller, EmailLog log, string? jobId, string? accountId,
        int? pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        var page = await log.ListAsync(caller.FirmId, jobId is null ? null : new JobId(jobId), accountId, HttpConventions.PageSize(pageSize),
            continuationToken, cancellationToken);
        return TypedResults.Ok(new ListResponse<EmailLogEntry>(page.Items, page.ContinuationToken));
    }
}
