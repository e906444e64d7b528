using System.Text;

namespace ClientHub.Core.Documents;

/// <summary>
/// The names around a document that come from clients: the original file name (shown and offered back on download,
/// never used to name the blob) and the folder it is filed under. Both end up in listings and
/// <c>Content-Disposition</c> headers, where path parts, control characters and bidirectional overrides could
/// mislead a person (<c>invoice‮fdp.exe</c> displays as <c>invoiceexe.pdf</c>) or a program.
/// </summary>
public static class DocumentNames
{
    public const int MaxFileNameLength = 200, MaxFolderLength = 200;
    public const string FallbackFileName = "document";

    // An extension longer than this is more likely part of the name than a type, and is not kept when cutting.
    private const int MaxKeptExtension = 16;

    /// <summary>
    /// The last path segment (either slash), without control or bidirectional-formatting characters, trimmed of dots and
    /// spaces, at most <see cref="MaxFileNameLength"/> characters keeping the extension; <see cref="FallbackFileName"/>
    /// when nothing is left.
    /// </summary>
    public static string SanitizeFileName(string? fileName)
    {
        var name = new StringBuilder();
        var text = fileName ?? "";
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                name.Append(c).Append(text[++i]);
                continue;
            }
            if (char.IsSurrogate(c) || char.IsControl(c) || IsBidiFormatting(c)) continue;
            if (c is '/' or '\\') name.Clear();
            else name.Append(c);
        }
        var result = name.ToString().Trim('.', ' ');
        if (result.Length > MaxFileNameLength) result = Shorten(result);
        return result.Length == 0 ? FallbackFileName : result;
    }

    /// <summary>
    /// A folder as stored and filtered on: trimmed <c>/</c>-separated segments (one leading or trailing slash is
    /// tolerated), none empty, <c>.</c> or <c>..</c>, no backslashes or control characters, at most
    /// <see cref="MaxFolderLength"/> characters. Empty or absent means no folder (null).
    /// </summary>
    /// <returns>False with the reason when the folder is not acceptable.</returns>
    public static bool TryNormalizeFolder(string? folder, out string? normalized, out string? error)
    {
        normalized = null;
        error = null;
        var trimmed = (folder ?? "").Trim();
        if (trimmed.StartsWith('/')) trimmed = trimmed[1..];
        if (trimmed.EndsWith('/')) trimmed = trimmed[..^1];
        if (trimmed.Length == 0) return true;
        var segments = trimmed.Split('/').Select(s => s.Trim()).ToArray();
        if (segments.Any(s => s.Length == 0)) error = "Folder segments cannot be empty.";
        else if (segments.Any(s => s is "." or "..")) error = "Folder segments cannot be '.' or '..'.";
        else if (trimmed.Any(c => c == '\\' || char.IsControl(c) || IsBidiFormatting(c)))
            error = "Folders cannot contain backslashes or control characters.";
        if (error is not null) return false;
        normalized = string.Join('/', segments);
        if (normalized.Length <= MaxFolderLength) return true;
        (normalized, error) = (null, $"At most {MaxFolderLength} characters.");
        return false;
    }

    /// <summary>U+200E/U+200F (LRM/RLM), U+061C (ALM), U+202A–U+202E (embeddings, overrides) and U+2066–U+2069 (isolates).</summary>
    private static bool IsBidiFormatting(char c) =>
        c is '\u200E' or '\u200F' or '\u061C' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');

    private static string Shorten(string name)
    {
        var dot = name.LastIndexOf('.');
        var extension = dot > 0 && name.Length - dot <= MaxKeptExtension ? name[dot..] : "";
        var stemLength = MaxFileNameLength - extension.Length;
        // Never cut between the two halves of a surrogate pair.
        if (char.IsHighSurrogate(name[stemLength - 1])) stemLength--;
        return name[..stemLength].TrimEnd('.', ' ') + extension;
    }
}
