import { TERMINAL } from "../api";
import { fmtTime, h, statusBadge } from "../dom";
import { onJobChanges, type Subscription } from "../live";
import { api } from "../session";
import { errorBox, heading, jobLink } from "./common";

export function renderBatch(main: HTMLElement, id: string): Subscription {
  const content = h("div", { id: "batch-content" });
  main.replaceChildren(heading(`Batch ${id}`), content);
  let done = false;
  const load = async (): Promise<void> => {
    if (done) return;
    try {
      const b = await api().getBatch(id);
      const counts = Object.entries(b.counts).map(([k, v]) => `${k} ${v}`).join(" · ");
      const chain = h("ol", { class: b.sequential ? "chain sequential" : "chain", id: "batch-chain", "aria-label": b.sequential ? "Jobs, run in this order" : "Jobs, run in parallel" },
        ...b.jobs.map((j, i) => h("li", { "data-job-id": j.id, "data-status": j.status },
          h("span", { class: "chain-index" }, `${i + 1}.`), " ", jobLink(j.id), " ", h("code", {}, j.type), " ", statusBadge(j.status),
          j.error ? h("span", { class: "hint" }, ` ${j.error.code}: ${j.error.message}`) : null,
          b.sequential && i < b.jobs.length - 1 ? h("span", { class: "arrow", "aria-hidden": "true" }, " ↓") : null)));
      content.replaceChildren(
        h("dl", { class: "facts" },
          h("dt", {}, "Status"), h("dd", { id: "batch-status" }, statusBadge(b.status)),
          h("dt", {}, "Mode"), h("dd", {}, b.sequential ? "sequential (each job after the previous one completed)" : "parallel"),
          h("dt", {}, "Created"), h("dd", {}, fmtTime(b.created_at)),
          h("dt", {}, "Completed"), h("dd", {}, fmtTime(b.completed_at)),
          h("dt", {}, "Counts"), h("dd", {}, counts)),
        h("h2", {}, "Chain"), chain);
      done = TERMINAL.has(b.status);
    } catch (e) {
      content.replaceChildren(errorBox(e));
      throw e;
    }
  };
  void load().catch(() => undefined);
  return onJobChanges(load);
}
