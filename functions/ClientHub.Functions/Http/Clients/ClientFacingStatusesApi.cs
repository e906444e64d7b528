namespace ClientHub.Functions.Http.Clients;

public static class ClientFacingStatusesApi
{
    public static IEndpointRouteBuilder MapClientFacingStatusesApi(this IEndpointRouteBuilder api)
    {
        return api;
    }
}
