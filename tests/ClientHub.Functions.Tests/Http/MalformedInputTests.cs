using System.Text;
using ClientHub.Functions.Tests.Infrastructure;

namespace ClientHub.Functions.Tests.Http;

/// <summary>API.md: no input, however malformed, produces a 5xx.</summary>
public sealed class MalformedInputTests(ClientHubHost host) : IClassFixture<ClientHubHost>
{
    /// <remarks>A page size out of range is clamped and an unknown continuation token reads as the end of the list; both answer 200.</remarks>
    public static TheoryData<string, string, string?> Requests => new()
    {
        { "GET", "/api/accounts?continuationToken=%25%25not-a-token", null },
        { "GET", "/api/jobs?continuationToken=bm90IGEgdG9rZW4", null },
        { "GET", "/api/jobs?pageSize=abc", null },
        { "GET", "/api/jobs?pageSize=-5", null },
        { "GET", "/api/jobs?status=Sleeping", null },
        { "GET", "/api/jobs?dueBefore=yesterday", null },
        { "GET", "/api/jobs/..%2F..%2Fetc", null },
        { "GET", "/api/jobs/a'b", null },
        { "GET", "/api/tasks/abc-", null },
        { "GET", "/api/invoices/-x", null },
        { "GET", "/api/jobs/" + "x" + "/history?continuationToken=zz", null },
        { "POST", "/api/jobs", """{"accountId": 5, "pipelineId": []}""" },
        { "POST", "/api/jobs", """{"accountId": "nope", "pipelineId": "nope", "priority": "Whenever"}""" },
        { "POST", "/api/jobs", """{"accountId": "nope", "pipelineId": "nope", "startDate": "31/12/2026"}""" },
        { "POST", "/api/jobs/bulk", """{"accountIds": null, "pipelineId": "p"}""" },
        { "POST", "/api/jobs/abcdefghijklmnopqrst/move", """{"stageId": null}""" },
        { "POST", "/api/jobs/abcdefghijklmnopqrst/items", """{"type": "task", "id": "%%%"}""" },
        { "PATCH", "/api/tasks/f-abcdefghijklmnopqrst", """{"status": "Finished"}""" },
        { "POST", "/api/invoices/f-abcdefghijklmnopqrst/payments", """{"amount": "lots"}""" },
        { "POST", "/api/templates", """{"name": "no kind"}""" },
        { "POST", "/api/templates", """{"kind": "spaceship", "name": "x"}""" },
        { "POST", "/api/pipelines", """{"name": "p", "stages": [{"name": "a", "automations": [{"type": "teleport"}]}, {"name": "b"}]}""" },
        { "POST", "/api/accounts", "[1, 2, 3]" },
        { "POST", "/api/accounts", "null" },
        { "POST", "/api/tasks", """{"title": "t", "dueDate": 17}""" },
        { "POST", "/api/testing/clock", """{"advanceBy": "forever"}""" },
        { "POST", "/api/testing/clock", """{"advanceBy": "P100000Y"}""" },
        { "POST", "/api/testing/clock", """{"advanceBy": "P9000Y"}""" },
        { "POST", "/api/invoices/f-abcdefghijklmnopqrst/payments", """{"amount": 79228162514264337593543950335}""" },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public async Task Malformed_input_never_gets_a_5xx_and_every_refusal_is_a_problem(string method, string path, string? body)
    {
        var firm = await host.CreateFirmAsync();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        if (path.StartsWith("/api/testing", StringComparison.Ordinal))
            request.Headers.Authorization = new("Bearer", ClientHubHost.BootstrapToken);

        var response = await (path.StartsWith("/api/testing", StringComparison.Ordinal) ? host.Anonymous() : firm.Owner).SendAsync(request);

        var status = (int)response.StatusCode;
        Assert.True(status < 500, $"{method} {path} answered {status}: {await response.Content.ReadAsStringAsync()}");
        if (status >= 400) Assert.True(response.IsProblem(), $"{method} {path} answered {status} without problem+json");
    }
}
