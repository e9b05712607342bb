//! The recorded loop: every VIRTA recording in a folder, joined with the KOSKI recording of the
//! same learner key when there is one, then the KOSKI-only learners. Used by the embedded
//! default and by full rebuilds from recorded answers.

use std::collections::{HashMap, HashSet};

use rikastin_sinks::{LearnerKey, SourceFreshness};
use rikastin_sources::{RecordedFolder, Recording};

use super::{BATCH, Failure, Job, Learner, Pending, Phase, Summary};
use crate::learners;

/// The folders a recorded run reads.
pub struct Recorded {
    /// VIRTA `OpiskelijanKaikkiTiedot` answers, `<learner key>.xml`.
    pub virta: RecordedFolder,
    /// KOSKI oppija answers, `<learner key>.json`, when configured.
    pub koski: Option<RecordedFolder>,
}

impl Job {
    /// Runs the job over every recording. Errors here are about the cache itself; learner
    /// failures are collected in the summary.
    pub fn run_recorded(
        mut self,
        input: Recorded,
        mut progress: impl FnMut(usize, usize),
    ) -> Result<Summary, rikastin_sinks::Error> {
        let mut summary = self.start()?;
        let listed = |folder: &RecordedFolder, summary: &mut Summary| match folder.list() {
            Ok(r) => r,
            Err(e) => {
                summary.failures.push(fetch_failure("", e.to_string()));
                Vec::new()
            }
        };
        let virta = listed(&input.virta, &mut summary);
        let koski = match &input.koski {
            Some(folder) => listed(folder, &mut summary),
            None => Vec::new(),
        };
        // Listed once: looking each learner up by listing the folder again would be quadratic.
        let koski_by_key: HashMap<&str, &Recording> =
            koski.iter().map(|r| (r.name.as_str(), r)).collect();
        let total = virta.len() + koski.len();
        let mut seen = HashSet::new();
        let mut pending = Vec::new();
        for (i, rec) in virta.iter().enumerate() {
            summary.recordings += 1;
            self.virta_recording(
                &input,
                &koski_by_key,
                rec,
                &mut seen,
                &mut pending,
                &mut summary,
            );
            if pending.len() >= BATCH {
                self.flush(&mut pending, &mut summary)?;
            }
            progress(i + 1, total);
        }
        // KOSKI recordings of learners VIRTA does not know: vocational and upper-secondary only.
        for (i, rec) in koski.iter().enumerate() {
            if seen.contains(rec.name.as_str()) {
                progress(virta.len() + i + 1, total);
                continue;
            }
            summary.recordings += 1;
            let folder = input.koski.as_ref().expect("listed only when configured");
            match read_koski(folder, rec) {
                Ok(oppija) => {
                    let Ok(key) = rec.name.parse::<LearnerKey>() else {
                        summary.failures.push(fetch_failure(
                            &rec.name,
                            "a KOSKI recording must be named <learner key>.json".into(),
                        ));
                        continue;
                    };
                    let learner = Learner {
                        key,
                        label: rec.name.clone(),
                        virta: Vec::new(),
                        koski: Some(&oppija),
                        sources: vec![self.fresh("koski")],
                    };
                    match self.build(learner, true) {
                        Ok(p) => pending.push(p),
                        Err(f) => summary.failures.push(f),
                    }
                }
                Err(f) => summary.failures.push(f),
            }
            if pending.len() >= BATCH {
                self.flush(&mut pending, &mut summary)?;
            }
            progress(virta.len() + i + 1, total);
        }
        self.flush(&mut pending, &mut summary)?;
        self.finish(&mut summary)?;
        Ok(summary)
    }

    fn virta_recording(
        &self,
        input: &Recorded,
        koski_by_key: &HashMap<&str, &Recording>,
        rec: &Recording,
        seen: &mut HashSet<String>,
        pending: &mut Vec<Pending>,
        summary: &mut Summary,
    ) {
        let bytes = match input.virta.read(rec) {
            Ok(b) => b,
            Err(e) => {
                return summary
                    .failures
                    .push(fetch_failure(&rec.name, e.to_string()));
            }
        };
        let virta = match rikastin_sources::virta::parse(&bytes, &rec.name) {
            Ok(v) => v,
            Err(e) => {
                return summary.failures.push(Failure {
                    phase: Phase::Parse,
                    ..fetch_failure(&rec.name, e.to_string())
                });
            }
        };
        let groups = learners::group(&virta);
        if groups.is_empty() {
            summary.no_data += 1;
        }
        for group in groups {
            let key = LearnerKey::derive(&self.secret, group.identity);
            if !seen.insert(key.to_string()) {
                summary.failures.push(Failure {
                    learner: Some(key.to_string()),
                    phase: Phase::Map,
                    ..fetch_failure(
                        &rec.name,
                        "the same learner is in two recordings of this run; neither is guessed to win"
                            .into(),
                    )
                });
                continue;
            }
            let mut sources = vec![self.fresh("virta")];
            let koski = match (&input.koski, koski_by_key.get(key.as_str())) {
                (Some(folder), Some(found)) => match read_koski(folder, found) {
                    Ok(oppija) => {
                        sources.push(self.fresh("koski"));
                        Some(oppija)
                    }
                    Err(f) => {
                        summary.failures.push(f);
                        continue;
                    }
                },
                _ => None,
            };
            let learner = Learner {
                key,
                label: rec.name.clone(),
                virta: group.records,
                koski: koski.as_ref(),
                sources,
            };
            match self.build(learner, true) {
                Ok(p) => pending.push(p),
                Err(f) => summary.failures.push(f),
            }
        }
    }

    /// A source that answered completely at the run's time.
    pub(super) fn fresh(&self, source: &str) -> SourceFreshness {
        SourceFreshness {
            source: source.into(),
            fetched_at: self.now.to_string(),
            complete: true,
        }
    }
}

fn read_koski(
    folder: &RecordedFolder,
    rec: &Recording,
) -> Result<rikastin_sources::koski::Oppija, Failure> {
    let bytes = folder
        .read(rec)
        .map_err(|e| fetch_failure(&rec.name, e.to_string()))?;
    let label = format!("{}.json", rec.name);
    rikastin_sources::koski::parse(&bytes, &label).map_err(|e| Failure {
        phase: Phase::Parse,
        ..fetch_failure(&rec.name, e.to_string())
    })
}

fn fetch_failure(recording: &str, error: String) -> Failure {
    Failure {
        recording: recording.to_owned(),
        learner: None,
        phase: Phase::Fetch,
        error,
        class: None,
        source: None,
    }
}
