import { ApiError } from "../api";
import { h } from "../dom";

export function errorBox(e: unknown): HTMLElement {
  const err = e instanceof ApiError ? e : new ApiError(0, "ERROR", String(e));
  return h("div", { class: "error-box", role: "alert" }, h("strong", {}, err.code), ": ", err.message);
}

export function jobLink(id: string): HTMLAnchorElement {
  return h("a", { href: `#/jobs/${encodeURIComponent(id)}` }, id);
}

export function heading(title: string, ...rest: (Node | string)[]): HTMLElement {
  return h("div", { class: "page-head" }, h("h1", { tabindex: "-1" }, title), ...rest);
}
