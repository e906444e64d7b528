using System.Net.Http.Json;
using ClientHub.Core;
using ClientHub.Core.Items;
using ClientHub.Core.Pipelines;
using ClientHub.Functions.Email;
using ClientHub.Functions.Tests.Infrastructure;
using ClientHub.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static ClientHub.Functions.Tests.Jobs.StageBuilder;

namespace ClientHub.Functions.Tests.Jobs;

public sealed class EmailTests(EngineHost host) : IClassFixture<EngineHost>
{
    [Fact]
    public async Task Placeholders_are_rendered_and_their_values_escaped_in_the_request_SendGrid_receives()
    {
        var s = await Scenario.CreateAsync(host);
        var email = await s.EmailTemplateAsync(subject: "Hi {{contact.firstName}} from {{firm.name}}", body: "<p>{{account.name}}: {{job.name}} {{portal.link}}</p>");
        var pipeline = await s.PipelineAsync(Stage("Start", false, null, new SendEmail { TemplateId = email.Id }), Stage("Done"));
        var account = await s.AccountAsync(name: "<b>Bold</b> & Co");

        var jobId = await s.AddJobAsync(account, pipeline);
        await s.SettledAsync(jobId);

        var mail = host.SendGrid.Mails.Single(m => m.ToJsonString().Contains($"-{account.Id}@example.com"));
        Assert.Equal("Hi Contact1 from Test CPA", mail["personalizations"]![0]!["subject"]?.GetValue<string>() ?? mail["subject"]!.GetValue<string>());
        var html = mail["content"]!.AsArray().Single(c => c!["type"]!.GetValue<string>() == "text/html")!["value"]!.GetValue<string>();
        Assert.Contains("&lt;b&gt;Bold&lt;/b&gt; &amp; Co", html);
        Assert.DoesNotContain("{{", html);
        var log = await s.Api.GetAsync($"/api/emails?jobId={jobId}").ExpectAsync(200);
        var entry = log["items"]!.AsArray().Single()!;
        Assert.Equal("automation", entry["purpose"]!.GetValue<string>());
        Assert.StartsWith("stub-", entry["messageId"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_email_a_dying_process_sent_and_marked_but_did_not_log_is_logged_by_the_next_delivery_and_not_sent_again()
    {
        var s = await Scenario.CreateAsync(host);
        var store = host.Services.GetRequiredService<JobStore>();
        var owner = new JobId(ItemIds.NoJob);
        var (key, to) = ($"test:{Guid.NewGuid():N}", $"dying-{Guid.NewGuid():N}@example.com");
        // What the process left when it died: its claim, then the mark with SendGrid's message id, and no log entry yet.
        Assert.Null((await store.ClaimEffectAsync(s.Firm.Id, owner, key, TimeSpan.FromSeconds(20), TimeProvider.System, default)).Done);
        await store.MarkEffectAsync(s.Firm.Id, owner, key, "sent", default, "stub-before-the-crash");

        var outcome = await host.Services.GetRequiredService<ContactEmails>().SendOnceAsync(s.Firm.Id, owner, key,
            new OutgoingEmail(to, "Dying", "Sent once", "<p>once</p>"), new EmailContext(EmailPurposes.Notification, null, null, null), default);

        Assert.Equal("sent", outcome);
        Assert.DoesNotContain(host.SendGrid.Recipients(), r => r.To == to);
        var log = (await s.Api.GetAsync("/api/emails").ExpectAsync(200))["items"]!.AsArray();
        var entry = Assert.Single(log, e => e!["to"]!.GetValue<string>() == to)!;
        Assert.Equal(("sent", "stub-before-the-crash"), (entry["status"]!.GetValue<string>(), entry["messageId"]!.GetValue<string>()));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_email_whose_sender_died_before_marking_it_is_sent_again_only_when_SendGrid_does_not_have_it(bool sendGridTookIt)
    {
        var s = await Scenario.CreateAsync(host);
        var store = host.Services.GetRequiredService<JobStore>();
        var emails = host.Services.GetRequiredService<ContactEmails>();
        var owner = new JobId(ItemIds.NoJob);
        var (key, to) = ($"test:{Guid.NewGuid():N}", $"died-{Guid.NewGuid():N}@example.com");
        var message = new OutgoingEmail(to, "Died", "Once, whatever happens", "<p>once</p>");
        var context = new EmailContext(EmailPurposes.Notification, null, null, null);
        // The attempt that died: it claimed the email a minute ago (its claim has expired) and maybe sent it, but marked nothing.
        var aMinuteAgo = new FakeTimeProvider(DateTimeOffset.UtcNow.AddMinutes(-1));
        Assert.Null((await store.ClaimEffectAsync(s.Firm.Id, owner, key, TimeSpan.FromSeconds(20), aMinuteAgo, default)).Done);
        if (sendGridTookIt)
            await host.Services.GetRequiredService<IEmailSender>().SendAsync(message with { TrackingId = ContactEmails.EmailId(key) }, default);

        Assert.Equal("sent", await emails.SendOnceAsync(s.Firm.Id, owner, key, message, context, default));
        Assert.Equal("sent", await emails.SendOnceAsync(s.Firm.Id, owner, key, message, context, default));

        Assert.Single(host.SendGrid.Recipients(), r => r.To == to);
        var log = (await s.Api.GetAsync("/api/emails").ExpectAsync(200))["items"]!.AsArray();
        Assert.StartsWith("stub-", Assert.Single(log, e => e!["to"]!.GetValue<string>() == to)!["messageId"]!.GetValue<string>());
    }

    [Fact]
    public async Task Only_contacts_with_notify_on_receive_emails()
    {
        var s = await Scenario.CreateAsync(host);
        var email = await s.EmailTemplateAsync(subject: "Notify check");
        var pipeline = await s.PipelineAsync(Stage("Start", false, null, new SendEmail { TemplateId = email.Id }), Stage("Done"));
        var account = await s.AccountAsync(contacts: 2);
        var quiet = (await s.Api.GetAsync($"/api/accounts/{account.Id}/contacts").ExpectAsync(200))["items"]!.AsArray()
            .Single(c => c!["email"]!.GetValue<string>().StartsWith("c2-"))!["id"]!.GetValue<string>();
        await s.Api.PatchAsJsonAsync($"/api/contacts/{quiet}", new { notify = false }).ExpectAsync(200);

        var jobId = await s.AddJobAsync(account, pipeline);
        await s.SettledAsync(jobId);

        Assert.Equal([$"c1-{account.Id}@example.com"], host.SendGrid.Recipients().Where(r => r.Subject == "Notify check").Select(r => r.To));
        var log = (await s.Api.GetAsync($"/api/emails?jobId={jobId}").ExpectAsync(200))["items"]!.AsArray();
        Assert.Equal($"c1-{account.Id}@example.com", Assert.Single(log)!["to"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_permanent_SendGrid_rejection_fails_the_automation_at_once()
    {
        var s = await Scenario.CreateAsync(host);
        var email = await s.EmailTemplateAsync(subject: "Rejected");
        var pipeline = await s.PipelineAsync(Stage("Start", false, null, new SendEmail { TemplateId = email.Id }), Stage("Done"));
        host.SendGrid.ResponseStatus = 400;
        try
        {
            var job = await s.SettledAsync(await s.AddJobAsync(await s.AccountAsync(), pipeline));
            Assert.Equal("failed", job["automation"]!["state"]!.GetValue<string>());
            Assert.Contains("400", job["automation"]!["error"]!.GetValue<string>());
        }
        finally
        {
            host.SendGrid.ResponseStatus = 202;
        }
    }
}

/// <summary>No SendGrid key: emails are logged as notSent and jobs go on.</summary>
public sealed class NoEmailProviderHost : ClientHubHost;

public sealed class NoEmailProviderTests(NoEmailProviderHost host) : IClassFixture<NoEmailProviderHost>
{
    [Fact]
    public async Task Without_a_SendGrid_key_emails_are_logged_as_not_sent_and_the_job_moves_on()
    {
        var s = await Scenario.CreateAsync(host);
        var email = await s.EmailTemplateAsync();
        var pipeline = await s.PipelineAsync(Stage("Start", true, null, new SendEmail { TemplateId = email.Id }), Stage("Done"));
        var jobId = await s.AddJobAsync(await s.AccountAsync(), pipeline);

        await s.AtStageAsync(jobId, pipeline.Stages[1]);

        var entry = (await s.Api.GetAsync($"/api/emails?jobId={jobId}").ExpectAsync(200))["items"]!.AsArray().Single()!;
        Assert.Equal("notSent", entry["status"]!.GetValue<string>());
        Assert.Contains("not configured", entry["error"]!.GetValue<string>());
    }
}
