using System.Net;
using System.Text.RegularExpressions;

namespace ClientHub.Core.Templates;

/// <summary>
/// Renders <c>{{account.name}}</c>-style placeholders. Values are HTML-escaped in bodies (a client
/// named "&lt;script&gt;" must not inject markup into the firm's email); unknown placeholders stay as written.
/// </summary>
public static partial class Placeholders
{
    [GeneratedRegex(@"\{\{\s*([a-zA-Z]+\.[a-zA-Z]+)\s*\}\}")]
    private static partial Regex Pattern();

    public static string Render(string text, IReadOnlyDictionary<string, string> values, bool html) =>
        Pattern().Replace(text, m => values.TryGetValue(m.Groups[1].Value, out var v) ? (html ? WebUtility.HtmlEncode(v) : v) : m.Value);
}
