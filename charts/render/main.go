// Command render prints a chart's manifests like `helm template`, using Go's text/template and Sprig
// (the engines Helm is built on) for machines where Helm itself cannot be installed.
//
//	render [-f values.yaml]... [--set a.b=c]... [--name R] [--namespace N] [--include-crds]
//	       [--api-versions G/V]... [--lookup objects.yaml] [--notes] CHART_DIR
//	render --update-readme CHART_DIR    regenerate README.md's values table from the values.yaml comments
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("render", flag.ContinueOnError)
	var valueFiles, sets, apiVersions listFlag
	fs.Var(&valueFiles, "f", "values file (repeatable)")
	fs.Var(&valueFiles, "values", "values file (repeatable)")
	fs.Var(&sets, "set", "key=value override (repeatable)")
	fs.Var(&apiVersions, "api-versions", "extra available API version, e.g. monitoring.coreos.com/v1 (repeatable)")
	name := fs.String("name", "release-name", "release name")
	namespace := fs.String("namespace", "default", "release namespace")
	includeCRDs := fs.Bool("include-crds", false, "print the chart's CRDs first")
	lookupFile := fs.String("lookup", "", "YAML file of existing objects that lookup() finds")
	notes := fs.Bool("notes", false, "print the rendered NOTES.txt instead of the manifests")
	upgrade := fs.Bool("is-upgrade", false, "render as an upgrade (.Release.IsUpgrade)")
	kubeVersion := fs.String("kube-version", "v1.32.0", "Kubernetes version for .Capabilities")
	readme := fs.Bool("update-readme", false, "regenerate README.md's values table from the values.yaml comments")
	if err := fs.Parse(reorderArgs(args)); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("want exactly one chart directory, got %d arguments", fs.NArg())
	}
	if *readme {
		return UpdateReadme(fs.Arg(0))
	}
	opts := Options{
		Release:     Release{Name: *name, Namespace: *namespace, IsUpgrade: *upgrade},
		KubeVersion: *kubeVersion,
		APIVersions: apiVersions,
	}
	if *lookupFile != "" {
		objs, err := readObjects(*lookupFile)
		if err != nil {
			return err
		}
		opts.Lookup = objs
	}
	out, err := Render(fs.Arg(0), valueFiles, sets, opts, *includeCRDs)
	if err != nil {
		return err
	}
	if *notes {
		_, err = io.WriteString(stdout, out.Notes)
		return err
	}
	_, err = io.WriteString(stdout, out.Text)
	return err
}

// reorderArgs lets the chart directory come before flags, as with helm.
func reorderArgs(args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if strings.HasPrefix(a, "-") {
			flags = append(flags, a)
			boolFlag := a == "--include-crds" || a == "-include-crds" || a == "--notes" || a == "-notes" ||
				a == "--is-upgrade" || a == "-is-upgrade" || a == "--update-readme" || a == "-update-readme"
			if !strings.Contains(a, "=") && !boolFlag && i+1 < len(args) {
				flags = append(flags, args[i+1])
				i++
			}
			continue
		}
		pos = append(pos, a)
	}
	return append(flags, pos...)
}

func readObjects(file string) ([]map[string]interface{}, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var objs []map[string]interface{}
	for _, doc := range splitDocs(string(raw)) {
		if strings.TrimSpace(stripComments(doc)) == "" {
			continue
		}
		m, err := parseYAMLMap([]byte(doc))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		objs = append(objs, m)
	}
	return objs, nil
}
