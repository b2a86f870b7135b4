using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Nexus.Crds.Schema;

/// <summary>Writes a JSON tree as block YAML, keys in insertion order, strings quoted only when YAML needs it.</summary>
public static class YamlWriter
{
    public static string ToYaml(JsonNode node)
    {
        var writer = new StringWriter { NewLine = "\n" };
        var emitter = new Emitter(writer, EmitterSettings.Default.WithBestWidth(int.MaxValue).WithIndentedSequences());
        emitter.Emit(new StreamStart());
        emitter.Emit(new DocumentStart(null, null, true));
        Write(emitter, node);
        emitter.Emit(new DocumentEnd(true));
        emitter.Emit(new StreamEnd());
        return writer.ToString();
    }

    private static void Write(IEmitter emitter, JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                emitter.Emit(new MappingStart(null, null, true, MappingStyle.Block));
                foreach (var (key, value) in obj)
                {
                    Scalar(emitter, key, isString: true);
                    Write(emitter, value);
                }
                emitter.Emit(new MappingEnd());
                break;
            case JsonArray array:
                emitter.Emit(new SequenceStart(null, null, true, array.Count == 0 ? SequenceStyle.Flow : SequenceStyle.Block));
                foreach (var item in array) Write(emitter, item);
                emitter.Emit(new SequenceEnd());
                break;
            case JsonValue value:
                switch (value.GetValueKind())
                {
                    case JsonValueKind.String: Scalar(emitter, value.GetValue<string>(), isString: true); break;
                    case JsonValueKind.True: Scalar(emitter, "true", isString: false); break;
                    case JsonValueKind.False: Scalar(emitter, "false", isString: false); break;
                    case JsonValueKind.Number: Scalar(emitter, value.ToJsonString(), isString: false); break;
                    default: Scalar(emitter, "null", isString: false); break;
                }
                break;
            default:
                emitter.Emit(new MappingStart(null, null, true, MappingStyle.Flow));
                emitter.Emit(new MappingEnd());
                break;
        }
    }

    private static void Scalar(IEmitter emitter, string text, bool isString)
    {
        // A string that would read back as another type (true, 10, null, ...) must be quoted.
        var style = isString && LooksLikeNonString(text) ? ScalarStyle.DoubleQuoted : ScalarStyle.Any;
        emitter.Emit(new Scalar(null, null, text, style, true, false));
    }

    private static bool LooksLikeNonString(string text) =>
        text.Length == 0
        || text is "true" or "false" or "null" or "~" or "yes" or "no" or "on" or "off" or "True" or "False"
        || double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _);
}
