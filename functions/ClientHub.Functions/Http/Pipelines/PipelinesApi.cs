namespace ClientHub.Functions.Http.Pipelines;

public static class PipelinesApi
{
    public static IEndpointRouteBuilder MapPipelinesApi(this IEndpointRouteBuilder api)
    {
        return api;
    }
}
