package main

// .Files as Helm exposes it to templates.

import (
	"encoding/base64"
	"path"
	"strings"

	yaml "gopkg.in/yaml.v2"
)

// Files maps chart-relative paths to contents.
type Files map[string][]byte

// Get returns a file's content as a string, "" when absent (as Helm does).
func (f Files) Get(name string) string { return string(f[name]) }

// GetBytes returns a file's content.
func (f Files) GetBytes(name string) []byte { return f[name] }

// Glob returns the files whose path matches pattern (path.Match semantics, ** matching any depth).
func (f Files) Glob(pattern string) Files {
	out := Files{}
	for name, data := range f {
		if globMatch(pattern, name) {
			out[name] = data
		}
	}
	return out
}

// Lines splits a file into lines.
func (f Files) Lines(name string) []string {
	s := string(f[name])
	if s == "" {
		return []string{}
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// AsConfig renders the files as a ConfigMap data block keyed by base name.
func (f Files) AsConfig() string {
	m := map[string]string{}
	for _, name := range sortedKeys(f) {
		m[path.Base(name)] = string(f[name])
	}
	return marshalYAMLTrim(m)
}

// AsSecrets renders the files as a Secret data block (base64) keyed by base name.
func (f Files) AsSecrets() string {
	m := map[string]string{}
	for _, name := range sortedKeys(f) {
		m[path.Base(name)] = base64.StdEncoding.EncodeToString(f[name])
	}
	return marshalYAMLTrim(m)
}

func marshalYAMLTrim(v interface{}) string {
	raw, err := yaml.Marshal(v)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(raw), "\n")
}

// globMatch matches slash-separated paths; "**" spans any number of segments.
func globMatch(pattern, name string) bool {
	if !strings.Contains(pattern, "**") {
		ok, _ := path.Match(pattern, name)
		return ok
	}
	pp := strings.Split(pattern, "/")
	np := strings.Split(name, "/")
	var rec func(i, j int) bool
	rec = func(i, j int) bool {
		if i == len(pp) {
			return j == len(np)
		}
		if pp[i] == "**" {
			for k := j; k <= len(np); k++ {
				if rec(i+1, k) {
					return true
				}
			}
			return false
		}
		if j == len(np) {
			return false
		}
		if ok, _ := path.Match(pp[i], np[j]); !ok {
			return false
		}
		return rec(i+1, j+1)
	}
	return rec(0, 0)
}
