//! `rikastin plan` and the change guard, on the embedded default with one catalogue entry
//! edited: the plan names exactly the learners and fields the edit reaches, and writes nothing.

use std::collections::BTreeSet;
use std::path::PathBuf;

use rikastin_tests::{TestDir, repo};

const NOW: &str = "2026-11-23T10:00:00Z";
const LATER: &str = "2026-12-01T08:00:00Z";
/// Appended to one catalogue row's English description.
const EDIT: &str = "<p>Revised for the plan test.</p>";

/// The embedded default with its catalogues copied into the test's folder, run once.
fn embedded_with_own_catalogues() -> TestDir {
    let t = TestDir::embedded();
    let catalogues = t.path("catalogues");
    std::fs::create_dir(&catalogues).unwrap();
    for entry in std::fs::read_dir(repo().join("data/catalogues")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, catalogues.join(path.file_name().unwrap())).unwrap();
    }
    let yaml = std::fs::read_to_string(t.config()).unwrap().replace(
        &repo().join("data/catalogues").display().to_string(),
        &catalogues.display().to_string(),
    );
    std::fs::write(t.config(), yaml).unwrap();
    t.rikastin(&["run", "--now", NOW]).expect(0);
    t
}

fn keys(t: &TestDir) -> Vec<String> {
    let list = t.rikastin(&["list"]).expect(0).stdout;
    list.lines()
        .map(|l| l.split_whitespace().next().unwrap().to_owned())
        .collect()
}

fn documents(t: &TestDir) -> Vec<(String, String)> {
    keys(t)
        .into_iter()
        .map(|k| {
            let xml = t.rikastin(&["show", &k]).expect(0).stdout;
            (k, xml)
        })
        .collect()
}

/// Finds, through `rikastin explain`, a CSV catalogue row that gave some learner's result its
/// description, and appends [`EDIT`] to that row's `description_en`. Returns the course code.
fn edit_one_catalogue_row(t: &TestDir) -> String {
    for key in keys(t) {
        let explained = t
            .rikastin(&["explain", &key, "--config", t.config().to_str().unwrap()])
            .expect(0)
            .stdout;
        // e.g. `.../catalogues/01901-helsinki.csv:7 (2012-08-01..)` on a description line.
        let Some(at) = explained
            .lines()
            .filter(|l| l.contains("description") && l.contains("catalogue"))
            .find_map(|l| {
                let csv = l.find(".csv:")?;
                let start = l[..csv].rfind([' ', '"'])? + 1;
                let line: usize = l[csv + 5..]
                    .split(|c: char| !c.is_ascii_digit())
                    .next()?
                    .parse()
                    .ok()?;
                Some((PathBuf::from(&l[start..csv + 4]), line))
            })
        else {
            continue;
        };
        let (file, line) = at;
        let file = t.path("catalogues").join(file.file_name().unwrap());
        let text = std::fs::read_to_string(&file).unwrap();
        let mut lines: Vec<String> = text.split('\n').map(str::to_owned).collect();
        let row = &mut lines[line - 1];
        // description_en is the 10th field; the fields before it do not span lines.
        let end = field_end(row, 9).expect("description_en on the row's first line");
        let code = row.split(',').nth(1).unwrap().to_owned();
        let insert_at = if row[..end].ends_with('"') {
            end - 1
        } else {
            end
        };
        row.insert_str(insert_at, EDIT);
        std::fs::write(&file, lines.join("\n")).unwrap();
        return code;
    }
    panic!("no learner's description came from a CSV catalogue");
}

/// The byte offset where field `index` (0-based) of a CSV line ends, honouring quotes.
fn field_end(line: &str, index: usize) -> Option<usize> {
    let (mut field, mut quoted) = (0, false);
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                if field == index {
                    return Some(i);
                }
                field += 1;
            }
            _ => {}
        }
    }
    None
}

#[test]
fn the_plan_for_one_edited_catalogue_entry_lists_exactly_the_affected_learners_and_fields() {
    let t = embedded_with_own_catalogues();
    let before = documents(&t);
    let code = edit_one_catalogue_row(&t);

    let json = t.path("plan.json");
    let plan = t.rikastin(&[
        "plan",
        "--now",
        LATER,
        "--config",
        t.config().to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ]);
    let plan = plan.expect(0);
    // Nothing was written: every stored document is as it was.
    assert_eq!(documents(&t), before, "the plan wrote to the cache");
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();

    // What the edit really reaches: the documents that carry it after a real run.
    t.rikastin(&["run", "--now", LATER]).expect(0);
    let reached: BTreeSet<String> = documents(&t)
        .into_iter()
        .filter(|(_, xml)| xml.contains("Revised for the plan test."))
        .map(|(k, _)| k)
        .collect();
    assert!(!reached.is_empty(), "the edit reached no document");

    let planned = report["plan"].as_array().unwrap();
    let listed: BTreeSet<String> = planned
        .iter()
        .map(|l| l["learner"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed, reached, "{:#}", report["plan"]);
    assert_eq!(report["updated"], reached.len());
    assert_eq!(report["created"], 0);
    assert_eq!(report["unchanged"], before.len() - reached.len());
    for learner in planned {
        assert_eq!(learner["outcome"], "updated");
        assert_eq!(
            (learner["added"].clone(), learner["removed"].clone()),
            (0.into(), 0.into())
        );
        let fields: BTreeSet<&str> = learner["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let place = c["place"].as_str().unwrap();
                assert!(place.contains(&format!(" {code} ")), "{c}");
                assert_eq!(c["kind"], "changed");
                assert!(c["after"].as_str().unwrap().contains("Revised for"), "{c}");
                c["field"].as_str().unwrap()
            })
            .collect();
        assert_eq!(
            fields,
            BTreeSet::from(["description[en]", "descriptionHtml[en]"]),
            "{learner:#}"
        );
    }
    // The printed plan names the same learners.
    for key in &reached {
        assert!(
            plan.stdout.contains(&format!("~ {key}  updated")),
            "{}",
            plan.stdout
        );
    }
    assert!(
        plan.stdout.contains("nothing was written"),
        "{}",
        plan.stdout
    );
}

#[test]
fn max_changes_stops_a_run_before_it_writes_unless_confirmed() {
    let t = embedded_with_own_catalogues();
    let before = documents(&t);
    edit_one_catalogue_row(&t);

    let stopped = t
        .rikastin(&["run", "--now", LATER, "--max-changes", "0"])
        .expect(5);
    assert!(
        stopped.stderr.contains("more than --max-changes 0"),
        "{}",
        stopped.stderr
    );
    assert!(stopped.stdout.contains("updated"), "{}", stopped.stdout);
    assert_eq!(documents(&t), before, "a stopped run wrote");

    // Within the limit, or confirmed, it runs.
    let within = t
        .rikastin(&["run", "--now", LATER, "--max-changes", "1000"])
        .expect(0)
        .stdout;
    assert!(!within.contains(" 0 updated"), "{within}");
    assert_ne!(documents(&t), before);
    t.rikastin(&[
        "run",
        "--now",
        LATER,
        "--max-changes",
        "0",
        "--confirm-changes",
    ])
    .expect(0);
}

#[test]
fn a_plan_with_no_changes_lists_nobody() {
    let t = embedded_with_own_catalogues();
    let out = t
        .rikastin(&["run", "--dry-run", "--now", LATER])
        .expect(0)
        .stdout;
    assert!(!out.contains("~ ") && !out.contains("+ "), "{out}");
    assert!(
        out.contains("plan: 0 snapshots would change (0 created, 0 updated), 27 unchanged"),
        "{out}"
    );
}
