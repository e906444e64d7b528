using System.Text.RegularExpressions;

namespace ClientHub.Core.Email;

/// <summary>What a client wrote in an emailed reply, without the history their mail program quoted below it.</summary>
public static partial class ReplyText
{
    /// <summary>The most a reply keeps: the portal's limit on a comment's text.</summary>
    public const int MaxLength = 4000;

    /// <summary>
    /// The text up to the first quoted line (<c>&gt; …</c>), the first "On … wrote:" line (Gmail, Apple Mail; Gmail may break
    /// it over two lines) or Outlook's "-----Original Message-----", trimmed and cut to <see cref="MaxLength"/> characters.
    /// </summary>
    public static string Strip(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var lines = text.Replace("\r\n", "\n").Split('\n');
        var kept = new List<string>();
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimStart();
            if (line.StartsWith('>') || OriginalMessage().IsMatch(line) || Wrote().IsMatch(line)) break;
            if (line.StartsWith("On ", StringComparison.Ordinal) && i + 1 < lines.Length && Wrote().IsMatch(line + " " + lines[i + 1].Trim())) break;
            kept.Add(lines[i]);
        }
        var result = string.Join('\n', kept).Trim();
        return result.Length <= MaxLength ? result : result[..MaxLength].TrimEnd();
    }

    [GeneratedRegex(@"^On\s.+\swrote:\s*$")]
    private static partial Regex Wrote();

    [GeneratedRegex(@"^-{2,}\s*Original Message\s*-{2,}", RegexOptions.IgnoreCase)]
    private static partial Regex OriginalMessage();
}
