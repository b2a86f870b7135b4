// The dashboard in a real browser (Debian's Chromium) against the real stack started by scripts/run-local.sh.
// Tests run in order and share the stack and the browser.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import {
  REPO, axeSerious, createKey, kubectlJob, launchBrowser, newPage, restClient, screenshot, startStack, waitFor,
} from "./support.mjs";

let stack, api, chrome;
const pages = [];
const fixtures = {};

before(async () => {
  stack = await startStack();
  api = restClient(stack.gateway, stack.apiKey, stack.tenant);
  chrome = await launchBrowser();
});

after(async () => {
  await chrome?.close();
  await stack?.stop();
});

async function open(hash = "") {
  const p = await newPage(chrome.browser);
  pages.push(p);
  await p.page.goto(stack.dashboard + "/" + hash);
  return p;
}

async function signIn(key = stack.apiKey, tenant = stack.tenant) {
  const p = await open();
  await p.page.fill("#signin-key", key);
  if (tenant) await p.page.fill("#signin-tenant", tenant);
  await p.page.click("form button[type=submit]");
  await p.page.waitForSelector("h1:text-is('Jobs')");
  return p;
}

/** Nothing ran that should not have: no page error, no dialog, no CSP violation, no XSS marker. */
async function assertClean(p) {
  assert.deepEqual(p.problems, []);
  assert.deepEqual(await p.page.evaluate(() => window.__cspViolations ?? []), []);
  assert.equal(await p.page.evaluate(() => window.__xss), undefined);
}

async function assertAccessible(p, name) {
  await screenshot(p.page, name);
  assert.deepEqual(await axeSerious(p.page), [], `axe: serious or critical violations on ${name}`);
}

const statusOf = (page) => page.getAttribute("#job-status [data-status]", "data-status");

test("the gateway serves the dashboard under /ui with a strict CSP, and 404s in the API's envelope", async () => {
  const res = await fetch(stack.dashboard);
  assert.equal(res.status, 200);
  const csp = res.headers.get("content-security-policy");
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  const html = await res.text();
  const script = /src="(\/ui\/assets\/[^"]+\.js)"/.exec(html)[1];
  assert.doesNotMatch(html.replace(/<script[^>]*src=[^>]*><\/script>/g, ""), /<script/, "no inline script in index.html");
  const js = await fetch(stack.gateway + script);
  assert.equal(js.status, 200);
  assert.match(js.headers.get("content-type"), /javascript/);

  for (const path of ["/ui/missing.js", "/ui/..%2f..%2fREADME.md"]) {
    const miss = await fetch(stack.gateway + path);
    assert.equal(miss.status, 404, path);
    assert.equal((await miss.json()).error.code, "NOT_FOUND", path);
  }

  // A gateway without a built dashboard says so.
  const empty = mkdtempSync(join(tmpdir(), "nexus-no-dashboard-"));
  const port = await new Promise((r) => { const s = createServer().listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => r(p)); }); });
  const gw = spawn("dotnet", [join(REPO, "api-gateway/bin", process.env.CONFIGURATION ?? "Debug", "net10.0/Nexus.Gateway.dll")], {
    stdio: "ignore",
    env: { ...process.env, KUBECONFIG: stack.kubeconfig, NEXUS_DATABASE_URL: stack.database, NEXUS_GATEWAY_URLS: `http://127.0.0.1:${port}`, NEXUS_GATEWAY_DASHBOARD_DIR: empty, NEXUS_GATEWAY_LOG_FORMAT: "none" },
  });
  try {
    const answer = await waitFor("the second gateway", () => fetch(`http://127.0.0.1:${port}/ui`).catch(() => null), 60_000);
    assert.equal(answer.status, 404);
    assert.equal((await answer.json()).error.code, "DASHBOARD_NOT_BUILT");
  } finally {
    gw.kill("SIGTERM");
    rmSync(empty, { recursive: true, force: true });
  }
});

test("fixtures: a failed job, and a queued job held behind a sleeping blocker", async () => {
  fixtures.failed = (await api.dispatch({ type: "pricing_recalculate", params: { skus: ["SKU-999"], marketplace: "amazon_us" }, priority: "high" })).id;
  fixtures.blocker = await kubectlJob(stack, { type: "listing_optimize", params: { skus: ["SKU-001"], _simulate: { sleep_seconds: 240 } } });
  fixtures.queued = await kubectlJob(stack, { type: "listing_optimize", params: { skus: ["SKU-002"] }, dependsOn: fixtures.blocker });
  await waitFor("the failed job", async () => (await api.get(fixtures.failed)).status === "failed", 60_000);
  await waitFor("the blocker running", async () => (await api.get(fixtures.blocker)).status === "running", 60_000);
  assert.equal((await api.get(fixtures.queued)).status, "queued");
});

test("sign-in by keyboard: field errors beside the fields, the key only in sessionStorage", async () => {
  const p = await open();
  const { page } = p;
  await page.waitForSelector("#signin-key");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "signin-key");
  await assertAccessible(p, "signin");
  await page.keyboard.press("Enter");
  assert.match(await page.textContent("#signin-key-error"), /Enter an API key/);
  await page.keyboard.type("nxk_" + "x".repeat(40));
  await page.keyboard.press("Enter");
  await page.waitForSelector("#signin-key-error:has-text('UNAUTHENTICATED')");
  await page.fill("#signin-key", "");
  await page.keyboard.type(stack.apiKey);
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "signin-tenant");
  await page.keyboard.type(stack.tenant);
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Sign in");
  // The focused button shows a visible focus ring.
  assert.notEqual(await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle), "none");
  await page.keyboard.press("Enter");
  await page.waitForSelector("h1:text-is('Jobs')");
  assert.equal(await page.evaluate(() => localStorage.length), 0);
  assert.equal(await page.evaluate(() => document.cookie), "");
  assert.ok(!page.url().includes(stack.apiKey));
  assert.ok((await page.evaluate(() => JSON.stringify(sessionStorage))).includes(stack.apiKey));
  await page.waitForSelector("#jobs-body tr[data-job-id]");
  await assertAccessible(p, "jobs");
  await assertClean(p);
});

test("a key with several tenants is asked for one (TENANT_REQUIRED)", async () => {
  const key = await createKey(stack, `${stack.tenant},other`, "ai-jobs:read,ai-jobs:write");
  const p = await open();
  await waitFor("the new key", async () => (await fetch(stack.gateway + "/api/ai-jobs?limit=1", { headers: { Authorization: `Bearer ${key}` } })).status === 400);
  await p.page.fill("#signin-key", key);
  await p.page.click("form button[type=submit]");
  await p.page.waitForSelector("#signin-tenant-error:has-text('TENANT_REQUIRED')");
  assert.equal(await p.page.evaluate(() => document.activeElement?.id), "signin-tenant");
  await p.page.fill("#signin-tenant", stack.tenant);
  await p.page.click("form button[type=submit]");
  await p.page.waitForSelector("h1:text-is('Jobs')");
  assert.match(await p.page.textContent("nav"), /Dispatch/);
  await assertClean(p);
});

test("a read-only key sees no dispatch, cancel or retry controls", async () => {
  const key = await createKey(stack, stack.tenant, "ai-jobs:read");
  await waitFor("the read-only key", async () => (await fetch(stack.gateway + "/api/ai-jobs?limit=1", { headers: { Authorization: `Bearer ${key}`, "X-Tenant-ID": stack.tenant } })).ok);
  const p = await signIn(key);
  assert.doesNotMatch(await p.page.textContent("nav"), /Dispatch/);
  assert.match(await p.page.textContent("nav"), /read-only/);
  await p.page.goto(`${stack.dashboard}/#/dispatch`);
  await p.page.waitForSelector("h1:text-is('Jobs')");
  assert.equal(await p.page.locator("#dispatch-form").count(), 0);
  for (const id of [fixtures.queued, fixtures.failed]) {
    await p.page.goto(`${stack.dashboard}/#/jobs/${id}`);
    await p.page.waitForSelector("#job-status [data-status]");
    assert.equal(await p.page.locator("#job-cancel, #job-retry").count(), 0, id);
  }
  await assertClean(p);
});

test("a queued job is cancelled from its page", async () => {
  const p = await signIn();
  const { page } = p;
  await page.goto(`${stack.dashboard}/#/jobs/${fixtures.queued}`);
  await page.waitForSelector("#job-status [data-status='queued']");
  await screenshot(page, "job-queued");
  await page.click("#job-cancel");
  await waitFor("cancelled on the page", async () => (await statusOf(page)) === "cancelled", 30_000);
  assert.equal((await api.get(fixtures.queued)).status, "cancelled");
  assert.equal(await page.locator("#job-cancel").count(), 0);
  await assertClean(p);
});

const FORMS = {
  pricing_recalculate: { skus: "SKU-001", marketplace: "amazon_us", apply: "false" },
  review_sentiment: { skus: "SKU-001", rescore: "true", max_reviews_in_result: "5" },
  return_classify: { skus: "SKU-007, SKU-001", max_returns_in_result: "5" },
  llm_visibility_score: { skus: "SKU-001", prompts_per_sku: "1" },
  competitor_scan: { skus: "SKU-001", marketplace: "amazon_us" },
  listing_optimize: { skus: "SKU-001" },
};

/** Checks the type's result view against the API's result; returns nothing, fails on a mismatch. */
const RESULT_CHECKS = {
  async pricing_recalculate(page, result) {
    const rows = page.locator("#pricing-table tbody tr");
    assert.equal(await rows.count(), result.recommendations.length);
    const cells = await rows.first().locator("th, td").allTextContents();
    assert.equal(cells[0], result.recommendations[0].sku);
    assert.equal(cells[1], result.recommendations[0].current_price.toFixed(2));
    assert.equal(cells[2], result.recommendations[0].recommended_price.toFixed(2));
  },
  async review_sentiment(page, result) {
    const sku = result.skus[0];
    const bars = page.locator(`#sentiment-view [data-sku='${sku.sku}'] rect.bar[data-value]`);
    assert.ok(sku.positive_aspects.length + sku.negative_aspects.length > 0);
    assert.equal(await bars.count(), sku.positive_aspects.length + sku.negative_aspects.length);
    assert.match(await page.textContent("#sentiment-view"), new RegExp(`positive ${sku.positive}`));
  },
  async return_classify(page, result) {
    assert.equal(await page.locator("#returns-chart rect.bar").count(), Object.keys(result.taxonomy_counts).length);
    assert.ok(result.anomalies.length > 0);
    assert.equal(await page.locator("#anomalies li").count(), result.anomalies.length);
    assert.match(await page.textContent("#anomalies"), /SKU-007/);
  },
  async llm_visibility_score(page, result) {
    for (const [name, score] of Object.entries(result.assistant_scores))
      assert.equal(await page.getAttribute(`#visibility-chart rect[data-label='${name}']`, "data-value"), String(score));
  },
  async competitor_scan(page, result) {
    const sku = result.skus[0];
    assert.equal(await page.locator(`#competitor-view [data-sku='${sku.sku}'] tbody tr`).count(), sku.offers.length);
    assert.match(await page.textContent("#competitor-view"), new RegExp(`Our rank${sku.our_rank} of ${sku.offer_count}`));
  },
  async listing_optimize(page, result) {
    const proposals = result.skus.flatMap((s) => s.proposals);
    assert.ok(proposals.length > 0);
    assert.equal(await page.locator("#listing-view .before").count(), proposals.length);
    assert.equal(await page.locator("#listing-view .after").count(), proposals.length);
  },
};

test("each job type, dispatched through the form, completes live and shows its result", async () => {
  const p = await signIn();
  const { page } = p;
  fixtures.dispatched = {};
  for (const [type, fields] of Object.entries(FORMS)) {
    await page.click("nav a:text-is('Dispatch')");
    await page.selectOption("#dispatch-type", type);
    for (const [name, value] of Object.entries(fields)) {
      const tag = await page.evaluate((n) => document.getElementById(`param-${n}`)?.tagName, name);
      if (tag === "SELECT") await page.selectOption(`#param-${name}`, value);
      else await page.fill(`#param-${name}`, value);
    }
    await page.click("#dispatch-submit");
    await page.waitForURL(/#\/jobs\/job_/);
    const id = decodeURIComponent(page.url().split("#/jobs/")[1]);
    fixtures.dispatched[type] = id;
    await page.evaluate(() => { window.__sameDocument = true; });
    await waitFor(`${type} completed on the page`, async () => (await statusOf(page)) === "completed", 90_000);
    assert.equal(await page.evaluate(() => window.__sameDocument), true, "no reload");
    const job = await api.get(id);
    assert.equal(job.status, "completed");
    assert.equal(await page.getAttribute("#job-result", "data-type"), type);
    await RESULT_CHECKS[type](page, job.result);
    // The timeline: queued, each attempt with the instance that ran it and its outcome (as the API lists them), completed.
    assert.ok(job.attempts.length >= 1 && job.attempts.at(-1).instance, `${type}: the API names the attempt's instance`);
    const steps = await page.locator("#job-timeline li").evaluateAll((ls) => ls.map((l) => l.dataset.step ?? `attempt ${l.dataset.attempt} ${l.dataset.instance} ${l.dataset.outcome}`));
    assert.deepEqual(steps, ["queued", ...job.attempts.map((a) => `attempt ${a.number} ${a.instance} ${a.outcome}`), "finished"]);
    assert.equal(job.attempts.at(-1).outcome, "completed");
    // Followed through the job's stream, which ends after the terminal view (polling would say "polling").
    await page.waitForSelector("#live-state[data-mode='ended']");
    await screenshot(page, `job-${type}`);
    await page.click("#job-raw summary");
    assert.ok((await page.textContent("#job-raw pre")).includes(`"id": "${id}"`));
    assert.deepEqual(await axeSerious(page), [], `axe on the ${type} job page`);
  }
  await page.click("nav a:text-is('Dispatch')");
  await page.waitForSelector("#dispatch-form");
  await assertAccessible(p, "dispatch");
  await assertClean(p);
});

test("the dispatch form of each type is its params schema: fields, bounds, defaults and descriptions", async () => {
  const p = await signIn();
  const { page } = p;
  await page.goto(`${stack.dashboard}/#/dispatch`);
  const types = await page.locator("#dispatch-type option").evaluateAll((os) => os.map((o) => o.value));
  assert.deepEqual([...types].sort(), ["competitor_scan", "listing_optimize", "llm_visibility_score", "pricing_recalculate", "return_classify", "review_sentiment"]);
  for (const type of types) {
    const schema = JSON.parse(readFileSync(join(REPO, "crds", "params", `${type}.schema.json`), "utf8"));
    await page.selectOption("#dispatch-type", type);
    await page.waitForSelector(`legend:text-is('Params of ${type}')`);
    const fields = await page.locator("#dispatch-form [data-field]").evaluateAll((ds) => ds.map((d) => {
      const c = d.querySelector("input, select, textarea");
      return { name: d.dataset.field, tag: c.tagName, type: c.getAttribute("type"), min: c.getAttribute("min"), max: c.getAttribute("max"),
        placeholder: c.getAttribute("placeholder"), hint: d.querySelector(".hint").textContent };
    }));
    assert.deepEqual(fields.map((f) => f.name), Object.keys(schema.properties), `${type}: one field per schema property, in order`);
    for (const f of fields) {
      const prop = schema.properties[f.name];
      const kind = [prop.type].flat().find((t) => t !== "null");
      assert.ok(prop.description, `${type}.${f.name}: the workers' model gives the field a description`);
      assert.ok(f.hint.toLowerCase().startsWith(prop.description.toLowerCase()), `${type}.${f.name}: hint "${f.hint}" is the schema's description`);
      if (kind === "integer" || kind === "number") {
        assert.equal(f.type, "number", `${type}.${f.name}`);
        assert.equal(f.min, String(prop.minimum ?? prop.exclusiveMinimum), `${type}.${f.name} min`);
        assert.equal(f.max, String(prop.maximum ?? prop.exclusiveMaximum), `${type}.${f.name} max`);
        assert.equal(f.placeholder, String(prop.default), `${type}.${f.name} default`);
      } else if (kind === "array") assert.equal(f.tag, "TEXTAREA", `${type}.${f.name}`);
      else if (kind === "boolean") assert.equal(f.tag, "SELECT", `${type}.${f.name}`);
      else if (prop.format === "date") assert.equal(f.type, "date", `${type}.${f.name}`);
      else assert.equal(f.type, "text", `${type}.${f.name}`);
    }
  }
  await assertClean(p);
});

test("the API's field errors are shown beside the matching field", async () => {
  const p = await signIn();
  const { page } = p;
  await page.goto(`${stack.dashboard}/#/dispatch`);
  await page.selectOption("#dispatch-type", "pricing_recalculate");
  await page.fill("#param-skus", "SKU-001");
  await page.fill("#param-max_change", "0.9");
  await page.click("#dispatch-submit");
  await page.waitForSelector("#dispatch-error:has-text('INVALID_PARAMS')");
  // The message beside the field is the API's own for the same params.
  const refusal = await api.raw("POST", "", { type: "pricing_recalculate", params: { skus: ["SKU-001"], max_change: 0.9 }, priority: "normal" });
  assert.equal(refusal.status, 422);
  const detail = refusal.body.error.details.find((d) => d.field === "params.max_change");
  assert.ok(detail, JSON.stringify(refusal.body));
  assert.equal((await page.textContent("#param-max_change-error")).trim(), detail.message);
  assert.equal((await page.textContent("#param-marketplace-error")).trim(), "");
  assert.equal(await page.getAttribute("#param-max_change", "aria-invalid"), "true");
  assert.equal((await page.textContent("#param-skus-error")).trim(), "");
  await screenshot(page, "dispatch-errors");
  await assertClean(p);
});

/** Records the page's reads of the jobs list (GET /api/ai-jobs?…) and its event-stream requests from now on. */
function apiRequests(page) {
  const seen = { listReads: [], streams: [] };
  const onRequest = (r) => {
    const url = new URL(r.url());
    if (r.method() !== "GET") return;
    if (url.pathname === "/api/ai-jobs") seen.listReads.push(url.search);
    if (url.pathname.endsWith("/events")) seen.streams.push(url.pathname + url.search);
  };
  page.on("request", onRequest);
  seen.stop = () => page.off("request", onRequest);
  return seen;
}

test("the jobs list follows the tenant stream: a job dispatched through the API appears and completes with no re-read", async () => {
  const p = await signIn();
  const { page } = p;
  // The stream is open and the first page was read once after it opened (the list's only read).
  await page.waitForSelector("#live-state[data-mode='live']");
  await waitFor("the first page read", async () => (await page.textContent("#jobs-updated")).startsWith("Updated"));
  await page.evaluate(() => { window.__sameDocument = true; });
  const seen = apiRequests(page);
  const elsewhere = await api.dispatch({ type: "competitor_scan", params: { skus: ["SKU-003"], marketplace: "amazon_us" } });
  await page.waitForSelector(`#jobs-body tr[data-job-id='${elsewhere.id}']`, { timeout: 20_000 });
  await page.waitForSelector(`#jobs-body tr[data-job-id='${elsewhere.id}'] [data-status='completed']`, { timeout: 60_000 });
  seen.stop();
  assert.deepEqual(seen.listReads, [], "the list was not re-read: the rows came from the stream");
  assert.deepEqual(seen.streams, [], "the stream stayed open (no reconnect)");
  assert.equal(await page.getAttribute("#live-state", "data-mode"), "live");
  assert.equal(await page.evaluate(() => window.__sameDocument), true, "no reload");
  const firstRow = await page.getAttribute("#jobs-body tr:first-child", "data-job-id");
  assert.equal(firstRow, (await api.list({ limit: "1" })).data[0].id, "newest first");
  await screenshot(page, "jobs-live");

  // Its page: the timeline names the instance that ran the attempt and how it ended, as the API does.
  await page.click(`#jobs-body tr[data-job-id='${elsewhere.id}'] a`);
  await page.waitForSelector("#job-status [data-status='completed']");
  const job = await api.get(elsewhere.id);
  const attempt = job.attempts.at(-1);
  assert.match(attempt.instance, /\S/);
  const shown = page.locator(`#job-timeline li[data-attempt='${attempt.number}']`);
  assert.equal(await shown.getAttribute("data-instance"), attempt.instance);
  assert.equal(await shown.getAttribute("data-outcome"), "completed");
  const text = await shown.textContent();
  assert.ok(text.includes(`on ${attempt.instance}`) && text.includes("completed"), text);
  assert.equal(await page.locator("#job-timeline [data-step='queued']").count(), 1);
  assert.match(await page.textContent("#job-timeline [data-step='finished']"), /Completed/);
  await assertClean(p);
});

test("the jobs list filters (the stream follows them) and pages", async () => {
  const p = await signIn();
  const { page } = p;
  const seen = apiRequests(page);

  await page.selectOption("#filter-type", "competitor_scan");
  await page.selectOption("#filter-status", "completed");
  await page.click("button:text-is('Apply filters')");
  const expected = (await api.list({ type: "competitor_scan", status: "completed", limit: "20" })).data.map((j) => j.id);
  await waitFor("the filtered list", async () => JSON.stringify(await page.locator("#jobs-body tr[data-job-id]").evaluateAll((rs) => rs.map((r) => r.dataset.jobId))) === JSON.stringify(expected));
  assert.ok(expected.length >= 2);
  for (const type of await page.locator("#jobs-body tr td:nth-child(2)").allTextContents()) assert.equal(type, "competitor_scan");
  await waitFor("a stream with the list's filters", () => seen.streams.includes("/api/ai-jobs/events?type=competitor_scan&status=completed"));
  await page.waitForSelector("#live-state[data-mode='live']");
  await screenshot(page, "jobs-filtered");

  // Metadata: the list and its stream take the pairs; a matching job dispatched elsewhere joins live.
  const campaign = `dash-${Date.now()}`;
  const scan = (metadata) => api.dispatch({ type: "competitor_scan", params: { skus: ["SKU-001"], marketplace: "amazon_us" }, metadata });
  const tagged = await scan({ campaign, store: "eu" });
  await scan({ campaign });
  await page.selectOption("#filter-type", "");
  await page.selectOption("#filter-status", "");
  await page.fill("#filter-metadata", "store");
  await page.click("button:text-is('Apply filters')");
  assert.equal(await page.textContent("#filter-metadata-error"), `"store" is not key=value`);
  await page.fill("#filter-metadata", `campaign=${campaign}, store=eu`);
  await page.click("button:text-is('Apply filters')");
  const streamWithMetadata = `/api/ai-jobs/events?${new URLSearchParams({ [`metadata.campaign`]: campaign, [`metadata.store`]: "eu" })}`;
  await waitFor("a stream with the metadata filter", () => seen.streams.includes(streamWithMetadata));
  await waitFor("only the job with both pairs", async () => JSON.stringify(await page.locator("#jobs-body tr[data-job-id]").evaluateAll((rs) => rs.map((r) => r.dataset.jobId))) === JSON.stringify([tagged.id]));
  await page.waitForSelector("#live-state[data-mode='live']");
  const readsBefore = seen.listReads.length;
  const later = await scan({ store: "eu", campaign });
  await scan({ campaign, store: "us" });
  await page.waitForSelector(`#jobs-body tr[data-job-id='${later.id}']`);
  assert.deepEqual(await page.locator("#jobs-body tr[data-job-id]").evaluateAll((rs) => rs.map((r) => r.dataset.jobId)), [later.id, tagged.id]);
  assert.equal(seen.listReads.length, readsBefore, "the new job came from the stream, not a re-read");
  await page.fill("#filter-metadata", "");

  await page.fill("#filter-start", "2099-01-01T00:00:00");
  await page.click("button:text-is('Apply filters')");
  await page.waitForSelector("#jobs-body td:text-is('No jobs match.')");

  await page.selectOption("#filter-type", "");
  await page.selectOption("#filter-status", "");
  await page.fill("#filter-start", "");
  await page.selectOption("#filter-limit", "5");
  await page.click("button:text-is('Apply filters')");
  const ids = async () => page.locator("#jobs-body tr[data-job-id]").evaluateAll((rs) => rs.map((r) => r.dataset.jobId));
  await waitFor("page 1 of 5", async () => (await ids()).length === 5);
  const first = await api.list({ limit: "5" });
  const second = await api.list({ limit: "5", cursor: first.pagination.next_cursor });
  await page.click("#page-next");
  await waitFor("page 2", async () => (await page.textContent("#page-info")) === "Page 2" && JSON.stringify(await ids()) === JSON.stringify(second.data.map((j) => j.id)));
  await page.click("#page-prev");
  await waitFor("page 1 again", async () => (await page.textContent("#page-info")) === "Page 1" && JSON.stringify(await ids()) === JSON.stringify(first.data.map((j) => j.id)));
  seen.stop();
  await assertClean(p);
});

test("a failed job is retried by the gateway as a new job naming it, with the same type, params, priority and options", async () => {
  const p = await signIn();
  const { page } = p;
  await page.goto(`${stack.dashboard}/#/jobs/${fixtures.failed}`);
  await page.waitForSelector("#job-error:has-text('UNKNOWN_SKU')");
  assert.match(await page.textContent("#job-attempts"), /^\d+$/);
  const failed = await api.get(fixtures.failed);
  assert.equal(failed.attempts.at(-1).outcome, "failed");
  assert.equal(await page.getAttribute(`#job-timeline li[data-attempt='${failed.attempts.at(-1).number}']`, "data-outcome"), "failed");
  assert.equal(await page.textContent("#job-attempts"), String(failed.attempts.length));
  assert.match(await page.textContent("#job-timeline [data-step='finished']"), /Failed/);
  await screenshot(page, "job-failed");
  await page.click("#job-retry");
  const link = page.locator("#job-retried a");
  await link.waitFor();
  const newId = await link.textContent();
  assert.notEqual(newId, fixtures.failed);
  const [before, after] = [await api.get(fixtures.failed), await api.get(newId)];
  assert.deepEqual([after.type, after.params, after.priority, after.max_retries, after.timeout_seconds], [before.type, before.params, before.priority, before.max_retries, before.timeout_seconds]);
  // The gateway's retry, not a second dispatch: the new job names the one it retries.
  assert.equal(after.retry_of, fixtures.failed);
  await link.click();
  await page.waitForSelector(`h1:text-is('Job ${newId}')`);
  await assertClean(p);
});

test("a sequential batch is dispatched from the form and its page shows the chain", async () => {
  const p = await signIn();
  const { page } = p;
  await page.goto(`${stack.dashboard}/#/dispatch`);
  for (const type of ["competitor_scan", "pricing_recalculate"]) {
    await page.selectOption("#dispatch-type", type);
    await page.fill("#param-skus", "SKU-002");
    await page.fill("#param-marketplace", "amazon_us");
    await page.click("#batch-add");
  }
  assert.equal(await page.locator("#batch-list li").count(), 2);
  await page.check("#batch-sequential");
  await page.click("#batch-submit");
  await page.waitForURL(/#\/batch\//);
  const batchId = decodeURIComponent(page.url().split("#/batch/")[1]);
  await waitFor("batch completed on the page", async () => (await page.getAttribute("#batch-status [data-status]", "data-status")) === "completed", 90_000);
  const batch = (await fetch(`${stack.gateway}/api/ai-jobs/batch/${batchId}`, { headers: { Authorization: `Bearer ${stack.apiKey}`, "X-Tenant-ID": stack.tenant } }).then((r) => r.json())).data;
  assert.equal(batch.sequential, true);
  const shown = await page.locator("#batch-chain li").evaluateAll((ls) => ls.map((l) => l.dataset.jobId));
  assert.deepEqual(shown, batch.jobs.map((j) => j.id));
  assert.deepEqual(batch.jobs.map((j) => j.type), ["competitor_scan", "pricing_recalculate"]);
  await assertAccessible(p, "batch");
  await assertClean(p);
});

test("params with markup and script are shown as text and never run", async () => {
  const payload = `<img src=x onerror="window.__xss=1;alert(1)"><script>window.__xss=2</script>`;
  const id = await kubectlJob(stack, {
    type: "competitor_scan",
    // A name with markup: only the test hook keeps names no job type declares (the CRD refuses others).
    params: { skus: ["SKU-001"], marketplace: "amazon_us", _simulate: { [`<b onmouseover="window.__xss=3">k</b>`]: payload } },
  });
  await waitFor("the markup job finished", async () => ["failed", "completed"].includes((await api.get(id)).status), 60_000);
  const p = await signIn();
  const { page } = p;
  await page.goto(`${stack.dashboard}/#/jobs/${id}`);
  await page.waitForSelector("#job-params");
  assert.ok((await page.textContent("#job-params")).includes(JSON.stringify(payload).slice(1, -1)));
  assert.equal(await page.locator("#main img, #main script, #main b").count(), 0);
  await page.click("#job-raw summary");
  await page.hover("#job-params");
  await screenshot(page, "job-markup");

  // Through the form: a SKU with markup comes back as a field error, shown as text.
  await page.goto(`${stack.dashboard}/#/dispatch`);
  await page.selectOption("#dispatch-type", "llm_visibility_score");
  await page.fill("#param-skus", `<img src=x onerror=alert(1)>`);
  await page.click("#dispatch-submit");
  await page.waitForSelector("#dispatch-error:has-text('INVALID_PARAMS')");
  assert.notEqual((await page.textContent("#param-skus-error")).trim(), "");
  assert.equal(await page.locator("#main img").count(), 0);
  await assertClean(p);
});

test("the platform view's numbers match the API", async () => {
  const p = await signIn();
  const { page } = p;
  await page.click("nav a:text-is('Platform')");
  await page.waitForSelector("#platform-queue");
  await waitFor("platform figures equal to the API's", async () => {
    const hourAgo = Date.now() - 3600_000;
    const [queued, running, finished] = await Promise.all([
      api.listAll({ status: "queued" }), api.listAll({ status: "running" }),
      api.listAll({ status: "completed", start_date: new Date(Date.now() - 24 * 3600_000).toISOString() })]);
    const ui = await page.evaluate(() => ({
      queued: Number(document.getElementById("platform-queued-total")?.textContent),
      running: Number(document.getElementById("platform-running-count")?.textContent),
      completed: Object.fromEntries([...document.querySelectorAll("#platform-hour tbody tr")].map((r) => [r.dataset.type, Number(r.querySelector("[data-metric=completed]").textContent)])),
      depth: Object.fromEntries([...document.querySelectorAll("#platform-queue tbody tr")].map((r) => [r.dataset.type, Number(r.querySelector("[data-priority=total]").textContent)])),
    }));
    const completed = {};
    for (const t of Object.keys(ui.completed)) completed[t] = finished.filter((j) => j.type === t && Date.parse(j.completed_at) >= hourAgo).length;
    const depth = {};
    for (const t of Object.keys(ui.depth)) depth[t] = queued.filter((j) => j.type === t).length;
    const api_ = { queued: queued.length, running: running.length, completed, depth };
    return JSON.stringify(ui) === JSON.stringify(api_) && ui.completed.competitor_scan >= 2;
  }, 30_000, 500);
  assert.equal(await page.locator("#platform-running-list li").count(), Number(await page.textContent("#platform-running-count")));
  await assertAccessible(p, "platform");
  await assertClean(p);
});

/** The view of a job that is not in the stack, made from a real one: what the API would show for it. */
function fakeView(real, id, fields) {
  const view = { ...real, id, ...fields };
  for (const [k, v] of Object.entries(view)) if (v === undefined) delete view[k];
  return view;
}

const sse = (...events) => "retry: 1000\n\n" + events.map((e, i) => `id: t1-${i + 1}\nevent: job\ndata: ${JSON.stringify(e)}\n\n`).join("");

test("a running job's progress, a queued job's place and ETA come from the job's stream; polling when it cannot open", async () => {
  // The demo workers finish before a progress report can be seen, so the stream and GET of jobs that are not in the
  // stack are answered by the browser's route interception: the page's own parsing and rendering is what is checked.
  const real = await api.get(fixtures.dispatched.pricing_recalculate);
  const eta = new Date(Date.now() + 90_000).toISOString();
  const clear = { result: undefined, completed_at: undefined, duration_seconds: undefined, error: undefined };
  const running = (progress) => fakeView(real, "job_00000000000000000000000001", {
    ...clear, status: "running", progress, estimated_completion_at: eta,
    attempts: [{ number: 1, instance: "pricing-worker-0", started_at: real.created_at, ended_at: real.created_at, outcome: "retried", error_code: "WORKER_TIMEOUT" },
      { number: 2, instance: "pricing-worker-7", started_at: real.created_at, outcome: "running" }],
  });
  const queued = fakeView(real, "job_00000000000000000000000002", { ...clear, status: "queued", queue_position: 3, estimated_completion_at: eta, started_at: undefined, attempts: undefined });
  const p = await signIn();
  const { page } = p;
  const gets = { [running(0).id]: 0, [queued.id]: 0 };
  const json = (data) => ({ status: 200, contentType: "application/json", body: JSON.stringify({ data }) });
  // GET says 10 %; the stream then says 42 % and 57 %: what the page shows must be the stream's last word.
  await page.route(`**/api/ai-jobs/${running(0).id}`, (r) => { gets[running(0).id]++; return r.fulfill(json(running(0.1))); });
  // Each answer is the whole stream and ends: the page reconnects after the stream's retry delay, resuming from the
  // last id it read.
  const resumedFrom = [];
  await page.route(`**/api/ai-jobs/${running(0).id}/events`, (r) => {
    resumedFrom.push(r.request().headers()["last-event-id"] ?? null);
    return r.fulfill({ status: 200, contentType: "text/event-stream", body: sse(running(0.42), running(0.5712)) });
  });
  await page.route(`**/api/ai-jobs/${queued.id}`, (r) => { gets[queued.id]++; return r.fulfill(json(queued)); });
  await page.route(`**/api/ai-jobs/${queued.id}/events`, (r) => r.abort("connectionrefused"));

  await page.goto(`${stack.dashboard}/#/jobs/${running(0).id}`);
  await page.waitForSelector("#job-progress-text:text-is('57%')");
  assert.equal(await page.getAttribute("#job-progress-bar", "value"), "57");
  assert.equal(await page.getAttribute("#job-progress-bar", "max"), "100");
  await waitFor("a reconnect", () => resumedFrom.length >= 2, 15_000);
  assert.deepEqual(resumedFrom.slice(0, 2), [null, "t1-2"], "the first stream without Last-Event-ID, the reconnect with the last id read");
  assert.notEqual(await page.getAttribute("#live-state", "data-mode"), "polling");
  assert.equal(gets[running(0).id], 1, "read once, when the first stream opened; a resumed stream needs no re-read");
  assert.match(await page.textContent("#job-eta"), new RegExp(eta.slice(0, 19).replace("T", " ")));
  const attempts = await page.locator("#job-timeline li[data-attempt]").evaluateAll((ls) => ls.map((l) => `${l.dataset.attempt} ${l.dataset.instance} ${l.dataset.outcome} ${l.className}`));
  assert.deepEqual(attempts, ["1 pricing-worker-0 retried attempt outcome-retried done", "2 pricing-worker-7 running attempt outcome-running current"]);
  assert.match(await page.textContent("#job-timeline [data-attempt='1']"), /WORKER_TIMEOUT/);
  assert.match(await page.textContent("#job-timeline [data-step='finished']"), /expected/);
  await assertAccessible(p, "job-running");

  // The queued job's stream is refused: the page polls (and says so) and shows its place from GET.
  await page.goto(`${stack.dashboard}/#/jobs/${queued.id}`);
  await page.waitForSelector("#job-queue-position:text-is('3')");
  await page.waitForSelector("#live-state[data-mode='polling']");
  assert.match(await page.textContent("#job-live"), /Position 3 in the queue · expected to complete by/);
  assert.equal(await page.locator("#job-progress").count(), 0);
  const before = gets[queued.id];
  await waitFor("polled again", () => gets[queued.id] >= before + 2, 15_000);
  await screenshot(page, "job-queued-polling");
  await assertClean(p);
});
