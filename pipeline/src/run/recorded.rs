//! The recorded loop: every VIRTA recording in a folder, joined with the KOSKI recording of the
//! same learner key when there is one, then the KOSKI-only learners. Used by the embedded
//! default and by full rebuilds from recorded answers.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, mpsc};

use rikastin_sinks::{LearnerKey, SourceFreshness};
use rikastin_sources::{RecordedFolder, Recording};

use super::{Builder, Failure, Job, Learner, Pending, Phase, Summary, Writer};
use crate::learners;

/// The folders a recorded run reads.
pub struct Recorded {
    /// VIRTA `OpiskelijanKaikkiTiedot` answers, `<learner key>.xml`.
    pub virta: RecordedFolder,
    /// VIRTA `OpiskelijanTiedot` answers (the names), `<learner key>.xml` or
    /// `<learner key>.<institution>.xml`, when configured.
    pub virta_names: Option<RecordedFolder>,
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
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        // Borrowed field by field: the builder's parts are shared while the store is written.
        let reader = Reader {
            builder: Builder {
                mappings: &self.mappings,
                enrichment: &self.enrichment,
                now: &self.now,
                dry_run: self.dry_run,
            },
            secret: &self.secret,
            input: &input,
            koski_by_key: &koski_by_key,
            compress: AtomicBool::new(true),
        };
        let mut writer = Writer {
            store: &mut *self.store,
            now: &self.now,
            run_id: &self.run_id,
            dry_run: self.dry_run,
        };
        // One worker a core builds recordings in order of index for the whole run, while this
        // thread stores them: the store is the one serial step. Results are taken in recording
        // order, so the run's outcome does not depend on the threads, and the window keeps
        // the workers at most AHEAD recordings ahead of the store, so memory stays bounded.
        // Long-lived workers, not threads per batch: a new thread starts with an empty
        // allocator heap on fresh pages.
        let virta = virta.as_slice();
        let next = AtomicUsize::new(0);
        let window = Window::default();
        let (built, arrived) = mpsc::channel::<(usize, Read)>();
        let mut clock = super::CommitClock::new(self.commit_interval);
        std::thread::scope(|scope| -> Result<(), rikastin_sinks::Error> {
            for _ in 0..threads {
                let (reader, next, window, built) = (&reader, &next, &window, built.clone());
                scope.spawn(move || {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(rec) = virta.get(i) else { return };
                        // Closed, or the receiver gone: the store failed; stop building.
                        if !window.wait_for(i) || built.send((i, reader.read(rec))).is_err() {
                            return;
                        }
                    }
                });
            }
            drop(built);
            let mut store_in_order = || {
                // Results that arrived before an earlier recording's.
                let mut early = BTreeMap::new();
                let mut done = 0;
                for (i, read) in &arrived {
                    early.insert(i, read);
                    while let Some(read) = early.remove(&done) {
                        summary.recordings += 1;
                        take(&virta[done], read, &mut seen, &mut pending, &mut summary);
                        if clock.due(pending.len()) {
                            let before = summary.created + summary.updated;
                            let stored = pending.len();
                            writer.flush(&mut pending, &mut summary)?;
                            clock.committed();
                            let written = summary.created + summary.updated - before;
                            reader.compress_while(written, stored);
                        }
                        done += 1;
                        window.taken(done);
                        progress(done, total);
                    }
                }
                Ok(())
            };
            let stored = store_in_order();
            // On a store error the workers must not wait for the window to move.
            window.close();
            stored
        })?;
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
                        Err(f) => summary.failed(f),
                    }
                }
                Err(f) => summary.failed(f),
            }
            if clock.due(pending.len()) {
                self.flush(&mut pending, &mut summary)?;
                clock.committed();
            }
            progress(virta.len() + i + 1, total);
        }
        self.flush(&mut pending, &mut summary)?;
        self.finish(&mut summary)?;
        Ok(summary)
    }

    /// A source that answered completely at the run's time.
    pub(super) fn fresh(&self, source: &str) -> SourceFreshness {
        fresh(&self.now, source)
    }
}

/// How many recordings the workers may build ahead of the store: one store batch, so they
/// build the next batch while this one is stored, and no further.
const AHEAD: usize = super::BATCH;

/// How far the store has taken the recordings, so the workers stay at most [`AHEAD`] ahead.
#[derive(Default)]
struct Window {
    state: Mutex<WindowState>,
    moved: Condvar,
}

#[derive(Default)]
struct WindowState {
    /// Recordings the store has taken, in order.
    taken: usize,
    /// The store stopped taking any (it failed): workers stop instead of waiting.
    closed: bool,
}

impl Window {
    /// Waits until recording `i` may be built; false when the window was closed.
    fn wait_for(&self, i: usize) -> bool {
        let mut state = self.state();
        while i >= state.taken + AHEAD && !state.closed {
            state = self.moved.wait(state).expect(UNPOISONED);
        }
        !state.closed
    }

    fn taken(&self, taken: usize) {
        self.state().taken = taken;
        self.moved.notify_all();
    }

    fn close(&self) {
        self.state().closed = true;
        self.moved.notify_all();
    }

    fn state(&self) -> MutexGuard<'_, WindowState> {
        self.state.lock().expect(UNPOISONED)
    }
}

/// Nothing panics while holding the window's lock.
const UNPOISONED: &str = "the window's lock is never poisoned";

/// A source that answered completely at `now`.
fn fresh(now: &elmo::DateTime, source: &str) -> SourceFreshness {
    SourceFreshness {
        source: source.into(),
        fetched_at: now.to_string(),
        complete: true,
    }
}

/// Reads VIRTA recordings and builds their learners' documents; shared by the build threads.
struct Reader<'a> {
    builder: Builder<'a>,
    secret: &'a rikastin_sinks::LearnerSecret,
    input: &'a Recorded,
    koski_by_key: &'a HashMap<&'a str, &'a Recording>,
    /// Compress each document for the store here, on the build threads: the store's one thread
    /// is the serial step, and gzip was more than half its time. Only while most documents
    /// are written: an unchanged one is not stored, so compressing it would be wasted.
    compress: AtomicBool,
}

/// What one VIRTA recording gave.
enum Read {
    /// It could not be read or parsed.
    Failed(Failure),
    /// Its learners, in document order (none: the recording had no data).
    Learners(Vec<Built>),
}

/// One learner of a recording, built (or not) before it is known whether the run has seen the
/// learner already: the few duplicates are thrown away in order by [`take`].
struct Built {
    key: LearnerKey,
    document: Result<Pending, Failure>,
}

impl Reader<'_> {
    /// Decides from the last batch, `written` of `stored` documents, whether the build threads
    /// compress the next ones: a rebuild writes nearly all, a nightly run few.
    fn compress_while(&self, written: usize, stored: usize) {
        self.compress.store(written * 2 > stored, Ordering::Relaxed);
    }

    /// Reads, parses and builds one recording.
    fn read(&self, rec: &Recording) -> Read {
        let input = self.input;
        let bytes = match input.virta.read(rec) {
            Ok(b) => b,
            Err(e) => return Read::Failed(fetch_failure(&rec.name, e.to_string())),
        };
        let mut virta = match rikastin_sources::virta::parse(&bytes, &rec.name) {
            Ok(v) => v,
            Err(e) => {
                return Read::Failed(Failure {
                    phase: Phase::Parse,
                    ..fetch_failure(&rec.name, e.to_string())
                });
            }
        };
        if let Some(folder) = &input.virta_names
            && let Err(f) = join_recorded_names(folder, &rec.name, &mut virta)
        {
            return Read::Failed(f);
        }
        let now = self.builder.now;
        let learners = learners::group(&virta)
            .into_iter()
            .map(|group| {
                let key = LearnerKey::derive(self.secret, group.identity);
                let mut sources = vec![fresh(now, "virta")];
                let koski = match (&input.koski, self.koski_by_key.get(key.as_str())) {
                    (Some(folder), Some(found)) => match read_koski(folder, found) {
                        Ok(oppija) => {
                            sources.push(fresh(now, "koski"));
                            Some(oppija)
                        }
                        Err(f) => {
                            return Built {
                                key,
                                document: Err(f),
                            };
                        }
                    },
                    _ => None,
                };
                let learner = Learner {
                    key: key.clone(),
                    label: rec.name.clone(),
                    virta: group.records,
                    koski: koski.as_ref(),
                    sources,
                };
                let mut document = self.builder.build(learner, true);
                // A dry run stores nothing, so it has nothing to compress.
                if let Ok(p) = &mut document
                    && !self.builder.dry_run
                    && self.compress.load(Ordering::Relaxed)
                {
                    // On an error the store compresses it again and reports where it failed.
                    p.gz = rikastin_sinks::gzip_document(&p.xml).ok();
                }
                Built { key, document }
            })
            .collect();
        Read::Learners(learners)
    }
}

/// Takes one recording's outcome into the run, in recording order: a learner met in an
/// earlier recording is a failure of this one, whatever was built for it.
fn take(
    rec: &Recording,
    read: Read,
    seen: &mut HashSet<String>,
    pending: &mut Vec<Pending>,
    summary: &mut Summary,
) {
    let learners = match read {
        Read::Failed(f) => return summary.failed(f),
        Read::Learners(learners) => learners,
    };
    if learners.is_empty() {
        summary.no_data += 1;
    }
    for Built { key, document } in learners {
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
        match document {
            Ok(p) => pending.push(p),
            Err(f) => summary.failed(f),
        }
    }
}

/// Joins the recorded `OpiskelijanTiedot` answers of recording `name` onto its
/// `OpiskelijanKaikkiTiedot` answer: `<name>.xml`, and `<name>.<institution>.xml` for each
/// institution of the answer (one call per institution, virta.md §6.1). A missing file means
/// that answer was not recorded; one that does not read fails the recording, as a failed call
/// fails a live refresh.
pub(crate) fn join_recorded_names(
    folder: &RecordedFolder,
    name: &str,
    virta: &mut rikastin_sources::virta::Virta,
) -> Result<(), Failure> {
    let mut files = vec![format!("{name}.xml")];
    files.extend(
        virta
            .institutions()
            .iter()
            .map(|code| format!("{name}.{code}.xml")),
    );
    let mut names = Vec::new();
    for file in files {
        let Some(found) = folder.get(&file) else {
            continue;
        };
        let bytes = folder
            .read(&found)
            .map_err(|e| fetch_failure(name, e.to_string()))?;
        let answer = rikastin_sources::virta::parse(&bytes, &file).map_err(|e| Failure {
            phase: Phase::Parse,
            source: Some("virta".into()),
            ..fetch_failure(name, e.to_string())
        })?;
        names.extend(answer.opiskelijat);
    }
    virta.fill_names(&names);
    Ok(())
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
        exclusions: None,
    }
}
