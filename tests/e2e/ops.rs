//! Dead letters and runs, for the operator: a live run against the stand-in with injected
//! faults leaves dead letters that `rikastin deadletter list` explains, `deadletter retry` makes
//! them due again, a clean run clears them, and `rikastin runs list|show` tell what each run
//! did. Identity codes stay in variables; every output is checked for them.

use std::path::PathBuf;

use rikastin_standin::{Fault, IdentityFault, Service};
use rikastin_tests::{Run, TestDir, repo};

use crate::live::{BRISK, HELSINKI, Live, assert_no_identity_code, embedded_virta, hetu_of};

/// An open-university learner of the embedded default (VIRTA only).
const OPEN_UNIVERSITY: &str = "476d8a6e76a5469e9198847811bc6967378bcfa101169731c9cf2bcb79118e8b";

/// A synthetic identity code made of hex digits only (born 2005, typed in lower case).
const HEX_HETU: &str = "010105a123b";

/// The OID in one embedded VIRTA recording (kept in a variable, never printed).
fn oid_of(recording: &str) -> String {
    let bytes = std::fs::read(embedded_virta().join(recording)).unwrap();
    let virta = rikastin_sources::virta::parse(&bytes, recording).unwrap();
    virta.opiskelijat[0]
        .kansallinen_oppijanumero
        .clone()
        .expect("recording has an OID")
}

fn koski_recordings() -> PathBuf {
    repo().join("data/recorded/koski/oppija")
}

/// The stand-in over the embedded default: KOSKI refuses HELSINKI's request as invalid (400,
/// not retried), VIRTA is unavailable for OPEN_UNIVERSITY (503, retried until exhausted).
fn faulty(helsinki_oid: &str, open_university_hetu: &str) -> rikastin_standin::StandIn {
    crate::live::standin_over(&embedded_virta(), Some(&koski_recordings()))
        .identity_fault(IdentityFault::always(
            Service::Koski,
            helsinki_oid,
            Fault::ClientFault,
        ))
        .identity_fault(IdentityFault::always(
            Service::Virta,
            open_university_hetu,
            Fault::Unavailable,
        ))
}

/// A success is not asked again for a day, a failure for an hour: within the test only a
/// retry makes a dead letter due.
fn slow_policy(live: &Live) {
    let path = live.path("pipeline.yaml");
    let yaml = std::fs::read_to_string(&path)
        .unwrap()
        .replace("refresh_after_hours: 0", "refresh_after_hours: 24")
        .replace("retry_after_minutes: 0", "retry_after_minutes: 60");
    std::fs::write(path, yaml).unwrap();
}

fn due_now(live: &Live) -> String {
    let status = live.rikastin(&["targets", "status"]).expect(0).stdout;
    let due = status
        .split(", ")
        .nth(1)
        .and_then(|s| s.split(" due now").next())
        .unwrap_or_else(|| panic!("no due count in: {status}"));
    due.to_owned()
}

fn dead_letters_json(live: &Live) -> Vec<serde_json::Value> {
    let run = live.rikastin(&["deadletter", "list", "--json"]).expect(0);
    serde_json::from_str::<serde_json::Value>(&run.stdout)
        .unwrap_or_else(|e| panic!("deadletter list --json is not JSON ({e}): {}", run.stdout))
        .as_array()
        .expect("a JSON array")
        .clone()
}

fn letter_of<'a>(letters: &'a [serde_json::Value], key: &str) -> &'a serde_json::Value {
    letters
        .iter()
        .find(|d| d["learner_key"] == key)
        .unwrap_or_else(|| panic!("no dead letter of {key} in {letters:?}"))
}

/// The line of a table that starts with the learner's key prefix.
fn line_of<'a>(text: &'a str, key: &str) -> &'a str {
    text.lines()
        .find(|l| l.trim_start().starts_with(&key[..12]))
        .unwrap_or_else(|| panic!("no line for {} in:\n{text}", &key[..12]))
}

fn words(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

#[test]
fn failed_learners_are_dead_lettered_retried_on_request_and_cleared_by_a_clean_run() {
    let helsinki_hetu = hetu_of(&format!("{HELSINKI}.xml"));
    let helsinki_oid = oid_of(&format!("{HELSINKI}.xml"));
    let open_hetu = hetu_of(&format!("{OPEN_UNIVERSITY}.xml"));
    let mut live = Live::start(faulty(&helsinki_oid, &open_hetu), &BRISK, true);
    slow_policy(&live);
    live.add_targets(&repo().join("data/targets.csv"));
    let (first, report) = live.run(1);
    let first_run = report["run_id"].as_str().unwrap().to_owned();
    assert_eq!(
        report["failures"].as_array().unwrap().len(),
        2,
        "{}",
        first.stdout
    );

    // The list names each learner by key prefix, with the failing source and the class.
    let list = live.rikastin(&["deadletter", "list"]).expect(0);
    let helsinki = words(line_of(&list.stdout, HELSINKI));
    assert_eq!(
        helsinki[1..5],
        ["koski", "fetch", "invalid", "1"],
        "{}",
        list.stdout
    );
    let open = words(line_of(&list.stdout, OPEN_UNIVERSITY));
    assert_eq!(
        open[1..5],
        ["virta", "fetch", "exhausted", "1"],
        "{}",
        list.stdout
    );
    assert!(
        line_of(&list.stdout, OPEN_UNIVERSITY).contains("503"),
        "{}",
        list.stdout
    );
    assert!(
        list.stdout.contains("\n2 dead letters ("),
        "{}",
        list.stdout
    );
    let letters = dead_letters_json(&live);
    assert_eq!(letters.len(), 2);
    let open_letter = letter_of(&letters, OPEN_UNIVERSITY);
    assert_eq!(open_letter["source"], "virta");
    assert_eq!(open_letter["error_class"], "exhausted");
    assert_eq!(open_letter["run_id"], first_run.as_str());
    let first_failed = open_letter["first_failed_at"].clone();

    // Failures wait out the retry window; a retry by key prefix, then of all, makes them due.
    assert_eq!(due_now(&live), "0");
    live.rikastin(&["deadletter", "retry", &HELSINKI[..12]])
        .expect(0);
    assert_eq!(due_now(&live), "1");
    let retry = live.rikastin(&["deadletter", "retry", "--all"]).expect(0);
    assert!(
        retry.stdout.contains("2 of 2 dead letters marked"),
        "{}",
        retry.stdout
    );
    assert_eq!(due_now(&live), "2");

    // Still failing: the next run asks only those two, and counts one more failure in a row.
    // It stores nothing, which is an error (exit 2) unless expected.
    let report_path = live.path("again.json");
    live.rikastin(&[
        "run",
        "--allow-empty",
        "--report-json",
        report_path.to_str().unwrap(),
    ])
    .expect(1);
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report_path).unwrap()).unwrap();
    assert_eq!(report["targets"], 2);
    let letters = dead_letters_json(&live);
    let open_letter = letter_of(&letters, OPEN_UNIVERSITY);
    assert_eq!(open_letter["attempts"], 2);
    assert_eq!(open_letter["first_failed_at"], first_failed);
    assert_ne!(open_letter["run_id"], first_run.as_str());

    // The sources answer again: a retried run refreshes both and their dead letters go.
    live.restart(crate::live::standin_over(
        &embedded_virta(),
        Some(&koski_recordings()),
    ));
    live.rikastin(&["deadletter", "retry", "--all"]).expect(0);
    let (clean, report) = live.run(0);
    assert_eq!(report["targets"], 2, "{}", clean.stdout);
    assert_eq!(report["learners"], 2, "{}", clean.stdout);
    assert!(dead_letters_json(&live).is_empty());
    let empty = live.rikastin(&["deadletter", "list"]).expect(0);
    assert!(
        empty.stdout.starts_with("no dead letters"),
        "{}",
        empty.stdout
    );

    // `runs show` of the first run explains both failures; `runs list` has all three runs.
    let show = live.rikastin(&["runs", "show", &first_run]).expect(0);
    for expected in [
        "(outcome: failures)",
        "targets asked          24",
        "failed                  2",
        "1  koski fetch invalid",
        "1  virta fetch exhausted",
    ] {
        assert!(
            show.stdout.contains(expected),
            "{expected:?}:\n{}",
            show.stdout
        );
    }
    let failure = line_of(&show.stdout, OPEN_UNIVERSITY);
    assert_eq!(
        words(failure)[1..4],
        ["virta", "fetch", "exhausted"],
        "{failure}"
    );
    assert!(failure.contains("503"), "{failure}");
    let runs = live.rikastin(&["runs", "list"]).expect(0);
    let listed: Vec<&str> = runs.stdout.lines().skip(1).take(3).collect();
    assert!(listed[2].starts_with(&first_run), "{}", runs.stdout);
    assert_eq!(words(listed[0])[3], "ok", "{}", runs.stdout);

    for run in [&first, &list, &retry, &clean, &show, &runs] {
        for code in [&helsinki_hetu, &open_hetu] {
            assert_no_identity_code(run, code);
        }
    }
    let json = live.rikastin(&["deadletter", "list", "--json"]).expect(0);
    assert_no_identity_code(&json, &open_hetu);
}

#[test]
fn clear_removes_only_the_dead_letters_named() {
    let helsinki_oid = oid_of(&format!("{HELSINKI}.xml"));
    let open_hetu = hetu_of(&format!("{OPEN_UNIVERSITY}.xml"));
    let live = Live::start(faulty(&helsinki_oid, &open_hetu), &BRISK, true);
    live.add_targets(&repo().join("data/targets.csv"));
    live.run(1);
    assert_eq!(dead_letters_json(&live).len(), 2);

    // A KEY that matches nothing changes nothing, and is not echoed when it looks like an
    // identity code: a henkilötunnus with the separator A can be all hex digits.
    let refused = live
        .rikastin(&["deadletter", "clear", &OPEN_UNIVERSITY[..8], HEX_HETU])
        .expect(2);
    assert!(
        refused
            .stderr
            .contains("KEY 2 (***) matches no dead letter"),
        "{}",
        refused.stderr
    );
    assert!(!refused.stderr.contains(HEX_HETU), "the KEY was echoed");
    assert_eq!(dead_letters_json(&live).len(), 2);

    let cleared = live
        .rikastin(&["deadletter", "clear", &OPEN_UNIVERSITY[..8]])
        .expect(0);
    assert!(
        cleared.stdout.contains("1 dead letters cleared"),
        "{}",
        cleared.stdout
    );
    let left = dead_letters_json(&live);
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["learner_key"], HELSINKI);
    live.rikastin(&["deadletter", "clear", "--all"]).expect(0);
    assert!(dead_letters_json(&live).is_empty());
}

/// `rikastin ARGS --config` of a recorded test folder.
fn with_config(t: &TestDir, args: &[&str]) -> Run {
    let config = t.config();
    let mut all = args.to_vec();
    all.extend(["--config", config.to_str().unwrap()]);
    t.rikastin(&all)
}

#[test]
fn deadletter_and_runs_commands_name_what_was_wrong() {
    let t = TestDir::with_recordings(&embedded_virta());
    let no_cache = with_config(&t, &["deadletter", "list"]).expect(2);
    assert!(
        no_cache.stderr.contains("no cache at"),
        "{}",
        no_cache.stderr
    );
    t.rikastin(&["run"]).expect(0);

    let list = with_config(&t, &["deadletter", "list"]).expect(0);
    assert!(
        list.stdout.starts_with("no dead letters"),
        "{}",
        list.stdout
    );
    assert_eq!(
        with_config(&t, &["deadletter", "list", "--json"])
            .expect(0)
            .stdout
            .trim(),
        "[]"
    );
    let neither = with_config(&t, &["deadletter", "retry"]).expect(2);
    assert!(neither.stderr.contains("<KEY|--all>"), "{}", neither.stderr);
    with_config(&t, &["deadletter", "clear", "abcd", "--all"]).expect(2);
    let not_hex = with_config(&t, &["deadletter", "retry", "abcd", "not-a-key"]).expect(2);
    assert!(
        not_hex.stderr.contains("KEY 2 is not a learner key")
            && !not_hex.stderr.contains("not-a-key"),
        "{}",
        not_hex.stderr
    );
    let nothing = with_config(&t, &["deadletter", "retry", "abcd"]).expect(2);
    assert!(
        nothing
            .stderr
            .contains("KEY 1 (abcd) matches no dead letter"),
        "{}",
        nothing.stderr
    );

    let runs = with_config(&t, &["runs", "list"]).expect(0);
    let line = runs.stdout.lines().nth(1).expect("one run");
    let run_id = words(line)[0];
    assert_eq!(words(line)[3], "ok", "{}", runs.stdout);
    let show = with_config(&t, &["runs", "show", run_id]).expect(0);
    assert!(show.stdout.contains("recordings read"), "{}", show.stdout);
    assert!(!show.stdout.contains("failures ("), "{}", show.stdout);
    let missing = with_config(&t, &["runs", "show", "20000101T000000Z-1"]).expect(2);
    assert!(
        missing.stderr.contains("no run \"20000101T000000Z-1\"")
            && missing.stderr.contains("runs list"),
        "{}",
        missing.stderr
    );
}

#[test]
fn every_deadletter_and_runs_command_has_help_with_exit_codes() {
    for cmd in [
        &["deadletter", "--help"][..],
        &["deadletter", "list", "--help"],
        &["deadletter", "retry", "--help"],
        &["deadletter", "clear", "--help"],
        &["runs", "--help"],
        &["runs", "list", "--help"],
        &["runs", "show", "--help"],
    ] {
        let out = std::process::Command::new(rikastin_tests::binary())
            .args(cmd)
            .output()
            .unwrap();
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && help.contains("Usage: rikastin"),
            "{cmd:?}"
        );
        if cmd.len() == 3 {
            assert!(help.contains("Exit codes:"), "{cmd:?}: {help}");
        }
    }
}
