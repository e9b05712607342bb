//! Where snapshots go and how they leave: the cache of unsigned ELMO documents per learner, and
//! the read API that serves them to the NCP, cut, with a PDF transcript, signed.
//! Learners are named only by keyed hashes ([`LearnerKey`]), never by identity codes.
//!
//! [`Store`] is the cache as its callers see it: [`SqliteStore`] keeps it in one file (the
//! default), [`PostgresStore`] on a server that several hosts or shards share, with the same
//! contract. Each document is kept gzipped with its content hash, per-source freshness and the
//! run that wrote it; refresh targets keep the identity a source call needs only sealed
//! ([`TargetSeal`]); a snapshot whose refresh failed stays as it was, marked stale.
//! [`serve`] answers `rikastin serve`; [`Signer`] signs (enveloped XML-DSig) as it answers;
//! [`Transcript`] renders the PDF.

#![warn(missing_docs)]

mod error;
mod key;
mod seal;
pub mod serve;
mod sign;
mod store;
mod transcript;

pub use error::{Error, Result};
pub use key::{Identity, LearnerKey, LearnerSecret};
pub use seal::{TargetIdentity, TargetSeal};
pub use sign::{SignError, Signer, SigningCertificate};
pub use store::{
    AddOutcome, DeadLetter, DueTarget, FAILURE_OUTCOMES, NewDeadLetter, NewSnapshot, NewTarget,
    PostgresStore, RunRecord, RunStart, SUCCESS_OUTCOMES, Snapshot, SnapshotDetail, SnapshotMeta,
    SourceFreshness, SqliteStore, Store, TargetRecord, WriteOutcome, gzip_document,
};
pub use transcript::{Lang, Transcript, TranscriptError};
