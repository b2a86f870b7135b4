package main

// Helpers shared by the tests: locating the repository, rendering the chart, walking rendered objects.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	yaml3 "gopkg.in/yaml.v3"
)

// repoRoot is the repository root (this package lives in charts/render).
func repoRoot(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(filepath.Dir(wd))
}

func chartDir(t *testing.T) string { return filepath.Join(repoRoot(t), "charts", "nexus-ai-jobs") }

// writeValues writes a values file for one test and returns its path.
func writeValues(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "values.yaml")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

type renderArgs struct {
	files  []string
	sets   []string
	opts   Options
	noCRDs bool
	// noDatabase leaves out the database connection every install must give (testDatabase).
	noDatabase bool
}

// testDatabase is the one setting the chart cannot default (it ships no database): added to every rendering
// whose own values name no connection.
const testDatabase = "database: {url: \"postgresql://nexus:s3cret@db.example.internal:5432/nexus?sslmode=require\"}\n"

// withDatabase puts testDatabase first unless the values name a connection of their own.
func withDatabase(t *testing.T, a renderArgs) renderArgs {
	t.Helper()
	if a.noDatabase {
		return a
	}
	for _, s := range a.sets {
		for _, k := range []string{"database.existingSecret=", "database.url=", "database.host="} {
			if strings.HasPrefix(s, k) {
				return a
			}
		}
	}
	for _, f := range a.files {
		var v struct {
			Database map[string]interface{} `yaml:"database"`
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml3.Unmarshal(b, &v); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, k := range []string{"existingSecret", "url", "host"} {
			if s, _ := v.Database[k].(string); s != "" {
				return a
			}
		}
	}
	a.files = append([]string{writeValues(t, testDatabase)}, a.files...)
	return a
}

func renderChart(t *testing.T, a renderArgs) *Output {
	t.Helper()
	if a.opts.Release.Name == "" {
		a.opts.Release = Release{Name: "ai", Namespace: "nexus"}
	}
	a = withDatabase(t, a)
	out, err := Render(chartDir(t), a.files, a.sets, a.opts, !a.noCRDs)
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	return out
}

func renderErr(t *testing.T, a renderArgs) error {
	t.Helper()
	if a.opts.Release.Name == "" {
		a.opts.Release = Release{Name: "ai", Namespace: "nexus"}
	}
	a = withDatabase(t, a)
	_, err := Render(chartDir(t), a.files, a.sets, a.opts, false)
	if err == nil {
		t.Fatal("render succeeded, want an error")
	}
	return err
}

// obj is one rendered object, parsed with a strict YAML parser independent of the renderer's.
type obj map[string]interface{}

func parseDocs(t *testing.T, text string) []obj {
	t.Helper()
	var out []obj
	dec := yaml3.NewDecoder(strings.NewReader(text))
	for {
		var v map[string]interface{}
		err := dec.Decode(&v)
		if err != nil {
			if err.Error() == "EOF" {
				break
			}
			t.Fatalf("rendered output does not parse as YAML: %v", err)
		}
		if v == nil {
			continue
		}
		out = append(out, obj(v))
	}
	return out
}

func (o obj) kind() string { s, _ := o["kind"].(string); return s }
func (o obj) name() string { return str(o, "metadata", "name") }

func byKind(objs []obj, kind string) []obj {
	var out []obj
	for _, o := range objs {
		if o.kind() == kind {
			out = append(out, o)
		}
	}
	return out
}

func find(t *testing.T, objs []obj, kind, name string) obj {
	t.Helper()
	for _, o := range objs {
		if o.kind() == kind && o.name() == name {
			return o
		}
	}
	t.Fatalf("no %s %q rendered", kind, name)
	return nil
}

// get walks maps by key and lists by integer index.
func get(v interface{}, path ...interface{}) interface{} {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]interface{})
			if !ok {
				if o, ok2 := v.(obj); ok2 {
					m = o
				} else {
					return nil
				}
			}
			v = m[k]
		case int:
			l, ok := v.([]interface{})
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func str(v interface{}, path ...interface{}) string {
	s, _ := get(v, path...).(string)
	return s
}

func mapOf(v interface{}, path ...interface{}) map[string]interface{} {
	m, _ := get(v, path...).(map[string]interface{})
	return m
}

func list(v interface{}, path ...interface{}) []interface{} {
	l, _ := get(v, path...).([]interface{})
	return l
}

// podSpec returns the pod spec of a Deployment or a Pod.
func podSpec(o obj) map[string]interface{} {
	if o.kind() == "Pod" {
		return mapOf(o, "spec")
	}
	return mapOf(o, "spec", "template", "spec")
}

// subset reports whether every key of want is in have with the same value.
func subset(want, have map[string]interface{}) bool {
	if len(want) == 0 {
		return false
	}
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}
