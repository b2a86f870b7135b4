namespace Nexus.Operator.Pools;

/// <summary>How many replicas a pool should have, and when a lower figure may be applied.</summary>
public static class ScalingMath
{
    /// <summary>clamp(ceil(demand / concurrency), min, max); demand = queued + running jobs of the pool's types.</summary>
    public static int DesiredReplicas(int demand, int concurrencyPerReplica, int min, int max)
    {
        var perReplica = Math.Max(1, concurrencyPerReplica);
        var wanted = (int)Math.Ceiling(Math.Max(0, demand) / (double)perReplica);
        return Math.Clamp(wanted, Math.Max(0, min), Math.Max(min, max));
    }

    /// <summary>
    /// Scale-up applies at once. A lower figure applies only once demand has stayed below the current
    /// replicas for the whole delay; the figure applied is the highest wanted during that window.
    /// </summary>
    public sealed class ScaleDownGate
    {
        private DateTime? _lowSince;
        private int _windowMax;

        public int Decide(int current, int desired, TimeSpan delay, DateTime now)
        {
            if (desired >= current)
            {
                _lowSince = null;
                return desired;
            }
            if (_lowSince is null)
            {
                _lowSince = now;
                _windowMax = desired;
            }
            else
            {
                _windowMax = Math.Max(_windowMax, desired);
            }
            if (now - _lowSince.Value < delay) return current;
            var target = _windowMax;
            _lowSince = null;
            return target;
        }
    }
}
