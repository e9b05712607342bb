//! The snapshot cache of Rikastin: one unsigned, gzipped ELMO document per learner in SQLite,
//! with its content hash, per-source freshness and the run that wrote it.
//! Learners are named only by keyed hashes ([`LearnerKey`]), never by identity codes.
//! Refresh targets keep the identity a source call needs only sealed ([`TargetSeal`]), and a
//! snapshot whose refresh failed stays as it was, marked stale.
//! The read API signs a document only when it sends it: [`Signer`] (enveloped XML-DSig), with
//! a PDF transcript attached first: [`Transcript`].

#![warn(missing_docs)]

mod error;
mod key;
mod seal;
mod sign;
mod store;
mod transcript;

pub use error::{Error, Result};
pub use key::{Identity, LearnerKey, LearnerSecret};
pub use seal::{TargetIdentity, TargetSeal};
pub use sign::{SignError, Signer, SigningCertificate};
pub use store::{
    AddOutcome, DueTarget, NewSnapshot, NewTarget, RunRecord, RunStart, Snapshot, SnapshotDetail,
    SnapshotMeta, SourceFreshness, SqliteStore, TargetRecord, WriteOutcome,
};
pub use transcript::{Lang, Transcript, TranscriptError};
