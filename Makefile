# headroom: `make test` and `make drill` do all set-up themselves on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help
HEADROOM := node harness/cli/headroom.js
CLUSTER ?= clusters/local-3dc.yaml
TEST_FILES = $$(find harness clusters scenarios -name '*.test.ts' -not -path '*/node_modules/*' | sort)

.PHONY: help install docker chromium typecheck depcheck test test-unit cluster down drill bench

help:
	@echo "make test      install what is needed, type-check, run every test (Docker and browser tests too)"
	@echo "make drill     the main job: redlines, a drain and the loss of each DC on $(CLUSTER); writes reports/<run-id>/"
	@echo "make cluster   bring up $(CLUSTER) and print its replicas"
	@echo "make down      remove its replicas"
	@echo "make bench     load-engine benchmarks against autocannon and wrk"

install: node_modules/.headroom-installed

node_modules/.headroom-installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

docker:
	@bash harness/cluster/ensure-docker.sh

chromium:
	@bash harness/report/ensure-chromium.sh

typecheck: install
	npx tsc --noEmit -p .

# No import loop, no import that climbs a floor (rules in .dependency-cruiser.cjs).
depcheck: install
	npm run --silent depcheck

test: install docker chromium typecheck depcheck
	node --require ts-node/register --test --test-concurrency=1 $(TEST_FILES)

test-unit: install typecheck depcheck
	node --require ts-node/register --test $$(find harness clusters scenarios -name '*.test.ts' -not -name '*.docker.test.ts' -not -name '*.browser.test.ts' -not -path '*/node_modules/*' | sort)

cluster: install docker
	$(HEADROOM) up $(CLUSTER)
	$(HEADROOM) status $(CLUSTER)

down: install docker
	$(HEADROOM) down $(CLUSTER)

# The main job. BASELINE=<run-dir> also compares the redlines with that run (exit 99 on a regression).
drill: install docker
	$(HEADROOM) drill scenarios/capacity-drill.ts $(if $(BASELINE),--baseline $(BASELINE))

# Load-engine benchmarks against autocannon and wrk; BENCH_QUICK=1 for a short run.
bench: install
	bash harness/load/bench/ensure-tools.sh
	node --require ts-node/register harness/load/bench/run.ts
