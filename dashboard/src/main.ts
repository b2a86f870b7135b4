import "./style.css";
import { h } from "./dom";
import type { Subscription } from "./live";
import { session, signOut } from "./session";
import { renderBatch } from "./views/batch";
import { renderDispatch } from "./views/dispatch";
import { renderJob } from "./views/job";
import { renderJobs } from "./views/jobs";
import { renderPlatform } from "./views/platform";
import { renderSignIn } from "./views/signin";

// Hash routes (#/jobs, #/jobs/<id>, #/dispatch, #/batch/<id>, #/platform): the gateway serves one index.html,
// and nothing secret is ever part of a URL.
const main = document.getElementById("main")!;
const nav = document.getElementById("nav")!;
let live: Subscription | undefined;

function navigate(hash: string): void {
  if (location.hash === hash) route();
  else location.hash = hash;
}

function renderNav(current: string): void {
  const s = session();
  if (!s) { nav.replaceChildren(); return; }
  const link = (hash: string, label: string): HTMLElement =>
    h("li", {}, h("a", { href: hash, "aria-current": current === hash ? "page" : undefined }, label));
  const out = h("button", { type: "button", class: "link", id: "sign-out" }, "Sign out");
  out.addEventListener("click", () => { signOut(); navigate("#/jobs"); });
  nav.replaceChildren(h("ul", {},
    link("#/jobs", "Jobs"), s.canWrite ? link("#/dispatch", "Dispatch") : null, link("#/platform", "Platform"),
    h("li", { class: "who" }, `${s.tenant ? `tenant ${s.tenant}` : "default tenant"}${s.canWrite ? "" : " · read-only"}`), h("li", {}, out)));
}

function route(): void {
  live?.stop();
  live = undefined;
  const path = location.hash.replace(/^#/, "") || "/jobs";
  const s = session();
  if (!s) {
    renderNav("");
    renderSignIn(main, () => navigate("#/jobs"));
    return;
  }
  const [, section, id] = path.split("/").map((p) => decodeURIComponent(p));
  renderNav(`#/${section}`);
  if (section === "jobs" && id) live = renderJob(main, id);
  else if (section === "batch" && id) live = renderBatch(main, id);
  else if (section === "dispatch" && s.canWrite) renderDispatch(main, navigate);
  else if (section === "platform") live = renderPlatform(main);
  else live = renderJobs(main);
  // Move focus to the new page's heading so keyboard and screen-reader users start at the top of it.
  main.querySelector<HTMLElement>("h1")?.focus();
}

// The skip link must not change the hash (that is the router's), so it moves focus itself.
document.querySelector(".skip")?.addEventListener("click", (event) => {
  event.preventDefault();
  (main.querySelector<HTMLElement>("h1") ?? main).focus();
});
window.addEventListener("hashchange", route);
route();
