# Nexus AI Jobs — entry points. `make run` brings the platform up; `make test` runs every test.
SHELL := /bin/bash
DOTNET ?= dotnet
PYTHON ?= /usr/bin/python3
CONFIGURATION ?= Debug
export CONFIGURATION
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1

.PHONY: deps build dashboard test bench-smoke test-dotnet test-workers test-dashboard lint-openapi openapi-document crds params-schemas apiserver run bench bench-gateway bench-peer bench-history

deps:
	@scripts/install-deps.sh

build: dashboard
	$(DOTNET) build NexusOperator.sln -c $(CONFIGURATION)

## The web dashboard: TypeScript built by Vite into dashboard/dist, which the gateway serves under /ui.
dashboard: dashboard/dist/index.html

dashboard/node_modules/.package-lock.json: dashboard/package-lock.json
	cd dashboard && npm ci --no-audit --no-fund

## The dashboard's API types, generated from the committed OpenAPI document by openapi-typescript (pinned in
## api-gateway/openapi); the generated file is committed and rewritten here whenever the document changes.
dashboard/src/api-schema.gen.ts: api-gateway/openapi/openapi.json api-gateway/openapi/node_modules/.package-lock.json
	cd api-gateway/openapi && npm run -s types

dashboard/dist/index.html: dashboard/src/api-schema.gen.ts $(wildcard crds/params/*.schema.json) dashboard/node_modules/.package-lock.json dashboard/index.html dashboard/vite.config.ts dashboard/tsconfig.json $(shell find dashboard/src -type f 2>/dev/null)
	cd dashboard && npx --no-install tsc --noEmit -p . && npx --no-install vite build --logLevel warn

## Every test in the repository: .NET (gateway, operator, API stand-in, end to end), workers, chart and alerts.
## Every suite runs even when an earlier one fails; the target fails if any did. The .NET tests start a throw-away
## PostgreSQL (scripts/postgres.sh) and stop it at exit; the last step removes any a killed test host left behind.
test: deps
	@rc=0; \
	$(MAKE) --no-print-directory test-dotnet || rc=1; \
	$(MAKE) --no-print-directory test-workers || rc=1; \
	$(MAKE) --no-print-directory lint-openapi || rc=1; \
	$(MAKE) --no-print-directory test-chart || rc=1; \
	$(MAKE) --no-print-directory test-dashboard || rc=1; \
	$(MAKE) --no-print-directory bench-smoke || rc=1; \
	scripts/stop-test-postgres.sh; \
	$(PYTHON) scripts/test_summary.py TestResults/*.trx; \
	exit $$rc

# Normal verbosity prints each test, and the reason of each skip (the real-cluster suite without a cluster);
# the TRX file lets `make test` name the failed ones again at its end.
test-dotnet:
	rm -f TestResults/*.trx
	$(DOTNET) test NexusOperator.sln -c $(CONFIGURATION) --logger "console;verbosity=normal" --logger "trx;LogFilePrefix=dotnet" --results-directory TestResults

test-workers:
	cd workers && $(PYTHON) -m pytest -q -p no:cacheprovider

## The dashboard in Debian's Chromium against make run's stack (screenshots in dashboard/test-results/).
test-dashboard: build
	cd dashboard && node --test --test-concurrency=1 tests/

## The committed OpenAPI document (api-gateway/openapi/openapi.json, which a test keeps equal to the served one)
## under Spectral's spectral:oas and OWASP API Security rulesets (api-gateway/openapi/.spectral.yaml): any error or
## warning fails.
lint-openapi: api-gateway/openapi/node_modules/.package-lock.json
	cd api-gateway/openapi && npx --no-install spectral lint --fail-severity=warn --ruleset .spectral.yaml openapi.json

api-gateway/openapi/node_modules/.package-lock.json: api-gateway/openapi/package-lock.json
	cd api-gateway/openapi && npm ci --no-audit --no-fund

## Rewrite api-gateway/openapi/openapi.json from the document the gateway serves (after changing endpoints or views).
openapi-document:
	NEXUS_UPDATE_OPENAPI=1 $(DOTNET) test tests/Nexus.Tests/Nexus.Tests.csproj -c $(CONFIGURATION) --filter "FullyQualifiedName~OpenApiDocumentTests"

## Regenerate the CRD YAML in crds/ from the C# entity types.
crds:
	$(DOTNET) run --project crds/Nexus.Crds.csproj -c $(CONFIGURATION) -- crds

## Regenerate crds/params/<job_type>.schema.json (JSON Schema 2020-12) from the workers' params models; the workers'
## tests fail when the committed files drift from the models.
params-schemas:
	cd workers && $(PYTHON) -m nexus_worker.schemas

## The Kubernetes API stand-in, in the foreground; prints `Kubeconfig: <path>` once it serves.
apiserver:
	$(DOTNET) run --project tests/KubeApiServer/Nexus.KubeApiServer.csproj -c $(CONFIGURATION) -- --crds crds

include charts/chart.mk

## The whole platform on this machine.
run: deps build
	@scripts/run-local.sh

## Every in-process benchmark (API stand-in, gateway, operator, workers), each run BENCH_REPEAT times, printed as one
## table of medians and spreads with the machine's facts and load; figures in bench/README.md.
BENCH_REPEAT ?= 3
bench: deps
	$(PYTHON) bench/run_all.py --repeat $(BENCH_REPEAT) $(BENCH_ARGS)

## Every benchmark program on small workloads, so none of them rots unnoticed (`make test` runs it): it checks that
## each runs to its end and prints its figures, which are not figures to quote.
bench-smoke: deps
	$(PYTHON) bench/run_all.py --quick --repeat 1
	$(DOTNET) run -c Release --project bench/HistoryBench/HistoryBench.csproj -- 20000 10 100

## Gateway dispatch/poll throughput against the stand-in; figures in bench/README.md.
bench-gateway:
	$(DOTNET) run -c Release --project bench/GatewayBench/GatewayBench.csproj -- 3000 30000 8

## The same job through make run and through Celery + Redis, alternated; figures in bench/README.md.
bench-peer: build
	@scripts/install-deps.sh --bench
	$(PYTHON) bench/peer/peer_bench.py $(PEER_ARGS)

## Job history at scale: 1,000,000 archived jobs over 100 tenants in PostgreSQL (the archive's reads and writes, then
## the gateway's dispatch rate and the gateway's and operator's memory with it against a small one, then the AiJobs kept
## in the API during a 20,000-job run with a 10 s retention); figures in bench/README.md.
bench-history: deps
	$(DOTNET) run -c Release --project bench/HistoryBench/HistoryBench.csproj -- 1000000 100 2000
	$(DOTNET) run -c Release --project bench/GatewayBench/GatewayBench.csproj -- --archive=1000000 --tenants=100 --rounds=4
	$(DOTNET) run -c Release --project bench/OperatorBench/OperatorBench.csproj -- --jobs=0 --latency-jobs=0 --cached=0 --retention-jobs=20000 --retention-seconds=10 --retention-rate=500
