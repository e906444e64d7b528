namespace ClientHub.Functions.Http.Clients;

public static class TagsApi
{
    public static IEndpointRouteBuilder MapTagsApi(this IEndpointRouteBuilder api)
    {
        return api;
    }
}
