import { type Job, type ListQuery } from "../api";
import { fmtTime, h, statusBadge } from "../dom";
import { STATUSES, TYPE_NAMES } from "../jobTypes";
import { onJobChanges, type Subscription } from "../live";
import { api } from "../session";
import { errorBox, heading, jobLink } from "./common";

const PAGE_SIZES = ["20", "50", "100", "5"] as const;

function select(id: string, label: string, options: readonly string[]): [HTMLElement, HTMLSelectElement] {
  const el = h("select", { id, name: id }, h("option", { value: "" }, "any"), ...options.map((o) => h("option", { value: o }, o)));
  return [h("div", { class: "field inline" }, h("label", { for: id }, label), el), el];
}

function dateInput(id: string, label: string): [HTMLElement, HTMLInputElement] {
  const el = h("input", { id, name: id, type: "datetime-local", step: "1" });
  return [h("div", { class: "field inline" }, h("label", { for: id }, label), el), el];
}

/** A datetime-local value (the browser's local time) as the API's UTC timestamp. */
function toIso(local: string): string | undefined {
  if (!local) return undefined;
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

export function renderJobs(main: HTMLElement): Subscription {
  const [typeField, typeSel] = select("filter-type", "Type", TYPE_NAMES);
  const [statusField, statusSel] = select("filter-status", "Status", STATUSES);
  const [startField, startIn] = dateInput("filter-start", "Created from");
  const [endField, endIn] = dateInput("filter-end", "Created until");
  const sizeSel = h("select", { id: "filter-limit", name: "limit" }, ...PAGE_SIZES.map((n) => h("option", { value: n }, n)));
  const sizeField = h("div", { class: "field inline" }, h("label", { for: "filter-limit" }, "Per page"), sizeSel);
  const filters = h("form", { class: "filters", "aria-label": "Filters" }, typeField, statusField, startField, endField, sizeField,
    h("button", { type: "submit" }, "Apply filters"));
  const body = h("tbody", { id: "jobs-body" });
  const table = h("table", { class: "jobs", "aria-label": "Jobs, newest first" },
    h("thead", {}, h("tr", {}, ...["Job", "Type", "Status", "Priority", "Created", "Duration"].map((c) => h("th", { scope: "col" }, c)))), body);
  const prev = h("button", { type: "button", id: "page-prev", disabled: true }, "Previous page");
  const next = h("button", { type: "button", id: "page-next", disabled: true }, "Next page");
  const pageInfo = h("span", { id: "page-info" });
  const updated = h("p", { class: "hint", id: "jobs-updated" });
  const errors = h("div", {});
  main.replaceChildren(heading("Jobs"), filters, errors, table, h("div", { class: "pager" }, prev, pageInfo, next), updated);

  let query: ListQuery = { limit: 20 };
  // Cursors of the pages before the current one; the current page is read with `cursor`.
  const history: (string | undefined)[] = [];
  let cursor: string | undefined;
  let nextCursor: string | undefined;

  const load = async (): Promise<void> => {
    try {
      const page = await api().list({ ...query, cursor });
      errors.replaceChildren();
      body.replaceChildren(...page.data.map(row));
      if (page.data.length === 0) body.append(h("tr", {}, h("td", { colspan: 6 }, "No jobs match.")));
      nextCursor = page.pagination.has_more ? page.pagination.next_cursor ?? undefined : undefined;
      next.disabled = !nextCursor;
      prev.disabled = history.length === 0;
      pageInfo.textContent = `Page ${history.length + 1}`;
      updated.textContent = `Updated ${new Date().toLocaleTimeString()} (refreshes every 2 s)`;
    } catch (e) {
      errors.replaceChildren(errorBox(e));
      throw e;
    }
  };

  filters.addEventListener("submit", (event) => {
    event.preventDefault();
    query = { type: typeSel.value || undefined, status: statusSel.value || undefined, start_date: toIso(startIn.value), end_date: toIso(endIn.value), limit: Number(sizeSel.value) };
    history.length = 0;
    cursor = undefined;
    void load().catch(() => undefined);
  });
  next.addEventListener("click", () => {
    if (!nextCursor) return;
    history.push(cursor);
    cursor = nextCursor;
    void load().catch(() => undefined);
  });
  prev.addEventListener("click", () => {
    if (history.length === 0) return;
    cursor = history.pop();
    void load().catch(() => undefined);
  });

  void load().catch(() => undefined);
  return onJobChanges(load);
}

function row(job: Job): HTMLTableRowElement {
  return h("tr", { "data-job-id": job.id },
    h("td", {}, jobLink(job.id)),
    h("td", {}, job.type),
    h("td", {}, statusBadge(job.status)),
    h("td", {}, job.priority ?? "–"),
    h("td", {}, fmtTime(job.created_at)),
    h("td", {}, job.duration_seconds === undefined ? "–" : `${job.duration_seconds} s`));
}
