using Nexus.NodeAgent;

namespace Nexus.Tests.Agent;

/// <summary>A clock the test moves by hand, so back-off decisions are checked without waiting.</summary>
public sealed class FakeClock(DateTime start) : IClock
{
    private DateTime _now = start;

    public DateTime UtcNow
    {
        get { lock (this) return _now; }
    }

    public void Advance(TimeSpan by)
    {
        lock (this) _now += by;
    }
}
