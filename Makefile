# Rikastin: `make run` runs the main job on the embedded default; `make test` runs every test.
CARGO ?= cargo
SHARED ?= ../shared
RIKASTIN := target/debug/rikastin
# The document transcript-png renders: the largest golden file (79 results, VIRTA and KOSKI).
ELMO ?= tests/golden/fc1664abafeb38acf862e20c71b4b1d85f5de78c2432c7a3d5ab656462006aaa.xml

.PHONY: build run run-live test lint fmt data clean help bench bench-rebuild bench-incremental bench-micro bench-extract bench-serve serve transcript-png fuzz crash-test

help:            ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*##/\t/'

build:           ## build every crate (debug)
	$(CARGO) build --workspace

run: build       ## build ELMO snapshots for data/ into var/cache.sqlite and print the summary
	$(RIKASTIN) run --config data/pipeline.yaml

run-live: build  ## the same job over HTTP: start the stand-in VIRTA/KOSKI servers, add the demo targets, run
	SHARED=$(SHARED) scripts/run-live

test:            ## unit, golden and end-to-end tests (needs: apt-get install libxml2-utils xmlsec1 poppler-utils postgresql)
	$(CARGO) build --workspace --bins
	scripts/with-postgres $(CARGO) test --workspace

# The rebuild set's size (make bench (a)); the incremental run's cache holds BENCH_CACHED learners
# (default the same) and BENCH_CHANGED of them change. Sets are generated once into
# target/bench-data/ and reused. A quick run: make bench BENCH_LEARNERS=5000 BENCH_CHANGED=1000
BENCH_LEARNERS ?= 100000
BENCH_CACHED ?= $(BENCH_LEARNERS)
BENCH_CHANGED ?= 10000
BENCH_ENV = BENCH_LEARNERS=$(BENCH_LEARNERS) BENCH_CACHED=$(BENCH_CACHED) BENCH_CHANGED=$(BENCH_CHANGED)

bench:           ## release build; every benchmark: full rebuild, incremental run, micro-benchmarks, serve (BENCHMARKS.md)
	$(CARGO) build --release --workspace --bins
	$(BENCH_ENV) $(CARGO) bench --workspace --bench rebuild
	$(BENCH_ENV) $(CARGO) bench --workspace --bench incremental
	$(CARGO) bench --workspace --bench hot_path -- --warm-up-time 1 --measurement-time 3
	scripts/bench-serve

bench-rebuild:   ## release build; a full rebuild of BENCH_LEARNERS (default 100000) recorded learners beside its floor
	$(CARGO) build --release --workspace --bins
	$(BENCH_ENV) $(CARGO) bench --workspace --bench rebuild

bench-incremental: ## release build; BENCH_CHANGED (default 10000) changed learners into a cache of BENCH_CACHED
	$(CARGO) build --release --workspace --bins
	$(BENCH_ENV) $(CARGO) bench --workspace --bench incremental

bench-micro:     ## criterion micro-benchmarks: VIRTA parser, mapping engine, lint, ELMO writer, gzip
	$(CARGO) bench --workspace --bench hot_path

bench-extract:   ## release build; live extraction throughput and p99 against the stand-in, beside the HTTP floor
	$(CARGO) build --release --bins
	$(CARGO) bench -p rikastin-tests --bench extract

bench-serve:     ## release build; rikastin serve under wrk beside nginx serving the same signed files (needs wrk, nginx)
	$(CARGO) build --release --bins
	scripts/bench-serve

serve: build     ## build the cache from data/, then serve it signed on 127.0.0.1:8480 (docs/serve.md)
	$(RIKASTIN) run --config data/pipeline.yaml
	$(RIKASTIN) serve --config data/pipeline.yaml

transcript-png:  ## render the PDF transcript of the largest golden document to var/transcript/*.png (needs pdftoppm: apt-get install poppler-utils)
	$(CARGO) run --release --quiet -p rikastin-sinks --example transcript -- $(ELMO) var/transcript
	pdftoppm -png -r 80 var/transcript/transcript-fi.pdf var/transcript/fi
	pdftoppm -png -r 80 var/transcript/transcript-en.pdf var/transcript/en
	@ls var/transcript/*.png

# The fuzz targets (fuzz/, docs/fuzzing.md) and how long each runs. cargo-fuzz wants nightly
# flags; RUSTC_BOOTSTRAP=1 lets the stable toolchain take them. FUZZ_SANITIZER=none if ASAN will
# not link; FUZZ_ARGS goes to libFuzzer (e.g. FUZZ_ARGS=-jobs=2).
FUZZ_TARGETS ?= virta_parse koski_parse catalogue_read mappings_load elmo_read
FUZZ_SECONDS ?= 600
FUZZ_SANITIZER ?= address
FUZZ_ARGS ?=

fuzz:            ## run each fuzz target for FUZZ_SECONDS (default 600) from seeds in data/ and ../shared (needs: cargo install cargo-fuzz)
	SHARED=$(SHARED) fuzz/seed-corpora
	cd fuzz && for t in $(FUZZ_TARGETS); do \
	  RUSTC_BOOTSTRAP=1 $(CARGO) fuzz run -s $(FUZZ_SANITIZER) $$t -- \
	    -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 $(FUZZ_ARGS) || exit 1; \
	done

crash-test:      ## kill -9 a live run at 20 random points; the cache stays whole and the resumed run finishes (CI runs 3)
	$(CARGO) build --workspace --bins
	RIKASTIN_CRASH_TRIALS=20 $(CARGO) test --workspace --test e2e -- --exact live::killed_runs_leave_a_consistent_cache_and_the_resumed_run_finishes

lint:            ## formatting and clippy, warnings are errors
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt:             ## format the code
	$(CARGO) fmt --all

data:            ## regenerate the synthetic VIRTA answers (and their names) of the embedded default and data/targets.csv
	rm -f data/recorded/virta/OpiskelijanKaikkiTiedot/*.xml data/recorded/virta/OpiskelijanTiedot/*.xml
	$(CARGO) run --quiet -p rikastin-synth -- --learners 24 --seed 2026 \
	  --out data/recorded/virta/OpiskelijanKaikkiTiedot --secret-file data/learner-key.secret \
	  --names-out data/recorded/virta/OpiskelijanTiedot --targets-csv data/targets.csv

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
