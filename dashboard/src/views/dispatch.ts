import { ApiError, type DispatchBody, type FieldError, type Priority } from "../api";
import { h } from "../dom";
import { fieldsOf, labelOf, PRIORITIES, readField, TYPE_NAMES, type ParamField } from "../jobTypes";
import { api } from "../session";
import { errorBox, heading } from "./common";

interface FieldControl { field: ParamField; control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement; error: HTMLElement }

function control(field: ParamField): HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement {
  const id = `param-${field.name}`;
  const common = { id, name: field.name, "aria-describedby": `${id}-hint ${id}-error`, required: field.required };
  const placeholder = field.default !== undefined && field.default !== null ? String(field.default) : undefined;
  switch (field.kind) {
    case "list":
      return h("textarea", { ...common, rows: 2, spellcheck: "false" });
    case "bool":
      return h("select", common, h("option", { value: "" }, placeholder === undefined ? "default" : `default (${placeholder})`),
        h("option", { value: "true" }, "true"), h("option", { value: "false" }, "false"));
    case "int":
      return h("input", { ...common, type: "number", step: "1", min: field.min, max: field.max, placeholder, inputmode: "numeric" });
    case "number":
      return h("input", { ...common, type: "number", step: "any", min: field.min, max: field.max, placeholder, inputmode: "decimal" });
    case "date":
      return h("input", { ...common, type: "date" });
    default:
      return h("input", { ...common, type: "text", maxlength: field.maxLength, placeholder, spellcheck: "false", autocomplete: "off" });
  }
}

/** "params.skus[2]" or "jobs[1].params.skus" → "skus"; other paths (type, priority, body) as they are. */
export function paramOfField(path: string): { job?: number; name: string } {
  const m = /^(?:jobs\[(\d+)\]\.?)?(?:params\.([A-Za-z0-9_]+)|([A-Za-z_]+))?/.exec(path);
  const job = m?.[1] !== undefined ? Number(m[1]) : undefined;
  return { job, name: m?.[2] ?? m?.[3] ?? path };
}

export function renderDispatch(main: HTMLElement, navigate: (hash: string) => void): void {
  const typeSel = h("select", { id: "dispatch-type", name: "type" }, ...TYPE_NAMES.map((t) => h("option", { value: t }, `${t} — ${labelOf(t)}`)));
  const prioSel = h("select", { id: "dispatch-priority", name: "priority" }, ...PRIORITIES.map((p) => h("option", { value: p, selected: p === "normal" }, p)));
  const paramsBox = h("fieldset", { class: "params" });
  const formError = h("div", { id: "dispatch-error" });
  const form = h("form", { class: "card", id: "dispatch-form", "aria-labelledby": "dispatch-form-title", novalidate: true },
    h("h2", { id: "dispatch-form-title" }, "One job"),
    h("div", { class: "field" }, h("label", { for: "dispatch-type" }, "Job type"), typeSel),
    h("div", { class: "field" }, h("label", { for: "dispatch-priority" }, "Priority"), prioSel),
    paramsBox, formError,
    h("div", { class: "actions" },
      h("button", { type: "submit", id: "dispatch-submit" }, "Dispatch job"),
      h("button", { type: "button", id: "batch-add", class: "secondary" }, "Add to batch")));

  let controls: FieldControl[] = [];
  const renderFields = (): void => {
    const type = typeSel.value;
    controls = fieldsOf(type).map((field) => {
      const id = `param-${field.name}`;
      return { field, control: control(field), error: h("p", { id: `${id}-error`, class: "field-error" }) };
    });
    paramsBox.replaceChildren(h("legend", {}, `Params of ${type}`), ...controls.map(({ field, control: c, error }) =>
      h("div", { class: "field", "data-field": field.name },
        h("label", { for: c.id }, field.name, field.required ? h("span", { class: "req" }, " (required)") : null),
        c, h("p", { id: `${c.id}-hint`, class: "hint" }, field.hint), error)));
  };
  typeSel.addEventListener("change", () => { renderFields(); formError.replaceChildren(); });
  renderFields();

  const body = (): DispatchBody => {
    const params: Record<string, unknown> = {};
    for (const { field, control: c } of controls) {
      const v = readField(field, c.value);
      if (v !== undefined) params[field.name] = v;
    }
    return { type: typeSel.value, params, priority: prioSel.value as Priority };
  };

  const clearErrors = (): void => {
    formError.replaceChildren();
    for (const { control: c, error } of controls) { error.textContent = ""; c.removeAttribute("aria-invalid"); }
  };

  /** Puts each field error beside its field; the rest (and the code) above the buttons. */
  const showErrors = (e: unknown): void => {
    const err = e instanceof ApiError ? e : new ApiError(0, "ERROR", String(e));
    const rest: FieldError[] = [];
    let first: HTMLElement | undefined;
    for (const d of err.details) {
      const c = controls.find((x) => x.field.name === paramOfField(d.field).name);
      if (c) {
        c.error.textContent = c.error.textContent ? `${c.error.textContent}; ${d.message}` : d.message;
        c.control.setAttribute("aria-invalid", "true");
        first ??= c.control;
      } else rest.push(d);
    }
    formError.replaceChildren(errorBox(err), ...(rest.length ? [h("ul", {}, ...rest.map((d) => h("li", {}, `${d.field}: ${d.message}`)))] : []));
    (first ?? formError).focus?.();
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearErrors();
    void api().dispatch(body()).then((job) => navigate(`#/jobs/${encodeURIComponent(job.id)}`), showErrors);
  });

  // Batch: jobs collected from the form, dispatched together.
  const pending: DispatchBody[] = [];
  const batchList = h("ol", { id: "batch-list" });
  const seq = h("input", { type: "checkbox", id: "batch-sequential", name: "sequential" });
  const batchError = h("div", { id: "batch-error" });
  const batchSubmit = h("button", { type: "button", id: "batch-submit", disabled: true }, "Dispatch batch");
  const batchClear = h("button", { type: "button", id: "batch-clear", class: "secondary", disabled: true }, "Clear batch");
  const renderBatch = (errors: FieldError[] = []): void => {
    batchList.replaceChildren(...pending.map((job, i) => h("li", {},
      h("code", {}, job.type), " ", JSON.stringify(job.params), job.priority && job.priority !== "normal" ? ` (${job.priority})` : "",
      ...errors.filter((d) => paramOfField(d.field).job === i).map((d) => h("p", { class: "field-error" }, `${d.field}: ${d.message}`)))));
    batchSubmit.disabled = pending.length === 0;
    batchClear.disabled = pending.length === 0;
  };
  main.replaceChildren(heading("Dispatch"), form,
    h("section", { class: "card", "aria-labelledby": "batch-title" },
      h("h2", { id: "batch-title" }, "Batch"),
      h("p", { class: "hint" }, "Add up to 20 jobs from the form above, then dispatch them at once."),
      batchList,
      h("div", { class: "field check" }, seq, h("label", { for: "batch-sequential" }, "Run in order (each job starts after the previous one completed)")),
      batchError, h("div", { class: "actions" }, batchSubmit, batchClear)));
  renderBatch();

  form.querySelector("#batch-add")!.addEventListener("click", () => {
    clearErrors();
    if (pending.length >= 20) { formError.replaceChildren(errorBox(new ApiError(0, "BATCH_TOO_LARGE", "A batch holds at most 20 jobs"))); return; }
    pending.push(body());
    renderBatch();
  });
  batchClear.addEventListener("click", () => { pending.length = 0; batchError.replaceChildren(); renderBatch(); });
  batchSubmit.addEventListener("click", () => {
    batchError.replaceChildren();
    void api().batch(pending, seq.checked).then(
      (b) => navigate(`#/batch/${encodeURIComponent(b.batch_id)}`),
      (e) => { batchError.replaceChildren(errorBox(e)); renderBatch(e instanceof ApiError ? e.details : []); });
  });
}
