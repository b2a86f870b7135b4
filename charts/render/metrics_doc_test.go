package main

// docs/metrics.md against what the running services expose: names, types and label names, per service.

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// documentedMetric is one row of the table in docs/metrics.md.
type documentedMetric struct {
	Type    string
	Labels  []string // sorted label names; the parenthesised words of the cell are values, not names
	Service string   // operator, gateway, worker or prometheus
}

var (
	metricRow      = regexp.MustCompile("^\\| `([a-zA-Z_:][a-zA-Z0-9_:]*)` \\| (\\w+) \\|([^|]*)\\|([^|]*)\\|")
	parenthesised  = regexp.MustCompile(`\([^)]*\)`)
	backticked     = regexp.MustCompile("`([a-zA-Z_][a-zA-Z0-9_]*)`")
	sampleLabelKey = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="(?:[^"\\]|\\.)*"`)
)

func documentedMetricTable(t *testing.T) map[string]documentedMetric {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "docs", "metrics.md"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]documentedMetric{}
	for _, line := range strings.Split(string(raw), "\n") {
		m := metricRow.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		labels := []string{}
		for _, l := range backticked.FindAllStringSubmatch(parenthesised.ReplaceAllString(m[3], ""), -1) {
			labels = append(labels, l[1])
		}
		sort.Strings(labels)
		service := strings.ToLower(strings.Fields(m[4] + " ?")[0])
		out[m[1]] = documentedMetric{Type: m[2], Labels: labels, Service: service}
	}
	if len(out) < 15 {
		t.Fatalf("docs/metrics.md lists only %d metrics", len(out))
	}
	return out
}

// exposedFamily is what one scrape shows of a metric family: its TYPE and the label-name sets of its samples.
type exposedFamily struct {
	Type      string
	LabelSets map[string]bool // "a,b,c" (sorted, without le and quantile)
}

// readExposition reads the Prometheus text format: each family's TYPE line, and each sample's name and labels.
func readExposition(r io.Reader) (map[string]*exposedFamily, [][2]string, error) {
	families := map[string]*exposedFamily{}
	var samples [][2]string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "# TYPE ") {
			if f := strings.Fields(line); len(f) >= 4 {
				families[f[2]] = &exposedFamily{Type: f[3], LabelSets: map[string]bool{}}
			}
			continue
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		end := strings.IndexAny(line, "{ ")
		if end <= 0 {
			continue
		}
		labels := ""
		if line[end] == '{' {
			labels = line[end+1 : strings.LastIndex(line, "}")]
		}
		samples = append(samples, [2]string{line[:end], labels})
	}
	return families, samples, sc.Err()
}

// scrapeFamilies reads the Prometheus text format into families; samples (x_bucket, x_sum, x_count, x_created)
// are filed under the family their TYPE line names.
func scrapeFamilies(r io.Reader) (map[string]*exposedFamily, error) {
	families, samples, err := readExposition(r)
	for _, s := range samples {
		family := familyOf(s[0], families)
		if family == nil {
			continue
		}
		names := []string{}
		for _, m := range sampleLabelKey.FindAllStringSubmatch(s[1], -1) {
			if m[1] != "le" && m[1] != "quantile" {
				names = append(names, m[1])
			}
		}
		sort.Strings(names)
		family.LabelSets[strings.Join(names, ",")] = true
	}
	return families, err
}

func familyOf(sample string, families map[string]*exposedFamily) *exposedFamily {
	if f, ok := families[sample]; ok {
		return f
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count", "_created", "_total"} {
		if f, ok := families[strings.TrimSuffix(sample, suffix)]; ok && strings.HasSuffix(sample, suffix) {
			return f
		}
	}
	return nil
}

// ownFamily tells the platform's families from the runtime's (dotnet_*, process_*, python_*) and from the
// _created companions Python's client adds to counters and histograms.
func ownFamily(name string, families map[string]*exposedFamily) bool {
	if !strings.HasPrefix(name, "nexus_") && !strings.HasPrefix(name, "http_") {
		return false
	}
	if base := strings.TrimSuffix(name, "_created"); base != name {
		if _, ok := families[base]; ok {
			return false
		}
		if _, ok := families[base+"_total"]; ok {
			return false
		}
	}
	return true
}

// documentedName finds a family's row: Python's client names a counter's family without _total.
func documentedName(name, typ string, doc map[string]documentedMetric) (string, bool) {
	if _, ok := doc[name]; ok {
		return name, true
	}
	if typ == "counter" {
		if _, ok := doc[name+"_total"]; ok {
			return name + "_total", true
		}
	}
	return "", false
}

// servicesToScrape reads NEXUS_METRICS_URLS: service=url pairs (operator, gateway, worker), comma-separated.
func servicesToScrape(t *testing.T) map[string][]string {
	urls := strings.TrimSpace(os.Getenv("NEXUS_METRICS_URLS"))
	if urls == "" {
		t.Skip("NEXUS_METRICS_URLS is not set: no running operator/gateway/workers to scrape")
	}
	out := map[string][]string{}
	for _, item := range strings.Split(urls, ",") {
		service, url, ok := strings.Cut(strings.TrimSpace(item), "=")
		if !ok {
			service, url = "", service
		}
		out[service] = append(out[service], url)
	}
	return out
}

func scrape(t *testing.T, url string) map[string]*exposedFamily {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("scrape %s: %v", url, err)
	}
	defer resp.Body.Close()
	families, err := scrapeFamilies(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("scrape %s: HTTP %d, %v", url, resp.StatusCode, err)
	}
	return families
}

func TestDocumentedMetricsAreWhatTheServicesExpose(t *testing.T) {
	doc := documentedMetricTable(t)
	services := servicesToScrape(t)
	var problems []string
	for _, service := range []string{"operator", "gateway", "worker"} {
		urls := services[service]
		if len(urls) == 0 {
			t.Fatalf("NEXUS_METRICS_URLS names no %s (want service=url pairs for operator, gateway and worker)", service)
		}
		exposed := map[string]*exposedFamily{}
		for _, url := range urls {
			for name, f := range scrape(t, url) {
				if seen, ok := exposed[name]; ok {
					for k := range f.LabelSets {
						seen.LabelSets[k] = true
					}
				} else {
					exposed[name] = f
				}
			}
		}
		// What the service exposes is documented, under it, with its type and its label names.
		found := map[string]bool{}
		for name, f := range exposed {
			if !ownFamily(name, exposed) {
				continue
			}
			row, ok := documentedName(name, f.Type, doc)
			if !ok {
				problems = append(problems, fmt.Sprintf("%s exposes %s (%s), which docs/metrics.md does not list", service, name, f.Type))
				continue
			}
			found[row] = true
			d := doc[row]
			if d.Service != service {
				problems = append(problems, fmt.Sprintf("%s exposes %s, which docs/metrics.md lists under %s", service, row, d.Service))
			}
			if d.Type != f.Type {
				problems = append(problems, fmt.Sprintf("%s: %s is a %s, docs/metrics.md says %s", service, row, f.Type, d.Type))
			}
			want := strings.Join(d.Labels, ",")
			for got := range f.LabelSets {
				if got != want {
					problems = append(problems, fmt.Sprintf("%s: %s has samples labelled {%s}, docs/metrics.md says {%s}", service, row, got, want))
				}
			}
		}
		// What is documented under the service is exposed. A family with labels appears only once it has a
		// sample (the .NET client writes nothing for it before), so its absence is reported, not failed.
		for name, d := range doc {
			if d.Service != service || found[name] {
				continue
			}
			if len(d.Labels) > 0 {
				t.Logf("%s: %s has no sample yet (labelled by %v)", service, name, d.Labels)
				continue
			}
			problems = append(problems, fmt.Sprintf("docs/metrics.md lists %s under %s, which does not expose it", name, service))
		}
	}
	sort.Strings(problems)
	if len(problems) > 0 {
		t.Errorf("docs/metrics.md and the running services disagree:\n  %s", strings.Join(problems, "\n  "))
	}
}

func TestScrapedFamiliesKeepTypesAndLabelNames(t *testing.T) {
	page := `# HELP a_total A.
# TYPE a_total counter
a_total{type="x",code="Y"} 1
# TYPE h histogram
h_bucket{le="0.1"} 1
h_bucket{le="+Inf"} 1
h_sum 0.05
h_count 1
# TYPE nexus_p_jobs counter
nexus_p_jobs_total{type="x"} 2
nexus_p_jobs_created{type="x"} 1.7e9
# TYPE nexus_p_jobs_created gauge
nexus_p_jobs_created{type="x"} 1.7e9
`
	families, err := scrapeFamilies(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	check := func(name, typ string, sets ...string) {
		t.Helper()
		f := families[name]
		if f == nil || f.Type != typ || len(f.LabelSets) != len(sets) {
			t.Fatalf("%s: %+v, want %s with %v", name, f, typ, sets)
		}
		for _, s := range sets {
			if !f.LabelSets[s] {
				t.Errorf("%s: label sets %v lack {%s}", name, f.LabelSets, s)
			}
		}
	}
	check("a_total", "counter", "code,type")
	check("h", "histogram", "")
	check("nexus_p_jobs", "counter", "type")
	if ownFamily("nexus_p_jobs_created", families) || !ownFamily("nexus_p_jobs", families) || ownFamily("dotnet_gc", families) {
		t.Error("ownFamily: _created companions and runtime families are not the platform's")
	}
	doc := map[string]documentedMetric{"nexus_p_jobs_total": {Type: "counter"}}
	if name, ok := documentedName("nexus_p_jobs", "counter", doc); !ok || name != "nexus_p_jobs_total" {
		t.Errorf("documentedName(nexus_p_jobs) = %q, %v", name, ok)
	}
}
