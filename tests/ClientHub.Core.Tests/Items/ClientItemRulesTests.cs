using System.Text.Json;
using ClientHub.Core.Items;
using ClientHub.Core.Templates;
using TaskStatus = ClientHub.Core.Items.TaskStatus;

namespace ClientHub.Core.Tests.Items;

/// <summary>What a client may do to an item, on plain values.</summary>
public sealed class ClientItemRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 9, 0, 0, TimeSpan.Zero);

    private static Dictionary<string, JsonElement> Answers(object answers) =>
        JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(JsonSerializer.Serialize(answers))!;

    private static readonly OrganizerItem Organizer = new()
    {
        Id = "j-1", Title = "Intake",
        Questions = [new("name", "Name", "text", Required: true), new("kids", "Kids", "number"), new("state", "State", "choice", Choices: ["CA"])],
    };

    [Fact]
    public void A_draft_keeps_answers_of_the_right_type_and_a_null_clears_one()
    {
        var draft = Organizer.Answered(Answers(new { kids = 2, state = "CA" }), submit: false, Now);
        var cleared = draft.Answered(Answers(new { kids = (int?)null }), submit: false, Now);

        Assert.Equal(OrganizerStatus.Sent, cleared.Status);
        Assert.Equal(["state"], cleared.Answers.Keys);
    }

    [Fact]
    public void Answers_of_the_wrong_type_or_to_no_question_are_refused_by_field()
    {
        var invalid = Assert.Throws<ItemInputInvalid>(() => Organizer.Answered(Answers(new { kids = "two", state = "NY", other = 1 }), false, Now));
        Assert.Equal(["answers.kids", "answers.other", "answers.state"], invalid.Violations.Select(v => v.Field).Order());
    }

    [Fact]
    public void A_submission_needs_every_required_answer_and_then_the_organizer_is_read_only()
    {
        Assert.Contains(Assert.Throws<ItemInputInvalid>(() => Organizer.Answered(Answers(new { kids = 1 }), true, Now)).Violations,
            v => v.Field == "answers.name");
        var submitted = Organizer.Answered(Answers(new { name = "Jordan" }), true, Now);

        Assert.True(submitted.IsComplete);
        Assert.Throws<ItemChangeRejected>(() => submitted.Answered(Answers(new { kids = 1 }), false, Now));
    }

    [Fact]
    public void An_invoice_takes_payments_up_to_its_balance()
    {
        var invoice = new InvoiceItem { Id = "j-2", Total = 100m };
        var partly = invoice.WithPayment(40m, "contact:c", Now);

        Assert.Equal(InvoiceStatus.PartiallyPaid, partly.Status);
        Assert.Throws<ItemInputInvalid>(() => partly.WithPayment(60.01m, "contact:c", Now));
        var paid = partly.WithPayment(60m, "contact:c", Now);
        Assert.True(paid.IsComplete);
        Assert.Throws<ItemChangeRejected>(() => paid.WithPayment(1m, "contact:c", Now));
    }

    [Fact]
    public void A_proposal_with_an_invoice_is_complete_only_once_signed_and_paid()
    {
        var proposal = new ProposalItem { Id = "j-3", Title = "Letter", InvoiceId = "j-4" };
        var signed = proposal.Signed("Jordan", "203.0.113.7", Now);

        Assert.False(signed.IsComplete);
        Assert.True((signed with { InvoicePaid = true }).IsComplete);
        Assert.True((proposal with { InvoiceId = null }).Signed("Jordan", null, Now).IsComplete);
        Assert.Throws<ItemChangeRejected>(() => signed.Declined("no", Now));
    }

    [Fact]
    public void A_submitted_request_is_read_only_for_the_client()
    {
        var request = new RequestItem { Id = "j-5", Title = "Docs", Items = [new("i1", "W-2", null, TaskStatus.Todo, [], [])] };
        var submitted = request.Submitted();

        Assert.True(submitted.IsComplete);
        Assert.Throws<ItemChangeRejected>(() => submitted.ByClient(r => r.WithEntry("i1", e => e with { Status = TaskStatus.Done })));
        Assert.Throws<ItemChangeRejected>(() => submitted.Submitted());
        Assert.Equal("Requests/Docs", request.Folder);
        Assert.Equal("Requests/a-b", (request with { Title = "a/b" }).Folder);
    }
}
