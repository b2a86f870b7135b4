// Package images checks the .NET Dockerfiles statically (no Docker engine runs on the build machines): a
// multi-stage build, a small non-root runtime, and a build context that holds everything the project needs.
package images

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var images = []struct{ dir, project string }{
	{"operator", "Nexus.Operator"},
	{"api-gateway", "Nexus.Gateway"},
}

func repoRoot(t *testing.T) string {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(filepath.Dir(wd))
}

type instruction struct{ op, args string }

// parseDockerfile joins continuation lines and drops comments.
func parseDockerfile(t *testing.T, path string) []instruction {
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []instruction
	var cur string
	for _, line := range strings.Split(string(raw), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") || (trimmed == "" && cur == "") {
			continue
		}
		if strings.HasSuffix(trimmed, "\\") {
			cur += strings.TrimSuffix(trimmed, "\\") + " "
			continue
		}
		cur += trimmed
		if f := strings.Fields(cur); len(f) > 0 {
			out = append(out, instruction{strings.ToUpper(f[0]), strings.TrimSpace(cur[len(f[0]):])})
		}
		cur = ""
	}
	return out
}

// projectClosure returns the project and every project it references, transitively, relative to the root.
func projectClosure(t *testing.T, root, project string) []string {
	ref := regexp.MustCompile(`ProjectReference Include="([^"]+)"`)
	seen := map[string]bool{}
	var walk func(p string)
	walk = func(p string) {
		if seen[p] {
			return
		}
		seen[p] = true
		raw, err := os.ReadFile(filepath.Join(root, p))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		for _, m := range ref.FindAllStringSubmatch(string(raw), -1) {
			rel, _ := filepath.Rel(root, filepath.Join(root, filepath.Dir(p), filepath.FromSlash(strings.ReplaceAll(m[1], "\\", "/"))))
			walk(filepath.ToSlash(rel))
		}
	}
	walk(project)
	var out []string
	for p := range seen {
		out = append(out, p)
	}
	return out
}

func TestDotnetImagesAreMultiStageNonRootAndComplete(t *testing.T) {
	root := repoRoot(t)
	for _, img := range images {
		t.Run(img.dir, func(t *testing.T) {
			csproj := filepath.ToSlash(filepath.Join(img.dir, img.project+".csproj"))
			if _, err := os.Stat(filepath.Join(root, csproj)); err != nil {
				t.Fatalf("%s is missing", csproj)
			}
			ins := parseDockerfile(t, filepath.Join(root, img.dir, "Dockerfile"))
			var froms []string
			var copied []string
			user, entry := "", ""
			for _, in := range ins {
				switch in.op {
				case "FROM":
					froms = append(froms, in.args)
				case "COPY":
					if !strings.HasPrefix(in.args, "--from=") {
						f := strings.Fields(in.args)
						copied = append(copied, f[:len(f)-1]...)
					}
				case "USER":
					user = in.args
				case "ENTRYPOINT":
					entry = in.args
				}
			}
			// Build stages (the SDK, and node for the gateway's dashboard) come before the runtime stage.
			sdk := false
			for i, f := range froms {
				sdk = sdk || (i < len(froms)-1 && strings.Contains(f, "dotnet/sdk:"))
			}
			if len(froms) < 2 || !sdk {
				t.Errorf("want a multi-stage build with an SDK stage, got FROM %v", froms)
			}
			if last := froms[len(froms)-1]; !strings.Contains(last, "dotnet/aspnet:") || !strings.Contains(last, "chiseled") {
				t.Errorf("runtime stage %q is not the chiseled ASP.NET runtime", last)
			}
			if user == "" || strings.HasPrefix(user, "0") || strings.HasPrefix(user, "root") {
				t.Errorf("runtime user %q is not a non-root uid", user)
			}
			if entry != `["dotnet", "`+img.project+`.dll"]` {
				t.Errorf("ENTRYPOINT %s does not start %s.dll", entry, img.project)
			}
			// Every source the build copies exists, and every project in the reference closure is copied.
			for _, src := range copied {
				if _, err := os.Stat(filepath.Join(root, src)); err != nil {
					t.Errorf("COPY %s: not in the repository", src)
				}
			}
			for _, p := range projectClosure(t, root, csproj) {
				dir := filepath.ToSlash(filepath.Dir(p)) + "/"
				ok := false
				for _, src := range copied {
					if src == p || src == dir {
						ok = true
					}
				}
				if !ok {
					t.Errorf("%s is referenced but its folder is not copied into the build stage", p)
				}
			}
			for _, f := range []string{"Directory.Build.props", "Directory.Packages.props"} {
				found := false
				for _, src := range copied {
					found = found || src == f
				}
				if !found {
					t.Errorf("%s is not copied: central versions and build settings would be missing", f)
				}
			}
		})
	}
}

func TestDockerignoreKeepsBuildOutputOutOfTheContext(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"**/bin/", "**/obj/", ".git/"} {
		if !strings.Contains(string(raw), want+"\n") {
			t.Errorf(".dockerignore lacks %s", want)
		}
	}
	// Nothing the Dockerfiles copy may be ignored.
	for _, line := range strings.Split(string(raw), "\n") {
		for _, needed := range []string{"crds/", "shared/", "operator/", "api-gateway/", "Directory.Build.props"} {
			if strings.TrimSpace(line) == needed {
				t.Errorf(".dockerignore excludes %s, which the builds need", needed)
			}
		}
	}
}
