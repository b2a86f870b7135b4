package main

// Validating values against the chart's values.schema.json, as `helm install/template` does before rendering.

import (
	"fmt"
	"strings"

	"github.com/xeipuuv/gojsonschema"
)

// ValidateValues returns an error listing every schema violation, or nil.
func ValidateValues(c *Chart, values map[string]interface{}) error {
	if c.Schema == nil {
		return nil
	}
	res, err := gojsonschema.Validate(gojsonschema.NewBytesLoader(c.Schema), gojsonschema.NewGoLoader(values))
	if err != nil {
		return fmt.Errorf("values.schema.json: %w", err)
	}
	if res.Valid() {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "values don't meet the specifications of the schema(s) in the following chart(s):\n%s:\n", c.Name())
	for _, e := range res.Errors() {
		fmt.Fprintf(&b, "- %s: %s\n", e.Field(), e.Description())
	}
	return fmt.Errorf("%s", strings.TrimSuffix(b.String(), "\n"))
}
