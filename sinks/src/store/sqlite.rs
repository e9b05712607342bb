//! `SqliteStore`: the snapshot cache in one SQLite file (WAL mode), schema in `schema.sql`.
//!
//! rusqlite is blocking; the pipeline calls the store from a blocking thread (DESIGN.md,
//! Dependencies).

use std::borrow::Cow;
use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use flate2::read::GzDecoder;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, TransactionBehavior, params};

use super::{
    AddOutcome, DeadLetter, DueTarget, NewDeadLetter, NewSnapshot, NewTarget, RunRecord, RunStart,
    Snapshot, SnapshotMeta, SourceFreshness, TargetRecord, WriteOutcome,
};
use crate::key::is_lower_hex;
use crate::{Error, LearnerKey, Result};

/// Schema migrations; migration `i` brings the file to `PRAGMA user_version = i + 1`.
/// `schema.sql` is the single source of version 1, `schema_v2.sql` of the step to version 2
/// (docs/cache.md shows both). A migration, once released, is never edited: add the next one.
const MIGRATIONS: &[&str] = &[
    include_str!("schema.sql"),
    include_str!("schema_v2.sql"),
    include_str!("schema_v3.sql"),
    include_str!("schema_v4.sql"),
    include_str!("schema_v5.sql"),
];

/// How long a writer waits for another process's lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The store's clock, in the RFC 3339 UTC form every timestamp column uses.
const NOW_SQL: &str = "SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

const META_COLUMNS: &str = "learner_key, content_hash, generated_date, elmo_version, run_id, \
     checked_run_id, created_at, updated_at, checked_at, results, length(elmo_gz), stale_since, \
     stale_reason";

/// Column index of `elmo_gz` when selected after [`META_COLUMNS`].
const ELMO_GZ_AFTER_META: usize = 13;

/// The snapshot cache in a SQLite file.
#[derive(Debug)]
pub struct SqliteStore {
    pub(super) conn: Connection,
    pub(super) path: PathBuf,
    /// Run locks held (`lock_run`): open files with an exclusive advisory lock.
    pub(super) locks: Vec<std::fs::File>,
}

/// Creates the cache file empty and readable by its owner only (0600), when it does not exist:
/// SQLite gives its `-wal` and `-shm` files the same mode, and the cache holds study records.
fn create_private(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

impl SqliteStore {
    /// The schema version this build creates and understands (`PRAGMA user_version`).
    pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

    /// Opens or creates the cache file (creating parent folders), WAL mode, foreign keys on,
    /// busy_timeout, migrations by `PRAGMA user_version` (refuse a newer version than we know, with a clear error).
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| Error::CreateDir {
                path: path.to_owned(),
                source,
            })?;
        }
        create_private(path).map_err(|source| Error::CreateFile {
            path: path.to_owned(),
            source,
        })?;
        let conn = Connection::open(path).map_err(sql_err(path, "open"))?;
        let mut store = Self {
            conn,
            path: path.to_owned(),
            locks: Vec::new(),
        };
        store
            .conn
            .busy_timeout(BUSY_TIMEOUT)
            .map_err(store.err("set busy_timeout"))?;
        // Refuse a newer file before touching it, even its journal mode; migrate() checks again
        // under the write lock.
        store.check_version()?;
        // WAL: readers (the read API, `sqlite3`) keep seeing the last committed snapshot while a
        // batch is written, and never a half-written one (DESIGN.md invariant 2).
        let mode: String = store
            .conn
            .pragma_update_and_check(None, "journal_mode", "wal", |row| row.get(0))
            .map_err(store.err("set journal_mode"))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Error::NotWal {
                path: store.path,
                mode,
            });
        }
        store
            .conn
            .pragma_update(None, "foreign_keys", true)
            .map_err(store.err("turn on foreign_keys"))?;
        store.migrate()?;
        Ok(store)
    }

    /// The cache file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn check_version(&self) -> Result<()> {
        let found: i64 = self
            .conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(self.err("read user_version"))?;
        if found > Self::SCHEMA_VERSION {
            return Err(Error::NewerSchema {
                path: self.path.clone(),
                found,
                known: Self::SCHEMA_VERSION,
            });
        }
        Ok(())
    }

    /// Brings the schema up to [`Self::SCHEMA_VERSION`], in one write transaction so that two
    /// processes opening a new file do not both migrate it.
    fn migrate(&mut self) -> Result<()> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql_err(&path, "migrate: begin"))?;
        let found: i64 = tx
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(sql_err(&path, "migrate: read user_version"))?;
        let known = Self::SCHEMA_VERSION;
        if found > known {
            return Err(Error::NewerSchema { path, found, known });
        }
        let Ok(done) = usize::try_from(found) else {
            return Err(Error::Corrupt {
                path,
                op: "migrate".to_owned(),
                reason: format!("PRAGMA user_version is {found}; expected 0 to {known}"),
            });
        };
        for (index, sql) in MIGRATIONS.iter().enumerate().skip(done) {
            let version = index + 1;
            tx.execute_batch(sql).map_err(sql_err(
                &path,
                &format!("migrate to schema version {version}"),
            ))?;
        }
        if done < MIGRATIONS.len() {
            tx.pragma_update(None, "user_version", known)
                .map_err(sql_err(&path, "migrate: set user_version"))?;
        }
        tx.commit().map_err(sql_err(&path, "migrate: commit"))
    }

    /// Writes a batch of snapshots in ONE transaction. For each: if a snapshot for the key exists with the
    /// same content_hash, the document is not rewritten (outcome Unchanged) but its `checked_run_id`,
    /// `checked_at` and the source freshness rows are updated; otherwise the document is replaced (Written),
    /// or inserted (Created). All or nothing.
    ///
    /// Refused (and nothing of the batch written): a run id not started with [`Self::begin_run`],
    /// a content hash that is not 64 lower-case hex characters, a source named twice, and a
    /// changed document built from an incomplete source answer, which would replace a stored one
    /// (DESIGN.md invariant 1).
    pub fn put_snapshots(&mut self, batch: &[NewSnapshot<'_>]) -> Result<Vec<WriteOutcome>> {
        let path = self.path.clone();
        // Immediate: take the write lock up front, so a concurrent writer waits on busy_timeout
        // here instead of failing halfway through the batch.
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql_err(&path, "put_snapshots: begin"))?;
        let now: String = tx
            .query_row(NOW_SQL, [], |row| row.get(0))
            .map_err(sql_err(&path, "put_snapshots: read clock"))?;
        let mut known_runs = HashSet::new();
        let mut outcomes = Vec::with_capacity(batch.len());
        for (item, snapshot) in batch.iter().enumerate() {
            let writer = BatchWriter {
                tx: &tx,
                path: &path,
                now: &now,
                item,
                snapshot,
            };
            outcomes.push(writer.put(&mut known_runs)?);
        }
        // Dropping `tx` on an early return above rolls the whole batch back.
        tx.commit()
            .map_err(sql_err(&path, "put_snapshots: commit"))?;
        Ok(outcomes)
    }

    /// The learner's snapshot with its document decompressed, or `None` if there is none.
    pub fn get_snapshot(&self, key: &LearnerKey) -> Result<Option<Snapshot>> {
        let op = format!("get_snapshot {key}");
        // One read transaction for the row and its sources: without it a batch committed
        // between the two queries would give this version's document with the next one's
        // freshness (a torn read). Nothing is written, so dropping it (a rollback) ends it.
        let _read = self.conn.unchecked_transaction().map_err(self.err(&op))?;
        let sql = format!("SELECT {META_COLUMNS}, elmo_gz FROM snapshot WHERE learner_key = ?1");
        let found = self
            .conn
            .query_row(&sql, [key.as_str()], |row| {
                Ok((read_meta(row)?, row.get::<_, Vec<u8>>(ELMO_GZ_AFTER_META)?))
            })
            .optional()
            .map_err(self.err(&op))?;
        let Some((raw, elmo_gz)) = found else {
            return Ok(None);
        };
        let mut meta = raw.into_meta(&self.path, &op)?;
        meta.sources = self.sources_of(key, &op)?;
        let mut elmo_xml = Vec::new();
        GzDecoder::new(elmo_gz.as_slice())
            .read_to_end(&mut elmo_xml)
            .map_err(|source| Error::Gzip {
                path: self.path.clone(),
                op: "gunzip",
                learner_key: key.to_string(),
                source,
            })?;
        Ok(Some(Snapshot { meta, elmo_xml }))
    }

    /// The learner's snapshot metadata, without reading the document.
    pub fn get_snapshot_meta(&self, key: &LearnerKey) -> Result<Option<SnapshotMeta>> {
        let op = format!("get_snapshot_meta {key}");
        // One read transaction for the row and its sources, as in `get_snapshot`.
        let _read = self.conn.unchecked_transaction().map_err(self.err(&op))?;
        let sql = format!("SELECT {META_COLUMNS} FROM snapshot WHERE learner_key = ?1");
        let found = self
            .conn
            .prepare_cached(&sql)
            .and_then(|mut stmt| stmt.query_row([key.as_str()], read_meta).optional())
            .map_err(self.err(&op))?;
        let Some(raw) = found else {
            return Ok(None);
        };
        let mut meta = raw.into_meta(&self.path, &op)?;
        meta.sources = self.sources_of(key, &op)?;
        Ok(Some(meta))
    }

    /// The provenance JSON stored with the learner's snapshot, if any.
    pub fn get_provenance(&self, key: &LearnerKey) -> Result<Option<String>> {
        self.conn
            .query_row(
                "SELECT provenance_json FROM snapshot_detail WHERE learner_key = ?1",
                [key.as_str()],
                |row| row.get(0),
            )
            .optional()
            .map_err(self.err("get_provenance"))
    }

    /// Calls `each` with every snapshot's coverage JSON array, in learner-key order, one row
    /// at a time, so the whole cache need not sit in memory as text.
    pub fn for_each_coverage(&self, mut each: impl FnMut(&str)) -> Result<()> {
        let op = "for_each_coverage";
        let mut stmt = self
            .conn
            .prepare("SELECT coverage_json FROM snapshot_detail ORDER BY learner_key")
            .map_err(self.err(op))?;
        let mut rows = stmt.query([]).map_err(self.err(op))?;
        while let Some(row) = rows.next().map_err(self.err(op))? {
            let json: String = row.get(0).map_err(self.err(op))?;
            each(&json);
        }
        Ok(())
    }

    /// Keys starting with `prefix` (for `rikastin show 3fa2`), sorted; at most `limit`.
    ///
    /// The prefix is 0 to 64 hex characters; upper case is accepted and folded.
    pub fn find_keys(&self, prefix: &str, limit: usize) -> Result<Vec<LearnerKey>> {
        let prefix = checked_prefix(prefix)?;
        // Every key is lower-case hex and 'g' sorts after 'f', so [prefix, prefix + "g") is exactly
        // the keys with this prefix, and the range uses the primary key index.
        let upper = format!("{prefix}g");
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let op = "find_keys";
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT learner_key FROM snapshot WHERE learner_key >= ?1 AND learner_key < ?2 \
                 ORDER BY learner_key LIMIT ?3",
            )
            .map_err(self.err(op))?;
        let rows = stmt
            .query_map(params![prefix, upper, limit], |row| row.get::<_, String>(0))
            .map_err(self.err(op))?;
        let mut keys = Vec::new();
        for row in rows {
            let raw = row.map_err(self.err(op))?;
            keys.push(parse_stored_key(&raw, &self.path, op)?);
        }
        Ok(keys)
    }

    /// Every snapshot's metadata, sorted by learner key; no documents are read.
    pub fn list_snapshots(&self) -> Result<Vec<SnapshotMeta>> {
        let op = "list_snapshots";
        // One read transaction for both passes (see get_snapshot).
        let _read = self.conn.unchecked_transaction().map_err(self.err(op))?;
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {META_COLUMNS} FROM snapshot ORDER BY learner_key"
            ))
            .map_err(self.err(op))?;
        let rows = stmt.query_map([], read_meta).map_err(self.err(op))?;
        let mut metas = Vec::new();
        for row in rows {
            metas.push(row.map_err(self.err(op))?.into_meta(&self.path, op)?);
        }

        // One pass over all freshness rows in the same order, instead of one query per learner.
        let mut stmt = self
            .conn
            .prepare(
                "SELECT learner_key, source, fetched_at, complete FROM snapshot_source \
                 ORDER BY learner_key, source",
            )
            .map_err(self.err(op))?;
        let rows = stmt
            .query_map([], |row| {
                Ok((row.get::<_, String>(0)?, read_source(row, 1)?))
            })
            .map_err(self.err(op))?;
        let mut metas_iter = metas.iter_mut().peekable();
        for row in rows {
            let (key, source) = row.map_err(self.err(op))?;
            while metas_iter
                .peek()
                .is_some_and(|m| m.learner_key.as_str() < key.as_str())
            {
                metas_iter.next();
            }
            match metas_iter.peek_mut() {
                Some(meta) if meta.learner_key.as_str() == key => meta.sources.push(source),
                // The foreign key makes an orphan row impossible unless the file was edited.
                _ => {
                    return Err(Error::Corrupt {
                        path: self.path.clone(),
                        op: op.to_owned(),
                        reason: format!("snapshot_source row for learner {key} has no snapshot"),
                    });
                }
            }
        }
        Ok(metas)
    }

    /// Records the start of a run: run_id, started_at, config label. Run ids are unique.
    pub fn begin_run(&mut self, run: &RunStart<'_>) -> Result<()> {
        let inserted = self
            .conn
            .execute(
                "INSERT INTO run (run_id, started_at, config_label) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (run_id) DO NOTHING",
                params![run.run_id, run.started_at, run.config_label],
            )
            .map_err(self.err(&format!("begin_run {:?}", run.run_id)))?;
        if inserted == 0 {
            return Err(Error::RunExists {
                path: self.path.clone(),
                run_id: run.run_id.to_owned(),
            });
        }
        Ok(())
    }

    /// Records how a run ended. `summary_json` must be valid JSON; a run finishes once.
    pub fn finish_run(
        &mut self,
        run_id: &str,
        finished_at: &str,
        outcome: &str,
        summary_json: &str,
    ) -> Result<()> {
        let op = format!("finish_run {run_id:?}");
        let valid: bool = self
            .conn
            .query_row("SELECT json_valid(?1)", [summary_json], |row| row.get(0))
            .map_err(self.err(&op))?;
        if !valid {
            return Err(Error::InvalidRun {
                path: self.path.clone(),
                run_id: run_id.to_owned(),
                reason: "summary_json is not valid JSON; expected e.g. {\"written\": 3}".to_owned(),
            });
        }
        let updated = self
            .conn
            .execute(
                "UPDATE run SET finished_at = ?2, outcome = ?3, summary_json = ?4 \
                 WHERE run_id = ?1 AND finished_at IS NULL",
                params![run_id, finished_at, outcome, summary_json],
            )
            .map_err(self.err(&op))?;
        if updated == 1 {
            return Ok(());
        }
        match self.get_run(run_id)? {
            Some(_) => Err(Error::RunFinished {
                path: self.path.clone(),
                run_id: run_id.to_owned(),
            }),
            None => Err(Error::UnknownRun {
                path: self.path.clone(),
                op: "finish_run".to_owned(),
                run_id: run_id.to_owned(),
            }),
        }
    }

    /// The run's record, or `None` if no run has that id.
    pub fn get_run(&self, run_id: &str) -> Result<Option<RunRecord>> {
        self.conn
            .query_row(
                "SELECT run_id, started_at, config_label, finished_at, outcome, summary_json \
                 FROM run WHERE run_id = ?1",
                [run_id],
                read_run,
            )
            .optional()
            .map_err(self.err(&format!("get_run {run_id:?}")))
    }

    /// The latest `limit` runs, newest first (see [`super::Store::list_runs`]).
    pub fn list_runs(&self, limit: usize) -> Result<Vec<RunRecord>> {
        let op = "list_runs";
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        // julianday() compares instants whatever the offset, and is NULL for text that is not a
        // time, which sorts last in a descending order.
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT run_id, started_at, config_label, finished_at, outcome, summary_json \
                 FROM run ORDER BY julianday(started_at) DESC, run_id DESC LIMIT ?1",
            )
            .map_err(self.err(op))?;
        let rows = stmt.query_map([limit], read_run).map_err(self.err(op))?;
        rows.collect::<rusqlite::Result<_>>().map_err(self.err(op))
    }

    fn sources_of(&self, key: &LearnerKey, op: &str) -> Result<Vec<SourceFreshness>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT source, fetched_at, complete FROM snapshot_source \
                 WHERE learner_key = ?1 ORDER BY source",
            )
            .map_err(self.err(op))?;
        let rows = stmt
            .query_map([key.as_str()], |row| read_source(row, 0))
            .map_err(self.err(op))?;
        rows.collect::<rusqlite::Result<_>>().map_err(self.err(op))
    }

    pub(super) fn err(&self, op: &str) -> impl FnOnce(rusqlite::Error) -> Error + use<> {
        sql_err(&self.path, op)
    }
}

/// Writes one item of a `put_snapshots` batch inside the batch's transaction.
struct BatchWriter<'b, 'a> {
    tx: &'b Transaction<'b>,
    path: &'b Path,
    now: &'b str,
    item: usize,
    snapshot: &'b NewSnapshot<'a>,
}

impl BatchWriter<'_, '_> {
    fn put(&self, known_runs: &mut HashSet<String>) -> Result<WriteOutcome> {
        let s = self.snapshot;
        let key = s.learner_key.as_str();
        self.check_fields()?;
        if !known_runs.contains(s.run_id) {
            let found = self
                .tx
                .query_row(
                    "SELECT 1 FROM run WHERE run_id = ?1",
                    [s.run_id],
                    |_| Ok(()),
                )
                .optional()
                .map_err(self.err("look up run"))?;
            if found.is_none() {
                return Err(Error::UnknownRun {
                    path: self.path.to_owned(),
                    op: format!("put_snapshots: batch item {} (learner {key})", self.item),
                    run_id: s.run_id.to_owned(),
                });
            }
            known_runs.insert(s.run_id.to_owned());
        }

        // DESIGN.md invariant 3: compare with the stored hash; the stored document is never read.
        let stored_hash: Option<String> = self
            .tx
            .prepare_cached("SELECT content_hash FROM snapshot WHERE learner_key = ?1")
            .and_then(|mut statement| statement.query_row([key], |row| row.get(0)).optional())
            .map_err(self.err("read stored hash"))?;

        let outcome = match stored_hash {
            Some(hash) if hash == s.content_hash => {
                self.exec(
                    "UPDATE snapshot SET checked_run_id = ?2, checked_at = ?3 \
                         WHERE learner_key = ?1",
                    params![key, s.run_id, self.now],
                    "mark snapshot checked",
                )?;
                WriteOutcome::Unchanged
            }
            Some(_) => {
                if let Some(reason) = super::refuses_replacement(s) {
                    return Err(self.invalid(reason));
                }
                self.write_document()?;
                WriteOutcome::Written
            }
            None => {
                self.write_document()?;
                WriteOutcome::Created
            }
        };
        self.replace_sources()?;
        self.clear_stale_mark()?;
        self.replace_detail()?;
        self.mark_target_refreshed()?;
        Ok(outcome)
    }

    /// A stored snapshot is its target's successful refresh, committed in the same transaction
    /// (DESIGN.md invariant 2): after a crash a learner is either stored and checked off, or
    /// neither. Learners that are not targets (recorded runs) have no row to update.
    fn mark_target_refreshed(&self) -> Result<()> {
        let s = self.snapshot;
        let complete = s.sources.iter().all(|f| f.complete);
        self.exec(
            super::REFRESH_TARGET_SQLITE,
            params![s.learner_key.as_str(), s.generated_date, complete],
            "mark target refreshed",
        )?;
        // And it ends the learner's dead letter, as `record_attempt` with `ok` does.
        self.exec(
            super::CLEAR_DEAD_LETTER_SQLITE,
            params![s.learner_key.as_str(), complete],
            "clear dead letter",
        )?;
        Ok(())
    }

    /// Provenance and coverage describe the document as confirmed now, so they are rewritten
    /// even when the document itself is unchanged (a catalogue line may have moved).
    fn replace_detail(&self) -> Result<()> {
        let s = self.snapshot;
        let key = s.learner_key.as_str();
        match s.detail {
            Some(d) => self.exec(
                "INSERT INTO snapshot_detail (learner_key, provenance_json, coverage_json) \
                 VALUES (?1, ?2, ?3) ON CONFLICT (learner_key) DO UPDATE SET \
                 provenance_json = excluded.provenance_json, coverage_json = excluded.coverage_json",
                params![key, d.provenance_json, d.coverage_json],
                "write snapshot detail",
            )?,
            None => self.exec(
                "DELETE FROM snapshot_detail WHERE learner_key = ?1",
                [key],
                "clear snapshot detail",
            )?,
        };
        Ok(())
    }

    /// A snapshot confirmed by complete answers (written or unchanged) is fresh again. One built
    /// from an incomplete answer keeps its mark: it still rests on a failed or partial fetch.
    fn clear_stale_mark(&self) -> Result<()> {
        if self.snapshot.sources.iter().any(|f| !f.complete) {
            return Ok(());
        }
        self.exec(
            "UPDATE snapshot SET stale_since = NULL, stale_reason = NULL \
             WHERE learner_key = ?1 AND stale_since IS NOT NULL",
            [self.snapshot.learner_key.as_str()],
            "clear stale mark",
        )?;
        Ok(())
    }

    /// Writes the item's document, inserting the row or replacing its content; `created_at`
    /// keeps the first write's time.
    fn write_document(&self) -> Result<()> {
        let s = self.snapshot;
        let elmo_gz = match s.elmo_gz {
            Some(gz) => Cow::Borrowed(gz),
            None => Cow::Owned(self.gzip()?),
        };
        self.exec(
            "INSERT INTO snapshot (learner_key, content_hash, generated_date, elmo_version, \
                 results, elmo_gz, run_id, checked_run_id, created_at, updated_at, checked_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?8, ?8) \
                 ON CONFLICT (learner_key) DO UPDATE SET content_hash = excluded.content_hash, \
                 generated_date = excluded.generated_date, elmo_version = excluded.elmo_version, \
                 results = excluded.results, elmo_gz = excluded.elmo_gz, run_id = excluded.run_id, \
                 checked_run_id = excluded.checked_run_id, updated_at = excluded.updated_at, \
                 checked_at = excluded.checked_at",
            params![
                s.learner_key.as_str(),
                s.content_hash,
                s.generated_date,
                s.elmo_version,
                s.results,
                elmo_gz.as_ref(),
                s.run_id,
                self.now
            ],
            "write snapshot",
        )?;
        Ok(())
    }

    /// Checks made before anything is written for this item, so the message can say what was
    /// expected (SQLite's CHECK failures only name the constraint).
    fn check_fields(&self) -> Result<()> {
        super::check_new_snapshot(self.snapshot).map_err(|reason| self.invalid(reason))
    }

    /// The freshness rows describe the sources of the current snapshot as of its last check, so
    /// the set is replaced, not merged: a source no longer used does not linger.
    fn replace_sources(&self) -> Result<()> {
        let key = self.snapshot.learner_key.as_str();
        self.exec(
            "DELETE FROM snapshot_source WHERE learner_key = ?1",
            [key],
            "clear source freshness",
        )?;
        let mut insert = self
            .tx
            .prepare_cached(
                "INSERT INTO snapshot_source (learner_key, source, fetched_at, complete) \
                 VALUES (?1, ?2, ?3, ?4)",
            )
            .map_err(self.err("write source freshness"))?;
        for f in self.snapshot.sources {
            insert
                .execute(params![key, f.source, f.fetched_at, f.complete])
                .map_err(self.err("write source freshness"))?;
        }
        Ok(())
    }

    /// The document as stored ([`super::gzip_document`]).
    fn gzip(&self) -> Result<Vec<u8>> {
        super::gzip_document(self.snapshot.elmo_xml).map_err(|source| Error::Gzip {
            path: self.path.to_owned(),
            op: "gzip",
            learner_key: self.snapshot.learner_key.to_string(),
            source,
        })
    }

    /// Runs one of the statements the batch runs for every learner, prepared once per
    /// connection: preparing them again for each learner was a quarter of SQLite's time.
    fn exec(&self, sql: &str, params: impl rusqlite::Params, op: &str) -> Result<usize> {
        self.tx
            .prepare_cached(sql)
            .and_then(|mut statement| statement.execute(params))
            .map_err(self.err(op))
    }

    fn invalid(&self, reason: String) -> Error {
        Error::InvalidSnapshot {
            path: self.path.to_owned(),
            item: self.item,
            learner_key: self.snapshot.learner_key.to_string(),
            reason,
        }
    }

    fn err(&self, what: &str) -> impl FnOnce(rusqlite::Error) -> Error + use<> {
        sql_err(
            self.path,
            &format!(
                "put_snapshots: batch item {} (learner {}): {what}",
                self.item, self.snapshot.learner_key
            ),
        )
    }
}

/// A snapshot row as read, before its key is checked.
struct RawMeta {
    learner_key: String,
    content_hash: String,
    generated_date: String,
    elmo_version: String,
    run_id: String,
    checked_run_id: String,
    created_at: String,
    updated_at: String,
    checked_at: String,
    results: u32,
    compressed_bytes: i64,
    stale_since: Option<String>,
    stale_reason: Option<String>,
}

impl RawMeta {
    fn into_meta(self, path: &Path, op: &str) -> Result<SnapshotMeta> {
        let learner_key = parse_stored_key(&self.learner_key, path, op)?;
        let compressed_bytes =
            u64::try_from(self.compressed_bytes).map_err(|_| Error::Corrupt {
                path: path.to_owned(),
                op: op.to_owned(),
                reason: format!("learner {learner_key}: elmo_gz has a negative length"),
            })?;
        Ok(SnapshotMeta {
            learner_key,
            content_hash: self.content_hash,
            generated_date: self.generated_date,
            elmo_version: self.elmo_version,
            run_id: self.run_id,
            checked_run_id: self.checked_run_id,
            created_at: self.created_at,
            updated_at: self.updated_at,
            checked_at: self.checked_at,
            results: self.results,
            sources: Vec::new(),
            compressed_bytes,
            stale_since: self.stale_since,
            stale_reason: self.stale_reason,
        })
    }
}

/// Reads the columns of [`META_COLUMNS`], in order.
/// A `run` row, columns in the order `get_run` and `unfinished_run` select them.
pub(super) fn read_run(row: &Row<'_>) -> rusqlite::Result<RunRecord> {
    Ok(RunRecord {
        run_id: row.get(0)?,
        started_at: row.get(1)?,
        config_label: row.get(2)?,
        finished_at: row.get(3)?,
        outcome: row.get(4)?,
        summary_json: row.get(5)?,
    })
}

fn read_meta(row: &Row<'_>) -> rusqlite::Result<RawMeta> {
    Ok(RawMeta {
        learner_key: row.get(0)?,
        content_hash: row.get(1)?,
        generated_date: row.get(2)?,
        elmo_version: row.get(3)?,
        run_id: row.get(4)?,
        checked_run_id: row.get(5)?,
        created_at: row.get(6)?,
        updated_at: row.get(7)?,
        checked_at: row.get(8)?,
        results: row.get(9)?,
        compressed_bytes: row.get(10)?,
        stale_since: row.get(11)?,
        stale_reason: row.get(12)?,
    })
}

/// Reads `source, fetched_at, complete` starting at column `first`.
fn read_source(row: &Row<'_>, first: usize) -> rusqlite::Result<SourceFreshness> {
    Ok(SourceFreshness {
        source: row.get(first)?,
        fetched_at: row.get(first + 1)?,
        complete: row.get(first + 2)?,
    })
}

pub(super) fn parse_stored_key(raw: &str, path: &Path, op: &str) -> Result<LearnerKey> {
    raw.parse().map_err(|err| Error::Corrupt {
        path: path.to_owned(),
        op: op.to_owned(),
        reason: format!("stored learner_key: {err}"),
    })
}

/// Lower-cases a key prefix and checks it is 0 to 64 hex characters. The error does not repeat
/// the prefix: a mistyped identity code must not end up in a message (DESIGN.md invariant 5).
pub(super) fn checked_prefix(prefix: &str) -> Result<String> {
    if prefix.len() > LearnerKey::LEN {
        return Err(Error::InvalidKeyPrefix {
            reason: format!("it is {} bytes long", prefix.len()),
        });
    }
    let lower = prefix.to_ascii_lowercase();
    if let Some(pos) = lower.bytes().position(|b| !is_lower_hex(b)) {
        return Err(Error::InvalidKeyPrefix {
            reason: format!("byte {} is not a hex digit", pos + 1),
        });
    }
    Ok(lower)
}

pub(super) fn sql_err(path: &Path, op: &str) -> impl FnOnce(rusqlite::Error) -> Error + use<> {
    let path = path.to_owned();
    let op = op.to_owned();
    move |source| Error::Sqlite {
        path,
        op,
        source: Box::new(source),
    }
}

/// The trait by delegation: the inherent methods stay, so code that holds a `SqliteStore` keeps
/// working unchanged.
impl super::Store for SqliteStore {
    fn location(&self) -> String {
        self.path.display().to_string()
    }

    fn put_snapshots(&mut self, batch: &[NewSnapshot<'_>]) -> Result<Vec<WriteOutcome>> {
        SqliteStore::put_snapshots(self, batch)
    }

    fn get_snapshot(&self, key: &LearnerKey) -> Result<Option<Snapshot>> {
        SqliteStore::get_snapshot(self, key)
    }

    fn get_snapshot_meta(&self, key: &LearnerKey) -> Result<Option<SnapshotMeta>> {
        SqliteStore::get_snapshot_meta(self, key)
    }

    fn get_provenance(&self, key: &LearnerKey) -> Result<Option<String>> {
        SqliteStore::get_provenance(self, key)
    }

    fn for_each_coverage(&self, each: &mut dyn FnMut(&str)) -> Result<()> {
        SqliteStore::for_each_coverage(self, each)
    }

    fn find_keys(&self, prefix: &str, limit: usize) -> Result<Vec<LearnerKey>> {
        SqliteStore::find_keys(self, prefix, limit)
    }

    fn list_snapshots(&self) -> Result<Vec<SnapshotMeta>> {
        SqliteStore::list_snapshots(self)
    }

    fn begin_run(&mut self, run: &RunStart<'_>) -> Result<()> {
        SqliteStore::begin_run(self, run)
    }

    fn finish_run(
        &mut self,
        run_id: &str,
        finished_at: &str,
        outcome: &str,
        summary_json: &str,
    ) -> Result<()> {
        SqliteStore::finish_run(self, run_id, finished_at, outcome, summary_json)
    }

    fn get_run(&self, run_id: &str) -> Result<Option<RunRecord>> {
        SqliteStore::get_run(self, run_id)
    }

    fn lock_run(&mut self, name: &str) -> Result<()> {
        SqliteStore::lock_run(self, name)
    }

    fn unfinished_run(&self, config_label: &str) -> Result<Option<RunRecord>> {
        SqliteStore::unfinished_run(self, config_label)
    }

    fn keys_checked_in(&self, run_id: &str) -> Result<Vec<LearnerKey>> {
        SqliteStore::keys_checked_in(self, run_id)
    }

    fn add_targets(&mut self, targets: &[NewTarget<'_>]) -> Result<AddOutcome> {
        SqliteStore::add_targets(self, targets)
    }

    fn due_targets(
        &self,
        now: &str,
        refresh_after_secs: u64,
        retry_after_secs: u64,
        limit: Option<usize>,
    ) -> Result<Vec<DueTarget>> {
        SqliteStore::due_targets(self, now, refresh_after_secs, retry_after_secs, limit)
    }

    fn record_attempt(
        &mut self,
        key: &LearnerKey,
        at: &str,
        outcome: &str,
        error: Option<&str>,
    ) -> Result<()> {
        SqliteStore::record_attempt(self, key, at, outcome, error)
    }

    fn request_refresh(&mut self, key: &LearnerKey, at: &str) -> Result<bool> {
        SqliteStore::request_refresh(self, key, at)
    }

    fn mark_stale(&mut self, key: &LearnerKey, at: &str, reason: &str) -> Result<bool> {
        SqliteStore::mark_stale(self, key, at, reason)
    }

    fn count_targets(&self) -> Result<u64> {
        SqliteStore::count_targets(self)
    }

    fn get_target(&self, key: &LearnerKey) -> Result<Option<TargetRecord>> {
        SqliteStore::get_target(self, key)
    }

    fn list_runs(&self, limit: usize) -> Result<Vec<RunRecord>> {
        SqliteStore::list_runs(self, limit)
    }

    fn record_dead_letter(&mut self, letter: &NewDeadLetter<'_>) -> Result<()> {
        SqliteStore::record_dead_letter(self, letter)
    }

    fn list_dead_letters(&self, prefix: &str) -> Result<Vec<DeadLetter>> {
        SqliteStore::list_dead_letters(self, prefix)
    }

    fn clear_dead_letters(&mut self, prefix: &str) -> Result<u64> {
        SqliteStore::clear_dead_letters(self, prefix)
    }
}
