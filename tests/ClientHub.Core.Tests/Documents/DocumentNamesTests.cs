using ClientHub.Core.Documents;

namespace ClientHub.Core.Tests.Documents;

public sealed class DocumentNamesTests
{
    [Theory]
    [InlineData("../../etc/passwd", "passwd")]
    [InlineData(@"C:\Users\carla\Desktop\W-2 2025.pdf", "W-2 2025.pdf")]
    [InlineData(@"..\..\boot.ini", "boot.ini")]
    [InlineData("a/b\\c/d.txt", "d.txt")]
    public void Path_parts_of_either_slash_are_stripped(string name, string expected) =>
        Assert.Equal(expected, DocumentNames.SanitizeFileName(name));

    [Theory]
    [InlineData("invoice\u202Efdp.exe", "invoicefdp.exe")]
    [InlineData("bell\u0007.pdf", "bell.pdf")]
    [InlineData("tab\tnew\nline\u0085\u009F\u007F.txt", "tabnewline.txt")]
    [InlineData("\u2066iso\u2069\u200E\u200F\u061C\u202A\u202B\u202C\u202Dlated.pdf", "isolated.pdf")]
    public void Control_and_bidirectional_formatting_characters_are_removed(string name, string expected) =>
        Assert.Equal(expected, DocumentNames.SanitizeFileName(name));

    [Theory]
    [InlineData(" .hidden. ", "hidden")]
    [InlineData("..", "document")]
    [InlineData("dir/", "document")]
    [InlineData("\u202E", "document")]
    [InlineData(null, "document")]
    [InlineData("Relevé de compte 📄.pdf", "Relevé de compte 📄.pdf")]
    public void Dots_and_spaces_are_trimmed_and_nothing_left_is_a_plain_document(string? name, string expected) =>
        Assert.Equal(expected, DocumentNames.SanitizeFileName(name));

    [Fact]
    public void A_long_name_is_cut_to_200_characters_keeping_its_extension()
    {
        var sanitized = DocumentNames.SanitizeFileName(new string('a', 296) + ".pdf");
        Assert.Equal(new string('a', 196) + ".pdf", sanitized);
    }

    [Fact]
    public void A_cut_never_splits_a_surrogate_pair()
    {
        var sanitized = DocumentNames.SanitizeFileName("x" + string.Concat(Enumerable.Repeat("📄", 150)) + ".pdf");
        // 196 characters would end on the high half of the 98th pair.
        Assert.Equal("x" + string.Concat(Enumerable.Repeat("📄", 97)) + ".pdf", sanitized);
    }

    [Theory]
    [InlineData(" Tax / 2025 ", "Tax/2025")]
    [InlineData("/Bank statements/", "Bank statements")]
    [InlineData("", null)]
    [InlineData("  ", null)]
    [InlineData(null, null)]
    public void Folders_are_trimmed_slash_separated_paths(string? folder, string? expected)
    {
        Assert.True(DocumentNames.TryNormalizeFolder(folder, out var normalized, out var error), error);
        Assert.Equal(expected, normalized);
    }

    [Theory]
    [InlineData("Tax//2025")]
    [InlineData("Tax/../../other")]
    [InlineData("./Tax")]
    [InlineData(@"Tax\2025")]
    [InlineData("Tax\u0000")]
    [InlineData("Tax\u202E")]
    public void Folders_that_climb_or_hide_characters_are_refused(string folder)
    {
        Assert.False(DocumentNames.TryNormalizeFolder(folder, out var normalized, out var error));
        Assert.Null(normalized);
        Assert.NotNull(error);
    }

    [Fact]
    public void A_folder_is_at_most_200_characters()
    {
        Assert.True(DocumentNames.TryNormalizeFolder(new string('f', 200), out _, out _));
        Assert.False(DocumentNames.TryNormalizeFolder(new string('f', 201), out _, out var error));
        Assert.Contains("200", error);
    }
}
