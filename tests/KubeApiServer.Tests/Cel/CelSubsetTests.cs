using Nexus.KubeApiServer.Cel;
using Nexus.KubeApiServer.Tests.Support;

namespace Nexus.KubeApiServer.Tests.Cel;

/// <summary>The stand-in's CEL subset: what it evaluates, how, and that it refuses the rest.</summary>
public class CelSubsetTests
{
    static object? Eval(string rule, string self, string? oldSelf = null) => CelEvaluator.Evaluate(CelParser.Parse(rule),
        new Dictionary<string, object?>
        {
            ["self"] = CelEvaluator.FromJson(JsonNode.Parse(self)),
            ["oldSelf"] = oldSelf is null ? null : CelEvaluator.FromJson(JsonNode.Parse(oldSelf)),
        });

    [Theory]
    [InlineData("self.a == 1 && self.b != 'x'", """{"a":1,"b":"y"}""", true)]
    [InlineData("self.a > 1 || self.a <= 0", """{"a":1}""", false)]
    [InlineData("!has(self.c) && has(self.a)", """{"a":1}""", true)]
    [InlineData("self.f >= 0.5 && self.f < 1", """{"f":0.5}""", true)]
    [InlineData("self.a == 1.0", """{"a":1}""", true)]
    [InlineData("size(self.s) == 3 && self.s.size() == 3", """{"s":"añb"}""", true)]
    [InlineData("self.s in ['a', 'b']", """{"s":"b"}""", true)]
    [InlineData("'k' in self", """{"k":1}""", true)]
    [InlineData("self.l.all(x, x.matches('^[a-z]+$'))", """{"l":["ab","c"]}""", true)]
    [InlineData("self.l.exists(x, x == 'z')", """{"l":["ab","c"]}""", false)]
    [InlineData("self.all(k, k.matches('^[a-z]$'))", """{"a":1,"B":2}""", false)]
    [InlineData("self.s.matches('^a$')", """{"s":"a\n"}""", false)]
    [InlineData("string(size(self.l)) + ' items' == '2 items'", """{"l":[1,2]}""", true)]
    [InlineData("self.o == self.p && self.o != self.q", """{"o":{"x":[1]},"p":{"x":[1]},"q":{"x":[2]}}""", true)]
    [InlineData("self['a'] - 1 == 0", """{"a":1}""", true)]
    public void Evaluates_the_subset(string rule, string self, bool expected) => Assert.Equal(expected, Eval(rule, self));

    [Fact]
    public void A_missing_field_is_an_error_that_a_decisive_other_side_absorbs()
    {
        Assert.Throws<CelEvaluationException>(() => Eval("self.missing == 1", "{}"));
        Assert.Equal(true, Eval("self.missing == 1 || true", "{}"));
        Assert.Equal(false, Eval("self.missing == 1 && false", "{}"));
        Assert.Throws<CelEvaluationException>(() => Eval("size(self.a)", """{"a":1}"""));
    }

    [Fact]
    public void Transition_rules_see_old_self()
    {
        Assert.True(CelParser.UsesOldSelf(CelParser.Parse("self || !oldSelf")));
        Assert.False(CelParser.UsesOldSelf(CelParser.Parse("self.a == 1")));
        Assert.Equal(false, Eval("self.cancel || !oldSelf.cancel", """{"cancel":false}""", """{"cancel":true}"""));
        Assert.Equal(true, Eval("has(self.b) == has(oldSelf.b)", """{"b":1}""", """{"b":2}"""));
    }

    [Theory]
    [InlineData("self.a ? 1 : 2", "the conditional operator ?:")]
    [InlineData("self.a * 2 == 4", "the operator *")]
    [InlineData("self.s.startsWith('a')", "the function startsWith()")]
    [InlineData("self.l.map(x, x + 1) == [2]", "the function map()")]
    [InlineData("int(self.s) == 1", "the function int()")]
    [InlineData("request.user == 'a'", "the identifier request")]
    [InlineData("self == {'a': 1}", "map and message literals")]
    [InlineData("self.s == r'raw'", "r-prefixed string literals")]
    [InlineData("self.n == 1u", "unsigned integer literals")]
    public void Refuses_what_it_does_not_evaluate(string rule, string construct)
    {
        var e = Assert.Throws<CelUnsupportedException>(() => CelParser.Parse(rule));
        Assert.Equal(construct, e.Message);
    }

    [Fact]
    public void Every_rule_of_the_generated_crds_is_in_the_subset()
    {
        foreach (var file in Directory.GetFiles(RepoRoot.Crds, "*.yaml"))
        {
            var crd = Nexus.KubeApiServer.Yaml.YamlToJson.Documents(File.ReadAllText(file))[0];
            var schema = (JsonObject)crd!["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!;
            Assert.Empty(CelRules.Check(schema, "spec.versions[0].schema.openAPIV3Schema"));
        }
    }
}
