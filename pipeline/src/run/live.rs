//! The live loop: refresh the due targets over HTTP. VIRTA is asked by identity code (or OID),
//! KOSKI by OID, many learners at once within each service's rate limit; each answer is mapped
//! and stored as it arrives.
//!
//! A learner whose fetch failed keeps its old snapshot, marked stale, and its target records the
//! error (DESIGN.md invariant 1). Refused credentials stop the whole run at once: every other
//! learner would fail the same way, and retrying would only hammer the service.

use std::sync::Arc;

use rikastin_sinks::{LearnerKey, SourceFreshness, TargetIdentity, TargetSeal};
use rikastin_sources::http::FetchError;
use rikastin_sources::koski::KoskiClient;
use rikastin_sources::koski::Oppija;
use rikastin_sources::virta::{Opiskelija, VirtaClient, VirtaQuery};
use tokio::task::{JoinSet, block_in_place};

use super::{BATCH, Failure, Job, Learner, Phase, Summary};
use crate::config::TargetsSection;

/// Learners fetched ahead of the one being stored. The services' own limits pace the work; this
/// only bounds the answers held in memory.
const WINDOW: usize = 64;

/// What a live run talks to.
pub struct Live {
    /// The VIRTA SOAP service.
    pub virta: VirtaClient,
    /// The KOSKI API, when configured.
    pub koski: Option<KoskiClient>,
    /// Opens the identities sealed in the targets table.
    pub seal: TargetSeal,
    /// Which targets are due.
    pub policy: TargetsSection,
}

/// Everything the services said about one learner.
struct Answers {
    opiskelijat: Vec<Opiskelija>,
    oppija: Option<Oppija>,
    sources: Vec<SourceFreshness>,
}

impl Job {
    /// Refreshes every due target. Errors here are about the cache itself; learner failures are
    /// in the summary, and `summary.stopped` says why a run ended early.
    pub async fn run_live(
        mut self,
        live: Live,
        mut progress: impl FnMut(usize, usize),
    ) -> Result<Summary, rikastin_sinks::Error> {
        // Every store call blocks; the PostgreSQL store even refuses async context.
        let mut summary = block_in_place(|| self.start())?;
        let now = self.now.to_string();
        let due = block_in_place(|| {
            self.store.due_targets(
                &now,
                live.policy.refresh_after_hours * 3600,
                live.policy.retry_after_minutes * 60,
                live.policy.max_per_run,
            )
        })?;
        let total = due.len();
        let live = Arc::new(live);
        let mut queue = due.into_iter();
        let mut tasks = JoinSet::new();
        let mut pending = Vec::new();
        let mut done = 0;
        let mut fetch_ms = Vec::with_capacity(total);
        loop {
            while tasks.len() < WINDOW {
                let Some(target) = queue.next() else { break };
                summary.targets += 1;
                let key = target.learner_key;
                match live.seal.open(&key, &target.sealed_identity) {
                    Ok(identity) => {
                        let live = live.clone();
                        let now = now.clone();
                        tasks.spawn(async move {
                            let clock = std::time::Instant::now();
                            let answers = fetch(&live, &key, &identity, &now).await;
                            (key, answers, clock.elapsed())
                        });
                    }
                    Err(e) => {
                        let failure = target_failure(&key, Phase::Fetch, e.to_string(), None);
                        self.dead_letter(&key, failure, &mut summary)?;
                    }
                }
            }
            let Some(joined) = tasks.join_next().await else {
                break;
            };
            done += 1;
            progress(done, total);
            let (key, answers, took) = match joined {
                Ok(result) => result,
                // A fetch task cannot panic on input; if one did, the run must not pretend.
                Err(e) => std::panic::resume_unwind(e.into_panic()),
            };
            fetch_ms.push(took.as_millis().min(u32::MAX as u128) as u32);
            let answers = match answers {
                Ok(a) => a,
                Err(e) if e.stops_run() => {
                    summary.stopped = Some(e.to_string());
                    tasks.abort_all();
                    break;
                }
                Err(e) => {
                    let failure =
                        target_failure(&key, Phase::Fetch, e.to_string(), Some(e.class()));
                    self.dead_letter(&key, failure, &mut summary)?;
                    continue;
                }
            };
            for s in &answers.sources {
                *summary.fetched.entry(s.source.clone()).or_insert(0) += 1;
            }
            if answers.opiskelijat.is_empty() && answers.oppija.is_none() {
                summary.no_data += 1;
                block_in_place(|| -> Result<(), rikastin_sinks::Error> {
                    self.store.record_attempt(&key, &now, "no-data", None)?;
                    // Records can disappear from a register (virta.md §7); the old document
                    // is kept for a person to look at, but no longer vouched for.
                    if self.store.mark_stale(
                        &key,
                        &now,
                        "no source has data for the learner now",
                    )? {
                        summary.stale += 1;
                    }
                    Ok(())
                })?;
                continue;
            }
            let learner = Learner {
                key: key.clone(),
                label: "target".into(),
                virta: answers.opiskelijat.iter().collect(),
                koski: answers.oppija.as_ref(),
                sources: answers.sources.clone(),
            };
            match self.build(learner, true) {
                Ok(p) => pending.push(p),
                Err(failure) => self.dead_letter(&key, failure, &mut summary)?,
            }
            if pending.len() >= BATCH {
                self.flush_live(&mut pending, &mut summary)?;
            }
        }
        self.flush_live(&mut pending, &mut summary)?;
        summary.fetch_ms = super::Percentiles::of(&mut fetch_ms);
        block_in_place(|| self.finish(&mut summary))?;
        Ok(summary)
    }

    /// Writes the batch, then records each learner's target as refreshed.
    fn flush_live(
        &mut self,
        pending: &mut Vec<super::Pending>,
        summary: &mut Summary,
    ) -> Result<(), rikastin_sinks::Error> {
        let keys: Vec<LearnerKey> = pending.iter().map(|p| p.key.clone()).collect();
        let now = self.now.to_string();
        block_in_place(|| {
            self.flush(pending, summary)?;
            for key in &keys {
                self.store.record_attempt(key, &now, "ok", None)?;
            }
            Ok(())
        })
    }

    /// A learner that failed: its old snapshot stays, marked stale, and the target keeps the
    /// error for the next run and for the operator.
    fn dead_letter(
        &mut self,
        key: &LearnerKey,
        failure: Failure,
        summary: &mut Summary,
    ) -> Result<(), rikastin_sinks::Error> {
        let now = self.now.to_string();
        let reason = format!("{:?} failed: {}", failure.phase, failure.error).to_lowercase();
        block_in_place(|| -> Result<(), rikastin_sinks::Error> {
            self.store
                .record_attempt(key, &now, "dead-letter", Some(&failure.error))?;
            if self.store.mark_stale(key, &now, &reason)? {
                summary.stale += 1;
            }
            Ok(())
        })?;
        summary.failures.push(failure);
        Ok(())
    }
}

/// Asks VIRTA, then KOSKI by the OID given or learned from VIRTA's answer.
async fn fetch(
    live: &Live,
    key: &LearnerKey,
    identity: &TargetIdentity,
    now: &str,
) -> Result<Answers, FetchError> {
    let origin = format!("virta:{}", &key.as_str()[..12]);
    let query = match (&identity.henkilotunnus, &identity.oppijanumero) {
        (Some(hetu), _) => VirtaQuery::Henkilotunnus(hetu),
        (None, Some(oid)) => VirtaQuery::Oppijanumero(oid),
        (None, None) => {
            return Err(FetchError::Invalid {
                service: "virta",
                detail: "the target has neither an identity code nor an OID".into(),
            });
        }
    };
    let fresh = |source: &str| SourceFreshness {
        source: source.into(),
        fetched_at: now.to_owned(),
        complete: true,
    };
    let virta = live.virta.opiskelijan_kaikki_tiedot(query, &origin).await?;
    let mut sources = vec![fresh("virta")];
    let mut oppija = None;
    if let Some(koski) = &live.koski {
        let oid = identity.oppijanumero.clone().or_else(|| {
            virta
                .virta
                .opiskelijat
                .iter()
                .find_map(|o| o.kansallinen_oppijanumero.clone())
        });
        // Without an OID KOSKI cannot be asked (its hetu lookup needs a write right,
        // koski.md §2.2); the snapshot then records VIRTA alone.
        if let Some(oid) = oid {
            let origin = format!("koski:{}", &key.as_str()[..12]);
            oppija = koski.oppija(&oid, &origin).await?.oppija;
            sources.push(fresh("koski"));
        }
    }
    Ok(Answers {
        opiskelijat: virta.virta.opiskelijat,
        oppija,
        sources,
    })
}

fn target_failure(
    key: &LearnerKey,
    phase: Phase,
    error: String,
    class: Option<&'static str>,
) -> Failure {
    Failure {
        recording: "target".into(),
        learner: Some(key.to_string()),
        phase,
        error,
        class,
    }
}
