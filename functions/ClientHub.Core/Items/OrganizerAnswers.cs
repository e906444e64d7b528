using System.Globalization;
using System.Text.Json;
using ClientHub.Core.Templates;

namespace ClientHub.Core.Items;

/// <summary>What an organizer's answers must be: of their question's type, and every required one given on submission.</summary>
public static class OrganizerAnswers
{
    public const int MaxText = 4_000;

    /// <param name="given">The answers of this call: each must name a question and fit its type.</param>
    /// <param name="merged">The answers as they will be saved: on submission every required question must be among them.</param>
    public static IReadOnlyList<RuleViolation> Check(IReadOnlyList<OrganizerQuestion> questions, IReadOnlyDictionary<string, JsonElement> given,
        IReadOnlyDictionary<string, JsonElement> merged, bool submit)
    {
        var byId = questions.ToDictionary(q => q.Id, StringComparer.Ordinal);
        var violations = new List<RuleViolation>();
        foreach (var (id, value) in given)
        {
            if (!byId.TryGetValue(id, out var question)) violations.Add(new($"answers.{id}", "No such question."));
            else if (value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined) && Problem(question, value) is { } problem)
                violations.Add(new($"answers.{id}", problem));
        }
        if (submit)
            violations.AddRange(questions.Where(q => q.Required && !merged.ContainsKey(q.Id))
                .Select(q => new RuleViolation($"answers.{q.Id}", "Required.")));
        return violations;
    }

    /// <summary>Why <paramref name="value"/> does not answer <paramref name="question"/>, or null when it does.</summary>
    public static string? Problem(OrganizerQuestion question, JsonElement value) => question.Type switch
    {
        QuestionTypes.Text => value is { ValueKind: JsonValueKind.String } && value.GetString()!.Length <= MaxText
            ? null : $"Text of at most {MaxText} characters.",
        QuestionTypes.Number => value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out _) ? null : "A number.",
        QuestionTypes.YesNo => value.ValueKind is JsonValueKind.True or JsonValueKind.False ? null : "true or false.",
        QuestionTypes.Date => value.ValueKind == JsonValueKind.String
            && DateOnly.TryParseExact(value.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _)
            ? null : "A date as yyyy-MM-dd.",
        QuestionTypes.Choice => value.ValueKind == JsonValueKind.String && (question.Choices ?? []).Contains(value.GetString())
            ? null : $"One of {string.Join(", ", question.Choices ?? [])}.",
        // A file answer names a document the client uploaded to the account.
        QuestionTypes.File => value is { ValueKind: JsonValueKind.String } && Ids.IsWellFormed(value.GetString()) ? null : "A document id.",
        _ => "This question cannot be answered.",
    };
}
