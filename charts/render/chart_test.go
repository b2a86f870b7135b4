package main

// Tests of what the chart renders: objects per component, RBAC, worker pools, CRDs, API key, toggles.

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/xeipuuv/gojsonschema"
	yaml3 "gopkg.in/yaml.v3"
)

func defaults(t *testing.T) []obj {
	t.Helper()
	return parseDocs(t, renderChart(t, renderArgs{}).Text)
}

func TestDefaultsRenderTheExpectedObjects(t *testing.T) {
	objs := defaults(t)
	want := map[string]int{
		"CustomResourceDefinition": 4, "Deployment": 5, "Service": 5, "WorkerPool": 3, "PodDisruptionBudget": 5,
		"ServiceAccount": 3, "Role": 2, "RoleBinding": 2, "NetworkPolicy": 3, "Secret": 3, "ConfigMap": 1, "Pod": 1,
		"ClusterRole": 2,
	}
	got := map[string]int{}
	for _, o := range objs {
		got[o.kind()]++
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("rendered kinds %v, want %v", got, want)
	}
	// Install order like helm's: workloads after their ServiceAccounts, custom resources after their CRDs.
	pos := map[string]int{}
	for i, o := range objs {
		if _, seen := pos[o.kind()]; !seen {
			pos[o.kind()] = i
		}
	}
	if !(pos["ServiceAccount"] < pos["Deployment"] && pos["CustomResourceDefinition"] < pos["Deployment"] &&
		pos["Deployment"] < pos["WorkerPool"]) {
		t.Errorf("install order wrong: %v", pos)
	}
}

func TestChartCRDsAreByteIdenticalToTheContract(t *testing.T) {
	root, err := filepath.Glob(filepath.Join(repoRoot(t), "crds", "*.yaml"))
	if err != nil || len(root) == 0 {
		t.Fatalf("no CRDs in crds/: %v", err)
	}
	inChart, _ := filepath.Glob(filepath.Join(chartDir(t), "files", "crds", "*.yaml"))
	if len(inChart) != len(root) {
		t.Fatalf("chart has %d CRD files, crds/ has %d (copy them with: make chart-crds)", len(inChart), len(root))
	}
	for _, f := range root {
		want, _ := os.ReadFile(f)
		got, err := os.ReadFile(filepath.Join(chartDir(t), "files", "crds", filepath.Base(f)))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("charts/nexus-ai-jobs/files/crds/%s differs from crds/%s (copy it again: make chart-crds)", filepath.Base(f), filepath.Base(f))
		}
	}
	// Helm's crds/ directory would install the CRDs a second time, outside the release, on first install.
	if _, err := os.Stat(filepath.Join(chartDir(t), "crds")); err == nil {
		t.Errorf("the chart has a crds/ directory: the CRDs are templates (templates/crds.yaml), so helm upgrade upgrades them")
	}
}

func TestCRDsAreUpgradedWithTheReleaseAndKeptOnUninstall(t *testing.T) {
	out := renderChart(t, renderArgs{})
	if len(out.CRDs) != 4 {
		t.Fatalf("%d CRDs rendered, want 4", len(out.CRDs))
	}
	objs := parseDocs(t, out.Text)
	for _, f := range []string{"aijobs.nexus.ai.yaml", "aijobbatches.nexus.ai.yaml", "tenantquotas.nexus.ai.yaml", "workerpools.nexus.ai.yaml"} {
		raw, err := os.ReadFile(filepath.Join(repoRoot(t), "crds", f))
		if err != nil {
			t.Fatal(err)
		}
		var want map[string]interface{}
		if err := yaml3.Unmarshal(raw, &want); err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(f, ".yaml")
		crd := find(t, objs, "CustomResourceDefinition", name)
		// A template, not crds/: part of the release, so `helm upgrade` applies it like any other object.
		for _, m := range out.CRDs {
			if m.Name == name && m.Source != "nexus-ai-jobs/templates/crds.yaml" {
				t.Errorf("CRD %s comes from %s, want templates/crds.yaml", name, m.Source)
			}
		}
		if !reflect.DeepEqual(crd["spec"], want["spec"]) {
			t.Errorf("CRD %s: rendered spec differs from crds/%s", name, f)
		}
		if str(crd, "metadata", "annotations", "helm.sh/resource-policy") != "keep" {
			t.Errorf("CRD %s is deleted on uninstall (and every %s with it)", name, name)
		}
		if str(crd, "metadata", "labels", "app.kubernetes.io/managed-by") != "Helm" || str(crd, "metadata", "labels", "app.kubernetes.io/part-of") != "nexus-ai-jobs" {
			t.Errorf("CRD %s labels: %v", name, mapOf(crd, "metadata", "labels"))
		}
	}
	on := parseDocs(t, renderChart(t, renderArgs{files: []string{writeValues(t, valueSets["everything-on"])}}).Text)
	crd := find(t, on, "CustomResourceDefinition", "aijobs.nexus.ai")
	if str(crd, "metadata", "annotations", "example.com/owner") != "ml-platform" || str(crd, "metadata", "labels", "example.com/tier") != "platform" {
		t.Errorf("crds.annotations / crds.additionalLabels not applied: %v", crd["metadata"])
	}
	noKeep := parseDocs(t, renderChart(t, renderArgs{sets: []string{"crds.keep=false"}}).Text)
	if _, ok := mapOf(find(t, noKeep, "CustomResourceDefinition", "aijobs.nexus.ai"), "metadata", "annotations")["helm.sh/resource-policy"]; ok {
		t.Errorf("crds.keep=false still keeps the CRDs")
	}
	off := renderChart(t, renderArgs{sets: []string{"crds.install=false"}})
	if len(off.CRDs) != 0 || len(byKind(parseDocs(t, off.Text), "CustomResourceDefinition")) != 0 {
		t.Errorf("crds.install=false still renders CRDs")
	}
}

func TestRolesGrantExactlyWhatEachComponentNeeds(t *testing.T) {
	objs := defaults(t)
	type rule struct{ group, resource, verbs, names string }
	flatten := func(role obj) []rule {
		var out []rule
		for _, r := range list(role, "rules") {
			var verbs, names []string
			for _, v := range list(r, "verbs") {
				verbs = append(verbs, v.(string))
			}
			for _, v := range list(r, "resourceNames") {
				names = append(names, v.(string))
			}
			sort.Strings(verbs)
			for _, g := range list(r, "apiGroups") {
				for _, res := range list(r, "resources") {
					out = append(out, rule{g.(string), res.(string), strings.Join(verbs, ","), strings.Join(names, ",")})
				}
			}
		}
		sort.Slice(out, func(i, j int) bool { return out[i].resource+out[i].names < out[j].resource+out[j].names })
		return out
	}
	lease := "ai-nexus-ai-jobs-operator-leader"
	want := map[string][]rule{
		"ai-nexus-ai-jobs-operator": {
			{"nexus.ai", "aijobbatches", "create,delete,get,list,patch,update,watch", ""},
			{"nexus.ai", "aijobbatches/finalizers", "update", ""},
			{"nexus.ai", "aijobbatches/status", "get,patch,update", ""},
			{"nexus.ai", "aijobs", "create,delete,get,list,patch,update,watch", ""},
			{"nexus.ai", "aijobs/finalizers", "update", ""},
			{"nexus.ai", "aijobs/status", "get,patch,update", ""},
			{"apps", "deployments", "get,list,watch", ""},
			{"apps", "deployments/scale", "get,patch,update", ""},
			{"discovery.k8s.io", "endpointslices", "get,list,watch", ""},
			{"", "events", "create,get,patch,update", ""},
			{"coordination.k8s.io", "leases", "create", ""},
			{"coordination.k8s.io", "leases", "get,patch,update", lease},
			{"nexus.ai", "tenantquotas", "get,list,watch", ""},
			{"nexus.ai", "workerpools", "get,list,watch", ""},
			{"nexus.ai", "workerpools/status", "get,patch,update", ""},
		},
		"ai-nexus-ai-jobs-gateway": {
			{"nexus.ai", "aijobbatches", "create,get,list,watch", ""},
			{"nexus.ai", "aijobs", "create,get,list,patch,watch", ""},
			{"", "secrets", "get,list,watch", ""},
			{"nexus.ai", "tenantquotas", "get,list,watch", ""},
		},
	}
	roles := byKind(objs, "Role")
	if len(roles) != len(want) {
		t.Fatalf("%d Roles rendered, want %d (workers get none)", len(roles), len(want))
	}
	for _, role := range roles {
		w, ok := want[role.name()]
		if !ok {
			t.Errorf("unexpected Role %s", role.name())
			continue
		}
		if got := flatten(role); !reflect.DeepEqual(got, w) {
			t.Errorf("Role %s rules:\n got %v\nwant %v", role.name(), got, w)
		}
	}
	// Each Role is bound to its own component's ServiceAccount only, and that account is what the pods use.
	for _, rb := range byKind(objs, "RoleBinding") {
		subjects := list(rb, "subjects")
		if len(subjects) != 1 || str(rb, "roleRef", "name") != rb.name() || str(subjects[0], "name") != rb.name() {
			t.Errorf("RoleBinding %s binds %v to %v", rb.name(), get(rb, "roleRef"), subjects)
		}
		dep := find(t, objs, "Deployment", rb.name())
		if str(podSpec(dep), "serviceAccountName") != rb.name() {
			t.Errorf("Deployment %s does not run as the bound account %s", dep.name(), rb.name())
		}
	}
	// The lease the operator may update is the one it is told to use.
	op := find(t, objs, "Deployment", "ai-nexus-ai-jobs-operator")
	if env := containerEnv(op); env["NEXUS_LEASE_NAME"] != lease {
		t.Errorf("operator lease env = %q, want %q", env["NEXUS_LEASE_NAME"], lease)
	}
}

func containerEnv(o obj) map[string]string {
	env := map[string]string{}
	for _, e := range list(podSpec(o), "containers", 0, "env") {
		env[str(e, "name")] = str(e, "value")
	}
	return env
}

func TestWorkersHaveNoKubernetesAPIAccess(t *testing.T) {
	objs := defaults(t)
	sa := find(t, objs, "ServiceAccount", "ai-nexus-ai-jobs-workers")
	if sa["automountServiceAccountToken"] != false {
		t.Errorf("worker ServiceAccount mounts a token")
	}
	for _, rb := range byKind(objs, "RoleBinding") {
		for _, s := range list(rb, "subjects") {
			if str(s, "name") == sa.name() {
				t.Errorf("RoleBinding %s grants the workers API access", rb.name())
			}
		}
	}
	for _, d := range byKind(objs, "Deployment") {
		if str(d, "metadata", "labels", "app.kubernetes.io/component") != "worker" {
			continue
		}
		spec := podSpec(d)
		if spec["automountServiceAccountToken"] != false || str(spec, "serviceAccountName") != sa.name() {
			t.Errorf("worker Deployment %s: automount=%v account=%v", d.name(), spec["automountServiceAccountToken"], spec["serviceAccountName"])
		}
	}
}

func TestOperatorRunsTwoReplicasWithLeaderElection(t *testing.T) {
	op := find(t, defaults(t), "Deployment", "ai-nexus-ai-jobs-operator")
	if get(op, "spec", "replicas") != 2 {
		t.Errorf("operator replicas = %v, want 2", get(op, "spec", "replicas"))
	}
	if get(op, "spec", "strategy", "rollingUpdate", "maxUnavailable") != 0 {
		t.Errorf("a rollout may take both replicas down at once")
	}
	err := renderErr(t, renderArgs{sets: []string{"operator.leaderElection.renewDeadlineSeconds=15"}})
	if !strings.Contains(err.Error(), "renewDeadlineSeconds must be less than leaseDurationSeconds") {
		t.Errorf("renew deadline = lease duration: %v", err)
	}
}

func TestWorkerPoolsFollowValuesAndTheCRD(t *testing.T) {
	values := writeValues(t, `
workers:
  defaults: {concurrencyPerReplica: 3, minReplicas: 2, maxReplicas: 7, scaleDownDelaySeconds: 120}
  pools:
    - {name: fast, jobTypes: [competitor_scan, pricing_recalculate], maxReplicas: 12}
    - name: llm
      jobTypes: [llm_visibility_score]
      concurrencyPerReplica: 16
      minReplicas: 0
      resources: {requests: {cpu: 50m, memory: 64Mi}, limits: {cpu: 200m, memory: 128Mi}}
`)
	objs := parseDocs(t, renderChart(t, renderArgs{files: []string{values}}).Text)
	schema := crdSchema(t, "workerpools.nexus.ai.yaml")
	type want struct {
		types                  []interface{}
		conc, min, max, replic int
		cpu                    string
	}
	for pool, w := range map[string]want{
		"fast": {[]interface{}{"competitor_scan", "pricing_recalculate"}, 3, 2, 12, 2, "250m"},
		"llm":  {[]interface{}{"llm_visibility_score"}, 16, 0, 7, 0, "50m"},
	} {
		wp := find(t, objs, "WorkerPool", pool)
		name := "ai-nexus-ai-jobs-worker-" + pool
		spec := mapOf(wp, "spec")
		if !reflect.DeepEqual(spec["jobTypes"], w.types) || spec["concurrencyPerReplica"] != w.conc ||
			spec["minReplicas"] != w.min || spec["maxReplicas"] != w.max || spec["scaleDownDelaySeconds"] != 120 {
			t.Errorf("WorkerPool %s spec = %v", pool, spec)
		}
		if str(spec, "deployment", "name") != name || str(spec, "service", "name") != name || spec["port"] != 8080 {
			t.Errorf("WorkerPool %s points at %v / %v port %v", pool, spec["deployment"], spec["service"], spec["port"])
		}
		dep := find(t, objs, "Deployment", name)
		find(t, objs, "Service", name)
		find(t, objs, "PodDisruptionBudget", name)
		if get(dep, "spec", "replicas") != w.replic {
			t.Errorf("Deployment %s starts with %v replicas, want minReplicas %d", name, get(dep, "spec", "replicas"), w.replic)
		}
		env := containerEnv(dep)
		if env["WORKER_JOB_TYPES"] != strings.Join(toStrings(w.types), ",") || env["WORKER_CONCURRENCY"] != itoa(w.conc) {
			t.Errorf("Deployment %s env: %v", name, env)
		}
		if got := str(podSpec(dep), "containers", 0, "resources", "requests", "cpu"); got != w.cpu {
			t.Errorf("Deployment %s cpu request %q, want %q", name, got, w.cpu)
		}
		validateAgainst(t, schema, wp)
	}
}

func TestWorkerPoolValuesThatCannotWorkAreRejected(t *testing.T) {
	cases := map[string]string{
		"served by both pool": `workers: {pools: [{name: a, jobTypes: [competitor_scan]}, {name: b, jobTypes: [competitor_scan]}]}`,
		"is used twice":       `workers: {pools: [{name: a, jobTypes: [competitor_scan]}, {name: a, jobTypes: [pricing_recalculate]}]}`,
		"minReplicas (5) is greater than maxReplicas (2)": `workers: {pools: [{name: a, jobTypes: [competitor_scan], minReplicas: 5, maxReplicas: 2}]}`,
	}
	for want, values := range cases {
		err := renderErr(t, renderArgs{files: []string{writeValues(t, values)}})
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

func TestLiveWorkerReplicasAreKeptOnUpgrade(t *testing.T) {
	live := filepath.Join(t.TempDir(), "live.yaml")
	os.WriteFile(live, []byte(`apiVersion: apps/v1
kind: Deployment
metadata: {name: ai-nexus-ai-jobs-worker-catalog, namespace: nexus}
spec: {replicas: 5}
`), 0o644)
	objs, err := readObjects(live)
	if err != nil {
		t.Fatal(err)
	}
	out := parseDocs(t, renderChart(t, renderArgs{opts: Options{Release: Release{Name: "ai", Namespace: "nexus", IsUpgrade: true}, Lookup: objs}}).Text)
	if got := get(find(t, out, "Deployment", "ai-nexus-ai-jobs-worker-catalog"), "spec", "replicas"); got != 5 {
		t.Errorf("catalog replicas = %v, want the live 5 (the operator scaled it)", got)
	}
	if got := get(find(t, out, "Deployment", "ai-nexus-ai-jobs-worker-nlp"), "spec", "replicas"); got != 1 {
		t.Errorf("nlp replicas = %v, want minReplicas 1 (no live Deployment)", got)
	}
}

func TestValuesAreValidatedAgainstTheSchema(t *testing.T) {
	cases := map[string]string{
		"operator.replicas":           `operator: {replicas: 0}`,
		"(root)":                      `operatr: {replicas: 2}`,
		"workers.pools.0.jobTypes.0":  `workers: {pools: [{name: a, jobTypes: [image_generate]}]}`,
		"workers.pools.0.name":        `workers: {pools: [{name: Bad_Name, jobTypes: [competitor_scan]}]}`,
		"gateway.image.pullPolicy":    `gateway: {image: {pullPolicy: Sometimes}}`,
		"workers.pools.0.maxReplicas": `workers: {pools: [{name: a, jobTypes: [competitor_scan], maxReplicas: 5000}]}`,
		"apiKey.scopes.0":             `apiKey: {scopes: ["write everything"]}`,
		// Pools take their resources from workers.defaults.resources (or their own); this key did nothing.
		"workers": `workers: {resources: {requests: {cpu: 1}}}`,
	}
	for field, values := range cases {
		err := renderErr(t, renderArgs{files: []string{writeValues(t, values)}})
		if !strings.Contains(err.Error(), "values don't meet the specifications of the schema") || !strings.Contains(err.Error(), "- "+field+":") {
			t.Errorf("values %s: error does not name %s:\n%v", values, field, err)
		}
	}
	// The defaults themselves are valid (rendering them validates), and so is each value set.
	renderChart(t, renderArgs{})
}

func TestInitialAPIKeyIsGeneratedOnceAndStoredHashed(t *testing.T) {
	first := parseDocs(t, renderChart(t, renderArgs{}).Text)
	plain := find(t, first, "Secret", "ai-nexus-ai-jobs-initial-api-key")
	hashed := find(t, first, "Secret", "ai-nexus-ai-jobs-initial-api-key-hash")
	raw, err := base64.StdEncoding.DecodeString(str(plain, "data", "api-key"))
	if err != nil || !strings.HasPrefix(string(raw), "nxk_") || len(raw) != 44 {
		t.Fatalf("generated key %q (%v)", raw, err)
	}
	sum := sha256.Sum256(raw)
	if secretValue(hashed, "sha256") != hex.EncodeToString(sum[:]) {
		t.Errorf("hash Secret holds %q, want the SHA-256 of the key", secretValue(hashed, "sha256"))
	}
	if len(mapOf(hashed, "data")) != 3 {
		t.Errorf("labelled Secret data keys: %v, want sha256, tenants, scopes", mapOf(hashed, "data"))
	}
	for k := range mapOf(hashed, "data") {
		if strings.Contains(secretValue(hashed, k), string(raw)) {
			t.Errorf("the labelled Secret holds the plain key under %s", k)
		}
	}
	if str(hashed, "metadata", "labels", "nexus.ai/api-key") == "" || secretValue(hashed, "tenants") != "default" ||
		secretValue(hashed, "scopes") != "ai-jobs:write,ai-jobs:read" {
		t.Errorf("hash Secret: %v", hashed)
	}
	for _, s := range []obj{plain, hashed} {
		if str(s, "metadata", "annotations", "helm.sh/resource-policy") != "keep" {
			t.Errorf("Secret %s is not kept on uninstall", s.name())
		}
	}

	// Without the cluster's answer each rendering generates a new key...
	again := parseDocs(t, renderChart(t, renderArgs{}).Text)
	if str(find(t, again, "Secret", plain.name()), "data", "api-key") == str(plain, "data", "api-key") {
		t.Errorf("two installs generated the same key")
	}
	// ...but an upgrade, where lookup finds the first install's Secret, keeps it.
	live := filepath.Join(t.TempDir(), "live.yaml")
	b, _ := yaml3.Marshal(map[string]interface{}(plain))
	os.WriteFile(live, b, 0o644)
	objs, _ := readObjects(live)
	up := parseDocs(t, renderChart(t, renderArgs{opts: Options{Release: Release{Name: "ai", Namespace: "nexus", IsUpgrade: true}, Lookup: objs}}).Text)
	if str(find(t, up, "Secret", plain.name()), "data", "api-key") != str(plain, "data", "api-key") ||
		secretValue(find(t, up, "Secret", hashed.name()), "sha256") != secretValue(hashed, "sha256") {
		t.Errorf("upgrade changed the initial API key")
	}
}

// secretValue decodes one key of a Secret's data.
func secretValue(o obj, key string) string {
	b, err := base64.StdEncoding.DecodeString(str(o, "data", key))
	if err != nil {
		return "<not base64: " + err.Error() + ">"
	}
	return string(b)
}

func renderedSecretText(o obj) string {
	b, _ := json.Marshal(o)
	return string(b)
}

func TestInitialAPIKeyFromAnExistingSecret(t *testing.T) {
	sets := []string{"apiKey.existingSecret=my-key", "apiKey.existingSecretKey=token"}
	err := renderErr(t, renderArgs{sets: sets})
	if !strings.Contains(err.Error(), `apiKey.existingSecret "my-key" was not found in namespace "nexus"`) {
		t.Errorf("missing existing Secret: %v", err)
	}

	hash := strings.Repeat("ab", 32)
	objs := parseDocs(t, renderChart(t, renderArgs{sets: append(sets, "apiKey.existingSecretSha256="+hash)}).Text)
	// Only the hash is rendered (besides the database connection): the plain key is the user's Secret.
	if len(byKind(objs, "Secret")) != 2 || secretValue(find(t, objs, "Secret", "ai-nexus-ai-jobs-database"), "url") == "" || secretValue(find(t, objs, "Secret", "ai-nexus-ai-jobs-initial-api-key-hash"), "sha256") != hash {
		t.Errorf("offline rendering with a given hash: %v", byKind(objs, "Secret"))
	}
	pod := find(t, objs, "Pod", "ai-nexus-ai-jobs-test-dispatch")
	ref := mapOf(pod, "spec", "containers", 0, "env", 1, "valueFrom", "secretKeyRef")
	if ref["name"] != "my-key" || ref["key"] != "token" {
		t.Errorf("helm test reads the key from %v", ref)
	}

	live := filepath.Join(t.TempDir(), "live.yaml")
	os.WriteFile(live, []byte("apiVersion: v1\nkind: Secret\nmetadata: {name: my-key, namespace: nexus}\ndata: {token: "+
		base64.StdEncoding.EncodeToString([]byte("s3cret"))+"}\n"), 0o644)
	found, _ := readObjects(live)
	objs = parseDocs(t, renderChart(t, renderArgs{sets: sets, opts: Options{Release: Release{Name: "ai", Namespace: "nexus"}, Lookup: found}}).Text)
	sum := sha256.Sum256([]byte("s3cret"))
	if secretValue(find(t, objs, "Secret", "ai-nexus-ai-jobs-initial-api-key-hash"), "sha256") != hex.EncodeToString(sum[:]) {
		t.Errorf("hash of the existing Secret's key not used")
	}
}

func TestHelmTestHookDispatchesThroughTheGateway(t *testing.T) {
	objs := defaults(t)
	pod := find(t, objs, "Pod", "ai-nexus-ai-jobs-test-dispatch")
	cm := find(t, objs, "ConfigMap", "ai-nexus-ai-jobs-test-dispatch")
	for _, o := range []obj{pod, cm} {
		if str(o, "metadata", "annotations", "helm.sh/hook") != "test" {
			t.Errorf("%s %s is not a test hook", o.kind(), o.name())
		}
	}
	script, _ := os.ReadFile(filepath.Join(chartDir(t), "files", "tests", "dispatch_and_wait.py"))
	if str(cm, "data", "dispatch_and_wait.py") != strings.TrimSuffix(string(script), "\n") {
		t.Errorf("the ConfigMap does not carry files/tests/dispatch_and_wait.py")
	}
	env := containerEnv(pod)
	svc := find(t, objs, "Service", "ai-nexus-ai-jobs-gateway")
	if env["GATEWAY_URL"] != "http://ai-nexus-ai-jobs-gateway.nexus.svc:80" || get(svc, "spec", "ports", 0, "port") != 80 {
		t.Errorf("GATEWAY_URL %q does not reach the gateway Service", env["GATEWAY_URL"])
	}
	var params map[string]interface{}
	if err := json.Unmarshal([]byte(env["JOB_PARAMS"]), &params); err != nil || env["JOB_TYPE"] != "competitor_scan" || env["TENANT"] != "default" {
		t.Errorf("job env %v (%v)", env, err)
	}
	if get(podSpec(pod), "restartPolicy") != "Never" || get(podSpec(pod), "automountServiceAccountToken") != false {
		t.Errorf("test pod spec: %v", podSpec(pod))
	}
}

func TestNetworkPolicyLetsOnlyTheOperatorReachWorkers(t *testing.T) {
	objs := defaults(t)
	np := find(t, objs, "NetworkPolicy", "ai-nexus-ai-jobs-worker")
	ingress := list(np, "spec", "ingress")
	if len(ingress) != 1 {
		t.Fatalf("worker ingress rules: %v", ingress)
	}
	from := list(ingress[0], "from")
	if len(from) != 1 {
		t.Fatalf("worker ingress from: %v", from)
	}
	sel := mapOf(from[0], "podSelector", "matchLabels")
	pods := podLabelSets(objs)
	if m := matching(sel, pods); len(m) != 1 || m[0] != "Deployment/ai-nexus-ai-jobs-operator" {
		t.Errorf("worker ingress admits %v, want only the operator", m)
	}
	if m := matching(mapOf(np, "spec", "podSelector", "matchLabels"), pods); len(m) != 3 {
		t.Errorf("worker policy covers %v, want the 3 pools", m)
	}
	// Scrapers named in values get a second rule; nothing else changes.
	withScrape := parseDocs(t, renderChart(t, renderArgs{files: []string{writeValues(t,
		"networkPolicy: {metricsFrom: [{namespaceSelector: {matchLabels: {name: monitoring}}}]}")}}).Text)
	ingress = list(find(t, withScrape, "NetworkPolicy", "ai-nexus-ai-jobs-worker"), "spec", "ingress")
	if len(ingress) != 2 || str(ingress[1], "from", 0, "namespaceSelector", "matchLabels", "name") != "monitoring" {
		t.Errorf("metricsFrom not applied: %v", ingress)
	}
	off := parseDocs(t, renderChart(t, renderArgs{sets: []string{"networkPolicy.enabled=false"}}).Text)
	if len(byKind(off, "NetworkPolicy")) != 0 {
		t.Errorf("networkPolicy.enabled=false still renders policies")
	}
}

func TestOptionalObjectsFollowTheirToggles(t *testing.T) {
	objs := defaults(t)
	for _, kind := range []string{"Ingress", "ServiceMonitor", "PrometheusRule"} {
		if len(byKind(objs, kind)) != 0 {
			t.Errorf("%s rendered although off by default", kind)
		}
	}
	on := parseDocs(t, renderChart(t, renderArgs{files: []string{writeValues(t, valueSets["everything-on"])}}).Text)

	ing := find(t, on, "Ingress", "nx-gateway")
	backend := mapOf(ing, "spec", "rules", 0, "http", "paths", 0, "backend", "service")
	if backend["name"] != "nx-gateway" || str(backend, "port", "name") != "http" || str(ing, "spec", "ingressClassName") != "nginx" {
		t.Errorf("Ingress backend %v", backend)
	}
	find(t, on, "Service", "nx-gateway")

	sms := byKind(on, "ServiceMonitor")
	if len(sms) != 3 {
		t.Fatalf("%d ServiceMonitors, want operator, gateway and worker", len(sms))
	}
	services := byKind(on, "Service")
	for _, sm := range sms {
		if str(sm, "spec", "jobLabel") != "nexus.ai/metrics-job" || str(sm, "metadata", "labels", "release") != "prometheus" {
			t.Errorf("ServiceMonitor %s: %v", sm.name(), sm["spec"])
		}
		n := 0
		for _, s := range services {
			if subset(mapOf(sm, "spec", "selector", "matchLabels"), mapOf(s, "metadata", "labels")) {
				n++
				if !strings.HasPrefix(str(s, "metadata", "labels", "nexus.ai/metrics-job"), "nexus-ai-jobs-") {
					t.Errorf("Service %s has no metrics job label", s.name())
				}
				if str(s, "spec", "ports", 0, "name") != str(sm, "spec", "endpoints", 0, "port") {
					t.Errorf("ServiceMonitor %s scrapes a port Service %s does not have", sm.name(), s.name())
				}
			}
		}
		if n == 0 {
			t.Errorf("ServiceMonitor %s selects no Service", sm.name())
		}
	}

	cm := find(t, on, "ConfigMap", "nx-dashboard")
	var dash map[string]interface{}
	if err := json.Unmarshal([]byte(str(cm, "data", "nexus-ai-jobs.json")), &dash); err != nil || dash["uid"] != "nexus-ai-jobs" {
		t.Errorf("dashboard ConfigMap does not hold the dashboard JSON: %v", err)
	}
	if str(cm, "metadata", "labels", "grafana_dashboard") != "1" {
		t.Errorf("dashboard ConfigMap lacks the Grafana sidecar label")
	}
}

func TestPrometheusRuleShipsThePlainRulesFile(t *testing.T) {
	raw, _ := os.ReadFile(filepath.Join(chartDir(t), "files", "alerts.rules.yaml"))
	var file map[string]interface{}
	if err := yaml3.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	for _, base := range []string{"", "https://runbooks.example.com/nexus.md"} {
		var sets = []string{"metrics.prometheusRule.enabled=true"}
		if base != "" {
			sets = append(sets, "metrics.prometheusRule.runbookBaseUrl="+base)
		}
		pr := find(t, parseDocs(t, renderChart(t, renderArgs{sets: sets}).Text), "PrometheusRule", "ai-nexus-ai-jobs")
		want := file["groups"]
		if base != "" {
			b, _ := yaml3.Marshal(want)
			swapped := strings.ReplaceAll(string(b), "https://github.com/nexus-ai/nexus-ai-jobs/blob/main/docs/runbook.md", base)
			yaml3.Unmarshal([]byte(swapped), &want)
		}
		if !reflect.DeepEqual(get(pr, "spec", "groups"), want) {
			t.Errorf("PrometheusRule groups differ from files/alerts.rules.yaml (runbook base %q)", base)
		}
		if base != "" && !strings.Contains(renderedSecretText(pr), base+"#nexusoperatordown") {
			t.Errorf("runbook base URL not applied")
		}
	}
}

func TestNotesExplainHowToReachTheAPI(t *testing.T) {
	notes := renderChart(t, renderArgs{}).Notes
	for _, want := range []string{"get secret ai-nexus-ai-jobs-initial-api-key", "port-forward svc/ai-nexus-ai-jobs-gateway",
		"helm test ai -n nexus", "catalog: pricing_recalculate, competitor_scan, listing_optimize"} {
		if !strings.Contains(notes, want) {
			t.Errorf("NOTES.txt lacks %q:\n%s", want, notes)
		}
	}
}

// crdSchema loads a CRD's openAPIV3Schema as a JSON schema.
func crdSchema(t *testing.T, file string) *gojsonschema.Schema {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(chartDir(t), "files", "crds", file))
	if err != nil {
		t.Fatal(err)
	}
	crd, err := parseYAMLMap(raw)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gojsonschema.NewSchema(gojsonschema.NewGoLoader(get(crd, "spec", "versions", 0, "schema", "openAPIV3Schema")))
	if err != nil {
		t.Fatalf("%s schema: %v", file, err)
	}
	return s
}

func validateAgainst(t *testing.T, s *gojsonschema.Schema, o obj) {
	t.Helper()
	doc, _ := jsonShape(map[string]interface{}(o))
	res, err := s.Validate(gojsonschema.NewGoLoader(doc))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range res.Errors() {
		t.Errorf("%s %s does not match its CRD: %s", o.kind(), o.name(), e)
	}
}

func toStrings(v []interface{}) []string {
	out := make([]string, len(v))
	for i, x := range v {
		out[i] = x.(string)
	}
	return out
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }
