namespace ClientHub.Functions.Http.Clients;

public static class ContactsApi
{
    public static IEndpointRouteBuilder MapContactsApi(this IEndpointRouteBuilder api)
    {
        return api;
    }
}
