package main

// Tests of the alert rules and the dashboard: promtool, metric names against docs/metrics.md and against the
// live services, runbook sections, a fires/stays-quiet unit test for every alert.

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

func TestMetricNamesAreExtractedFromPromQL(t *testing.T) {
	cases := map[string][]string{
		`sum by (namespace, type) (nexus_aijobs{phase=~"queued|running"}) > 500`:                {"nexus_aijobs"},
		`a unless on (namespace, type) sum by (type) (increase(b_total[30m])) > 0`:              {"a", "b_total"},
		`histogram_quantile(0.95, sum by (le) (rate(x_bucket{ns="$namespace", q="a{b}"}[5m])))`: {"x_bucket"},
		`(sum(up{job="j"}) or vector(0)) < 1 and absent(y offset 5m)`:                           {"up", "y"},
		`max without (instance) (m1) / ignoring(pod) group_left(team) m2 * 1e3 + .5`:            {"m1", "m2"},
		`count_values("value", build_info) # comment with metric_like_words`:                    {"build_info"},
	}
	for expr, want := range cases {
		if got := MetricNames(expr); !reflect.DeepEqual(got, want) {
			t.Errorf("MetricNames(%q) = %v, want %v", expr, got, want)
		}
	}
}

type alertRule struct {
	Alert       string
	Expr        string
	Labels      map[string]string
	Annotations map[string]string
}

func loadAlertRules(t *testing.T) []alertRule {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(chartDir(t), "files", "alerts.rules.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := parseYAMLMap(raw)
	if err != nil {
		t.Fatal(err)
	}
	var out []alertRule
	for _, g := range list(m, "groups") {
		for _, r := range list(g, "rules") {
			b, _ := json.Marshal(r)
			var ar alertRule
			json.Unmarshal(b, &ar)
			out = append(out, ar)
		}
	}
	if len(out) == 0 {
		t.Fatal("no rules in files/alerts.rules.yaml")
	}
	return out
}

// documentedMetrics reads the metric table of docs/metrics.md: name → type.
func documentedMetrics(t *testing.T) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "docs", "metrics.md"))
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("^\\| `([a-zA-Z_:][a-zA-Z0-9_:]*)` \\| (\\w+) \\|")
	out := map[string]string{}
	for _, line := range strings.Split(string(raw), "\n") {
		if m := row.FindStringSubmatch(line); m != nil {
			out[m[1]] = m[2]
		}
	}
	if len(out) < 15 {
		t.Fatalf("docs/metrics.md lists only %d metrics", len(out))
	}
	return out
}

// usedMetrics returns every metric family the alert rules and the dashboard read, with where each is used.
func usedMetrics(t *testing.T, families map[string]bool) map[string][]string {
	t.Helper()
	used := map[string][]string{}
	for _, r := range loadAlertRules(t) {
		for _, n := range MetricNames(r.Expr) {
			used[BaseMetric(n, families)] = append(used[BaseMetric(n, families)], "alert "+r.Alert)
		}
	}
	raw, err := os.ReadFile(filepath.Join(chartDir(t), "files", "dashboards", "nexus-ai-jobs.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("dashboard JSON: %v", err)
	}
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			for _, n := range MetricNames(tg.Expr) {
				used[BaseMetric(n, families)] = append(used[BaseMetric(n, families)], "panel "+p.Title)
			}
		}
	}
	return used
}

func TestAlertsAndDashboardUseOnlyDocumentedMetrics(t *testing.T) {
	doc := documentedMetrics(t)
	families := map[string]bool{}
	for n := range doc {
		families[n] = true
	}
	used := usedMetrics(t, families)
	for n, where := range used {
		if _, ok := doc[n]; !ok {
			t.Errorf("metric %s (used by %v) is not in docs/metrics.md", n, where)
		}
	}
	// Every operator and gateway metric the issue names is in the documented list.
	for _, n := range []string{"nexus_aijobs", "nexus_aijob_oldest_queued_seconds", "nexus_aijob_queue_wait_seconds",
		"nexus_aijob_run_duration_seconds", "nexus_aijob_finished_total", "nexus_aijob_failures_total",
		"nexus_aijob_retries_total", "nexus_workerpool_status_desired_replicas", "nexus_workerpool_spec_max_replicas", "nexus_workerpool_capacity",
		"nexus_operator_reconcile_total", "nexus_operator_is_leader", "nexus_operator_watch_restarts_total",
		"http_requests_received_total", "http_request_duration_seconds", "nexus_gateway_jobs_dispatched_total",
		"nexus_gateway_requests_rejected_total"} {
		if _, ok := doc[n]; !ok {
			t.Errorf("%s is missing from docs/metrics.md", n)
		}
	}
	if len(used) < 15 {
		t.Errorf("alerts and dashboard read only %d metrics: %v", len(used), used)
	}
}

func TestEveryAlertHasSeverityTextRunbookAndUnitTests(t *testing.T) {
	runbook, err := os.ReadFile(filepath.Join(repoRoot(t), "docs", "runbook.md"))
	if err != nil {
		t.Fatal(err)
	}
	var tests strings.Builder
	testFiles, _ := filepath.Glob(filepath.Join(repoRoot(t), "tests", "alerts", "*.test.yaml"))
	for _, f := range testFiles {
		b, _ := os.ReadFile(f)
		tests.Write(b)
	}
	required := []string{"NexusAiJobsQueueBacklog", "NexusAiJobsOldestQueuedTooOld", "NexusAiJobsHighFailureRate",
		"NexusAiJobsWorkerTimeouts", "NexusAiJobsStuckRunning", "NexusOperatorNoLeader", "NexusOperatorDown",
		"NexusWorkerPoolAtMaxReplicas", "NexusGatewayHighErrorRate", "NexusGatewayQueueFullRejections"}
	seen := map[string]bool{}
	for _, r := range loadAlertRules(t) {
		seen[r.Alert] = true
		if s := r.Labels["severity"]; s != "warning" && s != "critical" {
			t.Errorf("%s: severity %q", r.Alert, s)
		}
		for _, k := range []string{"summary", "description", "runbook_url"} {
			if strings.TrimSpace(r.Annotations[k]) == "" {
				t.Errorf("%s: no %s", r.Alert, k)
			}
		}
		anchor := strings.ToLower(r.Alert)
		if !strings.HasSuffix(r.Annotations["runbook_url"], "/docs/runbook.md#"+anchor) {
			t.Errorf("%s: runbook_url %q does not point at its runbook section", r.Alert, r.Annotations["runbook_url"])
		}
		if !strings.Contains(string(runbook), "\n## "+r.Alert+"\n") {
			t.Errorf("%s: docs/runbook.md has no section \"## %s\"", r.Alert, r.Alert)
		}
		// A unit test where it fires (a non-empty exp_alerts) and one where it stays quiet.
		fires := regexp.MustCompile(`alertname: ` + r.Alert + `\n\s+exp_alerts:\n\s+- exp_labels:`)
		quiet := regexp.MustCompile(`alertname: ` + r.Alert + `\n\s+exp_alerts: \[\]`)
		if !fires.MatchString(tests.String()) || !quiet.MatchString(tests.String()) {
			t.Errorf("%s: tests/alerts needs a case where it fires and one where it stays quiet", r.Alert)
		}
	}
	for _, a := range required {
		if !seen[a] {
			t.Errorf("required alert %s is missing", a)
		}
	}
}

func TestPromtoolChecksAndUnitTestsPass(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatal("promtool not found: install the Debian package prometheus (scripts/install-deps.sh does)")
	}
	root := repoRoot(t)
	out, err := exec.Command(promtool, "check", "rules", filepath.Join(chartDir(t), "files", "alerts.rules.yaml")).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
	files, _ := filepath.Glob(filepath.Join(root, "tests", "alerts", "*.test.yaml"))
	if len(files) == 0 {
		t.Fatal("no promtool tests in tests/alerts")
	}
	out, err = exec.Command(promtool, append([]string{"test", "rules"}, files...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool test rules: %v\n%s", err, out)
	}
	if n := strings.Count(string(out), "SUCCESS"); n != len(files) {
		t.Fatalf("promtool reported %d successes for %d files:\n%s", n, len(files), out)
	}
}

// TestAlertMetricsAreExposedByTheRunningServices scrapes the real services' /metrics and fails when an alert
// or a dashboard panel reads a metric none of them exposes. Set NEXUS_METRICS_URLS to a comma-separated list
// of /metrics URLs (operator, gateway, workers) of a running stack that has handled some jobs.
func TestAlertMetricsAreExposedByTheRunningServices(t *testing.T) {
	urls := strings.TrimSpace(os.Getenv("NEXUS_METRICS_URLS"))
	if urls == "" {
		t.Skip("NEXUS_METRICS_URLS is not set: no running operator/gateway/workers to scrape")
	}
	exposed := map[string]bool{"up": true} // written by Prometheus itself, per target
	client := &http.Client{Timeout: 10 * time.Second}
	for _, u := range strings.Split(urls, ",") {
		// service=url pairs (the service names matter to TestDocumentedMetricsAreWhatTheServicesExpose only)
		if _, url, ok := strings.Cut(u, "="); ok {
			u = url
		}
		resp, err := client.Get(strings.TrimSpace(u))
		if err != nil {
			t.Fatalf("scrape %s: %v", u, err)
		}
		names, err := exposedMetricNames(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("scrape %s: HTTP %d, %v", u, resp.StatusCode, err)
		}
		for n := range names {
			exposed[n] = true
		}
	}
	families := map[string]bool{}
	for n := range exposed {
		families[n] = true
	}
	var missing []string
	for n, where := range usedMetrics(t, families) {
		if !exposed[n] {
			missing = append(missing, n+" (used by "+strings.Join(where, ", ")+")")
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("metrics no scraped service exposes:\n  %s", strings.Join(missing, "\n  "))
	}
}

// exposedMetricNames reads the Prometheus text format: family names from # TYPE lines, series names from samples.
func exposedMetricNames(r io.Reader) (map[string]bool, error) {
	families, samples, err := readExposition(r)
	names := map[string]bool{}
	for n := range families {
		names[n] = true
	}
	for _, s := range samples {
		names[s[0]] = true
	}
	return names, err
}

func TestExposedMetricNamesReadsTheTextFormat(t *testing.T) {
	text := `# HELP nexus_aijob_run_duration_seconds Run time.
# TYPE nexus_aijob_run_duration_seconds histogram
nexus_aijob_run_duration_seconds_bucket{type="a",le="1"} 0
# TYPE nexus_operator_is_leader gauge
nexus_operator_is_leader 1
plain_metric 3
`
	got, err := exposedMetricNames(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"nexus_aijob_run_duration_seconds", "nexus_aijob_run_duration_seconds_bucket", "nexus_operator_is_leader", "plain_metric"} {
		if !got[n] {
			t.Errorf("%s not found in %v", n, got)
		}
	}
	if BaseMetric("nexus_aijob_run_duration_seconds_bucket", got) != "nexus_aijob_run_duration_seconds_bucket" {
		t.Errorf("a series name that is itself exposed maps to itself")
	}
}
