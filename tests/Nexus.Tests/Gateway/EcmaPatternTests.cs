using System.Text.RegularExpressions;
using Nexus.Gateway.Validation;

namespace Nexus.Tests.Gateway;

public class EcmaPatternTests
{
    [Theory]
    [InlineData("^[a-z]+$", @"^[a-z]+\z")]
    [InlineData(@"^a\$$", @"^a\$\z")]
    [InlineData("^[$]x$", @"^[$]x\z")]
    [InlineData("^[]$]x$", @"^[]$]x\z")]
    [InlineData("^(a$|b$)", @"^(a\z|b\z)")]
    public void Only_end_anchors_become_the_very_end(string ecma, string dotnet)
    {
        Assert.Equal(dotnet, EcmaPattern.ToDotNet(ecma));
    }

    [Fact]
    public void A_trailing_newline_passes_dotnets_dollar_but_not_the_restated_pattern()
    {
        Assert.Matches(new Regex("^[a-z]+$"), "abc\n");
        Assert.DoesNotMatch(new Regex(EcmaPattern.ToDotNet("^[a-z]+$")), "abc\n");
        Assert.Matches(new Regex(EcmaPattern.ToDotNet("^[a-z]+$")), "abc");
    }
}
