import { listAll } from "../api";
import { fmtNum, fmtTime, h } from "../dom";
import { PRIORITIES, TYPE_NAMES } from "../jobTypes";
import { onJobChanges, type Subscription } from "../live";
import { lastHour, queueDepth } from "../platform";
import { api } from "../session";
import { errorBox, heading, jobLink } from "./common";

const HOUR = 3600_000;
// Finished jobs are found by creation date (the list filters on created_at): jobs created up to a day before
// they finished are counted.
const LOOKBACK = 24 * HOUR;

export function renderPlatform(main: HTMLElement): Subscription {
  const content = h("div", { id: "platform-content" }, h("p", {}, "Loading…"));
  main.replaceChildren(heading("Platform"),
    h("p", { class: "hint" }, "Computed in the browser from the jobs list (up to 2,000 jobs per status); refreshes every 2 s."), content);

  const load = async (): Promise<void> => {
    try {
      const now = Date.now();
      const start = new Date(now - LOOKBACK).toISOString();
      const [queued, running, completed, failed] = await Promise.all([
        listAll(api(), { status: "queued" }), listAll(api(), { status: "running" }),
        listAll(api(), { status: "completed", start_date: start }), listAll(api(), { status: "failed", start_date: start })]);
      const depth = queueDepth(queued.jobs);
      const stats = lastHour([...completed.jobs, ...failed.jobs], now - HOUR);
      const truncated = [queued, running, completed, failed].some((r) => r.truncated);

      const depthTable = h("table", { id: "platform-queue", "aria-label": "Queued jobs per type and priority" },
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Type"), ...PRIORITIES.map((p) => h("th", { scope: "col" }, p)), h("th", { scope: "col" }, "Total"))),
        h("tbody", {}, ...TYPE_NAMES.map((t) => {
          const row = depth.get(t);
          const total = PRIORITIES.reduce((n, p) => n + (row?.get(p) ?? 0), 0);
          return h("tr", { "data-type": t }, h("th", { scope: "row" }, t),
            ...PRIORITIES.map((p) => h("td", { "data-priority": p }, row?.get(p) ?? 0)), h("td", { "data-priority": "total" }, total));
        })));

      const runningList = running.jobs.length === 0 ? h("p", {}, "No job is running.")
        : h("ul", { id: "platform-running-list" }, ...running.jobs.map((j) => h("li", {}, jobLink(j.id), ` ${j.type}, started ${fmtTime(j.started_at)}`)));

      const hourTable = h("table", { id: "platform-hour", "aria-label": "Last hour per type" },
        h("thead", {}, h("tr", {}, ...["Type", "Completed", "Failed", "Throughput /min", "p50 s", "p90 s", "p99 s"].map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", {}, ...TYPE_NAMES.map((t) => {
          const s = stats.get(t) ?? { completed: 0, failed: 0 };
          return h("tr", { "data-type": t }, h("th", { scope: "row" }, t),
            h("td", { "data-metric": "completed" }, s.completed), h("td", { "data-metric": "failed" }, s.failed),
            h("td", { "data-metric": "throughput" }, fmtNum(s.completed / 60, 2)),
            h("td", { "data-metric": "p50" }, fmtNum(s.p50, 0)), h("td", { "data-metric": "p90" }, fmtNum(s.p90, 0)), h("td", { "data-metric": "p99" }, fmtNum(s.p99, 0)));
        })));

      content.replaceChildren(
        h("dl", { class: "facts" },
          h("dt", {}, "Queued"), h("dd", { id: "platform-queued-total" }, queued.jobs.length),
          h("dt", {}, "Running"), h("dd", { id: "platform-running-count" }, running.jobs.length),
          h("dt", {}, "Updated"), h("dd", {}, new Date(now).toLocaleTimeString())),
        truncated ? h("p", { class: "error-box" }, "More jobs than this view reads: figures are partial.") : "",
        h("h2", {}, "Queue depth"), depthTable,
        h("h2", {}, "Running jobs"), runningList,
        h("h2", {}, "Last hour (finished in the last 60 minutes)"), hourTable);
    } catch (e) {
      content.replaceChildren(errorBox(e));
      throw e;
    }
  };
  void load().catch(() => undefined);
  return onJobChanges(load);
}
