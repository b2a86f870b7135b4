namespace Nexus.KubeApiServer.Builtins;

/// <summary>What the real registry strategies of the built-ins do to an object on write.</summary>
public static class BuiltinRules
{
    public static void OnCreate(ResourceType type, JsonObject obj)
    {
        switch (type.Kind)
        {
            case "Namespace":
                obj["spec"] = new JsonObject { ["finalizers"] = new JsonArray("kubernetes") };
                obj["status"] = new JsonObject { ["phase"] = "Active" };
                break;
            case "Pod":
                obj["status"] = new JsonObject { ["phase"] = "Pending" };
                break;
            case "Deployment":
                if (obj["spec"] is JsonObject spec && spec["replicas"] is null) spec["replicas"] = 1;
                break;
            case "Secret":
                obj["type"] ??= "Opaque";
                break;
            case "Service":
                if (obj["spec"] is JsonObject svc) svc["type"] ??= "ClusterIP";
                break;
            case "PodDisruptionBudget" when type.Group == "policy":
                // The disruption controller fills these in; until it has run they read as zero.
                obj["status"] = new JsonObject { ["currentHealthy"] = 0, ["desiredHealthy"] = 0, ["disruptionsAllowed"] = 0, ["expectedPods"] = 0 };
                break;
            case "Ingress" when type.Group == "networking.k8s.io":
                obj["status"] = new JsonObject { ["loadBalancer"] = new JsonObject() };
                break;
        }
        OnWrite(type, obj);
    }

    public static void OnWrite(ResourceType type, JsonObject obj)
    {
        if (type.Kind == "Secret" && type.Group.Length == 0 && obj["stringData"] is JsonObject stringData)
        {
            // stringData is write-only: it merges into data (base64) and is never stored or returned.
            if (obj["data"] is not JsonObject data) obj["data"] = data = new JsonObject();
            foreach (var (k, v) in stringData)
                data[k] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(Json.ScalarText(v) ?? ""));
            obj.Remove("stringData");
        }
        if (type.Group.Length == 0 && type.Kind is "ConfigMap" or "Secret") ValidateDataSize(type, obj);
    }

    /// <summary>The most data a ConfigMap or Secret may hold (core.MaxSecretSize, also used for ConfigMaps).</summary>
    public const int MaxDataBytes = 1024 * 1024;

    static void ValidateDataSize(ResourceType type, JsonObject obj)
    {
        long total = 0;
        if (obj["data"] is JsonObject data)
            foreach (var (_, v) in data)
                total += type.Kind == "Secret" ? DecodedLength(Json.ScalarText(v)) : System.Text.Encoding.UTF8.GetByteCount(Json.ScalarText(v) ?? "");
        if (type.Kind == "ConfigMap" && obj["binaryData"] is JsonObject binary)
            foreach (var (_, v) in binary) total += DecodedLength(Json.ScalarText(v));
        if (total > MaxDataBytes)
            throw ApiException.Invalid(type, Json.Str(obj["metadata"], "name") ?? "", "FieldValueTooLong", "[]",
                $"Too long: must have at most {MaxDataBytes} bytes");
    }

    static long DecodedLength(string? base64)
    {
        if (string.IsNullOrEmpty(base64)) return 0;
        var padding = base64.EndsWith("==", StringComparison.Ordinal) ? 2 : base64.EndsWith('=') ? 1 : 0;
        return base64.Length / 4 * 3 - padding;
    }
}
