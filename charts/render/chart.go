package main

// Loading a chart directory the way Helm does: Chart.yaml metadata, default values, the values schema,
// templates, CRDs and the remaining files exposed through .Files.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	yaml "gopkg.in/yaml.v2"
)

// Chart is a loaded chart directory.
type Chart struct {
	Dir       string
	Metadata  map[string]interface{} // Chart.yaml, keys as written
	Values    map[string]interface{} // values.yaml
	Schema    []byte                 // values.schema.json, nil when absent
	Templates map[string]string      // "templates/x.yaml" -> source
	CRDs      map[string][]byte      // "crds/x.yaml" -> bytes
	Files     Files                  // everything else, as .Files sees it
}

// Name is the chart's name from Chart.yaml.
func (c *Chart) Name() string {
	n, _ := c.Metadata["name"].(string)
	return n
}

// LoadChart reads a chart directory. Helm keeps templates/, crds/, Chart.yaml, values.yaml and
// values.schema.json out of .Files; everything else (minus .helmignore matches) is reachable there.
func LoadChart(dir string) (*Chart, error) {
	c := &Chart{Dir: dir, Templates: map[string]string{}, CRDs: map[string][]byte{}, Files: Files{}}
	meta, err := os.ReadFile(filepath.Join(dir, "Chart.yaml"))
	if err != nil {
		return nil, fmt.Errorf("chart %s: %w", dir, err)
	}
	if c.Metadata, err = parseYAMLMap(meta); err != nil {
		return nil, fmt.Errorf("Chart.yaml: %w", err)
	}
	for _, key := range []string{"apiVersion", "name", "version"} {
		if s, _ := c.Metadata[key].(string); s == "" {
			return nil, fmt.Errorf("Chart.yaml: %s is required", key)
		}
	}
	if raw, err := os.ReadFile(filepath.Join(dir, "values.yaml")); err == nil {
		if c.Values, err = parseYAMLMap(raw); err != nil {
			return nil, fmt.Errorf("values.yaml: %w", err)
		}
	} else if !os.IsNotExist(err) {
		return nil, err
	}
	if c.Values == nil {
		c.Values = map[string]interface{}{}
	}
	if raw, err := os.ReadFile(filepath.Join(dir, "values.schema.json")); err == nil {
		c.Schema = raw
	} else if !os.IsNotExist(err) {
		return nil, err
	}
	ignore := loadHelmignore(dir)
	err = filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		rel = filepath.ToSlash(rel)
		if rel == "." {
			return nil
		}
		if ignore.match(rel, info.IsDir()) {
			if info.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if info.IsDir() {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		switch {
		case strings.HasPrefix(rel, "templates/"):
			c.Templates[rel] = string(data)
		case strings.HasPrefix(rel, "crds/"):
			c.CRDs[rel] = data
		case rel == "Chart.yaml" || rel == "values.yaml" || rel == "values.schema.json":
		default:
			c.Files[rel] = data
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// helmignore holds the simple glob patterns of a .helmignore file (no negation, like most charts use).
type helmignore []string

func loadHelmignore(dir string) helmignore {
	raw, err := os.ReadFile(filepath.Join(dir, ".helmignore"))
	if err != nil {
		return helmignore{".helmignore"}
	}
	out := helmignore{".helmignore"}
	for _, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, line)
	}
	return out
}

func (h helmignore) match(rel string, isDir bool) bool {
	base := filepath.Base(rel)
	for _, p := range h {
		dirOnly := strings.HasSuffix(p, "/")
		p = strings.TrimSuffix(p, "/")
		if dirOnly && !isDir {
			continue
		}
		target := base
		if strings.Contains(p, "/") {
			target = rel
		}
		if ok, _ := filepath.Match(p, target); ok {
			return true
		}
	}
	return false
}

// parseYAMLMap parses YAML into JSON-shaped data (map[string]interface{}, []interface{}, float64, ...),
// which is what Helm's values look like after sigs.k8s.io/yaml: numbers become float64.
func parseYAMLMap(raw []byte) (map[string]interface{}, error) {
	v, err := parseYAML(raw)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return map[string]interface{}{}, nil
	}
	m, ok := v.(map[string]interface{})
	if !ok {
		return nil, fmt.Errorf("top level is %T, want a mapping", v)
	}
	return m, nil
}

func parseYAML(raw []byte) (interface{}, error) {
	var v interface{}
	if err := yaml.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	return jsonShape(normalizeYAML(v))
}

// normalizeYAML turns yaml.v2's map[interface{}]interface{} into map[string]interface{} recursively.
func normalizeYAML(v interface{}) interface{} {
	switch t := v.(type) {
	case map[interface{}]interface{}:
		m := make(map[string]interface{}, len(t))
		for k, val := range t {
			m[fmt.Sprint(k)] = normalizeYAML(val)
		}
		return m
	case []interface{}:
		for i := range t {
			t[i] = normalizeYAML(t[i])
		}
		return t
	default:
		return v
	}
}

// jsonShape round-trips through JSON so values have exactly the types Helm's values have.
func jsonShape(v interface{}) (interface{}, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out interface{}
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// MergeValues deep-merges override onto base (Helm's coalescing for user values): maps merge key by key,
// anything else replaces, and a null in override deletes the key.
func MergeValues(base, override map[string]interface{}) map[string]interface{} {
	out := make(map[string]interface{}, len(base))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range override {
		if v == nil {
			delete(out, k)
			continue
		}
		bm, bok := out[k].(map[string]interface{})
		om, ook := v.(map[string]interface{})
		if bok && ook {
			out[k] = MergeValues(bm, om)
		} else {
			out[k] = v
		}
	}
	return out
}

// ParseSet applies one --set expression (a.b.c=value) the way Helm's strvals does for scalars:
// true/false become booleans, integers numbers, null deletes; anything else is a string.
func ParseSet(values map[string]interface{}, expr string) error {
	eq := strings.Index(expr, "=")
	if eq <= 0 {
		return fmt.Errorf("--set %q: want key=value", expr)
	}
	path := strings.Split(expr[:eq], ".")
	raw := expr[eq+1:]
	var val interface{} = raw
	switch {
	case raw == "true":
		val = true
	case raw == "false":
		val = false
	case raw == "null":
		val = nil
	default:
		var f float64
		if _, err := fmt.Sscanf(raw, "%g", &f); err == nil && fmt.Sprint(f) == raw {
			val = f
		}
	}
	m := values
	for i, key := range path {
		if key == "" {
			return fmt.Errorf("--set %q: empty key", expr)
		}
		if i == len(path)-1 {
			m[key] = val // nil stays: MergeValues reads it as "delete"
			return nil
		}
		next, ok := m[key].(map[string]interface{})
		if !ok {
			next = map[string]interface{}{}
			m[key] = next
		}
		m = next
	}
	return nil
}

// sortedKeys returns a map's keys in order, for deterministic output.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
