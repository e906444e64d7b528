using System.IO.Compression;
using System.Text;
using ClientHub.Core.Documents;

namespace ClientHub.Core.Tests.Documents;

public sealed class ContentSnifferTests
{
    private static string? Sniff(byte[] bytes, string name = "upload.bin", bool isWholeFile = true) => ContentSniffer.Sniff(bytes, isWholeFile, name);

    private static byte[] Bytes(params int[] values) => values.Select(v => (byte)v).ToArray();

    private static byte[] Padded(byte[] head, int length = 64) => [.. head, .. new byte[Math.Max(0, length - head.Length)]];

    [Fact]
    public void A_pdf_is_recognised_by_its_header_whatever_its_name() =>
        Assert.Equal(ContentSniffer.Pdf, Sniff(Encoding.ASCII.GetBytes("%PDF-1.7\n%\xE2\xE3\n1 0 obj"), "scan.png"));

    [Fact]
    public void Png_and_jpeg_are_recognised_by_their_signatures()
    {
        Assert.Equal(ContentSniffer.Png, Sniff(Padded(Bytes(0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 'I', 'H', 'D', 'R'))));
        Assert.Equal(ContentSniffer.Jpeg, Sniff(Padded(Bytes(0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 'J', 'F', 'I', 'F'))));
    }

    [Theory]
    [InlineData("heic", "mif1", ContentSniffer.Heic)]
    [InlineData("mif1", "heic", ContentSniffer.Heic)]
    [InlineData("msf1", "hevc", ContentSniffer.HeicSequence)]
    [InlineData("mif1", "miaf", ContentSniffer.Heif)]
    public void Heic_and_heif_are_recognised_by_their_ftyp_brands(string major, string compatible, string expected)
    {
        byte[] box = [0, 0, 0, 24, .. "ftyp"u8, .. Encoding.ASCII.GetBytes(major), 0, 0, 0, 0, .. Encoding.ASCII.GetBytes(compatible),
            .. Encoding.ASCII.GetBytes(major)];
        Assert.Equal(expected, Sniff(Padded(box)));
    }

    [Fact]
    public void An_mp4_is_an_iso_media_file_but_not_an_allowed_image()
    {
        byte[] box = [0, 0, 0, 20, .. "ftypisom"u8, 0, 0, 2, 0, .. "isommp41"u8];
        Assert.Null(Sniff(Padded(box), "photo.heic"));
    }

    [Theory]
    [InlineData("word/document.xml", ContentSniffer.Docx)]
    [InlineData("xl/workbook.xml", ContentSniffer.Xlsx)]
    [InlineData("ppt/presentation.xml", ContentSniffer.Pptx)]
    public void Office_open_xml_is_a_zip_with_the_parts_of_a_word_excel_or_powerpoint_package(string part, string expected) =>
        Assert.Equal(expected, Sniff(Zip(["[Content_Types].xml", "_rels/.rels", part]), "renamed.bin"));

    [Fact]
    public void A_zip_that_is_not_an_office_package_is_refused_even_when_named_docx() =>
        Assert.Null(Sniff(Zip(["payload.exe", "readme.txt"]), "report.docx"));

    [Fact]
    public void A_package_whose_first_parts_say_only_that_it_is_ooxml_takes_its_kind_from_the_name()
    {
        var bytes = Zip(["[Content_Types].xml"]);
        Assert.Equal(ContentSniffer.Xlsx, Sniff(bytes, "Book.XLSX"));
        Assert.Null(Sniff(bytes, "book.zip"));
    }

    [Fact]
    public void Legacy_office_files_share_the_ole2_container_and_the_name_picks_the_kind()
    {
        var ole2 = Padded(Bytes(0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1), 512);
        Assert.Equal(ContentSniffer.Doc, Sniff(ole2, "letter.doc"));
        Assert.Equal(ContentSniffer.Xls, Sniff(ole2, "ledger.xls"));
        Assert.Equal(ContentSniffer.Ole2, Sniff(ole2, "unknown"));
    }

    [Fact]
    public void Utf8_text_is_csv_when_named_so_and_plain_text_otherwise()
    {
        var csv = Encoding.UTF8.GetBytes("date,amount,payee\r\n2026-01-02,12.50,Café Zoë\r\n");
        Assert.Equal(ContentSniffer.Csv, Sniff(csv, "bank.CSV"));
        Assert.Equal(ContentSniffer.Text, Sniff(csv, "bank.txt"));
        Assert.Equal(ContentSniffer.Text, Sniff([0xEF, 0xBB, 0xBF, .. "with a BOM\tand a tab\f"u8], "notes"));
    }

    [Fact]
    public void Text_with_nul_or_other_control_bytes_is_not_text()
    {
        Assert.Null(Sniff("name,value\0\0"u8.ToArray(), "data.csv"));
        Assert.Null(Sniff("escape \u001b[31m red"u8.ToArray(), "notes.txt"));
        Assert.Null(Sniff("delete \u007f"u8.ToArray(), "notes.txt"));
    }

    [Fact]
    public void Invalid_utf8_is_not_text_unless_the_prefix_cut_a_character_short()
    {
        byte[] latin1 = [.. "caf"u8, 0xE9, .. " au lait"u8];
        Assert.Null(Sniff(latin1, "menu.txt"));

        byte[] cut = [.. "prix: 5 "u8, 0xE2, 0x82]; // the first two of the three bytes of '€'
        Assert.Null(Sniff(cut, "prices.txt", isWholeFile: true));
        Assert.Equal(ContentSniffer.Text, Sniff(cut, "prices.txt", isWholeFile: false));
    }

    [Fact]
    public void Only_the_prefix_is_judged_so_text_is_judged_by_its_first_bytes()
    {
        byte[] bytes = [.. Enumerable.Repeat((byte)'a', ContentSniffer.PrefixLength), 0, 0, 0];
        Assert.Equal(ContentSniffer.Text, Sniff(bytes, "long.txt"));
    }

    [Theory]
    [InlineData("MZ executable named invoice.pdf", "invoice.pdf")]
    [InlineData("MZ executable named notes.txt", "notes.txt")]
    public void A_windows_executable_is_refused_whatever_its_name(string _, string name)
    {
        var mz = Padded(Bytes('M', 'Z', 0x90, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0xFF, 0xFF, 0, 0), 128);
        Assert.Null(Sniff(mz, name));
    }

    [Fact]
    public void Elf_binaries_empty_files_and_unknown_formats_are_refused()
    {
        Assert.Null(Sniff(Padded(Bytes(0x7F, 'E', 'L', 'F', 2, 1, 1, 0)), "report.pdf"));
        Assert.Null(Sniff([], "empty.txt"));
        Assert.Null(Sniff(Padded(Bytes('G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0)), "image.gif"));
        Assert.Null(Sniff(Padded(Bytes(0x1F, 0x8B, 8, 0)), "archive.txt"));
    }

    private static byte[] Zip(string[] entries)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var entry in entries)
            {
                using var writer = new StreamWriter(zip.CreateEntry(entry).Open());
                writer.Write($"<part name=\"{entry}\"/>");
            }
        return buffer.ToArray();
    }
}
