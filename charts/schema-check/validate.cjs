// Validates Kubernetes objects against the upstream schemas shipped by kubernetes-models (the built-in kinds of
// the Kubernetes release it was generated from) and @kubernetes-models/prometheus-operator (ServiceMonitor,
// PrometheusRule, ...). Reads a JSON array of objects on stdin and prints one JSON line per object:
//   {"index": 0, "kind": "Deployment", "name": "x", "known": true, "errors": ["data/spec/replicas must be integer"]}
// "known": false means neither package has a schema for that apiVersion and kind (the caller decides; the
// chart's own custom resources are checked against their CRDs instead).
//
// Unknown fields are errors too (like kubeconform -strict and the API server's strict field validation),
// although the shipped validators let them pass: each object is handed to the validator behind a Proxy that
// records which property names the validator looks up. A validator looks up every property its schema
// declares (present or not) and every key of a map it checks, so a key it never looked up is unknown to the
// schema. An object it looked into not at all is free-form (any JSON) and is skipped, and so is a CRD's
// openAPIV3Schema: the shipped JSONSchemaProps validator leaves out properties such as description (the API
// server checks CRD schemas structurally; the chart's come from the generator in crds/ and its tests).
"use strict";
const path = require("path");

const packages = ["kubernetes-models", "@kubernetes-models/prometheus-operator"];

function modelFor(apiVersion, kind) {
  if (typeof apiVersion !== "string" || typeof kind !== "string" || !/^[A-Za-z0-9]+$/.test(kind)) return null;
  const groupVersion = apiVersion.split("/").filter((s) => /^[a-z0-9.-]+$/.test(s)).join("/");
  if (groupVersion !== apiVersion) return null;
  for (const pkg of packages) {
    try {
      const mod = require(path.join(__dirname, "node_modules", pkg, groupVersion, kind));
      if (mod[kind]) return mod[kind];
    } catch (e) {
      if (e.code !== "MODULE_NOT_FOUND") throw e;
    }
  }
  return null;
}

function messages(err) {
  // The validators throw an error whose message lists every violation, one per line.
  return String(err.message || err).split(/\n|, (?=data\/)/).map((s) => s.trim()).filter(Boolean);
}

// tracked copies a JSON value, wrapping every object in a Proxy that records the names looked up on it.
function tracked(value, path, nodes) {
  if (Array.isArray(value)) return value.map((v, i) => tracked(v, `${path}/${i}`, nodes));
  if (value === null || typeof value !== "object") return value;
  const target = {};
  for (const [k, v] of Object.entries(value)) target[k] = tracked(v, `${path}/${k}`, nodes);
  const seen = new Set();
  nodes.push({ path, keys: Object.keys(value), seen });
  const note = (p) => typeof p === "string" && seen.add(p);
  return new Proxy(target, {
    get: (t, p, r) => (note(p), Reflect.get(t, p, r)),
    has: (t, p) => (note(p), Reflect.has(t, p)),
    getOwnPropertyDescriptor: (t, p) => (note(p), Reflect.getOwnPropertyDescriptor(t, p)),
  });
}

function unknownFields(nodes) {
  const out = [];
  for (const n of nodes) {
    if (n.seen.size === 0 || n.path.includes("/openAPIV3Schema")) continue;
    for (const k of n.keys) if (!n.seen.has(k)) out.push(`data${n.path}/${k} is not a field of the schema`);
  }
  return out;
}

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (c) => (input += c));
process.stdin.on("end", () => {
  const objects = JSON.parse(input);
  objects.forEach((o, index) => {
    const kind = o && o.kind;
    const name = o && o.metadata && o.metadata.name;
    const Model = modelFor(o && o.apiVersion, kind);
    const line = { index, apiVersion: o && o.apiVersion, kind, name, known: Model !== null, errors: [] };
    if (Model) {
      const nodes = [];
      try {
        Model.prototype.validate.call(tracked(o, "", nodes));
        line.errors = unknownFields(nodes);
      } catch (e) {
        line.errors = messages(e);
      }
    }
    process.stdout.write(JSON.stringify(line) + "\n");
  });
});
