package main

// One call from chart directory and value sources to the final `helm template`-style text.

import (
	"fmt"
	"os"
	"strings"
)

// Output is a finished rendering.
type Output struct {
	Values    map[string]interface{}
	Manifests []Manifest // every rendered object but the CRDs, in install order
	CRDs      []Manifest // crds/ files and CustomResourceDefinitions rendered from templates: install these first
	Notes     string
	Text      string
}

// Render loads the chart, merges values (chart defaults, then each file, then --set), validates them against
// the schema and renders.
func Render(chartDir string, valueFiles, sets []string, opts Options, includeCRDs bool) (*Output, error) {
	c, err := LoadChart(chartDir)
	if err != nil {
		return nil, err
	}
	values := c.Values
	for _, f := range valueFiles {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		user, err := parseYAMLMap(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		values = MergeValues(values, user)
	}
	overrides := map[string]interface{}{}
	for _, s := range sets {
		if err := ParseSet(overrides, s); err != nil {
			return nil, err
		}
	}
	values = MergeValues(values, overrides)
	return RenderValues(c, values, opts, includeCRDs)
}

// RenderValues renders a loaded chart with fully merged values.
func RenderValues(c *Chart, values map[string]interface{}, opts Options, includeCRDs bool) (*Output, error) {
	if err := ValidateValues(c, values); err != nil {
		return nil, err
	}
	rendered, notes, err := RenderTemplates(c, values, opts)
	if err != nil {
		return nil, err
	}
	manifests, err := SplitManifests(rendered)
	if err != nil {
		return nil, err
	}
	out := &Output{Values: values, Notes: notes}
	var b strings.Builder
	for _, rel := range sortedKeys(c.CRDs) {
		body := strings.TrimSpace(string(c.CRDs[rel]))
		out.CRDs = append(out.CRDs, Manifest{Source: c.Name() + "/" + rel, Kind: "CustomResourceDefinition", Body: body})
		if includeCRDs {
			fmt.Fprintf(&b, "---\n# Source: %s/%s\n%s\n", c.Name(), rel, body)
		}
	}
	// CRDs rendered from templates are part of the release (helm template always prints them, first); they are
	// listed with the crds/ ones so callers can install every CRD before the objects that need them.
	for _, m := range manifests {
		if m.Kind == "CustomResourceDefinition" {
			out.CRDs = append(out.CRDs, m)
		} else {
			out.Manifests = append(out.Manifests, m)
		}
	}
	for _, m := range manifests {
		fmt.Fprintf(&b, "---\n# Source: %s\n%s\n", m.Source, m.Body)
	}
	out.Text = b.String()
	return out, nil
}
