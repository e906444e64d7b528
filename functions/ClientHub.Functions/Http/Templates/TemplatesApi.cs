namespace ClientHub.Functions.Http.Templates;

public static class TemplatesApi
{
    public static IEndpointRouteBuilder MapTemplatesApi(this IEndpointRouteBuilder api)
    {
        return api;
    }
}
