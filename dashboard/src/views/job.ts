import { ApiError, type Job, TERMINAL } from "../api";
import { fmtTime, h, statusBadge } from "../dom";
import { onJobChanges, type Subscription } from "../live";
import { renderResult } from "../results";
import { api, session } from "../session";
import { errorBox, heading, jobLink } from "./common";

function timeline(job: Job): HTMLElement {
  // The API reports attempts only for a failed job (error.retry_count); a job that never started had none.
  const attempts = job.error?.retry_count !== undefined ? job.error.retry_count + 1 : job.started_at ? undefined : 0;
  const finishedLabel = job.status === "completed" ? "Completed" : job.status === "failed" ? "Failed" : job.status === "cancelled" ? "Cancelled" : "Finished";
  const steps: [string, string, boolean][] = [
    ["Created and queued", fmtTime(job.created_at), true],
    ["Started", job.started_at ? fmtTime(job.started_at) : job.status === "queued" ? "waiting" : "–", !!job.started_at],
    [finishedLabel, job.completed_at ? fmtTime(job.completed_at) : TERMINAL.has(job.status) ? "–" : job.estimated_completion_at ? `expected ${fmtTime(job.estimated_completion_at)}` : "–", !!job.completed_at || TERMINAL.has(job.status)],
  ];
  return h("div", {},
    h("ol", { class: "timeline", id: "job-timeline" }, ...steps.map(([label, when, done]) =>
      h("li", { class: done ? "done" : "pending" }, h("span", { class: "step" }, label), " ", h("time", {}, when)))),
    h("dl", { class: "facts" },
      h("dt", {}, "Run time"), h("dd", {}, job.duration_seconds !== undefined ? `${job.duration_seconds} s` : "–"),
      ...(attempts !== undefined ? [h("dt", {}, "Attempts"), h("dd", { id: "job-attempts" }, String(attempts))] : []),
      ...(job.error?.retry_count !== undefined ? [h("dt", {}, "Retries"), h("dd", {}, String(job.error.retry_count))] : [])));
}

export function renderJob(main: HTMLElement, id: string): Subscription {
  const statusSlot = h("span", { id: "job-status" });
  const actions = h("div", { class: "actions", id: "job-actions" });
  const notice = h("div", { id: "job-notice", "aria-live": "polite" });
  const content = h("div", { id: "job-content" }, h("p", {}, "Loading…"));
  main.replaceChildren(heading(`Job ${id}`, statusSlot), actions, notice, content);
  const canWrite = session()?.canWrite === true;
  let last: Job | undefined;
  let shownKey = "";
  let rawOpen = false;

  const render = (job: Job): void => {
    statusSlot.replaceChildren(statusBadge(job.status));
    // Re-render only on change, so focus and an opened raw-JSON view stay put between polls.
    const key = JSON.stringify(job);
    if (key === shownKey) return;
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
    if (last && TERMINAL.has(last.status)) return;
    try {
      last = await api().get(id);
      render(last);
    } catch (e) {
      content.replaceChildren(errorBox(e));
      throw e;
    }
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

  // Retry = the same type, params and priority dispatched again as a new job (no server-side retry yet).
  const retry = async (): Promise<void> => {
    if (!last) return;
    try {
      const job = await api().dispatch({ type: last.type, params: last.params ?? {}, priority: last.priority });
      notice.replaceChildren(h("p", { id: "job-retried" }, "Retried as ", jobLink(job.id), "."));
      notice.querySelector("a")?.focus();
    } catch (e) {
      notice.replaceChildren(errorBox(e), ...(e instanceof ApiError ? e.details.map((d) => h("p", { class: "field-error" }, `${d.field}: ${d.message}`)) : []));
    }
  };

  void load().catch(() => undefined);
  return onJobChanges(load);
}
