# Chart targets, included by the top-level Makefile.
#   make chart-template [VALUES=file] [SET=key=value] [RELEASE=name] [NAMESPACE=ns]   print the manifests like
#       `helm template`; the chart needs a database connection, e.g. SET=database.existingSecret=nexus-db
#   make chart-docs                                                   regenerate the README's values table from values.yaml
#   make chart-crds                                                   copy the generated crds/*.yaml into the chart
#   make test-chart                                                   chart, schema, alert-rule tests
CHART_DIR := charts/nexus-ai-jobs
CHART_RENDER := charts/render/.bin/render
CHART_GOENV := GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= GOPROXY=off
RELEASE ?= nexus
NAMESPACE ?= nexus-ai-jobs

.PHONY: chart-template chart-docs chart-crds test-chart

$(CHART_RENDER): $(wildcard charts/render/*.go)
	@cd charts/render && $(CHART_GOENV) go build -o .bin/render .

chart-template: $(CHART_RENDER)
	@$(CHART_RENDER) $(CHART_DIR) --name $(RELEASE) --namespace $(NAMESPACE) --include-crds $(if $(VALUES),-f $(VALUES)) $(if $(SET),--set $(SET))

chart-docs: $(CHART_RENDER)
	@$(CHART_RENDER) --update-readme $(CHART_DIR)

# The chart renders the CRDs from files/crds/ (templates/crds.yaml); crds/ stays their one source, a test
# checks the copies are byte-identical.
chart-crds:
	@cp crds/*.yaml $(CHART_DIR)/files/crds/

test-chart:
	charts/test.sh
