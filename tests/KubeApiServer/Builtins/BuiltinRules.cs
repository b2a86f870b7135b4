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
    }
}
