using System.Collections.Concurrent;

namespace Nexus.KubeApiServer.Hosting;

/// <summary>One request as the server saw it.</summary>
public sealed record RecordedRequest(string Method, string Path, string Query, string Verb, string? Resource, string? Namespace,
    string? Name, string? Subresource);

/// <summary>Counts every request, in total and per verb and per "VERB path", so tests can assert what a client sent.</summary>
public sealed class RequestLog
{
    long _total;
    readonly ConcurrentDictionary<string, long> _byVerb = new();
    readonly ConcurrentDictionary<string, long> _byVerbPath = new();
    readonly ConcurrentQueue<RecordedRequest> _entries = new();
    readonly ConcurrentQueue<string> _denials = new();

    internal bool Keep { get; set; } = true;

    public long Total => Interlocked.Read(ref _total);

    /// <summary>Requests of one Kubernetes verb (get, list, watch, create, update, patch, delete, deletecollection).</summary>
    public long CountByVerb(string verb) => _byVerb.GetValueOrDefault(verb);

    /// <summary>Requests of one HTTP method and path, e.g. ("GET", "/apis/nexus.ai/v1/namespaces/default/aijobs").</summary>
    public long CountByPath(string method, string path) => _byVerbPath.GetValueOrDefault($"{method} {path}");

    public IReadOnlyDictionary<string, long> ByVerb => _byVerb;
    public IReadOnlyDictionary<string, long> ByMethodAndPath => _byVerbPath;

    /// <summary>The recorded requests, oldest first (empty when recording is off).</summary>
    public IReadOnlyList<RecordedRequest> Entries => _entries.ToArray();

    public long Count(Func<RecordedRequest, bool> predicate) => _entries.Count(predicate);

    /// <summary>
    /// The message of every request refused by authentication or RBAC (kept whether or not requests are recorded),
    /// so a test can show that a client needed nothing its role does not grant, and name what it lacked.
    /// </summary>
    public IReadOnlyList<string> Denials => _denials.ToArray();

    internal void RecordDenial(string message) => _denials.Enqueue(message);

    public void Reset()
    {
        Interlocked.Exchange(ref _total, 0);
        _byVerb.Clear();
        _byVerbPath.Clear();
        _entries.Clear();
        _denials.Clear();
    }

    internal void Record(RecordedRequest r)
    {
        Interlocked.Increment(ref _total);
        _byVerb.AddOrUpdate(r.Verb, 1, (_, n) => n + 1);
        _byVerbPath.AddOrUpdate($"{r.Method} {r.Path}", 1, (_, n) => n + 1);
        if (Keep) _entries.Enqueue(r);
    }
}
