//! The snapshot store: the [`Store`] trait, the types a caller hands in and gets back, and its
//! two implementations: [`SqliteStore`] (one file, the default) and [`PostgresStore`] (a shared
//! server, for several hosts or shards). Both keep the same contract, and one test suite
//! (`contract.rs`) runs against each.

mod dead_letter;
mod postgres;
mod runs;
mod sqlite;
mod targets;

#[cfg(test)]
mod contract;
#[cfg(test)]
mod tests;

use std::fmt;

use crate::{LearnerKey, Result};

pub use dead_letter::{DeadLetter, NewDeadLetter};
pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;
pub use targets::{AddOutcome, DueTarget, NewTarget, TargetRecord};

/// Outcomes of [`Store::record_attempt`] that count as a successful refresh: the source
/// answered in full (`no-data`: it knows nothing of the learner, which is an answer too).
pub const SUCCESS_OUTCOMES: &[&str] = &["ok", "no-data"];
/// Outcomes of [`Store::record_attempt`] that count as a failed attempt, retried no sooner than
/// the retry window allows.
pub const FAILURE_OUTCOMES: &[&str] = &["dead-letter", "stale", "failed"];

/// The snapshot cache as the pipeline and the read API use it, whichever database holds it.
///
/// Every method blocks until the database has answered: call it from a plain thread, a
/// `tokio::task::spawn_blocking` closure or `block_in_place`, never straight from async code
/// (the PostgreSQL store drives its connection with a runtime of its own, and tokio refuses to
/// block a worker thread on another runtime). `Send` but not `Sync`: one caller at a time, as
/// with a database connection; share it behind a `Mutex`.
///
/// The contract each implementation keeps is written on the methods below, and `contract.rs`
/// checks it against both.
pub trait Store: Send + fmt::Debug {
    /// Where the cache is, for messages: the SQLite file, or `postgresql://user@host:port/db`
    /// (never a password).
    fn location(&self) -> String;

    /// Writes a batch of snapshots in one transaction, all or nothing, and says per item what
    /// happened. An item whose content hash equals the stored one leaves the document as it is
    /// ([`WriteOutcome::Unchanged`]) but updates its check time, checking run, source freshness
    /// and detail; a new hash replaces it ([`WriteOutcome::Written`]) or inserts it
    /// ([`WriteOutcome::Created`]). Refused, with nothing of the batch written: a run id not
    /// begun with [`Store::begin_run`], a content hash that is not 64 lower-case hex
    /// characters, a source named twice, and a changed document built from an incomplete source
    /// answer (DESIGN.md invariant 1). A complete put clears the stale mark. A learner that is
    /// a target is checked off as refreshed (outcome `ok` at the item's `generated_date`) in the
    /// same transaction, so a crash never leaves a snapshot without its checkpoint.
    fn put_snapshots(&mut self, batch: &[NewSnapshot<'_>]) -> Result<Vec<WriteOutcome>>;

    /// The learner's snapshot with its document decompressed, or `None`. Document and metadata
    /// are read in one transaction, so they always belong to the same version.
    fn get_snapshot(&self, key: &LearnerKey) -> Result<Option<Snapshot>>;

    /// The learner's snapshot metadata without the document (no decompression), or `None`:
    /// what the read API needs to answer 304 or from its cache of signed responses.
    fn get_snapshot_meta(&self, key: &LearnerKey) -> Result<Option<SnapshotMeta>>;

    /// The provenance JSON stored with the learner's snapshot, if any.
    fn get_provenance(&self, key: &LearnerKey) -> Result<Option<String>>;

    /// Calls `each` with every snapshot's coverage JSON array, in learner-key order.
    fn for_each_coverage(&self, each: &mut dyn FnMut(&str)) -> Result<()>;

    /// Keys starting with `prefix` (0 to 64 hex characters, any case), sorted; at most `limit`.
    /// A prefix that is not hex is refused without being repeated ([`crate::Error::InvalidKeyPrefix`]).
    fn find_keys(&self, prefix: &str, limit: usize) -> Result<Vec<LearnerKey>>;

    /// Every snapshot's metadata, sorted by learner key; no documents are read.
    fn list_snapshots(&self) -> Result<Vec<SnapshotMeta>>;

    /// Records the start of a run. Run ids are unique ([`crate::Error::RunExists`]).
    fn begin_run(&mut self, run: &RunStart<'_>) -> Result<()>;

    /// Records how a run ended, once. `summary_json` must be valid JSON.
    fn finish_run(
        &mut self,
        run_id: &str,
        finished_at: &str,
        outcome: &str,
        summary_json: &str,
    ) -> Result<()>;

    /// The run's record, or `None` if no run has that id.
    fn get_run(&self, run_id: &str) -> Result<Option<RunRecord>>;

    /// Holds the run lock `name` until the store is dropped or the process dies, so that a lock
    /// left by a killed run frees itself. [`crate::Error::Locked`] when another store holds it.
    fn lock_run(&mut self, name: &str) -> Result<()>;

    /// The latest run with this config label that never finished (killed or crashed), if any.
    fn unfinished_run(&self, config_label: &str) -> Result<Option<RunRecord>>;

    /// Learners whose snapshot run `run_id` stored or confirmed: that run's checkpoints.
    fn keys_checked_in(&self, run_id: &str) -> Result<Vec<LearnerKey>>;

    /// Adds targets in one transaction. Re-adding a key replaces its sealed identity and keeps
    /// its history and `added_at`.
    fn add_targets(&mut self, targets: &[NewTarget<'_>]) -> Result<AddOutcome>;

    /// Targets whose refresh is due at `now` (RFC 3339), sorted by learner key, at most
    /// `limit`: never succeeded, or the last success is at least `refresh_after_secs` old; but a
    /// target whose last attempt failed waits until that attempt is `retry_after_secs` old. A
    /// refresh asked for with [`Store::request_refresh`] and not attempted since is due
    /// whatever the policy says. Times are compared as instants, not as text.
    fn due_targets(
        &self,
        now: &str,
        refresh_after_secs: u64,
        retry_after_secs: u64,
        limit: Option<usize>,
    ) -> Result<Vec<DueTarget>>;

    /// Records a refresh attempt of target `key` at `at`, with an outcome from
    /// [`SUCCESS_OUTCOMES`] or [`FAILURE_OUTCOMES`] and an already redacted `error`. A success
    /// also deletes the learner's dead letter, in the same transaction.
    fn record_attempt(
        &mut self,
        key: &LearnerKey,
        at: &str,
        outcome: &str,
        error: Option<&str>,
    ) -> Result<()>;

    /// Asks that target `key` be refreshed by the next run; false when `key` is not a target.
    fn request_refresh(&mut self, key: &LearnerKey, at: &str) -> Result<bool>;

    /// Marks the learner's snapshot stale, leaving the document as it is; `stale_since` keeps
    /// the first failure's time. Returns whether there was a snapshot to mark.
    fn mark_stale(&mut self, key: &LearnerKey, at: &str, reason: &str) -> Result<bool>;

    /// How many targets there are.
    fn count_targets(&self) -> Result<u64>;

    /// Target `key`'s row, or `None` if it is not a target.
    fn get_target(&self, key: &LearnerKey) -> Result<Option<TargetRecord>>;

    /// The latest `limit` runs, newest first: by `started_at` as an instant (a value that is not
    /// a time sorts last), then by run id, descending.
    fn list_runs(&self, limit: usize) -> Result<Vec<RunRecord>>;

    /// Records that a learner's refresh failed. A learner not yet failing gets a row with one
    /// attempt and `first_failed_at = last_failed_at = failed_at`; one already failing counts
    /// one more attempt, keeps `first_failed_at`, and takes the new source, phase, class, error,
    /// time and run. Refused: a time that is not RFC 3339, an empty source, phase or class, and
    /// a run not begun with [`Store::begin_run`]. The learner need not be a target.
    fn record_dead_letter(&mut self, letter: &NewDeadLetter<'_>) -> Result<()>;

    /// The dead letters whose learner key starts with `prefix` (0 to 64 hex characters, any
    /// case; empty for all), sorted by key. A prefix that is not hex is refused without being
    /// repeated ([`crate::Error::InvalidKeyPrefix`]).
    fn list_dead_letters(&self, prefix: &str) -> Result<Vec<DeadLetter>>;

    /// Deletes the dead letters whose key starts with `prefix` (as for
    /// [`Store::list_dead_letters`]; the empty prefix deletes them all) and says how many went.
    /// Targets are left as they are. A success recorded with [`Store::record_attempt`] deletes
    /// the learner's dead letter by itself.
    fn clear_dead_letters(&mut self, prefix: &str) -> Result<u64>;
}

/// Checks made on a batch item before anything of it is written, the same for both stores, so
/// the message can say what was expected. `Err` holds the reason.
pub(super) fn check_new_snapshot(s: &NewSnapshot<'_>) -> std::result::Result<(), String> {
    if s.content_hash.len() != 64 || !s.content_hash.bytes().all(crate::key::is_lower_hex) {
        return Err(format!(
            "content_hash is {} bytes long or not lower-case hex; expected the 64 lower-case \
             hex characters of a SHA-256",
            s.content_hash.len()
        ));
    }
    let mut names = std::collections::HashSet::new();
    for freshness in s.sources {
        if freshness.source.is_empty() {
            return Err("a source has an empty name".to_owned());
        }
        if !names.insert(freshness.source.as_str()) {
            return Err(format!(
                "source {:?} is listed twice; expected one entry per source",
                freshness.source
            ));
        }
    }
    Ok(())
}

/// The stored form of a document: gzip at the default level. flate2 writes mtime 0 in the
/// header, so equal XML gives equal blobs.
pub fn gzip_document(elmo_xml: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(elmo_xml.len() / 8),
        flate2::Compression::default(),
    );
    encoder.write_all(elmo_xml)?;
    encoder.finish()
}

/// One learner's snapshot as the pipeline hands it to [`Store::put_snapshots`].
///
/// Debug omits the document: it holds the learner's identifiers (elmo.md: `nationalIdentifier`
/// is the henkilötunnus), which must never reach a log (DESIGN.md invariant 5).
#[derive(Clone, Copy)]
pub struct NewSnapshot<'a> {
    /// Whose snapshot this is.
    pub learner_key: &'a LearnerKey,
    /// The unsigned ELMO document, uncompressed; stored byte for byte (gzipped).
    pub elmo_xml: &'a [u8],
    /// `elmo_xml` already compressed by [`gzip_document`], or `None` for the store to do it. A
    /// rebuild compresses on its build threads, so the store's one thread need not.
    pub elmo_gz: Option<&'a [u8]>,
    /// Lower-case hex SHA-256 over the canonical XML without generatedDate, computed by the
    /// pipeline (DESIGN.md invariant 3). Equal hashes mean "unchanged".
    pub content_hash: &'a str,
    /// The document's generatedDate, as written in it.
    pub generated_date: &'a str,
    /// The ELMO schema version, `"1.7.0"`: the namespace does not reveal it (elmo.md §8 rule 18).
    pub elmo_version: &'a str,
    /// The run writing this snapshot; it must have been started with [`Store::begin_run`].
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
            .field(
                "elmo_gz",
                &self.elmo_gz.map(|gz| format!("<{} bytes>", gz.len())),
            )
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

/// What [`Store::put_snapshots`] did with one snapshot of the batch.
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

/// The start of a job run, for [`Store::begin_run`].
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

/// Why `snapshot` may not replace a stored document with other content, if it may not: DESIGN.md
/// invariant 1, a stored snapshot is replaced only by one built from complete source answers.
/// Both stores ask this before they overwrite.
/// The target update that goes with a stored snapshot (`record_attempt` with outcome `ok`).
/// `?3` says whether every source answered completely: a snapshot from partial answers leaves
/// the target `partial`, with its last error and without a success, so it is due again after
/// the retry wait rather than the refresh interval.
const REFRESH_TARGET_SQLITE: &str = "UPDATE target SET last_attempt_at = ?2, \
     last_outcome = CASE WHEN ?3 THEN 'ok' ELSE 'partial' END, \
     last_error = CASE WHEN ?3 THEN NULL ELSE last_error END, attempts = attempts + 1, \
     last_success_at = CASE WHEN ?3 THEN ?2 ELSE last_success_at END WHERE learner_key = ?1";
/// The same for PostgreSQL, whose placeholders are `$n`.
const REFRESH_TARGET_POSTGRES: &str = "UPDATE target SET last_attempt_at = $2, \
     last_outcome = CASE WHEN $3::boolean THEN 'ok' ELSE 'partial' END, \
     last_error = CASE WHEN $3::boolean THEN NULL ELSE last_error END, attempts = attempts + 1, \
     last_success_at = CASE WHEN $3::boolean THEN $2 ELSE last_success_at END \
     WHERE learner_key = $1";
/// A stored snapshot ends its learner's dead letter, unless a source answered only in part:
/// then the learner is still owed its missing results.
const CLEAR_DEAD_LETTER_SQLITE: &str = "DELETE FROM dead_letter WHERE learner_key = ?1 AND ?2";
/// The same for PostgreSQL.
const CLEAR_DEAD_LETTER_POSTGRES: &str =
    "DELETE FROM dead_letter WHERE learner_key = $1 AND $2::boolean";

/// Why `snapshot` may not replace a stored document with other content, if it may not: DESIGN.md
/// invariant 1, a stored snapshot is replaced only by one built from complete source answers.
/// Both stores ask this before they overwrite.
fn refuses_replacement(snapshot: &NewSnapshot<'_>) -> Option<String> {
    let partial = snapshot.sources.iter().find(|f| !f.complete)?;
    Some(format!(
        "the document changed but source {:?} answered incompletely; a stored snapshot is \
         replaced only by one built from complete answers",
        partial.source
    ))
}
