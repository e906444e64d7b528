namespace ClientHub.Functions.Http.Staff;

public static class StaffApi
{
    public static IEndpointRouteBuilder MapStaffApi(this IEndpointRouteBuilder api)
    {
        return api;
    }
}
