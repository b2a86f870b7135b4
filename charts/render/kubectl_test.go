package main

// Applying the rendered chart with the real kubectl to the Kubernetes API stand-in (tests/KubeApiServer), so
// the CRDs install, the WorkerPools validate against them, and the built-in objects are accepted as kubectl
// sends them. Kinds the stand-in does not serve (RBAC, PodDisruptionBudget, NetworkPolicy) are listed and
// skipped there; set NEXUS_TEST_KUBECONFIG to run the same test against a real cluster, where all are applied.

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

type kube struct {
	t          *testing.T
	kubeconfig string
	cacheDir   string
}

func (k kube) run(stdin string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	full := append([]string{"--kubeconfig", k.kubeconfig, "--cache-dir", k.cacheDir}, args...)
	cmd := exec.CommandContext(ctx, "kubectl", full...)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (k kube) must(stdin string, args ...string) string {
	k.t.Helper()
	out, err := k.run(stdin, args...)
	if err != nil {
		k.t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// startStandIn runs the stand-in from the repository and returns its kubeconfig, or skips when it is absent.
func startStandIn(t *testing.T) string {
	t.Helper()
	if kc := os.Getenv("NEXUS_TEST_KUBECONFIG"); kc != "" {
		return kc
	}
	project := filepath.Join(repoRoot(t), "tests", "KubeApiServer", "Nexus.KubeApiServer.csproj")
	if _, err := os.Stat(project); err != nil {
		t.Skip("tests/KubeApiServer is not in this tree and NEXUS_TEST_KUBECONFIG is unset: nothing to apply the chart to")
	}
	if _, err := exec.LookPath("dotnet"); err != nil {
		t.Skip("dotnet is not installed: cannot start the Kubernetes API stand-in")
	}
	// Prefer the stand-in `make test` has already built; `dotnet run` would rebuild it (racing other builds) and
	// leave its child running when killed. Either way the whole process group is stopped at cleanup.
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	configuration := os.Getenv("CONFIGURATION")
	if configuration == "" {
		configuration = "Debug"
	}
	dll := filepath.Join(filepath.Dir(project), "bin", configuration, "net10.0", "Nexus.KubeApiServer.dll")
	cmd := exec.Command("dotnet", "run", "--project", project, "--", "--kubeconfig", kubeconfig)
	if _, err := os.Stat(dll); err == nil {
		cmd = exec.Command("dotnet", dll, "--kubeconfig", kubeconfig)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if line := sc.Text(); strings.HasPrefix(line, "Kubeconfig: ") {
				found <- strings.TrimSpace(strings.TrimPrefix(line, "Kubeconfig: "))
			}
		}
		close(found)
	}()
	// The first run may have to build the stand-in.
	select {
	case kc, ok := <-found:
		if !ok {
			t.Fatal("the stand-in exited without printing its kubeconfig")
		}
		return kc
	case <-time.After(5 * time.Minute):
		t.Fatal("the stand-in did not print `Kubeconfig:` within 5 minutes")
	}
	return ""
}

func TestRenderedChartAppliesWithKubectl(t *testing.T) {
	if _, err := exec.LookPath("kubectl"); err != nil {
		t.Skip("kubectl is not installed")
	}
	k := kube{t: t, kubeconfig: startStandIn(t), cacheDir: t.TempDir()}
	ns := fmt.Sprintf("chart-test-%d", time.Now().UnixNano()%100000)

	served := servedKinds(k)
	if !served["apiextensions.k8s.io/v1 CustomResourceDefinition"] {
		t.Fatalf("server does not serve CRDs: %v", served)
	}
	if served["v1 Namespace"] {
		k.must("apiVersion: v1\nkind: Namespace\nmetadata: {name: "+ns+"}\n", "apply", "-f", "-")
	}

	out := renderChart(t, renderArgs{opts: Options{Release: Release{Name: "ai", Namespace: ns}}})
	var crds strings.Builder
	for _, m := range out.CRDs {
		fmt.Fprintf(&crds, "---\n%s\n", m.Body)
	}
	k.must(crds.String(), "apply", "-f", "-")
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := k.run("", "get", "workerpools", "-n", ns); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("workerpools are not served 30 s after applying the CRDs")
		}
		time.Sleep(200 * time.Millisecond)
	}

	served = servedKinds(k) // now with the chart's custom resources
	var apply strings.Builder
	var skipped []string
	applied := 0
	for _, m := range out.Manifests {
		head, _ := parseYAMLMap([]byte(m.Body))
		key := fmt.Sprint(head["apiVersion"]) + " " + m.Kind
		if !served[key] {
			skipped = append(skipped, m.Kind+"/"+m.Name)
			continue
		}
		fmt.Fprintf(&apply, "---\n%s\n", m.Body)
		applied++
	}
	t.Logf("applying %d objects; not served here, skipped: %v", applied, skipped)
	if !strings.Contains(apply.String(), "kind: WorkerPool") || !strings.Contains(apply.String(), "kind: Deployment") {
		t.Fatalf("nothing meaningful to apply (served: %v)", served)
	}
	result := k.must(apply.String(), "apply", "-f", "-")
	if n := strings.Count(result, " created"); n != applied {
		t.Errorf("kubectl created %d of %d objects:\n%s", n, applied, result)
	}

	// The WorkerPools were validated and stored as the CRD defines them.
	pools := k.must("", "get", "workerpools", "-n", ns, "-o", "jsonpath={range .items[*]}{.metadata.name}={.spec.deployment.name}:{.spec.maxReplicas} {end}")
	for _, want := range []string{"catalog=ai-nexus-ai-jobs-worker-catalog:6", "nlp=ai-nexus-ai-jobs-worker-nlp:4", "llm=ai-nexus-ai-jobs-worker-llm:3"} {
		if !strings.Contains(pools, want) {
			t.Errorf("stored WorkerPools %q lack %q", pools, want)
		}
	}
	table := k.must("", "get", "wp", "-n", ns)
	if !strings.Contains(table, "TYPES") || strings.Count(table, "\n") != 4 {
		t.Errorf("kubectl get wp:\n%s", table)
	}
	// A second apply of the same manifests changes nothing (what `helm upgrade` with unchanged values does).
	if again := k.must(apply.String(), "apply", "-f", "-"); strings.Contains(again, " configured") || strings.Contains(again, " created") {
		t.Errorf("re-applying changed objects:\n%s", again)
	}
	// The server rejects a WorkerPool the CRD forbids, so the test above really validated the chart's ones.
	bad := strings.Replace(byKindBody(out, "WorkerPool"), "maxReplicas: 6", "maxReplicas: -1", 1)
	if msg, err := k.run(bad, "apply", "-f", "-"); err == nil || !strings.Contains(msg, "maxReplicas") {
		t.Errorf("an invalid WorkerPool was accepted: %v\n%s", err, msg)
	}
}

func byKindBody(out *Output, kind string) string {
	for _, m := range out.Manifests {
		if m.Kind == kind {
			return m.Body
		}
	}
	return ""
}

// servedKinds returns the "apiVersion Kind" pairs the server serves, from kubectl's discovery.
func servedKinds(k kube) map[string]bool {
	served := map[string]bool{}
	for _, line := range strings.Split(k.must("", "api-resources", "--no-headers"), "\n") {
		f := strings.Fields(line)
		if len(f) >= 4 {
			served[f[len(f)-3]+" "+f[len(f)-1]] = true // NAME [SHORTNAMES] APIVERSION NAMESPACED KIND
		}
	}
	return served
}
