//! Dead letters: the learners whose latest refresh failed, each with the source, phase and class
//! of the failure, how many times in a row it has failed, and the latest reason (schema version
//! 5, `schema_v5.sql`; `schema_postgres_v2.sql` on PostgreSQL).
//!
//! A failure upserts the learner's row ([`crate::Store::record_dead_letter`]); a success recorded
//! for the learner ([`crate::Store::record_attempt`] with an outcome in
//! [`crate::SUCCESS_OUTCOMES`]) deletes it in the same transaction, so the table always lists
//! exactly the learners still failing.

use std::path::Path;

use rusqlite::{OptionalExtension, params};

use super::sqlite::{checked_prefix, parse_stored_key};
use crate::{Error, LearnerKey, Result, SqliteStore};

/// A failed learner, for [`crate::Store::record_dead_letter`].
#[derive(Debug, Clone, Copy)]
pub struct NewDeadLetter<'a> {
    /// Whose refresh failed.
    pub learner_key: &'a LearnerKey,
    /// Where the failure came from: `virta`, `koski`, `virta+koski` (a failure after both
    /// answered), `target` (the target's own row, e.g. a sealed identity that does not open).
    pub source: &'a str,
    /// The phase that failed: `fetch`, `parse`, `map`, `lint`, `store`.
    pub phase: &'a str,
    /// A short class of the failure: for a fetch, `invalid`, `exhausted`, `unreadable`, ...;
    /// after it, the phase.
    pub error_class: &'a str,
    /// Why it failed, already redacted: the store keeps it as given.
    pub error: &'a str,
    /// When it failed (RFC 3339).
    pub failed_at: &'a str,
    /// The run in which it failed; it must have been begun with [`crate::Store::begin_run`].
    pub run_id: &'a str,
}

/// A learner whose refresh is failing, from [`crate::Store::list_dead_letters`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// Whose refresh failed.
    pub learner_key: LearnerKey,
    /// Where the latest failure came from (see [`NewDeadLetter::source`]).
    pub source: String,
    /// The phase of the latest failure.
    pub phase: String,
    /// The class of the latest failure.
    pub error_class: String,
    /// Failures in a row since the last success (at least 1).
    pub attempts: u32,
    /// The first failure since the last success.
    pub first_failed_at: String,
    /// The latest failure.
    pub last_failed_at: String,
    /// The latest failure's reason, redacted.
    pub last_error: String,
    /// The run of the latest failure.
    pub run_id: String,
}

/// Checks made on a dead letter before it is written, the same for both stores; `Err` names the
/// field and says what was expected. The error text itself is never repeated.
pub(super) fn check_new_dead_letter(
    letter: &NewDeadLetter<'_>,
) -> std::result::Result<(), (&'static str, String)> {
    for (field, value) in [
        ("source", letter.source),
        ("phase", letter.phase),
        ("error_class", letter.error_class),
    ] {
        if value.is_empty() {
            return Err((
                field,
                "it is empty; expected a short name such as virta, fetch or exhausted".to_owned(),
            ));
        }
    }
    Ok(())
}

/// The key range `[prefix, prefix + "g")` that holds exactly the keys starting with `prefix`:
/// every key is lower-case hex and `g` sorts after `f`. The empty prefix gives every key.
pub(super) fn key_range(prefix: &str) -> Result<(String, String)> {
    let prefix = checked_prefix(prefix)?;
    let upper = format!("{prefix}g");
    Ok((prefix, upper))
}

/// The upsert both stores run, with PostgreSQL's `$N` parameters (SQLite's store writes them
/// `?N`): a new row starts at one attempt; a learner already failing keeps its
/// `first_failed_at` and counts one more. Parameters: key, source, phase, class, failed_at,
/// error, run_id.
pub(super) const UPSERT_DEAD_LETTER: &str = "INSERT INTO dead_letter (learner_key, source, \
     phase, error_class, attempts, first_failed_at, last_failed_at, last_error, run_id) \
     VALUES ($1, $2, $3, $4, 1, $5, $5, $6, $7) ON CONFLICT (learner_key) DO UPDATE SET \
     source = excluded.source, phase = excluded.phase, error_class = excluded.error_class, \
     attempts = dead_letter.attempts + 1, last_failed_at = excluded.last_failed_at, \
     last_error = excluded.last_error, run_id = excluded.run_id";

/// The columns a [`DeadLetter`] is read from, in the order of [`DeadLetterRow`].
pub(super) const DEAD_LETTER_COLUMNS: &str = "learner_key, source, phase, error_class, attempts, \
     first_failed_at, last_failed_at, last_error, run_id";

/// A row of [`DEAD_LETTER_COLUMNS`] as read, before its key and count are checked.
pub(super) type DeadLetterRow = (
    String,
    String,
    String,
    String,
    i64,
    String,
    String,
    String,
    String,
);

/// Checks a row read from either store and makes it a [`DeadLetter`].
pub(super) fn dead_letter_of(row: DeadLetterRow, path: &Path, op: &str) -> Result<DeadLetter> {
    let (key, source, phase, error_class, attempts, first, last, last_error, run_id) = row;
    let learner_key = parse_stored_key(&key, path, op)?;
    let attempts = u32::try_from(attempts).map_err(|_| Error::Corrupt {
        path: path.to_owned(),
        op: op.to_owned(),
        reason: format!("dead letter of learner {learner_key}: attempts is {attempts}"),
    })?;
    Ok(DeadLetter {
        learner_key,
        source,
        phase,
        error_class,
        attempts,
        first_failed_at: first,
        last_failed_at: last,
        last_error,
        run_id,
    })
}

impl SqliteStore {
    /// Records that learner `key`'s refresh failed (see [`crate::Store::record_dead_letter`]).
    pub fn record_dead_letter(&mut self, letter: &NewDeadLetter<'_>) -> Result<()> {
        let op = format!("record_dead_letter (learner {})", letter.learner_key);
        self.time_ms(&op, "failed_at", letter.failed_at)?;
        check_new_dead_letter(letter).map_err(|(field, reason)| Error::InvalidTargetInput {
            path: self.path.clone(),
            op: op.clone(),
            field,
            reason,
        })?;
        // The foreign key would refuse an unknown run too, but without saying which.
        let run = self
            .conn
            .query_row(
                "SELECT 1 FROM run WHERE run_id = ?1",
                [letter.run_id],
                |_| Ok(()),
            )
            .optional()
            .map_err(self.err(&op))?;
        if run.is_none() {
            return Err(Error::UnknownRun {
                path: self.path.clone(),
                op,
                run_id: letter.run_id.to_owned(),
            });
        }
        self.conn
            .execute(
                &UPSERT_DEAD_LETTER.replace('$', "?"),
                params![
                    letter.learner_key.as_str(),
                    letter.source,
                    letter.phase,
                    letter.error_class,
                    letter.failed_at,
                    letter.error,
                    letter.run_id
                ],
            )
            .map_err(self.err(&op))?;
        Ok(())
    }

    /// The dead letters whose key starts with `prefix` (see [`crate::Store::list_dead_letters`]).
    pub fn list_dead_letters(&self, prefix: &str) -> Result<Vec<DeadLetter>> {
        let op = "list_dead_letters";
        let (lower, upper) = key_range(prefix)?;
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {DEAD_LETTER_COLUMNS} FROM dead_letter \
                 WHERE learner_key >= ?1 AND learner_key < ?2 ORDER BY learner_key"
            ))
            .map_err(self.err(op))?;
        let rows = stmt
            .query_map([lower, upper], |row| {
                Ok((
                    row.get(0)?,
                    row.get(1)?,
                    row.get(2)?,
                    row.get(3)?,
                    row.get(4)?,
                    row.get(5)?,
                    row.get(6)?,
                    row.get(7)?,
                    row.get(8)?,
                ))
            })
            .map_err(self.err(op))?;
        let mut letters = Vec::new();
        for row in rows {
            letters.push(dead_letter_of(row.map_err(self.err(op))?, &self.path, op)?);
        }
        Ok(letters)
    }

    /// Deletes the dead letters whose key starts with `prefix` (see
    /// [`crate::Store::clear_dead_letters`]).
    pub fn clear_dead_letters(&mut self, prefix: &str) -> Result<u64> {
        let (lower, upper) = key_range(prefix)?;
        let deleted = self
            .conn
            .execute(
                "DELETE FROM dead_letter WHERE learner_key >= ?1 AND learner_key < ?2",
                [lower, upper],
            )
            .map_err(self.err("clear_dead_letters"))?;
        Ok(deleted as u64)
    }
}
