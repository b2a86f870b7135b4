package main

// The chart README's values table, generated from the comments in values.yaml (the helm-docs convention): a
// comment block starting with "# --" documents the key below it. A documented key is one row showing its whole
// default; an undocumented mapping is walked and each of its keys needs a row of its own. The type column comes
// from values.schema.json, so a key missing there is an error too.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	yaml3 "gopkg.in/yaml.v3"
)

const (
	valuesTableStart = "<!-- values-table:start (generated from values.yaml by `make chart-docs`; do not edit) -->"
	valuesTableEnd   = "<!-- values-table:end -->"
)

// ValueDoc is one row of the values table.
type ValueDoc struct {
	Key, Type, Default, Description string
}

// ValuesDocs reads a chart's values.yaml comments and values.schema.json into table rows, in file order. It
// fails on a key without a "# --" comment or one the schema does not describe.
func ValuesDocs(chartDir string) ([]ValueDoc, error) {
	raw, err := os.ReadFile(filepath.Join(chartDir, "values.yaml"))
	if err != nil {
		return nil, err
	}
	var doc yaml3.Node
	if err := yaml3.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("values.yaml: %w", err)
	}
	var schema map[string]interface{}
	if rawSchema, err := os.ReadFile(filepath.Join(chartDir, "values.schema.json")); err != nil {
		return nil, err
	} else if err := json.Unmarshal(rawSchema, &schema); err != nil {
		return nil, fmt.Errorf("values.schema.json: %w", err)
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml3.MappingNode {
		return nil, fmt.Errorf("values.yaml: want a mapping at the top level")
	}
	var rows []ValueDoc
	var problems []string
	var walk func(n *yaml3.Node, prefix string, s map[string]interface{})
	walk = func(n *yaml3.Node, prefix string, s map[string]interface{}) {
		firstRow := len(rows)
		present := map[string]bool{}
		defer func() {
			// A key the schema allows but values.yaml leaves unset must be named in a sibling's description
			// ("or set minAvailable instead" beside maxUnavailable), or no table row would tell anyone it exists.
			props, _ := resolve(schema, s)["properties"].(map[string]interface{})
			for _, name := range sortedKeys(props) {
				if present[name] {
					continue
				}
				named := false
				for _, r := range rows[firstRow:] {
					named = named || strings.Count(r.Key, ".") == strings.Count(prefix, ".") && strings.Contains(r.Description, "set "+name)
				}
				if !named {
					problems = append(problems, fmt.Sprintf("%s%s is in values.schema.json but neither set in values.yaml nor named (\"set %s\") in a sibling's \"# --\" comment", prefix, name, name))
				}
			}
		}()
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			present[k.Value] = true
			key := prefix + k.Value
			sub := schemaProperty(schema, s, k.Value)
			if sub == nil {
				problems = append(problems, fmt.Sprintf("%s is not described in values.schema.json", key))
			}
			desc, documented := docComment(k.HeadComment)
			if !documented && v.Kind == yaml3.MappingNode && len(v.Content) > 0 {
				walk(v, key+".", sub)
				continue
			}
			if !documented {
				problems = append(problems, fmt.Sprintf("%s has no \"# --\" comment", key))
				continue
			}
			def, err := defaultText(v)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s: %v", key, err))
				continue
			}
			rows = append(rows, ValueDoc{Key: key, Type: schemaType(schema, sub), Default: def, Description: desc})
		}
	}
	walk(doc.Content[0], "", schema)
	if len(problems) > 0 {
		return nil, fmt.Errorf("values.yaml:\n- %s", strings.Join(problems, "\n- "))
	}
	return rows, nil
}

// docComment returns the "# --" block of a head comment (earlier free-form comment lines are not part of it).
func docComment(head string) (string, bool) {
	lines := strings.Split(head, "\n")
	start := -1
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "# --") {
			start = i
		}
	}
	if start < 0 {
		return "", false
	}
	var words []string
	for i, l := range lines[start:] {
		l = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "#"))
		if i == 0 {
			l = strings.TrimSpace(strings.TrimPrefix(l, "--"))
		}
		if l != "" {
			words = append(words, l)
		}
	}
	return strings.Join(words, " "), len(words) > 0
}

func defaultText(v *yaml3.Node) (string, error) {
	var val interface{}
	if err := v.Decode(&val); err != nil {
		return "", err
	}
	val = normalizeYAML3(val)
	b, err := json.Marshal(val)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// normalizeYAML3 makes decoded YAML JSON-encodable (yaml.v3 decodes mappings to map[string]interface{} already,
// but nested ones inside lists may be map[interface{}]interface{} for non-string keys).
func normalizeYAML3(v interface{}) interface{} {
	switch t := v.(type) {
	case map[interface{}]interface{}:
		m := map[string]interface{}{}
		for k, x := range t {
			m[fmt.Sprint(k)] = normalizeYAML3(x)
		}
		return m
	case map[string]interface{}:
		for k, x := range t {
			t[k] = normalizeYAML3(x)
		}
		return t
	case []interface{}:
		for i := range t {
			t[i] = normalizeYAML3(t[i])
		}
		return t
	}
	return v
}

// resolve follows a local "$ref" (#/definitions/x) of the schema.
func resolve(root, s map[string]interface{}) map[string]interface{} {
	for s != nil {
		ref, ok := s["$ref"].(string)
		if !ok {
			return s
		}
		s = nil
		if name := strings.TrimPrefix(ref, "#/definitions/"); name != ref {
			if defs, ok := root["definitions"].(map[string]interface{}); ok {
				s, _ = defs[name].(map[string]interface{})
			}
		}
	}
	return nil
}

func schemaProperty(root, s map[string]interface{}, key string) map[string]interface{} {
	s = resolve(root, s)
	if s == nil {
		return nil
	}
	props, _ := s["properties"].(map[string]interface{})
	p, _ := props[key].(map[string]interface{})
	return resolve(root, p)
}

// schemaType names a schema's type for the table: "string", "integer/null", "object", "string (enum)".
func schemaType(root, s map[string]interface{}) string {
	s = resolve(root, s)
	if s == nil {
		return ""
	}
	switch t := s["type"].(type) {
	case string:
		return t
	case []interface{}:
		var parts []string
		for _, x := range t {
			parts = append(parts, fmt.Sprint(x))
		}
		return strings.Join(parts, "/")
	}
	if _, ok := s["enum"]; ok {
		return "string (enum)"
	}
	if _, ok := s["properties"]; ok {
		return "object"
	}
	return ""
}

// ValuesTable renders the rows as a Markdown table.
func ValuesTable(rows []ValueDoc) string {
	cell := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	var b strings.Builder
	b.WriteString("| key | type | default | description |\n|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| `%s` | %s | `%s` | %s |\n", r.Key, r.Type, cell(r.Default), cell(r.Description))
	}
	return b.String()
}

// ReadmeWithValuesTable returns the README text with the generated table between its markers.
func ReadmeWithValuesTable(readme, table string) (string, error) {
	start := strings.Index(readme, valuesTableStart)
	end := strings.Index(readme, valuesTableEnd)
	if start < 0 || end < start {
		return "", fmt.Errorf("README has no %q ... %q section", valuesTableStart, valuesTableEnd)
	}
	return readme[:start+len(valuesTableStart)] + "\n" + table + readme[end:], nil
}

// UpdateReadme regenerates the chart README's values table in place.
func UpdateReadme(chartDir string) error {
	rows, err := ValuesDocs(chartDir)
	if err != nil {
		return err
	}
	path := filepath.Join(chartDir, "README.md")
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	out, err := ReadmeWithValuesTable(string(raw), ValuesTable(rows))
	if err != nil {
		return err
	}
	return os.WriteFile(path, []byte(out), 0o644)
}
