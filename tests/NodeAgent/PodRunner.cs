using k8s.Models;

namespace Nexus.NodeAgent;

/// <summary>
/// One replica: its Pod object and the local process of its container, kept running as a kubelet keeps a
/// restartPolicy=Always pod (restart with back-off, readiness from the probe), and its pod-like status.
/// </summary>
public sealed class PodRunner
{
    private readonly object _lock = new();
    private readonly IClock _clock;
    private readonly CrashBackoff _backoff;
    private readonly AgentOptions _options;
    private LocalProcess? _process;
    private CancellationTokenSource? _probing;
    private DateTime? _startedAt;
    private V1ContainerStateTerminated? _lastTerminated;
    private int _restarts;
    private bool _ready;
    private string? _waitingReason, _waitingMessage;
    private Task? _stopping;

    public PodRunner(V1Pod pod, string templateHash, IClock clock, CrashBackoff backoff, AgentOptions options)
    {
        Pod = pod;
        TemplateHash = templateHash;
        _clock = clock;
        _backoff = backoff;
        _options = options;
        Container = pod.Spec.Containers[0];
        Ports = LocalConvention.AssignPorts(Container);
        Created = clock.UtcNow;
    }

    /// <summary>The Pod as last written to the API (its uid and resourceVersion are the server's).</summary>
    public V1Pod Pod { get; set; }
    public string Name => Pod.Metadata.Name;
    public string TemplateHash { get; }
    public V1Container Container { get; }
    public IReadOnlyDictionary<string, int> Ports { get; }
    public DateTime Created { get; }
    public bool Terminating { get; private set; }
    public bool Stopped => _stopping is { IsCompleted: true };
    public int? Pid { get { lock (_lock) return _process is { HasExited: false } p ? p.Pid : null; } }

    public bool Ready
    {
        get { lock (_lock) return _ready && !Terminating && _process is { HasExited: false }; }
    }

    private string BackoffKey => $"{Pod.Metadata.NamespaceProperty}/{Name}/{Container.Name}";

    /// <summary>Notices an exited container, and (re)starts it unless it is waiting out its back-off.</summary>
    public void Sync(Action changed)
    {
        lock (_lock)
        {
            if (Terminating) return;
            if (_process is { HasExited: true } exited)
            {
                var code = exited.ExitCode;
                _lastTerminated = new V1ContainerStateTerminated
                {
                    ExitCode = code,
                    Reason = code == 0 ? "Completed" : "Error",
                    StartedAt = _startedAt,
                    FinishedAt = _clock.UtcNow,
                    ContainerID = $"local://{exited.Pid}",
                };
                exited.Dispose();
                _process = null;
                StopProbing();
                _ready = false;
            }
            if (_process is not null) return;
            if (_lastTerminated?.FinishedAt is { } finished)
            {
                if (_backoff.IsInBackOffSince(BackoffKey, finished))
                {
                    var reason = "CrashLoopBackOff";
                    var message = $"back-off {Format(_backoff.Get(BackoffKey))} restarting failed container={Container.Name} pod={Name}_{Pod.Metadata.NamespaceProperty}({Pod.Metadata.Uid})";
                    if (_waitingReason != reason || _waitingMessage != message) (_waitingReason, _waitingMessage) = (reason, message);
                    return;
                }
                _backoff.Next(BackoffKey, finished);
                _restarts++;
            }
            StartLocked(changed);
        }
    }

    private void StartLocked(Action changed)
    {
        if (!(Pod.Metadata.Annotations?.TryGetValue(LocalConvention.CommandAnnotation, out var command) ?? false) || string.IsNullOrWhiteSpace(command))
        {
            (_waitingReason, _waitingMessage) = ("CreateContainerConfigError", $"no {LocalConvention.CommandAnnotation} annotation on the pod template: nothing to run locally");
            return;
        }
        var workdir = Pod.Metadata.Annotations.TryGetValue(LocalConvention.WorkdirAnnotation, out var w) ? Path.GetFullPath(w) : Directory.GetCurrentDirectory();
        ReadinessProbe probe;
        Dictionary<string, string> env;
        try
        {
            probe = new ReadinessProbe(Container.ReadinessProbe, Ports);
            env = LocalConvention.Environment(Container, Pod, Ports);
        }
        catch (ArgumentException e)
        {
            (_waitingReason, _waitingMessage) = ("CreateContainerConfigError", e.Message);
            return;
        }
        var log = _options.LogDirectory is { } dir ? Path.Combine(dir, $"{Name}.log") : null;
        _process = LocalProcess.Start(command, workdir, env, log);
        _startedAt = _clock.UtcNow;
        (_waitingReason, _waitingMessage) = (null, null);
        _probing = new CancellationTokenSource();
        var token = _probing.Token;
        var process = _process;
        _ = Task.Run(() => probe.RunAsync(ready =>
        {
            lock (_lock)
            {
                if (_process != process) return;
                _ready = ready;
            }
            changed();
        }, token), token).ContinueWith(_ => { }, TaskScheduler.Default);
        _ = process.Exited.ContinueWith(_ => changed(), TaskScheduler.Default);
    }

    /// <summary>Marks the pod terminating: it leaves the Service's ready endpoints before its process is signalled.</summary>
    public void MarkTerminating()
    {
        lock (_lock) Terminating = true;
    }

    /// <summary>SIGTERM, then SIGKILL after the pod's terminationGracePeriodSeconds (default 30).</summary>
    public Task StopAsync()
    {
        lock (_lock)
        {
            Terminating = true;
            return _stopping ??= StopCoreAsync();
        }
    }

    private async Task StopCoreAsync()
    {
        LocalProcess? process;
        lock (_lock)
        {
            process = _process;
            StopProbing();
            _ready = false;
        }
        if (process is not null)
        {
            await process.StopAsync(TimeSpan.FromSeconds(Pod.Spec.TerminationGracePeriodSeconds ?? 30));
            process.Dispose();
        }
        _backoff.Forget(BackoffKey);
    }

    private void StopProbing()
    {
        _probing?.Cancel();
        _probing?.Dispose();
        _probing = null;
    }

    public V1PodStatus Status()
    {
        lock (_lock)
        {
            var running = _process is { HasExited: false };
            var ready = _ready && running && !Terminating;
            V1ContainerState state = running
                ? new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = _startedAt } }
                : _waitingReason is not null || _lastTerminated is null
                    ? new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = _waitingReason ?? "ContainerCreating", Message = _waitingMessage } }
                    : new V1ContainerState { Terminated = _lastTerminated };
            var lastState = state.Terminated is null && _lastTerminated is not null
                ? new V1ContainerState { Terminated = _lastTerminated }
                : new V1ContainerState();
            var ever = running || _lastTerminated is not null;
            var now = Pod.Status?.StartTime ?? Created;
            V1PodCondition Condition(string type, bool value) => new()
            {
                Type = type, Status = value ? "True" : "False",
                LastTransitionTime = Pod.Status?.Conditions?.FirstOrDefault(c => c.Type == type && c.Status == (value ? "True" : "False"))?.LastTransitionTime ?? _clock.UtcNow,
            };
            return new V1PodStatus
            {
                Phase = ever ? "Running" : "Pending",
                HostIP = LocalConvention.PodIp,
                HostIPs = [new V1HostIP { Ip = LocalConvention.PodIp }],
                PodIP = LocalConvention.PodIp,
                PodIPs = [new V1PodIP { Ip = LocalConvention.PodIp }],
                StartTime = now,
                QosClass = "BestEffort",
                Conditions =
                [
                    Condition("PodScheduled", true),
                    Condition("Initialized", true),
                    Condition("ContainersReady", ready),
                    Condition("Ready", ready),
                ],
                ContainerStatuses =
                [
                    new V1ContainerStatus
                    {
                        Name = Container.Name,
                        Image = Container.Image ?? "local",
                        ImageID = "",
                        ContainerID = running ? $"local://{_process!.Pid}" : null,
                        Ready = ready,
                        Started = running,
                        RestartCount = _restarts,
                        State = state,
                        LastState = lastState,
                    },
                ],
            };
        }
    }

    private static string Format(TimeSpan t) =>
        t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes}m{t.Seconds}s" : $"{(int)t.TotalSeconds}s"; // as Go prints a duration
}
