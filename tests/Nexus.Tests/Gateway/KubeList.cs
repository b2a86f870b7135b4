using System.Text.Json.Serialization;
using k8s.Models;

namespace Nexus.Tests.Gateway;

/// <summary>The list envelope of a custom resource (<c>items</c> plus the list's resourceVersion and continue token).</summary>
public sealed class KubeList<T>
{
    [JsonPropertyName("metadata")] public V1ListMeta? Metadata { get; set; }
    [JsonPropertyName("items")] public List<T>? Items { get; set; }
}
