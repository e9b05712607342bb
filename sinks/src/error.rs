//! The crate's one error type: every variant says which cache file or secret, which operation, and
//! what was expected.
//!
//! The `path` of a cache error is the SQLite file, or for PostgreSQL the store's location
//! (`postgresql://user@host:port/db`, [`crate::Store::location`]): the contract errors
//! (`UnknownRun`, `InvalidSnapshot`, …) are the same variants from both stores, so a caller
//! matches one set.
//!
//! DESIGN.md invariant 5: no message here carries an identity code. Learner keys (keyed hashes) may
//! appear; raw input that failed to parse as a key is never echoed, because a user may have typed
//! a henkilötunnus where a key was expected.

use std::path::PathBuf;

/// `Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// What went wrong in the sinks crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Another process holds the run lock (`Store::lock_run`).
    #[error(
        "cache {location}: another run holds the lock `{name}` (same cache, same shard); \
         wait for it to finish, or run another shard"
    )]
    Locked {
        /// Where the cache is.
        location: String,
        /// The lock's name.
        name: String,
    },

    /// The lock file beside the SQLite cache could not be opened or locked.
    #[error("run lock file {path:?}: {source}")]
    LockFile {
        /// The lock file.
        path: PathBuf,
        /// The I/O failure.
        source: std::io::Error,
    },
    /// The learner secret has fewer bytes than [`crate::LearnerSecret::MIN_BYTES`].
    #[error(
        "learner secret {origin} is {len} bytes long; expected at least {min} bytes \
         (for example 32 random bytes written as 64 hex characters)"
    )]
    SecretTooShort {
        /// Where the secret came from: `given as bytes` or `in file "…"`.
        origin: String,
        /// Its length after trimming.
        len: usize,
        /// The minimum accepted length.
        min: usize,
    },

    /// The learner secret file could not be read.
    #[error("cannot read learner secret file {path:?}: {source}")]
    SecretFile {
        /// The secret file.
        path: PathBuf,
        /// The I/O failure.
        source: std::io::Error,
    },

    /// A string is not a learner key (the string itself is deliberately not shown).
    #[error(
        "not a learner key: {reason}; expected exactly 64 lower-case hex characters (0-9, a-f)"
    )]
    InvalidLearnerKey {
        /// What is wrong with it, without its content.
        reason: String,
    },

    /// A key prefix for [`crate::SqliteStore::find_keys`] is not hex (the prefix is not shown).
    #[error(
        "not a learner key prefix: {reason}; expected 0 to 64 hex characters (0-9, a-f), e.g. `3fa2`"
    )]
    InvalidKeyPrefix {
        /// What is wrong with it, without its content.
        reason: String,
    },

    /// The cache file's folder could not be created.
    #[error("cache {path:?}: cannot create its folder: {source}")]
    CreateDir {
        /// The cache file.
        path: PathBuf,
        /// The I/O failure.
        source: std::io::Error,
    },

    /// The cache file could not be created (owner-only, before SQLite opens it).
    #[error("cache {path:?}: cannot create the file: {source}")]
    CreateFile {
        /// The cache file.
        path: PathBuf,
        /// The I/O failure.
        source: std::io::Error,
    },

    /// SQLite failed during an operation on the cache.
    #[error("cache {path:?}: {op}: {source}")]
    Sqlite {
        /// The cache file.
        path: PathBuf,
        /// What we were doing, e.g. `put_snapshots: update snapshot 3fa2…`.
        op: String,
        /// SQLite's error.
        source: Box<rusqlite::Error>,
    },

    /// PostgreSQL failed during an operation on the cache (or could not be reached).
    ///
    /// The message shows a server error's severity, SQLSTATE and message, but not its DETAIL:
    /// PostgreSQL puts the failing row there, which may hold a document. For the same reason the
    /// driver's error is not this error's `source()` (a `{:#}` chain would print it whole).
    #[error("cache {location}: {op}: {}", postgres_message(driver))]
    Postgres {
        /// Where: `postgresql://user@host:port/db`, never a password.
        location: String,
        /// What we were doing, e.g. `put_snapshots: batch item 3 (learner 3fa2…): write snapshot`.
        op: String,
        /// The driver's error, for code that looks at it (`driver.code()`); not for logs.
        driver: Box<tokio_postgres::Error>,
    },

    /// The PostgreSQL connection URL is not usable. The URL itself is never shown: it may hold
    /// a password.
    #[error(
        "PostgreSQL cache URL {origin}: {reason}; expected e.g. \
         postgresql://rikastin:PASSWORD@db.example:5432/rikastin"
    )]
    PostgresUrl {
        /// Where the URL came from, e.g. `from environment variable RIKASTIN_PG_URL`.
        origin: String,
        /// What is wrong with it, without its content.
        reason: String,
    },

    /// The PostgreSQL store's own runtime (which drives its connection) could not start.
    #[error("cache {location}: cannot start the runtime that drives the connection: {source}")]
    PostgresRuntime {
        /// Where the cache is.
        location: String,
        /// The I/O failure.
        source: std::io::Error,
    },

    /// The cache was written by a newer Rikastin whose schema we do not know.
    #[error(
        "cache {path:?}: schema version {found} is newer than this build knows (up to {known}); \
         use a newer rikastin or another cache file"
    )]
    NewerSchema {
        /// The cache file.
        path: PathBuf,
        /// `PRAGMA user_version` in the file.
        found: i64,
        /// The newest version this build can migrate to.
        known: i64,
    },

    /// SQLite refused to switch the cache to write-ahead logging.
    #[error("cache {path:?}: expected journal_mode `wal`, SQLite kept `{mode}`")]
    NotWal {
        /// The cache file.
        path: PathBuf,
        /// The journal mode SQLite reported.
        mode: String,
    },

    /// A snapshot in a batch for [`crate::SqliteStore::put_snapshots`] is not acceptable.
    #[error("cache {path:?}: put_snapshots: batch item {item} (learner {learner_key}): {reason}")]
    InvalidSnapshot {
        /// The cache file.
        path: PathBuf,
        /// Zero-based position in the batch.
        item: usize,
        /// The learner key of that item.
        learner_key: String,
        /// What is wrong, and what was expected.
        reason: String,
    },

    /// A run id given to the store was never started with [`crate::SqliteStore::begin_run`].
    #[error("cache {path:?}: {op}: run {run_id:?} was never started (call begin_run first)")]
    UnknownRun {
        /// The cache file.
        path: PathBuf,
        /// What we were doing.
        op: String,
        /// The run id.
        run_id: String,
    },

    /// [`crate::SqliteStore::begin_run`] with a run id that already exists.
    #[error("cache {path:?}: begin_run: run {run_id:?} already exists; run ids must be unique")]
    RunExists {
        /// The cache file.
        path: PathBuf,
        /// The run id.
        run_id: String,
    },

    /// [`crate::SqliteStore::finish_run`] on a run that is already finished.
    #[error("cache {path:?}: finish_run: run {run_id:?} already finished")]
    RunFinished {
        /// The cache file.
        path: PathBuf,
        /// The run id.
        run_id: String,
    },

    /// [`crate::SqliteStore::finish_run`] with values the run table does not accept.
    #[error("cache {path:?}: finish_run: run {run_id:?}: {reason}")]
    InvalidRun {
        /// The cache file.
        path: PathBuf,
        /// The run id.
        run_id: String,
        /// What is wrong, and what was expected.
        reason: String,
    },

    /// Compressing or decompressing a document failed.
    #[error("cache {path:?}: {op} of learner {learner_key}'s document: {source}")]
    Gzip {
        /// The cache file.
        path: PathBuf,
        /// `gzip` or `gunzip`.
        op: &'static str,
        /// The learner key.
        learner_key: String,
        /// The I/O failure (for gunzip: the stored blob is not valid gzip).
        source: std::io::Error,
    },

    /// A sealed target identity cannot be opened (see [`crate::TargetSeal::open`]).
    #[error("sealed identity of target {learner_key} cannot be opened: {reason}")]
    SealOpen {
        /// The learner key of the row the value was read from.
        learner_key: String,
        /// Why, and what to do about it; never the value.
        reason: String,
    },

    /// A target operation names a learner key that is not in the targets table.
    #[error(
        "cache {path:?}: {op}: learner {learner_key} is not a target (add it with `rikastin \
         targets add`)"
    )]
    UnknownTarget {
        /// The cache file.
        path: PathBuf,
        /// What we were doing.
        op: String,
        /// The learner key.
        learner_key: String,
    },

    /// A value given to a target operation is not acceptable.
    #[error("cache {path:?}: {op}: {field}: {reason}")]
    InvalidTargetInput {
        /// The cache file.
        path: PathBuf,
        /// What we were doing, with the learner key where there is one.
        op: String,
        /// Which argument, e.g. `added_at` or `outcome`.
        field: &'static str,
        /// What is wrong, and what was expected.
        reason: String,
    },

    /// A stored row does not hold what the schema promises (edited by hand, or damaged).
    #[error("cache {path:?}: {op}: stored row is damaged: {reason}")]
    Corrupt {
        /// The cache file.
        path: PathBuf,
        /// What we were doing.
        op: String,
        /// What was found instead of what was expected.
        reason: String,
    },
}

/// A PostgreSQL error without the parts that may quote stored data (DETAIL, WHERE).
fn postgres_message(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{} {}: {}", db.severity(), db.code().code(), db.message()),
        None => error.to_string(),
    }
}
