# headroom: `make test` and `make drill` do all set-up themselves on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help
# The compiled CLI (make build); harness/cli/headroom.js runs it too, or the sources when dist/ is stale.
HEADROOM := node dist/harness/cli/bin.js
BUILD_SOURCES := $(shell find harness clusters/reference -name '*.ts' -not -name '*.test.ts' -not -path '*/fixtures/*' -not -path '*/testing/*' -not -path 'harness/bench/*' -not -path '*/node_modules/*') tsconfig.json tsconfig.build.json
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
# Each pass also writes TAP to .cache/<target>/<pass>.tap: harness/testing/failures.js prints every failed test again
# at the end, so the last lines of a long log say what failed, and counts every test once.
TAP_TO = --test-reporter=tap --test-reporter-destination=stdout --test-reporter=tap --test-reporter-destination=$(1)
# Files that need Docker, HAProxy, a browser, or drive the CLI end to end on servers of their own (*.e2e.test.ts).
# Every test checks behaviour, never a figure a busy neighbour moves, so they all run side by side.
SYSTEM_TESTS = \.(docker|haproxy|browser|e2e)\.test\.ts$$
UNIT_FILES = $$(echo $(TEST_FILES) | tr ' ' '\n' | grep -vE '$(SYSTEM_TESTS)')
# The longest files (whole drills, a minute or more on a busy machine), longest first: they start first, so the run
# does not end waiting on one that started last. The other system files follow in name order.
LONG_FILES = harness/run/shapes/slow.docker.test.ts harness/run/shapes/static.docker.test.ts \
  harness/run/shapes/slowstart.docker.test.ts harness/run/shapes/cgi.docker.test.ts \
  harness/run/shapes/python.docker.test.ts harness/run/drift.docker.test.ts harness/run/insta-stack.docker.test.ts \
  harness/bench/accuracy/accuracy.docker.test.ts
SYSTEM_FILES = $(LONG_FILES) $$(echo $(TEST_FILES) | tr ' ' '\n' | grep -E '$(SYSTEM_TESTS)' | grep -vxF $(patsubst %,-e %,$(LONG_FILES)))
# Test files run at once: Docker and CLI tests mostly wait on settle and measure windows.
TEST_CONCURRENCY ?= 4
# Checks of work that is not finished yet (they fail today): run on demand, never in make test.
WIP_FILES = $$(find harness -name '*.wip.test.ts' | sort)

.PHONY: help install build installed docker chromium haproxy packages shape-contexts shapes typecheck depcheck lint check test test-wip cluster down drill accuracy bench soak insta-bottleneck

help:
	@echo "make build     compile the CLI to dist/ (tsc; only when a source changed)"
	@echo "make test      install what is needed, type-check, run every test (Docker and browser tests too)"
	@echo "make check     the quick loop: type check, lint, dependency floors and the unit tests (no Docker)"
	@echo "make drill     the main job: redlines, a drain and the loss of each DC on $(CLUSTER); writes reports/<run-id>/"
	@echo "make drill STACK=insta  the same on clusters/insta-stack.yaml (HAProxy, Django, memcached, PostgreSQL)"
	@echo "make insta-bottleneck   FEED_CACHE_HIT 0 and 0.95 on one DC of the stack: the tier that limits web's redlines"
	@echo "make cluster   bring up $(CLUSTER) and print its replicas"
	@echo "make down      remove its replicas"
	@echo "make accuracy  redline vs ground truth (cgroup CPU under a separate generator) on replicas of unknown cost (~15 min)"
	@echo "make bench     load-engine benchmarks against autocannon and wrk"
	@echo "make shapes    redlines of five service shapes that are not the reference (CGI, slow, nginx, Python, slow start)"
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

# The quick inner loop: no Docker, no browser.
check: install
	@start=$$(date +%s); rm -rf .cache/check; mkdir -p .cache/check; \
	$(MAKE) --no-print-directory -j3 typecheck depcheck lint || exit $$?; \
	$(TEST_NODE) $(call TAP_TO,.cache/check/unit.tap) --test-concurrency=2 $(UNIT_FILES) > .cache/check/unit.log; code=$$?; \
	node harness/testing/failures.js .cache/check/*.tap; \
	echo "make check: $$(( $$(date +%s) - start )) s"; exit $$code

# The packed and installed CLI the tests run (harness/testing/installed-cli.ts), made once per source state.
installed: build
	@node --require ./harness/testing/swc-register.js harness/testing/installed-cli.ts

# Service shapes (clusters/shapes/): their build contexts from Debian packages.
shape-contexts:
	@bash clusters/shapes/prepare.sh

# Each service shape drilled with its first-drill scenario: redlines per server type, their ratio against the
# quota ratio, the slow and the high-rate ends (exit 99 when a target is missed). SHAPES=cgi,static for a subset.
shapes: install build docker shape-contexts
	node --require ts-node/register harness/bench/shapes/main.ts

test:
	@start=$$(date +%s); rm -rf .cache/test; mkdir -p .cache/test; \
	$(MAKE) --no-print-directory install docker chromium haproxy packages shape-contexts || exit $$?; \
	$(MAKE) --no-print-directory -j4 typecheck depcheck lint installed || exit $$?; \
	echo "make test: $$(( $$(date +%s) - start )) s of set-up and checks"; \
	$(TEST_NODE) $(call TAP_TO,.cache/test/all.tap) --test-concurrency=$(TEST_CONCURRENCY) $(SYSTEM_FILES) $(UNIT_FILES); code=$$?; \
	node harness/testing/failures.js .cache/test/*.tap; \
	echo "make test: $$(( $$(date +%s) - start )) s in all, set-up included"; exit $$code

# Work in progress: checks that do not pass yet (see docs/ and the issues).
test-wip: install docker haproxy
	@files="$(WIP_FILES)"; if [ -z "$$files" ]; then echo "make test-wip: no work-in-progress checks"; exit 0; fi; \
	$(TEST_NODE) --test-concurrency=1 $$files

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
	node --require ts-node/register harness/bench/insta/bottleneck.ts

# Redlines against an independent truth, per case of CPU cost and quota: the table in docs/accuracy.md (exit 99 when a target is missed).
accuracy: install build docker
	node --require ts-node/register harness/bench/accuracy/main.ts

# Load-engine benchmarks against autocannon and wrk; BENCH_QUICK=1 for a short run.
bench: install build docker haproxy
	bash harness/bench/load/ensure-tools.sh
	node --require ts-node/register harness/bench/load/run.ts

# The soak alone (make bench runs it last): BENCH_SOAK_MINUTES=3 for a shorter hold.
soak: install
	bash harness/bench/load/ensure-tools.sh
	node --require ts-node/register harness/bench/load/soak.ts
