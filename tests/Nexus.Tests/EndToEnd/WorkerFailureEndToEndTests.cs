using Nexus.Crds.Entities;
using Nexus.Tests.Support;

namespace Nexus.Tests.EndToEnd;

/// <summary>What happens when a real worker process dies or hangs mid-job.</summary>
[Collection(PlatformCollection.Name)]
public sealed class WorkerFailureEndToEndTests(PlatformStack stack)
{
    [Fact]
    public async Task Job_whose_worker_is_killed_mid_job_is_retried_and_completes()
    {
        using var api = new JobsApi(stack.Gateway, stack.ApiKey, stack.Tenant);
        using var kubectl = new Kubectl(stack.Kubeconfig);
        var selector = LocalPods.OfPool("competitor_scan");
        var worker = await LocalPods.ReadyAsync(kubectl, selector);
        var name = await QueueEndToEndTests.CreateJobAsync(kubectl, "competitor_scan", "high", sleepSeconds: 5);
        var id = ResourceIds.JobIdFromName(name);
        await api.WaitStatusAsync(id, "running");
        // Running is written when the operator claims the job, before the worker has it: killing the worker in
        // between would only refuse the submit, which costs no attempt. Kill it once it holds the job.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await Wait.UntilAsync(async () =>
        {
            var instance = (await kubectl.RunAsync(null, "get", "aijob", name, "-o", "jsonpath={.status.worker.instance}")).Stdout.Trim();
            if (instance.Length == 0) return false;
            try
            {
                using var answer = await http.GetAsync($"{instance.TrimEnd('/')}/v1/jobs/{name}");
                return answer.IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, "the worker to hold the job");

        // The node agent restarts the killed container in its pod (same address, no memory of the job).
        var restarted = await LocalPods.KillAndWaitRestartAsync(kubectl, selector, worker);
        Assert.Equal(137, restarted.LastExitCode);

        var done = await api.WaitTerminalAsync(id);
        Assert.True(done["status"]!.GetValue<string>() == "completed", $"job ended {done}");
        // The REST view of a completed job carries no error; the attempt count shows on the resource.
        var attempts = await kubectl.OkAsync(null, "get", "aijob", name, "-o", "jsonpath={.status.attempts}");
        // One kill loses the first attempt; the second, on the restarted container, completes.
        Assert.True(attempts == "2", $"expected exactly one retried attempt, status.attempts={attempts}; attempt history "
                                     + await kubectl.OkAsync(null, "get", "aijob", name, "-o", "jsonpath={.status.attemptHistory}"));
    }

    [Fact]
    public async Task Hung_worker_yields_WORKER_TIMEOUT()
    {
        using var api = new JobsApi(stack.Gateway, stack.ApiKey, stack.Tenant);
        using var kubectl = new Kubectl(stack.Kubeconfig);
        var name = await QueueEndToEndTests.CreateJobAsync(kubectl, "review_sentiment", "high", sleepSeconds: 3600, timeoutSeconds: 2);

        var done = await api.WaitTerminalAsync(ResourceIds.JobIdFromName(name));

        Assert.Equal("failed", done["status"]!.GetValue<string>());
        Assert.Equal("WORKER_TIMEOUT", done["error"]!["code"]!.GetValue<string>());
        // A passed deadline is final (not retried, although maxRetries is 2): one attempt, no retry.
        Assert.Equal(0, done["error"]!["retry_count"]!.GetValue<int>());
        Assert.Equal("1", await kubectl.OkAsync(null, "get", "aijob", name, "-o", "jsonpath={.status.attempts}"));
    }
}
