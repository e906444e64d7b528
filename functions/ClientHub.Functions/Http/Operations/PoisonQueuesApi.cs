using ClientHub.Functions.Hosting;
using ClientHub.Functions.Http.Auth;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ClientHub.Functions.Http.Operations;

public sealed record PoisonReplayResponse(int Replayed);

/// <summary>
/// Operations on the host's poison queues. Owners only: the queues are the host's, shared by every firm, so a replay
/// retries every firm's failed messages of that queue (each is idempotent, as queue triggers must be).
/// </summary>
public static class PoisonQueuesApi
{
    public static IEndpointRouteBuilder MapPoisonQueuesApi(this IEndpointRouteBuilder api)
    {
        api.MapPost("/admin/poison/{queue}/replay", ReplayAsync).RequireAuthorization(Policies.Owner).TakesNoBody().WithTags("Operations");
        return api;
    }

    private static async Task<Results<Ok<PoisonReplayResponse>, ProblemHttpResult>> ReplayAsync(
        string queue, PoisonQueues poisonQueues, CancellationToken cancellationToken)
    {
        if (!poisonQueues.IsKnown(queue))
            return TypedResults.Problem($"No queue trigger listens on '{queue}'.", statusCode: StatusCodes.Status404NotFound, title: "Not found");
        return TypedResults.Ok(new PoisonReplayResponse(await poisonQueues.ReplayAsync(queue, cancellationToken)));
    }
}
