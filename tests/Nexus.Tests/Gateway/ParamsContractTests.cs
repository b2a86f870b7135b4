using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Nexus.Crds.Entities;
using Nexus.Gateway.Validation;
using Nexus.Tests.Support;

namespace Nexus.Tests.Gateway;

/// <summary>
/// The gateway accepts exactly what the workers accept: it validates with the params schemas generated from the
/// workers' models (embedded from crds/params), and over a corpus of values around every rule of every field the
/// gateway's verdict is checked against the workers' own models (run in Python, not a copy).
/// </summary>
public sealed class ParamsContractTests
{
    // Reads [[type, params], ...] on stdin, prints one true/false per case: does the job type's model take it?
    private const string JudgeWithWorkerModels = """
        import json, sys
        from pydantic import ValidationError
        from nexus_worker.jobs import JOB_TYPES
        def accepts(job_type, params):
            try:
                JOB_TYPES[job_type].params.parse_obj(params)
                return True
            except ValidationError:
                return False
        print(json.dumps([accepts(t, p) for t, p in json.load(sys.stdin)]))
        """;

    [Fact]
    public void The_gateway_validates_with_the_committed_schemas_of_every_job_type()
    {
        var committed = Directory.GetFiles(RepoPaths.Of("crds/params"), "*.schema.json")
            .ToDictionary(f => Path.GetFileName(f)[..^".schema.json".Length], File.ReadAllText);
        Assert.Equal(JobTypes.All.Order(), committed.Keys.Order());
        Assert.Equal(JobTypes.All.Order(), JobParamsSchemas.ByType.Keys.Order());
        foreach (var (type, text) in committed)
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(text), JsonNode.Parse(JobParamsSchemas.Of(type).Document.GetRawText())),
                $"{type}: the embedded schema differs from crds/params");
    }

    [Fact]
    public async Task Gateway_accepts_exactly_what_the_workers_models_accept()
    {
        var cases = new List<(string Type, JsonNode Params)>();
        foreach (var (type, schema) in JobParamsSchemas.ByType)
        {
            cases.Add((type, new JsonObject()));
            cases.Add((type, new JsonObject { ["surprise"] = 1 }));
            cases.Add((type, new JsonObject { ["Marketplace"] = "amazon_us" }));
            foreach (var property in schema.Document.GetProperty("properties").EnumerateObject())
                foreach (var value in CandidateValues(property.Value))
                    cases.Add((type, new JsonObject { [property.Name] = value?.DeepClone() }));
        }

        var workers = await JudgeAsync(cases);
        Assert.Equal(cases.Count, workers.Count);
        var disagreements = new List<string>();
        for (var i = 0; i < cases.Count; i++)
        {
            var body = new JsonObject { ["type"] = cases[i].Type, ["params"] = cases[i].Params.DeepClone() };
            using var document = JsonDocument.Parse(body.ToJsonString());
            var outcome = JobRequestParser.ParseJob(document.RootElement);
            if (outcome.Ok != workers[i])
                disagreements.Add($"{cases[i].Type} {cases[i].Params.ToJsonString()}: gateway {(outcome.Ok ? "accepts" : "refuses")}, workers {(workers[i] ? "accept" : "refuse")}"
                                  + (outcome.Ok ? "" : $" ({string.Join("; ", outcome.Details.Select(d => d.Field + " " + d.Message))})"));
        }
        Assert.True(disagreements.Count == 0, string.Join("\n", disagreements.Take(15)));
        Assert.True(cases.Count > 300, $"only {cases.Count} cases");
        Assert.Contains(workers, accepted => accepted);
        Assert.Contains(workers, accepted => !accepted);
    }

    /// <summary>Values around every rule a field has: its bounds and just past them, wrong JSON types, newlines.</summary>
    private static IEnumerable<JsonNode?> CandidateValues(JsonElement property)
    {
        JsonNode?[] common =
        [
            null, true, false, 0, 1, -1, 2.5, JsonNode.Parse("3.0"), JsonNode.Parse("-0.0"), 1e9, "", "5", "true", new JsonArray(), new JsonObject(),
            "amazon_us", "amazon_us\n", "\namazon_us", " amazon_us", "SKU-001", "2026-03-31", "2026-3-31", "2026-03-31\n",
            "2026-02-30", "2024-02-29", "20260331", "Amazon_us", "a", new string('a', 32), new string('a', 33), "ebay us", "ébay",
        ];
        foreach (var value in common) yield return value;
        foreach (var key in new[] { "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum" })
        {
            if (!property.TryGetProperty(key, out var bound)) continue;
            var edge = bound.GetDouble();
            foreach (var v in new[] { edge, edge - 1, edge + 1, edge - 0.001, edge + 0.001 }) yield return v;
            yield return bound.GetRawText();
        }
        if (property.TryGetProperty("default", out var defaultValue)) yield return JsonNode.Parse(defaultValue.GetRawText());
        var types = property.GetProperty("type") is { ValueKind: JsonValueKind.Array } list
            ? list.EnumerateArray().Select(t => t.GetString()).ToList()
            : [property.GetProperty("type").GetString()];
        if (!types.Contains("array")) yield break;
        string?[][] arrays =
        [
            ["SKU-001"], ["SKU-001", "SKU-001"], ["SKU-001\n"], ["bad sku!"], [null], [new string('x', 64)], [new string('x', 65)],
            ["demo"], ["a.b_c-D"], ["-SKU"], ["SKU\u00e9"],
        ];
        foreach (var array in arrays) yield return new JsonArray(array.Select(s => (JsonNode?)s).ToArray());
        yield return new JsonArray("SKU-001", 2);
        yield return new JsonArray(1);
        foreach (var key in new[] { "minItems", "maxItems" })
        {
            if (!property.TryGetProperty(key, out var count)) continue;
            var n = count.GetInt32();
            yield return new JsonArray(Enumerable.Range(0, n).Select(i => (JsonNode?)$"S{i}").ToArray());
            yield return new JsonArray(Enumerable.Range(0, n + 1).Select(i => (JsonNode?)$"S{i}").ToArray());
        }
    }

    private static async Task<List<bool>> JudgeAsync(List<(string Type, JsonNode Params)> cases)
    {
        var input = new JsonArray(cases.Select(c => (JsonNode?)new JsonArray(c.Type, c.Params.DeepClone())).ToArray()).ToJsonString();
        var start = new ProcessStartInfo("/usr/bin/python3", ["-c", JudgeWithWorkerModels])
        {
            WorkingDirectory = RepoPaths.Of("workers"),
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, await stderr);
        return JsonSerializer.Deserialize<List<bool>>(await stdout)!;
    }
}
