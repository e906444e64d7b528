using ClientHub.Core.Clients;
using ClientHub.Core.Jobs;
using ClientHub.Core.Pipelines;

namespace ClientHub.Core.Tests.Jobs;

public sealed class JobMachineTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private static readonly Account Client = new("acc", "Jordan", AccountType.Individual, ["Individual"]);

    private static Stage Stage(string id, bool automove = false, string[]? tags = null, int automations = 0) => new()
    {
        Id = id, Name = id, Automove = automove, Conditions = tags is null ? null : new Conditions(tags),
        Automations = Enumerable.Range(0, automations).Select(i => (Automation)new SendEmail { Id = $"{id}-a{i}", TemplateId = "t" }).ToList(),
    };

    private static Pipeline Pipeline(params Stage[] stages) => new("p", "Pipeline", stages);

    private static Job Draft() => new() { Id = new JobId("job"), FirmId = new FirmId("firm"), Name = "Job", AccountId = "acc", PipelineId = "p", StageId = "" };

    private static Transition Add(Pipeline pipeline, string? stageId = null) =>
        JobMachine.Add(Draft(), pipeline, stageId, null, Actor.Staff("s"), Client, Now);

    private static Transition Finish(Job job, Pipeline pipeline, int index) =>
        JobMachine.AutomationDone(job, pipeline, job.EntrySeq, index, j => j, new HistoryEntry(Now, HistoryKinds.Automation, job.StageId, job.StageId, Actor.System, null), Client, Now);

    [Fact]
    public void Adding_a_job_enters_the_first_stage_and_asks_for_its_first_automation()
    {
        var added = Add(Pipeline(Stage("a", automations: 2), Stage("b")));

        Assert.Equal("a", added.Job.StageId);
        Assert.Equal(1, added.Job.EntrySeq);
        Assert.Equal(AutomationState.Running, added.Job.Automation);
        Assert.Equal(new RunAutomation(1, 0, "a-a0"), Assert.Single(added.Effects.OfType<RunAutomation>()));
    }

    [Fact]
    public void Adding_a_job_publishes_job_created_with_its_first_stage()
    {
        var added = Add(Pipeline(Stage("a", automations: 1), Stage("b")));

        var created = Assert.Single(added.Effects.OfType<PublishEvent>());
        Assert.Equal(("job.created", "a"), (created.Type, created.ToStageId));
    }

    [Fact]
    public void A_failed_automation_publishes_automation_failed_and_a_stale_failure_publishes_nothing()
    {
        var pipeline = Pipeline(Stage("a", automations: 1), Stage("b"));
        var job = Add(pipeline).Job;

        var failed = JobMachine.AutomationFailed(job, 1, 0, "SendGrid answered 503", Now);
        var stale = JobMachine.AutomationFailed(job, 2, 0, "SendGrid answered 503", Now);

        Assert.Equal("automation.failed", Assert.Single(failed.Effects.OfType<PublishEvent>()).Type);
        Assert.Empty(stale.Effects);
    }

    [Fact]
    public void An_automove_finishing_an_entry_in_an_activity_leaves_the_next_run_to_the_orchestration_but_keeps_its_event()
    {
        var pipeline = Pipeline(Stage("a", automove: true, automations: 1), Stage("b", automations: 1), Stage("c"));
        var added = Add(pipeline).Job;

        var done = Finish(added, pipeline, 0).Without<RunAutomation>();

        Assert.Equal(("b", 2, AutomationState.Running), (done.Job.StageId, done.Job.EntrySeq, done.Job.Automation));
        Assert.Empty(done.Effects.OfType<RunAutomation>());
        Assert.Equal("job.moved", Assert.Single(done.Effects.OfType<PublishEvent>()).Type);
    }

    [Fact]
    public void Automations_run_one_after_another_and_the_entry_finishes_after_the_last()
    {
        var pipeline = Pipeline(Stage("a", automations: 2), Stage("b"));
        var job = Add(pipeline).Job;

        var first = Finish(job, pipeline, 0);
        Assert.Equal(new RunAutomation(1, 1, "a-a1"), Assert.Single(first.Effects.OfType<RunAutomation>()));
        var second = Finish(first.Job, pipeline, 1);

        Assert.Empty(second.Effects.OfType<RunAutomation>());
        Assert.Equal(AutomationState.Idle, second.Job.Automation);
    }

    [Fact]
    public void A_duplicate_automation_run_changes_nothing()
    {
        var pipeline = Pipeline(Stage("a", automations: 2), Stage("b"));
        var job = Finish(Add(pipeline).Job, pipeline, 0).Job;

        var again = Finish(job, pipeline, 0);

        Assert.Same(job, again.Job);
        Assert.Empty(again.Effects);
        Assert.Empty(again.History);
    }

    [Fact]
    public void A_stage_with_nothing_to_wait_for_and_automove_on_moves_at_once()
    {
        var moved = Add(Pipeline(Stage("a", automove: true), Stage("b", automove: true), Stage("c")));

        Assert.Equal("c", moved.Job.StageId);
        Assert.Equal(3, moved.Job.EntrySeq);
        Assert.Equal(["added", "moved", "moved"], moved.History.Select(h => h.Kind));
    }

    [Fact]
    public void Automove_skips_a_stage_whose_tags_the_account_lacks()
    {
        var moved = Add(Pipeline(Stage("a", automove: true), Stage("business", tags: ["Business"]), Stage("c")));

        Assert.Equal("c", moved.Job.StageId);
    }

    [Fact]
    public void Automove_waits_while_an_item_of_the_entry_is_pending()
    {
        var pipeline = Pipeline(Stage("a", automove: true, automations: 1), Stage("b"));
        var job = Add(pipeline).Job;

        var waiting = JobMachine.AutomationDone(job, pipeline, 1, 0, j => j with { PendingItems = 1 },
            new HistoryEntry(Now, HistoryKinds.Automation, "a", "a", Actor.System, null), Client, Now);
        Assert.Equal("a", waiting.Job.StageId);

        var completed = JobMachine.ItemCompleted(waiting.Job, pipeline, 1, "item", Actor.Staff("s"), Client, Now);
        Assert.Equal("b", completed.Job.StageId);
        Assert.Equal(Actor.Automove, completed.History.Last().By);
    }

    [Fact]
    public void A_completion_from_an_older_entry_does_not_move_the_job()
    {
        var pipeline = Pipeline(Stage("a", automove: true, automations: 1), Stage("b"));
        var job = Add(pipeline).Job with { PendingItems = 1, Automation = AutomationState.Idle, EntrySeq = 3 };

        var stale = JobMachine.ItemCompleted(job, pipeline, itemEntrySeq: 1, "item", Actor.Staff("s"), Client, Now);

        Assert.Equal("a", stale.Job.StageId);
        Assert.Equal(1, stale.Job.PendingItems);
    }

    [Fact]
    public void The_last_stage_never_automoves()
    {
        var pipeline = Pipeline(Stage("a"), Stage("last", automove: true));
        var job = JobMachine.Move(Add(pipeline).Job, pipeline, "last", null, Actor.Staff("s"), Client, Now).Job;

        Assert.Equal("last", job.StageId);
        Assert.Equal(AutomationState.Idle, job.Automation);
    }

    [Fact]
    public void Moving_back_into_a_stage_is_a_new_entry_that_runs_its_automations_again()
    {
        var pipeline = Pipeline(Stage("a", automations: 1), Stage("b"));
        var job = Finish(Add(pipeline).Job, pipeline, 0).Job;
        job = JobMachine.Move(job, pipeline, "b", null, Actor.Staff("s"), Client, Now).Job;

        var back = JobMachine.Move(job, pipeline, "a", null, Actor.Staff("s"), Client, Now);

        Assert.Equal(3, back.Job.EntrySeq);
        Assert.Equal(new RunAutomation(3, 0, "a-a0"), Assert.Single(back.Effects.OfType<RunAutomation>()));
    }

    [Fact]
    public void A_move_to_a_stage_of_another_pipeline_is_rejected()
    {
        var pipeline = Pipeline(Stage("a"), Stage("b"));
        var job = Add(pipeline).Job;

        var rejected = Assert.Throws<StageTransitionRejected>(() => JobMachine.Move(job, pipeline, "elsewhere", null, Actor.Staff("s"), Client, Now));
        Assert.Equal("elsewhere", rejected.ToStageId);
    }

    [Fact]
    public void A_completed_job_cannot_be_moved()
    {
        var pipeline = Pipeline(Stage("a"), Stage("b"));
        var job = JobMachine.Complete(Add(pipeline).Job, Actor.Staff("s"), Now).Job;

        Assert.Throws<StageTransitionRejected>(() => JobMachine.Move(job, pipeline, "b", null, Actor.Staff("s"), Client, Now));
    }

    [Fact]
    public void Retry_resumes_at_the_automation_that_failed()
    {
        var pipeline = Pipeline(Stage("a", automations: 3), Stage("b"));
        var job = Finish(Add(pipeline).Job, pipeline, 0).Job;
        var failed = JobMachine.AutomationFailed(job, 1, 1, "SendGrid answered 503", Now).Job;
        Assert.Equal(AutomationState.Failed, failed.Automation);

        var resumed = JobMachine.Retry(failed, pipeline, Actor.Staff("s"), Client, Now);

        Assert.Equal(AutomationState.Running, resumed.Job.Automation);
        Assert.Null(resumed.Job.AutomationError);
        Assert.Equal(new RunAutomation(1, 1, "a-a1", Retries: 1), Assert.Single(resumed.Effects.OfType<RunAutomation>()));
    }

    [Fact]
    public void Completing_or_archiving_a_job_whose_automations_run_stops_the_chain()
    {
        var pipeline = Pipeline(Stage("a", automations: 2), Stage("b"));
        var running = Add(pipeline).Job;
        Assert.Equal(AutomationState.Running, running.Automation);

        Assert.Equal(AutomationState.Idle, JobMachine.Complete(running, Actor.Staff("s"), Now).Job.Automation);
        Assert.Equal(AutomationState.Idle, JobMachine.Archive(running, Actor.Staff("s"), Now).Job.Automation);
    }

    [Fact]
    public void A_failed_automation_of_a_job_no_longer_active_cannot_be_retried()
    {
        var pipeline = Pipeline(Stage("a", automations: 2), Stage("b"));
        var failed = JobMachine.AutomationFailed(Add(pipeline).Job, 1, 0, "SendGrid answered 503", Now).Job;
        var completed = JobMachine.Complete(failed, Actor.Staff("s"), Now).Job;
        Assert.Equal(AutomationState.Failed, completed.Automation);

        Assert.Throws<StageTransitionRejected>(() => JobMachine.Retry(completed, pipeline, Actor.Staff("s"), Client, Now));
    }

    private static Pipeline WithoutAutomation(Pipeline pipeline, string automationId) => pipeline with
    {
        Stages = pipeline.Stages.Select(st => st with { Automations = st.Automations.Where(a => a.Id != automationId).ToList() }).ToList(),
    };

    [Fact]
    public void An_automation_removed_before_the_running_one_does_not_make_the_chain_skip_the_rest()
    {
        var pipeline = Pipeline(Stage("a", automations: 4), Stage("b"));
        var job = Finish(Finish(Add(pipeline).Job, pipeline, 0).Job, pipeline, 1).Job;
        Assert.Equal("a-a2", job.NextAutomationId);

        // a-a0 is removed while a-a2 runs: a-a2 now sits at position 1, and a-a3 still comes after it.
        var edited = WithoutAutomation(pipeline, "a-a0");
        var done = Finish(job, edited, 2);

        Assert.Equal(new RunAutomation(1, 2, "a-a3"), Assert.Single(done.Effects.OfType<RunAutomation>()));
        Assert.Equal(AutomationState.Running, done.Job.Automation);
    }

    [Fact]
    public void When_the_awaited_automation_is_removed_the_one_that_took_its_place_runs_next()
    {
        var pipeline = Pipeline(Stage("a", automations: 3), Stage("b"));
        var job = Finish(Add(pipeline).Job, pipeline, 0).Job;

        var done = Finish(job, WithoutAutomation(pipeline, "a-a1"), 1);

        Assert.Equal(new RunAutomation(1, 1, "a-a2"), Assert.Single(done.Effects.OfType<RunAutomation>()));
        Assert.False(JobMachine.IsCurrent(done.Job, 1, 1, "a-a1"));
        Assert.True(JobMachine.IsCurrent(done.Job, 1, 1, "a-a2"));
    }

    [Fact]
    public void Retry_after_an_edit_resumes_the_failed_automation_where_it_now_is()
    {
        var pipeline = Pipeline(Stage("a", automations: 3), Stage("b"));
        var job = Finish(Finish(Add(pipeline).Job, pipeline, 0).Job, pipeline, 1).Job;
        var failed = JobMachine.AutomationFailed(job, 1, 2, "SendGrid answered 503", Now).Job;

        var resumed = JobMachine.Retry(failed, WithoutAutomation(pipeline, "a-a0"), Actor.Staff("s"), Client, Now);

        Assert.Equal(new RunAutomation(1, 1, "a-a2", Retries: 1), Assert.Single(resumed.Effects.OfType<RunAutomation>()));
    }

    [Fact]
    public void Moving_the_failed_automation_first_does_not_run_again_the_ones_that_ran()
    {
        var pipeline = Pipeline(Stage("a", automations: 3), Stage("b"));
        var job = Finish(Add(pipeline).Job, pipeline, 0).Job;
        var failed = JobMachine.AutomationFailed(job, 1, 1, "SendGrid answered 503", Now).Job;
        var stage = pipeline.Stages[0];
        var reordered = pipeline with { Stages = [stage with { Automations = [stage.Automations[1], stage.Automations[0], stage.Automations[2]] }, pipeline.Stages[1]] };

        var resumed = JobMachine.Retry(failed, reordered, Actor.Staff("s"), Client, Now);
        Assert.Equal(new RunAutomation(1, 0, "a-a1", Retries: 1), Assert.Single(resumed.Effects.OfType<RunAutomation>()));
        var next = Finish(resumed.Job, reordered, 0);

        Assert.Equal(new RunAutomation(1, 2, "a-a2", Retries: 1), Assert.Single(next.Effects.OfType<RunAutomation>()));
    }

    [Fact]
    public void A_job_written_before_the_run_automations_were_recorded_goes_on_from_where_it_waits()
    {
        var pipeline = Pipeline(Stage("a", automations: 4), Stage("b"));
        var legacy = Finish(Finish(Add(pipeline).Job, pipeline, 0).Job, pipeline, 1).Job with { AutomationsRun = [], NextAutomationId = null };

        var next = Finish(legacy, pipeline, 2);

        Assert.Equal(new RunAutomation(1, 3, "a-a3"), Assert.Single(next.Effects.OfType<RunAutomation>()));
    }

    [Fact]
    public void A_poisoned_message_from_before_a_retry_is_not_current()
    {
        var pipeline = Pipeline(Stage("a", automations: 2), Stage("b"));
        var failed = JobMachine.AutomationFailed(Add(pipeline).Job, 1, 0, "SendGrid answered 503", Now).Job;
        var resumed = JobMachine.Retry(failed, pipeline, Actor.Staff("s"), Client, Now).Job;

        Assert.False(JobMachine.IsCurrent(resumed, 1, 0, "a-a0", retries: 0));
        Assert.True(JobMachine.IsCurrent(resumed, 1, 0, "a-a0", retries: 1));
    }

    [Fact]
    public void A_retry_with_nothing_left_to_run_finishes_the_entry_and_automoves()
    {
        var pipeline = Pipeline(Stage("a", automove: true, automations: 1), Stage("b"));
        var failed = JobMachine.AutomationFailed(Add(pipeline).Job, 1, 0, "SendGrid answered 503", Now).Job;

        var resumed = JobMachine.Retry(failed, WithoutAutomation(pipeline, "a-a0"), Actor.Staff("s"), Client, Now);

        Assert.Equal("b", resumed.Job.StageId);
    }

    [Fact]
    public void A_move_that_hides_the_status_keeps_the_carried_status_hidden()
    {
        var pipeline = Pipeline(Stage("a"), Stage("b"));
        var job = Add(pipeline).Job with { ClientFacing = new ClientFacingSetting("waiting", null, true) };

        var moved = JobMachine.Move(job, pipeline, "b", visible: false, Actor.Staff("s"), Client, Now).Job;

        Assert.Equal(new ClientFacingSetting("waiting", null, false), moved.ClientFacing);
    }

    [Fact]
    public void The_entrys_show_or_hide_choice_wins_over_the_automation()
    {
        var job = Draft() with { EntryVisibilityOverride = false };

        var setting = JobMachine.ClientFacingAfter(job, new UpdateClientFacingStatus { Visible = true, StatusId = "filed" });

        Assert.False(setting.Visible);
        Assert.Equal("filed", setting.StatusId);
    }
}
