package main

// Properties every rendering of the chart must have, checked for several value sets.

import (
	"fmt"
	"testing"
)

// valueSets are the configurations every invariant is checked against.
var valueSets = map[string]string{
	"defaults": "",
	"everything-on": `
fullnameOverride: nx
commonLabels: {team: ml-platform}
imagePullSecrets: [{name: regcred}]
gateway:
  ingress:
    enabled: true
    className: nginx
    tls: [{secretName: api-tls, hosts: [ai-jobs.example.com]}]
networkPolicy:
  metricsFrom:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}
  gatewayFrom:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}
metrics:
  serviceMonitor: {enabled: true, labels: {release: prometheus}}
  prometheusRule: {enabled: true, labels: {release: prometheus}}
  grafanaDashboard: {enabled: true}
workers:
  pools:
    - {name: all, jobTypes: [pricing_recalculate, review_sentiment, return_classify, llm_visibility_score, competitor_scan, listing_optimize], maxReplicas: 10}
`,
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
apiKey: {create: false}
tests: {enabled: false}
`,
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
		if o.kind() == "CustomResourceDefinition" {
			continue
		}
		id := fmt.Sprintf("%s/%s", o.kind(), o.name())
		if got := str(o, "metadata", "namespace"); got != ns {
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

func checkNoClusterWidePermissions(t *testing.T, objs []obj) {
	t.Helper()
	for _, kind := range []string{"ClusterRole", "ClusterRoleBinding"} {
		if got := byKind(objs, kind); len(got) > 0 {
			t.Errorf("%d %s objects rendered; the chart's components need namespace permissions only", len(got), kind)
		}
	}
	for _, o := range byKind(objs, "Role") {
		for _, r := range list(o, "rules") {
			for _, field := range []string{"apiGroups", "resources", "verbs"} {
				for _, v := range list(r, field) {
					if v == "*" {
						t.Errorf("Role %s: wildcard in %s", o.name(), field)
					}
				}
			}
		}
	}
}
