using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Nexus.KubeApiServer.Yaml;

/// <summary>YAML (manifests, apply-patch+yaml bodies) to JSON with YAML 1.2 core-schema scalar typing.</summary>
public static class YamlToJson
{
    public static List<JsonObject> Documents(string yaml)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw ApiException.BadRequest($"error converting YAML to JSON: {e.Message}");
        }
        var result = new List<JsonObject>();
        foreach (var doc in stream.Documents)
        {
            if (doc.RootNode is YamlScalarNode { Value: null or "" }) continue;
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(buffer)) Write(writer, doc.RootNode);
            if (JsonNode.Parse(buffer.WrittenSpan) is JsonObject o) result.Add(o);
        }
        return result;
    }

    static readonly Regex Int = new(@"^[-+]?(0|[1-9][0-9]*)$");
    static readonly Regex Float = new(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$");

    static void Write(Utf8JsonWriter w, YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode map:
                w.WriteStartObject();
                foreach (var (k, v) in map.Children)
                {
                    w.WritePropertyName(((YamlScalarNode)k).Value ?? "");
                    Write(w, v);
                }
                w.WriteEndObject();
                break;
            case YamlSequenceNode seq:
                w.WriteStartArray();
                foreach (var item in seq.Children) Write(w, item);
                w.WriteEndArray();
                break;
            case YamlScalarNode s:
                WriteScalar(w, s);
                break;
            default:
                w.WriteNullValue();
                break;
        }
    }

    static void WriteScalar(Utf8JsonWriter w, YamlScalarNode s)
    {
        var text = s.Value ?? "";
        if (s.Style != YamlDotNet.Core.ScalarStyle.Plain) { w.WriteStringValue(text); return; }
        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL": w.WriteNullValue(); return;
            case "true" or "True" or "TRUE": w.WriteBooleanValue(true); return;
            case "false" or "False" or "FALSE": w.WriteBooleanValue(false); return;
        }
        if (Int.IsMatch(text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
            w.WriteNumberValue(l);
        else if (Float.IsMatch(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
            w.WriteNumberValue(d);
        else
            w.WriteStringValue(text);
    }
}
