//! The job: recordings -> parse -> map -> lint -> write -> store, with a summary.
//!
//! Phases are named so that a failure says where it happened. A learner reaches the store only
//! when every phase before it succeeded (DESIGN.md invariant 1: never degrade); a failed
//! learner's old snapshot stays as it was.

use std::collections::{BTreeMap, HashSet};

use elmo::{DateTime, Severity};
use rikastin_sinks::{
    LearnerKey, LearnerSecret, NewSnapshot, SourceFreshness, SqliteStore, WriteOutcome,
};
use rikastin_sources::RecordedFolder;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::learners;
use crate::mapping::Mappings;
use crate::mapping::virta::{Exclusion, map_learner};

/// The ELMO version the cache records for each snapshot (elmo.md §8 rule 18).
pub const ELMO_VERSION: &str = "1.7.0";

/// Lint findings that the cached (unsigned) document has by design, because the read API
/// completes it when it serves: the PDF transcript is rendered and attached before signing
/// (DESIGN.md, ELMO choices). They are not reported per learner.
pub const DEFERRED_TO_SERVING: [&str; 1] = ["W-PDF-MISSING"];

/// Learners written to the store per transaction.
const BATCH: usize = 256;

/// What the run needs, all opened and checked before the first recording is read.
pub struct Job {
    /// Label for the report (the config file).
    pub config_label: String,
    /// Rules.
    pub mappings: Mappings,
    /// Learner-key secret.
    pub secret: LearnerSecret,
    /// The cache.
    pub store: SqliteStore,
    /// VIRTA recordings.
    pub virta: RecordedFolder,
    /// generatedDate of every document this run writes.
    pub now: DateTime,
    /// Run id.
    pub run_id: String,
    /// Keep each learner's outcome in the summary (for `--report-json`). Off, memory stays flat
    /// however many learners the run has.
    pub learner_detail: bool,
}

/// A phase of the per-learner work.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Reading the recording.
    Fetch,
    /// Parsing VIRTA XML.
    Parse,
    /// Applying the mapping rules.
    Map,
    /// The ELMO semantic lint.
    Lint,
    /// Writing to the cache.
    Store,
}

/// A learner or recording that did not make it, without any identity code.
#[derive(Debug, Serialize)]
pub struct Failure {
    /// The recording's file name.
    pub recording: String,
    /// The learner key, when known.
    pub learner: Option<String>,
    /// Where it failed.
    pub phase: Phase,
    /// What went wrong, with file, line and field.
    pub error: String,
}

/// One learner's outcome.
#[derive(Debug, Serialize)]
pub struct LearnerOutcome {
    /// Learner key.
    pub learner: String,
    /// Recording it came from.
    pub recording: String,
    /// Results (LOIs) in the document.
    pub results: usize,
    /// `created`, `updated` or `unchanged`.
    pub outcome: &'static str,
    /// Records kept out, with reasons.
    pub exclusions: Vec<Exclusion>,
    /// Lint warnings (errors stop the learner).
    pub warnings: Vec<String>,
}

/// The run report: printed, stored with the run, and written as JSON on request.
#[derive(Debug, Default, Serialize)]
pub struct Summary {
    /// Run id.
    pub run_id: String,
    /// Config file.
    pub config: String,
    /// Recordings read.
    pub recordings: usize,
    /// Recordings in which VIRTA had no data for the person.
    pub no_data: usize,
    /// Learners mapped and stored.
    pub learners: usize,
    /// Results written.
    pub results: usize,
    /// Snapshots created.
    pub created: usize,
    /// Snapshots whose content changed.
    pub updated: usize,
    /// Snapshots whose content was the same (not rewritten).
    pub unchanged: usize,
    /// Attainments kept out, by reason.
    pub excluded: BTreeMap<String, usize>,
    /// Failures.
    pub failures: Vec<Failure>,
    /// Per learner (written to the JSON report, not stored with the run).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub learner_outcomes: Vec<LearnerOutcome>,
}

impl Summary {
    /// Attainments kept out, in all.
    pub fn excluded_total(&self) -> usize {
        self.excluded.values().sum()
    }
}

struct Pending {
    key: LearnerKey,
    xml: Vec<u8>,
    hash: String,
    results: u32,
    outcome: LearnerOutcome,
}

impl Job {
    /// Runs the job over every recording. Errors here are about the cache itself; learner
    /// failures are collected in the summary.
    pub fn run(
        mut self,
        mut progress: impl FnMut(usize, usize),
    ) -> Result<Summary, rikastin_sinks::Error> {
        let started = self.now.to_string();
        self.store.begin_run(&rikastin_sinks::RunStart {
            run_id: &self.run_id,
            started_at: &started,
            config_label: &self.config_label,
        })?;
        let mut summary = Summary {
            run_id: self.run_id.clone(),
            config: self.config_label.clone(),
            ..Default::default()
        };
        let recordings = match self.virta.list() {
            Ok(r) => r,
            Err(e) => {
                summary.failures.push(Failure {
                    recording: String::new(),
                    learner: None,
                    phase: Phase::Fetch,
                    error: e.to_string(),
                });
                Vec::new()
            }
        };
        let total = recordings.len();
        let mut seen = HashSet::new();
        let mut pending = Vec::new();
        for (i, rec) in recordings.iter().enumerate() {
            summary.recordings += 1;
            self.learners_of(rec, &mut seen, &mut pending, &mut summary);
            if pending.len() >= BATCH {
                self.flush(&mut pending, &mut summary)?;
            }
            progress(i + 1, total);
        }
        self.flush(&mut pending, &mut summary)?;
        let outcome = if summary.failures.is_empty() {
            "ok"
        } else {
            "failures"
        };
        // The run row keeps the counts and failures; per-learner detail goes to --report-json.
        let outcomes = std::mem::take(&mut summary.learner_outcomes);
        let json = serde_json::to_string(&summary).unwrap_or_default();
        summary.learner_outcomes = outcomes;
        self.store.finish_run(
            &self.run_id,
            &chrono::Utc::now().to_rfc3339(),
            outcome,
            &json,
        )?;
        Ok(summary)
    }

    fn learners_of(
        &self,
        rec: &rikastin_sources::Recording,
        seen: &mut HashSet<LearnerKey>,
        pending: &mut Vec<Pending>,
        summary: &mut Summary,
    ) {
        let fail = |phase, learner: Option<&LearnerKey>, error: String| Failure {
            recording: rec.name.clone(),
            learner: learner.map(|k| k.to_string()),
            phase,
            error,
        };
        let bytes = match self.virta.read(rec) {
            Ok(b) => b,
            Err(e) => {
                return summary
                    .failures
                    .push(fail(Phase::Fetch, None, e.to_string()));
            }
        };
        let virta = match rikastin_sources::virta::parse(&bytes, &rec.name) {
            Ok(v) => v,
            Err(e) => {
                return summary
                    .failures
                    .push(fail(Phase::Parse, None, e.to_string()));
            }
        };
        let groups = learners::group(&virta);
        if groups.is_empty() {
            summary.no_data += 1;
        }
        for learner in groups {
            let key = LearnerKey::derive(&self.secret, learner.identity);
            if !seen.insert(key.clone()) {
                summary.failures.push(fail(
                    Phase::Map,
                    Some(&key),
                    "the same learner is in two recordings of this run; neither is guessed to win"
                        .into(),
                ));
                continue;
            }
            let mapped = match map_learner(&learner.records, &self.mappings, &self.now) {
                Ok(m) => m,
                Err(e) => {
                    summary.failures.push(fail(
                        Phase::Map,
                        Some(&key),
                        format!("{}: {e}", rec.name),
                    ));
                    continue;
                }
            };
            let mut findings = elmo::lint(&mapped.elmo);
            findings.retain(|f| !DEFERRED_TO_SERVING.contains(&f.code));
            let (errors, warnings): (Vec<_>, Vec<_>) =
                findings.iter().partition(|f| f.severity == Severity::Error);
            if !errors.is_empty() {
                let list: Vec<String> = errors
                    .iter()
                    .map(|f| format!("{} {} at {}", f.code, f.message, f.path))
                    .collect();
                summary
                    .failures
                    .push(fail(Phase::Lint, Some(&key), list.join("; ")));
                continue;
            }
            let xml = elmo::write(&mapped.elmo);
            pending.push(Pending {
                hash: content_hash(&xml, &self.now),
                xml,
                results: mapped.results as u32,
                outcome: LearnerOutcome {
                    learner: key.to_string(),
                    recording: rec.name.clone(),
                    results: mapped.results,
                    outcome: "",
                    exclusions: mapped.exclusions,
                    warnings: warnings
                        .iter()
                        .map(|f| format!("{} {} at {}", f.code, f.message, f.path))
                        .collect(),
                },
                key,
            });
        }
    }

    fn flush(
        &mut self,
        pending: &mut Vec<Pending>,
        summary: &mut Summary,
    ) -> Result<(), rikastin_sinks::Error> {
        if pending.is_empty() {
            return Ok(());
        }
        let sources = [SourceFreshness {
            source: "virta".into(),
            fetched_at: self.now.to_string(),
            complete: true,
        }];
        let generated = self.now.to_string();
        let batch: Vec<NewSnapshot<'_>> = pending
            .iter()
            .map(|p| NewSnapshot {
                learner_key: &p.key,
                elmo_xml: &p.xml,
                content_hash: &p.hash,
                generated_date: &generated,
                elmo_version: ELMO_VERSION,
                run_id: &self.run_id,
                sources: &sources,
                results: p.results,
            })
            .collect();
        let outcomes = self.store.put_snapshots(&batch)?;
        for (p, outcome) in pending.drain(..).zip(outcomes) {
            let name = match outcome {
                WriteOutcome::Created => {
                    summary.created += 1;
                    "created"
                }
                WriteOutcome::Written => {
                    summary.updated += 1;
                    "updated"
                }
                _ => {
                    summary.unchanged += 1;
                    "unchanged"
                }
            };
            summary.learners += 1;
            summary.results += p.outcome.results;
            for e in &p.outcome.exclusions {
                *summary.excluded.entry(e.reason.clone()).or_insert(0) += 1;
            }
            summary.learner_outcomes.push(LearnerOutcome {
                outcome: name,
                ..p.outcome
            });
        }
        Ok(())
    }
}

/// SHA-256 over the document as written, with its generatedDate and issueDate values left
/// out: the content hash must not change just because the clock did (invariant 3). The writer
/// is deterministic and escapes `<` in text, so these element tags occur only as elements.
pub fn content_hash(xml: &[u8], now: &DateTime) -> String {
    let now = now.to_string();
    let stamps = [
        format!("<generatedDate>{now}</generatedDate>"),
        format!("<issueDate>{now}</issueDate>"),
    ];
    let mut hasher = Sha256::new();
    let mut rest = xml;
    while !rest.is_empty() {
        let next = stamps
            .iter()
            .filter_map(|s| find(rest, s.as_bytes()).map(|at| (at, s.len())))
            .min();
        match next {
            Some((at, len)) => {
                hasher.update(&rest[..at]);
                rest = &rest[at + len..];
            }
            None => {
                hasher.update(rest);
                rest = &[];
            }
        }
    }
    hex::encode(hasher.finalize())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(now: &str, grade: &str) -> Vec<u8> {
        format!(
            "<elmo><generatedDate>{now}</generatedDate><report><issueDate>{now}</issueDate>\
             <resultLabel>{grade}</resultLabel></report><report><issueDate>{now}</issueDate></report></elmo>"
        )
        .into_bytes()
    }

    #[test]
    fn the_hash_ignores_the_dates_and_sees_the_content() {
        let (a, b) = ("2026-11-23T10:00:00Z", "2027-01-02T03:04:05Z");
        let (ta, tb): (DateTime, DateTime) = (a.parse().unwrap(), b.parse().unwrap());
        assert_eq!(
            content_hash(&doc(a, "4"), &ta),
            content_hash(&doc(b, "4"), &tb)
        );
        assert_ne!(
            content_hash(&doc(a, "4"), &ta),
            content_hash(&doc(a, "5"), &ta)
        );
        // A date elsewhere in the content is content.
        assert_ne!(content_hash(&doc(a, a), &ta), content_hash(&doc(b, b), &tb));
    }
}
