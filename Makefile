# headroom: `make test` and `make drill` do all set-up themselves on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help
# The compiled CLI (make build); harness/cli/headroom.js runs it too, or the sources when dist/ is stale.
HEADROOM := node dist/harness/cli/bin.js
BUILD_SOURCES := $(shell find harness clusters/reference -name '*.ts' -not -name '*.test.ts' -not -path '*/fixtures/*' -not -path '*/node_modules/*') tsconfig.json tsconfig.build.json
CLUSTER ?= clusters/local-3dc.yaml
# make drill's stack: reference (the quick one, one synthetic service per replica) or insta (clusters/insta-stack.yaml:
# HAProxy, Django under gunicorn, memcached, PostgreSQL).
STACK ?= reference
DRILL_SCENARIO_reference = scenarios/capacity-drill.ts
DRILL_SCENARIO_insta = scenarios/insta-stack.ts
DRILL_NEEDS_insta = haproxy packages
TEST_FILES = $$(find harness clusters scenarios -name '*.test.ts' -not -name '*.wip.test.ts' -not -path '*/node_modules/*' | sort)
# Tests run under swc (harness/testing/swc-register.js): ts-node would load the TypeScript compiler in each test process.
TEST_NODE = node --require ./harness/testing/swc-register.js --test
# make test's passes also write TAP to .cache/test/<pass>.tap: at the end, harness/testing/failures.js prints every
# failed test again, so the last lines of a long log say what failed.
TAP_TO = --test-reporter=tap --test-reporter-destination=stdout --test-reporter=tap --test-reporter-destination=.cache/test/$(1).tap
# Tests whose figures (latency, rates, CPU) a busy neighbour would skew: two at a time, nothing else beside them
# (three at a time, an engine test read p97 54.7 ms for a bound of 50).
SOLO_TESTS = ^harness/load/(engine|http-net)\.test\.ts$$|^clusters/reference/cpu\.test\.ts$$|^harness/agent/(agent|reported)\.test\.ts$$|^harness/cli/load\.test\.ts$$
# Tests that hold Docker, HAProxy, a browser or servers of their own: in lanes side by side (harness/testing/lanes.js).
LANE_TESTS = \.(docker|haproxy|browser)\.test\.ts$$|^harness/drill/static-drill\.test\.ts$$
SERIAL_TESTS = $(SOLO_TESTS)|$(LANE_TESTS)
SOLO_FILES = $$(echo $(TEST_FILES) | tr ' ' '\n' | grep -E '$(SOLO_TESTS)')
LANE_FILES = $$(echo $(TEST_FILES) | tr ' ' '\n' | grep -E '$(LANE_TESTS)')
PARALLEL_FILES = $$(echo $(TEST_FILES) | tr ' ' '\n' | grep -vE '$(SERIAL_TESTS)')
# Checks of work that is not finished yet (they fail today): run on demand, never in make test.
WIP_FILES = $$(find harness -name '*.wip.test.ts' | sort)

.PHONY: help install build docker chromium haproxy packages typecheck depcheck lint test test-wip test-unit cluster down drill accuracy bench soak insta-bottleneck

help:
	@echo "make build     compile the CLI to dist/ (tsc; only when a source changed)"
	@echo "make test      install what is needed, type-check, run every test (Docker and browser tests too)"
	@echo "make drill     the main job: redlines, a drain and the loss of each DC on $(CLUSTER); writes reports/<run-id>/"
	@echo "make drill STACK=insta  the same on clusters/insta-stack.yaml (HAProxy, Django, memcached, PostgreSQL)"
	@echo "make insta-bottleneck   FEED_CACHE_HIT 0 and 0.95 on one DC of the stack: the tier that limits web's redlines"
	@echo "make cluster   bring up $(CLUSTER) and print its replicas"
	@echo "make down      remove its replicas"
	@echo "make accuracy  redline vs ground truth (cgroup CPU under a separate generator) on replicas of unknown cost (~15 min)"
	@echo "make bench     load-engine benchmarks against autocannon and wrk"
	@echo "make soak      a 15-min hold at 3,000 req/s: RSS growth after the first minute < 20 MiB (BENCH_SOAK_MINUTES)"

install: node_modules/.headroom-installed

node_modules/.headroom-installed: package.json package-lock.json
	npm ci --no-audit --no-fund --prefer-offline
	touch $@

# tsc to dist/ when a source is newer than the last build; the stamp is what make and headroom.js compare with.
build: dist/.built

dist/.built: $(BUILD_SOURCES) | node_modules/.headroom-installed
	npx tsc -p tsconfig.build.json
	touch $@

docker:
	@bash harness/cluster/ensure-docker.sh

chromium:
	@bash harness/report/ensure-chromium.sh

# Debian's haproxy (the edge tier's image is assembled from it) and xmllint (JUnit schema checks).
haproxy:
	@bash harness/edge/ensure-haproxy.sh

# apt's package lists: images of Debian packages (packages: in a cluster file) are assembled from what apt downloads.
packages:
	@bash harness/cluster/ensure-packages.sh

typecheck: install
	npx tsc --noEmit -p .

# No import loop, no import that climbs a floor (rules in .dependency-cruiser.cjs).
depcheck: install
	npm run --silent depcheck

# Format and lint (Biome).
lint: install
	npx biome check .

test:
	@start=$$(date +%s); rm -rf .cache/test; mkdir -p .cache/test; \
	$(MAKE) --no-print-directory install docker chromium haproxy packages || exit $$?; \
	$(MAKE) --no-print-directory -j3 typecheck depcheck lint || exit $$?; \
	echo "make test: $$(( $$(date +%s) - start )) s of set-up and checks"; \
	$(TEST_NODE) $(call TAP_TO,unit) --test-concurrency=2 $(PARALLEL_FILES); code=$$?; \
	echo "make test: $$(( $$(date +%s) - start )) s, unit tests done (two files at a time)"; \
	$(TEST_NODE) $(call TAP_TO,timing) --test-concurrency=2 $(SOLO_FILES) || code=$$?; \
	echo "make test: $$(( $$(date +%s) - start )) s, timing tests done (two files at a time, nothing else running)"; \
	node harness/testing/lanes.js $(LANE_FILES) || code=$$?; \
	node harness/testing/failures.js .cache/test/*.tap; \
	echo "make test: $$(( $$(date +%s) - start )) s in all, set-up included"; exit $$code

# Work in progress: checks that do not pass yet (see docs/ and the issues).
test-wip: install docker haproxy
	@files="$(WIP_FILES)"; if [ -z "$$files" ]; then echo "make test-wip: no work-in-progress checks"; exit 0; fi; \
	$(TEST_NODE) --test-concurrency=1 $$files

test-unit: install typecheck depcheck
	$(TEST_NODE) $$(find harness clusters scenarios -name '*.test.ts' -not -name '*.docker.test.ts' -not -name '*.haproxy.test.ts' -not -name '*.browser.test.ts' -not -name '*.wip.test.ts' -not -path '*/node_modules/*' | sort)

cluster: install build docker
	$(HEADROOM) up $(CLUSTER)
	$(HEADROOM) status $(CLUSTER)

down: install build docker
	$(HEADROOM) down $(CLUSTER)

# The main job. BASELINE=<run-dir> also compares the redlines with that run (exit 99 on a regression).
# STACK=insta: on clusters/insta-stack.yaml; its first run builds the images from Debian packages (about 75 s).
drill: install build docker $(DRILL_NEEDS_$(STACK))
	@test -n "$(DRILL_SCENARIO_$(STACK))" || { echo "make drill: STACK=$(STACK): expected reference or insta" >&2; exit 2; }
	$(HEADROOM) drill $(DRILL_SCENARIO_$(STACK)) $(if $(BASELINE),--baseline $(BASELINE))

# Does the feed's cache move the stack's bottleneck? Two drills of one DC of clusters/insta-stack.yaml (~7 min);
# prints the tier that limits each web redline (exit 99 unless 0 gives db and 0.95 gives web).
insta-bottleneck: install build docker packages
	node --require ts-node/register harness/run/insta/bottleneck.ts

# Redlines against an independent truth, per case of CPU cost and quota: the table in docs/accuracy.md (exit 99 when a target is missed).
accuracy: install build docker
	node --require ts-node/register harness/run/accuracy/main.ts

# Load-engine benchmarks against autocannon and wrk; BENCH_QUICK=1 for a short run.
bench: install build
	bash harness/load/bench/ensure-tools.sh
	node --require ts-node/register harness/load/bench/run.ts

# The soak alone (make bench runs it last): BENCH_SOAK_MINUTES=3 for a shorter hold.
soak: install
	bash harness/load/bench/ensure-tools.sh
	node --require ts-node/register harness/load/bench/soak.ts
