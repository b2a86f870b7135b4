// Validates Kubernetes objects against the upstream schemas shipped by kubernetes-models (the built-in kinds of
// the Kubernetes release it was generated from) and @kubernetes-models/prometheus-operator (ServiceMonitor,
// PrometheusRule, ...). Reads a JSON array of objects on stdin and prints one JSON line per object:
//   {"index": 0, "kind": "Deployment", "name": "x", "known": true, "errors": ["data/spec/replicas must be integer"]}
// "known": false means neither package has a schema for that apiVersion and kind (the caller decides; the
// chart's own custom resources are checked against their CRDs instead).
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
      try {
        new Model(o).validate();
      } catch (e) {
        line.errors = messages(e);
      }
    }
    process.stdout.write(JSON.stringify(line) + "\n");
  });
});
