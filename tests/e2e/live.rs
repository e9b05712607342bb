//! Live extraction over real HTTP: the `rikastin` binary against the stand-in VIRTA and KOSKI
//! servers (`rikastin-standin`, started in this process on loopback). Throughput, faults, the
//! rate limit, refused credentials and "never degrade" are asserted on what the stand-in saw
//! and what the cache holds. Identity codes stay in variables; no assertion message shows one.

use std::path::{Path, PathBuf};
use std::process::Command;

use rikastin_standin::{Config, Fault, IdentityFault, Route, Running, Service, StandIn};
use rikastin_tests::{Run, repo};

/// Held by the rate-limit test and by the tests that load the CPU most, so that they never run
/// beside each other: on 2 cores a busy neighbour slows the client below the rate it is
/// allowed, and the measured rate would say more about the machine than about the limiter.
static HEAVY: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn heavy() -> std::sync::MutexGuard<'static, ()> {
    HEAVY
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A stand-in on loopback and a folder with a pipeline.yaml that points at it.
pub(super) struct Live {
    runtime: tokio::runtime::Runtime,
    standin: Option<Running>,
    dir: tempfile::TempDir,
}

/// How the pipeline presses the stand-in.
pub(super) struct Pace {
    requests_per_sec: u32,
    burst: u32,
    max_in_flight: u32,
    max_retries: u32,
    /// Learners per VIRTA call (`sources.virta.batch_size`).
    batch_size: u32,
}

/// Single-learner calls, so that requests and attempts count learners.
pub(super) const BRISK: Pace = Pace {
    requests_per_sec: 200,
    burst: 20,
    max_in_flight: 16,
    max_retries: 3,
    batch_size: 1,
};

impl Live {
    pub(super) fn start(standin: StandIn, pace: &Pace, with_koski: bool) -> Self {
        let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
        let running = runtime
            .block_on(standin.start("127.0.0.1:0".parse().unwrap()))
            .expect("stand-in starts");
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("avain"), "salaisuus\n").unwrap();
        std::fs::write(dir.path().join("koski-password"), "demo\n").unwrap();
        let http = |endpoint: String| {
            format!(
                "    http:\n      endpoint: {endpoint}\n      requests_per_sec: {}\n      burst: {}\n      max_in_flight: {}\n      max_retries: {}\n      backoff_initial_ms: 10\n      backoff_max_ms: 200\n      timeout_ms: 5000\n",
                pace.requests_per_sec, pace.burst, pace.max_in_flight, pace.max_retries
            )
        };
        let mut yaml = format!(
            "mappings: {}\ncache:\n  sqlite_path: cache.sqlite\nlearner_key:\n  secret_file: {}\nsources:\n  virta:\n{}    batch_size: {}\n    credentials:\n      jarjestelma: rikastin\n      tunnus: demo\n      avain_file: avain\n",
            repo().join("mappings").display(),
            repo().join("data/learner-key.secret").display(),
            http(running.virta_url()),
            pace.batch_size,
        );
        if with_koski {
            yaml += &format!(
                "  koski:\n{}    credentials:\n      username: rikastin\n      password_file: koski-password\n",
                http(running.koski_url())
            );
        }
        // Every target is due on every run, so a second run refreshes them all again.
        yaml += "targets:\n  refresh_after_hours: 0\n  retry_after_minutes: 0\n";
        std::fs::write(dir.path().join("pipeline.yaml"), yaml).unwrap();
        Self {
            runtime,
            standin: Some(running),
            dir,
        }
    }

    pub(super) fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn standin(&self) -> &Running {
        self.standin.as_ref().expect("running")
    }

    /// Swaps the stand-in for another one (same data, other faults) on a new port, and points
    /// the config at it.
    pub(super) fn restart(&mut self, standin: StandIn) {
        let old = self.standin.take().expect("running");
        let (old_virta, old_koski) = (old.virta_url(), old.koski_url());
        self.runtime.block_on(old.stop());
        let new = self
            .runtime
            .block_on(standin.start("127.0.0.1:0".parse().unwrap()))
            .expect("stand-in restarts");
        let yaml = std::fs::read_to_string(self.path("pipeline.yaml")).unwrap();
        let yaml = yaml
            .replace(&old_virta, &new.virta_url())
            .replace(&old_koski, &new.koski_url());
        std::fs::write(self.path("pipeline.yaml"), yaml).unwrap();
        self.standin = Some(new);
    }

    /// `rikastin ARGS --config pipeline.yaml`, run from the folder.
    pub(super) fn rikastin(&self, args: &[&str]) -> Run {
        let out = Command::new(rikastin_tests::binary())
            .args(args)
            .arg("--config")
            .arg(self.path("pipeline.yaml"))
            .current_dir(self.dir.path())
            .env_remove("RIKASTIN_LEARNER_KEY_SECRET")
            .env_remove("RIKASTIN_VIRTA_AVAIN")
            .env_remove("RIKASTIN_KOSKI_PASSWORD")
            .output()
            .expect("run rikastin");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            args: args.join(" "),
        }
    }

    pub(super) fn add_targets(&self, csv: &Path) {
        self.rikastin(&["targets", "add", csv.to_str().unwrap()])
            .expect(0);
    }

    /// `run --report-json`, returning the run and its report.
    pub(super) fn run(&self, code: i32) -> (Run, serde_json::Value) {
        let report = self.path("report.json");
        let run = self
            .rikastin(&["run", "--report-json", report.to_str().unwrap()])
            .expect(code);
        let json = serde_json::from_slice(&std::fs::read(&report).expect("report written"))
            .expect("report is JSON");
        (run, json)
    }

    fn cache(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.path("cache.sqlite")).expect("cache opens")
    }
}

/// `n` synthetic learners: recordings in `dir/virta`, targets in `dir/targets.csv`.
fn synth(dir: &Path, n: usize, seed: u64) -> (PathBuf, PathBuf) {
    let bin = rikastin_tests::binary().with_file_name("rikastin-synth");
    let (recordings, csv) = (dir.join("virta"), dir.join("targets.csv"));
    let out = Command::new(bin)
        .args(["--learners", &n.to_string(), "--seed", &seed.to_string()])
        .arg("--out")
        .arg(&recordings)
        .arg("--secret-file")
        .arg(repo().join("data/learner-key.secret"))
        .arg("--targets-csv")
        .arg(&csv)
        .output()
        .expect("rikastin-synth runs (make test builds it)");
    assert!(out.status.success(), "rikastin-synth failed");
    (recordings, csv)
}

fn config_over(virta: &Path, koski: Option<&Path>) -> Config {
    Config {
        virta_dir: Some(virta.to_owned()),
        // The names beside the answers, as the embedded default keeps them.
        virta_names_dir: virta
            .parent()
            .map(|p| p.join("OpiskelijanTiedot"))
            .filter(|p| p.is_dir()),
        koski_dir: koski.map(Path::to_owned),
        ..Config::default()
    }
}

pub(super) fn standin_over(virta: &Path, koski: Option<&Path>) -> StandIn {
    StandIn::new(config_over(virta, koski))
}

pub(super) fn embedded_virta() -> PathBuf {
    repo().join("data/recorded/virta/OpiskelijanKaikkiTiedot")
}

/// The identity code in one embedded recording (kept in a variable, never printed).
pub(super) fn hetu_of(recording: &str) -> String {
    let bytes = std::fs::read(embedded_virta().join(recording)).unwrap();
    let virta = rikastin_sources::virta::parse(&bytes, recording).unwrap();
    virta.opiskelijat[0]
        .henkilotunnus
        .as_ref()
        .expect("recording has an identity code")
        .expose()
        .to_owned()
}

/// Learner 0 of the embedded default (University of Helsinki; also in KOSKI).
pub(super) const HELSINKI: &str =
    "fc1664abafeb38acf862e20c71b4b1d85f5de78c2432c7a3d5ab656462006aaa";

pub(super) fn assert_no_identity_code(run: &Run, hetu: &str) {
    assert!(
        !run.stdout.contains(hetu) && !run.stderr.contains(hetu),
        "an identity code appeared in the output of `rikastin {}`",
        run.args
    );
}

#[test]
fn two_hundred_learners_at_50_ms_latency_all_come_through() {
    let _heavy = heavy();
    let data = tempfile::tempdir().unwrap();
    let (recordings, csv) = synth(data.path(), 200, 11);
    let standin = StandIn::new(Config {
        latency_ms: 50,
        ..config_over(&recordings, None)
    });
    let live = Live::start(standin, &BRISK, false);
    live.add_targets(&csv);
    let (run, report) = live.run(0);
    assert_eq!(report["targets"], 200, "{}", run.stdout);
    assert_eq!(report["learners"], 200, "{}", run.stdout);
    assert_eq!(report["failures"].as_array().unwrap().len(), 0);
    assert_eq!(record_calls(&live), 200);
    let ok: i64 = live
        .cache()
        .query_row(
            "SELECT count(*) FROM target WHERE last_outcome = 'ok'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(ok, 200);
}

#[test]
fn with_20_percent_faults_every_learner_ends_done_or_dead_lettered() {
    let _heavy = heavy();
    let data = tempfile::tempdir().unwrap();
    let (recordings, csv) = synth(data.path(), 100, 12);
    let standin = StandIn::new(Config {
        error_rate: 0.2,
        seed: 7,
        ..config_over(&recordings, None)
    });
    let pace = Pace {
        max_retries: 1,
        ..BRISK
    };
    let live = Live::start(standin, &pace, false);
    live.add_targets(&csv);
    let report_path = live.path("report.json");
    let run = live.rikastin(&["run", "--report-json", report_path.to_str().unwrap()]);
    assert!(run.code == 0 || run.code == 1, "exit {}", run.code);
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report_path).unwrap()).unwrap();
    let failures = report["failures"].as_array().unwrap();
    let learners = report["learners"].as_u64().unwrap() as usize;
    assert_eq!(learners + failures.len(), 100, "{}", run.stdout);
    for f in failures {
        assert_eq!(f["phase"], "fetch", "{f}");
        assert!(f["class"].is_string() && !f["error"].as_str().unwrap().is_empty());
    }
    // Faults were injected, and retried.
    assert!(live.standin().stats.count(Route::Virta) > 100);
    // The cache agrees: every target is either refreshed or dead-lettered with its error.
    let cache = live.cache();
    let count =
        |sql: &str| -> usize { cache.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap() as usize };
    assert_eq!(
        count("SELECT count(*) FROM target WHERE last_outcome = 'ok'"),
        learners
    );
    assert_eq!(
        count(
            "SELECT count(*) FROM target WHERE last_outcome = 'dead-letter' AND last_error <> ''"
        ),
        failures.len()
    );
}

#[test]
fn the_rate_limit_holds_at_the_stand_in() {
    let _heavy = heavy();
    let data = tempfile::tempdir().unwrap();
    let (recordings, csv) = synth(data.path(), 81, 13);
    let pace = Pace {
        requests_per_sec: 40,
        burst: 1,
        max_in_flight: 8,
        max_retries: 0,
        batch_size: 1,
    };
    let live = Live::start(standin_over(&recordings, None), &pace, false);
    live.add_targets(&csv);
    live.run(0);
    // 81 learners, and the names calls: all within the same limit.
    let times = live.standin().stats.times(Route::Virta);
    assert!(times.len() > 81, "{}", times.len());
    let span = (*times.iter().max().unwrap() - *times.iter().min().unwrap()).as_secs_f64();
    let rate = (times.len() - 1) as f64 / span;
    assert!(
        (38.0..=42.0).contains(&rate),
        "measured {rate:.2} requests/s at the stand-in for a limit of 40"
    );
}

/// The VIRTA operation of every request the stand-in saw, in order.
fn virta_operations(live: &Live) -> Vec<String> {
    let mut requests = live.standin().stats.requests();
    requests.retain(|r| r.route == Route::Virta);
    requests.into_iter().map(|r| r.operation).collect()
}

/// The `OpiskelijanKaikkiTiedot(Lista)` calls: one per learner or batch, whatever the names
/// calls (`OpiskelijanTiedot`, one per institution of a learner without names) add.
fn record_calls(live: &Live) -> usize {
    virta_operations(live)
        .iter()
        .filter(|o| *o != "OpiskelijanTiedot")
        .count()
}

/// `(learner_key, content_hash)` of every snapshot in the cache.
fn content_hashes(live: &Live) -> Vec<(String, String)> {
    let cache = live.cache();
    let mut query = cache
        .prepare("SELECT learner_key, content_hash FROM snapshot ORDER BY learner_key")
        .unwrap();
    query
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn the_lista_form_asks_about_50_learners_per_call_and_builds_the_same_documents() {
    let _heavy = heavy();
    let data = tempfile::tempdir().unwrap();
    let (recordings, csv) = synth(data.path(), 120, 14);
    let now = "2026-11-23T12:00:00Z";
    let batched = Live::start(
        standin_over(&recordings, None),
        &Pace {
            batch_size: 50,
            ..BRISK
        },
        false,
    );
    batched.add_targets(&csv);
    let run = batched.rikastin(&["run", "--now", now]).expect(0);
    let lista: Vec<String> = virta_operations(&batched)
        .into_iter()
        .filter(|o| o != "OpiskelijanTiedot")
        .collect();
    assert_eq!(lista, ["OpiskelijanKaikkiTiedotLista"; 3], "{}", run.stdout);
    let single = Live::start(standin_over(&recordings, None), &BRISK, false);
    single.add_targets(&csv);
    single.rikastin(&["run", "--now", now]).expect(0);
    assert_eq!(record_calls(&single), 120);
    let hashes = content_hashes(&batched);
    assert_eq!(hashes.len(), 120);
    assert_eq!(hashes, content_hashes(&single));
}

#[test]
fn a_client_fault_in_a_lista_call_sends_each_learner_alone() {
    let hetu = hetu_of(&format!("{HELSINKI}.xml"));
    let standin = standin_over(&embedded_virta(), None).identity_fault(IdentityFault::always(
        Service::Virta,
        hetu.clone(),
        Fault::ClientFault,
    ));
    let pace = Pace {
        batch_size: 50,
        ..BRISK
    };
    let live = Live::start(standin, &pace, false);
    live.add_targets(&repo().join("data/targets.csv"));
    let (run, report) = live.run(1);
    let mut operations = virta_operations(&live);
    operations.retain(|o| o != "OpiskelijanTiedot");
    assert_eq!(operations[0], "OpiskelijanKaikkiTiedotLista");
    assert_eq!(operations[1..], ["OpiskelijanKaikkiTiedot"; 24]);
    // Once in the Lista call, once alone; a Client fault is never retried.
    assert_eq!(live.standin().stats.attempts_for(&hetu), 2);
    let failures = report["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 1, "{}", run.stdout);
    assert_eq!(failures[0]["learner"], HELSINKI);
    assert_eq!(failures[0]["class"], "invalid");
    assert_eq!(report["learners"], 23);
    assert_no_identity_code(&run, &hetu);
}

#[test]
fn a_soap_client_fault_is_not_retried() {
    let hetu = hetu_of(&format!("{HELSINKI}.xml"));
    let standin = standin_over(&embedded_virta(), None).identity_fault(IdentityFault::always(
        Service::Virta,
        hetu.clone(),
        Fault::ClientFault,
    ));
    let live = Live::start(standin, &BRISK, false);
    live.add_targets(&repo().join("data/targets.csv"));
    let (run, report) = live.run(1);
    assert_eq!(live.standin().stats.attempts_for(&hetu), 1);
    let failures = report["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 1, "{}", run.stdout);
    assert_eq!(failures[0]["learner"], HELSINKI);
    assert_eq!(failures[0]["class"], "invalid");
    assert!(
        failures[0]["error"]
            .as_str()
            .unwrap()
            .contains("Validation error"),
        "{}",
        failures[0]["error"]
    );
    assert_eq!(report["learners"], 23);
    assert_no_identity_code(&run, &hetu);
    assert!(
        !std::fs::read_to_string(live.path("report.json"))
            .unwrap()
            .contains(&hetu),
        "an identity code appeared in the JSON report"
    );
}

#[test]
fn a_wrong_virta_password_stops_the_run_with_exit_3_naming_the_credential() {
    let live = Live::start(standin_over(&embedded_virta(), None), &BRISK, false);
    std::fs::write(live.path("avain"), "wrong\n").unwrap();
    live.add_targets(&repo().join("data/targets.csv"));
    let run = live.rikastin(&["run"]).expect(3);
    assert!(
        run.stderr.contains("virta refused the credentials")
            && run.stderr.contains("avain")
            && run.stderr.contains("HTTP 401"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("wrong"), "the password was echoed");
    assert_no_identity_code(&run, &hetu_of(&format!("{HELSINKI}.xml")));
    let snapshots: i64 = live
        .cache()
        .query_row("SELECT count(*) FROM snapshot", [], |r| r.get(0))
        .unwrap();
    assert_eq!(snapshots, 0);
    // It stopped at the first refusal instead of asking about all 24 learners.
    assert!(live.standin().stats.count(Route::Virta) <= BRISK.max_in_flight as usize);
}

#[test]
fn a_wrong_koski_password_stops_the_run_naming_the_koski_credential() {
    let koski = repo().join("data/recorded/koski/oppija");
    let live = Live::start(standin_over(&embedded_virta(), Some(&koski)), &BRISK, true);
    std::fs::write(live.path("koski-password"), "nope\n").unwrap();
    live.add_targets(&repo().join("data/targets.csv"));
    let run = live.rikastin(&["run"]).expect(3);
    assert!(
        run.stderr.contains("koski refused the credentials")
            && run.stderr.contains("sources.koski.credentials"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_learner_whose_source_failed_keeps_the_previous_snapshot_marked_stale() {
    let hetu = hetu_of(&format!("{HELSINKI}.xml"));
    let mut live = Live::start(standin_over(&embedded_virta(), None), &BRISK, false);
    live.add_targets(&repo().join("data/targets.csv"));
    live.run(0);
    let before: Vec<u8> = live
        .cache()
        .query_row(
            "SELECT elmo_gz FROM snapshot WHERE learner_key = ?1",
            [HELSINKI],
            |r| r.get(0),
        )
        .unwrap();

    // VIRTA now fails for that one learner, whatever we try.
    live.restart(
        standin_over(&embedded_virta(), None).identity_fault(IdentityFault::always(
            Service::Virta,
            hetu.clone(),
            Fault::Unavailable,
        )),
    );
    let (run, report) = live.run(1);
    assert_eq!(report["stale"], 1, "{}", run.stdout);
    assert_eq!(report["learners"], 23);
    assert_eq!(
        live.standin().stats.attempts_for(&hetu),
        1 + BRISK.max_retries as usize
    );
    let (after, stale_since, reason): (Vec<u8>, Option<String>, Option<String>) = live
        .cache()
        .query_row(
            "SELECT elmo_gz, stale_since, stale_reason FROM snapshot WHERE learner_key = ?1",
            [HELSINKI],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(after, before, "the old snapshot must stay byte for byte");
    assert!(stale_since.is_some());
    assert!(reason.unwrap().contains("503"));
    assert_no_identity_code(&run, &hetu);

    // Once VIRTA answers again, the mark goes.
    live.restart(standin_over(&embedded_virta(), None));
    live.run(0);
    let stale: Option<String> = live
        .cache()
        .query_row(
            "SELECT stale_since FROM snapshot WHERE learner_key = ?1",
            [HELSINKI],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stale, None);
}

/// VIRTA now answers "nobody found" for a learner whose snapshot has VIRTA results: not believed
/// (issue 19, invariant 1). The snapshot stays byte for byte, marked stale, and the learner is a
/// dead letter, until an operator runs with --accept-empty.
#[test]
fn an_empty_answer_for_a_learner_with_results_does_not_replace_the_snapshot() {
    let mut live = Live::start(standin_over(&embedded_virta(), None), &BRISK, false);
    live.add_targets(&repo().join("data/targets.csv"));
    live.run(0);
    let snapshot = |live: &Live| -> (Vec<u8>, Option<String>) {
        live.cache()
            .query_row(
                "SELECT elmo_gz, stale_since FROM snapshot WHERE learner_key = ?1",
                [HELSINKI],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
    };
    let (before, _) = snapshot(&live);
    // The same recordings without this learner's: VIRTA knows nobody by that identity.
    let without = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(embedded_virta()).unwrap() {
        let path = entry.unwrap().path();
        if path.file_stem().is_some_and(|s| s != HELSINKI) {
            std::fs::copy(&path, without.path().join(path.file_name().unwrap())).unwrap();
        }
    }
    live.restart(standin_over(without.path(), None));
    let (run, report) = live.run(1);
    let (after, stale) = snapshot(&live);
    assert_eq!(after, before, "the snapshot must stay byte for byte");
    assert!(stale.is_some());
    let failure = &report["failures"][0];
    assert_eq!(failure["class"], "emptied", "{}", run.stdout);
    assert!(
        failure["error"]
            .as_str()
            .unwrap()
            .contains("--accept-empty")
    );
    let letters: i64 = live
        .cache()
        .query_row(
            "SELECT COUNT(*) FROM dead_letter WHERE learner_key = ?1",
            [HELSINKI],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(letters, 1);
    // The operator believes it: the learner is "no data" now, not a failure.
    let report_path = live.path("accepted.json");
    live.rikastin(&[
        "run",
        "--accept-empty",
        "--report-json",
        report_path.to_str().unwrap(),
    ])
    .expect(0);
    let accepted: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report_path).unwrap()).unwrap();
    assert_eq!(accepted["no_data"], 1);
    assert_eq!(accepted["failures"].as_array().unwrap().len(), 0);
}

/// A scheduled run with nothing due exits 0 and says so (issue 19): the systemd unit must not
/// report a failure every quiet night.
#[test]
fn a_run_with_nothing_due_exits_0_and_says_nothing_due() {
    let live = Live::start(standin_over(&embedded_virta(), None), &BRISK, false);
    // No targets at all: nothing is due.
    let run = live.rikastin(&["run"]).expect(0);
    assert!(run.stdout.contains("nothing due"), "{}", run.stdout);
}

/// KOSKI fails for a learner known only to KOSKI: a failure with a dead letter, never "no data"
/// with the learner counted as refreshed (issue 19).
#[test]
fn a_koski_failure_for_a_koski_only_learner_is_a_failure_not_no_data() {
    let oid = "1.2.246.562.24.76819478047";
    let koski = repo().join("data/recorded/koski/oppija");
    let nobody = tempfile::tempdir().unwrap();
    let live = Live::start(
        standin_over(nobody.path(), Some(&koski)).identity_fault(IdentityFault::always(
            Service::Koski,
            oid,
            Fault::Unavailable,
        )),
        &BRISK,
        true,
    );
    live.add_targets(&repo().join("data/targets.csv"));
    // Nothing stored and every failure a source out of retries: exit 6, "source unavailable".
    let (run, report) = live.run(6);
    let failures = report["failures"].as_array().unwrap();
    assert!(
        failures.iter().any(|f| f["source"] == "koski"),
        "{}",
        run.stdout
    );
    assert_ne!(
        report["fetched"]["koski"], report["targets"],
        "a failed call is no answer"
    );
}

/// KOSKI down for a learner who has no snapshot yet: the snapshot is built from VIRTA's answer
/// and says it is partial, in the cache and in the document; the learner stays a dead letter,
/// due again, until KOSKI answers and a full document replaces it.
#[test]
fn a_new_learner_whose_koski_request_failed_is_stored_partial_then_completed() {
    // The first learner of data/targets.csv: VIRTA and KOSKI both have records of them.
    let oid = "1.2.246.562.24.76819478047";
    let koski = repo().join("data/recorded/koski/oppija");
    let mut live = Live::start(
        standin_over(&embedded_virta(), Some(&koski)).identity_fault(IdentityFault::always(
            Service::Koski,
            oid,
            Fault::Unavailable,
        )),
        &BRISK,
        true,
    );
    live.add_targets(&repo().join("data/targets.csv"));
    let (run, report) = live.run(1);
    assert_eq!(report["partial"], 1, "{}", run.stdout);
    assert_eq!(report["learners"], 24, "{}", run.stdout);
    let partial: String = live
        .cache()
        .query_row(
            "SELECT learner_key FROM snapshot_source WHERE source = 'koski' AND complete = 0",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let status = |live: &Live| -> (String, usize, String) {
        let xml = live.rikastin(&["show", &partial]).expect(0).stdout;
        let letters = live.count(&format!(
            "SELECT count(*) FROM dead_letter WHERE learner_key = '{partial}'"
        ));
        let outcome: String = live
            .cache()
            .query_row(
                "SELECT last_outcome FROM target WHERE learner_key = ?1",
                [&partial],
                |r| r.get(0),
            )
            .unwrap();
        (xml, letters, outcome)
    };
    let results = |live: &Live| {
        live.count(&format!(
            "SELECT results FROM snapshot WHERE learner_key = '{partial}'"
        ))
    };
    let from_virta = results(&live);
    let (xml, letters, outcome) = status(&live);
    assert!(xml.contains(r#"status="partial""#), "{xml}");
    assert!(xml.contains(r#"<rk:incomplete source="koski"/>"#), "{xml}");
    assert_eq!((letters, outcome.as_str()), (1, "partial"));
    let full = live.count(
        "SELECT count(*) FROM snapshot s WHERE NOT EXISTS (SELECT 1 FROM snapshot_source f \
         WHERE f.learner_key = s.learner_key AND f.complete = 0)",
    );
    assert_eq!(full, 23);

    // KOSKI answers again: the same learner is due, and now whole.
    live.restart(standin_over(&embedded_virta(), Some(&koski)));
    let (run, report) = live.run(0);
    assert_eq!(report["partial"], 0, "{}", run.stdout);
    let (xml, letters, outcome) = status(&live);
    assert!(xml.contains(r#"status="full"/>"#), "{xml}");
    assert!(!xml.contains("rk:incomplete"), "{xml}");
    assert_eq!((letters, outcome.as_str()), (0, "ok"));
    assert!(results(&live) > from_virta, "KOSKI's results were added");
}

/// Exit codes for unattended runs: failures within `--max-failed` exit 0, past it 1; a VIRTA
/// that answers every request with a server fault is "a source unavailable" (6), not "some
/// learners failed".
#[test]
fn failures_within_max_failed_exit_0_and_a_source_that_is_down_exits_6() {
    let hetu = hetu_of(&format!("{HELSINKI}.xml"));
    let mut live = Live::start(
        standin_over(&embedded_virta(), None).identity_fault(IdentityFault::always(
            Service::Virta,
            hetu,
            Fault::Unavailable,
        )),
        &BRISK,
        false,
    );
    live.add_targets(&repo().join("data/targets.csv"));
    live.rikastin(&["run"]).expect(1);
    let within = live.rikastin(&["run", "--max-failed", "1"]).expect(0);
    assert!(
        within
            .stderr
            .contains("1 of 24 learners failed, within --max-failed 1"),
        "{}",
        within.stderr
    );
    // One of 24 is 4.2 %.
    live.rikastin(&["run", "--max-failed", "5%"]).expect(0);
    live.rikastin(&["run", "--max-failed", "4%"]).expect(1);

    let mut down = config_over(&embedded_virta(), None);
    down.faults = vec!["virta:*=500".parse().unwrap()];
    live.restart(StandIn::new(down));
    let run = live.rikastin(&["run"]).expect(6);
    assert!(
        run.stderr.contains("a source was unavailable"),
        "{}",
        run.stderr
    );
}

/// The transport is a config choice: over HTTP the documents are byte-identical to the ones
/// built from the same recordings read from disk.
#[test]
fn live_and_recorded_runs_build_identical_documents() {
    let koski = repo().join("data/recorded/koski/oppija");
    let live = Live::start(standin_over(&embedded_virta(), Some(&koski)), &BRISK, true);
    live.add_targets(&repo().join("data/targets.csv"));
    live.add_targets(&repo().join("data/targets-koski.csv"));
    let now = "2026-11-23T12:00:00Z";
    live.rikastin(&["run", "--now", now]).expect(0);

    let recorded = tempfile::tempdir().unwrap();
    let config = recorded.path().join("pipeline.yaml");
    // The live config joins no catalogues, so neither does this one.
    let yaml = std::fs::read_to_string(repo().join("data/pipeline.yaml")).unwrap();
    let yaml = yaml[..yaml.find("\nenrichment:").unwrap_or(yaml.len())]
        .replace("../var/cache.sqlite", "cache.sqlite")
        .replace(
            ": ../mappings",
            &format!(": {}", repo().join("mappings").display()),
        )
        .replace(
            ": learner-key.secret",
            &format!(": {}", repo().join("data/learner-key.secret").display()),
        )
        .replace(
            ": recorded/",
            &format!(": {}/", repo().join("data/recorded").display()),
        );
    std::fs::write(&config, yaml).unwrap();
    let out = Command::new(rikastin_tests::binary())
        .args(["run", "--now", now, "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let hashes = |db: &Path| -> Vec<(String, String)> {
        let c = rusqlite::Connection::open(db).unwrap();
        let mut q = c
            .prepare("SELECT learner_key, content_hash FROM snapshot ORDER BY learner_key")
            .unwrap();
        q.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let (a, b) = (
        hashes(&live.path("cache.sqlite")),
        hashes(&recorded.path().join("cache.sqlite")),
    );
    assert_eq!(a.len(), 27);
    assert_eq!(a, b);
}

// ---- scheduled operations: shards, the run lock, resuming after kill -9 ----------------------

impl Live {
    /// `rikastin run ARGS --config pipeline.yaml` in the background, output discarded.
    fn spawn_run(&self, args: &[&str]) -> std::process::Child {
        Command::new(rikastin_tests::binary())
            .arg("run")
            .args(args)
            .arg("--config")
            .arg(self.path("pipeline.yaml"))
            .current_dir(self.dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start rikastin run")
    }

    fn count(&self, sql: &str) -> usize {
        self.cache()
            .query_row(sql, [], |r| r.get::<_, i64>(0))
            .unwrap() as usize
    }
}

/// The identity codes of a synthetic targets CSV (first column), kept in variables only.
fn identities(csv: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(csv).unwrap();
    text.lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_owned())
        .collect()
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting: {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn shards_cover_every_target_exactly_once() {
    let _heavy = heavy();
    let data = tempfile::tempdir().unwrap();
    let (recordings, csv) = synth(data.path(), 60, 15);
    let live = Live::start(standin_over(&recordings, None), &BRISK, false);
    live.add_targets(&csv);
    let mut refreshed = 0;
    for shard in ["0/3", "1/3", "2/3"] {
        let (run, report) = {
            let report = live.path("report.json");
            let run = live
                .rikastin(&[
                    "run",
                    "--shard",
                    shard,
                    "--report-json",
                    report.to_str().unwrap(),
                ])
                .expect(0);
            let json: serde_json::Value =
                serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
            (run, json)
        };
        let n = report["learners"].as_u64().unwrap();
        assert!(
            (5..=35).contains(&n),
            "shard {shard} took {n}: {}",
            run.stdout
        );
        refreshed += n;
    }
    assert_eq!(refreshed, 60);
    let stats = &live.standin().stats;
    assert_eq!(record_calls(&live), 60);
    // Once for the records; the names calls (one per institution) come on top.
    let names_calls = |id: &str| {
        let digest = rikastin_standin::identity_digest(id);
        stats
            .requests()
            .iter()
            .filter(|r| r.operation == "OpiskelijanTiedot" && r.identities.contains(&digest))
            .count()
    };
    let asked_once = identities(&csv)
        .iter()
        .filter(|id| stats.attempts_for(id) - names_calls(id) == 1)
        .count();
    assert_eq!(asked_once, 60, "some target was asked twice or never");
    assert_eq!(
        live.count("SELECT count(*) FROM target WHERE last_outcome = 'ok'"),
        60
    );
}

#[test]
fn a_second_run_on_the_same_shard_refuses_to_start_with_exit_4() {
    let standin = StandIn::new(Config {
        latency_ms: 3000,
        ..config_over(&embedded_virta(), None)
    });
    let live = Live::start(standin, &BRISK, false);
    live.add_targets(&repo().join("data/targets.csv"));
    let mut first = live.spawn_run(&[]);
    // Asking VIRTA means it has the lock.
    wait_until("the first run asks VIRTA", || {
        live.standin().stats.count(Route::Virta) > 0
    });
    let second = live.rikastin(&["run"]).expect(4);
    assert!(
        second.stderr.contains("another run holds the lock"),
        "{}",
        second.stderr
    );
    // (The lock is per shard: the store contract tests show that another shard's is free.)
    first.kill().unwrap();
    first.wait().unwrap();
    // The lock died with the process, and the next run resumes the killed one.
    let third = live.rikastin(&["run"]).expect(0);
    assert!(third.stderr.contains("resuming run"), "{}", third.stderr);
}

/// kill -9 at random points of a live run, `RIKASTIN_CRASH_TRIALS` times (`make crash-test`:
/// 20; CI: 3). After every kill the cache is whole: no torn document, no snapshot without its
/// target checked off, none lost. Then the resumed run finishes without asking again for the
/// learners the killed one had committed.
#[test]
fn killed_runs_leave_a_consistent_cache_and_the_resumed_run_finishes() {
    let _heavy = heavy();
    let trials: u64 = std::env::var("RIKASTIN_CRASH_TRIALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    const LEARNERS: usize = 600;
    let data = tempfile::tempdir().unwrap();
    let (recordings, csv) = synth(data.path(), LEARNERS, 16);
    let standin = StandIn::new(Config {
        latency_ms: 5,
        ..config_over(&recordings, None)
    });
    let live = Live::start(standin, &BRISK, false);
    live.add_targets(&csv);
    // A fixed sequence of kill points between 0.2 s and 2.2 s (a full run takes about 3 s).
    let mut seed: u64 = 0x5eed;
    let mut stored = 0;
    for trial in 0..trials {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let delay = 200 + (seed >> 33) % 2000;
        let mut run = live.spawn_run(&[]);
        std::thread::sleep(std::time::Duration::from_millis(delay));
        run.kill().unwrap(); // SIGKILL
        run.wait().unwrap();

        let cache = live.cache();
        let integrity: String = cache
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(integrity, "ok", "trial {trial}: killed after {delay} ms");
        let now_stored = live.count("SELECT count(*) FROM snapshot");
        assert!(now_stored >= stored, "trial {trial}: a snapshot was lost");
        stored = now_stored;
        assert_eq!(
            live.count(
                "SELECT count(*) FROM snapshot s JOIN target t USING (learner_key) \
                 WHERE t.last_outcome IS NULL OR t.last_success_at IS NULL"
            ),
            0,
            "trial {trial}: a snapshot was committed without its target's checkpoint"
        );
        let mut rows = cache.prepare("SELECT elmo_gz FROM snapshot").unwrap();
        let documents = rows.query_map([], |r| r.get::<_, Vec<u8>>(0)).unwrap();
        for gz in documents {
            let mut xml = String::new();
            std::io::Read::read_to_string(
                &mut flate2::read::GzDecoder::new(&gz.unwrap()[..]),
                &mut xml,
            )
            .expect("a stored document decompresses whole");
            assert!(
                xml.trim_end().ends_with("</elmo>"),
                "trial {trial}: torn document"
            );
        }
    }
    // What the killed run committed is not asked again.
    let committed = live.count(
        "SELECT count(*) FROM snapshot WHERE checked_run_id = \
         (SELECT run_id FROM run WHERE finished_at IS NULL ORDER BY started_at DESC LIMIT 1)",
    );
    live.standin().stats.clear();
    let last = live.rikastin(&["run", "--allow-empty"]).expect(0);
    assert_eq!(record_calls(&live), LEARNERS - committed, "{}", last.stderr);
    assert_eq!(live.count("SELECT count(*) FROM snapshot"), LEARNERS);
    assert_eq!(
        live.count("SELECT count(*) FROM target WHERE last_outcome = 'ok'"),
        LEARNERS
    );
    assert_eq!(
        live.count("SELECT count(*) FROM run WHERE finished_at IS NULL"),
        0
    );
}

/// Issue 6, personal data: every command an operator runs against a live cache, at trace
/// level, with failures in it, prints no identity code of any target.
#[test]
fn no_command_prints_an_identity_code_even_at_trace_level() {
    let hetu = hetu_of(&format!("{HELSINKI}.xml"));
    let standin = standin_over(&embedded_virta(), None).identity_fault(IdentityFault::always(
        Service::Virta,
        hetu.clone(),
        Fault::ClientFault,
    ));
    let pace = Pace {
        batch_size: 50,
        ..BRISK
    };
    let live = Live::start(standin, &pace, false);
    let csv = repo().join("data/targets.csv");
    let codes: Vec<String> = identities(&csv)
        .into_iter()
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(codes.len(), 24);
    let traced = |args: &[&str]| {
        let out = Command::new(rikastin_tests::binary())
            .args(args)
            .arg("--config")
            .arg(live.path("pipeline.yaml"))
            .current_dir(live.dir.path())
            .env("RIKASTIN_LOG", "trace")
            .output()
            .expect("run rikastin");
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        let leaked = codes.iter().filter(|c| text.contains(c.as_str())).count();
        assert_eq!(
            leaked,
            0,
            "`rikastin {}` printed identity codes",
            args.join(" ")
        );
        text
    };
    traced(&["targets", "add", csv.to_str().unwrap()]);
    // stderr is a pipe here, so the log is JSON; its last line is the run's summary.
    let first = traced(&["run"]);
    let finished: serde_json::Value = first
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect(l))
        .find(|l| l["message"] == "run finished")
        .unwrap_or_else(|| panic!("no `run finished` JSON line in\n{first}"));
    assert_eq!(finished["outcome"], "failures");
    assert_eq!(finished["failed"], 1);
    traced(&["targets", "status"]);
    traced(&["deadletter", "list"]);
    traced(&["deadletter", "list", "--json"]);
    traced(&["runs", "list"]);
    // The plan's failure lines and per-learner diff, over the same faulty answer.
    traced(&["plan"]);
    traced(&["list"]);
    traced(&["show", &HELSINKI[..12]]);
    traced(&["deadletter", "retry", "--all"]);
    // A lookalike given on the command line is not echoed back either.
    traced(&["show", &codes[1]]);
    let report = live.path("report.json");
    let metrics = live.path("rikastin.prom");
    let text = traced(&[
        "run",
        "--log-format",
        "text",
        "--report-json",
        report.to_str().unwrap(),
        "--metrics-textfile",
        metrics.to_str().unwrap(),
    ]);
    assert!(
        text.contains("run finished") && !text.contains("{\"timestamp\""),
        "--log-format text writes lines of text:\n{text}"
    );
    // The retried dead letter fails again; the other 23 are unchanged.
    let prom = std::fs::read_to_string(&metrics).unwrap();
    for line in [
        "rikastin_run_failed_learners 1",
        "rikastin_run_learners{outcome=\"unchanged\"} 23",
    ] {
        assert!(
            prom.lines().any(|l| l == line),
            "missing `{line}` in\n{prom}"
        );
    }
    assert_eq!(
        codes.iter().filter(|c| prom.contains(c.as_str())).count(),
        0
    );
    let json = std::fs::read_to_string(&report).unwrap();
    assert_eq!(
        codes.iter().filter(|c| json.contains(c.as_str())).count(),
        0,
        "the JSON report holds identity codes"
    );
}
