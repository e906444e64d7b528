using System.Buffers.Binary;
using System.Text;
using System.Text.Unicode;

namespace ClientHub.Core.Documents;

/// <summary>
/// Decides a document's content type from its first bytes against an allow-list. The client's declared
/// Content-Type and the file name's extension are never trusted to say what a file is: a renamed executable
/// must not be stored and later served as a PDF. The name only picks between types the bytes cannot tell
/// apart (CSV from plain text, Word from Excel in the legacy OLE2 container).
/// </summary>
public static class ContentSniffer
{
    /// <summary>How many leading bytes <see cref="Sniff"/> looks at; enough for the first few ZIP local headers of an OOXML file.</summary>
    public const int PrefixLength = 8 * 1024;

    public const string Pdf = "application/pdf", Png = "image/png", Jpeg = "image/jpeg", Heic = "image/heic",
        HeicSequence = "image/heic-sequence", Heif = "image/heif", HeifSequence = "image/heif-sequence",
        Docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        Xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Pptx = "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        Doc = "application/msword", Xls = "application/vnd.ms-excel", Ppt = "application/vnd.ms-powerpoint",
        Ole2 = "application/x-ole-storage", Csv = "text/csv; charset=utf-8", Text = "text/plain; charset=utf-8";

    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly byte[] Ole2Signature = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    private static readonly byte[] JpegSignature = [0xFF, 0xD8, 0xFF];
    private static readonly byte[] ZipLocalHeader = [(byte)'P', (byte)'K', 3, 4];

    /// <summary>The allowed content type of a file starting with <paramref name="prefix"/>, or null when it is not allowed.</summary>
    /// <param name="prefix">The first bytes of the file, at most <see cref="PrefixLength"/> are looked at.</param>
    /// <param name="isWholeFile">
    /// False when the file goes on past <paramref name="prefix"/>: a UTF-8 sequence cut at the end of the prefix is then no
    /// reason to refuse a text file.
    /// </param>
    /// <param name="fileName">The sanitized original name.</param>
    public static string? Sniff(ReadOnlySpan<byte> prefix, bool isWholeFile, string fileName)
    {
        if (prefix.Length > PrefixLength)
        {
            prefix = prefix[..PrefixLength];
            isWholeFile = false;
        }
        if (prefix.IsEmpty) return null;
        if (prefix.StartsWith("%PDF-"u8)) return Pdf;
        if (prefix.StartsWith(PngSignature)) return Png;
        if (prefix.StartsWith(JpegSignature)) return Jpeg;
        if (prefix.StartsWith(Ole2Signature)) return Ole2ByName(fileName);
        if (prefix.StartsWith(ZipLocalHeader)) return OfficeOpenXml(prefix, fileName);
        if (prefix.Length >= 12 && prefix[4..8].SequenceEqual("ftyp"u8)) return HeifFamily(prefix);
        return IsUtf8Text(prefix, isWholeFile) ? HasExtension(fileName, ".csv") ? Csv : Text : null;
    }

    /// <summary>doc, xls and ppt share the OLE2 compound file; telling them apart means reading its directory, so the name decides.</summary>
    private static string Ole2ByName(string fileName) =>
        HasExtension(fileName, ".doc") || HasExtension(fileName, ".dot") ? Doc
        : HasExtension(fileName, ".xls") || HasExtension(fileName, ".xlt") ? Xls
        : HasExtension(fileName, ".ppt") || HasExtension(fileName, ".pot") ? Ppt
        : Ole2;

    /// <summary>
    /// Any ZIP is not an Office document (a ZIP can carry anything): walk the local file headers in the prefix and
    /// require a part of a Word, Excel or PowerPoint package. A package whose first parts say only that it is OOXML
    /// (<c>[Content_Types].xml</c>, <c>_rels/</c>) before the walk has to stop lets the name choose among the three.
    /// </summary>
    private static string? OfficeOpenXml(ReadOnlySpan<byte> prefix, string fileName)
    {
        var isPackage = false;
        var offset = 0;
        while (offset + 30 <= prefix.Length && prefix[offset..].StartsWith(ZipLocalHeader))
        {
            var header = prefix[offset..];
            var flags = BinaryPrimitives.ReadUInt16LittleEndian(header[6..]);
            var compressedSize = BinaryPrimitives.ReadUInt32LittleEndian(header[18..]);
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(header[26..]);
            int extraLength = BinaryPrimitives.ReadUInt16LittleEndian(header[28..]);
            if (30 + nameLength > header.Length) break;
            var name = header.Slice(30, nameLength);
            if (name.StartsWith("word/"u8)) return Docx;
            if (name.StartsWith("xl/"u8)) return Xlsx;
            if (name.StartsWith("ppt/"u8)) return Pptx;
            if (name.SequenceEqual("[Content_Types].xml"u8) || name.StartsWith("_rels/"u8)) isPackage = true;
            // Bit 3: the sizes follow the data instead of preceding it, so the next header cannot be found from here.
            if ((flags & 0x08) != 0) break;
            var next = 30L + nameLength + extraLength + compressedSize;
            if (next > prefix.Length - offset) break;
            offset += (int)next;
        }
        if (!isPackage) return null;
        return HasExtension(fileName, ".docx") || HasExtension(fileName, ".docm") ? Docx
            : HasExtension(fileName, ".xlsx") || HasExtension(fileName, ".xlsm") ? Xlsx
            : HasExtension(fileName, ".pptx") || HasExtension(fileName, ".pptm") ? Pptx
            : null;
    }

    /// <summary>HEIC/HEIF: an ISO BMFF <c>ftyp</c> box whose major or compatible brands name an HEVC image or image sequence.</summary>
    private static string? HeifFamily(ReadOnlySpan<byte> prefix)
    {
        var boxSize = BinaryPrimitives.ReadUInt32BigEndian(prefix);
        var end = (int)Math.Min(Math.Min(boxSize, (uint)prefix.Length), 4096u);
        if (end < 16) end = Math.Min(12, prefix.Length);
        var brands = new List<string> { Encoding.ASCII.GetString(prefix[8..12]) };
        for (var at = 16; at + 4 <= end; at += 4) brands.Add(Encoding.ASCII.GetString(prefix.Slice(at, 4)));
        if (brands.Any(b => b is "heic" or "heix" or "heim" or "heis")) return Heic;
        if (brands.Any(b => b is "hevc" or "hevx" or "hevm" or "hevs")) return HeicSequence;
        if (brands.Contains("mif1")) return Heif;
        if (brands.Contains("msf1")) return HeifSequence;
        return null;
    }

    /// <summary>
    /// Valid UTF-8 (a BOM is fine) without control bytes other than tab, LF, FF and CR: NUL and the like mean a binary
    /// format we do not know, whatever the name says.
    /// </summary>
    private static bool IsUtf8Text(ReadOnlySpan<byte> prefix, bool isWholeFile)
    {
        foreach (var b in prefix)
            if (b is < 0x20 and not ((byte)'\t' or (byte)'\n' or 0x0C or (byte)'\r') or 0x7F) return false;
        if (Utf8.IsValid(prefix)) return true;
        if (isWholeFile) return false;
        // The prefix may end inside a character (at most 3 of its 4 bytes).
        for (var cut = 1; cut <= 3 && cut < prefix.Length; cut++)
            if (Utf8.IsValid(prefix[..^cut])) return true;
        return false;
    }

    private static bool HasExtension(string fileName, string extension) => fileName.EndsWith(extension, StringComparison.OrdinalIgnoreCase);
}
