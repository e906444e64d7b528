namespace ClientHub.Functions.Http.Clients;

public static class AccountsApi
{
    public static IEndpointRouteBuilder MapAccountsApi(this IEndpointRouteBuilder api)
    {
        return api;
    }
}
