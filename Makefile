# Rikastin: `make run` runs the main job on the embedded default; `make test` runs every test.
CARGO ?= cargo
SHARED ?= ../shared
RIKASTIN := target/debug/rikastin

.PHONY: build run run-live test lint fmt data clean help bench-extract

help:            ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*##/\t/'

build:           ## build every crate (debug)
	$(CARGO) build --workspace

run: build       ## build ELMO snapshots for data/ into var/cache.sqlite and print the summary
	$(RIKASTIN) run --config data/pipeline.yaml

run-live: build  ## the same job over HTTP: start the stand-in VIRTA/KOSKI servers, add the demo targets, run
	SHARED=$(SHARED) scripts/run-live

test:            ## unit, golden and end-to-end tests (needs xmllint and postgresql: apt-get install libxml2-utils postgresql)
	$(CARGO) build --workspace --bins
	scripts/with-postgres $(CARGO) test --workspace

bench-extract:   ## release build; live extraction throughput and p99 against the stand-in, beside the HTTP floor
	$(CARGO) build --release --bins
	$(CARGO) bench -p rikastin-tests --bench extract

lint:            ## formatting and clippy, warnings are errors
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt:             ## format the code
	$(CARGO) fmt --all

data:            ## regenerate the synthetic VIRTA answers of the embedded default and data/targets.csv
	$(CARGO) run --quiet -p rikastin-synth -- --learners 24 --seed 2026 \
	  --out data/recorded/virta/OpiskelijanKaikkiTiedot --secret-file data/learner-key.secret \
	  --targets-csv data/targets.csv

clean:           ## remove build output and the local cache
	$(CARGO) clean
	rm -rf var

.PHONY: coverage-screenshot
coverage-screenshot: build  ## write the coverage report to var/coverage and a Chromium screenshot of it (needs: apt-get install chromium)
	$(RIKASTIN) report coverage --config data/pipeline.yaml --out var/coverage
	@command -v chromium >/dev/null || { echo "coverage-screenshot needs Chromium: apt-get install chromium" >&2; exit 1; }
	profile=$$(mktemp -d); \
	chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
	  --no-first-run --user-data-dir=$$profile --screenshot=var/coverage/coverage.png \
	  --window-size=1280,2000 file://$(CURDIR)/var/coverage/coverage.html; \
	status=$$?; rm -rf $$profile; exit $$status
