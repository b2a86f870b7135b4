using k8s.Models;
using Nexus.Crds.Entities;
using Nexus.Shared;

namespace Nexus.Operator.Dispatch;

/// <summary>Stores a large result (already encoded by <see cref="ResultPlacer"/>) in a ConfigMap owned by its job.</summary>
public sealed class ResultConfigMaps(KubeApi api, OperatorOptions options)
{
    public async Task<AiJobResultRef> StoreAsync(AiJob job, string stored, long rawBytes, CancellationToken ct)
    {
        var name = ResultEncoding.ConfigMapName(job.Metadata.Name);
        var collection = ResourceKind.ConfigMap.Collection(options.Namespace);
        var map = new V1ConfigMap
        {
            ApiVersion = "v1",
            Kind = "ConfigMap",
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = options.Namespace,
                Labels = new Dictionary<string, string> { ["nexus.ai/result-of"] = job.Metadata.Name },
                OwnerReferences =
                [
                    new V1OwnerReference
                    {
                        ApiVersion = job.ApiVersion, Kind = job.Kind, Name = job.Metadata.Name, Uid = job.Metadata.Uid,
                        Controller = true, BlockOwnerDeletion = false,
                    },
                ],
            },
            Data = new Dictionary<string, string> { [ResultEncoding.Key] = stored },
        };
        try
        {
            await api.CreateAsync(collection, map, ct);
        }
        catch (KubeApiException e) when (e.IsConflict)
        {
            // Left by an attempt interrupted before its status write: replace it.
            await api.ReplaceAsync($"{collection}/{name}", map, ct);
        }
        return new AiJobResultRef { ConfigMap = name, Key = ResultEncoding.Key, Encoding = ResultEncoding.GzipBase64, SizeBytes = rawBytes };
    }
}
