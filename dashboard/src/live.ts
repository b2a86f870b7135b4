// Live updates. Views that show jobs follow the gateway's event streams (GET /api/ai-jobs/events, or one job's
// /api/ai-jobs/{id}/events): each `job` event carries the job's view, `reset` means "re-read". EventSource cannot
// send the Authorization header (and the key must never be in a URL or a cookie), so the stream is read with fetch()
// and parsed by src/sse.ts. When the stream cannot be opened the view falls back to polling, and says so.
import type { Job } from "./api";
import { session } from "./session";
import { SseParser } from "./sse";

export interface Subscription { stop(): void }

/** Runs a view's refresh every 2 s while the page is visible (and at once when it becomes visible again). */
export function onJobChanges(refresh: () => Promise<void>, intervalMs = POLL_MS): Subscription {
  let stopped = false;
  let timer: number | undefined;
  let running = false;

  const tick = async (): Promise<void> => {
    if (stopped) return;
    if (document.visibilityState === "visible" && !running) {
      running = true;
      try {
        await refresh();
      } catch {
        // The view shows its own error; the next tick tries again.
      } finally {
        running = false;
      }
    }
    if (!stopped) timer = window.setTimeout(() => void tick(), intervalMs);
  };
  const onVisible = (): void => {
    if (document.visibilityState === "visible" && !stopped) {
      window.clearTimeout(timer);
      void tick();
    }
  };
  document.addEventListener("visibilitychange", onVisible);
  timer = window.setTimeout(() => void tick(), intervalMs);
  return {
    stop() {
      stopped = true;
      window.clearTimeout(timer);
      document.removeEventListener("visibilitychange", onVisible);
    },
  };
}

export interface JobFeed {
  /** Re-reads what the view shows: when the stream first opens, after a `reset`, and on every poll while it cannot be opened. */
  refresh(): Promise<void>;
  /** A job's new view, from the stream. */
  onJob(job: Job): void;
  /** True for the view after which the stream has nothing more to say (a job's stream ends after its terminal view). */
  endsWith?(job: Job): boolean;
}

export type LiveMode = "connecting" | "live" | "polling" | "ended";

const POLL_MS = 2000;
/** A stream whose answer has not started by then counts as not opened (a proxy that buffers it, say). */
const OPEN_TIMEOUT_MS = 5000;
const DEFAULT_RETRY_MS = 3000;
const MAX_RETRY_MS = 30_000;

const LABELS: Record<LiveMode, [string, string]> = {
  connecting: ["connecting…", "Opening the event stream"],
  live: ["live", "Updated as the gateway's event stream reports changes"],
  polling: ["polling", "The event stream could not be opened: re-read every 2 s, and the stream is tried again"],
  ended: ["final", "The job is finished: nothing more will change"],
};

/** The small live/polling indicator a view puts beside its heading; followJobs keeps it current. */
export function liveIndicator(): HTMLElement {
  const el = document.createElement("span");
  el.id = "live-state";
  el.className = "live-state";
  el.setAttribute("role", "status");
  showMode(el, "connecting");
  return el;
}

function showMode(el: HTMLElement | undefined, mode: LiveMode): void {
  if (!el || el.dataset.mode === mode) return;
  el.dataset.mode = mode;
  el.textContent = LABELS[mode][0];
  el.title = LABELS[mode][1];
}

/**
 * Follows an event stream (`path` with its query) for a view. Events are applied as they come; changes missed while
 * the stream was down are not: a reconnect sends Last-Event-ID, and the gateway answers with exactly the changes
 * after it, or `reset` when it no longer has them (the view then re-reads). Events that arrive while a re-read is in
 * flight wait for it, so an older page never overwrites a newer event.
 */
export function followJobs(path: string, feed: JobFeed, indicator?: HTMLElement): Subscription {
  const parser = new SseParser();
  // stopped: the view went away (nothing more is applied); ended: the stream has nothing more to send.
  let stopped = false;
  let ended = false;
  let controller: AbortController | undefined;
  let retryTimer: number | undefined;
  let poll: Subscription | undefined;
  let failures = 0;
  let refreshing: Promise<void> | undefined;
  let pending: Job[] = [];

  const refresh = (): Promise<void> => {
    refreshing ??= feed.refresh().catch(() => undefined).finally(() => {
      refreshing = undefined;
      const queued = pending;
      pending = [];
      for (const job of queued) if (!stopped) feed.onJob(job);
    });
    return refreshing;
  };

  const finish = (): void => {
    ended = true;
    controller?.abort();
    poll?.stop();
    poll = undefined;
    showMode(indicator, "ended");
  };

  const retryLater = (notOpened: boolean): void => {
    if (stopped || ended) return;
    let delay = parser.retryMs ?? DEFAULT_RETRY_MS;
    if (notOpened) {
      failures++;
      delay = Math.min(MAX_RETRY_MS, delay * 2 ** (failures - 1));
      showMode(indicator, "polling");
      if (!poll) {
        void refresh();
        poll = onJobChanges(refresh);
      }
    } else {
      showMode(indicator, "connecting");
    }
    retryTimer = window.setTimeout(() => void connect(), delay);
  };

  const handle = (event: string, data: string): boolean => {
    if (event === "reset") {
      void refresh();
      return false;
    }
    if (event !== "job") return false;
    let job: Job;
    try {
      job = JSON.parse(data) as Job;
    } catch {
      return false; // not the view the API documents: skip it rather than break the page
    }
    if (refreshing) pending.push(job);
    else feed.onJob(job);
    return feed.endsWith?.(job) === true;
  };

  const connect = async (): Promise<void> => {
    const s = session();
    if (stopped || ended || !s) return;
    const abort = new AbortController();
    controller = abort;
    const headers: Record<string, string> = { Authorization: `Bearer ${s.key}`, Accept: "text/event-stream" };
    if (s.tenant) headers["X-Tenant-ID"] = s.tenant;
    if (parser.lastEventId) headers["Last-Event-ID"] = parser.lastEventId;
    const openTimer = window.setTimeout(() => abort.abort(), OPEN_TIMEOUT_MS);
    let response: Response;
    try {
      response = await fetch(path, { headers, cache: "no-store", credentials: "omit", signal: abort.signal });
    } catch {
      window.clearTimeout(openTimer);
      retryLater(true);
      return;
    } finally {
      window.clearTimeout(openTimer);
    }
    if (stopped || ended) { abort.abort(); return; }
    // A job's stream resumed after its terminal view has nothing more to send.
    if (response.status === 204) { finish(); return; }
    if (!response.ok || !response.body || !(response.headers.get("Content-Type") ?? "").startsWith("text/event-stream")) {
      await response.body?.cancel().catch(() => undefined);
      retryLater(true);
      return;
    }
    const resumed = parser.lastEventId !== "";
    failures = 0;
    poll?.stop();
    poll = undefined;
    showMode(indicator, "live");
    // A first stream starts at the gateway's present: read the current state once, after it is open, so no change
    // falls between the read and the stream. A resumed one gets exactly what it missed (or a reset).
    if (!resumed) void refresh();

    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const m of parser.push(decoder.decode(value, { stream: true }))) {
          if (handle(m.event, m.data)) { finish(); return; }
        }
      }
    } catch {
      // The connection broke (or stop() aborted it): reconnect below unless stopped.
    }
    retryLater(false);
  };

  void connect();
  return {
    stop() {
      stopped = true;
      controller?.abort();
      window.clearTimeout(retryTimer);
      poll?.stop();
      poll = undefined;
    },
  };
}
