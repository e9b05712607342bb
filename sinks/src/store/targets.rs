//! Refresh targets: whom a run refreshes, when each was last tried, and the stale mark a failed
//! refresh leaves on a kept snapshot (schema version 2, `schema_v2.sql`).
//!
//! The identity a source call needs is stored only sealed ([`crate::TargetSeal`]); the store
//! handles the sealed bytes and never opens them.

use std::fmt;
use std::path::PathBuf;

use rusqlite::{OptionalExtension, TransactionBehavior, params};

use super::sqlite::{parse_stored_key, sql_err};
use crate::{Error, LearnerKey, Result, SqliteStore};

/// A target for [`SqliteStore::add_targets`].
#[derive(Clone, Copy)]
pub struct NewTarget<'a> {
    /// The learner's key.
    pub learner_key: &'a LearnerKey,
    /// The identity sealed for this key ([`crate::TargetSeal::seal`]).
    pub sealed_identity: &'a [u8],
    /// When it was added (RFC 3339, e.g. `2025-01-31T12:00:00Z`).
    pub added_at: &'a str,
}

/// What [`SqliteStore::add_targets`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AddOutcome {
    /// Keys that were not targets before.
    pub added: usize,
    /// Keys that were already targets (or came twice in the batch): their sealed identity was
    /// replaced, their history kept.
    pub already_present: usize,
}

/// A target whose refresh is due, from [`SqliteStore::due_targets`].
#[derive(Clone, PartialEq, Eq)]
pub struct DueTarget {
    /// The learner's key.
    pub learner_key: LearnerKey,
    /// The sealed identity, to open with [`crate::TargetSeal::open`].
    pub sealed_identity: Vec<u8>,
}

/// A target's row, from [`SqliteStore::get_target`].
#[derive(Clone, PartialEq, Eq)]
pub struct TargetRecord {
    /// The learner's key.
    pub learner_key: LearnerKey,
    /// The sealed identity.
    pub sealed_identity: Vec<u8>,
    /// When the target was first added.
    pub added_at: String,
    /// When a refresh was last attempted.
    pub last_attempt_at: Option<String>,
    /// When a refresh last succeeded (an outcome in [`SqliteStore::SUCCESS_OUTCOMES`]).
    pub last_success_at: Option<String>,
    /// The last attempt's outcome.
    pub last_outcome: Option<String>,
    /// The last attempt's reason, redacted by the caller.
    pub last_error: Option<String>,
    /// How many attempts were recorded.
    pub attempts: u32,
}

/// Debug shows the sealed bytes' length only: sealed, but still of no use in a log.
impl fmt::Debug for DueTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DueTarget")
            .field("learner_key", &self.learner_key)
            .field(
                "sealed_identity",
                &format_args!("<{} bytes>", self.sealed_identity.len()),
            )
            .finish()
    }
}

impl fmt::Debug for NewTarget<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewTarget")
            .field("learner_key", &self.learner_key)
            .field(
                "sealed_identity",
                &format_args!("<{} bytes>", self.sealed_identity.len()),
            )
            .field("added_at", &self.added_at)
            .finish()
    }
}

impl fmt::Debug for TargetRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TargetRecord")
            .field("learner_key", &self.learner_key)
            .field(
                "sealed_identity",
                &format_args!("<{} bytes>", self.sealed_identity.len()),
            )
            .field("added_at", &self.added_at)
            .field("last_attempt_at", &self.last_attempt_at)
            .field("last_success_at", &self.last_success_at)
            .field("last_outcome", &self.last_outcome)
            .field("last_error", &self.last_error)
            .field("attempts", &self.attempts)
            .finish()
    }
}

/// Milliseconds since the Unix epoch of an RFC 3339 column, in SQL. SQLite keeps times as
/// integer milliseconds internally, so rounding gives them back exactly; comparing numbers, not
/// text, lets `...:00Z` and `...:00.000Z` (or a `+02:00` offset) compare as the same instant.
macro_rules! epoch_ms {
    ($column:literal) => {
        concat!(
            "CAST(round((julianday(",
            $column,
            ") - 2440587.5) * 86400000.0) AS INTEGER)"
        )
    };
}

impl SqliteStore {
    /// Outcomes of [`Self::record_attempt`] that count as a successful refresh
    /// ([`crate::SUCCESS_OUTCOMES`], kept here for callers that name the store).
    pub const SUCCESS_OUTCOMES: &[&str] = super::SUCCESS_OUTCOMES;
    /// Outcomes of [`Self::record_attempt`] that count as a failed attempt
    /// ([`crate::FAILURE_OUTCOMES`]).
    pub const FAILURE_OUTCOMES: &[&str] = super::FAILURE_OUTCOMES;

    /// Adds targets in one transaction. Re-adding a key replaces its sealed identity (say, an
    /// oppijanumero now known beside the henkilötunnus) and keeps its history and `added_at`.
    pub fn add_targets(&mut self, targets: &[NewTarget<'_>]) -> Result<AddOutcome> {
        let path = self.path.clone();
        for (item, target) in targets.iter().enumerate() {
            let op = || format!("add_targets: item {item} (learner {})", target.learner_key);
            self.time_ms(&op(), "added_at", target.added_at)?;
            if target.sealed_identity.is_empty() {
                return Err(Error::InvalidTargetInput {
                    path,
                    op: op(),
                    field: "sealed_identity",
                    reason: "it is empty; expected the bytes of TargetSeal::seal".to_owned(),
                });
            }
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql_err(&path, "add_targets: begin"))?;
        let mut outcome = AddOutcome::default();
        {
            let mut exists = tx
                .prepare_cached("SELECT 1 FROM target WHERE learner_key = ?1")
                .map_err(sql_err(&path, "add_targets"))?;
            let mut upsert = tx
                .prepare_cached(
                    "INSERT INTO target (learner_key, sealed_identity, added_at) \
                     VALUES (?1, ?2, ?3) ON CONFLICT (learner_key) \
                     DO UPDATE SET sealed_identity = excluded.sealed_identity",
                )
                .map_err(sql_err(&path, "add_targets"))?;
            for (item, target) in targets.iter().enumerate() {
                let key = target.learner_key.as_str();
                let op = format!("add_targets: item {item} (learner {key})");
                let present = exists
                    .query_row([key], |_| Ok(()))
                    .optional()
                    .map_err(sql_err(&path, &op))?
                    .is_some();
                upsert
                    .execute(params![key, target.sealed_identity, target.added_at])
                    .map_err(sql_err(&path, &op))?;
                if present {
                    outcome.already_present += 1;
                } else {
                    outcome.added += 1;
                }
            }
        }
        tx.commit().map_err(sql_err(&path, "add_targets: commit"))?;
        Ok(outcome)
    }

    /// Targets whose refresh is due at `now`, sorted by learner key, at most `limit`.
    ///
    /// Due: never succeeded, or the last success is at least `refresh_after_secs` old. But a
    /// target whose last attempt failed waits until that attempt is at least `retry_after_secs`
    /// old, so a source that is down is not hammered. A refresh asked for with
    /// [`Self::request_refresh`] and not attempted since is due whatever the policy says.
    pub fn due_targets(
        &self,
        now: &str,
        refresh_after_secs: u64,
        retry_after_secs: u64,
        limit: Option<usize>,
    ) -> Result<Vec<DueTarget>> {
        let op = "due_targets";
        let now_ms = self.time_ms(op, "now", now)?;
        let before = |secs: u64| now_ms.saturating_sub(secs_to_ms(secs));
        let limit = limit.map_or(-1, |n| i64::try_from(n).unwrap_or(i64::MAX));
        let sql = format!(
            "SELECT learner_key, sealed_identity FROM target \
             WHERE (refresh_requested_at IS NOT NULL \
                    AND (last_attempt_at IS NULL OR {requested} > {attempt})) \
             OR ((last_success_at IS NULL OR {success} <= ?1) \
                 AND NOT (last_attempt_at IS NOT NULL AND last_outcome NOT IN ({ok}) \
                          AND {attempt} > ?2)) \
             ORDER BY learner_key LIMIT ?3",
            success = epoch_ms!("last_success_at"),
            attempt = epoch_ms!("last_attempt_at"),
            requested = epoch_ms!("refresh_requested_at"),
            ok = sql_list(Self::SUCCESS_OUTCOMES),
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(self.err(op))?;
        let rows = stmt
            .query_map(
                params![before(refresh_after_secs), before(retry_after_secs), limit],
                |row| Ok((row.get::<_, String>(0)?, row.get::<_, Vec<u8>>(1)?)),
            )
            .map_err(self.err(op))?;
        let mut due = Vec::new();
        for row in rows {
            let (key, sealed_identity) = row.map_err(self.err(op))?;
            due.push(DueTarget {
                learner_key: parse_stored_key(&key, &self.path, op)?,
                sealed_identity,
            });
        }
        Ok(due)
    }

    /// Records a refresh attempt of target `key` at `at`. `outcome` is one of
    /// [`Self::SUCCESS_OUTCOMES`] (which also sets `last_success_at`) or
    /// [`Self::FAILURE_OUTCOMES`]. `error` must already be redacted (`rikastin_sources::redact`):
    /// the store keeps it as given. A success also deletes the learner's dead letter, in the same
    /// transaction.
    pub fn record_attempt(
        &mut self,
        key: &LearnerKey,
        at: &str,
        outcome: &str,
        error: Option<&str>,
    ) -> Result<()> {
        let op = format!("record_attempt (learner {key})");
        self.time_ms(&op, "at", at)?;
        let success = Self::SUCCESS_OUTCOMES.contains(&outcome);
        if !success && !Self::FAILURE_OUTCOMES.contains(&outcome) {
            return Err(Error::InvalidTargetInput {
                path: self.path.clone(),
                op,
                field: "outcome",
                reason: format!(
                    "{outcome:?} is not a known outcome; expected one of {} (success) or {} \
                     (failure)",
                    Self::SUCCESS_OUTCOMES.join(", "),
                    Self::FAILURE_OUTCOMES.join(", ")
                ),
            });
        }
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql_err(&path, &op))?;
        let updated = tx
            .execute(
                "UPDATE target SET last_attempt_at = ?2, last_outcome = ?3, last_error = ?4, \
                 attempts = attempts + 1, \
                 last_success_at = CASE WHEN ?5 THEN ?2 ELSE last_success_at END \
                 WHERE learner_key = ?1",
                params![key.as_str(), at, outcome, error, success],
            )
            .map_err(sql_err(&path, &op))?;
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
                "DELETE FROM dead_letter WHERE learner_key = ?1",
                [key.as_str()],
            )
            .map_err(sql_err(&path, &op))?;
        }
        tx.commit().map_err(sql_err(&path, &op))
    }

    /// Asks that target `key` be refreshed by the next run, at `at` (the read API's
    /// `POST /v1/learners/{key}/refresh`). Returns false when `key` is not a target: a run
    /// refreshes only targets, so there is nothing to queue.
    pub fn request_refresh(&mut self, key: &LearnerKey, at: &str) -> Result<bool> {
        let op = format!("request_refresh (learner {key})");
        self.time_ms(&op, "at", at)?;
        let updated = self
            .conn
            .execute(
                "UPDATE target SET refresh_requested_at = ?2 WHERE learner_key = ?1",
                params![key.as_str(), at],
            )
            .map_err(self.err(&op))?;
        Ok(updated == 1)
    }

    /// Marks learner `key`'s snapshot stale after a failed refresh, leaving the document and
    /// every other column as they are (DESIGN.md invariant 1). `stale_since` keeps the first
    /// failure's time; `reason` (already redacted) replaces the previous one. Returns whether the
    /// learner had a snapshot to mark.
    pub fn mark_stale(&mut self, key: &LearnerKey, at: &str, reason: &str) -> Result<bool> {
        let op = format!("mark_stale (learner {key})");
        self.time_ms(&op, "at", at)?;
        let updated = self
            .conn
            .execute(
                "UPDATE snapshot SET stale_since = coalesce(stale_since, ?2), stale_reason = ?3 \
                 WHERE learner_key = ?1",
                params![key.as_str(), at, reason],
            )
            .map_err(self.err(&op))?;
        Ok(updated == 1)
    }

    /// How many targets there are.
    pub fn count_targets(&self) -> Result<u64> {
        let count: i64 = self
            .conn
            .query_row("SELECT count(*) FROM target", [], |row| row.get(0))
            .map_err(self.err("count_targets"))?;
        // count(*) is never negative.
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// Target `key`'s row, or `None` if it is not a target.
    pub fn get_target(&self, key: &LearnerKey) -> Result<Option<TargetRecord>> {
        let op = format!("get_target {key}");
        let found = self
            .conn
            .query_row(
                "SELECT sealed_identity, added_at, last_attempt_at, last_success_at, \
                 last_outcome, last_error, attempts FROM target WHERE learner_key = ?1",
                [key.as_str()],
                |row| {
                    Ok(TargetRecord {
                        learner_key: key.clone(),
                        sealed_identity: row.get(0)?,
                        added_at: row.get(1)?,
                        last_attempt_at: row.get(2)?,
                        last_success_at: row.get(3)?,
                        last_outcome: row.get(4)?,
                        last_error: row.get(5)?,
                        attempts: row.get(6)?,
                    })
                },
            )
            .optional()
            .map_err(self.err(&op))?;
        Ok(found)
    }

    /// Checks that `value` is an RFC 3339 timestamp and returns its Unix time in milliseconds.
    /// The value is not echoed: the caller may have passed the wrong string.
    pub(super) fn time_ms(&self, op: &str, field: &'static str, value: &str) -> Result<i64> {
        let invalid = |reason: &str| invalid_time(self.path.clone(), op, field, reason);
        if !is_rfc3339_shape(value) {
            return Err(invalid(&format!(
                "the {}-byte value does not have the shape {RFC3339_SHAPE}",
                value.len()
            )));
        }
        let ms: Option<i64> = self
            .conn
            .query_row(concat!("SELECT ", epoch_ms!("?1")), [value], |row| {
                row.get(0)
            })
            .map_err(self.err(op))?;
        ms.ok_or_else(|| invalid("it is not a real date and time"))
    }
}

/// The timestamp shape both stores accept, for error messages.
pub(super) const RFC3339_SHAPE: &str = "YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)";

/// The error for a timestamp argument `field` of `op` that is not one, with what was expected.
pub(super) fn invalid_time(at: PathBuf, op: &str, field: &'static str, reason: &str) -> Error {
    Error::InvalidTargetInput {
        path: at,
        op: op.to_owned(),
        field,
        reason: format!(
            "{reason}; expected an RFC 3339 timestamp such as 2025-01-31T12:00:00Z or \
             2025-01-31T12:00:00.123+02:00"
        ),
    }
}

pub(super) fn secs_to_ms(secs: u64) -> i64 {
    i64::try_from(secs).unwrap_or(i64::MAX).saturating_mul(1000)
}

/// `'a', 'b'` for an SQL `IN` list of our own constants (no quotes in them).
pub(super) fn sql_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|s| format!("'{s}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `YYYY-MM-DDTHH:MM:SS`, optional fraction, then `Z` or `±HH:MM`. SQLite's own parser accepts
/// more (a bare date, `now`, a number), which would slip unintended values through.
pub(super) fn is_rfc3339_shape(value: &str) -> bool {
    let b = value.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        b.get(range)
            .is_some_and(|s| s.iter().all(u8::is_ascii_digit))
    };
    let base = digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10)
        && b.get(10) == Some(&b'T')
        && digits(11..13)
        && b.get(13) == Some(&b':')
        && digits(14..16)
        && b.get(16) == Some(&b':')
        && digits(17..19);
    if !base {
        return false;
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        let fraction = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if fraction == 0 {
            return false;
        }
        i += 1 + fraction;
    }
    match b.get(i) {
        Some(b'Z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            i + 6 == b.len() && digits(i + 1..i + 3) && b[i + 3] == b':' && digits(i + 4..i + 6)
        }
        _ => false,
    }
}

#[cfg(test)]
mod shape_tests {
    use super::is_rfc3339_shape;

    #[test]
    fn rfc3339_shape_accepts_utc_offsets_and_fractions_only() {
        for ok in [
            "2025-01-31T12:00:00Z",
            "2025-01-31T12:00:00.123Z",
            "2025-01-31T12:00:00.123456+02:00",
            "2025-01-31T12:00:00-05:30",
        ] {
            assert!(is_rfc3339_shape(ok), "{ok}");
        }
        for bad in [
            "",
            "now",
            "2025-01-31",
            "2025-01-31 12:00:00Z",
            "2025-01-31T12:00:00",
            "2025-01-31T12:00:00.Z",
            "2025-01-31T12:00:00Zx",
            "2025-01-31T12:00:00+0200",
            "2025-01-31T12:00:00+02:0",
            "20x5-01-31T12:00:00Z",
            "2025-01-31T12:00:00.12€Z",
        ] {
            assert!(!is_rfc3339_shape(bad), "{bad}");
        }
    }
}
