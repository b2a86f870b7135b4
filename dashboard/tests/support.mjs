// The real stack (scripts/run-local.sh with the workers' test-only simulation) and Debian's Chromium through
// playwright-core (no browser download), shared by the dashboard's browser tests.
import { spawn, execFile } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { chromium } from "playwright-core";

export const REPO = resolve(import.meta.dirname, "../..");
export const ARTIFACTS = resolve(import.meta.dirname, "../test-results");
const run = promisify(execFile);

/** Waits until `probe` returns a truthy value, or fails after `timeoutMs` with the last value/error. */
export async function waitFor(what, probe, timeoutMs = 30_000, intervalMs = 200) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
      last = value;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

function parseLines(lines, extra) {
  const line = (name) => new RegExp(`^${name}: (.*)$`, "m").exec(lines)[1].trim();
  return { gateway: line("Gateway"), apiKey: line("API key"), tenant: line("Tenant"), kubeconfig: line("Kubeconfig"), dashboard: line("Dashboard"), database: line("Database"), ...extra };
}

/**
 * Starts scripts/run-local.sh in a fresh run directory and reads its ready lines. While working on the dashboard,
 * NEXUS_DASHBOARD_TEST_LINES may name a file holding the lines of a stack already running (started with
 * NEXUS_WORKER_SIMULATION=1), which is then used and left running.
 */
export async function startStack() {
  if (process.env.NEXUS_DASHBOARD_TEST_LINES)
    return parseLines(readFileSync(process.env.NEXUS_DASHBOARD_TEST_LINES, "utf8"), { async stop() {} });
  const runDir = mkdtempSync(join(tmpdir(), "nexus-dashboard-"));
  const child = spawn("scripts/run-local.sh", [], {
    cwd: REPO, detached: true, stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NEXUS_RUN_DIR: runDir, NEXUS_WORKER_SIMULATION: "1", KUBECONFIG: "" },
  });
  let out = "", err = "";
  child.stdout.on("data", (d) => { out += d; });
  child.stderr.on("data", (d) => { err += d; });
  const exited = new Promise((r) => child.on("exit", r));
  const lines = await Promise.race([
    waitFor("make run's ready lines", () => /^Dashboard: (\S+)$/m.test(out) && out, 180_000, 200),
    exited.then((code) => { throw new Error(`run-local.sh exited ${code}:\n${out}\n${err}`); }),
  ]);
  return parseLines(lines, {
    runDir,
    async stop() {
      try { process.kill(-child.pid, "SIGTERM"); } catch { /* already gone */ }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
      rmSync(runDir, { recursive: true, force: true });
    },
  });
}

/** A small REST client for checks made beside the browser (the API, not the page). */
export function restClient(gateway, key, tenant) {
  /** Any answer, as { status, body }; path is under /api/ai-jobs. */
  const raw = async (method, path, body) => {
    const headers = { Authorization: `Bearer ${key}`, "X-Tenant-ID": tenant };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(gateway + "/api/ai-jobs" + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { ok: res.ok, status: res.status, body: res.status === 204 ? null : await res.json() };
  };
  const call = async (method, path, body) => {
    const { ok, status, body: json } = await raw(method, path, body);
    if (!ok) throw new Error(`${method} ${path}: ${status} ${JSON.stringify(json)}`);
    return json;
  };
  return {
    raw,
    dispatch: async (body) => (await call("POST", "", body)).data,
    get: async (id) => (await call("GET", `/${id}`)).data,
    list: (qs) => call("GET", `?${new URLSearchParams(qs)}`),
    async listAll(qs) {
      const jobs = [];
      let cursor;
      for (;;) {
        const page = await call("GET", `?${new URLSearchParams({ ...qs, limit: "200", ...(cursor ? { cursor } : {}) })}`);
        jobs.push(...page.data);
        if (!page.pagination.has_more) return jobs;
        cursor = page.pagination.next_cursor;
      }
    },
    cancel: (id) => call("DELETE", `/${id}`).catch(() => undefined),
  };
}

/** Creates an API key with the gateway's own CLI, as an operator would. */
export async function createKey(stack, tenants, scopes) {
  const dll = join(REPO, "api-gateway/bin", process.env.CONFIGURATION ?? "Debug", "net10.0/Nexus.Gateway.dll");
  const { stdout } = await run("dotnet", [dll, "keys", "create", "--tenant", tenants, "--scopes", scopes, "--name", `dash-${Date.now()}-${Math.floor(Math.random() * 1e6)}`],
    { env: { ...process.env, KUBECONFIG: stack.kubeconfig } });
  return stdout.trim().split("\n").pop();
}

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
function ulid() {
  let t = Date.now(), time = "";
  for (let i = 0; i < 10; i++) { time = CROCKFORD[t % 32] + time; t = Math.floor(t / 32); }
  let rand = "";
  for (let i = 0; i < 16; i++) rand += CROCKFORD[Math.floor(Math.random() * 32)];
  return time + rand;
}

/** Creates an AiJob with kubectl (bypassing the gateway's validation, as a platform operator can); returns its REST id. */
export async function kubectlJob(stack, { type, params, priority = "normal", dependsOn, maxRetries = 0 }) {
  const id = ulid();
  const name = `job-${id.toLowerCase()}`;
  const spec = { type, tenant: stack.tenant, priority, maxRetries, params };
  if (dependsOn) spec.dependsOn = [dependsOn.replace(/^job_/, "job-").toLowerCase()];
  const job = {
    apiVersion: "nexus.ai/v1", kind: "AiJob",
    metadata: { name, labels: { "nexus.ai/tenant": stack.tenant, "nexus.ai/job-type": type, "nexus.ai/priority": priority } },
    spec,
  };
  const child = spawn("kubectl", ["--kubeconfig", stack.kubeconfig, "-n", "default", "create", "-f", "-"], { stdio: ["pipe", "pipe", "pipe"] });
  let err = "";
  child.stderr.on("data", (d) => { err += d; });
  child.stdin.end(JSON.stringify(job));
  const code = await new Promise((r) => child.on("exit", r));
  if (code !== 0) throw new Error(`kubectl create failed: ${err}`);
  return `job_${id}`;
}

// launch() gives Chromium a fresh temporary profile (user data dir) of its own and removes it on close.
export async function launchBrowser() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync",
      "--disable-quic", "--no-first-run"],
  });
  return { browser, close: () => browser.close() };
}

/** A page that records CSP violations, page errors and any dialog (an XSS payload would open one). */
export async function newPage(browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("dialog", (d) => { problems.push(`dialog: ${d.message()}`); void d.dismiss(); });
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      (window.__cspViolations ??= []).push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  return { context, page, problems };
}

export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

const AXE = resolve(import.meta.dirname, "../node_modules/axe-core/axe.min.js");

/** Runs axe-core on the page; returns the serious and critical violations. */
export async function axeSerious(page) {
  // Evaluated through the DevTools protocol: a <script> tag would be (rightly) refused by the page's CSP.
  if (!(await page.evaluate(() => typeof window.axe !== "undefined"))) await page.evaluate(readFileSync(AXE, "utf8"));
  const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ["violations"] }));
  return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}
