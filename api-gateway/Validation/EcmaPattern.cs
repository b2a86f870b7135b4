using System.Text;

namespace Nexus.Gateway.Validation;

/// <summary>
/// A JSON Schema <c>pattern</c> (ECMA-262) restated for .NET's regex engine. In ECMA-262 (no multiline flag) and in
/// the workers' Python patterns (<c>\Z</c>) the end anchor is the very end of the string; .NET's <c>$</c> also
/// matches before a final newline, which would let "SKU-1\n" through. Every <c>$</c> that is an anchor (not escaped,
/// not inside a character class) becomes <c>\z</c>.
/// </summary>
public static class EcmaPattern
{
    public static string ToDotNet(string pattern)
    {
        var result = new StringBuilder(pattern.Length + 4);
        var inClass = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                result.Append(c).Append(pattern[++i]);
                continue;
            }
            if (inClass)
            {
                if (c == ']') inClass = false;
                result.Append(c);
                continue;
            }
            if (c == '[')
            {
                inClass = true;
                result.Append(c);
                // A ']' right after '[' or '[^' is a literal member, not the end of the class.
                if (i + 1 < pattern.Length && pattern[i + 1] == '^') result.Append(pattern[++i]);
                if (i + 1 < pattern.Length && pattern[i + 1] == ']') result.Append(pattern[++i]);
                continue;
            }
            result.Append(c == '$' ? "\\z" : c.ToString());
        }
        return result.ToString();
    }
}
