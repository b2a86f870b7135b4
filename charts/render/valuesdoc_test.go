package main

// The README's values table is generated from values.yaml's comments and the schema, and must not drift.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadmeValuesTableMatchesValuesYAML(t *testing.T) {
	rows, err := ValuesDocs(chartDir(t))
	if err != nil {
		t.Fatalf("values.yaml is not fully documented: %v", err)
	}
	readme, err := os.ReadFile(filepath.Join(chartDir(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := ReadmeWithValuesTable(string(readme), ValuesTable(rows))
	if err != nil {
		t.Fatal(err)
	}
	if want != string(readme) {
		t.Errorf("charts/nexus-ai-jobs/README.md's values table is out of date with values.yaml: run make chart-docs")
	}
	// Spot checks that the table is what the files say.
	byKey := map[string]ValueDoc{}
	for _, r := range rows {
		byKey[r.Key] = r
	}
	for key, want := range map[string]ValueDoc{
		"gateway.autoscaling.enabled":          {Type: "boolean", Default: "false"},
		"operator.image.pullPolicy":            {Type: "string (enum)", Default: `"IfNotPresent"`},
		"networkPolicy.egress.apiServer.ports": {Type: "array", Default: "[443,6443]"},
		"database.port":                        {Type: "integer", Default: "5432"},
		"operator.resources":                   {Type: "object"},
	} {
		got, ok := byKey[key]
		if !ok || got.Type != want.Type || want.Default != "" && got.Default != want.Default || got.Description == "" {
			t.Errorf("row %s = %+v, want type %q default %q and a description", key, got, want.Type, want.Default)
		}
	}
	// A documented mapping is one row; its keys get none.
	if _, ok := byKey["operator.resources.requests.cpu"]; ok {
		t.Errorf("the keys of a documented mapping got rows of their own")
	}
}

func TestValuesDocsRefuseUndocumentedOrUnschemedKeys(t *testing.T) {
	schema := `{"type": "object", "properties": {"a": {"type": "object", "properties": {"b": {"type": "integer"}, "c": {"type": "string"}}}}}`
	cases := map[string]string{
		"a.c has no \"# --\" comment":                "a:\n  # -- B.\n  b: 1\n  c: x\n",
		"a.d is not described in values.schema.json": "a:\n  # -- B.\n  b: 1\n  # -- D.\n  d: 2\n",
		// A free-form comment is not documentation: only the "# --" block is.
		"a.b has no \"# --\" comment": "a:\n  # just a remark\n  b: 1\n  # -- C.\n  c: x\n",
		// A key only the schema knows would appear nowhere in the table.
		"a.c is in values.schema.json but neither set in values.yaml nor named (\"set c\")": "a:\n  # -- B, or c.\n  b: 1\n",
	}
	for want, values := range cases {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "values.yaml"), []byte(values), 0o644)
		os.WriteFile(filepath.Join(dir, "values.schema.json"), []byte(schema), 0o644)
		_, err := ValuesDocs(dir)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("values %q: error %v, want %q", values, err, want)
		}
	}
	named := t.TempDir()
	os.WriteFile(filepath.Join(named, "values.yaml"), []byte("a:\n  # -- B (or set c instead).\n  b: 1\n"), 0o644)
	os.WriteFile(filepath.Join(named, "values.schema.json"), []byte(schema), 0o644)
	if _, err := ValuesDocs(named); err != nil {
		t.Errorf("an optional key named by its sibling: %v", err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "values.yaml"), []byte("# intro\na:\n  # section remark\n  # -- The b\n  # value.\n  b: 1\n  # -- C | D.\n  c: \"x\"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "values.schema.json"), []byte(schema), 0o644)
	rows, err := ValuesDocs(dir)
	if err != nil {
		t.Fatal(err)
	}
	table := ValuesTable(rows)
	want := "| key | type | default | description |\n|---|---|---|---|\n| `a.b` | integer | `1` | The b value. |\n| `a.c` | string | `\"x\"` | C \\| D. |\n"
	if table != want {
		t.Errorf("table:\n%s\nwant:\n%s", table, want)
	}
}
