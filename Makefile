# headroom: `make test` and `make drill` do all set-up themselves on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help
HEADROOM := node harness/cli/headroom.js
CLUSTER ?= clusters/local-3dc.yaml
TEST_FILES = $$(find harness clusters scenarios -name '*.test.ts' -not -path '*/node_modules/*' | sort)

.PHONY: help install docker chromium typecheck test test-unit cluster down drill bench

help:
	@echo "make test      install what is needed, type-check, run every test (Docker and browser tests too)"
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

test: install docker chromium typecheck
	node --require ts-node/register --test --test-concurrency=1 $(TEST_FILES)

test-unit: install typecheck
	node --require ts-node/register --test $$(find harness clusters scenarios -name '*.test.ts' -not -name '*.docker.test.ts' -not -name '*.browser.test.ts' -not -path '*/node_modules/*' | sort)

cluster: install docker
	$(HEADROOM) up $(CLUSTER)
	$(HEADROOM) status $(CLUSTER)

down: install docker
	$(HEADROOM) down $(CLUSTER)
