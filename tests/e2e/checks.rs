//! Checks shared by the end-to-end tests.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rikastin_tests::{Run, TestDir, shared, validate_elmo};

/// (Myontaja, avain) -> how many times.
type Tally = BTreeMap<(String, String), usize>;

/// Every attainment in the recordings of `dir`, per recording file name.
pub fn input_attainments(dir: &Path) -> BTreeMap<String, Tally> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "xml") {
            continue;
        }
        // Recordings are named by their file stem (the learner key), as the run report does.
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let virta = rikastin_sources::virta::parse(&std::fs::read(&path).unwrap(), &name).unwrap();
        let mut tally = Tally::new();
        for a in virta.opiskelijat.iter().flat_map(|o| &o.opintosuoritukset) {
            *tally
                .entry((a.myontaja.clone(), a.avain.clone()))
                .or_default() += 1;
        }
        // Records that could not be read are excluded with their reason, never dropped.
        for o in &virta.opiskelijat {
            for r in &o.rejected {
                let myontaja = r.myontaja.as_deref().or(o.myontaja()).unwrap_or_default();
                let key = (myontaja.to_owned(), r.avain.clone().unwrap_or_default());
                *tally.entry(key).or_default() += 1;
            }
        }
        out.insert(name, tally);
    }
    out
}

/// (Myontaja, avain) of every LOI in a document, through the identifiers the mapping writes.
pub fn document_attainments(xml: &[u8]) -> Tally {
    fn walk(myontaja: &str, los: &elmo::Los, tally: &mut Tally) {
        for id in &los.specifies.instance.identifiers {
            if id.kind == "virta-opintosuoritus" {
                *tally
                    .entry((myontaja.to_owned(), id.value.clone()))
                    .or_default() += 1;
            }
        }
        los.has_part.iter().for_each(|p| walk(myontaja, p, tally));
    }
    let doc = elmo::read(xml).expect("the stored document reads back");
    let mut tally = Tally::new();
    for report in &doc.reports {
        let myontaja = report
            .issuer
            .identifiers
            .iter()
            .find(|i| i.kind == "virta-myontaja")
            .map(|i| i.value.clone())
            .expect("every issuer carries its VIRTA code");
        report
            .los
            .iter()
            .for_each(|l| walk(&myontaja, l, &mut tally));
    }
    tally
}

/// Runs the pipeline over `recorded`, then checks every stored document: XSD-valid, lint-clean,
/// and every input attainment in its document exactly once or excluded with a reason.
/// Returns the test folder and the parsed JSON report.
pub fn run_and_check(recorded: &Path, expect_learners: usize) -> (TestDir, serde_json::Value) {
    run_and_check_with(recorded, expect_learners, "")
}

/// `rikastin run --now 2026-11-23T10:00:00Z` over the VIRTA folder `recorded`, with `extra`
/// (lines of YAML) added to the end of `sources`; expects exit 0. Returns the test folder,
/// the run and its JSON report.
pub fn run_with_config(
    recorded: &Path,
    extra: &str,
) -> (TestDir, rikastin_tests::Run, serde_json::Value) {
    let t = TestDir::with_recordings(recorded);
    let mut yaml = std::fs::read_to_string(t.config()).unwrap();
    yaml.push_str(extra);
    std::fs::write(t.config(), yaml).unwrap();
    let report = t.path("report.json");
    let run = t
        .rikastin(&[
            "run",
            "--now",
            "2026-11-23T10:00:00Z",
            "--report-json",
            report.to_str().unwrap(),
        ])
        .expect(0);
    let json = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    (t, run, json)
}

/// As [`run_and_check`], with `virta_keys` (lines of YAML) added to `sources.virta`.
pub fn run_and_check_with(
    recorded: &Path,
    expect_learners: usize,
    virta_keys: &str,
) -> (TestDir, serde_json::Value) {
    let (t, run, json) = run_with_config(recorded, virta_keys);
    assert_eq!(json["learners"], expect_learners, "{}", run.stdout);

    let mut produced: BTreeMap<String, Tally> = BTreeMap::new();
    let mut files: Vec<PathBuf> = Vec::new();
    for learner in json["learner_outcomes"].as_array().unwrap() {
        let key = learner["learner"].as_str().unwrap();
        let recording = learner["recording"].as_str().unwrap().to_owned();
        let shown: Run = t.rikastin(&["show", key]).expect(0);
        let tally = produced.entry(recording).or_default();
        for (k, n) in document_attainments(shown.stdout.as_bytes()) {
            *tally.entry(k).or_default() += n;
        }
        for e in learner["exclusions"].as_array().unwrap() {
            assert!(!e["reason"].as_str().unwrap().is_empty());
            let k = (
                e["myontaja"].as_str().unwrap().to_owned(),
                e["avain"].as_str().unwrap().to_owned(),
            );
            *tally.entry(k).or_default() += 1;
        }
        let file = t.path(&format!("{key}.xml"));
        std::fs::write(&file, &shown.stdout).unwrap();
        t.rikastin(&["lint", file.to_str().unwrap()]).expect(0);
        files.push(file);
    }

    // Invariant 4: every input record mapped exactly once or excluded with a reason.
    let expected = input_attainments(recorded);
    for (recording, tally) in &expected {
        let got = produced.get(recording).cloned().unwrap_or_default();
        assert_eq!(
            &got, tally,
            "attainments of {recording}: output+exclusions vs input"
        );
    }

    if shared().is_some() && rikastin_tests::have_xmllint() {
        validate_elmo(&files).unwrap_or_else(|e| panic!("XSD validation failed:\n{e}"));
    } else {
        eprintln!("skipped: XSD validation (needs ../shared and xmllint)");
    }
    (t, json)
}
