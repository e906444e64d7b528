using ClientHub.Core.Items;

namespace ClientHub.Core.Templates;

/// <summary>What makes a template valid (API.md "Templates and statuses", "Errors" limits).</summary>
public static class TemplateRules
{
    /// <summary>Input limits of the contract: names and titles, descriptions, template bodies.</summary>
    public const int MaxName = 200, MaxDescription = 4_000, MaxBody = 100_000;

    public static IReadOnlyList<string> QuestionTypes => Templates.QuestionTypes.All;
    public static readonly IReadOnlyList<string> Priorities = ["Low", "Medium", "High", "Urgent"];

    /// <summary>The ids of other templates a template points at (a proposal's invoice template).</summary>
    public static IEnumerable<string> ReferencedTemplateIds(Template template) =>
        template is ProposalTemplate { InvoiceTemplateId: { } id } ? [id] : [];

    public static IReadOnlyList<RuleViolation> Validate(Template template, FirmReferences references)
    {
        var v = new Violations();
        v.Required("name", template.Name, MaxName);
        switch (template)
        {
            case EmailTemplate t:
                v.Required("subject", t.Subject, MaxName);
                v.Required("body", t.Body, MaxBody);
                break;
            case TaskTemplate t:
                v.Required("title", t.Title, MaxName);
                v.MaxLength("description", t.Description, MaxDescription);
                v.NotNegative("dueInDays", t.DueInDays);
                ValidateAssignee(v, t.Assignee, references);
                break;
            case RequestTemplate t:
                v.Required("title", t.Title, MaxName);
                v.MaxLength("description", t.Description, MaxDescription);
                ValidateRequestItems(v, t.Items);
                break;
            case OrganizerTemplate t:
                v.Required("title", t.Title, MaxName);
                ValidateQuestions(v, t.Questions);
                break;
            case InvoiceTemplate t:
                ValidateInvoice(v, t);
                break;
            case ProposalTemplate t:
                v.Required("title", t.Title, MaxName);
                v.MaxLength("body", t.Body, MaxBody);
                if (t.InvoiceTemplateId is not null && !references.IsTemplateOfKind(t.InvoiceTemplateId, TemplateKinds.Invoice))
                    v.Add("invoiceTemplateId", "No invoice template with this id.");
                break;
            case MessageTemplate t:
                v.Required("subject", t.Subject, MaxName);
                v.MaxLength("body", t.Body, MaxBody);
                var tasks = v.List("clientTasks", t.ClientTasks);
                for (var i = 0; i < tasks.Count; i++) v.Required($"clientTasks[{i}]", tasks[i], MaxName);
                break;
            case FolderTemplate t:
                ValidateFolders(v, t.Folders);
                break;
            case JobTemplate t:
                ValidateJob(v, t, references);
                break;
        }
        return v.Items;
    }

    private static void ValidateAssignee(Violations v, TaskAssignee? assignee, FirmReferences references)
    {
        switch (assignee)
        {
            case null:
                return;
            case { StaffId: { } staffId, Role: null }:
                if (!references.StaffIds.Contains(staffId)) v.Add("assignee.staffId", "No staff member with this id.");
                return;
            case { StaffId: null, Role: TaskAssignee.JobAssignees }:
                return;
            default:
                v.Add("assignee", $"Either {{ \"staffId\" }} or {{ \"role\": \"{TaskAssignee.JobAssignees}\" }}.");
                return;
        }
    }

    private static void ValidateRequestItems(Violations v, IReadOnlyList<RequestTemplateItem>? items)
    {
        if (items is null or { Count: 0 })
        {
            v.Add("items", "At least one item is required.");
            return;
        }
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is not { } item)
            {
                v.Add($"items[{i}]", "Required.");
                continue;
            }
            v.Required($"items[{i}].title", item.Title, MaxName);
            v.MaxLength($"items[{i}].description", item.Description, MaxDescription);
        }
    }

    private static void ValidateQuestions(Violations v, IReadOnlyList<OrganizerQuestion>? questions)
    {
        // Answers are keyed by question id, so ids must be usable keys and unique.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        questions = v.List("questions", questions);
        for (var i = 0; i < questions.Count; i++)
        {
            if (questions[i] is not { } q)
            {
                v.Add($"questions[{i}]", "Required.");
                continue;
            }
            if (!Ids.IsWellFormed(q.Id)) v.Add($"questions[{i}].id", "Required: letters, digits, '-' or '_', at most 64.");
            else if (!seen.Add(q.Id)) v.Add($"questions[{i}].id", "Question ids must be unique.");
            v.Required($"questions[{i}].text", q.Text, MaxDescription);
            if (!QuestionTypes.Contains(q.Type)) v.Add($"questions[{i}].type", $"One of {string.Join(", ", QuestionTypes)}.");
            if (q.Type == Templates.QuestionTypes.Choice)
            {
                if (q.Choices is not { Count: > 0 } choices || choices.Any(string.IsNullOrWhiteSpace))
                    v.Add($"questions[{i}].choices", "A choice question needs at least one non-empty choice.");
                else if (choices.Distinct().Count() != choices.Count) v.Add($"questions[{i}].choices", "Choices must be unique.");
                else foreach (var choice in choices) v.MaxLength($"questions[{i}].choices", choice, MaxName);
            }
            else if (q.Choices is not null) v.Add($"questions[{i}].choices", "Only choice questions have choices.");
        }
    }

    private static void ValidateInvoice(Violations v, InvoiceTemplate t)
    {
        if (!IsCurrencyCode(t.Currency)) v.Add("currency", "A 3-letter ISO 4217 code such as USD.");
        v.NotNegative("dueInDays", t.DueInDays);
        if (t.Lines is null or { Count: 0 })
        {
            v.Add("lines", "At least one line is required.");
            return;
        }
        for (var i = 0; i < t.Lines.Count; i++)
        {
            if (t.Lines[i] is not { } line)
            {
                v.Add($"lines[{i}]", "Required.");
                continue;
            }
            v.MaxLength($"lines[{i}].description", line.Description, MaxDescription);
            if (line.Quantity is <= 0 or > InvoiceItem.MaxQuantity)
                v.Add($"lines[{i}].quantity", $"Must be greater than 0 and at most {InvoiceItem.MaxQuantity:0}.");
            if (line.UnitPrice is < 0 or > InvoiceItem.MaxAmount) v.Add($"lines[{i}].unitPrice", $"Must be between 0 and {InvoiceItem.MaxAmount:0}.");
        }
    }

    private static bool IsCurrencyCode(string? code) => code is { Length: 3 } && code.All(char.IsAsciiLetterUpper);

    private static void ValidateFolders(Violations v, IReadOnlyList<string>? submitted)
    {
        var folders = v.List("folders", submitted);
        for (var i = 0; i < folders.Count; i++)
        {
            var path = folders[i];
            if (string.IsNullOrWhiteSpace(path)) v.Add($"folders[{i}]", "Required.");
            // Paths are created under the account's documents; ".." would climb out of them.
            else if (path.Split('/', '\\').Any(segment => segment.Trim() == "..")) v.Add($"folders[{i}]", "Must not contain '..'.");
            else v.MaxLength($"folders[{i}]", path, MaxDescription);
        }
    }

    private static void ValidateJob(Violations v, JobTemplate t, FirmReferences references)
    {
        v.Required("jobName", t.JobName, MaxName);
        if (t.Priority is not null && !Priorities.Contains(t.Priority)) v.Add("priority", $"One of {string.Join(", ", Priorities)}.");
        v.NotNegative("startInDays", t.StartInDays);
        v.NotNegative("dueInDays", t.DueInDays);
        var assignees = v.List("assigneeIds", t.AssigneeIds);
        for (var i = 0; i < assignees.Count; i++)
            if (assignees[i] is null || !references.StaffIds.Contains(assignees[i])) v.Add($"assigneeIds[{i}]", "No staff member with this id.");
        if (t.ClientFacingStatusId is not null && !references.StatusIds.Contains(t.ClientFacingStatusId))
            v.Add("clientFacingStatusId", "No client-facing status with this id.");
    }
}
