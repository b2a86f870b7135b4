package main

// Tests of the renderer itself on small charts made for each case.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// miniChart writes a chart with the given templates (and optional values/schema) and returns its directory.
func miniChart(t *testing.T, values string, schema string, templates map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	must := func(p, s string) {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, p), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	must("Chart.yaml", "apiVersion: v2\nname: mini\nversion: 1.2.3\nappVersion: \"4.5\"\n")
	must("values.yaml", values)
	if schema != "" {
		must("values.schema.json", schema)
	}
	must("files/conf/a.txt", "alpha\nbeta\n")
	for name, src := range templates {
		must(name, src)
	}
	return dir
}

func renderMini(t *testing.T, dir string, sets ...string) (*Output, error) {
	t.Helper()
	return Render(dir, nil, sets, Options{Release: Release{Name: "rel", Namespace: "ns"}}, false)
}

func TestBuiltInObjectsAndHelmFunctions(t *testing.T) {
	dir := miniChart(t, "n: 3\nbig: 1000000\nlist: [b, a]\nnested: {x: 1}\ntext: \"{{ .Release.Name }}-x\"\n", "", map[string]string{
		"templates/_helpers.tpl": `{{- define "mini.name" -}}{{ .Chart.Name }}-{{ .Release.Name }}{{- end }}`,
		"templates/cm.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "mini.name" . }}
data:
  chart: {{ .Chart.Version }}/{{ .Chart.AppVersion }}
  release: {{ .Release.Namespace }}/{{ .Release.Service }}/{{ .Release.IsInstall }}/{{ .Release.Revision }}
  template: {{ .Template.Name }}
  kube: {{ .Capabilities.KubeVersion.Minor }}/{{ .Capabilities.APIVersions.Has "apps/v1" }}/{{ .Capabilities.APIVersions.Has "monitoring.coreos.com/v1" }}
  tpl: {{ tpl .Values.text . }}
  missing: "[{{ .Values.nothing }}]"
  big: "{{ .Values.big }}"
  file: {{ .Files.Get "files/conf/a.txt" | quote }}
  lines: {{ len (.Files.Lines "files/conf/a.txt") | quote }}
  glob: {{ len (.Files.Glob "files/**") | quote }}
  roundtrip: {{ (toYaml .Values.nested | fromYaml).x | quote }}
  json: {{ toJson .Values.list | quote }}
  lookup: {{ lookup "v1" "Secret" "ns" "s" | len | quote }}
  yaml: |
    {{- toYaml .Values.list | nindent 4 }}
`,
	})
	out, err := renderMini(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"name: mini-rel", "chart: 1.2.3/4.5", "release: ns/Helm/true/1", "template: mini/templates/cm.yaml",
		"kube: 32/true/false", "tpl: rel-x", `missing: "[]"`, `big: "1e+06"`, `file: "alpha\nbeta\n"`,
		`lines: "2"`, `glob: "1"`, `roundtrip: "1"`, `json: "[\"b\",\"a\"]"`, `lookup: "0"`, "yaml: |\n    - b\n    - a",
		"# Source: mini/templates/cm.yaml",
	} {
		if !strings.Contains(out.Text, want) {
			t.Errorf("output lacks %q:\n%s", want, out.Text)
		}
	}
}

func TestRequiredFailAndSchemaErrorsAreReported(t *testing.T) {
	dir := miniChart(t, "name: \"\"\n", `{"type":"object","properties":{"name":{"type":"string"},"replicas":{"type":"integer","minimum":1}}}`,
		map[string]string{"templates/a.yaml": "kind: A\nname: {{ required \"name is required\" .Values.name }}\n"})
	if _, err := renderMini(t, dir); err == nil || err.Error() != "name is required" {
		t.Errorf("required: %v", err)
	}
	if _, err := renderMini(t, dir, "name=x", "replicas=0"); err == nil || !strings.Contains(err.Error(), "- replicas: Must be greater than or equal to 1") {
		t.Errorf("schema: %v", err)
	}
	out, err := renderMini(t, dir, "name=x", "replicas=2")
	if err != nil || !strings.Contains(out.Text, "name: x") {
		t.Errorf("valid values: %v", err)
	}
}

func TestValuesMergeAndSetParsing(t *testing.T) {
	base := map[string]interface{}{"a": map[string]interface{}{"b": 1.0, "c": 2.0}, "d": "x"}
	over := map[string]interface{}{}
	for _, s := range []string{"a.b=5", "a.c=null", "e.f=true", "g=text"} {
		if err := ParseSet(over, s); err != nil {
			t.Fatal(err)
		}
	}
	got := MergeValues(base, over)
	a := got["a"].(map[string]interface{})
	if a["b"] != 5.0 || a["c"] != nil || len(a) != 1 || got["d"] != "x" || got["g"] != "text" ||
		got["e"].(map[string]interface{})["f"] != true {
		t.Errorf("merged values %v", got)
	}
	if base["a"].(map[string]interface{})["c"] != 2.0 {
		t.Errorf("merging changed the chart's defaults")
	}
	if err := ParseSet(over, "novalue"); err == nil {
		t.Errorf("--set without '=' accepted")
	}
}

func TestManifestsAreSplitAndOrderedLikeHelm(t *testing.T) {
	dir := miniChart(t, "", "", map[string]string{
		"templates/a.yaml":    "kind: Deployment\nmetadata: {name: d}\n---\n# only a comment\n---\nkind: ServiceAccount\nmetadata: {name: sa}\n",
		"templates/b.yaml":    "kind: Pod\nmetadata:\n  name: t\n  annotations: {helm.sh/hook: test}\n---\nkind: WorkerPool\nmetadata: {name: wp}\n---\nkind: Namespace\nmetadata: {name: ns1}\n",
		"templates/NOTES.txt": "installed {{ .Release.Name }}",
	})
	out, err := renderMini(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, m := range out.Manifests {
		order = append(order, m.Kind+"/"+m.Name)
	}
	want := "Namespace/ns1 ServiceAccount/sa Deployment/d WorkerPool/wp Pod/t"
	if strings.Join(order, " ") != want {
		t.Errorf("order %v, want %s", order, want)
	}
	if out.Notes != "installed rel" || strings.Contains(out.Text, "installed rel") {
		t.Errorf("NOTES.txt must be rendered apart from the manifests: %q", out.Notes)
	}
	broken := miniChart(t, "", "", map[string]string{"templates/a.yaml": "kind: A\n  bad: [\n"})
	if _, err := renderMini(t, broken); err == nil || !strings.Contains(err.Error(), "does not parse") {
		t.Errorf("invalid YAML output: %v", err)
	}
}

func TestCommandLinePrintsLikeHelmTemplate(t *testing.T) {
	var b strings.Builder
	err := run([]string{filepath.Join(repoRoot(t), "charts", "nexus-ai-jobs"), "--name", "demo", "--namespace", "jobs",
		"--include-crds", "--set", "tests.enabled=false", "--set", "database.existingSecret=pg-app"}, &b)
	if err != nil {
		t.Fatal(err)
	}
	text := b.String()
	crd := strings.Index(text, "# Source: nexus-ai-jobs/templates/crds.yaml\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition")
	if !strings.HasPrefix(text, "---\n# Source: nexus-ai-jobs/templates/") || crd < 0 || crd > strings.Index(text, "kind: WorkerPool") ||
		!strings.Contains(text, "name: demo-nexus-ai-jobs-operator") || strings.Contains(text, "helm.sh/hook: test") {
		t.Errorf("unexpected output start:\n%.400s", text)
	}
	if err := run([]string{"a", "b"}, &b); err == nil {
		t.Errorf("two chart arguments accepted")
	}
}
