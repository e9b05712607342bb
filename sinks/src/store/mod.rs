//! The snapshot store: the types a caller hands in and gets back, and the SQLite implementation,
//! with the refresh targets (`targets.rs`) in the same file.
//!
//! Only one store exists today, so there is no trait yet; PostgreSQL will bring one.

mod sqlite;
mod targets;

#[cfg(test)]
mod tests;

use std::fmt;

use crate::LearnerKey;

pub use sqlite::SqliteStore;
pub use targets::{AddOutcome, DueTarget, NewTarget, TargetRecord};

/// One learner's snapshot as the pipeline hands it to [`SqliteStore::put_snapshots`].
///
/// Debug omits the document: it holds the learner's identifiers (elmo.md: `nationalIdentifier`
/// is the henkilötunnus), which must never reach a log (DESIGN.md invariant 5).
#[derive(Clone, Copy)]
pub struct NewSnapshot<'a> {
    /// Whose snapshot this is.
    pub learner_key: &'a LearnerKey,
    /// The unsigned ELMO document, uncompressed; stored byte for byte (gzipped).
    pub elmo_xml: &'a [u8],
    /// Lower-case hex SHA-256 over the canonical XML without generatedDate, computed by the
    /// pipeline (DESIGN.md invariant 3). Equal hashes mean "unchanged".
    pub content_hash: &'a str,
    /// The document's generatedDate, as written in it.
    pub generated_date: &'a str,
    /// The ELMO schema version, `"1.7.0"`: the namespace does not reveal it (elmo.md §8 rule 18).
    pub elmo_version: &'a str,
    /// The run writing this snapshot; it must have been started with [`SqliteStore::begin_run`].
    pub run_id: &'a str,
    /// The sources this document was built from, one entry per source name.
    pub sources: &'a [SourceFreshness],
    /// Number of learning opportunity instances (LOIs) in the document.
    pub results: u32,
    /// Where the document's fields came from, and its coverage rows; stored beside it.
    pub detail: Option<SnapshotDetail<'a>>,
}

/// What a document was built from, as JSON the pipeline defines: `rikastin explain` reads the
/// provenance, `rikastin report coverage` the coverage rows. Neither holds an identity code.
#[derive(Debug, Clone, Copy)]
pub struct SnapshotDetail<'a> {
    /// Provenance of every generated field.
    pub provenance_json: &'a str,
    /// A JSON array with one coverage row per result.
    pub coverage_json: &'a str,
}

impl fmt::Debug for NewSnapshot<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewSnapshot")
            .field("learner_key", self.learner_key)
            .field("elmo_xml", &format_args!("<{} bytes>", self.elmo_xml.len()))
            .field("content_hash", &self.content_hash)
            .field("generated_date", &self.generated_date)
            .field("elmo_version", &self.elmo_version)
            .field("run_id", &self.run_id)
            .field("sources", &self.sources)
            .field("results", &self.results)
            .field("detail", &self.detail.map(|_| "<json>"))
            .finish()
    }
}

/// When one source answered for a learner, and whether the answer was whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFreshness {
    /// The source's name: `"virta"`, `"koski"`, `"catalogue"`, `"ds"`.
    pub source: String,
    /// When its answer was fetched (RFC 3339).
    pub fetched_at: String,
    /// Whether the answer was complete. A document built from an incomplete answer never
    /// replaces a stored one (DESIGN.md invariant 1, "never degrade").
    pub complete: bool,
}

/// What [`SqliteStore::put_snapshots`] did with one snapshot of the batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOutcome {
    /// The learner had no snapshot; one was inserted.
    Created,
    /// The learner's document changed (new content hash) and was replaced.
    Written,
    /// Same content hash as stored: the document was left as it was, only its check time, checking
    /// run and source freshness were updated (DESIGN.md invariant 3).
    Unchanged,
}

/// A stored snapshot with its document, decompressed.
///
/// Debug omits the document (see [`NewSnapshot`]).
#[derive(Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// Everything about the snapshot except the document.
    pub meta: SnapshotMeta,
    /// The unsigned ELMO document, exactly the bytes that were put.
    pub elmo_xml: Vec<u8>,
}

impl fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Snapshot")
            .field("meta", &self.meta)
            .field("elmo_xml", &format_args!("<{} bytes>", self.elmo_xml.len()))
            .finish()
    }
}

/// A stored snapshot without its document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotMeta {
    /// Whose snapshot this is.
    pub learner_key: LearnerKey,
    /// Hex SHA-256 over the canonical XML without generatedDate (as the pipeline computed it).
    pub content_hash: String,
    /// The stored document's generatedDate.
    pub generated_date: String,
    /// ELMO schema version of the document, e.g. `"1.7.0"`.
    pub elmo_version: String,
    /// The run that wrote the stored document.
    pub run_id: String,
    /// The last run that built this same content (equals `run_id` right after a write).
    pub checked_run_id: String,
    /// When the learner's first snapshot was stored (RFC 3339 UTC, the store's clock).
    pub created_at: String,
    /// When the document last changed.
    pub updated_at: String,
    /// When the document was last confirmed, changed or not.
    pub checked_at: String,
    /// Number of learning opportunity instances in the document.
    pub results: u32,
    /// Per-source freshness as of the last check, sorted by source name.
    pub sources: Vec<SourceFreshness>,
    /// Size of the stored gzip blob.
    pub compressed_bytes: u64,
    /// Since when the document is stale: a refresh failed and the document was kept as it was
    /// (DESIGN.md invariant 1). `None` when fresh; the first failure's time, not the latest.
    pub stale_since: Option<String>,
    /// Why the latest refresh failed (redacted), while stale.
    pub stale_reason: Option<String>,
}

/// The start of a job run, for [`SqliteStore::begin_run`].
#[derive(Debug, Clone, Copy)]
pub struct RunStart<'a> {
    /// Unique id of the run.
    pub run_id: &'a str,
    /// When it started (RFC 3339).
    pub started_at: &'a str,
    /// Which configuration ran, e.g. `"virta-nightly"`.
    pub config_label: &'a str,
}

/// A job run as recorded in the cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRecord {
    /// Unique id of the run.
    pub run_id: String,
    /// When it started.
    pub started_at: String,
    /// Which configuration ran.
    pub config_label: String,
    /// When it finished; `None` while under way, or if it never finished.
    pub finished_at: Option<String>,
    /// How it ended, as the pipeline names it; `None` until finished.
    pub outcome: Option<String>,
    /// The run summary as JSON; `None` until finished.
    pub summary_json: Option<String>,
}
