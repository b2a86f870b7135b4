import { ApiError, type Job, TERMINAL } from "../api";
import { fmtTime, h, statusBadge } from "../dom";
import { followJobs, liveIndicator, type Subscription } from "../live";
import { renderResult } from "../results";
import { api, session } from "../session";
import { errorBox, heading, jobLink } from "./common";

type Attempt = NonNullable<Job["attempts"]>[number];

const FINISHED: Record<string, string> = { completed: "Completed", failed: "Failed", cancelled: "Cancelled" };

function attemptStep(a: Attempt): HTMLElement {
  const ended = a.outcome !== "running";
  return h("li", { class: `attempt outcome-${/^[a-z]+$/.test(a.outcome) ? a.outcome : "unknown"} ${ended ? "done" : "current"}`,
    "data-attempt": a.number, "data-outcome": a.outcome, "data-instance": a.instance ?? "" },
  h("span", { class: "step" }, `Attempt ${a.number}`),
  h("span", { class: "attempt-where" }, a.instance ? `on ${a.instance}` : "on an unknown instance"), " ",
  h("span", { class: "attempt-outcome" }, a.outcome), a.error_code ? h("code", { class: "attempt-error" }, ` ${a.error_code}`) : null, " ",
  h("time", {}, fmtTime(a.started_at)), ended ? h("span", {}, " → ", h("time", {}, fmtTime(a.ended_at))) : null);
}

function finishedWhen(job: Job): string {
  if (job.completed_at) return fmtTime(job.completed_at);
  if (TERMINAL.has(job.status) || !job.estimated_completion_at) return "–";
  return `expected ${fmtTime(job.estimated_completion_at)}`;
}

/** Queued, each attempt (its worker instance and outcome), then the end or the expected completion. */
export function timeline(job: Job): HTMLElement {
  const attempts = job.attempts ?? [];
  const terminal = TERMINAL.has(job.status);
  const step = (label: string, when: string, done: boolean, attrs: Record<string, string> = {}, timeId?: string): HTMLElement =>
    h("li", { class: done ? "done" : "pending", ...attrs }, h("span", { class: "step" }, label), " ", h("time", { id: timeId }, when));
  const steps: HTMLElement[] = [step("Queued", fmtTime(job.created_at), true, { "data-step": "queued" })];
  if (attempts.length > 0) steps.push(...attempts.map(attemptStep));
  else if (job.started_at) steps.push(step("Started", fmtTime(job.started_at), true, { "data-step": "started" }));
  else if (!terminal) steps.push(step("Waiting for a worker", "", false, { "data-step": "waiting" }));
  const end = step(FINISHED[job.status] ?? "Finished", finishedWhen(job), terminal, { "data-step": "finished" }, "job-finished-when");
  if (job.status === "failed" || job.status === "cancelled") end.classList.add(`outcome-${job.status}`);
  steps.push(end);
  // A job that failed before attempts were reported still has its retry count.
  const count = attempts.length > 0 ? attempts.length : job.error?.retry_count !== undefined ? job.error.retry_count + 1 : job.started_at ? undefined : 0;
  return h("div", {},
    h("ol", { class: "timeline", id: "job-timeline" }, ...steps),
    h("dl", { class: "facts" },
      h("dt", {}, "Run time"), h("dd", {}, job.duration_seconds !== undefined ? `${job.duration_seconds} s` : "–"),
      ...(count !== undefined ? [h("dt", {}, "Attempts"), h("dd", { id: "job-attempts" }, String(count))] : []),
      ...(job.error?.retry_count !== undefined ? [h("dt", {}, "Retries"), h("dd", {}, String(job.error.retry_count))] : [])));
}

/** Where a live job is now: a running job's progress bar, a queued job's place in the queue; and its ETA. */
export function liveState(job: Job): HTMLElement {
  const eta = job.estimated_completion_at && !TERMINAL.has(job.status)
    ? h("span", { id: "job-eta" }, "expected to complete by ", h("time", { datetime: job.estimated_completion_at }, fmtTime(job.estimated_completion_at)))
    : null;
  if (job.status === "running") {
    const known = typeof job.progress === "number" && Number.isFinite(job.progress);
    const percent = known ? Math.round(Math.min(1, Math.max(0, job.progress!)) * 100) : undefined;
    return h("div", { class: "live-now", id: "job-live" },
      percent === undefined
        ? h("p", { id: "job-progress-none" }, "Running; the worker has not reported progress yet.")
        : h("div", { class: "progress", id: "job-progress" },
          h("progress", { id: "job-progress-bar", max: 100, value: percent, "aria-label": "Progress" }, `${percent}%`),
          h("span", { id: "job-progress-text" }, `${percent}%`)),
      eta ? h("p", {}, eta) : null);
  }
  if (job.status === "queued") {
    return h("div", { class: "live-now", id: "job-live" },
      h("p", {}, typeof job.queue_position === "number"
        ? h("span", { id: "job-queue" }, "Position ", h("strong", { id: "job-queue-position" }, String(job.queue_position)), " in the queue")
        : h("span", { id: "job-queue" }, "Queued"),
      eta ? " · " : null, eta));
  }
  return h("div", { id: "job-live" });
}

export function renderJob(main: HTMLElement, id: string): Subscription {
  const statusSlot = h("span", { id: "job-status" });
  const indicator = liveIndicator();
  const now = h("div", { id: "job-now" });
  const actions = h("div", { class: "actions", id: "job-actions" });
  const notice = h("div", { id: "job-notice", "aria-live": "polite" });
  const content = h("div", { id: "job-content" }, h("p", {}, "Loading…"));
  main.replaceChildren(heading(`Job ${id}`, statusSlot, indicator), now, actions, notice, content);
  const canWrite = session()?.canWrite === true;
  let last: Job | undefined;
  let shownKey = "";
  let rawOpen = false;

  const render = (job: Job): void => {
    statusSlot.replaceChildren(statusBadge(job.status));
    now.replaceChildren(liveState(job));
    // Re-render the rest only when more than the live figures changed, so focus and an opened raw-JSON view stay
    // put while progress moves.
    const key = JSON.stringify({ ...job, progress: undefined, queue_position: undefined, estimated_completion_at: undefined });
    if (key === shownKey) {
      // Only the live figures moved: update them where the rest of the page shows them.
      const when = content.querySelector("#job-finished-when");
      if (when) when.textContent = finishedWhen(job);
      const raw = content.querySelector("#job-raw pre");
      if (raw) raw.textContent = JSON.stringify(job, null, 2);
      return;
    }
    shownKey = key;
    actions.replaceChildren(
      ...(canWrite && job.status === "queued" ? [h("button", { type: "button", id: "job-cancel", class: "danger" }, "Cancel job")] : []),
      ...(canWrite && (job.status === "failed" || job.status === "cancelled") ? [h("button", { type: "button", id: "job-retry" }, "Retry as a new job")] : []));
    actions.querySelector("#job-cancel")?.addEventListener("click", () => void cancel());
    actions.querySelector("#job-retry")?.addEventListener("click", () => void retry());

    const raw = h("details", { class: "raw", id: "job-raw", open: rawOpen }, h("summary", {}, "Raw JSON"), h("pre", { tabindex: "0", "aria-label": "The job as the API returns it" }, JSON.stringify(job, null, 2)));
    raw.addEventListener("toggle", () => { rawOpen = raw.open; });
    content.replaceChildren(
      h("dl", { class: "facts" },
        h("dt", {}, "Type"), h("dd", { id: "job-type" }, job.type),
        h("dt", {}, "Priority"), h("dd", {}, job.priority ?? "–"),
        ...(job.batch_id ? [h("dt", {}, "Batch"), h("dd", {}, h("a", { href: `#/batch/${encodeURIComponent(job.batch_id)}` }, job.batch_id))] : [])),
      h("h2", {}, "Timeline"), timeline(job),
      h("h2", {}, "Params"), h("pre", { class: "params", id: "job-params", tabindex: "0", "aria-label": "Params" }, JSON.stringify(job.params ?? {}, null, 2)),
      ...(job.error ? [h("h2", {}, "Error"), h("p", { class: "error-box", id: "job-error" }, h("strong", {}, job.error.code), ": ", job.error.message)] : []),
      ...(job.status === "completed" ? [h("h2", {}, "Result"), h("div", { id: "job-result", "data-type": job.type }, renderResult(job.type, job.result))] : []),
      raw);
  };

  const load = async (): Promise<void> => {
    if (last && TERMINAL.has(last.status) && (last.status !== "completed" || last.result !== undefined)) return;
    try {
      last = await api().get(id);
      render(last);
    } catch (e) {
      content.replaceChildren(errorBox(e));
      throw e;
    }
  };

  // From the job's stream. A completed view comes with its result unless it is too large for an event: GET has it.
  const onJob = (job: Job): void => {
    if (job.id !== id) return;
    last = job;
    render(job);
    if (job.status === "completed" && job.result === undefined) void load().catch(() => undefined);
  };

  const cancel = async (): Promise<void> => {
    try {
      await api().cancel(id);
      notice.replaceChildren(h("p", {}, "Cancel requested."));
      last = undefined;
      await load();
    } catch (e) {
      notice.replaceChildren(errorBox(e));
      if (e instanceof ApiError && e.code === "JOB_NOT_CANCELLABLE") { last = undefined; await load().catch(() => undefined); }
    }
  };

  // Retry is the gateway's: a new job with the same type, params, priority, options and metadata, whose retry_of
  // names this one.
  const retry = async (): Promise<void> => {
    if (!last) return;
    try {
      const job = await api().retry(last.id);
      notice.replaceChildren(h("p", { id: "job-retried" }, "Retried as ", jobLink(job.id), "."));
      notice.querySelector("a")?.focus();
    } catch (e) {
      notice.replaceChildren(errorBox(e), ...(e instanceof ApiError ? e.details.map((d) => h("p", { class: "field-error" }, `${d.field}: ${d.message}`)) : []));
    }
  };

  return followJobs(`/api/ai-jobs/${encodeURIComponent(id)}/events`, { refresh: load, onJob, endsWith: (job) => TERMINAL.has(job.status) }, indicator);
}
