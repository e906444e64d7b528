using ClientHub.Core.Jobs;
using ClientHub.Core.Templates;

namespace ClientHub.Core.Tests.Templates;

public sealed class JobTemplatingTests
{
    [Fact]
    public void Shortcodes_name_the_date_the_job_is_about()
    {
        Assert.Equal("Jordan - December 2026 (Q4)",
            JobTemplating.Name("[ACCOUNT_NAME] - [MONTH] [YEAR] ([QUARTER])", "Jordan", new DateOnly(2026, 12, 31)));
        Assert.Equal("Q1 2027", JobTemplating.Name("[QUARTER] [YEAR]", "Jordan", new DateOnly(2027, 1, 1)));
    }

    [Fact]
    public void A_template_without_priority_or_status_gives_medium_and_none()
    {
        var template = new JobTemplate { Name = "t", JobName = "j", Priority = "Urgent", ClientFacingStatusId = "s" };

        Assert.Equal(Priority.Medium, JobTemplating.PriorityOf(template with { Priority = null }));
        Assert.Equal(Priority.Urgent, JobTemplating.PriorityOf(template));
        Assert.Null(JobTemplating.ClientFacingOf(template with { ClientFacingStatusId = null }, visible: null));
        Assert.Equal(new ClientFacingSetting("s", null, false), JobTemplating.ClientFacingOf(template, visible: false));
    }
}
