//! Rikastin's pipeline: configuration, the mapping engine and the job runner.
//!
//! Config (`pipeline.yaml`) and mapping rules (`mappings/*.yaml`) are loaded and checked
//! first; then [`run::Job`] turns each recorded VIRTA answer into an ELMO snapshot in the cache.
//! The `rikastin` binary (`main.rs`) is the CLI over these; see `pipeline/README.md`.

pub mod config;
pub mod console;
pub mod enrich;
pub mod events;
pub mod explain;
pub mod learners;
pub mod mapping;
pub mod ops;
pub mod plan;
pub mod report;
pub mod run;
pub mod targets;
pub mod yaml;
