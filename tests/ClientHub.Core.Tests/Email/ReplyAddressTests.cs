using ClientHub.Core.Email;

namespace ClientHub.Core.Tests.Email;

public sealed class ReplyAddressTests
{
    private const string Secret = "inbound-secret", Domain = "reply.example.com";
    private static readonly FirmId Firm = new(Ids.New());
    private static readonly string Item = $"{Ids.New()}-{Ids.New()}";

    [Fact]
    public void A_built_address_parses_back_to_its_firm_and_item()
    {
        var address = ReplyAddress.Build(Firm, Item, Secret, Domain);

        Assert.StartsWith($"reply+{Firm.Value}.{Item}.", address);
        Assert.EndsWith("@" + Domain, address);
        Assert.Equal(new ReplyTarget(Firm, Item), ReplyAddress.Parse(address, Secret, Domain));
    }

    [Fact]
    public void An_address_whose_case_a_mail_system_changed_still_parses()
    {
        var address = ReplyAddress.Build(Firm, Item, Secret, Domain).ToUpperInvariant();

        Assert.Equal(new ReplyTarget(Firm, Item), ReplyAddress.Parse(address, Secret, Domain));
    }

    [Fact]
    public void A_tampered_signature_does_not_parse()
    {
        var address = ReplyAddress.Build(Firm, Item, Secret, Domain);
        var at = address.IndexOf('@');
        var tampered = address[..(at - 1)] + (address[at - 1] == 'a' ? 'b' : 'a') + address[at..];

        Assert.Null(ReplyAddress.Parse(tampered, Secret, Domain));
    }

    [Fact]
    public void Another_firms_id_with_this_signature_does_not_parse()
    {
        var address = ReplyAddress.Build(Firm, Item, Secret, Domain);
        var other = address.Replace(Firm.Value, Ids.New());

        Assert.Null(ReplyAddress.Parse(other, Secret, Domain));
    }

    [Fact]
    public void An_address_signed_with_another_secret_does_not_parse()
    {
        Assert.Null(ReplyAddress.Parse(ReplyAddress.Build(Firm, Item, "another-secret", Domain), Secret, Domain));
    }

    [Theory]
    [InlineData("someone@example.com")]
    [InlineData("reply+@reply.example.com")]
    [InlineData("reply+a.b@reply.example.com")]
    [InlineData("reply+a.b.c.d@reply.example.com")]
    [InlineData("reply+firm.notanitem.aaaaaaaaaaaaaaaa@reply.example.com")]
    [InlineData("reply+firm.job-1.short@reply.example.com")]
    [InlineData("reply+fi/rm.job-1.aaaaaaaaaaaaaaaa@reply.example.com")]
    public void Malformed_addresses_do_not_parse(string address)
    {
        Assert.Null(ReplyAddress.Parse(address, Secret, Domain));
    }

    [Fact]
    public void A_valid_address_at_another_domain_does_not_parse()
    {
        var address = ReplyAddress.Build(Firm, Item, Secret, "elsewhere.example.com");

        Assert.Null(ReplyAddress.Parse(address, Secret, Domain));
    }
}

public sealed class ReplyTextTests
{
    [Fact]
    public void Quoted_history_after_a_wrote_line_is_cut()
    {
        var text = "Here it is.\nThanks!\n\nOn Mon, Jan 5, 2026 at 10:00 AM Test CPA <reply+x@y.z> wrote:\n> We need your W-2\n";

        Assert.Equal("Here it is.\nThanks!", ReplyText.Strip(text));
    }

    [Fact]
    public void A_wrote_line_broken_over_two_lines_is_cut()
    {
        Assert.Equal("Done.", ReplyText.Strip("Done.\r\n\r\nOn Mon, Jan 5, 2026 at 10:00 AM Test CPA <reply+x@y.z>\r\nwrote:\r\n\r\n> old"));
    }

    [Fact]
    public void Text_is_cut_at_the_first_quoted_line_or_original_message_marker()
    {
        Assert.Equal("Yes", ReplyText.Strip("Yes\n> No\nmore"));
        Assert.Equal("Sure", ReplyText.Strip("Sure\n-----Original Message-----\nFrom: firm"));
    }

    [Fact]
    public void Text_is_capped_at_4000_characters()
    {
        Assert.Equal(ReplyText.MaxLength, ReplyText.Strip(new string('a', 10_000)).Length);
    }

    [Fact]
    public void No_text_is_empty()
    {
        Assert.Equal("", ReplyText.Strip(null));
        Assert.Equal("", ReplyText.Strip("> only quoted"));
    }
}
