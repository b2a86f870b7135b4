using k8s.Models;
using Nexus.Crds.Entities;
using Nexus.Shared;

namespace Nexus.Bench.Operator;

/// <summary>The benchmarks' worker pool: four instant workers (or workers running each job <c>runFor</c>) behind one WorkerPool for every job type.</summary>
public static class InstantPool
{
    public static async Task<List<InstantWorker>> StartAsync(KubeApi api, string ns, TimeSpan runFor = default)
    {
        var workers = new List<InstantWorker>();
        for (var i = 0; i < 4; i++) workers.Add(await InstantWorker.StartAsync(runFor));
        await api.CreateAsync(ResourceKind.WorkerPool.Collection(ns), new WorkerPool
        {
            Metadata = new V1ObjectMeta { Name = "bench", NamespaceProperty = ns },
            Spec = new WorkerPoolSpec { JobTypes = JobTypes.All.ToList(), StaticEndpoints = workers.Select(w => w.Url).ToList(), ConcurrencyPerReplica = 64, MaxReplicas = 4 },
        }, default);
        return workers;
    }
}
