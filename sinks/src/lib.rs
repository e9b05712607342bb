//! The snapshot cache of Rikastin: one unsigned, gzipped ELMO document per learner, with its
//! content hash, per-source freshness and the run that wrote it. [`Store`] is the cache as its
//! callers see it; [`SqliteStore`] keeps it in one file (the default), [`PostgresStore`] on a
//! server that several hosts or shards share, with the same contract.
//! Learners are named only by keyed hashes ([`LearnerKey`]), never by identity codes.
//! Refresh targets keep the identity a source call needs only sealed ([`TargetSeal`]), and a
//! snapshot whose refresh failed stays as it was, marked stale.
//! The read API signs a document only when it sends it: [`Signer`] (enveloped XML-DSig).

#![warn(missing_docs)]

mod error;
mod key;
mod seal;
mod sign;
mod store;

pub use error::{Error, Result};
pub use key::{Identity, LearnerKey, LearnerSecret};
pub use seal::{TargetIdentity, TargetSeal};
pub use sign::{SignError, Signer, SigningCertificate};
pub use store::{
    AddOutcome, DueTarget, FAILURE_OUTCOMES, NewSnapshot, NewTarget, PostgresStore, RunRecord,
    RunStart, SUCCESS_OUTCOMES, Snapshot, SnapshotDetail, SnapshotMeta, SourceFreshness,
    SqliteStore, Store, TargetRecord, WriteOutcome,
};
