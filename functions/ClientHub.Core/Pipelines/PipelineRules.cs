using ClientHub.Core.Templates;

namespace ClientHub.Core.Pipelines;

/// <summary>
/// What makes a pipeline definition valid (API.md "Pipelines"; DESIGN.md "Behaviour that must
/// hold"), and how stage and automation ids are kept across edits.
/// </summary>
public static class PipelineRules
{
    /// <summary>The longest stage time limit: ten years is beyond any real stage.</summary>
    public const int MaxTimeLimitDays = 3650;

    public const int MinStages = 2, MinDaysBetween = 1, MaxDaysBetween = 365, MaxReminderCount = 20;

    /// <summary>The templates the pipeline's automations instantiate.</summary>
    public static IReadOnlySet<string> ReferencedTemplateIds(Pipeline pipeline) =>
        (pipeline.Stages ?? []).Where(s => s is not null)
            .SelectMany(s => s.Automations ?? [])
            .OfType<TemplatedAutomation>()
            .Select(a => a.TemplateId)
            .Where(id => id is not null)
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// Gives an id to every stage and automation that has none and keeps the others: jobs and
    /// their effects are keyed by these ids, so an edit must not renumber them (DESIGN.md, job
    /// engine rule 4). Only call on a pipeline that passed <see cref="Validate"/>.
    /// </summary>
    public static Pipeline WithAssignedIds(this Pipeline pipeline, Func<string> newId) => pipeline with
    {
        Stages = pipeline.Stages.Select(stage => stage with
        {
            Id = string.IsNullOrEmpty(stage.Id) ? newId() : stage.Id,
            Automations = (stage.Automations ?? [])
                .Select(a => string.IsNullOrEmpty(a.Id) ? a with { Id = newId() } : a)
                .ToList(),
        }).ToList(),
    };

    /// <summary>
    /// The violations of a definition as submitted; stage and automation ids may still be absent
    /// (they are assigned afterwards) but those given must be well-formed and unique.
    /// </summary>
    public static IReadOnlyList<RuleViolation> Validate(Pipeline pipeline, FirmReferences references)
    {
        var v = new Violations();
        v.Required("name", pipeline.Name, TemplateRules.MaxName);
        var stages = pipeline.Stages ?? [];
        if (stages.Count < MinStages) v.Add("stages", $"A pipeline needs at least {MinStages} stages.");

        var stageIds = new HashSet<string>(StringComparer.Ordinal);
        var automationIds = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < stages.Count; i++)
        {
            var field = $"stages[{i}]";
            if (stages[i] is not { } stage)
            {
                v.Add(field, "Required.");
                continue;
            }
            ValidateId(v, $"{field}.id", stage.Id, stageIds, "Stage ids must be unique within the pipeline.");
            v.Required($"{field}.name", stage.Name, TemplateRules.MaxName);

            var isFirst = i == 0;
            var isLast = i == stages.Count - 1 && stages.Count >= MinStages;
            if (isLast && stage.Automove) v.Add($"{field}.automove", "Automove is not available on the last stage.");
            // Automove skips a stage whose tags the account lacks; a job must always be able to
            // enter the first stage and reach the last, so those cannot be conditional.
            if ((isFirst || isLast) && stage.Conditions is { IsEmpty: false })
                v.Add($"{field}.conditions", "The first and last stages cannot have tag conditions.");
            ValidateConditions(v, $"{field}.conditions", stage.Conditions, references);
            if (stage.TimeLimitDays is < 1 or > MaxTimeLimitDays) v.Add($"{field}.timeLimitDays", $"Between 1 and {MaxTimeLimitDays} days.");

            var automations = v.List($"{field}.automations", stage.Automations);
            for (var j = 0; j < automations.Count; j++)
            {
                var automationField = $"{field}.automations[{j}]";
                if (automations[j] is not { } automation)
                {
                    v.Add(automationField, "Required.");
                    continue;
                }
                ValidateId(v, $"{automationField}.id", automation.Id, automationIds, "Automation ids must be unique within the pipeline.");
                ValidateConditions(v, $"{automationField}.conditions", automation.Conditions, references);
                ValidateAutomation(v, automationField, automation, references);
            }
        }
        return v.Items;
    }

    private static void ValidateId(Violations v, string field, string? id, HashSet<string> seen, string duplicateMessage)
    {
        if (string.IsNullOrEmpty(id)) return;
        if (!Ids.IsWellFormed(id)) v.Add(field, "Ids are letters, digits, '-' or '_', at most 64 characters.");
        else if (!seen.Add(id)) v.Add(field, duplicateMessage);
    }

    private static void ValidateConditions(Violations v, string field, Conditions? conditions, FirmReferences references)
    {
        var tags = conditions?.Tags ?? [];
        for (var i = 0; i < tags.Count; i++)
            if (tags[i] is null || !references.TagNames.Contains(tags[i])) v.Add($"{field}.tags[{i}]", "No tag with this name.");
    }

    private static void ValidateAutomation(Violations v, string field, Automation automation, FirmReferences references)
    {
        if (automation is TemplatedAutomation templated)
        {
            if (string.IsNullOrEmpty(templated.TemplateId)) v.Add($"{field}.templateId", "Required.");
            else if (!references.TemplateKinds.TryGetValue(templated.TemplateId, out var kind))
                v.Add($"{field}.templateId", "No template with this id.");
            else if (kind != automation.TemplateKind)
                v.Add($"{field}.templateId", $"A {automation.Type} automation needs a {automation.TemplateKind} template, not {kind}.");
        }
        if (automation is RemindingAutomation { Reminders: { } reminders })
        {
            if (reminders.DaysBetween is < MinDaysBetween or > MaxDaysBetween)
                v.Add($"{field}.reminders.daysBetween", $"Between {MinDaysBetween} and {MaxDaysBetween}.");
            if (reminders.Count is < 0 or > MaxReminderCount)
                v.Add($"{field}.reminders.count", $"Between 0 and {MaxReminderCount}.");
            if (reminders.Then is { } then)
            {
                if (then.SetClientFacingStatusId is { } statusId && !references.StatusIds.Contains(statusId))
                    v.Add($"{field}.reminders.then.setClientFacingStatusId", "No client-facing status with this id.");
                RequireKnown(v, $"{field}.reminders.then.addTagIds", then.AddTagIds, references.TagIds, "No tag with this id.");
            }
        }
        switch (automation)
        {
            case UpdateAccountTags tags:
                RequireKnown(v, $"{field}.add", tags.Add, references.TagNames, "No tag with this name.");
                RequireKnown(v, $"{field}.remove", tags.Remove, references.TagNames, "No tag with this name.");
                break;
            case UpdateJobAssignees assignees:
                RequireKnown(v, $"{field}.add", assignees.Add, references.StaffIds, "No staff member with this id.");
                RequireKnown(v, $"{field}.remove", assignees.Remove, references.StaffIds, "No staff member with this id.");
                break;
            case UpdateAccountAccess access:
                RequireKnown(v, $"{field}.grant", access.Grant, references.StaffIds, "No staff member with this id.");
                RequireKnown(v, $"{field}.revoke", access.Revoke, references.StaffIds, "No staff member with this id.");
                break;
            case UpdateClientFacingStatus status:
                if (status.StatusId is not null && !references.StatusIds.Contains(status.StatusId))
                    v.Add($"{field}.statusId", "No client-facing status with this id.");
                v.MaxLength($"{field}.description", status.Description, TemplateRules.MaxDescription);
                break;
        }
    }

    private static void RequireKnown(Violations v, string field, IReadOnlyList<string>? submitted, IReadOnlySet<string> known, string message)
    {
        var values = v.List(field, submitted);
        for (var i = 0; i < values.Count; i++)
            if (values[i] is null || !known.Contains(values[i])) v.Add($"{field}[{i}]", message);
    }
}
