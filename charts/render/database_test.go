package main

// The database connection: the operator and the gateway get NEXUS_DATABASE_URL from a Secret (the user's, or one
// the chart renders from values); the chart refuses to render without a connection, since it ships no database.

import (
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// databaseEnv returns the secretKeyRef (name, key) behind NEXUS_DATABASE_URL of a Deployment's first container.
func databaseEnv(t *testing.T, d obj) (string, string) {
	t.Helper()
	for _, e := range list(podSpec(d), "containers", 0, "env") {
		if str(e, "name") == "NEXUS_DATABASE_URL" {
			if str(e, "value") != "" {
				t.Errorf("%s: NEXUS_DATABASE_URL is a plain value, not from a Secret", d.name())
			}
			return str(e, "valueFrom", "secretKeyRef", "name"), str(e, "valueFrom", "secretKeyRef", "key")
		}
	}
	t.Fatalf("%s has no NEXUS_DATABASE_URL", d.name())
	return "", ""
}

func TestRenderingWithoutADatabaseFailsWithTheReason(t *testing.T) {
	err := renderErr(t, renderArgs{noDatabase: true})
	for _, want := range []string{"need PostgreSQL", "this chart ships none", "database.existingSecret", "database.url", "database.host"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	// Two sources are ambiguous: which one the pods use must not depend on a precedence rule nobody reads.
	err = renderErr(t, renderArgs{sets: []string{"database.existingSecret=pg-app", "database.url=postgresql://a@b/c"}})
	if !strings.Contains(err.Error(), "set exactly one of") || !strings.Contains(err.Error(), "database.existingSecret and database.url") {
		t.Errorf("two connections: %v", err)
	}
	// A URL of another scheme is refused by the schema, before any pod could fail on it.
	err = renderErr(t, renderArgs{sets: []string{"database.url=mysql://a@b/c"}})
	if !strings.Contains(err.Error(), "database.url") {
		t.Errorf("a mysql:// URL: %v", err)
	}
}

func TestExistingSecretIsReferencedAndNothingIsRendered(t *testing.T) {
	objs := parseDocs(t, renderChart(t, renderArgs{sets: []string{"database.existingSecret=pg-app", "database.existingSecretKey=uri"}}).Text)
	for _, d := range []string{"ai-nexus-ai-jobs-operator", "ai-nexus-ai-jobs-gateway"} {
		dep := find(t, objs, "Deployment", d)
		if name, key := databaseEnv(t, dep); name != "pg-app" || key != "uri" {
			t.Errorf("%s reads the database from %s/%s, want pg-app/uri", d, name, key)
		}
		if _, ok := mapOf(dep, "spec", "template", "metadata", "annotations")["checksum/database"]; ok {
			t.Errorf("%s has a checksum of a Secret the chart does not render", d)
		}
	}
	for _, s := range byKind(objs, "Secret") {
		if strings.HasSuffix(s.name(), "-database") {
			t.Errorf("Secret %s rendered although database.existingSecret is set", s.name())
		}
	}
}

func TestUrlIsRenderedIntoTheChartsSecret(t *testing.T) {
	const u = "postgresql://app:pw@pg.internal:6432/jobs?sslmode=verify-full"
	objs := parseDocs(t, renderChart(t, renderArgs{sets: []string{"database.url=" + u}}).Text)
	secret := find(t, objs, "Secret", "ai-nexus-ai-jobs-database")
	if got := secretValue(secret, "url"); got != u {
		t.Errorf("Secret url %q, want %q", got, u)
	}
	var sums []string
	for _, d := range []string{"ai-nexus-ai-jobs-operator", "ai-nexus-ai-jobs-gateway"} {
		dep := find(t, objs, "Deployment", d)
		if name, key := databaseEnv(t, dep); name != "ai-nexus-ai-jobs-database" || key != "url" {
			t.Errorf("%s reads the database from %s/%s", d, name, key)
		}
		sums = append(sums, str(dep, "spec", "template", "metadata", "annotations", "checksum/database"))
	}
	// The policy admits the URL's own port, not the default 5432.
	if got := egressRules(find(t, objs, "NetworkPolicy", "ai-nexus-ai-jobs-gateway")); got[len(got)-1] != "6432/TCP->any" {
		t.Errorf("gateway egress %v, want the database rule on 6432", got)
	}
	// A changed connection rolls the pods (env from a Secret is read once, at start).
	other := parseDocs(t, renderChart(t, renderArgs{sets: []string{"database.url=postgresql://app:pw2@pg.internal:6432/jobs"}}).Text)
	changed := str(find(t, other, "Deployment", "ai-nexus-ai-jobs-operator"), "spec", "template", "metadata", "annotations", "checksum/database")
	if sums[0] == "" || sums[0] != sums[1] || changed == sums[0] {
		t.Errorf("checksum/database %q/%q, after a change %q", sums[0], sums[1], changed)
	}
}

func TestPartsAreBuiltIntoAPercentEncodedUrl(t *testing.T) {
	objs := everythingOn(t)
	got := secretValue(find(t, objs, "Secret", "nx-database"), "url")
	u, err := url.Parse(got)
	if err != nil {
		t.Fatalf("rendered URL %q: %v", got, err)
	}
	pw, _ := u.User.Password()
	if u.Scheme != "postgresql" || u.User.Username() != "nexus_app" || pw != "p@ss w:rd/+%" || u.Host != "postgres-rw.databases.svc:5432" ||
		u.Path != "/nexus" || u.Query().Get("sslmode") != "verify-full" {
		t.Errorf("rendered URL %q parses as user %q password %q host %q path %q query %q", got, u.User.Username(), pw, u.Host, u.Path, u.RawQuery)
	}
	// The platform decodes with Uri.UnescapeDataString, which does not turn "+" into a space: spaces must be %20.
	if strings.Contains(got, "+") {
		t.Errorf("rendered URL %q encodes with +", got)
	}
	// Without a password there is no colon after the user (trust or certificate authentication).
	noPw := parseDocs(t, renderChart(t, renderArgs{sets: []string{"database.host=fd00::5", "database.sslmode=disable"}}).Text)
	if got := secretValue(find(t, noPw, "Secret", "ai-nexus-ai-jobs-database"), "url"); got != "postgresql://nexus@[fd00::5]:5432/nexus?sslmode=disable" {
		t.Errorf("URL without a password %q", got)
	}
	// Both components read the same Secret and key.
	for _, d := range []string{"nx-operator", "nx-gateway"} {
		if name, key := databaseEnv(t, find(t, objs, "Deployment", d)); !reflect.DeepEqual([]string{name, key}, []string{"nx-database", "url"}) {
			t.Errorf("%s reads %s/%s", d, name, key)
		}
	}
}
