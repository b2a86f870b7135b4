// The dashboard's Server-Sent Events parser (src/sse.ts) on its own: compiled with the project's TypeScript and fed
// streams split in every way a network can split them.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { pathToFileURL } from "node:url";
import ts from "typescript";

let SseParser, dir;

before(async () => {
  const source = readFileSync(resolve(import.meta.dirname, "../src/sse.ts"), "utf8");
  const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
  dir = mkdtempSync(join(tmpdir(), "nexus-sse-"));
  writeFileSync(join(dir, "sse.mjs"), outputText);
  ({ SseParser } = await import(pathToFileURL(join(dir, "sse.mjs")).href));
});

after(() => rmSync(dir, { recursive: true, force: true }));

/** Feeds `text` in pieces cut at `cuts` (offsets); returns every message and the parser. */
function parse(text, cuts = []) {
  const parser = new SseParser();
  const out = [];
  let at = 0;
  for (const cut of [...cuts, text.length]) {
    out.push(...parser.push(text.slice(at, cut)));
    at = cut;
  }
  return { out, parser };
}

// What the gateway sends: retry, a bare id (the starting point), a job event, a heartbeat carrying the position, a reset.
const STREAM = 'retry: 3000\n\nid: e1-5\n\nid: e1-6\nevent: job\ndata: {"id":"job_1","status":"running"}\n\n' +
  ": heartbeat\nid: e1-9\n\n" + 'id: e1-10\nevent: reset\ndata: {"reason":"expired"}\n\n';

test("the gateway's messages: events with their ids, the retry delay, comments skipped, bare ids kept", () => {
  const { out, parser } = parse(STREAM);
  assert.deepEqual(out, [
    { event: "job", data: '{"id":"job_1","status":"running"}', id: "e1-6" },
    { event: "reset", data: '{"reason":"expired"}', id: "e1-10" },
  ]);
  assert.equal(parser.retryMs, 3000);
  assert.equal(parser.lastEventId, "e1-10");
});

test("a heartbeat's id moves the resume point without an event", () => {
  const { out, parser } = parse("id: e1-1\nevent: job\ndata: {}\n\n: heartbeat\nid: e1-40\n\n");
  assert.equal(out.length, 1);
  assert.equal(parser.lastEventId, "e1-40");
});

test("every split of the stream, including inside CRLF, gives the same messages", () => {
  const crlf = STREAM.replaceAll("\n", "\r\n");
  const whole = parse(STREAM).out;
  for (const text of [STREAM, crlf, STREAM.replaceAll("\n", "\r")]) {
    for (let cut = 0; cut <= text.length; cut++) assert.deepEqual(parse(text, [cut]).out, whole, `cut at ${cut}`);
  }
  // One character at a time.
  assert.deepEqual(parse(crlf, [...Array(crlf.length).keys()]).out, whole);
});

test("multi-line data, a field without a value, no space after the colon, unknown fields and a bad retry", () => {
  const { out, parser } = parse("data:a\ndata: b\ndata\nfoo: bar\nretry: soon\n\nevent: x\n\n");
  assert.deepEqual(out, [{ event: "message", data: "a\nb\n", id: "" }]);
  assert.equal(parser.retryMs, undefined);
});

test("an unfinished message is not dispatched until its blank line", () => {
  const parser = new SseParser();
  assert.deepEqual(parser.push('id: 7\nevent: job\ndata: {"a":1}\n'), []);
  assert.deepEqual(parser.push("\n"), [{ event: "job", data: '{"a":1}', id: "7" }]);
});
