//! `PostgresStore`: the snapshot cache on a PostgreSQL server, for deployments where several
//! hosts or shards share one cache (DESIGN.md, Scale). Schema in `schema_postgres.sql`; the
//! contract is the [`Store`] trait's, the same as [`crate::SqliteStore`]'s.
//!
//! tokio-postgres is async, but the store is called from blocking threads, some of them inside
//! a tokio runtime (`spawn_blocking` in the read API, `block_in_place` in the pipeline). So the
//! store owns a current-thread runtime and blocks on it: that is allowed from those threads,
//! and the connection task runs whenever a call is waiting on it.
//!
//! Consistency: a read is one SQL statement (sources are gathered as arrays in the same row),
//! so it sees one committed state; every write is one transaction. A reader never sees a
//! document with another version's hash or metadata (DESIGN.md invariant 2).

use std::borrow::Cow;
use std::collections::HashSet;
use std::io::Read;
use std::path::PathBuf;
use std::time::Duration;

use flate2::read::GzDecoder;
use futures_util::{StreamExt, pin_mut};
use tokio::runtime::Runtime;
use tokio_postgres::config::Host;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, NoTls, Row, Statement, Transaction};

use super::dead_letter::{
    DEAD_LETTER_COLUMNS, UPSERT_DEAD_LETTER, check_new_dead_letter, dead_letter_of, key_range,
};
use super::sqlite::checked_prefix;
use super::targets::{RFC3339_SHAPE, invalid_time, is_rfc3339_shape, secs_to_ms, sql_list};
use super::{
    AddOutcome, DeadLetter, DueTarget, FAILURE_OUTCOMES, NewDeadLetter, NewSnapshot, NewTarget,
    RunRecord, RunStart, SUCCESS_OUTCOMES, Snapshot, SnapshotMeta, SourceFreshness, Store,
    TargetRecord, WriteOutcome, check_new_snapshot,
};
use crate::{Error, LearnerKey, Result};

/// Schema migrations; migration `i` brings the schema to `schema_version.version = i + 1`, and
/// says so itself. `schema_postgres.sql` is version 1 whole. A migration, once released, is
/// never edited: add the next one.
const MIGRATIONS: &[&str] = &[
    include_str!("schema_postgres.sql"),
    include_str!("schema_postgres_v2.sql"),
];

/// How long to wait for the server to accept a connection, unless the URL sets
/// `connect_timeout`.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Serializes schema creation between processes that open an empty database at once (any
/// fixed number; `pg_advisory_xact_lock` releases it at commit).
const SCHEMA_LOCK: i64 = 0x5249_4b41_5354_494e; // "RIKASTIN"

/// The store's clock, in the RFC 3339 UTC form with milliseconds that SQLite's store writes.
/// `clock_timestamp()`, not `now()`: `now()` is the transaction's start.
const NOW_SQL: &str = "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', \
     'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";

/// Snapshot columns without the document, then its sources as three arrays sorted by name,
/// gathered in the same statement so that they belong to the same committed version.
const META_COLUMNS: &str = "s.learner_key, s.content_hash, s.generated_date, s.elmo_version, \
     s.run_id, s.checked_run_id, s.created_at, s.updated_at, s.checked_at, s.results, \
     octet_length(s.elmo_gz), s.stale_since, s.stale_reason, \
     ARRAY(SELECT source FROM snapshot_source f WHERE f.learner_key = s.learner_key \
           ORDER BY source), \
     ARRAY(SELECT fetched_at FROM snapshot_source f WHERE f.learner_key = s.learner_key \
           ORDER BY source), \
     ARRAY(SELECT complete FROM snapshot_source f WHERE f.learner_key = s.learner_key \
           ORDER BY source)";

/// Column index of `elmo_gz` when selected after [`META_COLUMNS`].
const ELMO_GZ_AFTER_META: usize = 16;

/// Milliseconds since the Unix epoch of an RFC 3339 text column, compared as instants (like
/// SQLite's `epoch_ms!`): `...:00Z`, `...:00.000Z` and `...02:00:00+02:00` are equal.
macro_rules! epoch_ms {
    ($column:literal) => {
        concat!(
            "round(extract(epoch FROM ",
            $column,
            "::timestamptz) * 1000)::bigint"
        )
    };
}

/// The snapshot cache in a PostgreSQL database (the schema on the connection's `search_path`).
pub struct PostgresStore {
    client: Client,
    /// Drives the connection; `None` only while being dropped.
    runtime: Option<Runtime>,
    location: String,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        // Dropping a runtime blocks until its tasks stop, which tokio forbids inside async code,
        // and the store may be dropped there (a job ends on a runtime thread). The connection
        // task needs nothing more: the server ends the session when the socket closes.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl PostgresStore {
    /// The schema version this build creates and understands (`schema_version.version`).
    pub const SCHEMA_VERSION: i32 = MIGRATIONS.len() as i32;

    /// Connects with a libpq-style URL or key=value string (`postgresql://user:pw@host:port/db`;
    /// `?options=-c%20search_path%3Dname` picks a schema). `origin` says where the URL came
    /// from, for messages: the URL itself is never shown, as it may hold a password.
    ///
    /// Creates the schema in an empty database, and refuses one written by a newer Rikastin.
    /// No TLS: reach the server over loopback, a Unix socket or a private network.
    pub fn open(url: &str, origin: &str) -> Result<Self> {
        let mut config: tokio_postgres::Config =
            url.parse()
                .map_err(|e: tokio_postgres::Error| Error::PostgresUrl {
                    origin: origin.to_owned(),
                    reason: e.to_string(),
                })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        let location = location_of(&config);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()
            .map_err(|source| Error::PostgresRuntime {
                location: location.clone(),
                source,
            })?;
        let (client, connection) = runtime
            .block_on(config.connect(NoTls))
            .map_err(pg_err(&location, "connect"))?;
        // The task ends when the client is dropped or the server goes away; a lost connection
        // shows up as an error of the next call, with the operation named, so nothing is lost
        // by dropping the error here.
        runtime.spawn(async move {
            let _ = connection.await;
        });
        let mut store = Self {
            client,
            runtime: Some(runtime),
            location,
        };
        store.create_schema()?;
        Ok(store)
    }

    fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime
            .as_ref()
            .expect("the runtime lives until drop")
            .block_on(future)
    }

    /// Creates the tables in an empty schema, or brings existing ones up to
    /// [`Self::SCHEMA_VERSION`], under an advisory lock so that two processes opening the same
    /// database do not both migrate it. A newer version than this build knows is refused.
    fn create_schema(&mut self) -> Result<()> {
        let location = self.location.clone();
        let err = |op: &str| pg_err(&location, op);
        let corrupt = |reason: String| Error::Corrupt {
            path: PathBuf::from(&location),
            op: "create schema".to_owned(),
            reason,
        };
        let runtime = self.runtime.as_ref().expect("the runtime lives until drop");
        runtime.block_on(async {
            let tx = self
                .client
                .transaction()
                .await
                .map_err(err("create schema: begin"))?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])
                .await
                .map_err(err("create schema: lock"))?;
            let read_version = async || -> Result<Option<i32>> {
                let exists: bool = tx
                    .query_one("SELECT to_regclass('schema_version') IS NOT NULL", &[])
                    .await
                    .map_err(err("create schema: look for schema_version"))?
                    .get(0);
                if !exists {
                    return Ok(Some(0));
                }
                Ok(tx
                    .query_opt("SELECT version FROM schema_version", &[])
                    .await
                    .map_err(err("create schema: read schema_version"))?
                    .map(|row| row.get(0)))
            };
            let known = Self::SCHEMA_VERSION;
            let found = read_version().await?;
            let done = match found {
                Some(v) if v > known => {
                    return Err(Error::NewerSchema {
                        path: PathBuf::from(&location),
                        found: i64::from(v),
                        known: i64::from(known),
                    });
                }
                Some(v) if v >= 0 => v as usize,
                other => {
                    return Err(corrupt(format!(
                        "schema_version holds {other:?}; expected 0 to {known}"
                    )));
                }
            };
            // Each migration records its own version in schema_version.
            for (index, sql) in MIGRATIONS.iter().enumerate().skip(done) {
                tx.batch_execute(sql)
                    .await
                    .map_err(err(&format!("migrate to schema version {}", index + 1)))?;
            }
            let now = read_version().await?;
            if now != Some(known) {
                return Err(corrupt(format!(
                    "after migrating, schema_version holds {now:?}; expected {known}"
                )));
            }
            tx.commit().await.map_err(err("create schema: commit"))
        })
    }

    /// The location as a path, for the error variants both stores share.
    fn at(&self) -> PathBuf {
        PathBuf::from(&self.location)
    }

    fn err(&self, op: &str) -> impl FnOnce(tokio_postgres::Error) -> Error + use<> {
        pg_err(&self.location, op)
    }

    /// Checks that `value` is an RFC 3339 timestamp and returns its Unix time in milliseconds,
    /// with the same rules and messages as the SQLite store. The value is not echoed.
    fn time_ms(&self, op: &str, field: &'static str, value: &str) -> Result<i64> {
        let invalid = |reason: &str| invalid_time(self.at(), op, field, reason);
        if !is_rfc3339_shape(value) {
            return Err(invalid(&format!(
                "the {}-byte value does not have the shape {RFC3339_SHAPE}",
                value.len()
            )));
        }
        chrono::DateTime::parse_from_rfc3339(value)
            .map(|t| t.timestamp_millis())
            .map_err(|_| invalid("it is not a real date and time"))
    }

    fn gunzip(&self, key: &LearnerKey, elmo_gz: &[u8]) -> Result<Vec<u8>> {
        let mut elmo_xml = Vec::new();
        GzDecoder::new(elmo_gz)
            .read_to_end(&mut elmo_xml)
            .map_err(|source| Error::Gzip {
                path: self.at(),
                op: "gunzip",
                learner_key: key.to_string(),
                source,
            })?;
        Ok(elmo_xml)
    }

    /// Reads the columns of [`META_COLUMNS`].
    fn read_meta(&self, row: &Row, op: &str) -> Result<SnapshotMeta> {
        let corrupt = |reason: String| Error::Corrupt {
            path: self.at(),
            op: op.to_owned(),
            reason,
        };
        let raw_key: String = row.get(0);
        let learner_key: LearnerKey = raw_key
            .parse()
            .map_err(|e| corrupt(format!("stored learner_key: {e}")))?;
        let results: i64 = row.get(9);
        let compressed: i32 = row.get(10);
        let names: Vec<String> = row.get(13);
        let fetched: Vec<String> = row.get(14);
        let complete: Vec<bool> = row.get(15);
        let sources = names
            .into_iter()
            .zip(fetched)
            .zip(complete)
            .map(|((source, fetched_at), complete)| SourceFreshness {
                source,
                fetched_at,
                complete,
            })
            .collect();
        Ok(SnapshotMeta {
            content_hash: row.get(1),
            generated_date: row.get(2),
            elmo_version: row.get(3),
            run_id: row.get(4),
            checked_run_id: row.get(5),
            created_at: row.get(6),
            updated_at: row.get(7),
            checked_at: row.get(8),
            results: u32::try_from(results)
                .map_err(|_| corrupt(format!("learner {learner_key}: results is {results}")))?,
            sources,
            compressed_bytes: u64::try_from(compressed).map_err(|_| {
                corrupt(format!(
                    "learner {learner_key}: elmo_gz has a negative length"
                ))
            })?,
            stale_since: row.get(11),
            stale_reason: row.get(12),
            learner_key,
        })
    }

    fn parse_key(&self, raw: &str, op: &str) -> Result<LearnerKey> {
        raw.parse().map_err(|e| Error::Corrupt {
            path: self.at(),
            op: op.to_owned(),
            reason: format!("stored learner_key: {e}"),
        })
    }

    /// `UPDATE`s one row by learner key; returns how many rows changed.
    fn execute(&self, op: &str, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64> {
        self.block_on(self.client.execute(sql, params))
            .map_err(self.err(op))
    }
}

impl Store for PostgresStore {
    fn location(&self) -> String {
        self.location.clone()
    }

    fn put_snapshots(&mut self, batch: &[NewSnapshot<'_>]) -> Result<Vec<WriteOutcome>> {
        let location = self.location.clone();
        let runtime = self.runtime.as_ref().expect("the runtime lives until drop");
        let client = &mut self.client;
        runtime.block_on(async {
            let tx = client
                .transaction()
                .await
                .map_err(pg_err(&location, "put_snapshots: begin"))?;
            let now: String = tx
                .query_one(NOW_SQL, &[])
                .await
                .map_err(pg_err(&location, "put_snapshots: read clock"))?
                .get(0);
            let statements = Prepared::new(&tx, &location).await?;
            let mut known_runs = HashSet::new();
            let mut outcomes = Vec::with_capacity(batch.len());
            for (item, snapshot) in batch.iter().enumerate() {
                let writer = BatchWriter {
                    tx: &tx,
                    statements: &statements,
                    location: &location,
                    now: &now,
                    item,
                    snapshot,
                };
                outcomes.push(writer.put(&mut known_runs).await?);
            }
            // Dropping `tx` on an early return above rolls the whole batch back.
            tx.commit()
                .await
                .map_err(pg_err(&location, "put_snapshots: commit"))?;
            Ok(outcomes)
        })
    }

    fn get_snapshot(&self, key: &LearnerKey) -> Result<Option<Snapshot>> {
        let op = format!("get_snapshot {key}");
        let sql =
            format!("SELECT {META_COLUMNS}, s.elmo_gz FROM snapshot s WHERE s.learner_key = $1");
        let row = self
            .block_on(self.client.query_opt(&sql, &[&key.as_str()]))
            .map_err(self.err(&op))?;
        let Some(row) = row else {
            return Ok(None);
        };
        let meta = self.read_meta(&row, &op)?;
        let elmo_gz: &[u8] = row.get(ELMO_GZ_AFTER_META);
        let elmo_xml = self.gunzip(key, elmo_gz)?;
        Ok(Some(Snapshot { meta, elmo_xml }))
    }

    fn get_snapshot_meta(&self, key: &LearnerKey) -> Result<Option<SnapshotMeta>> {
        let op = format!("get_snapshot_meta {key}");
        let sql = format!("SELECT {META_COLUMNS} FROM snapshot s WHERE s.learner_key = $1");
        let row = self
            .block_on(self.client.query_opt(&sql, &[&key.as_str()]))
            .map_err(self.err(&op))?;
        row.map(|row| self.read_meta(&row, &op)).transpose()
    }

    fn get_provenance(&self, key: &LearnerKey) -> Result<Option<String>> {
        let row = self
            .block_on(self.client.query_opt(
                "SELECT provenance_json FROM snapshot_detail WHERE learner_key = $1",
                &[&key.as_str()],
            ))
            .map_err(self.err("get_provenance"))?;
        Ok(row.map(|r| r.get(0)))
    }

    fn for_each_coverage(&self, each: &mut dyn FnMut(&str)) -> Result<()> {
        let op = "for_each_coverage";
        // Streamed row by row, so the whole cache need not sit in memory as text.
        self.block_on(async {
            let rows = self
                .client
                .query_raw(
                    "SELECT coverage_json FROM snapshot_detail ORDER BY learner_key",
                    std::iter::empty::<String>(),
                )
                .await?;
            pin_mut!(rows);
            while let Some(row) = rows.next().await {
                let row = row?;
                each(row.get::<_, &str>(0));
            }
            Ok(())
        })
        .map_err(self.err(op))
    }

    fn find_keys(&self, prefix: &str, limit: usize) -> Result<Vec<LearnerKey>> {
        let prefix = checked_prefix(prefix)?;
        // Every key is lower-case hex and 'g' sorts after 'f' (collation "C"), so
        // [prefix, prefix + "g") is exactly the keys with this prefix, on the primary key index.
        let upper = format!("{prefix}g");
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let op = "find_keys";
        let rows = self
            .block_on(self.client.query(
                "SELECT learner_key FROM snapshot WHERE learner_key >= $1 AND learner_key < $2 \
                 ORDER BY learner_key LIMIT $3",
                &[&prefix, &upper, &limit],
            ))
            .map_err(self.err(op))?;
        rows.iter()
            .map(|row| self.parse_key(row.get(0), op))
            .collect()
    }

    fn list_snapshots(&self) -> Result<Vec<SnapshotMeta>> {
        let op = "list_snapshots";
        let sql = format!("SELECT {META_COLUMNS} FROM snapshot s ORDER BY s.learner_key");
        let rows = self
            .block_on(self.client.query(&sql, &[]))
            .map_err(self.err(op))?;
        rows.iter().map(|row| self.read_meta(row, op)).collect()
    }

    fn begin_run(&mut self, run: &RunStart<'_>) -> Result<()> {
        let inserted = self.execute(
            &format!("begin_run {:?}", run.run_id),
            "INSERT INTO run (run_id, started_at, config_label) VALUES ($1, $2, $3) \
             ON CONFLICT (run_id) DO NOTHING",
            &[&run.run_id, &run.started_at, &run.config_label],
        )?;
        if inserted == 0 {
            return Err(Error::RunExists {
                path: self.at(),
                run_id: run.run_id.to_owned(),
            });
        }
        Ok(())
    }

    fn finish_run(
        &mut self,
        run_id: &str,
        finished_at: &str,
        outcome: &str,
        summary_json: &str,
    ) -> Result<()> {
        let op = format!("finish_run {run_id:?}");
        // Checked first, as SQLite's store does with json_valid(): PostgreSQL 15 has no
        // non-raising JSON test, so the cast's "invalid input syntax" answers it.
        if let Err(e) = self.block_on(
            self.client
                .query_one("SELECT $1::text::json IS NOT NULL", &[&summary_json]),
        ) {
            if e.code() == Some(&SqlState::INVALID_TEXT_REPRESENTATION) {
                return Err(Error::InvalidRun {
                    path: self.at(),
                    run_id: run_id.to_owned(),
                    reason: "summary_json is not valid JSON; expected e.g. {\"written\": 3}"
                        .to_owned(),
                });
            }
            return Err(self.err(&op)(e));
        }
        let updated = self.execute(
            &op,
            "UPDATE run SET finished_at = $2, outcome = $3, summary_json = $4 \
             WHERE run_id = $1 AND finished_at IS NULL",
            &[&run_id, &finished_at, &outcome, &summary_json],
        )?;
        if updated == 1 {
            return Ok(());
        }
        match self.get_run(run_id)? {
            Some(_) => Err(Error::RunFinished {
                path: self.at(),
                run_id: run_id.to_owned(),
            }),
            None => Err(Error::UnknownRun {
                path: self.at(),
                op: "finish_run".to_owned(),
                run_id: run_id.to_owned(),
            }),
        }
    }

    fn get_run(&self, run_id: &str) -> Result<Option<RunRecord>> {
        let row = self
            .block_on(self.client.query_opt(
                "SELECT run_id, started_at, config_label, finished_at, outcome, summary_json \
                 FROM run WHERE run_id = $1",
                &[&run_id],
            ))
            .map_err(self.err(&format!("get_run {run_id:?}")))?;
        Ok(row.as_ref().map(run_of))
    }

    fn lock_run(&mut self, name: &str) -> Result<()> {
        // A session-level advisory lock: PostgreSQL releases it when this connection closes,
        // which a killed process's connection does.
        let op = format!("lock_run {name:?}");
        let locked: bool = self
            .block_on(self.client.query_one(
                "SELECT pg_try_advisory_lock(hashtextextended($1, 0))",
                &[&format!("rikastin-run:{name}")],
            ))
            .map_err(self.err(&op))?
            .get(0);
        if locked {
            Ok(())
        } else {
            Err(Error::Locked {
                location: self.location.clone(),
                name: name.to_owned(),
            })
        }
    }

    fn unfinished_run(&self, config_label: &str) -> Result<Option<RunRecord>> {
        let row = self
            .block_on(self.client.query_opt(
                "SELECT run_id, started_at, config_label, finished_at, outcome, summary_json \
                 FROM run WHERE config_label = $1 AND finished_at IS NULL \
                 ORDER BY started_at DESC, run_id DESC LIMIT 1",
                &[&config_label],
            ))
            .map_err(self.err("unfinished_run"))?;
        Ok(row.as_ref().map(run_of))
    }

    fn keys_checked_in(&self, run_id: &str) -> Result<Vec<LearnerKey>> {
        let op = "keys_checked_in";
        let rows = self
            .block_on(self.client.query(
                "SELECT learner_key FROM snapshot WHERE checked_run_id = $1 ORDER BY learner_key",
                &[&run_id],
            ))
            .map_err(self.err(op))?;
        rows.iter()
            .map(|row| self.parse_key(row.get(0), op))
            .collect()
    }

    fn add_targets(&mut self, targets: &[NewTarget<'_>]) -> Result<AddOutcome> {
        for (item, target) in targets.iter().enumerate() {
            let op = || format!("add_targets: item {item} (learner {})", target.learner_key);
            self.time_ms(&op(), "added_at", target.added_at)?;
            if target.sealed_identity.is_empty() {
                return Err(Error::InvalidTargetInput {
                    path: self.at(),
                    op: op(),
                    field: "sealed_identity",
                    reason: "it is empty; expected the bytes of TargetSeal::seal".to_owned(),
                });
            }
        }
        let location = self.location.clone();
        let runtime = self.runtime.as_ref().expect("the runtime lives until drop");
        let client = &mut self.client;
        runtime.block_on(async {
            let err = |op: &str| pg_err(&location, op);
            let tx = client
                .transaction()
                .await
                .map_err(err("add_targets: begin"))?;
            let exists = tx
                .prepare("SELECT 1 FROM target WHERE learner_key = $1 FOR UPDATE")
                .await
                .map_err(err("add_targets"))?;
            let upsert = tx
                .prepare(
                    "INSERT INTO target (learner_key, sealed_identity, added_at) \
                     VALUES ($1, $2, $3) ON CONFLICT (learner_key) \
                     DO UPDATE SET sealed_identity = excluded.sealed_identity",
                )
                .await
                .map_err(err("add_targets"))?;
            let mut outcome = AddOutcome::default();
            for (item, target) in targets.iter().enumerate() {
                let key = target.learner_key.as_str();
                let op = format!("add_targets: item {item} (learner {key})");
                let present = tx
                    .query_opt(&exists, &[&key])
                    .await
                    .map_err(err(&op))?
                    .is_some();
                tx.execute(&upsert, &[&key, &target.sealed_identity, &target.added_at])
                    .await
                    .map_err(err(&op))?;
                if present {
                    outcome.already_present += 1;
                } else {
                    outcome.added += 1;
                }
            }
            tx.commit().await.map_err(err("add_targets: commit"))?;
            Ok(outcome)
        })
    }

    fn due_targets(
        &self,
        now: &str,
        refresh_after_secs: u64,
        retry_after_secs: u64,
        limit: Option<usize>,
    ) -> Result<Vec<DueTarget>> {
        let op = "due_targets";
        let now_ms = self.time_ms(op, "now", now)?;
        let before = |secs: u64| now_ms.saturating_sub(secs_to_ms(secs));
        // LIMIT NULL is no limit.
        let limit = limit.map(|n| i64::try_from(n).unwrap_or(i64::MAX));
        // The same predicate as SQLite's store (targets.rs), on instants.
        let sql = format!(
            "SELECT learner_key, sealed_identity FROM target \
             WHERE (refresh_requested_at IS NOT NULL \
                    AND (last_attempt_at IS NULL OR {requested} > {attempt})) \
             OR ((last_success_at IS NULL OR {success} <= $1) \
                 AND NOT (last_attempt_at IS NOT NULL AND last_outcome NOT IN ({ok}) \
                          AND {attempt} > $2)) \
             ORDER BY learner_key LIMIT $3",
            success = epoch_ms!("last_success_at"),
            attempt = epoch_ms!("last_attempt_at"),
            requested = epoch_ms!("refresh_requested_at"),
            ok = sql_list(SUCCESS_OUTCOMES),
        );
        let rows = self
            .block_on(self.client.query(
                &sql,
                &[
                    &before(refresh_after_secs),
                    &before(retry_after_secs),
                    &limit,
                ],
            ))
            .map_err(self.err(op))?;
        rows.iter()
            .map(|row| {
                Ok(DueTarget {
                    learner_key: self.parse_key(row.get(0), op)?,
                    sealed_identity: row.get(1),
                })
            })
            .collect()
    }

    fn record_attempt(
        &mut self,
        key: &LearnerKey,
        at: &str,
        outcome: &str,
        error: Option<&str>,
    ) -> Result<()> {
        let op = format!("record_attempt (learner {key})");
        self.time_ms(&op, "at", at)?;
        let success = SUCCESS_OUTCOMES.contains(&outcome);
        if !success && !FAILURE_OUTCOMES.contains(&outcome) {
            return Err(Error::InvalidTargetInput {
                path: self.at(),
                op,
                field: "outcome",
                reason: format!(
                    "{outcome:?} is not a known outcome; expected one of {} (success) or {} \
                     (failure)",
                    SUCCESS_OUTCOMES.join(", "),
                    FAILURE_OUTCOMES.join(", ")
                ),
            });
        }
        let path = self.at();
        let runtime = self.runtime.as_ref().expect("the runtime lives until drop");
        let client = &mut self.client;
        runtime.block_on(async {
            let err = || pg_err(&self.location, &op);
            let tx = client.transaction().await.map_err(err())?;
            let updated = tx
                .execute(
                    "UPDATE target SET last_attempt_at = $2, last_outcome = $3, \
                     last_error = $4, attempts = attempts + 1, \
                     last_success_at = CASE WHEN $5 THEN $2 ELSE last_success_at END \
                     WHERE learner_key = $1",
                    &[&key.as_str(), &at, &outcome, &error, &success],
                )
                .await
                .map_err(err())?;
            if updated == 0 {
                return Err(Error::UnknownTarget {
                    path,
                    op: "record_attempt".to_owned(),
                    learner_key: key.to_string(),
                });
            }
            // A success ends the learner's run of failures: it is no longer a dead letter.
            if success {
                tx.execute(
                    "DELETE FROM dead_letter WHERE learner_key = $1",
                    &[&key.as_str()],
                )
                .await
                .map_err(err())?;
            }
            tx.commit().await.map_err(err())
        })
    }

    fn request_refresh(&mut self, key: &LearnerKey, at: &str) -> Result<bool> {
        let op = format!("request_refresh (learner {key})");
        self.time_ms(&op, "at", at)?;
        let updated = self.execute(
            &op,
            "UPDATE target SET refresh_requested_at = $2 WHERE learner_key = $1",
            &[&key.as_str(), &at],
        )?;
        Ok(updated == 1)
    }

    fn mark_stale(&mut self, key: &LearnerKey, at: &str, reason: &str) -> Result<bool> {
        let op = format!("mark_stale (learner {key})");
        self.time_ms(&op, "at", at)?;
        // coalesce keeps the first failure's time (never degrade: the document is untouched).
        let updated = self.execute(
            &op,
            "UPDATE snapshot SET stale_since = coalesce(stale_since, $2), stale_reason = $3 \
             WHERE learner_key = $1",
            &[&key.as_str(), &at, &reason],
        )?;
        Ok(updated == 1)
    }

    fn count_targets(&self) -> Result<u64> {
        let count: i64 = self
            .block_on(self.client.query_one("SELECT count(*) FROM target", &[]))
            .map_err(self.err("count_targets"))?
            .get(0);
        // count(*) is never negative.
        Ok(u64::try_from(count).unwrap_or(0))
    }

    fn get_target(&self, key: &LearnerKey) -> Result<Option<TargetRecord>> {
        let op = format!("get_target {key}");
        let row = self
            .block_on(self.client.query_opt(
                "SELECT sealed_identity, added_at, last_attempt_at, last_success_at, \
                 last_outcome, last_error, attempts FROM target WHERE learner_key = $1",
                &[&key.as_str()],
            ))
            .map_err(self.err(&op))?;
        let Some(row) = row else {
            return Ok(None);
        };
        let attempts: i32 = row.get(6);
        Ok(Some(TargetRecord {
            learner_key: key.clone(),
            sealed_identity: row.get(0),
            added_at: row.get(1),
            last_attempt_at: row.get(2),
            last_success_at: row.get(3),
            last_outcome: row.get(4),
            last_error: row.get(5),
            attempts: u32::try_from(attempts).map_err(|_| Error::Corrupt {
                path: self.at(),
                op,
                reason: format!("attempts is {attempts}"),
            })?,
        }))
    }

    fn list_runs(&self, limit: usize) -> Result<Vec<RunRecord>> {
        self.pg_list_runs(limit)
    }

    fn record_dead_letter(&mut self, letter: &NewDeadLetter<'_>) -> Result<()> {
        self.pg_record_dead_letter(letter)
    }

    fn list_dead_letters(&self, prefix: &str) -> Result<Vec<DeadLetter>> {
        self.pg_list_dead_letters(prefix)
    }

    fn clear_dead_letters(&mut self, prefix: &str) -> Result<u64> {
        self.pg_clear_dead_letters(prefix)
    }
}

/// Dead letters and the run list: the same contract as SQLite's store (`dead_letter.rs`,
/// `sqlite.rs`), on PostgreSQL.
impl PostgresStore {
    fn pg_list_runs(&self, limit: usize) -> Result<Vec<RunRecord>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        // Only text of the RFC 3339 shape is cast (a cast of anything else would fail the whole
        // query); the rest sorts last, as SQLite's julianday() leaves it NULL.
        let rows = self
            .block_on(self.client.query(
                "SELECT run_id, started_at, config_label, finished_at, outcome, summary_json \
                 FROM run ORDER BY CASE WHEN started_at ~ \
                 '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$' \
                 THEN started_at::timestamptz END DESC NULLS LAST, run_id DESC LIMIT $1",
                &[&limit],
            ))
            .map_err(self.err("list_runs"))?;
        Ok(rows.iter().map(run_of).collect())
    }

    fn pg_record_dead_letter(&mut self, letter: &NewDeadLetter<'_>) -> Result<()> {
        let op = format!("record_dead_letter (learner {})", letter.learner_key);
        self.time_ms(&op, "failed_at", letter.failed_at)?;
        check_new_dead_letter(letter).map_err(|(field, reason)| Error::InvalidTargetInput {
            path: self.at(),
            op: op.clone(),
            field,
            reason,
        })?;
        // The foreign key would refuse an unknown run too, but without saying which.
        let run = self
            .block_on(
                self.client
                    .query_opt("SELECT 1 FROM run WHERE run_id = $1", &[&letter.run_id]),
            )
            .map_err(self.err(&op))?;
        if run.is_none() {
            return Err(Error::UnknownRun {
                path: self.at(),
                op,
                run_id: letter.run_id.to_owned(),
            });
        }
        self.execute(
            &op,
            UPSERT_DEAD_LETTER,
            &[
                &letter.learner_key.as_str(),
                &letter.source,
                &letter.phase,
                &letter.error_class,
                &letter.failed_at,
                &letter.error,
                &letter.run_id,
            ],
        )?;
        Ok(())
    }

    fn pg_list_dead_letters(&self, prefix: &str) -> Result<Vec<DeadLetter>> {
        let op = "list_dead_letters";
        let (lower, upper) = key_range(prefix)?;
        let rows = self
            .block_on(self.client.query(
                &format!(
                    "SELECT {DEAD_LETTER_COLUMNS} FROM dead_letter \
                     WHERE learner_key >= $1 AND learner_key < $2 ORDER BY learner_key"
                ),
                &[&lower, &upper],
            ))
            .map_err(self.err(op))?;
        let at = self.at();
        rows.iter()
            .map(|row| {
                let attempts: i32 = row.get(4);
                let raw = (
                    row.get(0),
                    row.get(1),
                    row.get(2),
                    row.get(3),
                    i64::from(attempts),
                    row.get(5),
                    row.get(6),
                    row.get(7),
                    row.get(8),
                );
                dead_letter_of(raw, &at, op)
            })
            .collect()
    }

    fn pg_clear_dead_letters(&mut self, prefix: &str) -> Result<u64> {
        let (lower, upper) = key_range(prefix)?;
        self.execute(
            "clear_dead_letters",
            "DELETE FROM dead_letter WHERE learner_key >= $1 AND learner_key < $2",
            &[&lower, &upper],
        )
    }
}

/// Reads `run_id, started_at, config_label, finished_at, outcome, summary_json`, in order.
fn run_of(row: &Row) -> RunRecord {
    RunRecord {
        run_id: row.get(0),
        started_at: row.get(1),
        config_label: row.get(2),
        finished_at: row.get(3),
        outcome: row.get(4),
        summary_json: row.get(5),
    }
}

/// The statements of one `put_snapshots` batch, prepared once for all its items (each
/// unprepared statement would cost the batch another round trip per item).
struct Prepared {
    run_exists: Statement,
    stored_hash: Statement,
    mark_checked: Statement,
    write_document: Statement,
    clear_sources: Statement,
    insert_source: Statement,
    clear_stale: Statement,
    upsert_detail: Statement,
    delete_detail: Statement,
    refresh_target: Statement,
    clear_dead_letter: Statement,
}

impl Prepared {
    async fn new(tx: &Transaction<'_>, location: &str) -> Result<Self> {
        let prepare = |sql: &'static str| async move {
            tx.prepare(sql)
                .await
                .map_err(pg_err(location, "put_snapshots: prepare"))
        };
        Ok(Self {
            run_exists: prepare("SELECT 1 FROM run WHERE run_id = $1").await?,
            // FOR UPDATE: a concurrent batch for the same learner waits here, so the hash it
            // compares with is the one it replaces.
            stored_hash: prepare(
                "SELECT content_hash FROM snapshot WHERE learner_key = $1 FOR UPDATE",
            )
            .await?,
            mark_checked: prepare(
                "UPDATE snapshot SET checked_run_id = $2, checked_at = $3 WHERE learner_key = $1",
            )
            .await?,
            write_document: prepare(
                "INSERT INTO snapshot (learner_key, content_hash, generated_date, elmo_version, \
                 results, elmo_gz, run_id, checked_run_id, created_at, updated_at, checked_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $8, $8) \
                 ON CONFLICT (learner_key) DO UPDATE SET content_hash = excluded.content_hash, \
                 generated_date = excluded.generated_date, elmo_version = excluded.elmo_version, \
                 results = excluded.results, elmo_gz = excluded.elmo_gz, run_id = excluded.run_id, \
                 checked_run_id = excluded.checked_run_id, updated_at = excluded.updated_at, \
                 checked_at = excluded.checked_at",
            )
            .await?,
            clear_sources: prepare("DELETE FROM snapshot_source WHERE learner_key = $1").await?,
            insert_source: prepare(
                "INSERT INTO snapshot_source (learner_key, source, fetched_at, complete) \
                 VALUES ($1, $2, $3, $4)",
            )
            .await?,
            clear_stale: prepare(
                "UPDATE snapshot SET stale_since = NULL, stale_reason = NULL \
                 WHERE learner_key = $1 AND stale_since IS NOT NULL",
            )
            .await?,
            upsert_detail: prepare(
                "INSERT INTO snapshot_detail (learner_key, provenance_json, coverage_json) \
                 VALUES ($1, $2, $3) ON CONFLICT (learner_key) DO UPDATE SET \
                 provenance_json = excluded.provenance_json, coverage_json = excluded.coverage_json",
            )
            .await?,
            delete_detail: prepare("DELETE FROM snapshot_detail WHERE learner_key = $1").await?,
            refresh_target: prepare(super::REFRESH_TARGET_POSTGRES).await?,
            clear_dead_letter: prepare(super::CLEAR_DEAD_LETTER_POSTGRES).await?,
        })
    }
}

/// Writes one item of a `put_snapshots` batch inside the batch's transaction; the steps and
/// their order are those of SQLite's `BatchWriter`.
struct BatchWriter<'b, 'a> {
    tx: &'b Transaction<'b>,
    statements: &'b Prepared,
    location: &'b str,
    now: &'b str,
    item: usize,
    snapshot: &'b NewSnapshot<'a>,
}

impl BatchWriter<'_, '_> {
    async fn put(&self, known_runs: &mut HashSet<String>) -> Result<WriteOutcome> {
        let s = self.snapshot;
        let key = s.learner_key.as_str();
        let st = self.statements;
        check_new_snapshot(s).map_err(|reason| self.invalid(reason))?;
        if !known_runs.contains(s.run_id) {
            let found = self
                .tx
                .query_opt(&st.run_exists, &[&s.run_id])
                .await
                .map_err(self.err("look up run"))?;
            if found.is_none() {
                return Err(Error::UnknownRun {
                    path: PathBuf::from(self.location),
                    op: format!("put_snapshots: batch item {} (learner {key})", self.item),
                    run_id: s.run_id.to_owned(),
                });
            }
            known_runs.insert(s.run_id.to_owned());
        }

        // DESIGN.md invariant 3: compare with the stored hash; the stored document is never read.
        let stored_hash: Option<String> = self
            .tx
            .query_opt(&st.stored_hash, &[&key])
            .await
            .map_err(self.err("read stored hash"))?
            .map(|row| row.get(0));
        let outcome = match stored_hash {
            Some(hash) if hash == s.content_hash => {
                self.tx
                    .execute(&st.mark_checked, &[&key, &s.run_id, &self.now])
                    .await
                    .map_err(self.err("mark snapshot checked"))?;
                WriteOutcome::Unchanged
            }
            Some(_) => {
                if let Some(reason) = super::refuses_replacement(s) {
                    return Err(self.invalid(reason));
                }
                self.write_document().await?;
                WriteOutcome::Written
            }
            None => {
                self.write_document().await?;
                WriteOutcome::Created
            }
        };
        // The freshness rows describe the current snapshot as of its last check: replaced, not
        // merged, so a source no longer used does not linger.
        self.tx
            .execute(&st.clear_sources, &[&key])
            .await
            .map_err(self.err("clear source freshness"))?;
        for f in s.sources {
            self.tx
                .execute(
                    &st.insert_source,
                    &[&key, &f.source, &f.fetched_at, &f.complete],
                )
                .await
                .map_err(self.err("write source freshness"))?;
        }
        // Confirmed by complete answers: fresh again. An incomplete one keeps the mark.
        if s.sources.iter().all(|f| f.complete) {
            self.tx
                .execute(&st.clear_stale, &[&key])
                .await
                .map_err(self.err("clear stale mark"))?;
        }
        // Provenance and coverage describe the document as confirmed now, so they are rewritten
        // even when the document itself is unchanged.
        match s.detail {
            Some(d) => self
                .tx
                .execute(
                    &st.upsert_detail,
                    &[&key, &d.provenance_json, &d.coverage_json],
                )
                .await
                .map_err(self.err("write snapshot detail"))?,
            None => self
                .tx
                .execute(&st.delete_detail, &[&key])
                .await
                .map_err(self.err("clear snapshot detail"))?,
        };
        // The target's refresh commits with its snapshot (SQLite's `mark_target_refreshed`).
        let complete = s.sources.iter().all(|f| f.complete);
        self.tx
            .execute(&st.refresh_target, &[&key, &s.generated_date, &complete])
            .await
            .map_err(self.err("mark target refreshed"))?;
        self.tx
            .execute(&st.clear_dead_letter, &[&key, &complete])
            .await
            .map_err(self.err("clear dead letter"))?;
        Ok(outcome)
    }

    /// Inserts the row or replaces its content; `created_at` keeps the first write's time.
    async fn write_document(&self) -> Result<()> {
        let s = self.snapshot;
        let elmo_gz = match s.elmo_gz {
            Some(gz) => Cow::Borrowed(gz),
            None => Cow::Owned(
                super::gzip_document(s.elmo_xml).map_err(|source| Error::Gzip {
                    path: PathBuf::from(self.location),
                    op: "gzip",
                    learner_key: s.learner_key.to_string(),
                    source,
                })?,
            ),
        };
        self.tx
            .execute(
                &self.statements.write_document,
                &[
                    &s.learner_key.as_str(),
                    &s.content_hash,
                    &s.generated_date,
                    &s.elmo_version,
                    &i64::from(s.results),
                    &elmo_gz.as_ref(),
                    &s.run_id,
                    &self.now,
                ],
            )
            .await
            .map_err(self.err("write snapshot"))?;
        Ok(())
    }

    fn invalid(&self, reason: String) -> Error {
        Error::InvalidSnapshot {
            path: PathBuf::from(self.location),
            item: self.item,
            learner_key: self.snapshot.learner_key.to_string(),
            reason,
        }
    }

    fn err(&self, what: &str) -> impl FnOnce(tokio_postgres::Error) -> Error + use<> {
        pg_err(
            self.location,
            &format!(
                "put_snapshots: batch item {} (learner {}): {what}",
                self.item, self.snapshot.learner_key
            ),
        )
    }
}

/// `postgresql://user@host:port/db` from a parsed config: what a message may show. The
/// password and any other option are left out.
fn location_of(config: &tokio_postgres::Config) -> String {
    let user = config.get_user().unwrap_or("");
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(name)) => name.clone(),
        #[cfg(unix)]
        Some(Host::Unix(path)) => path.display().to_string(),
        None => "localhost".to_owned(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let db = config.get_dbname().unwrap_or(user);
    let at = if user.is_empty() { "" } else { "@" };
    format!("postgresql://{user}{at}{host}:{port}/{db}")
}

fn pg_err(location: &str, op: &str) -> impl FnOnce(tokio_postgres::Error) -> Error + use<> {
    let location = location.to_owned();
    let op = op.to_owned();
    move |driver| Error::Postgres {
        location,
        op,
        driver: Box::new(driver),
    }
}
