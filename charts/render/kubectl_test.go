package main

// Applying the rendered chart with the real kubectl to the Kubernetes API stand-in (tests/KubeApiServer), so
// the CRDs install, the WorkerPools validate against them, and the built-in objects are accepted as kubectl
// sends them. Every kind the chart renders is applied (a kind the server does not serve fails the test); set
// NEXUS_TEST_KUBECONFIG to run the same test against a real cluster.

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

// applyChart renders the chart with the given values files into a fresh namespace and applies every object it
// renders with kubectl, failing on any kind the server does not serve. It returns the namespace and the output.
func applyChart(t *testing.T, k kube, files []string) (string, *Output, string) {
	t.Helper()
	ns := fmt.Sprintf("chart-test-%d", time.Now().UnixNano()%100000)
	k.must("apiVersion: v1\nkind: Namespace\nmetadata: {name: "+ns+"}\n", "apply", "-f", "-")

	out := renderChart(t, renderArgs{files: files, opts: Options{Release: Release{Name: "ai", Namespace: ns}}})
	var crds strings.Builder
	for _, m := range out.CRDs {
		fmt.Fprintf(&crds, "---\n%s\n", m.Body)
	}
	k.must(crds.String(), "apply", "-f", "-")
	waitServed(t, k, "workerpools", ns)

	served := servedKinds(k) // now with the chart's custom resources
	var apply strings.Builder
	var missing []string
	for _, m := range out.Manifests {
		head, _ := parseYAMLMap([]byte(m.Body))
		if key := fmt.Sprint(head["apiVersion"]) + " " + m.Kind; !served[key] {
			missing = append(missing, key)
		}
		fmt.Fprintf(&apply, "---\n%s\n", m.Body)
	}
	if len(missing) > 0 {
		t.Fatalf("the server does not serve kinds the chart renders: %v", missing)
	}
	result := k.must(apply.String(), "apply", "-f", "-")
	if n := strings.Count(result, " created"); n != len(out.Manifests) {
		t.Errorf("kubectl created %d of %d objects:\n%s", n, len(out.Manifests), result)
	}
	// A second apply of the same manifests changes nothing (what `helm upgrade` with unchanged values does).
	// kubectl reports PodDisruptionBudgets "configured" all the same, on a real cluster too: their selector is a
	// replace-strategy field, so its strategic merge patch is never empty. The server must still store nothing new.
	before := k.must("", "get", "pdb,deploy,workerpools", "-n", ns, "-o", "jsonpath={range .items[*]}{.metadata.name}={.metadata.resourceVersion} {end}")
	again := k.must(apply.String(), "apply", "-f", "-")
	for _, line := range strings.Split(again, "\n") {
		if strings.Contains(line, " created") || (strings.Contains(line, " configured") && !strings.HasPrefix(line, "poddisruptionbudget.policy/")) {
			t.Errorf("re-applying changed objects:\n%s", again)
			break
		}
	}
	if after := k.must("", "get", "pdb,deploy,workerpools", "-n", ns, "-o", "jsonpath={range .items[*]}{.metadata.name}={.metadata.resourceVersion} {end}"); after != before {
		t.Errorf("re-applying wrote new versions:\nbefore %s\nafter  %s", before, after)
	}
	return ns, out, apply.String()
}

func waitServed(t *testing.T, k kube, resource, ns string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := k.run("", "get", resource, "-n", ns); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s are not served 30 s after applying their CRDs", resource)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func newKube(t *testing.T) kube {
	t.Helper()
	if _, err := exec.LookPath("kubectl"); err != nil {
		t.Skip("kubectl is not installed")
	}
	k := kube{t: t, kubeconfig: startStandIn(t), cacheDir: t.TempDir()}
	if served := servedKinds(k); !served["apiextensions.k8s.io/v1 CustomResourceDefinition"] || !served["v1 Namespace"] {
		t.Fatalf("server does not serve CRDs and Namespaces: %v", served)
	}
	return k
}

func TestRenderedChartAppliesWithKubectl(t *testing.T) {
	k := newKube(t)
	ns, out, _ := applyChart(t, k, nil)

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
	// The access-control, isolation and disruption objects are stored as rendered, not merely acknowledged.
	rules := k.must("", "get", "role", "-n", ns, "ai-nexus-ai-jobs-operator", "-o", "jsonpath={.rules[*].resources}")
	if !strings.Contains(rules, "aijobs") || !strings.Contains(rules, "leases") {
		t.Errorf("operator Role rules: %s", rules)
	}
	subject := k.must("", "get", "rolebinding", "-n", ns, "ai-nexus-ai-jobs-operator", "-o", "jsonpath={.subjects[0].kind}/{.subjects[0].name} {.roleRef.kind}/{.roleRef.name}")
	if subject != "ServiceAccount/ai-nexus-ai-jobs-operator Role/ai-nexus-ai-jobs-operator" {
		t.Errorf("operator RoleBinding: %s", subject)
	}
	if n := strings.Count(k.must("", "get", "netpol", "-n", ns, "--no-headers"), "\n"); n != 3 {
		t.Errorf("%d NetworkPolicies stored, want 3", n)
	}
	pdbs := k.must("", "get", "pdb", "-n", ns, "-o", "jsonpath={range .items[*]}{.metadata.name}:{.spec.maxUnavailable} {end}")
	if strings.Count(pdbs, ":1 ") != 5 {
		t.Errorf("PodDisruptionBudgets: %s", pdbs)
	}
	// The server rejects a WorkerPool the CRD forbids, so the test above really validated the chart's ones.
	bad := strings.Replace(byKindBody(out, "WorkerPool"), "maxReplicas: 6", "maxReplicas: -1", 1)
	if msg, err := k.run(bad, "apply", "-f", "-"); err == nil || !strings.Contains(msg, "maxReplicas") {
		t.Errorf("an invalid WorkerPool was accepted: %v\n%s", err, msg)
	}
}

// TestRenderedChartWithEveryFeatureAppliesWithKubectl applies the chart with every optional object switched on
// (Ingress, ServiceMonitors, PrometheusRule, Grafana dashboard) to a server that has prometheus-operator's CRDs,
// as a monitored cluster does.
func TestRenderedChartWithEveryFeatureAppliesWithKubectl(t *testing.T) {
	k := newKube(t)
	served := servedKinds(k)
	if !served["monitoring.coreos.com/v1 ServiceMonitor"] || !served["monitoring.coreos.com/v1 PrometheusRule"] {
		k.must(prometheusOperatorCRDs, "apply", "-f", "-")
	}
	waitServed(t, k, "servicemonitors", "default")
	waitServed(t, k, "prometheusrules", "default")

	ns, _, _ := applyChart(t, k, []string{writeValues(t, valueSets["everything-on"])})
	if n := strings.Count(k.must("", "get", "servicemonitors", "-n", ns, "--no-headers"), "\n"); n != 3 {
		t.Errorf("%d ServiceMonitors stored, want 3", n)
	}
	groups := k.must("", "get", "prometheusrules", "-n", ns, "-o", "jsonpath={.items[0].spec.groups[*].name}")
	if strings.TrimSpace(groups) == "" {
		t.Errorf("the PrometheusRule was stored without its rule groups")
	}
	if class := k.must("", "get", "ingress", "-n", ns, "-o", "jsonpath={.items[0].spec.ingressClassName}"); class != "nginx" {
		t.Errorf("Ingress class %q, want nginx", class)
	}
}

// prometheusOperatorCRDs serves ServiceMonitor and PrometheusRule as prometheus-operator's CRDs do (group, names,
// scope, version); their schemas keep the spec as sent, which is all this test needs of them.
const prometheusOperatorCRDs = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: servicemonitors.monitoring.coreos.com}
spec:
  group: monitoring.coreos.com
  scope: Namespaced
  names: {kind: ServiceMonitor, listKind: ServiceMonitorList, plural: servicemonitors, singular: servicemonitor, shortNames: [smon], categories: [prometheus-operator]}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          required: [spec]
          properties:
            apiVersion: {type: string}
            kind: {type: string}
            metadata: {type: object}
            spec:
              type: object
              required: [selector]
              x-kubernetes-preserve-unknown-fields: true
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: prometheusrules.monitoring.coreos.com}
spec:
  group: monitoring.coreos.com
  scope: Namespaced
  names: {kind: PrometheusRule, listKind: PrometheusRuleList, plural: prometheusrules, singular: prometheusrule, shortNames: [promrule], categories: [prometheus-operator]}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          required: [spec]
          properties:
            apiVersion: {type: string}
            kind: {type: string}
            metadata: {type: object}
            spec:
              type: object
              x-kubernetes-preserve-unknown-fields: true
`

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
