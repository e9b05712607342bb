//! Enrichment through the binary: catalogues and DS texts joined by `rikastin run`, and the
//! commands around them (`explain`, `catalogue check`, `mappings test`, `report coverage`).

use rikastin_tests::{TestDir, have_xmllint, repo, shared, validate_elmo};

const NOW: &str = "2026-11-23T10:00:00Z";
/// Learner 0: University of Helsinki, LuK + FM, also in KOSKI.
const HELSINKI: &str = "fc1664abafeb38acf862e20c71b4b1d85f5de78c2432c7a3d5ab656462006aaa";

fn embedded_run() -> TestDir {
    let t = TestDir::embedded();
    t.rikastin(&["run", "--now", NOW]).expect(0);
    t
}

#[test]
fn every_enriched_document_is_xsd_valid_and_lint_clean() {
    let t = embedded_run();
    let keys: Vec<String> = t
        .rikastin(&["list"])
        .expect(0)
        .stdout
        .lines()
        .map(|l| l.split_whitespace().next().unwrap().to_owned())
        .collect();
    assert_eq!(keys.len(), 27);
    let mut files = Vec::new();
    let mut described = 0;
    for key in &keys {
        let xml = t.rikastin(&["show", key]).expect(0).stdout;
        described += xml.matches("<descriptionHtml").count();
        let path = t.path(&format!("{key}.xml"));
        std::fs::write(&path, &xml).unwrap();
        let lint = t.rikastin(&["lint", path.to_str().unwrap()]);
        assert!(lint.stdout.contains(", 0 errors"), "{}", lint.stdout);
        files.push(path);
    }
    assert!(described > 500, "only {described} descriptions were joined");
    if shared().is_some() && have_xmllint() {
        validate_elmo(&files).unwrap();
    } else {
        eprintln!("skipped XSD validation: ../shared or xmllint missing");
    }
}

#[test]
fn explain_names_the_catalogue_line_and_the_rule_of_each_field() {
    let t = embedded_run();
    // TestDir appends --config only for run/show/list; explain gets it here.
    let config = t.config();
    let run = |args: &[&str]| {
        let mut full: Vec<&str> = args.to_vec();
        full.extend(["--config", config.to_str().unwrap()]);
        t.rikastin(&full)
    };
    let out = run(&["explain", &HELSINKI[..8]]).expect(0).stdout;
    assert!(out.contains("catalogue.precedence.description"), "{out}");
    assert!(out.contains("01901-helsinki.csv:"), "{out}");
    assert!(out.contains("VIRTA Opintosuoritus (01901,"), "{out}");
    assert!(out.contains("diplomaSupplement 8"), "{out}");
    let one = run(&["explain", &HELSINKI[..8], "--los", "TKT10021"])
        .expect(0)
        .stdout;
    assert!(
        one.lines().filter(|l| l.starts_with('[')).count() >= 1,
        "{one}"
    );
    assert!(
        one.lines().filter(|l| l.starts_with('[')).count() < 5,
        "{one}"
    );
    let none = run(&["explain", &HELSINKI[..8], "--los", "NO-SUCH"]).expect(2);
    assert!(none.stderr.contains("NO-SUCH"), "{}", none.stderr);
}

#[test]
fn catalogue_check_counts_what_it_would_enrich_and_shows_one_course() {
    let t = embedded_run();
    let config = t.config();
    let file = repo().join("data/catalogues/01901-helsinki.csv");
    let out = t
        .rikastin(&[
            "catalogue",
            "check",
            file.to_str().unwrap(),
            "--institution",
            "01901",
            "--config",
            config.to_str().unwrap(),
        ])
        .expect(0)
        .stdout;
    assert!(out.contains(", 0 problems"), "{out}");
    let would = out
        .lines()
        .find_map(|l| l.strip_prefix("would enrich "))
        .unwrap_or_else(|| panic!("{out}"));
    let n: usize = would.split_whitespace().next().unwrap().parse().unwrap();
    assert!(n > 0, "{out}");
    assert!(out.contains("<learningOpportunitySpecification>"), "{out}");
    assert!(out.contains("<descriptionHtml"), "{out}");

    // A file with bad rows: each is named with its line, and the exit code says so.
    let bad = t.path("bad.csv");
    let header = std::fs::read_to_string(&file)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_owned();
    let columns = header.split(',').count();
    let row = |code: &str, from: &str, ects: &str| {
        let mut cells = vec![String::new(); columns];
        let names: Vec<&str> = header.split(',').collect();
        for (name, value) in [
            ("institution", "01901"),
            ("course_code", code),
            ("valid_from", from),
            ("title_en", "A course"),
            ("ects", ects),
        ] {
            cells[names.iter().position(|n| *n == name).unwrap()] = value.to_owned();
        }
        cells.join(",")
    };
    std::fs::write(
        &bad,
        format!(
            "{header}\n{}\n{}\n{}\n",
            row("OK1", "2020-08-01", "5"),
            row("BAD1", "2020-02-30", "5"),
            row("BAD2", "2020-08-01", "five")
        ),
    )
    .unwrap();
    let out = t
        .rikastin(&[
            "catalogue",
            "check",
            bad.to_str().unwrap(),
            "--institution",
            "01901",
            "--config",
            config.to_str().unwrap(),
        ])
        .expect(1)
        .stdout;
    assert!(out.contains("bad.csv:3: field valid_from"), "{out}");
    assert!(out.contains("bad.csv:4: field ects"), "{out}");
    assert!(out.contains("1 course versions read, 2 problems"), "{out}");
}

#[test]
fn the_mapping_cases_pass_and_a_changed_golden_fails_with_a_diff() {
    let t = TestDir::embedded();
    let config = t.config();
    let cases = repo().join("mappings/tests");
    let out = t
        .rikastin(&["mappings", "test", "--config", config.to_str().unwrap()])
        .expect(0)
        .stdout;
    assert!(out.contains("3 cases, 0 failed"), "{out}");

    // The same case against a golden file with one line changed.
    let dir = t.path("cases");
    std::fs::create_dir(&dir).unwrap();
    let case = std::fs::read_to_string(cases.join("turku-incomplete-ds.yaml"))
        .unwrap()
        .replace("../../data", &repo().join("data").display().to_string());
    std::fs::write(dir.join("turku.yaml"), case).unwrap();
    let golden = std::fs::read_to_string(cases.join("turku-incomplete-ds.xml")).unwrap();
    let changed = golden.replacen("<status>passed</status>", "<status>failed</status>", 1);
    assert_ne!(golden, changed);
    std::fs::write(dir.join("turku-incomplete-ds.xml"), changed).unwrap();
    let out = t
        .rikastin(&[
            "mappings",
            "test",
            "--cases",
            dir.to_str().unwrap(),
            "--config",
            config.to_str().unwrap(),
        ])
        .expect(1)
        .stdout;
    assert!(out.contains("FAIL"), "{out}");
    assert!(
        out.contains("- ") && out.contains("<status>failed</status>"),
        "{out}"
    );
    assert!(
        out.contains("+ ") && out.contains("<status>passed</status>"),
        "{out}"
    );
}

#[test]
fn a_typo_in_the_enrichment_rules_stops_the_run_with_file_line_and_column_before_any_read() {
    let mappings = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(repo().join("mappings")).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::copy(&path, mappings.path().join(path.file_name().unwrap())).unwrap();
        }
    }
    let rules = mappings.path().join("enrichment.yaml");
    let text = std::fs::read_to_string(&rules).unwrap().replace(
        "    description: [catalogue]",
        "    descriptoin: [catalogue]",
    );
    std::fs::write(&rules, text).unwrap();
    let t = TestDir::with(
        &repo().join("data/recorded/virta/OpiskelijanKaikkiTiedot"),
        mappings.path(),
    );
    let run = t.rikastin(&["run"]).expect(2);
    assert!(
        run.stderr.contains("enrichment.yaml:") && run.stderr.contains("descriptoin"),
        "{}",
        run.stderr
    );
    let located = run
        .stderr
        .split("enrichment.yaml:")
        .nth(1)
        .and_then(|rest| rest.split(':').next())
        .and_then(|line| line.parse::<u32>().ok());
    assert!(located.is_some_and(|l| l > 1), "{}", run.stderr);
    assert!(
        !t.path("cache/cache.sqlite").exists(),
        "the run opened the cache"
    );
}

#[test]
fn the_coverage_report_writes_a_page_and_json_from_the_cache() {
    let t = embedded_run();
    let out_dir = t.path("coverage");
    let config = t.config();
    t.rikastin(&[
        "report",
        "coverage",
        "--out",
        out_dir.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
    ])
    .expect(0);
    let html = std::fs::read_to_string(out_dir.join("coverage.html")).unwrap();
    assert!(
        html.contains("University of Helsinki"),
        "the page names institutions"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("coverage.json")).unwrap()).unwrap();
    assert!(json.is_object());
}

/// A wrong --institution makes every row wrong: said three times and then counted, not once a
/// row (209 lines, issue 19).
#[test]
fn catalogue_check_with_the_wrong_institution_says_so_once_and_counts_the_rest() {
    let t = rikastin_tests::TestDir::embedded();
    let file = rikastin_tests::repo().join("data/catalogues/01901-helsinki.csv");
    let run = t.rikastin(&[
        "catalogue",
        "check",
        file.to_str().unwrap(),
        "--institution",
        "02536",
        "--config",
        t.config().to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1);
    let lines = run
        .stdout
        .lines()
        .filter(|l| l.contains("field institution"))
        .count();
    assert_eq!(lines, 4, "{}", run.stdout);
    assert!(
        run.stdout.contains("more rows with field institution"),
        "{}",
        run.stdout
    );
}
