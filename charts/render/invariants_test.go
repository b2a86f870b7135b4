package main

// Properties every rendering of the chart must have, checked for several value sets.

import (
	"fmt"
	"os"
	"testing"
)

// valueSets are the configurations every invariant is checked against.
var valueSets = map[string]string{
	"defaults": "",
	// Every optional feature on: the chart-testing values file, which the schema check renders too.
	"everything-on": mustRead("../nexus-ai-jobs/ci/all-features-values.yaml"),
	"minimal": `
operator:
  replicas: 1
  pdb: {enabled: false}
gateway:
  replicas: 1
  pdb: {enabled: false}
workers:
  pdb: {enabled: false}
  pools:
    - {name: one, jobTypes: [competitor_scan], minReplicas: 0, maxReplicas: 1}
networkPolicy: {enabled: false}
crds: {install: false}
rbac: {aggregateToBuiltinRoles: false}
apiKey: {create: false}
tests: {enabled: false}
`,
}

func mustRead(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestInvariantsHoldForEveryValueSet(t *testing.T) {
	for name, values := range valueSets {
		t.Run(name, func(t *testing.T) {
			var files []string
			if values != "" {
				files = []string{writeValues(t, values)}
			}
			out := renderChart(t, renderArgs{files: files})
			objs := parseDocs(t, out.Text)
			if len(objs) < 10 {
				t.Fatalf("only %d objects rendered", len(objs))
			}
			checkLabelsAndNamespace(t, objs, "nexus")
			checkSelectors(t, objs)
			checkPods(t, objs)
			checkNoClusterWidePermissions(t, objs)
		})
	}
}

func checkLabelsAndNamespace(t *testing.T, objs []obj, ns string) {
	t.Helper()
	for _, o := range objs {
		id := fmt.Sprintf("%s/%s", o.kind(), o.name())
		clusterScoped := o.kind() == "CustomResourceDefinition" || o.kind() == "ClusterRole"
		if got := str(o, "metadata", "namespace"); !clusterScoped && got != ns || clusterScoped && got != "" {
			t.Errorf("%s: namespace %q, want %q", id, got, ns)
		}
		labels := mapOf(o, "metadata", "labels")
		for _, k := range []string{"app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/version",
			"app.kubernetes.io/managed-by", "app.kubernetes.io/part-of", "app.kubernetes.io/component", "helm.sh/chart"} {
			if s, _ := labels[k].(string); s == "" {
				t.Errorf("%s: label %s missing", id, k)
			}
		}
		if labels["app.kubernetes.io/instance"] != "ai" || labels["app.kubernetes.io/managed-by"] != "Helm" {
			t.Errorf("%s: instance/managed-by labels wrong: %v", id, labels)
		}
	}
}

// podLabelSets returns the pod template labels of every workload, keyed by "Kind/name".
func podLabelSets(objs []obj) map[string]map[string]interface{} {
	out := map[string]map[string]interface{}{}
	for _, o := range objs {
		switch o.kind() {
		case "Deployment":
			out["Deployment/"+o.name()] = mapOf(o, "spec", "template", "metadata", "labels")
		case "Pod":
			out["Pod/"+o.name()] = mapOf(o, "metadata", "labels")
		}
	}
	return out
}

func matching(selector map[string]interface{}, pods map[string]map[string]interface{}) []string {
	var out []string
	for id, labels := range pods {
		if subset(selector, labels) {
			out = append(out, id)
		}
	}
	return out
}

func checkSelectors(t *testing.T, objs []obj) {
	t.Helper()
	pods := podLabelSets(objs)
	deployments := map[string]map[string]interface{}{}
	for id, l := range pods {
		if id[:4] != "Pod/" {
			deployments[id] = l
		}
	}
	for _, o := range byKind(objs, "Deployment") {
		sel := mapOf(o, "spec", "selector", "matchLabels")
		if !subset(sel, mapOf(o, "spec", "template", "metadata", "labels")) {
			t.Errorf("Deployment %s: selector %v does not select its own pods", o.name(), sel)
		}
		if m := matching(sel, deployments); len(m) != 1 {
			t.Errorf("Deployment %s: selector overlaps other Deployments: %v", o.name(), m)
		}
		if _, ok := sel["app.kubernetes.io/version"]; ok {
			t.Errorf("Deployment %s: selector contains the version, which would make upgrades fail", o.name())
		}
	}
	for _, o := range byKind(objs, "Service") {
		if m := matching(mapOf(o, "spec", "selector"), deployments); len(m) != 1 {
			t.Errorf("Service %s selects %v, want exactly one Deployment", o.name(), m)
		}
		for _, p := range list(o, "spec", "ports") {
			if str(p, "targetPort") != "http" {
				t.Errorf("Service %s: targetPort %v, want the named port http", o.name(), get(p, "targetPort"))
			}
		}
	}
	for _, o := range byKind(objs, "PodDisruptionBudget") {
		if m := matching(mapOf(o, "spec", "selector", "matchLabels"), deployments); len(m) != 1 {
			t.Errorf("PodDisruptionBudget %s selects %v, want exactly one Deployment", o.name(), m)
		}
	}
	for _, o := range byKind(objs, "NetworkPolicy") {
		if m := matching(mapOf(o, "spec", "podSelector", "matchLabels"), deployments); len(m) == 0 {
			t.Errorf("NetworkPolicy %s selects no pods", o.name())
		}
	}
}

func checkPods(t *testing.T, objs []obj) {
	t.Helper()
	sas := map[string]obj{}
	for _, o := range byKind(objs, "ServiceAccount") {
		sas[o.name()] = o
	}
	for _, o := range append(byKind(objs, "Deployment"), byKind(objs, "Pod")...) {
		id := o.kind() + "/" + o.name()
		spec := podSpec(o)
		if get(spec, "securityContext", "runAsNonRoot") != true {
			t.Errorf("%s: pod securityContext.runAsNonRoot is not true", id)
		}
		if uid, _ := get(spec, "securityContext", "runAsUser").(int); uid <= 0 {
			t.Errorf("%s: runAsUser %v, want a non-root uid", id, get(spec, "securityContext", "runAsUser"))
		}
		if str(spec, "securityContext", "seccompProfile", "type") != "RuntimeDefault" {
			t.Errorf("%s: seccompProfile is not RuntimeDefault", id)
		}
		if sa := str(spec, "serviceAccountName"); sa == "" {
			t.Errorf("%s: no serviceAccountName", id)
		} else if _, ok := sas[sa]; !ok {
			t.Errorf("%s: ServiceAccount %q is not rendered", id, sa)
		}
		isHook := str(o, "metadata", "annotations", "helm.sh/hook") != ""
		for _, c := range list(spec, "containers") {
			cid := id + " container " + str(c, "name")
			sc := mapOf(c, "securityContext")
			if sc["readOnlyRootFilesystem"] != true || sc["allowPrivilegeEscalation"] != false || sc["runAsNonRoot"] != true {
				t.Errorf("%s: securityContext not restricted: %v", cid, sc)
			}
			if drop := list(sc, "capabilities", "drop"); len(drop) != 1 || drop[0] != "ALL" {
				t.Errorf("%s: capabilities.drop = %v, want [ALL]", cid, drop)
			}
			for _, k := range []string{"requests", "limits"} {
				r := mapOf(c, "resources", k)
				if r["cpu"] == nil || r["memory"] == nil {
					t.Errorf("%s: resources.%s needs cpu and memory, got %v", cid, k, r)
				}
			}
			if !isHook {
				for _, probe := range []string{"livenessProbe", "readinessProbe", "startupProbe"} {
					if str(c, probe, "httpGet", "path") == "" {
						t.Errorf("%s: no %s", cid, probe)
					}
				}
			}
		}
	}
}

// The components run on namespaced Roles only. The one kind of ClusterRole allowed is one aggregated into the
// built-in user roles, which grants nobody anything until a namespace binds view/edit/admin; none is bound here.
func checkNoClusterWidePermissions(t *testing.T, objs []obj) {
	t.Helper()
	if got := byKind(objs, "ClusterRoleBinding"); len(got) > 0 {
		t.Errorf("%d ClusterRoleBinding objects rendered; the chart's components need namespace permissions only", len(got))
	}
	for _, o := range byKind(objs, "ClusterRole") {
		aggregated := false
		for _, k := range []string{"view", "edit", "admin"} {
			if str(o, "metadata", "labels", "rbac.authorization.k8s.io/aggregate-to-"+k) == "true" {
				aggregated = true
			}
		}
		if !aggregated {
			t.Errorf("ClusterRole %s is not aggregated into a built-in role", o.name())
		}
		for _, r := range list(o, "rules") {
			if g := list(r, "apiGroups"); len(g) != 1 || g[0] != "nexus.ai" {
				t.Errorf("ClusterRole %s grants outside nexus.ai: %v", o.name(), r)
			}
		}
	}
	for _, o := range append(byKind(objs, "Role"), byKind(objs, "ClusterRole")...) {
		for _, r := range list(o, "rules") {
			for _, field := range []string{"apiGroups", "resources", "verbs"} {
				for _, v := range list(r, field) {
					if v == "*" {
						t.Errorf("%s %s: wildcard in %s", o.kind(), o.name(), field)
					}
				}
			}
		}
	}
}
