# Nexus AI Jobs — entry points. `make run` brings the platform up; `make test` runs every test.
SHELL := /bin/bash
DOTNET ?= dotnet
PYTHON ?= /usr/bin/python3
CONFIGURATION ?= Debug
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1

.PHONY: deps build test test-dotnet crds apiserver run

deps:
	@scripts/install-deps.sh

build:
	$(DOTNET) build NexusOperator.sln -c $(CONFIGURATION)

## Every test in the repository.
test: deps test-dotnet

test-dotnet:
	$(DOTNET) test NexusOperator.sln -c $(CONFIGURATION)

## Regenerate the CRD YAML in crds/ from the C# entity types.
crds:
	$(DOTNET) run --project crds/Nexus.Crds.csproj -c $(CONFIGURATION) -- crds

## The Kubernetes API stand-in, in the foreground; prints `Kubeconfig: <path>` once it serves.
apiserver:
	$(DOTNET) run --project tests/KubeApiServer/Nexus.KubeApiServer.csproj -c $(CONFIGURATION) -- --crds crds

include charts/chart.mk

## The whole platform on this machine.
run: deps build
	@echo "make run: the platform pieces are not all wired yet; see README.md"
