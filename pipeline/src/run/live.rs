//! The live loop: refresh the due targets over HTTP. VIRTA is asked by identity code (or OID),
//! up to `batch_size` learners per call, KOSKI by OID, many calls at once within each service's
//! rate limit; each answer is mapped and stored as it arrives.
//!
//! A learner whose fetch failed keeps its old snapshot, marked stale, and its target records the
//! error (DESIGN.md invariant 1). Refused credentials stop the whole run at once: every other
//! learner would fail the same way, and retrying would only hammer the service.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rikastin_sinks::{LearnerKey, NewDeadLetter, SourceFreshness, TargetIdentity, TargetSeal};
use rikastin_sources::http::FetchError;
use rikastin_sources::koski::KoskiClient;
use rikastin_sources::koski::Oppija;
use rikastin_sources::virta::{Opiskelija, VirtaClient, VirtaQuery};
use tokio::task::{JoinSet, block_in_place};

use super::{CommitClock, Failure, Job, Learner, Phase, Summary};
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
    /// Learners per VIRTA call; above 1, the `OpiskelijanKaikkiTiedotLista` form.
    pub batch_size: usize,
    /// Ask `OpiskelijanTiedot` of each institution for the names (`sources.virta.opiskelijan_tiedot`).
    pub opiskelijan_tiedot: bool,
}

/// Everything the services said about one learner.
struct Answers {
    opiskelijat: Vec<Opiskelija>,
    oppija: Option<Oppija>,
    sources: Vec<SourceFreshness>,
    /// Why a source is in `sources` as incomplete: KOSKI failed after VIRTA answered.
    partial: Option<FetchError>,
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
        // A shard or a resumed run takes its part of the due targets before the cap applies.
        let filtered = self.shard.is_some() || self.resumed.is_some();
        let mut due = block_in_place(|| {
            self.store.due_targets(
                &now,
                live.policy.refresh_after_hours * 3600,
                live.policy.retry_after_minutes * 60,
                live.policy.max_per_run.filter(|_| !filtered),
            )
        })?;
        if filtered {
            due.retain(|t| {
                self.shard.is_none_or(|s| s.covers(&t.learner_key))
                    && self
                        .resumed
                        .as_ref()
                        .is_none_or(|done| !done.contains(&t.learner_key))
            });
            due.truncate(live.policy.max_per_run.unwrap_or(usize::MAX));
        }
        let total = due.len();
        let batch_size = live.batch_size.max(1);
        let window = WINDOW.max(4 * batch_size);
        let live = Arc::new(live);
        let mut queue = due.into_iter();
        // One lane per kind of identity: a Lista call cannot mix hetus and OIDs.
        let (mut by_hetu, mut by_oid) = (Vec::new(), Vec::new());
        let mut tasks = JoinSet::new();
        let mut in_flight = 0;
        let mut pending = Vec::new();
        let mut clock = CommitClock::new(self.commit_interval);
        let mut done = 0;
        let mut fetch_ms = Vec::with_capacity(total);
        'run: loop {
            while in_flight < window {
                let Some(target) = queue.next() else { break };
                summary.targets += 1;
                let key = target.learner_key;
                let lane = match live.seal.open(&key, &target.sealed_identity) {
                    Ok(identity) if identity.henkilotunnus.is_some() => {
                        by_hetu.push((key, identity));
                        &mut by_hetu
                    }
                    Ok(identity) if identity.oppijanumero.is_some() => {
                        by_oid.push((key, identity));
                        &mut by_oid
                    }
                    Ok(_) => {
                        let error = "the target has neither an identity code nor an OID";
                        let failure = target_failure(&key, "target", error.into(), "no-identity");
                        self.dead_letter(&key, failure, &mut summary)?;
                        continue;
                    }
                    Err(e) => {
                        let failure = target_failure(&key, "target", e.to_string(), "unsealable");
                        self.dead_letter(&key, failure, &mut summary)?;
                        continue;
                    }
                };
                if lane.len() >= batch_size {
                    in_flight += lane.len();
                    tasks.spawn(fetch_batch(live.clone(), std::mem::take(lane), now.clone()));
                }
            }
            if queue.len() == 0 {
                for lane in [&mut by_hetu, &mut by_oid] {
                    if !lane.is_empty() {
                        in_flight += lane.len();
                        tasks.spawn(fetch_batch(live.clone(), std::mem::take(lane), now.clone()));
                    }
                }
            }
            let Some(joined) = tasks.join_next().await else {
                break;
            };
            let (asked, answered) = match joined {
                Ok(result) => result,
                // A fetch task cannot panic on input; if one did, the run must not pretend.
                Err(e) => std::panic::resume_unwind(e.into_panic()),
            };
            in_flight -= asked;
            for (key, answers, took) in answered {
                done += 1;
                progress(done, total);
                fetch_ms.push(took.as_millis().min(u32::MAX as u128) as u32);
                let answers = match answers {
                    Ok(a) => a,
                    Err(e) if e.stops_run() => {
                        summary.stopped = Some(e.to_string());
                        tasks.abort_all();
                        break 'run;
                    }
                    Err(e) => {
                        let failure = target_failure(&key, e.service(), e.to_string(), e.class());
                        self.dead_letter(&key, failure, &mut summary)?;
                        continue;
                    }
                };
                for s in answers.sources.iter().filter(|s| s.complete) {
                    *summary.fetched.entry(s.source.clone()).or_insert(0) += 1;
                }
                // A KOSKI failure for a learner VIRTA has nothing on is a failure, not "no data".
                if let (true, None, Some(e)) = (
                    answers.opiskelijat.is_empty(),
                    &answers.oppija,
                    &answers.partial,
                ) {
                    let failure = target_failure(&key, e.service(), e.to_string(), e.class());
                    self.dead_letter(&key, failure, &mut summary)?;
                    continue;
                }
                // Invariant 1: "no records" from a source whose results the snapshot has is not
                // believed without --accept-empty (docs/operations.md).
                if !self.accept_empty
                    && let Some(source) = block_in_place(|| self.emptied(&key, &answers))?
                {
                    let error = format!(
                        "{source} answered no records for a learner whose snapshot has {source} results; \
                         the snapshot is kept (run with --accept-empty to believe the answer)"
                    );
                    let failure = target_failure(&key, source, error, "emptied");
                    self.dead_letter(&key, failure, &mut summary)?;
                    continue;
                }
                if answers.opiskelijat.is_empty() && answers.oppija.is_none() {
                    summary.no_data += 1;
                    self.no_data(&key, "no source has data for the learner now", &mut summary)?;
                    continue;
                }
                if let Some(e) = &answers.partial {
                    // A snapshot is replaced only by one built from complete answers
                    // (invariant 1); a learner with none yet gets the partial one, marked so,
                    // and stays a dead letter until KOSKI answers.
                    let failure = target_failure(&key, e.service(), e.to_string(), e.class());
                    let stored = block_in_place(|| self.store.get_snapshot_meta(&key))?;
                    self.dead_letter(&key, failure, &mut summary)?;
                    if stored.is_some() || answers.opiskelijat.is_empty() {
                        continue;
                    }
                    summary.partial += 1;
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
                    // Every record excluded on purpose: the learner has nothing to transfer.
                    Err(failure) if failure.class == Some(super::NO_DATA) => {
                        summary.failed(failure);
                        let why = "every record the sources have for the learner is excluded";
                        self.no_data(&key, why, &mut summary)?;
                    }
                    Err(failure) => self.dead_letter(&key, failure, &mut summary)?,
                }
                if clock.due(pending.len()) {
                    self.flush_live(&mut pending, &mut summary)?;
                    clock.committed();
                }
            }
        }
        self.flush_live(&mut pending, &mut summary)?;
        summary.fetch_ms = super::Percentiles::of(&mut fetch_ms);
        block_in_place(|| self.finish(&mut summary))?;
        Ok(summary)
    }

    /// A learner with nothing to transfer: the attempt is recorded, and an old document is kept
    /// for a person to look at but no longer vouched for (records can disappear from a register,
    /// virta.md §7). The caller has counted the learner as no data.
    fn no_data(
        &mut self,
        key: &LearnerKey,
        why: &str,
        summary: &mut Summary,
    ) -> Result<(), rikastin_sinks::Error> {
        if self.dry_run {
            return Ok(());
        }
        let now = self.now.to_string();
        block_in_place(|| -> Result<(), rikastin_sinks::Error> {
            self.store.record_attempt(key, &now, "no-data", None)?;
            if self.store.mark_stale(key, &now, why)? {
                summary.stale += 1;
            }
            Ok(())
        })
    }

    /// The source that answered "no records" although the stored snapshot has results from it:
    /// VIRTA's are LOIs with a VIRTA attainment key, KOSKI's the reports of an issuer VIRTA does
    /// not know. Reads the stored document only when a source answered empty.
    fn emptied(
        &self,
        key: &LearnerKey,
        answers: &Answers,
    ) -> Result<Option<&'static str>, rikastin_sinks::Error> {
        let koski_asked = answers
            .sources
            .iter()
            .any(|s| s.source == "koski" && s.complete);
        let (virta_empty, koski_empty) = (
            answers.opiskelijat.is_empty(),
            koski_asked && answers.oppija.is_none(),
        );
        if !virta_empty && !koski_empty {
            return Ok(None);
        }
        let Some(stored) = self.store.get_snapshot(key)? else {
            return Ok(None);
        };
        let Ok(doc) = elmo::read(&stored.elmo_xml) else {
            return Ok(None);
        };
        let virta_report = |r: &elmo::Report| {
            r.issuer
                .identifiers
                .iter()
                .any(|i| i.kind == "virta-myontaja")
                && r.los.iter().any(|l| {
                    l.specifies
                        .instance
                        .identifiers
                        .iter()
                        .any(|i| i.kind == crate::mapping::virta::ATTAINMENT_ID_TYPE)
                })
        };
        let had_virta = doc.reports.iter().any(virta_report);
        let had_koski = doc
            .reports
            .iter()
            .any(|r| !virta_report(r) && !r.los.is_empty());
        Ok(if virta_empty && had_virta {
            Some("virta")
        } else if koski_empty && had_koski {
            Some("koski")
        } else {
            None
        })
    }

    /// Writes the batch; the store checks each learner's target off in the same transaction.
    fn flush_live(
        &mut self,
        pending: &mut Vec<super::Pending>,
        summary: &mut Summary,
    ) -> Result<(), rikastin_sinks::Error> {
        block_in_place(|| self.flush(pending, summary))
    }

    /// A learner that failed: its old snapshot stays, marked stale, the target keeps the error
    /// for the next run, and the dead letters keep where and why it failed for the operator
    /// (`rikastin deadletter list`) until it succeeds again.
    fn dead_letter(
        &mut self,
        key: &LearnerKey,
        mut failure: Failure,
        summary: &mut Summary,
    ) -> Result<(), rikastin_sinks::Error> {
        let now = self.now.to_string();
        // Errors are redacted where they are made; this is the last look before the cache and
        // the summary keep the text (DESIGN.md invariant 5).
        failure.error = rikastin_sources::redact(&failure.error);
        if self.dry_run {
            summary.failures.push(failure);
            return Ok(());
        }
        let reason = format!("{:?} failed: {}", failure.phase, failure.error).to_lowercase();
        let letter = NewDeadLetter {
            learner_key: key,
            source: failure.source.as_deref().unwrap_or("unknown"),
            phase: failure.phase.name(),
            // After the fetch there is no finer class than the phase that failed.
            error_class: failure.class.unwrap_or(failure.phase.name()),
            error: &failure.error,
            failed_at: &now,
            run_id: &self.run_id,
        };
        block_in_place(|| -> Result<(), rikastin_sinks::Error> {
            self.store
                .record_attempt(key, &now, "dead-letter", Some(&failure.error))?;
            self.store.record_dead_letter(&letter)?;
            if self.store.mark_stale(key, &now, &reason)? {
                summary.stale += 1;
            }
            Ok(())
        })?;
        summary.failures.push(failure);
        Ok(())
    }
}

/// Learners to ask about together, all by the same kind of identity.
type Batch = Vec<(LearnerKey, TargetIdentity)>;

/// Each learner's answers, and how long they took from the start of the batch.
type Answered = Vec<(LearnerKey, Result<Answers, FetchError>, Duration)>;

/// Asks VIRTA about the whole batch in one `OpiskelijanKaikkiTiedotLista` call, then KOSKI
/// about each learner. A learner the Lista answer cannot speak for is asked alone: every one
/// of them when the call failed (a Client fault on one bad identity fails the whole call, and
/// alone only that one fails), or when the answer holds an `Opiskelija` that names nobody in
/// the batch (it could be anyone's). Returns the batch's size and the answers; after refused
/// credentials, only that error.
async fn fetch_batch(live: Arc<Live>, batch: Batch, now: String) -> (usize, Answered) {
    let asked = batch.len();
    let clock = Instant::now();
    let mut virta: Vec<Option<Vec<Opiskelija>>> = vec![None; asked];
    if asked > 1 {
        let queries: Vec<VirtaQuery> = batch.iter().filter_map(|(_, id)| query(id)).collect();
        let origin = format!("virta:lista:{}", &batch[0].0.as_str()[..12]);
        match live
            .virta
            .opiskelijan_kaikki_tiedot_lista(&queries, &origin)
            .await
        {
            Ok(fetched) => {
                let identities: Vec<&TargetIdentity> = batch.iter().map(|(_, id)| id).collect();
                virta = attribute(&identities, fetched.virta.opiskelijat);
            }
            Err(e) if e.stops_run() => {
                let key = batch.into_iter().next().map(|(key, _)| key);
                return (
                    asked,
                    key.map(|k| (k, Err(e), clock.elapsed()))
                        .into_iter()
                        .collect(),
                );
            }
            Err(_) => {}
        }
    }
    let mut learners = JoinSet::new();
    for ((key, identity), opiskelijat) in batch.into_iter().zip(virta) {
        let (live, now) = (live.clone(), now.clone());
        learners.spawn(async move {
            let answers = fetch(&live, &key, &identity, opiskelijat, &now).await;
            (key, answers, clock.elapsed())
        });
    }
    let mut answered = Vec::with_capacity(asked);
    while let Some(joined) = learners.join_next().await {
        match joined {
            Ok(answer) => answered.push(answer),
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }
    (asked, answered)
}

/// The VIRTA query for a target: by identity code when there is one.
fn query(identity: &TargetIdentity) -> Option<VirtaQuery<'_>> {
    match (&identity.henkilotunnus, &identity.oppijanumero) {
        (Some(hetu), _) => Some(VirtaQuery::Henkilotunnus(hetu)),
        (None, Some(oid)) => Some(VirtaQuery::Oppijanumero(oid)),
        (None, None) => None,
    }
}

/// Sorts a Lista answer by learner: an `Opiskelija` belongs to the target whose identity code
/// or OID it carries, or else to the learner another of its `Opiskelija` shares its OID with.
/// If any is left over, nobody's answer is known complete, and every entry is `None`.
fn attribute(
    identities: &[&TargetIdentity],
    opiskelijat: Vec<Opiskelija>,
) -> Vec<Option<Vec<Opiskelija>>> {
    let mut owned: Vec<Vec<Opiskelija>> = vec![Vec::new(); identities.len()];
    let mut unowned = Vec::new();
    for opiskelija in opiskelijat {
        let hetu = opiskelija.henkilotunnus.as_ref().map(|h| h.expose());
        let oid = opiskelija.kansallinen_oppijanumero.as_deref();
        let owner = identities.iter().position(|id| {
            let same_hetu = matches!((&id.henkilotunnus, hetu), (Some(a), Some(b)) if a.eq_ignore_ascii_case(b));
            let same_oid = oid.is_some() && id.oppijanumero.as_deref() == oid;
            same_hetu || same_oid
        });
        match owner {
            Some(i) => owned[i].push(opiskelija),
            None => unowned.push(opiskelija),
        }
    }
    for opiskelija in unowned {
        let oid = opiskelija.kansallinen_oppijanumero.as_deref();
        let owner = owned.iter().position(|records| {
            oid.is_some()
                && records
                    .iter()
                    .any(|r| r.kansallinen_oppijanumero.as_deref() == oid)
        });
        match owner {
            Some(i) => owned[i].push(opiskelija),
            None => return vec![None; identities.len()],
        }
    }
    owned.into_iter().map(Some).collect()
}

/// Asks VIRTA (unless its part of a Lista answer is given), then KOSKI by the OID given or
/// learned from VIRTA's answer.
async fn fetch(
    live: &Live,
    key: &LearnerKey,
    identity: &TargetIdentity,
    virta: Option<Vec<Opiskelija>>,
    now: &str,
) -> Result<Answers, FetchError> {
    let opiskelijat = match virta {
        Some(opiskelijat) => opiskelijat,
        None => {
            let origin = format!("virta:{}", &key.as_str()[..12]);
            let query = query(identity).ok_or_else(|| FetchError::Invalid {
                service: "virta",
                detail: "the target has neither an identity code nor an OID".into(),
            })?;
            let fetched = live.virta.opiskelijan_kaikki_tiedot(query, &origin).await?;
            fetched.virta.opiskelijat
        }
    };
    let opiskelijat = if live.opiskelijan_tiedot {
        with_names(live, key, identity, opiskelijat).await?
    } else {
        opiskelijat
    };
    let fresh = |source: &str| SourceFreshness {
        source: source.into(),
        fetched_at: now.to_owned(),
        complete: true,
    };
    let mut sources = vec![fresh("virta")];
    let mut oppija = None;
    let mut partial = None;
    if let Some(koski) = &live.koski {
        let oid = identity.oppijanumero.clone().or_else(|| {
            opiskelijat
                .iter()
                .find_map(|o| o.kansallinen_oppijanumero.clone())
        });
        // Without an OID KOSKI cannot be asked (its hetu lookup needs a write right,
        // koski.md §2.2); the snapshot then records VIRTA alone.
        if let Some(oid) = oid {
            let origin = format!("koski:{}", &key.as_str()[..12]);
            match koski.oppija(&oid, &origin).await {
                Ok(answer) => {
                    oppija = answer.oppija;
                    sources.push(fresh("koski"));
                }
                Err(e) if e.stops_run() => return Err(e),
                // VIRTA's answer stands; the learner's KOSKI results are missing, not absent.
                Err(e) => {
                    sources.push(SourceFreshness {
                        complete: false,
                        ..fresh("koski")
                    });
                    partial = Some(e);
                }
            }
        }
    }
    Ok(Answers {
        opiskelijat,
        oppija,
        sources,
        partial,
    })
}

/// Joins the names onto an `OpiskelijanKaikkiTiedot` answer that lacks them: one
/// `OpiskelijanTiedot` call per institution of the answer, each within VIRTA's rate limit. A
/// failed call fails the learner's refresh like any source failure, so no new snapshot loses the
/// names an old one had (issue 17).
async fn with_names(
    live: &Live,
    key: &LearnerKey,
    identity: &TargetIdentity,
    opiskelijat: Vec<Opiskelija>,
) -> Result<Vec<Opiskelija>, FetchError> {
    let mut answer = rikastin_sources::virta::Virta { opiskelijat };
    if answer
        .opiskelijat
        .iter()
        .all(|o| o.sukunimi.is_some() || o.etunimet.is_some())
    {
        return Ok(answer.opiskelijat);
    }
    let Some(query) = query(identity) else {
        return Ok(answer.opiskelijat);
    };
    let institutions: Vec<String> = answer
        .institutions()
        .into_iter()
        .map(str::to_owned)
        .collect();
    let mut names = Vec::new();
    for organisaatio in institutions {
        let origin = format!("virta:names:{organisaatio}:{}", &key.as_str()[..12]);
        let fetched = live
            .virta
            .opiskelijan_tiedot(query, &organisaatio, &origin)
            .await?;
        names.extend(fetched.virta.opiskelijat);
    }
    answer.fill_names(&names);
    Ok(answer.opiskelijat)
}

/// A target that failed before any answer was in hand: its `source` (`virta`, `koski`, or
/// `target` for its own row) failed with `class`.
fn target_failure(key: &LearnerKey, source: &str, error: String, class: &'static str) -> Failure {
    Failure {
        recording: "target".into(),
        learner: Some(key.to_string()),
        phase: Phase::Fetch,
        error,
        class: Some(class),
        exclusions: None,
        source: Some(source.into()),
    }
}

#[cfg(test)]
mod tests {
    use rikastin_sources::virta::{VIRTA_NS, parse};

    use super::*;

    // Synthetic codes with the 900-series individual numbers that VIRTA itself rejects.
    const HETU_A: &str = "010203A901B";
    const HETU_B: &str = "020304-902C";
    const OID_B: &str = "1.2.246.562.24.00000000002";
    const OID_C: &str = "1.2.246.562.24.00000000003";

    /// A Lista answer: `(avain, henkilotunnus, oppijanumero)` for each `Opiskelija`.
    fn answer(opiskelijat: &[(&str, Option<&str>, Option<&str>)]) -> Vec<Opiskelija> {
        let mut xml = format!("<Virta xmlns=\"{VIRTA_NS}\">");
        for (avain, hetu, oid) in opiskelijat {
            xml += &format!("<Opiskelija avain=\"{avain}\">");
            if let Some(h) = hetu {
                xml += &format!("<Henkilotunnus>{h}</Henkilotunnus>");
            }
            if let Some(o) = oid {
                xml += &format!("<KansallinenOppijanumero>{o}</KansallinenOppijanumero>");
            }
            xml += "<Opiskeluoikeudet/><Opintosuoritukset/></Opiskelija>";
        }
        xml += "</Virta>";
        parse(xml.as_bytes(), "test").expect("parses").opiskelijat
    }

    fn identity(hetu: Option<&str>, oid: Option<&str>) -> TargetIdentity {
        TargetIdentity {
            henkilotunnus: hetu.map(str::to_owned),
            oppijanumero: oid.map(str::to_owned),
        }
    }

    /// The `avain` of each learner's records, or `None` where the learner is asked alone.
    fn owners(identities: &[TargetIdentity], answer: Vec<Opiskelija>) -> Vec<Option<Vec<String>>> {
        let identities: Vec<&TargetIdentity> = identities.iter().collect();
        attribute(&identities, answer)
            .into_iter()
            .map(|o| o.map(|list| list.into_iter().map(|o| o.avain).collect()))
            .collect()
    }

    #[test]
    fn each_opiskelija_goes_to_the_learner_it_names() {
        let targets = [
            identity(Some(HETU_A), None),
            identity(Some(HETU_B), None),
            identity(None, Some(OID_C)),
        ];
        let got = owners(
            &targets,
            answer(&[
                ("b1", Some(HETU_B), Some(OID_B)),
                // Lower case as sent by some institution: the check character is a letter.
                ("a1", Some(&HETU_A.to_lowercase()), None),
                ("b2", None, Some(OID_B)),
                ("c1", None, Some(OID_C)),
            ]),
        );
        let list = |v: &[&str]| Some(v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(got, [list(&["a1"]), list(&["b1", "b2"]), list(&["c1"])]);
    }

    #[test]
    fn a_learner_without_records_has_none_when_every_opiskelija_is_placed() {
        let targets = [identity(Some(HETU_A), None), identity(Some(HETU_B), None)];
        let got = owners(&targets, answer(&[("a1", Some(HETU_A), None)]));
        assert_eq!(got, [Some(vec!["a1".to_string()]), Some(vec![])]);
    }

    #[test]
    fn an_opiskelija_that_names_nobody_sends_everyone_to_ask_alone() {
        let targets = [identity(Some(HETU_A), None), identity(Some(HETU_B), None)];
        let got = owners(
            &targets,
            answer(&[("a1", Some(HETU_A), None), ("x", None, Some(OID_C))]),
        );
        assert_eq!(got, [None, None]);
        let got = owners(&targets, answer(&[("y", None, None)]));
        assert_eq!(got, [None, None]);
    }
}
