//! Run bookkeeping on SQLite for unattended runs: the lock that keeps two runs off one shard,
//! and what an interrupted run had committed, so that the next one resumes it.

use std::fs::{File, OpenOptions, TryLockError};

use rusqlite::OptionalExtension;

use super::sqlite::SqliteStore;
use super::{LearnerKey, RunRecord};
use crate::{Error, Result};

impl SqliteStore {
    /// Takes the exclusive advisory lock on `<cache file>.<name>.lock`. The kernel drops it
    /// when the process ends however it ends, so a killed run never leaves a stale lock; the
    /// file itself stays (removing it could race with a run that just opened it).
    pub fn lock_run(&mut self, name: &str) -> Result<()> {
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(Error::Locked {
                location: self.path.display().to_string(),
                name: format!("{name} (a lock name is letters, digits and `-`)"),
            });
        }
        let mut path = self.path.clone().into_os_string();
        path.push(format!(".{name}.lock"));
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|source| Error::LockFile {
                path: path.clone().into(),
                source,
            })?;
        match File::try_lock(&file) {
            Ok(()) => {
                self.locks.push(file);
                Ok(())
            }
            Err(TryLockError::WouldBlock) => Err(Error::Locked {
                location: self.path.display().to_string(),
                name: name.to_owned(),
            }),
            Err(TryLockError::Error(source)) => Err(Error::LockFile {
                path: path.into(),
                source,
            }),
        }
    }

    /// The latest run with this label that has no `finished_at`.
    pub fn unfinished_run(&self, config_label: &str) -> Result<Option<RunRecord>> {
        self.conn
            .query_row(
                "SELECT run_id, started_at, config_label, finished_at, outcome, summary_json \
                 FROM run WHERE config_label = ?1 AND finished_at IS NULL \
                 ORDER BY started_at DESC, run_id DESC LIMIT 1",
                [config_label],
                super::sqlite::read_run,
            )
            .optional()
            .map_err(self.err("unfinished_run"))
    }

    /// Keys whose snapshot `run_id` stored or confirmed, sorted.
    pub fn keys_checked_in(&self, run_id: &str) -> Result<Vec<LearnerKey>> {
        let op = format!("keys_checked_in {run_id:?}");
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT learner_key FROM snapshot WHERE checked_run_id = ?1 ORDER BY learner_key",
            )
            .map_err(self.err(&op))?;
        let rows = stmt
            .query_map([run_id], |row| row.get::<_, String>(0))
            .map_err(self.err(&op))?;
        let mut keys = Vec::new();
        for raw in rows {
            let raw = raw.map_err(self.err(&op))?;
            keys.push(super::sqlite::parse_stored_key(&raw, &self.path, &op)?);
        }
        Ok(keys)
    }
}
