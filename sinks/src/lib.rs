//! The snapshot cache of Rikastin: one unsigned, gzipped ELMO document per learner in SQLite,
//! with its content hash, per-source freshness and the run that wrote it.
//! Learners are named only by keyed hashes ([`LearnerKey`]), never by identity codes.

#![warn(missing_docs)]

mod error;
mod key;
mod store;

pub use error::{Error, Result};
pub use key::{Identity, LearnerKey, LearnerSecret};
pub use store::{
    NewSnapshot, RunRecord, RunStart, Snapshot, SnapshotMeta, SourceFreshness, SqliteStore,
    WriteOutcome,
};
