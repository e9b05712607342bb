//! The job: learners in -> map -> merge -> lint -> write -> store, with a summary.
//!
//! Two loops feed learners in: [`recorded`] reads a folder of recorded answers (the embedded
//! default, full rebuilds) and [`live`] refreshes the due targets over HTTP. Everything after
//! the fetch is shared and lives here.
//!
//! Phases are named so that a failure says where it happened. A learner reaches the store only
//! when every phase before it succeeded (DESIGN.md invariant 1: never degrade); a failed
//! learner's old snapshot stays as it was, and a live run marks it stale.

pub mod live;
pub mod metrics;
pub mod recorded;

use std::collections::BTreeMap;

use elmo::{DateTime, Elmo, Severity};
use rikastin_sinks::{
    LearnerKey, LearnerSecret, NewSnapshot, SourceFreshness, Store, WriteOutcome,
};
use rikastin_sources::koski::Oppija;
use rikastin_sources::virta::Opiskelija;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::enrich::Enrichment;
use crate::mapping::Mappings;
use crate::mapping::koski::map_oppija;
use crate::mapping::virta::{Exclusion, Quirks, map_learner};

/// The ELMO version the cache records for each snapshot (elmo.md §8 rule 18).
pub const ELMO_VERSION: &str = "1.7.0";

/// Lint findings that the cached (unsigned) document has by design, because the read API
/// completes it when it serves: the PDF transcript is rendered and attached before signing
/// (DESIGN.md, ELMO choices). They are not reported per learner.
pub const DEFERRED_TO_SERVING: [&str; 1] = ["W-PDF-MISSING"];

/// Learners written to the store per transaction, at most.
const BATCH: usize = 256;

/// When built documents are committed: at [`BATCH`] learners, or once `interval` has passed
/// since the last commit, so that a crash loses at most about that much work, and a run
/// smaller than a batch keeps what it did before a crash (issue 19).
pub(crate) struct CommitClock {
    last: std::time::Instant,
    interval: std::time::Duration,
}

impl CommitClock {
    pub(crate) fn new(interval: std::time::Duration) -> Self {
        Self {
            last: std::time::Instant::now(),
            interval,
        }
    }

    /// Whether `pending` documents are to be committed now.
    pub(crate) fn due(&self, pending: usize) -> bool {
        pending >= BATCH || (pending > 0 && self.last.elapsed() >= self.interval)
    }

    /// A commit was made.
    pub(crate) fn committed(&mut self) {
        self.last = std::time::Instant::now();
    }
}

/// What the run needs, all opened and checked before the first recording is read.
pub struct Job {
    /// Label for the report (the config file).
    pub config_label: String,
    /// Rules (shared with a plan made before the run).
    pub mappings: std::sync::Arc<Mappings>,
    /// Catalogues and DS texts joined onto every document.
    pub enrichment: std::sync::Arc<Enrichment>,
    /// Learner-key secret.
    pub secret: LearnerSecret,
    /// The cache (SQLite or PostgreSQL). Its calls block: in async code, wrap them in
    /// `block_in_place`.
    pub store: Box<dyn Store>,
    /// generatedDate of every document this run writes.
    pub now: DateTime,
    /// Run id.
    pub run_id: String,
    /// Keep each learner's outcome in the summary (for `--report-json`). Off, memory stays flat
    /// however many learners the run has.
    pub learner_detail: bool,
    /// The part of the targets this process refreshes (`--shard`); `None`: all of them.
    pub shard: Option<Shard>,
    /// When this run resumes an interrupted one (same `run_id` and `now`): the learners that
    /// run had already committed, which are not asked again.
    pub resumed: Option<std::collections::HashSet<LearnerKey>>,
    /// Plan only (`rikastin plan`, `run --dry-run`): build every document and compare it with
    /// the stored one, but write nothing to the cache: no snapshot, run, attempt or dead letter.
    pub dry_run: bool,
    /// `--accept-empty`: believe a source that answers "no records" for a learner whose
    /// snapshot has results from it. Off, such a learner keeps its snapshot (invariant 1).
    pub accept_empty: bool,
    /// `--commit-interval-ms`: the longest a built document waits to be committed.
    pub commit_interval: std::time::Duration,
}

/// Shard `index` of `count` (`--shard i/n`, 0-based as Kubernetes' completion index): the
/// targets whose learner key, read as a number, leaves `index` when divided by `count`. The
/// key is an HMAC, so shards are even, and stable for as long as the secret is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which shard, from 0.
    pub index: u64,
    /// How many shards in all.
    pub count: u64,
}

impl Shard {
    /// Whether this shard refreshes `key`.
    pub fn covers(&self, key: &LearnerKey) -> bool {
        // 16 hex digits are 64 bits; a key is always 64 hex digits.
        let head = u64::from_str_radix(&key.as_str()[..16], 16).unwrap_or(0);
        head % self.count == self.index
    }

    /// The run lock this shard's runs share: one run per shard and store at a time.
    pub fn lock_name(shard: Option<Shard>) -> String {
        match shard {
            Some(s) => format!("run-shard-{}-of-{}", s.index, s.count),
            None => "run".to_owned(),
        }
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let expected = || {
            format!("`{s}` is not a shard; expected INDEX/COUNT with 0 <= INDEX < COUNT, e.g. 0/4")
        };
        let (index, count) = s.split_once('/').ok_or_else(expected)?;
        let (index, count) = (
            index.trim().parse::<u64>().map_err(|_| expected())?,
            count.trim().parse::<u64>().map_err(|_| expected())?,
        );
        if count == 0 || index >= count {
            return Err(expected());
        }
        Ok(Shard { index, count })
    }
}

/// How many failed learners a run tolerates before it counts as failed (`--max-failed`): a
/// count, or a share of the learners it tried.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FailureThreshold {
    /// At most this many.
    Count(usize),
    /// At most this percentage of the learners tried (stored or failed).
    Percent(f64),
}

impl FailureThreshold {
    /// Whether `failed` failures out of `tried` learners are within the threshold.
    pub fn allows(&self, failed: usize, tried: usize) -> bool {
        match *self {
            Self::Count(n) => failed <= n,
            Self::Percent(p) => failed as f64 <= p / 100.0 * tried as f64,
        }
    }
}

impl std::fmt::Display for FailureThreshold {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Count(n) => write!(f, "{n}"),
            Self::Percent(p) => write!(f, "{p}%"),
        }
    }
}

impl std::str::FromStr for FailureThreshold {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let expected =
            || format!("`{s}` is not a threshold; expected a count (10) or a percentage (0.5%)");
        match s.trim().strip_suffix('%') {
            Some(p) => match p.trim().parse::<f64>() {
                Ok(p) if (0.0..=100.0).contains(&p) => Ok(Self::Percent(p)),
                _ => Err(expected()),
            },
            None => s.trim().parse().map(Self::Count).map_err(|_| expected()),
        }
    }
}

/// A phase of the per-learner work.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Reading the recording or asking the service.
    Fetch,
    /// Parsing the answer.
    Parse,
    /// Applying the mapping rules.
    Map,
    /// The ELMO semantic lint.
    Lint,
    /// Writing to the cache.
    Store,
}

impl Phase {
    /// The phase's name, as the report and the dead letters write it: `fetch`, `parse`, `map`,
    /// `lint`, `store`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Fetch => "fetch",
            Self::Parse => "parse",
            Self::Map => "map",
            Self::Lint => "lint",
            Self::Store => "store",
        }
    }
}

/// A learner or recording that did not make it, without any identity code.
#[derive(Debug, Serialize)]
pub struct Failure {
    /// The recording's file name, or `target` for a learner refreshed over HTTP.
    pub recording: String,
    /// The learner key, when known.
    pub learner: Option<String>,
    /// Where it failed.
    pub phase: Phase,
    /// What went wrong, with file, line and field.
    pub error: String,
    /// For fetch failures: `invalid`, `exhausted`, `unreadable` (see `FetchError::class`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class: Option<&'static str>,
    /// Where it failed, when a live run knows: `virta` or `koski` (that call failed),
    /// `virta+koski` (the answers of both were in hand), `target` (the target's own row).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<Box<str>>,
    /// For a learner with no data (class `no-data`): the records kept out, with the reasons.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exclusions: Option<Box<Excluded>>,
}

/// The records a no-data learner's sources sent, every one kept out with its reason (boxed in
/// a [`Failure`], which most failures leave empty).
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct Excluded(pub Vec<Exclusion>);

/// The class of a learner whose sources answered but every record was excluded on purpose
/// (e.g. pre-primary education only): "no data", with the reasons, not a failure.
pub const NO_DATA: &str = "no-data";

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
    /// Source quirks read by a documented rule, by rule (docs/virta.md).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub quirks: Quirks,
    /// Lint warnings (errors stop the learner).
    pub warnings: Vec<String>,
}

/// The run report: printed, stored with the run, and written as JSON on request.
#[derive(Debug, Default, Serialize)]
pub struct Summary {
    /// Run id.
    pub run_id: String,
    /// Wall-clock time of the run, in milliseconds.
    pub elapsed_ms: u64,
    /// Time to fetch one learner over HTTP, all attempts and waits included (live runs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fetch_ms: Option<Percentiles>,
    #[serde(skip)]
    clock: Option<std::time::Instant>,
    /// Whether `learner_outcomes` is kept (the job's `learner_detail`).
    #[serde(skip)]
    keep_outcomes: bool,
    /// Config file.
    pub config: String,
    /// Recordings read.
    pub recordings: usize,
    /// Targets asked for over HTTP.
    pub targets: usize,
    /// Recordings or targets for which no source had data.
    pub no_data: usize,
    /// Learners whose old snapshot was kept and marked stale because a source failed.
    pub stale: usize,
    /// New learners stored from partial answers (a source failed; no older snapshot to keep).
    pub partial: usize,
    /// Requests answered per source (live runs).
    pub fetched: BTreeMap<String, usize>,
    /// Why the run stopped early, if it did (e.g. credentials refused).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
    /// For a run that resumed an interrupted one: the learners it had committed already,
    /// which this process did not ask again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resumed_committed: Option<usize>,
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
    /// Source quirks read by a documented rule, by rule (docs/virta.md): what CSC can take up
    /// with the institution that sends them.
    pub quirks: Quirks,
    /// Failures.
    pub failures: Vec<Failure>,
    /// Per learner (written to the JSON report, not stored with the run).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub learner_outcomes: Vec<LearnerOutcome>,
    /// A dry run's changes: each learner it would create or update, in the order built.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub plan: Vec<crate::plan::LearnerChange>,
}

/// A distribution in milliseconds, by nearest rank.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct Percentiles {
    /// Median.
    pub p50: u32,
    /// 95th percentile.
    pub p95: u32,
    /// 99th percentile.
    pub p99: u32,
    /// Largest.
    pub max: u32,
}

impl Percentiles {
    /// Of `samples` (sorted here); `None` when there are none.
    pub fn of(samples: &mut [u32]) -> Option<Self> {
        samples.sort_unstable();
        let at = |q: f64| {
            let rank = (q * samples.len() as f64).ceil() as usize;
            samples[rank.clamp(1, samples.len()) - 1]
        };
        (!samples.is_empty()).then(|| Self {
            p50: at(0.50),
            p95: at(0.95),
            p99: at(0.99),
            max: at(1.0),
        })
    }
}

impl Summary {
    /// Whether a source was down for this run: nothing was stored, and every learner failed
    /// because a request ran out of retries (connection refused, timeouts, 5xx).
    pub fn source_unavailable(&self) -> bool {
        self.learners == 0
            && !self.failures.is_empty()
            && self.failures.iter().all(|f| f.class == Some("exhausted"))
    }

    /// Attainments kept out, in all.
    pub fn excluded_total(&self) -> usize {
        self.excluded.values().sum()
    }
}

/// One learner's answers, as fetched or read, ready to map.
pub(crate) struct Learner<'a> {
    /// The key.
    pub key: LearnerKey,
    /// Recording name, or `target`.
    pub label: String,
    /// VIRTA's `Opiskelija` elements, one per institution; may be empty.
    pub virta: Vec<&'a Opiskelija>,
    /// KOSKI's answer, when it has one.
    pub koski: Option<&'a Oppija>,
    /// Which sources answered, and when.
    pub sources: Vec<SourceFreshness>,
}

pub(crate) struct Pending {
    key: LearnerKey,
    /// The document as a model, kept in a dry run only, for the plan's comparison.
    model: Option<Elmo>,
    xml: Vec<u8>,
    /// `xml` compressed for the store, when the build threads did it ([`NewSnapshot::elmo_gz`]).
    gz: Option<Vec<u8>>,
    hash: String,
    results: u32,
    sources: Vec<SourceFreshness>,
    provenance_json: String,
    coverage_json: String,
    outcome: LearnerOutcome,
}

impl Job {
    /// Opens the run in the store (a resumed run is open already) and the summary that goes
    /// with it.
    fn start(&mut self) -> Result<Summary, rikastin_sinks::Error> {
        if self.resumed.is_none() && !self.dry_run {
            self.store.begin_run(&rikastin_sinks::RunStart {
                run_id: &self.run_id,
                started_at: &self.now.to_string(),
                config_label: &self.config_label,
            })?;
        }
        Ok(Summary {
            run_id: self.run_id.clone(),
            config: self.config_label.clone(),
            clock: Some(std::time::Instant::now()),
            keep_outcomes: self.learner_detail,
            resumed_committed: self.resumed.as_ref().map(|keys| keys.len()),
            ..Default::default()
        })
    }

    /// Closes the run in the store with its counts and failures; per-learner detail is left to
    /// `--report-json`.
    fn finish(&mut self, summary: &mut Summary) -> Result<(), rikastin_sinks::Error> {
        if let Some(clock) = summary.clock {
            summary.elapsed_ms = clock.elapsed().as_millis() as u64;
        }
        let outcome = if summary.stopped.is_some() {
            "stopped"
        } else if summary.failures.is_empty() {
            "ok"
        } else {
            "failures"
        };
        if self.dry_run {
            return Ok(());
        }
        let outcomes = std::mem::take(&mut summary.learner_outcomes);
        let json = serde_json::to_string(&summary).unwrap_or_default();
        summary.learner_outcomes = outcomes;
        self.store.finish_run(
            &self.run_id,
            &chrono::Utc::now().to_rfc3339(),
            outcome,
            &json,
        )
    }

    /// Assembles one learner's document ([`assemble`]), lints and writes it.
    fn build(&self, learner: Learner<'_>, drop_korkeakoulutus: bool) -> Result<Pending, Failure> {
        self.builder().build(learner, drop_korkeakoulutus)
    }

    /// The parts of the job that building a document reads.
    fn builder(&self) -> Builder<'_> {
        Builder {
            mappings: &self.mappings,
            enrichment: &self.enrichment,
            now: &self.now,
            dry_run: self.dry_run,
        }
    }

    /// The parts of the job that storing a batch uses.
    fn writer(&mut self) -> Writer<'_> {
        Writer {
            store: &mut *self.store,
            now: &self.now,
            run_id: &self.run_id,
            dry_run: self.dry_run,
        }
    }

    fn flush(
        &mut self,
        pending: &mut Vec<Pending>,
        summary: &mut Summary,
    ) -> Result<(), rikastin_sinks::Error> {
        self.writer().flush(pending, summary)
    }
}

/// What building one learner's document reads, borrowed from the [`Job`]: `Sync`, so the
/// threads of a recorded run share it while the job's store writes the batch before.
#[derive(Clone, Copy)]
pub(crate) struct Builder<'a> {
    mappings: &'a Mappings,
    enrichment: &'a Enrichment,
    now: &'a DateTime,
    /// Keep each document's model for the plan's comparison.
    dry_run: bool,
}

/// What storing a batch uses, borrowed from the [`Job`] apart from its [`Builder`].
pub(crate) struct Writer<'a> {
    store: &'a mut dyn Store,
    now: &'a DateTime,
    run_id: &'a str,
    /// Compare with the stored documents instead of writing.
    dry_run: bool,
}

impl Builder<'_> {
    /// Assembles one learner's document ([`assemble`]), lints and writes it.
    pub(crate) fn build(
        &self,
        learner: Learner<'_>,
        drop_korkeakoulutus: bool,
    ) -> Result<Pending, Failure> {
        let fail = |phase, error: String| Failure {
            recording: learner.label.clone(),
            learner: Some(learner.key.to_string()),
            phase,
            error,
            class: None,
            source: Some(source_names(&learner.sources).into()),
            exclusions: None,
        };
        let Assembled {
            mut elmo,
            results,
            exclusions,
            quirks,
            enriched,
        } = assemble(
            &learner.virta,
            learner.koski,
            self.mappings,
            self.enrichment,
            self.now,
            drop_korkeakoulutus,
        )
        .map_err(|e| match e {
            AssembleError::NoData { exclusions } => Failure {
                class: Some(NO_DATA),
                exclusions: Some(Box::new(Excluded(exclusions))),
                ..fail(
                    Phase::Map,
                    format!("{}: no data: every record was excluded", learner.label),
                )
            },
            AssembleError::Map(e) => fail(Phase::Map, format!("{}: {e}", learner.label)),
        })?;
        elmo.extension = Some(completeness(&learner.sources, elmo.extension.as_ref()));
        let provenance_json = enriched.provenance_json();
        let coverage_json = serde_json::to_string(&enriched.coverage).unwrap_or_default();
        let mut findings = elmo::lint(&elmo);
        findings.retain(|f| !DEFERRED_TO_SERVING.contains(&f.code));
        let (errors, warnings): (Vec<_>, Vec<_>) =
            findings.iter().partition(|f| f.severity == Severity::Error);
        let describe = |f: &&elmo::Finding| format!("{} {} at {}", f.code, f.message, f.path);
        if !errors.is_empty() {
            let list: Vec<String> = errors.iter().map(describe).collect();
            return Err(fail(Phase::Lint, list.join("; ")));
        }
        let xml = elmo::write(&elmo);
        Ok(Pending {
            model: self.dry_run.then_some(elmo),
            hash: content_hash(&xml, self.now),
            xml,
            gz: None,
            results: results as u32,
            sources: learner.sources,
            provenance_json,
            coverage_json,
            outcome: LearnerOutcome {
                learner: learner.key.to_string(),
                recording: learner.label,
                results,
                outcome: "",
                exclusions,
                quirks,
                warnings: warnings.iter().map(describe).collect(),
            },
            key: learner.key,
        })
    }
}

impl Writer<'_> {
    /// Stores `pending` in one transaction and counts the outcomes.
    pub(crate) fn flush(
        &mut self,
        pending: &mut Vec<Pending>,
        summary: &mut Summary,
    ) -> Result<(), rikastin_sinks::Error> {
        if pending.is_empty() {
            return Ok(());
        }
        if self.dry_run {
            return self.compare(pending, summary);
        }
        let generated = self.now.to_string();
        let batch: Vec<NewSnapshot<'_>> = pending
            .iter()
            .map(|p| NewSnapshot {
                learner_key: &p.key,
                elmo_xml: &p.xml,
                elmo_gz: p.gz.as_deref(),
                content_hash: &p.hash,
                generated_date: &generated,
                elmo_version: ELMO_VERSION,
                run_id: self.run_id,
                sources: &p.sources,
                results: p.results,
                detail: Some(rikastin_sinks::SnapshotDetail {
                    provenance_json: &p.provenance_json,
                    coverage_json: &p.coverage_json,
                }),
            })
            .collect();
        let outcomes = self.store.put_snapshots(&batch)?;
        for (p, outcome) in pending.drain(..).zip(outcomes) {
            let name = match outcome {
                WriteOutcome::Created => "created",
                WriteOutcome::Written => "updated",
                _ => "unchanged",
            };
            summary.count(p.outcome, name);
        }
        Ok(())
    }

    /// The dry run's flush: each document against the stored one, by content hash first and
    /// field by field when they differ. Reads the cache, writes nothing.
    fn compare(
        &mut self,
        pending: &mut Vec<Pending>,
        summary: &mut Summary,
    ) -> Result<(), rikastin_sinks::Error> {
        for p in pending.drain(..) {
            let stored = self.store.get_snapshot(&p.key)?;
            let name = match &stored {
                None => "created",
                Some(s) if s.meta.content_hash == p.hash => "unchanged",
                Some(_) => "updated",
            };
            if let (Some(new), false) = (&p.model, name == "unchanged") {
                // A stored document that no longer reads would be replaced whole.
                let old = stored.and_then(|s| elmo::read(&s.elmo_xml).ok());
                let mut change = crate::plan::learner_change(p.key.to_string(), old.as_ref(), new);
                change.outcome = name;
                if summary.plan.len() >= crate::plan::DETAIL_LIMIT {
                    change.changes.clear();
                }
                summary.plan.push(change);
            }
            summary.count(p.outcome, name);
        }
        Ok(())
    }
}

impl Summary {
    /// Takes a learner that did not reach the store: a failure, or (class `no-data`) a learner
    /// whose records were all excluded on purpose, counted as no data with its reasons.
    pub(crate) fn failed(&mut self, failure: Failure) {
        if failure.class != Some(NO_DATA) {
            return self.failures.push(failure);
        }
        self.no_data += 1;
        let exclusions = failure.exclusions.map(|e| e.0).unwrap_or_default();
        self.count_exclusions(&exclusions);
        if self.keep_outcomes {
            self.learner_outcomes.push(LearnerOutcome {
                learner: failure.learner.unwrap_or_default(),
                recording: failure.recording,
                results: 0,
                outcome: NO_DATA,
                exclusions,
                quirks: Quirks::new(),
                warnings: Vec::new(),
            });
        }
    }

    /// Adds a learner's exclusions to the counts by reason.
    fn count_exclusions(&mut self, exclusions: &[Exclusion]) {
        for e in exclusions {
            *self.excluded.entry(e.reason.clone()).or_insert(0) += 1;
        }
    }

    /// Counts one learner that was stored (or, in a dry run, would be) with `outcome`.
    fn count(&mut self, learner: LearnerOutcome, outcome: &'static str) {
        match outcome {
            "created" => self.created += 1,
            "updated" => self.updated += 1,
            _ => self.unchanged += 1,
        }
        self.learners += 1;
        self.results += learner.results;
        self.count_exclusions(&learner.exclusions);
        for (kind, n) in &learner.quirks {
            *self.quirks.entry(kind.clone()).or_insert(0) += n;
        }
        if self.keep_outcomes {
            self.learner_outcomes
                .push(LearnerOutcome { outcome, ..learner });
        }
    }
}

/// One learner's document, mapped, merged and enriched, not yet linted.
pub struct Assembled {
    /// The document.
    pub elmo: Elmo,
    /// Results (LOIs) from the records.
    pub results: usize,
    /// Records kept out, with reasons.
    pub exclusions: Vec<Exclusion>,
    /// Source quirks read by a documented rule.
    pub quirks: Quirks,
    /// What enrichment did: provenance, coverage, DS outcomes.
    pub enriched: crate::enrich::Enriched,
}

/// Why [`assemble`] gave no document.
#[derive(Debug)]
pub enum AssembleError {
    /// The sources answered, but every record was excluded on purpose: no data, with reasons.
    NoData {
        /// The records kept out.
        exclusions: Vec<Exclusion>,
    },
    /// A mapping rule could not be applied.
    Map(String),
}

impl std::fmt::Display for AssembleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoData { exclusions } if exclusions.is_empty() => {
                f.write_str("no source had a result to report for this learner")
            }
            Self::NoData { exclusions } => {
                let mut reasons: Vec<&str> = exclusions.iter().map(|e| e.reason.as_str()).collect();
                reasons.dedup();
                write!(
                    f,
                    "no data: every record was excluded ({})",
                    reasons.join("; ")
                )
            }
            Self::Map(e) => f.write_str(e),
        }
    }
}

/// Maps a learner's VIRTA and KOSKI records into one document (a report per issuer, VIRTA's and
/// KOSKI's side by side), then joins the institutions' data onto it. Pure: the same inputs give
/// the same document, which `rikastin mappings test` relies on. `drop_korkeakoulutus`: KOSKI's
/// copy of VIRTA's records is left out when VIRTA itself is a source (koski.md §5).
pub fn assemble(
    virta: &[&Opiskelija],
    koski: Option<&Oppija>,
    mappings: &Mappings,
    enrichment: &Enrichment,
    now: &DateTime,
    drop_korkeakoulutus: bool,
) -> Result<Assembled, AssembleError> {
    let mut doc: Option<Elmo> = None;
    let mut results = 0;
    let mut exclusions = Vec::new();
    let mut quirks = Quirks::new();
    if !virta.is_empty() {
        let mapped =
            map_learner(virta, mappings, now).map_err(|e| AssembleError::Map(e.to_string()))?;
        results += mapped.results;
        exclusions.extend(mapped.exclusions);
        quirks = mapped.quirks;
        doc = Some(mapped.elmo);
    }
    if let Some(oppija) = koski {
        let mapped = map_oppija(oppija, mappings, drop_korkeakoulutus, now)
            .map_err(|e| AssembleError::Map(format!("KOSKI: {e}")))?;
        results += mapped.results;
        exclusions.extend(mapped.exclusions);
        for (kind, n) in mapped.quirks {
            *quirks.entry(kind).or_insert(0) += n;
        }
        match &mut doc {
            Some(elmo) => elmo.reports.extend(mapped.reports),
            None if !mapped.reports.is_empty() => {
                let mut elmo = Elmo::new(now.clone(), mapped.learner);
                elmo.reports = mapped.reports;
                doc = Some(elmo);
            }
            None => {}
        }
    }
    let Some(mut elmo) = doc else {
        return Err(AssembleError::NoData { exclusions });
    };
    let enriched = enrichment.apply(&mut elmo, &mappings.enrichment, &now.date());
    Ok(Assembled {
        elmo,
        results,
        exclusions,
        quirks,
        enriched,
    })
}

/// SHA-256 over the document as written, with the run's date stamps left out: generatedDate,
/// the reports' issueDate, and a Diploma Supplement's issueDate and its section 7.1 (the run's
/// date, `dd/mm/yyyy`). The content hash must not change just because the clock did
/// (invariant 3); a document kept unchanged keeps the dates it was written with. The writer is
/// deterministic and escapes `<` in text, so these element tags occur only as elements.
pub fn content_hash(xml: &[u8], now: &DateTime) -> String {
    let today = now.date();
    let now = now.to_string();
    let stamps = [
        format!("<generatedDate>{now}</generatedDate>"),
        format!("<issueDate>{now}</issueDate>"),
        format!("<issueDate>{today}</issueDate>"),
        format!("<content>{}</content>", crate::enrich::ds::dmy(&today)),
    ];
    let mut hasher = Sha256::new();
    // One pass over the tags: searching the rest of the document for each stamp in turn read it
    // again after every stamp found (once per report), byte by byte.
    // The stamps' first letters (`g`, `i`, `c`): most tags are passed over after one byte.
    let initials: Vec<u8> = stamps.iter().map(|s| s.as_bytes()[1]).collect();
    let (mut from, mut at) = (0, 0);
    while let Some(offset) = memchr::memchr(b'<', &xml[at..]) {
        let tag = at + offset;
        let may_be_stamp = xml.get(tag + 1).is_some_and(|b| initials.contains(b));
        match stamps
            .iter()
            .find(|s| may_be_stamp && xml[tag..].starts_with(s.as_bytes()))
        {
            Some(stamp) => {
                hasher.update(&xml[from..tag]);
                from = tag + stamp.len();
                at = from;
            }
            None => at = tag + 1,
        }
    }
    hasher.update(&xml[from..]);
    hex::encode(hasher.finalize())
}

/// The namespace of Rikastin's `extension` content in the documents it writes.
pub const COMPLETENESS_NS: &str = "urn:rikastin:completeness:1";

/// The document's statement of its own completeness, in the `elmo` element's `extension`:
/// `full` when every source it was built from answered completely, `partial` with each source
/// that did not (its results are missing, not absent). Sources that answered are not listed: a
/// recorded run cannot tell "KOSKI had nothing" from "KOSKI was not asked", a live one can, and
/// the same records must give the same document either way. Fetch times are left out too: they
/// change every run and the content hash must not (invariant 3); the read API's
/// `X-Rikastin-Sources` header carries them. This is the report `status` that ELMO 2.1 adds
/// (FULL / PARTIAL_*, peers.md), which ELMO 1.7 has no element for.
fn completeness(
    sources: &[SourceFreshness],
    existing: Option<&elmo::Extension>,
) -> elmo::Extension {
    let mut xml = existing.map(|e| e.as_xml().to_owned()).unwrap_or_default();
    let missing: Vec<&str> = sources
        .iter()
        .filter(|s| !s.complete)
        .map(|s| s.source.as_str())
        .collect();
    if missing.is_empty() {
        xml.push_str(&format!(
            "<rk:completeness xmlns:rk=\"{COMPLETENESS_NS}\" status=\"full\"/>"
        ));
    } else {
        xml.push_str(&format!(
            "<rk:completeness xmlns:rk=\"{COMPLETENESS_NS}\" status=\"partial\">"
        ));
        for source in missing {
            // Source names are ours (`virta`, `koski`): nothing to escape.
            xml.push_str(&format!("<rk:incomplete source=\"{source}\"/>"));
        }
        xml.push_str("</rk:completeness>");
    }
    elmo::Extension::from_xml(&xml).expect("the completeness statement is well-formed")
}

/// The sources a document was built from, as a dead letter names them: `virta+koski`.
fn source_names(sources: &[SourceFreshness]) -> String {
    let names: Vec<&str> = sources.iter().map(|s| s.source.as_str()).collect();
    names.join("+")
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
    fn a_failure_threshold_is_a_count_or_a_share() {
        let count: FailureThreshold = "2".parse().unwrap();
        assert!(count.allows(2, 3) && !count.allows(3, 1000));
        let share: FailureThreshold = "0.5%".parse().unwrap();
        assert!(share.allows(5, 1000) && !share.allows(6, 1000));
        assert!(share.allows(0, 0));
        assert_eq!(share.to_string(), "0.5%");
        for bad in ["", "-1", "x%", "101%", "1.5"] {
            assert!(bad.parse::<FailureThreshold>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_batch_is_committed_when_full_or_when_its_time_has_come() {
        let mut clock = CommitClock::new(std::time::Duration::from_secs(3600));
        assert!(!clock.due(0) && !clock.due(BATCH - 1) && clock.due(BATCH));
        let mut now = CommitClock::new(std::time::Duration::ZERO);
        assert!(
            now.due(1),
            "a small run's work is committed, not held for a full batch"
        );
        assert!(!now.due(0));
        clock.committed();
        now.committed();
        assert!(now.due(1));
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let mut samples: Vec<u32> = (1..=100).rev().collect();
        let p = Percentiles::of(&mut samples).unwrap();
        assert_eq!((p.p50, p.p95, p.p99, p.max), (50, 95, 99, 100));
        assert_eq!(Percentiles::of(&mut [7]).unwrap().p99, 7);
        assert_eq!(Percentiles::of(&mut []), None);
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
        // A Diploma Supplement's issue date is the run's, too.
        let ds = |now: &str, day: &str| {
            format!(
                "<issueDate>{}</issueDate><content>{day}</content><x>1</x>",
                &now[..10]
            )
            .into_bytes()
        };
        assert_eq!(
            content_hash(&ds(a, "23/11/2026"), &ta),
            content_hash(&ds(b, "02/01/2027"), &tb)
        );
        // A date elsewhere in the content is content.
        assert_ne!(content_hash(&doc(a, a), &ta), content_hash(&doc(b, b), &tb));
    }
}
