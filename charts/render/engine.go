package main

// The template engine: Go's text/template with Sprig plus the functions and built-in objects Helm adds,
// following Helm 3's engine (missingkey=zero, "<no value>" erased, include/tpl/required/lookup).

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	yaml "gopkg.in/yaml.v2"
)

// Release describes the (simulated) release being rendered.
type Release struct {
	Name      string
	Namespace string
	IsUpgrade bool
	Revision  int
}

// Options control one rendering.
type Options struct {
	Release     Release
	KubeVersion string   // e.g. "v1.32.0"
	APIVersions []string // extra group/versions (or group/version/Kind) reported as available
	Lookup      []map[string]interface{}
}

// APIVersions answers .Capabilities.APIVersions.Has.
type APIVersions []string

// Has reports whether a group/version (or group/version/Kind) is available.
func (a APIVersions) Has(v string) bool {
	for _, x := range a {
		if x == v {
			return true
		}
	}
	return false
}

// builtinAPIVersions are the group/versions a v1.32 API server always serves (what Helm assumes offline).
var builtinAPIVersions = []string{
	"v1", "apps/v1", "batch/v1", "policy/v1", "networking.k8s.io/v1", "rbac.authorization.k8s.io/v1",
	"coordination.k8s.io/v1", "discovery.k8s.io/v1", "autoscaling/v1", "autoscaling/v2",
	"apiextensions.k8s.io/v1", "admissionregistration.k8s.io/v1", "events.k8s.io/v1", "storage.k8s.io/v1",
	"scheduling.k8s.io/v1", "certificates.k8s.io/v1", "node.k8s.io/v1",
}

const recursionLimit = 1000

// Rendered is the output of one template file.
type Rendered struct {
	Name    string // "<chart>/templates/x.yaml"
	Content string
}

// RenderTemplates renders every template of the chart with the given (already merged) values.
// NOTES.txt is returned separately; partials (files starting with "_") produce no output.
func RenderTemplates(c *Chart, values map[string]interface{}, opts Options) ([]Rendered, string, error) {
	top := topLevel(c, values, opts)
	root := template.New("gotpl").Option("missingkey=zero")
	included := map[string]int{}
	funcs := funcMap(root, included, opts)
	root.Funcs(funcs)

	names := sortedKeys(c.Templates)
	for _, rel := range names {
		full := c.Name() + "/" + rel
		if _, err := root.New(full).Parse(c.Templates[rel]); err != nil {
			return nil, "", fmt.Errorf("parse error in %s: %w", full, err)
		}
	}
	var out []Rendered
	notes := ""
	for _, rel := range names {
		base := path.Base(rel)
		if strings.HasPrefix(base, "_") {
			continue
		}
		full := c.Name() + "/" + rel
		vals := withTemplate(top, full, c.Name()+"/templates")
		var buf bytes.Buffer
		if err := root.ExecuteTemplate(&buf, full, vals); err != nil {
			return nil, "", cleanExecError(err)
		}
		text := strings.ReplaceAll(buf.String(), "<no value>", "")
		if rel == "templates/NOTES.txt" {
			notes = text
			continue
		}
		out = append(out, Rendered{Name: full, Content: text})
	}
	return out, notes, nil
}

// cleanExecError keeps a failing required/fail message readable, as Helm does.
func cleanExecError(err error) error {
	msg := err.Error()
	if i := strings.Index(msg, "error calling fail: "); i >= 0 {
		return fmt.Errorf("%s", msg[i+len("error calling fail: "):])
	}
	if i := strings.Index(msg, "error calling required: "); i >= 0 {
		return fmt.Errorf("%s", msg[i+len("error calling required: "):])
	}
	return err
}

func topLevel(c *Chart, values map[string]interface{}, opts Options) map[string]interface{} {
	kv := opts.KubeVersion
	if kv == "" {
		kv = "v1.32.0"
	}
	parts := strings.SplitN(strings.TrimPrefix(kv, "v"), ".", 3)
	major, minor := parts[0], ""
	if len(parts) > 1 {
		minor = parts[1]
	}
	return map[string]interface{}{
		"Values": values,
		"Release": map[string]interface{}{
			"Name": opts.Release.Name, "Namespace": opts.Release.Namespace, "Service": "Helm",
			"IsUpgrade": opts.Release.IsUpgrade, "IsInstall": !opts.Release.IsUpgrade,
			"Revision": maxInt(opts.Release.Revision, 1),
		},
		"Chart": chartObject(c.Metadata),
		"Capabilities": map[string]interface{}{
			"KubeVersion": map[string]interface{}{"Version": kv, "GitVersion": kv, "Major": major, "Minor": minor},
			"APIVersions": APIVersions(append(append([]string{}, builtinAPIVersions...), opts.APIVersions...)),
			"HelmVersion": map[string]interface{}{"Version": "v3.16.0"},
		},
		"Files": c.Files,
	}
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// chartObject exposes Chart.yaml with Helm's capitalised field names (.Chart.Name, .Chart.AppVersion, ...).
func chartObject(meta map[string]interface{}) map[string]interface{} {
	out := map[string]interface{}{}
	for k, v := range meta {
		out[strings.ToUpper(k[:1])+k[1:]] = v
	}
	if _, ok := out["APIVersion"]; !ok {
		out["APIVersion"] = meta["apiVersion"]
	}
	return out
}

func withTemplate(top map[string]interface{}, name, basePath string) map[string]interface{} {
	vals := make(map[string]interface{}, len(top)+1)
	for k, v := range top {
		vals[k] = v
	}
	vals["Template"] = map[string]interface{}{"Name": name, "BasePath": basePath}
	return vals
}

func funcMap(root *template.Template, included map[string]int, opts Options) template.FuncMap {
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	f["toYaml"] = toYAML
	f["mustToYaml"] = mustToYAML
	f["fromYaml"] = fromYAML
	f["fromYamlArray"] = fromYAMLArray
	f["toJson"] = toJSON
	f["mustToJson"] = mustToJSON
	f["fromJson"] = fromJSON
	f["fromJsonArray"] = fromJSONArray
	f["include"] = func(name string, data interface{}) (string, error) {
		if included[name] > recursionLimit {
			return "", fmt.Errorf("rendering template has a nested reference name: %s", name)
		}
		included[name]++
		defer func() { included[name]-- }()
		var buf strings.Builder
		err := root.ExecuteTemplate(&buf, name, data)
		return buf.String(), err
	}
	f["tpl"] = func(text string, vals interface{}) (string, error) {
		clone, err := root.Clone()
		if err != nil {
			return "", err
		}
		name := "tpl"
		if m, ok := vals.(map[string]interface{}); ok {
			if tm, ok := m["Template"].(map[string]interface{}); ok {
				name, _ = tm["Name"].(string)
			}
		}
		t, err := clone.New(name + "#tpl").Parse(text)
		if err != nil {
			return "", fmt.Errorf("cannot parse template %q: %w", text, err)
		}
		var buf strings.Builder
		if err := t.Execute(&buf, vals); err != nil {
			return "", fmt.Errorf("error during tpl function execution for %q: %w", text, err)
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}
	f["required"] = func(warn string, val interface{}) (interface{}, error) {
		if val == nil {
			return val, fmt.Errorf("%s", warn)
		}
		if s, ok := val.(string); ok && s == "" {
			return val, fmt.Errorf("%s", warn)
		}
		return val, nil
	}
	f["lookup"] = func(apiVersion, kind, namespace, name string) (map[string]interface{}, error) {
		return lookup(opts.Lookup, apiVersion, kind, namespace, name), nil
	}
	return f
}

// lookup answers from the objects given with --lookup; like `helm template`, nothing is found otherwise.
func lookup(objs []map[string]interface{}, apiVersion, kind, namespace, name string) map[string]interface{} {
	var items []interface{}
	for _, o := range objs {
		meta, _ := o["metadata"].(map[string]interface{})
		if o["apiVersion"] != apiVersion || o["kind"] != kind {
			continue
		}
		if namespace != "" && meta["namespace"] != namespace {
			continue
		}
		if name != "" {
			if meta["name"] == name {
				return o
			}
			continue
		}
		items = append(items, o)
	}
	if name == "" && items != nil {
		return map[string]interface{}{"apiVersion": apiVersion, "kind": kind + "List", "items": items}
	}
	return map[string]interface{}{}
}

// toYAML mirrors sigs.k8s.io/yaml: JSON first, then YAML, so key order and number formatting match Helm.
func toYAML(v interface{}) string {
	s, err := mustToYAML(v)
	if err != nil {
		return ""
	}
	return s
}

func mustToYAML(v interface{}) (string, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	var ms yaml.MapSlice
	var any interface{}
	if len(raw) > 0 && raw[0] == '{' {
		if err := yaml.Unmarshal(raw, &ms); err != nil {
			return "", err
		}
		any = ms
	} else if err := yaml.Unmarshal(raw, &any); err != nil {
		return "", err
	}
	out, err := yaml.Marshal(any)
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(string(out), "\n"), nil
}

func fromYAML(s string) map[string]interface{} {
	m, err := parseYAMLMap([]byte(s))
	if err != nil {
		return map[string]interface{}{"Error": err.Error()}
	}
	return m
}

func fromYAMLArray(s string) []interface{} {
	v, err := parseYAML([]byte(s))
	if err != nil {
		return []interface{}{err.Error()}
	}
	a, _ := v.([]interface{})
	return a
}

func toJSON(v interface{}) string {
	s, _ := mustToJSON(v)
	return s
}

func mustToJSON(v interface{}) (string, error) {
	raw, err := json.Marshal(v)
	return string(raw), err
}

func fromJSON(s string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func fromJSONArray(s string) []interface{} {
	var a []interface{}
	if err := json.Unmarshal([]byte(s), &a); err != nil {
		return []interface{}{err.Error()}
	}
	return a
}

// installOrder is Helm's kind order for install (releaseutil.InstallOrder); unknown kinds go last.
var installOrder = []string{
	"PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy",
	"PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList", "ConfigMap", "StorageClass",
	"PersistentVolume", "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole",
	"ClusterRoleList", "ClusterRoleBinding", "ClusterRoleBindingList", "Role", "RoleList", "RoleBinding",
	"RoleBindingList", "Service", "DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment",
	"HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress", "APIService",
	"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
}

// Manifest is one YAML document of the rendered output.
type Manifest struct {
	Source string
	Kind   string
	Name   string
	Hook   string
	Body   string
}

// SplitManifests cuts rendered templates into documents, drops empty ones, and orders them like
// `helm template`: regular objects by install order, then hooks.
func SplitManifests(rendered []Rendered) ([]Manifest, error) {
	var regular, hooks []Manifest
	for _, r := range rendered {
		for _, doc := range splitDocs(r.Content) {
			if strings.TrimSpace(stripComments(doc)) == "" {
				continue
			}
			head, err := parseYAMLMap([]byte(doc))
			if err != nil {
				return nil, fmt.Errorf("%s: rendered YAML does not parse: %w\n%s", r.Name, err, doc)
			}
			m := Manifest{Source: r.Name, Body: strings.TrimSpace(doc)}
			m.Kind, _ = head["kind"].(string)
			if m.Kind == "" {
				return nil, fmt.Errorf("%s: a document has no kind:\n%s", r.Name, doc)
			}
			meta, _ := head["metadata"].(map[string]interface{})
			m.Name, _ = meta["name"].(string)
			if ann, ok := meta["annotations"].(map[string]interface{}); ok {
				m.Hook, _ = ann["helm.sh/hook"].(string)
			}
			if m.Hook != "" {
				hooks = append(hooks, m)
			} else {
				regular = append(regular, m)
			}
		}
	}
	rank := func(kind string) int {
		for i, k := range installOrder {
			if k == kind {
				return i
			}
		}
		return len(installOrder)
	}
	sort.SliceStable(regular, func(i, j int) bool {
		ri, rj := rank(regular[i].Kind), rank(regular[j].Kind)
		if ri != rj {
			return ri < rj
		}
		if ri == len(installOrder) {
			return regular[i].Kind < regular[j].Kind
		}
		return false
	})
	return append(regular, hooks...), nil
}

func splitDocs(s string) []string {
	var docs []string
	var cur []string
	for _, line := range strings.Split(s, "\n") {
		if strings.TrimRight(line, " \t") == "---" {
			docs = append(docs, strings.Join(cur, "\n"))
			cur = nil
			continue
		}
		cur = append(cur, line)
	}
	return append(docs, strings.Join(cur, "\n"))
}

func stripComments(doc string) string {
	var b strings.Builder
	for _, line := range strings.Split(doc, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		b.WriteString(line)
		b.WriteString("\n")
	}
	return b.String()
}
