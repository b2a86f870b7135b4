import { listQueryString, type Job, type ListQuery } from "../api";
import { fmtTime, h, statusBadge } from "../dom";
import { STATUSES, TYPE_NAMES } from "../jobTypes";
import { followJobs, liveIndicator, type Subscription } from "../live";
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

/** The tenant stream's URL for the list's filters (the same ones; no paging). */
export function streamPath(query: ListQuery): string {
  const s = listQueryString(query, true);
  return `/api/ai-jobs/events${s ? `?${s}` : ""}`;
}

/** "campaign=spring, store=eu" as metadata pairs, or the piece that is not key=value. */
export function parseMetadataFilter(text: string): { pairs?: Record<string, string>; bad?: string } {
  const pairs: Record<string, string> = {};
  for (const piece of text.split(",").map((p) => p.trim()).filter((p) => p !== "")) {
    const eq = piece.indexOf("=");
    if (eq <= 0) return { bad: piece };
    pairs[piece.slice(0, eq).trim()] = piece.slice(eq + 1).trim();
  }
  return { pairs: Object.keys(pairs).length > 0 ? pairs : undefined };
}

/** Newest first, as the API orders lists: creation time, then id. */
function newer(a: Job, b: Job): boolean {
  const ta = Date.parse(a.created_at ?? ""), tb = Date.parse(b.created_at ?? "");
  return ta !== tb ? ta > tb : a.id > b.id;
}

export function renderJobs(main: HTMLElement): Subscription {
  const [typeField, typeSel] = select("filter-type", "Type", TYPE_NAMES);
  const [statusField, statusSel] = select("filter-status", "Status", STATUSES);
  const [startField, startIn] = dateInput("filter-start", "Created from");
  const [endField, endIn] = dateInput("filter-end", "Created until");
  const metadataIn = h("input", { id: "filter-metadata", name: "metadata", type: "text", spellcheck: "false", autocomplete: "off",
    placeholder: "key=value, key=value", "aria-describedby": "filter-metadata-error" });
  const metadataError = h("p", { id: "filter-metadata-error", class: "field-error" });
  const metadataField = h("div", { class: "field inline" }, h("label", { for: "filter-metadata" }, "Metadata"), metadataIn, metadataError);
  const sizeSel = h("select", { id: "filter-limit", name: "limit" }, ...PAGE_SIZES.map((n) => h("option", { value: n }, n)));
  const sizeField = h("div", { class: "field inline" }, h("label", { for: "filter-limit" }, "Per page"), sizeSel);
  const filters = h("form", { class: "filters", "aria-label": "Filters" }, typeField, statusField, startField, endField, metadataField, sizeField,
    h("button", { type: "submit" }, "Apply filters"));
  const body = h("tbody", { id: "jobs-body" });
  const table = h("table", { class: "jobs", "aria-label": "Jobs, newest first" },
    h("thead", {}, h("tr", {}, ...["Job", "Type", "Status", "Priority", "Created", "Duration"].map((c) => h("th", { scope: "col" }, c)))), body);
  const prev = h("button", { type: "button", id: "page-prev", disabled: true }, "Previous page");
  const next = h("button", { type: "button", id: "page-next", disabled: true }, "Next page");
  const pageInfo = h("span", { id: "page-info" });
  const updated = h("p", { class: "hint", id: "jobs-updated" });
  const errors = h("div", {});
  const indicator = liveIndicator();
  main.replaceChildren(heading("Jobs", indicator), filters, errors, table, h("div", { class: "pager" }, prev, pageInfo, next), updated);

  let query: ListQuery = { limit: 20 };
  // Cursors of the pages before the current one; the current page is read with `cursor`.
  const history: (string | undefined)[] = [];
  let cursor: string | undefined;
  let nextCursor: string | undefined;
  // The jobs shown, in order, and their rows: a change from the stream replaces one row, so focus stays put.
  let shown: Job[] = [];
  const rows = new Map<string, HTMLTableRowElement>();

  const touched = (): void => { updated.textContent = `Updated ${new Date().toLocaleTimeString()}`; };

  const showAll = (jobs: Job[]): void => {
    shown = jobs;
    rows.clear();
    for (const job of jobs) rows.set(job.id, row(job));
    body.replaceChildren(...rows.values());
    if (jobs.length === 0) body.append(h("tr", { id: "jobs-empty" }, h("td", { colspan: 6 }, "No jobs match.")));
  };

  const load = async (): Promise<void> => {
    try {
      const page = await api().list({ ...query, cursor });
      errors.replaceChildren();
      showAll(page.data);
      nextCursor = page.pagination.has_more ? page.pagination.next_cursor ?? undefined : undefined;
      next.disabled = !nextCursor;
      prev.disabled = history.length === 0;
      pageInfo.textContent = `Page ${history.length + 1}`;
      touched();
    } catch (e) {
      errors.replaceChildren(errorBox(e));
      throw e;
    }
  };

  // One job's new view from the stream (which already applies the filters, and also sends a job that stopped
  // matching them, so it can leave the list). New jobs join the first page only; later pages update their rows.
  const onJob = (job: Job): void => {
    const at = shown.findIndex((j) => j.id === job.id);
    const matches = (!query.status || job.status === query.status) && (!query.type || job.type === query.type);
    if (!matches) {
      if (at < 0) return;
      shown.splice(at, 1);
      rows.get(job.id)?.remove();
      rows.delete(job.id);
      if (shown.length === 0) showAll([]);
      touched();
      return;
    }
    const tr = row(job);
    if (at >= 0) {
      shown[at] = job;
      rows.get(job.id)?.replaceWith(tr);
      rows.set(job.id, tr);
      touched();
      return;
    }
    // A job the page does not show: it belongs here if this is the first page and it sorts before the last row
    // (or the page has room). The page then grows by it rather than dropping its last row, so the next page's
    // cursor still follows what is shown.
    if (history.length > 0) return;
    const last = shown[shown.length - 1];
    if (nextCursor && last && !newer(job, last)) return;
    const before = shown.findIndex((j) => newer(job, j));
    if (before < 0) {
      shown.push(job);
      body.querySelector("#jobs-empty")?.remove();
      body.append(tr);
    } else {
      body.insertBefore(tr, rows.get(shown[before].id) ?? null);
      shown.splice(before, 0, job);
    }
    rows.set(job.id, tr);
    touched();
  };

  let live = followJobs(streamPath(query), { refresh: load, onJob }, indicator);

  filters.addEventListener("submit", (event) => {
    event.preventDefault();
    const metadata = parseMetadataFilter(metadataIn.value);
    metadataError.textContent = metadata.bad !== undefined ? `"${metadata.bad}" is not key=value` : "";
    if (metadata.bad !== undefined) { metadataIn.setAttribute("aria-invalid", "true"); metadataIn.focus(); return; }
    metadataIn.removeAttribute("aria-invalid");
    query = {
      type: typeSel.value || undefined, status: statusSel.value || undefined, start_date: toIso(startIn.value), end_date: toIso(endIn.value),
      metadata: metadata.pairs, limit: Number(sizeSel.value),
    };
    history.length = 0;
    cursor = undefined;
    // Other filters, another stream (which re-reads the first page once it is open).
    live.stop();
    live = followJobs(streamPath(query), { refresh: load, onJob }, indicator);
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

  return { stop: () => live.stop() };
}

/** The status cell: the badge, and a running job's progress or a queued job's place. */
export function statusCell(job: Job): HTMLElement {
  const extra = job.status === "running" && typeof job.progress === "number" ? ` ${Math.round(job.progress * 100)}%`
    : job.status === "queued" && typeof job.queue_position === "number" ? ` #${job.queue_position} in queue` : "";
  return h("td", { class: "status-cell" }, statusBadge(job.status), extra ? h("span", { class: "hint", "data-live": "" }, extra) : null);
}

function row(job: Job): HTMLTableRowElement {
  return h("tr", { "data-job-id": job.id },
    h("td", {}, jobLink(job.id)),
    h("td", {}, job.type),
    statusCell(job),
    h("td", {}, job.priority ?? "–"),
    h("td", {}, fmtTime(job.created_at)),
    h("td", {}, job.duration_seconds === undefined ? "–" : `${job.duration_seconds} s`));
}
