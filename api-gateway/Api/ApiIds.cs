using System.Text.RegularExpressions;
using Nexus.Crds.Entities;

namespace Nexus.Gateway.Api;

/// <summary>REST ids → object names. Ids of jobs created with kubectl are their names, so valid names pass through.</summary>
public static partial class ApiIds
{
    public static bool TryJobName(string id, out string name) =>
        ResourceIds.TryJobNameFromId(id, out name) || TryPlainName(id, out name);

    public static bool TryBatchName(string id, out string name) =>
        ResourceIds.TryBatchNameFromId(id, out name) || TryPlainName(id, out name);

    private static bool TryPlainName(string id, out string name)
    {
        name = id;
        return id.Length <= 253 && ObjectName().IsMatch(id);
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")]
    private static partial Regex ObjectName();
}
