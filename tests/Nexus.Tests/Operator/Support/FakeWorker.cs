using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Nexus.Tests.Operator.Support;

/// <summary>What the fake worker does with one submitted attempt.</summary>
public sealed record FakeBehaviour
{
    /// <summary>How long the job runs; zero completes at once.</summary>
    public TimeSpan Duration { get; init; }
    public JsonNode? Result { get; init; }
    /// <summary>Fail with this error instead of completing.</summary>
    public (string Code, string Message, bool Retryable)? Error { get; init; }
    /// <summary>Never finish (deadline tests).</summary>
    public bool Hang { get; init; }
    /// <summary>Answer 422 on submit.</summary>
    public string? RejectParams { get; init; }
    /// <summary>Report progress as the elapsed share of <see cref="Duration"/> (0.5 throughout when false), as real workers do.</summary>
    public bool MovingProgress { get; init; }
    /// <summary>Run until this task completes (then complete at the next poll), instead of for <see cref="Duration"/>.</summary>
    public Task? Until { get; init; }
}

/// <summary>
/// An in-process worker instance speaking the worker HTTP contract over real HTTP on 127.0.0.1:0, with
/// scriptable behaviour per (job, attempt) and a record of everything it was asked to do.
/// </summary>
public sealed class FakeWorker : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Entry> _jobs = new();
    private int _running;

    public string Url { get; }
    public int Concurrency { get; set; } = 1000;
    public bool Ready { get; set; } = true;
    /// <summary>Chooses the behaviour of an attempt: (id, attempt, params) → behaviour.</summary>
    public Func<string, int, JsonElement?, FakeBehaviour> Behave { get; set; } = (_, _, _) => new FakeBehaviour { Result = new JsonObject { ["ok"] = true } };
    public ConcurrentQueue<(string Id, int Attempt)> Submissions { get; } = new();
    public ConcurrentQueue<string> Aborts { get; } = new();
    /// <summary>Holds a poll with <c>?wait=</c> until its job ends or the wait passes, as the real workers do; false: answers at once, as a worker without long-polls.</summary>
    public bool LongPolls { get; set; }
    /// <summary>Every poll: its job, the wait it asked for (null: none), and whether it was answered because its job ended while it was held.</summary>
    public ConcurrentQueue<(string Id, double? Wait, bool WokenByEnd)> Polls { get; } = new();
    /// <summary>Polls being held now.</summary>
    public int HeldPolls;
    /// <summary>When set, a status code (429, 5xx) answered to a submit instead of accepting it: (id, attempt) → code or null.</summary>
    public Func<string, int, int?> RefuseSubmit { get; set; } = (_, _) => null;
    /// <summary>Submits answered with a refusal: (id, attempt, status code, when).</summary>
    public ConcurrentQueue<(string Id, int Attempt, int Code, DateTime At)> Refusals { get; } = new();
    /// <summary>When each (id, attempt) was accepted.</summary>
    public ConcurrentDictionary<(string Id, int Attempt), DateTime> AcceptedAt { get; } = new();
    /// <summary>
    /// The first submit of each job is held this long before it is taken; a submit whose caller went away meanwhile
    /// (the operator was killed) is dropped, as if it never arrived.
    /// </summary>
    public TimeSpan FirstSubmitHold { get; set; }
    /// <summary>Submits being held right now.</summary>
    public int HeldNow;
    /// <summary>Held submits dropped because their caller went away.</summary>
    public int DroppedSubmits;
    /// <summary>Submits of an attempt this instance already had (idempotent re-submits).</summary>
    public int RepeatedSubmits;
    /// <summary>Jobs this instance reports as running an earlier attempt than the one submitted (a stale instance).</summary>
    public Func<string, int, bool> ReportsStaleAttempt { get; set; } = (_, _) => false;
    /// <summary>(id, attempt, started, finished) of every attempt run here; finished is null while running.</summary>
    public IReadOnlyList<(string Id, int Attempt, DateTime Started, DateTime? Finished)> Runs =>
        _runs.Select(e => (e.Id, e.Attempt, e.Started, e.Finished)).ToList();
    private readonly ConcurrentQueue<Entry> _runs = new();
    private readonly ConcurrentDictionary<string, byte> _heldOnce = new();
    private CancellationTokenSource _dropHeld = new();

    private volatile TaskCompletionSource? _freeze;

    /// <summary>The callers of the submits held right now are gone (killed): drop those submits, as if they never arrived.</summary>
    public void DropHeldSubmits() => Interlocked.Exchange(ref _dropHeld, new CancellationTokenSource()).Cancel();

    /// <summary>
    /// Held submits stay held past <see cref="FirstSubmitHold"/> until <see cref="ThawHeldSubmits"/> or
    /// <see cref="DropHeldSubmits"/>: a kill made while one is held then certainly interrupts it.
    /// </summary>
    public void FreezeHeldSubmits() => _freeze ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void ThawHeldSubmits() => Interlocked.Exchange(ref _freeze, null)?.TrySetResult();
    public int MaxConcurrent;
    /// <summary>Attempts started while another attempt of the same job was running here.</summary>
    public int Overlaps;

    private FakeWorker(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    public static async Task<FakeWorker> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        FakeWorker? self = null;
        app.MapPost("/v1/jobs", (Func<HttpContext, Task<IResult>>)(ctx => self!.SubmitAsync(ctx)));
        app.MapGet("/v1/jobs/{id}", (string id, double? wait) => self!.GetAsync(id, wait));
        app.MapDelete("/v1/jobs/{id}", (string id) => self!.Abort(id));
        app.MapGet("/v1/capabilities", () => Results.Json(new { job_types = Nexus.Crds.Entities.JobTypes.All, concurrency = self!.Concurrency }));
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapGet("/readyz", () => self!.Ready ? Results.Text("ok") : Results.Text("not ready", statusCode: 503));
        await app.StartAsync();
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        self = new FakeWorker(app, url);
        return self;
    }

    /// <summary>Forgets every job, as a restarted instance would.</summary>
    public void ForgetAll() => _jobs.Clear();

    public IReadOnlyList<string> SubmittedIds => Submissions.Select(s => s.Id).ToList();

    private async Task<IResult> SubmitAsync(HttpContext ctx)
    {
        var body = await JsonSerializer.DeserializeAsync<JsonElement>(ctx.Request.Body);
        var id = body.GetProperty("id").GetString()!;
        var attempt = body.GetProperty("attempt").GetInt32();
        if (string.IsNullOrEmpty(body.GetProperty("deadline").GetString())) return Results.BadRequest();
        JsonElement? parameters = body.TryGetProperty("params", out var p) && p.ValueKind != JsonValueKind.Null ? p.Clone() : null;
        if (FirstSubmitHold > TimeSpan.Zero && _heldOnce.TryAdd(id, 0))
        {
            Interlocked.Increment(ref HeldNow);
            try
            {
                using var dropped = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, Volatile.Read(ref _dropHeld).Token);
                await Task.Delay(FirstSubmitHold, dropped.Token);
                if (_freeze is { } frozen) await frozen.Task.WaitAsync(dropped.Token);
            }
            catch (OperationCanceledException)
            {
                Interlocked.Increment(ref DroppedSubmits);
                return Results.StatusCode(499);
            }
            finally
            {
                Interlocked.Decrement(ref HeldNow);
            }
        }
        if (_jobs.TryGetValue(id, out var existing) && existing.Attempt == attempt)
        {
            Interlocked.Increment(ref RepeatedSubmits);
            return Results.Accepted();
        }
        if (RefuseSubmit(id, attempt) is { } code)
        {
            Refusals.Enqueue((id, attempt, code, DateTime.UtcNow));
            return Results.Json(new { error = new { code = code == 429 ? "WORKER_BUSY" : "UNAVAILABLE", message = $"refused with {code}" } }, statusCode: code);
        }
        var behaviour = Behave(id, attempt, parameters);
        if (behaviour.RejectParams is { } reason)
        {
            return Results.Json(new { error = new { code = "INVALID_PARAMS", message = reason } }, statusCode: 422);
        }
        lock (_jobs)
        {
            if (_running >= Concurrency) return Results.Json(new { error = new { code = "WORKER_BUSY", message = "full" } }, statusCode: 429);
            if (existing is not null && existing.Status == "running") Overlaps++;
            _running++;
            MaxConcurrent = Math.Max(MaxConcurrent, _running);
        }
        Submissions.Enqueue((id, attempt));
        var entry = new Entry(id, attempt, behaviour, DateTime.UtcNow);
        AcceptedAt[(id, attempt)] = entry.Started;
        _jobs[id] = entry;
        _runs.Enqueue(entry);
        if (behaviour.Duration == TimeSpan.Zero && !behaviour.Hang && behaviour.Until is null) Finish(entry);
        return Results.Accepted();
    }

    private async Task<IResult> GetAsync(string id, double? wait)
    {
        var woken = false;
        if (LongPolls && wait > 0 && _jobs.TryGetValue(id, out var held) && held.Status == "running" && !held.Behaviour.Hang)
        {
            Interlocked.Increment(ref HeldPolls);
            try
            {
                var end = held.Behaviour.Until ?? Task.Delay(held.Started + held.Behaviour.Duration - DateTime.UtcNow is var left && left > TimeSpan.Zero ? left : TimeSpan.Zero);
                woken = await Task.WhenAny(end, Task.Delay(TimeSpan.FromSeconds(wait.Value))) == end;
            }
            finally
            {
                Interlocked.Decrement(ref HeldPolls);
            }
        }
        Polls.Enqueue((id, wait, woken));
        return Get(id);
    }

    private IResult Get(string id)
    {
        if (!_jobs.TryGetValue(id, out var e)) return Results.Json(new { error = new { code = "NOT_FOUND", message = id } }, statusCode: 404);
        var elapsed = DateTime.UtcNow - e.Started;
        if (e.Status == "running" && !e.Behaviour.Hang && (e.Behaviour.Until is { } until ? until.IsCompleted : elapsed >= e.Behaviour.Duration)) Finish(e);
        var progress = e.Status != "running" ? 1.0
            : e.Behaviour.MovingProgress && e.Behaviour.Duration > TimeSpan.Zero ? Math.Round(Math.Min(0.99, elapsed / e.Behaviour.Duration), 2)
            : 0.5;
        var json = new JsonObject { ["id"] = e.Id, ["type"] = "x", ["attempt"] = ReportsStaleAttempt(id, e.Attempt) ? e.Attempt - 1 : e.Attempt, ["status"] = e.Status, ["progress"] = progress };
        if (e.Status == "completed") json["result"] = e.Behaviour.Result?.DeepClone();
        if (e.Status == "failed" && e.Behaviour.Error is { } err)
        {
            json["error"] = new JsonObject { ["code"] = err.Code, ["message"] = err.Message, ["retryable"] = err.Retryable };
        }
        return Results.Json(json);
    }

    private IResult Abort(string id)
    {
        Aborts.Enqueue(id);
        if (_jobs.TryRemove(id, out var e) && e.Status == "running")
        {
            lock (_jobs) _running--;
            e.Finished = DateTime.UtcNow;
        }
        return Results.NoContent();
    }

    private void Finish(Entry e)
    {
        lock (_jobs)
        {
            if (e.Status != "running") return;
            e.Status = e.Behaviour.Error is null ? "completed" : "failed";
            e.Finished = DateTime.UtcNow;
            _running--;
        }
    }

    /// <summary>Stops listening, as a crashed or partitioned instance: every later request fails to connect.</summary>
    public async Task StopListeningAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0) await _app.StopAsync();
    }

    private int _stopped;

    public async ValueTask DisposeAsync()
    {
        await StopListeningAsync();
        await _app.DisposeAsync();
    }

    private sealed class Entry(string id, int attempt, FakeBehaviour behaviour, DateTime started)
    {
        public string Id { get; } = id;
        public int Attempt { get; } = attempt;
        public FakeBehaviour Behaviour { get; } = behaviour;
        public DateTime Started { get; } = started;
        public string Status { get; set; } = "running";
        public DateTime? Finished { get; set; }
    }
}
