package main

// The `helm test` script (files/tests/dispatch_and_wait.py) run with the real Python interpreter against an
// HTTP server answering with the AI Jobs API's documented shapes.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

type apiDouble struct {
	mu       sync.Mutex
	polls    int
	final    string // status after pollsUntilFinal polls
	until    int
	seenAuth []string
	body     map[string]interface{}
}

func (a *apiDouble) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.seenAuth = append(a.seenAuth, r.Header.Get("Authorization")+"|"+r.Header.Get("X-Tenant-ID"))
	w.Header().Set("Content-Type", "application/json")
	if r.Header.Get("Authorization") != "Bearer nxk_test" {
		w.WriteHeader(401)
		fmt.Fprint(w, `{"error":{"code":"UNAUTHENTICATED","message":"bad key"}}`)
		return
	}
	switch {
	case r.Method == "POST" && r.URL.Path == "/api/ai-jobs":
		json.NewDecoder(r.Body).Decode(&a.body)
		w.WriteHeader(201)
		fmt.Fprint(w, `{"data":{"id":"job_01HXK9MZPQ3B8C7D2E5F6G","type":"competitor_scan","status":"queued","priority":"high"}}`)
	case r.Method == "GET" && r.URL.Path == "/api/ai-jobs/job_01HXK9MZPQ3B8C7D2E5F6G":
		a.polls++
		status := "running"
		if a.polls >= a.until {
			status = a.final
		}
		body := map[string]interface{}{"id": "job_01HXK9MZPQ3B8C7D2E5F6G", "status": status}
		if status == "completed" {
			body["duration_seconds"] = 3
		}
		if status == "failed" {
			body["error"] = map[string]interface{}{"code": "WORKER_TIMEOUT", "message": "too slow", "retry_count": 2}
		}
		json.NewEncoder(w).Encode(map[string]interface{}{"data": body})
	default:
		w.WriteHeader(404)
		fmt.Fprint(w, `{"error":{"code":"NOT_FOUND","message":"no route"}}`)
	}
}

func runHookScript(t *testing.T, api *apiDouble, key string) (string, error) {
	t.Helper()
	python, err := exec.LookPath("/usr/bin/python3")
	if err != nil {
		t.Fatal("/usr/bin/python3 is required")
	}
	srv := httptest.NewServer(api)
	defer srv.Close()
	cmd := exec.Command(python, filepath.Join(chartDir(t), "files", "tests", "dispatch_and_wait.py"))
	cmd.Env = []string{"GATEWAY_URL=" + srv.URL, "API_KEY=" + key, "TENANT=demo", "JOB_TYPE=competitor_scan",
		`JOB_PARAMS={"skus":["SKU-001"],"marketplace":"amazon_us"}`, "TIMEOUT_SECONDS=30", "PYTHONDONTWRITEBYTECODE=1"}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestHookScriptSucceedsWhenTheJobCompletes(t *testing.T) {
	api := &apiDouble{final: "completed", until: 3}
	out, err := runHookScript(t, api, "nxk_test")
	if err != nil {
		t.Fatalf("script failed: %v\n%s", err, out)
	}
	if api.polls != 3 || !strings.Contains(out, "completed in 3 s") {
		t.Errorf("polls=%d output:\n%s", api.polls, out)
	}
	if api.body["type"] != "competitor_scan" || api.body["params"].(map[string]interface{})["marketplace"] != "amazon_us" {
		t.Errorf("dispatched body %v", api.body)
	}
	for _, a := range api.seenAuth {
		if a != "Bearer nxk_test|demo" {
			t.Errorf("request carried auth/tenant %q", a)
		}
	}
}

func TestHookScriptFailsWhenTheJobFailsOrTheKeyIsWrong(t *testing.T) {
	out, err := runHookScript(t, &apiDouble{final: "failed", until: 1}, "nxk_test")
	if err == nil || !strings.Contains(out, "WORKER_TIMEOUT") {
		t.Errorf("a failed job must fail the test (err=%v):\n%s", err, out)
	}
	out, err = runHookScript(t, &apiDouble{final: "completed", until: 1}, "wrong")
	if err == nil || !strings.Contains(out, "dispatch failed: HTTP 401") {
		t.Errorf("a rejected key must fail the test (err=%v):\n%s", err, out)
	}
}
