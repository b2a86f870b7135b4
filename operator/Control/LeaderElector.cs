using k8s.Models;
using Microsoft.Extensions.Logging;
using Nexus.Shared;

namespace Nexus.Operator.Control;

/// <summary>
/// Leader election on a coordination.k8s.io Lease. Expiry is judged by when this replica last saw the lease
/// record change (not by the holder's clock). The leader stops all work when it has failed to renew for
/// <see cref="OperatorOptions.RenewDeadline"/>, which is shorter than the lease duration, so it has stopped
/// before anyone else can acquire. On shutdown it releases the lease so a standby takes over at once.
/// </summary>
public sealed class LeaderElector
{
    private readonly KubeApi _api;
    private readonly OperatorOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly string _path;
    private long _rounds;
    private string? _observedRecord;
    private DateTime _observedAt;
    private volatile bool _isLeader;

    public LeaderElector(KubeApi api, OperatorOptions options, TimeProvider time, ILogger log)
    {
        _api = api;
        _options = options;
        _time = time;
        _log = log;
        _path = ResourceKind.Lease.Item(options.Namespace, options.LeaseName);
    }

    public bool IsLeader => _isLeader;
    /// <summary>Acquire-or-renew rounds done so far (each reads the lease once): lets a test step a fake clock in lockstep.</summary>
    public long Rounds => Interlocked.Read(ref _rounds);
    public event Action<bool>? LeadershipChanged;

    /// <summary>Runs <paramref name="whileLeading"/> each time leadership is acquired; cancels it when lost.</summary>
    public async Task RunAsync(Func<CancellationToken, Task> whileLeading, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            if (!await TryAcquireOrRenewAsync(ct))
            {
                try { await Task.Delay(_options.RetryPeriod, _time, ct); }
                catch (OperationCanceledException) { break; }
                continue;
            }

            _log.LogInformation("{Identity} is now the leader", _options.Identity);
            using var leading = CancellationTokenSource.CreateLinkedTokenSource(ct);
            SetLeader(true);
            var work = Task.Run(() => whileLeading(leading.Token), CancellationToken.None);
            var lastRenew = Now();
            while (!ct.IsCancellationRequested && !work.IsCompleted)
            {
                try { await Task.WhenAny(work, Task.Delay(_options.RetryPeriod, _time, ct)); }
                catch (OperationCanceledException) { break; }
                if (ct.IsCancellationRequested || work.IsCompleted) break;
                var remaining = _options.RenewDeadline - (Now() - lastRenew);
                using var renewTimeout = new CancellationTokenSource(remaining > TimeSpan.Zero ? remaining : TimeSpan.FromMilliseconds(1), _time);
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct, renewTimeout.Token);
                bool renewed;
                try { renewed = await TryAcquireOrRenewAsync(attempt.Token); }
                catch (OperationCanceledException) { renewed = false; }
                if (renewed) lastRenew = Now();
                else if (Now() - lastRenew >= _options.RenewDeadline)
                {
                    _log.LogWarning("{Identity} could not renew the lease for {Deadline}; stepping down", _options.Identity, _options.RenewDeadline);
                    break;
                }
            }

            SetLeader(false);
            leading.Cancel();
            try { await work; }
            catch (Exception e) when (e is OperationCanceledException || leading.IsCancellationRequested)
            {
            }
            catch (Exception e)
            {
                _log.LogError(e, "leader work failed");
            }
            if (ct.IsCancellationRequested) await ReleaseAsync();
        }
    }

    private DateTime Now() => _time.GetUtcNow().UtcDateTime;

    private void SetLeader(bool value)
    {
        _isLeader = value;
        LeadershipChanged?.Invoke(value);
    }

    private async Task<bool> TryAcquireOrRenewAsync(CancellationToken ct)
    {
        try
        {
            return await AcquireOrRenewAsync(ct);
        }
        finally
        {
            Interlocked.Increment(ref _rounds);
        }
    }

    private async Task<bool> AcquireOrRenewAsync(CancellationToken ct)
    {
        try
        {
            var now = Now();
            var lease = await _api.GetAsync<V1Lease>(_path, ct);
            if (lease is null)
            {
                var created = new V1Lease
                {
                    ApiVersion = "coordination.k8s.io/v1",
                    Kind = "Lease",
                    Metadata = new V1ObjectMeta { Name = _options.LeaseName, NamespaceProperty = _options.Namespace },
                    Spec = new V1LeaseSpec
                    {
                        HolderIdentity = _options.Identity,
                        LeaseDurationSeconds = (int)Math.Ceiling(_options.LeaseDuration.TotalSeconds),
                        AcquireTime = now,
                        RenewTime = now,
                        LeaseTransitions = 0,
                    },
                };
                await _api.CreateAsync(ResourceKind.Lease.Collection(_options.Namespace), created, ct);
                return true;
            }

            lease.Spec ??= new V1LeaseSpec();
            var spec = lease.Spec;
            if (spec.HolderIdentity == _options.Identity)
            {
                spec.RenewTime = now;
                spec.LeaseDurationSeconds = (int)Math.Ceiling(_options.LeaseDuration.TotalSeconds);
                await _api.ReplaceAsync(_path, lease, ct);
                return true;
            }

            var record = $"{spec.HolderIdentity}|{spec.RenewTime:O}|{lease.Metadata.ResourceVersion}";
            if (record != _observedRecord)
            {
                _observedRecord = record;
                _observedAt = now;
            }
            var duration = TimeSpan.FromSeconds(spec.LeaseDurationSeconds ?? (int)_options.LeaseDuration.TotalSeconds);
            if (!string.IsNullOrEmpty(spec.HolderIdentity) && _observedAt + duration > now) return false;

            spec.HolderIdentity = _options.Identity;
            spec.LeaseDurationSeconds = (int)Math.Ceiling(_options.LeaseDuration.TotalSeconds);
            spec.AcquireTime = now;
            spec.RenewTime = now;
            spec.LeaseTransitions = (spec.LeaseTransitions ?? 0) + 1;
            await _api.ReplaceAsync(_path, lease, ct);
            return true;
        }
        catch (KubeApiException e) when (e.IsConflict || e.Status == System.Net.HttpStatusCode.UnprocessableEntity)
        {
            return false;
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            if (e is OperationCanceledException) return false;
            _log.LogWarning("lease {Lease}: {Error}", _options.LeaseName, e.Message);
            return false;
        }
    }

    private async Task ReleaseAsync()
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            var lease = await _api.GetAsync<V1Lease>(_path, cts.Token);
            if (lease?.Spec?.HolderIdentity != _options.Identity) return;
            lease.Spec.HolderIdentity = null;
            lease.Spec.LeaseDurationSeconds = 1;
            await _api.ReplaceAsync(_path, lease, cts.Token);
        }
        catch (Exception e)
        {
            _log.LogInformation("releasing the lease failed: {Error}", e.Message);
        }
    }
}
