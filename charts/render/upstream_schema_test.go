package main

// Every rendered object checked against the upstream schemas, as chart-testing pipelines do with kubeconform:
// the built-in kinds against the Kubernetes OpenAPI schemas and the ServiceMonitor and PrometheusRule against the
// prometheus-operator CRDs' schemas, both as the validators the npm packages kubernetes-models and
// @kubernetes-models/prometheus-operator ship (charts/schema-check, installed by charts/test.sh with npm ci).
// The chart's own custom resources are checked against the chart's CRDs. Unknown fields are refused too (see
// validate.cjs for how), as kubeconform -strict and the API server's strict field validation refuse them.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xeipuuv/gojsonschema"
)

type schemaVerdict struct {
	Index      int      `json:"index"`
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Name       string   `json:"name"`
	Known      bool     `json:"known"`
	Errors     []string `json:"errors"`
}

// upstreamValidate runs charts/schema-check/validate.cjs over the objects and returns one verdict per object.
func upstreamValidate(t *testing.T, objs []obj) []schemaVerdict {
	t.Helper()
	dir := filepath.Join(repoRoot(t), "charts", "schema-check")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "kubernetes-models", "package.json")); err != nil {
		t.Fatalf("charts/schema-check has no node_modules: run charts/test.sh (it runs npm ci there) or `npm ci --prefix charts/schema-check`")
	}
	input, err := json.Marshal(objs)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join(dir, "validate.cjs"))
	cmd.Stdin = bytes.NewReader(input)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("validate.cjs: %v\n%s", err, stderr.String())
	}
	var verdicts []schemaVerdict
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var v schemaVerdict
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("validate.cjs printed %q: %v", sc.Text(), err)
		}
		verdicts = append(verdicts, v)
	}
	if len(verdicts) != len(objs) {
		t.Fatalf("validate.cjs answered for %d of %d objects", len(verdicts), len(objs))
	}
	return verdicts
}

// checkUpstreamSchemas fails the test for every object an upstream schema refuses, and for every object of a
// kind no schema covers (neither upstream nor one of the chart's CRDs): nothing goes unchecked. sets names the
// value set each object was rendered from; all go to one validator run (node starts once).
func checkUpstreamSchemas(t *testing.T, objs []obj, sets []string) {
	t.Helper()
	own := map[string]*gojsonschema.Schema{}
	for _, f := range []string{"aijobs.nexus.ai.yaml", "aijobbatches.nexus.ai.yaml", "tenantquotas.nexus.ai.yaml", "workerpools.nexus.ai.yaml"} {
		own[strings.Split(f, ".")[0]] = crdSchema(t, f)
	}
	for i, v := range upstreamValidate(t, objs) {
		id := sets[i] + ": " + v.APIVersion + " " + v.Kind + "/" + v.Name
		switch {
		case v.Known:
			for _, e := range v.Errors {
				t.Errorf("%s does not match the upstream schema: %s", id, e)
			}
		case strings.HasPrefix(v.APIVersion, "nexus.ai/") && own[strings.ToLower(v.Kind)+"s"] != nil:
			validateAgainst(t, own[strings.ToLower(v.Kind)+"s"], objs[i])
		default:
			t.Errorf("%s: no schema knows this apiVersion and kind", id)
		}
	}
}

func TestEveryRenderedObjectMatchesTheUpstreamSchemas(t *testing.T) {
	var all []obj
	var sets []string
	for _, name := range []string{"defaults", "everything-on", "minimal"} {
		var files []string
		if valueSets[name] != "" {
			files = []string{writeValues(t, valueSets[name])}
		}
		objs := parseDocs(t, renderChart(t, renderArgs{files: files}).Text)
		for range objs {
			sets = append(sets, name)
		}
		all = append(all, objs...)
		// The all-features set must really reach every kind the chart can create.
		if name == "everything-on" {
			kinds := map[string]bool{}
			for _, o := range objs {
				kinds[o.kind()] = true
			}
			for _, k := range []string{"CustomResourceDefinition", "ClusterRole", "Role", "RoleBinding", "ServiceAccount",
				"Secret", "ConfigMap", "Service", "Deployment", "HorizontalPodAutoscaler", "PodDisruptionBudget",
				"Ingress", "NetworkPolicy", "ServiceMonitor", "PrometheusRule", "WorkerPool", "Pod"} {
				if !kinds[k] {
					t.Errorf("ci/all-features-values.yaml renders no %s", k)
				}
			}
		}
	}
	checkUpstreamSchemas(t, all, sets)
}

func TestUpstreamSchemaCheckRefusesAWrongObject(t *testing.T) {
	objs := parseDocs(t, renderChart(t, renderArgs{files: []string{writeValues(t, valueSets["everything-on"])}}).Text)
	pick := func(kind string) obj {
		o := byKind(objs, kind)[0]
		raw, _ := json.Marshal(o)
		var c obj
		json.Unmarshal(raw, &c)
		return c
	}
	// Each object breaks one rule its upstream schema states; the check must name the field.
	dep := pick("Deployment")
	mapOf(dep, "spec")["replicas"] = "two"
	np := pick("NetworkPolicy")
	mapOf(np, "spec")["egress"] = map[string]interface{}{"ports": 53}
	sm := pick("ServiceMonitor")
	mapOf(sm, "spec")["endpoints"] = map[string]interface{}{"port": "http"}
	hpa := pick("HorizontalPodAutoscaler")
	delete(mapOf(hpa, "spec"), "maxReplicas")
	crd := pick("CustomResourceDefinition")
	mapOf(crd, "spec")["scope"] = []interface{}{"Namespaced"}
	// Unknown fields, as a typo in a template would make them: refused like kubeconform -strict refuses them.
	typo := pick("Deployment")
	mapOf(typo, "spec", "template", "spec")["topologySpreadConstraint"] = []interface{}{}
	oldName := pick("ServiceMonitor")
	mapOf(oldName, "spec", "endpoints", 0)["relabelConfigs"] = list(oldName, "spec", "endpoints", 0, "relabelings")
	wrong := []obj{dep, np, sm, hpa, crd, typo, oldName}
	want := []string{"data/spec/replicas must be integer", "data/spec/egress must be array", "data/spec/endpoints must be array",
		"data/spec must have required property maxReplicas", "data/spec/scope must be string",
		"data/spec/template/spec/topologySpreadConstraint is not a field of the schema",
		"data/spec/endpoints/0/relabelConfigs is not a field of the schema"}
	for i, v := range upstreamValidate(t, wrong) {
		if !v.Known || len(v.Errors) == 0 {
			t.Errorf("%s/%s was accepted although %s", v.Kind, v.Name, want[i])
			continue
		}
		if len(v.Errors) != 1 || v.Errors[0] != want[i] {
			t.Errorf("%s/%s refused with %v, want only %q", v.Kind, v.Name, v.Errors, want[i])
		}
	}
	// An object of a kind nobody has a schema for is reported as unknown, not passed.
	if v := upstreamValidate(t, []obj{{"apiVersion": "example.com/v1", "kind": "Widget"}}); v[0].Known {
		t.Errorf("a kind without a schema was reported as checked")
	}
}
