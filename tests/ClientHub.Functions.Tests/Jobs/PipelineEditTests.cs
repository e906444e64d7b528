using System.Text.Json.Nodes;
using ClientHub.Core.Pipelines;
using ClientHub.Functions.Tests.Infrastructure;
using static ClientHub.Functions.Tests.Jobs.StageBuilder;

namespace ClientHub.Functions.Tests.Jobs;

/// <summary>Its own host: these tests slow SendGrid down to edit a pipeline while a chain runs.</summary>
public sealed class PipelineEditHost : EngineHost;

public sealed class PipelineEditTests(PipelineEditHost host) : IClassFixture<PipelineEditHost>
{
    [Fact]
    public async Task Removing_an_automation_that_already_ran_while_the_chain_runs_still_runs_the_rest_once()
    {
        var s = await Scenario.CreateAsync(host);
        var first = await s.EmailTemplateAsync(subject: "First");
        var second = await s.EmailTemplateAsync(subject: "Second");
        var third = await s.EmailTemplateAsync(subject: "Third");
        var pipeline = await s.PipelineAsync(
            Stage("Start", false, null, new SendEmail { TemplateId = first.Id }, new SendEmail { TemplateId = second.Id }, new SendEmail { TemplateId = third.Id }),
            Stage("Done"));
        var account = await s.AccountAsync();
        host.SendGrid.Delay = TimeSpan.FromSeconds(1.5);
        try
        {
            var jobId = await s.AddJobAsync(account, pipeline);
            await Eventually.HoldsAsync(() => Task.FromResult(Subjects(account.Id)), subjects => subjects.Contains("First"), "the first email is sent");

            // The firm drops the first email from the stage while the second one is on its way.
            var definition = await s.Api.GetAsync($"/api/pipelines/{pipeline.Id}").ExpectAsync(200);
            definition["stages"]![0]!["automations"]!.AsArray().RemoveAt(0);
            await s.Api.PutAsync($"/api/pipelines/{pipeline.Id}", JsonContent(definition)).ExpectAsync(200);

            var job = await s.SettledAsync(jobId, timeoutSeconds: 30);
            Assert.Equal("idle", job["automation"]!["state"]!.GetValue<string>());
            Assert.Equal(["First", "Second", "Third"], Subjects(account.Id));
        }
        finally
        {
            host.SendGrid.Delay = TimeSpan.Zero;
        }
    }

    private List<string> Subjects(string accountId) =>
        host.SendGrid.Recipients().Where(r => r.To.EndsWith($"-{accountId}@example.com")).Select(r => r.Subject).ToList();

    private static StringContent JsonContent(JsonNode body) => new(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
}
