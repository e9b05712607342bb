//! End-to-end tests: the real `rikastin` binary on real files.

// The embedded default in data/: run, idempotence, golden documents, XSD, lint, accounting.
mod embedded_default;
// The real VIRTA samples in ../shared/samples/virta: the same checks on data we didn't make.
mod samples;
// The CLI: --help, exit codes, errors that name file and line, no identity codes in output.
mod cli;
// Catalogues and DS joined by the run; explain, catalogue check, mappings test, coverage.
mod enrichment;
// Live extraction over HTTP against the stand-in VIRTA and KOSKI servers.
mod live;
// Dead letters and runs: `deadletter list|retry|clear` and `runs list|show` after faulty runs.
mod ops;
// `rikastin plan` and `run --max-changes` after one catalogue entry is edited.
mod plan;
// The embedded default with its cache on PostgreSQL (needs `make test`'s throwaway server).
mod postgres;
// The read API: signing, selection, the EMREX envelope, auth, docs/openapi.yaml.
mod serve;
// Shared checks: every attainment accounted for, documents valid.
mod checks;
