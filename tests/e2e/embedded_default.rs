//! The embedded default (data/): the job `make run` runs.

use rikastin_tests::{TestDir, repo};

use crate::checks::run_and_check;

fn recorded() -> std::path::PathBuf {
    repo().join("data/recorded/virta/OpiskelijanKaikkiTiedot")
}

#[test]
fn every_learner_is_written_valid_lint_clean_and_fully_accounted_for() {
    let (_, report) = run_and_check(&recorded(), 24);
    assert_eq!(report["created"], 24);
    assert!(
        report["failures"].as_array().unwrap().is_empty(),
        "{report:#}"
    );
    let excluded = report["excluded"].as_object().unwrap();
    assert!(
        excluded.keys().any(|r| r.starts_with("Laji 3")),
        "{excluded:?}"
    );
    assert!(
        excluded.keys().any(|r| r.starts_with("Laji 4")),
        "{excluded:?}"
    );
}

#[test]
fn a_second_run_rewrites_nothing_and_keeps_the_documents_byte_identical() {
    let t = TestDir::with_recordings(&recorded());
    t.rikastin(&["run", "--now", "2026-11-23T10:00:00Z"])
        .expect(0);
    let key = first_key(&t);
    let before = t.rikastin(&["show", &key]).expect(0).stdout;

    // A later run, same inputs: nothing changed, so nothing is rewritten, not even the date.
    let second = t
        .rikastin(&["run", "--now", "2026-12-01T08:00:00Z"])
        .expect(0)
        .stdout;
    assert!(
        second.contains("0 created, 0 updated, 24 unchanged"),
        "{second}"
    );
    let after = t.rikastin(&["show", &key]).expect(0).stdout;
    assert_eq!(before, after);
    assert!(after.contains("<generatedDate>2026-11-23T10:00:00Z</generatedDate>"));
}

#[test]
fn same_inputs_and_date_give_byte_identical_documents_in_a_fresh_cache() {
    let a = TestDir::with_recordings(&recorded());
    let b = TestDir::with_recordings(&recorded());
    a.rikastin(&["run", "--now", "2026-11-23T10:00:00Z"])
        .expect(0);
    b.rikastin(&["run", "--now", "2026-11-23T10:00:00Z"])
        .expect(0);
    let key = first_key(&a);
    assert_eq!(
        a.rikastin(&["show", &key]).stdout,
        b.rikastin(&["show", &key]).stdout
    );
}

/// Golden documents for six learners (see tests/golden/README.md). Set UPDATE_GOLDEN=1 to
/// rewrite them, then review the diff by eye before committing.
#[test]
fn golden_documents() {
    let t = TestDir::embedded();
    t.rikastin(&["run", "--now", "2026-11-23T10:00:00Z"])
        .expect(0);
    let dir = repo().join("tests/golden");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "xml") {
            continue;
        }
        let key = path.file_stem().unwrap().to_string_lossy().into_owned();
        let shown = t.rikastin(&["show", &key]).expect(0).stdout;
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::write(&path, &shown).unwrap();
        } else {
            let golden = std::fs::read_to_string(&path).unwrap();
            assert!(
                golden == shown,
                "{} differs from the golden file:\n--- golden\n{golden}\n--- now\n{shown}",
                path.display()
            );
        }
        checked += 1;
    }
    assert_eq!(checked, 6, "six golden learners in tests/golden");
}

fn first_key(t: &TestDir) -> String {
    let list = t.rikastin(&["list"]).expect(0).stdout;
    list.split_whitespace()
        .next()
        .expect("a learner in the cache")
        .to_owned()
}
