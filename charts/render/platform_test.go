package main

// The conventions platform teams expect of a chart: user roles aggregated into view/edit/admin, gateway
// autoscaling and topology spread, egress rules, ServiceMonitor options.

import (
	"reflect"
	"sort"
	"strings"
	"testing"
)

func everythingOn(t *testing.T) []obj {
	t.Helper()
	return parseDocs(t, renderChart(t, renderArgs{files: []string{writeValues(t, valueSets["everything-on"])}}).Text)
}

func TestUserRolesAggregateIntoTheBuiltinRoles(t *testing.T) {
	objs := defaults(t)
	view := find(t, objs, "ClusterRole", "nexus-ai-nexus-ai-jobs-view")
	edit := find(t, objs, "ClusterRole", "nexus-ai-nexus-ai-jobs-edit")
	labels := func(o obj) []string {
		var out []string
		for k, v := range mapOf(o, "metadata", "labels") {
			if strings.HasPrefix(k, "rbac.authorization.k8s.io/") && v == "true" {
				out = append(out, strings.TrimPrefix(k, "rbac.authorization.k8s.io/"))
			}
		}
		sort.Strings(out)
		return out
	}
	if got := labels(view); !reflect.DeepEqual(got, []string{"aggregate-to-view"}) {
		t.Errorf("view role aggregates to %v", got)
	}
	if got := labels(edit); !reflect.DeepEqual(got, []string{"aggregate-to-admin", "aggregate-to-edit"}) {
		t.Errorf("edit role aggregates to %v", got)
	}
	rule := func(o obj) (string, string) {
		r := list(o, "rules")
		if len(r) != 1 {
			t.Fatalf("%s: %d rules", o.name(), len(r))
		}
		var res, verbs []string
		for _, v := range list(r[0], "resources") {
			res = append(res, v.(string))
		}
		for _, v := range list(r[0], "verbs") {
			verbs = append(verbs, v.(string))
		}
		return strings.Join(res, ","), strings.Join(verbs, ",")
	}
	// edit aggregates into edit and admin, which also hold view: together users read everything and change jobs
	// and batches; WorkerPools (capacity) and TenantQuotas (shares and limits) stay with whoever administers the cluster.
	if res, verbs := rule(view); res != "aijobs,aijobbatches,workerpools,tenantquotas" || verbs != "get,list,watch" {
		t.Errorf("view role: %s: %s", res, verbs)
	}
	if res, verbs := rule(edit); res != "aijobs,aijobbatches" || verbs != "create,update,patch,delete,deletecollection" {
		t.Errorf("edit role: %s: %s", res, verbs)
	}
	off := parseDocs(t, renderChart(t, renderArgs{sets: []string{"rbac.aggregateToBuiltinRoles=false"}}).Text)
	if n := len(byKind(off, "ClusterRole")); n != 0 {
		t.Errorf("rbac.aggregateToBuiltinRoles=false still renders %d ClusterRoles", n)
	}
}

func TestGatewayAutoscalesAndSpreadsWhenAsked(t *testing.T) {
	def := find(t, defaults(t), "Deployment", "ai-nexus-ai-jobs-gateway")
	if get(def, "spec", "replicas") != 2 || get(podSpec(def), "topologySpreadConstraints") != nil {
		t.Errorf("default gateway: replicas %v, spread %v", get(def, "spec", "replicas"), get(podSpec(def), "topologySpreadConstraints"))
	}
	objs := everythingOn(t)
	dep := find(t, objs, "Deployment", "nx-gateway")
	// The HorizontalPodAutoscaler owns the count: a replicas field would reset it on every upgrade.
	if _, ok := mapOf(dep, "spec")["replicas"]; ok {
		t.Errorf("with autoscaling on, the Deployment still sets replicas")
	}
	hpa := find(t, objs, "HorizontalPodAutoscaler", "nx-gateway")
	if str(hpa, "spec", "scaleTargetRef", "name") != "nx-gateway" || str(hpa, "spec", "scaleTargetRef", "kind") != "Deployment" ||
		get(hpa, "spec", "minReplicas") != 2 || get(hpa, "spec", "maxReplicas") != 8 {
		t.Errorf("HPA spec %v", hpa["spec"])
	}
	targets := map[string]interface{}{}
	for _, m := range list(hpa, "spec", "metrics") {
		targets[str(m, "resource", "name")] = get(m, "resource", "target", "averageUtilization")
	}
	if !reflect.DeepEqual(targets, map[string]interface{}{"cpu": 70, "memory": 80}) {
		t.Errorf("HPA targets %v", targets)
	}
	if get(hpa, "spec", "behavior", "scaleDown", "stabilizationWindowSeconds") != 300 {
		t.Errorf("HPA behavior not passed through: %v", get(hpa, "spec", "behavior"))
	}
	// Each spread constraint without a selector counts the gateway's own pods.
	tsc := list(podSpec(dep), "topologySpreadConstraints")
	if len(tsc) != 2 || str(tsc[0], "topologyKey") != "topology.kubernetes.io/zone" || str(tsc[1], "whenUnsatisfiable") != "DoNotSchedule" {
		t.Fatalf("topologySpreadConstraints %v", tsc)
	}
	for _, c := range tsc {
		if !subset(mapOf(c, "labelSelector", "matchLabels"), mapOf(dep, "spec", "template", "metadata", "labels")) ||
			!reflect.DeepEqual(mapOf(c, "labelSelector", "matchLabels"), mapOf(dep, "spec", "selector", "matchLabels")) {
			t.Errorf("spread constraint selects %v, not the gateway's pods", get(c, "labelSelector"))
		}
	}
	// A selector given in values is kept as it is.
	own := parseDocs(t, renderChart(t, renderArgs{files: []string{writeValues(t, `gateway:
  topologySpreadConstraints: [{maxSkew: 2, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway, labelSelector: {matchLabels: {tier: api}}}]
`)}}).Text)
	c := list(podSpec(find(t, own, "Deployment", "ai-nexus-ai-jobs-gateway")), "topologySpreadConstraints")
	if len(c) != 1 || !reflect.DeepEqual(mapOf(c[0], "labelSelector", "matchLabels"), map[string]interface{}{"tier": "api"}) || get(c[0], "maxSkew") != 2 {
		t.Errorf("own labelSelector replaced: %v", c)
	}

	for values, want := range map[string]string{
		"gateway: {autoscaling: {enabled: true, minReplicas: 5, maxReplicas: 3}}":                               "minReplicas (5) is greater than maxReplicas (3)",
		"gateway: {autoscaling: {enabled: true, targetCPUUtilizationPercentage: null}}":                         "set targetCPUUtilizationPercentage or targetMemoryUtilizationPercentage",
		"gateway: {topologySpreadConstraints: [{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: Sometimes}]}": "gateway.topologySpreadConstraints.0.whenUnsatisfiable",
	} {
		if err := renderErr(t, renderArgs{files: []string{writeValues(t, values)}}); !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %q does not say %q", values, err, want)
		}
	}
}

// egressRules returns a NetworkPolicy's egress rules as "port/proto,...->peer,..." strings.
func egressRules(np obj) []string {
	var out []string
	for _, r := range list(np, "spec", "egress") {
		var ports, peers []string
		for _, p := range list(r, "ports") {
			ports = append(ports, itoa(get(p, "port").(int))+"/"+str(p, "protocol"))
		}
		for _, p := range list(r, "to") {
			switch {
			case str(p, "ipBlock", "cidr") != "":
				peers = append(peers, str(p, "ipBlock", "cidr"))
			case mapOf(p, "podSelector") != nil && mapOf(p, "namespaceSelector") != nil:
				peers = append(peers, "ns+pods")
			case mapOf(p, "podSelector") != nil:
				peers = append(peers, "pods:"+str(p, "podSelector", "matchLabels", "app.kubernetes.io/component"))
			default:
				peers = append(peers, "other")
			}
		}
		if len(peers) == 0 {
			peers = []string{"any"}
		}
		out = append(out, strings.Join(ports, ",")+"->"+strings.Join(peers, ","))
	}
	return out
}

func hasEgressType(np obj) bool {
	for _, p := range list(np, "spec", "policyTypes") {
		if p == "Egress" {
			return true
		}
	}
	return false
}

func TestNetworkPoliciesRestrictEgress(t *testing.T) {
	objs := defaults(t)
	dns := "53/UDP,53/TCP->any"
	api := "443/TCP,6443/TCP->any"
	op := find(t, objs, "NetworkPolicy", "ai-nexus-ai-jobs-operator")
	// The database is required: without database.networkPolicy peers its port may go anywhere.
	db := "5432/TCP->any"
	if got, want := egressRules(op), []string{dns, api, "8080/TCP->pods:worker", db}; !hasEgressType(op) || !reflect.DeepEqual(got, want) {
		t.Errorf("operator egress %v, want %v", got, want)
	}
	// The operator's worker rule selects exactly the worker pods.
	workers := mapOf(op, "spec", "egress", 2, "to", 0, "podSelector", "matchLabels")
	if m := matching(workers, podLabelSets(objs)); len(m) != 3 {
		t.Errorf("operator may reach %v, want the 3 worker pools", m)
	}
	gw := find(t, objs, "NetworkPolicy", "ai-nexus-ai-jobs-gateway")
	if got, want := egressRules(gw), []string{dns, api, db}; !hasEgressType(gw) || !reflect.DeepEqual(got, want) {
		t.Errorf("gateway egress %v, want %v", got, want)
	}
	// Workers call model and data providers: their egress is open until rules are given.
	if wk := find(t, objs, "NetworkPolicy", "ai-nexus-ai-jobs-worker"); hasEgressType(wk) {
		t.Errorf("worker egress restricted by default: %v", egressRules(wk))
	}

	on := everythingOn(t)
	ownDNS := "53/UDP,53/TCP->ns+pods"
	dbRule := "5432/TCP->10.20.0.0/24,ns+pods"
	if got, want := egressRules(find(t, on, "NetworkPolicy", "nx-operator")),
		[]string{ownDNS, "6443/TCP->172.18.0.2/32", "8080/TCP->pods:worker", dbRule, "8080/TCP->10.30.0.0/16"}; !reflect.DeepEqual(got, want) {
		t.Errorf("operator egress with every option %v, want %v", got, want)
	}
	if got, want := egressRules(find(t, on, "NetworkPolicy", "nx-gateway")),
		[]string{ownDNS, "6443/TCP->172.18.0.2/32", dbRule, "443/TCP->10.40.0.0/16"}; !reflect.DeepEqual(got, want) {
		t.Errorf("gateway egress with every option %v, want %v", got, want)
	}
	wk := find(t, on, "NetworkPolicy", "nx-worker")
	if got, want := egressRules(wk), []string{ownDNS, "443/TCP->0.0.0.0/0"}; !hasEgressType(wk) || !reflect.DeepEqual(got, want) {
		t.Errorf("worker egress with rules %v, want %v", got, want)
	}
	// With gatewayFrom narrowing the gateway, the `helm test` pod may still dispatch through it.
	from := list(find(t, on, "NetworkPolicy", "nx-gateway"), "spec", "ingress", 0, "from")
	if m := matching(mapOf(from[len(from)-1], "podSelector", "matchLabels"), podLabelSets(on)); len(m) != 1 || m[0] != "Pod/nx-test-dispatch" {
		t.Errorf("gateway ingress admits %v, want the helm test pod", m)
	}

	off := parseDocs(t, renderChart(t, renderArgs{sets: []string{"networkPolicy.egress.enabled=false"}}).Text)
	for _, np := range byKind(off, "NetworkPolicy") {
		if hasEgressType(np) || get(np, "spec", "egress") != nil {
			t.Errorf("networkPolicy.egress.enabled=false: %s still restricts egress", np.name())
		}
	}
	err := renderErr(t, renderArgs{files: []string{writeValues(t, "database: {networkPolicy: {cidrs: [10.0.0.1]}}")}})
	if !strings.Contains(err.Error(), "database.networkPolicy.cidrs.0") {
		t.Errorf("a CIDR without a prefix length: %v", err)
	}
}

func TestServiceMonitorOptions(t *testing.T) {
	def := find(t, parseDocs(t, renderChart(t, renderArgs{sets: []string{"metrics.serviceMonitor.enabled=true"}}).Text), "ServiceMonitor", "ai-nexus-ai-jobs-gateway")
	ep := mapOf(def, "spec", "endpoints", 0)
	for _, k := range []string{"relabelings", "metricRelabelings", "honorLabels"} {
		if _, ok := ep[k]; ok {
			t.Errorf("default ServiceMonitor endpoint sets %s", k)
		}
	}
	for _, sm := range byKind(everythingOn(t), "ServiceMonitor") {
		ep := mapOf(sm, "spec", "endpoints", 0)
		if str(ep, "relabelings", 0, "targetLabel") != "node" || str(ep, "metricRelabelings", 0, "action") != "drop" || ep["honorLabels"] != true {
			t.Errorf("ServiceMonitor %s endpoint %v", sm.name(), ep)
		}
		if str(sm, "spec", "targetLabels", 0) != "app.kubernetes.io/instance" || str(sm, "spec", "podTargetLabels", 0) != "nexus.ai/pool" {
			t.Errorf("ServiceMonitor %s target labels %v / %v", sm.name(), get(sm, "spec", "targetLabels"), get(sm, "spec", "podTargetLabels"))
		}
		if str(sm, "metadata", "labels", "release") != "prometheus" || str(sm, "metadata", "annotations", "example.com/owner") != "ml-platform" {
			t.Errorf("ServiceMonitor %s metadata %v", sm.name(), sm["metadata"])
		}
		// The alert rules select on the job label: a relabeling must not be able to sneak the jobLabel away.
		if str(sm, "spec", "jobLabel") != "nexus.ai/metrics-job" {
			t.Errorf("ServiceMonitor %s jobLabel %q", sm.name(), str(sm, "spec", "jobLabel"))
		}
	}
	err := renderErr(t, renderArgs{files: []string{writeValues(t, "metrics: {serviceMonitor: {relabelings: [{action: replace, target_label: node}]}}")}})
	if !strings.Contains(err.Error(), "metrics.serviceMonitor.relabelings.0") {
		t.Errorf("a Prometheus-style (snake_case) relabeling was accepted: %v", err)
	}
}

func TestGatewayRateLimitsComeFromValues(t *testing.T) {
	env := containerEnv(find(t, defaults(t), "Deployment", "ai-nexus-ai-jobs-gateway"))
	if env["NEXUS_GATEWAY_RATE_LIMIT_PER_SECOND"] != "100" || env["NEXUS_GATEWAY_RATE_LIMIT_BURST"] != "200" {
		t.Errorf("default rate limit env: %q / %q", env["NEXUS_GATEWAY_RATE_LIMIT_PER_SECOND"], env["NEXUS_GATEWAY_RATE_LIMIT_BURST"])
	}
	objs := parseDocs(t, renderChart(t, renderArgs{sets: []string{"gateway.rateLimit.perSecond=40", "gateway.rateLimit.burst=60"}}).Text)
	env = containerEnv(find(t, objs, "Deployment", "ai-nexus-ai-jobs-gateway"))
	if env["NEXUS_GATEWAY_RATE_LIMIT_PER_SECOND"] != "40" || env["NEXUS_GATEWAY_RATE_LIMIT_BURST"] != "60" {
		t.Errorf("set rate limit env: %q / %q", env["NEXUS_GATEWAY_RATE_LIMIT_PER_SECOND"], env["NEXUS_GATEWAY_RATE_LIMIT_BURST"])
	}
	if err := renderErr(t, renderArgs{sets: []string{"gateway.rateLimit.perSecond=0"}}); !strings.Contains(err.Error(), "perSecond") {
		t.Errorf("a rate limit of 0 per second: %v", err)
	}
}
