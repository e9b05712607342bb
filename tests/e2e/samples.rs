//! The real VIRTA samples in ../shared/samples/virta.

use rikastin_tests::shared;

use crate::checks::run_and_check;

#[test]
fn every_shared_sample_maps_to_valid_lint_clean_fully_accounted_elmo() {
    let Some(shared) = shared() else {
        eprintln!("skipped: ../shared/samples/virta is missing");
        return;
    };
    // Copied under neutral names: one sample is named by its identity code, and the recorded
    // transport refuses such names (DESIGN.md invariant 5).
    let dir = tempfile::tempdir().unwrap();
    let mut names: Vec<_> = std::fs::read_dir(shared.join("samples/virta"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    for (i, path) in names.iter().enumerate() {
        std::fs::copy(path, dir.path().join(format!("sample-{i}.xml"))).unwrap();
    }
    let dir = dir.path();
    // 1 (KOSKI mock) + 5 (CSC Virta) + 1 (CSC Opintosuoritukset: one opiskelijaAvain)
    // + 1 (fi-ncp Opintosuoritukset) learners.
    let (_, report) = run_and_check(dir, 8);
    assert_eq!(report["recordings"], 4);
}

#[test]
fn the_virta_name_pairs_give_real_names_and_account_for_every_attainment() {
    let Some(shared) = shared() else {
        eprintln!("skipped: ../shared/samples/virta-names is missing");
        return;
    };
    let from = shared.join("samples/virta-names");
    let dir = tempfile::tempdir().unwrap();
    let (all, names) = (dir.path().join("all"), dir.path().join("names"));
    std::fs::create_dir_all(&all).unwrap();
    std::fs::create_dir_all(&names).unwrap();
    let mut stems: Vec<String> = std::fs::read_dir(&from)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_suffix("-OpiskelijanTiedot.xml")
                .map(str::to_owned)
        })
        .collect();
    stems.sort();
    assert_eq!(stems.len(), 2);
    // Neutral names: the samples are named by identity code (DESIGN.md invariant 5).
    for (i, stem) in stems.iter().enumerate() {
        std::fs::copy(
            from.join(format!("{stem}.xml")),
            all.join(format!("sample-{i}.xml")),
        )
        .unwrap();
        std::fs::copy(
            from.join(format!("{stem}-OpiskelijanTiedot.xml")),
            names.join(format!("sample-{i}.xml")),
        )
        .unwrap();
    }
    let (t, report) = crate::checks::run_and_check_with(
        &all,
        2,
        &format!("    names_dir: {}\n", names.display()),
    );
    let mut given = Vec::new();
    for learner in report["learner_outcomes"].as_array().unwrap() {
        let shown = t
            .rikastin(&["show", learner["learner"].as_str().unwrap()])
            .expect(0);
        let doc = elmo::read(shown.stdout.as_bytes()).unwrap();
        assert!(
            !doc.learner.family_name.is_empty(),
            "{}",
            learner["recording"]
        );
        given.push(doc.learner.given_names);
    }
    given.sort();
    assert_eq!(given, ["Aava", "Korkeakoululainen"]);
}

/// Completions with an assessment (`arviointi`), at every level of a KOSKI document.
fn assessed(value: &serde_json::Value) -> usize {
    match value {
        serde_json::Value::Object(map) => {
            let here = usize::from(
                map.contains_key("koulutusmoduuli")
                    && map
                        .get("arviointi")
                        .is_some_and(|a| a.as_array().is_some_and(|a| !a.is_empty())),
            );
            here + map.values().map(assessed).sum::<usize>()
        }
        serde_json::Value::Array(items) => items.iter().map(assessed).sum(),
        _ => 0,
    }
}

fn lois(los: &elmo::Los) -> usize {
    1 + los.has_part.iter().map(lois).sum::<usize>()
}

#[test]
fn every_koski_sample_is_a_koski_only_learner_with_valid_lint_clean_elmo() {
    let Some(shared) = shared() else {
        eprintln!("skipped: ../shared/samples/koski is missing");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (virta, koski) = (dir.path().join("virta"), dir.path().join("koski"));
    std::fs::create_dir_all(&virta).unwrap();
    std::fs::create_dir_all(&koski).unwrap();
    let mut samples: Vec<std::path::PathBuf> = ["samples/koski", "samples/koski-more"]
        .iter()
        .flat_map(|d| {
            std::fs::read_dir(shared.join(d))
                .unwrap()
                .map(|e| e.unwrap().path())
        })
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    samples.sort();
    assert!(samples.len() >= 11);
    let mut expected = std::collections::BTreeMap::new();
    for (i, path) in samples.iter().enumerate() {
        // KOSKI recordings are named by learner key: any 64 hex digits will do here.
        let key = format!("{:064x}", i + 1);
        std::fs::copy(path, koski.join(format!("{key}.json"))).unwrap();
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        expected.insert(
            key,
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                assessed(&json),
            ),
        );
    }
    let koski_keys = format!("  koski:\n    recorded_dir: {}\n", koski.display());
    let (t, run, json) = crate::checks::run_with_config(&virta, &koski_keys);
    assert_eq!(
        json["failures"].as_array().unwrap().len(),
        0,
        "{}",
        run.stdout
    );
    let outcomes = json["learner_outcomes"].as_array().unwrap();
    assert_eq!(
        outcomes.len(),
        samples.len(),
        "every sample is a learner or no data"
    );
    let mut files = Vec::new();
    for o in outcomes {
        let key = o["learner"].as_str().unwrap().to_owned();
        let (name, assessed) = &expected[&key];
        let excluded = o["exclusions"].as_array().unwrap();
        assert!(
            excluded
                .iter()
                .all(|e| !e["reason"].as_str().unwrap().is_empty())
        );
        if o["outcome"] == "no-data" {
            assert!(!excluded.is_empty(), "{name}: no data must say why");
            continue;
        }
        let shown = t.rikastin(&["show", &key]).expect(0);
        let doc = elmo::read(shown.stdout.as_bytes()).unwrap();
        let written: usize = doc.reports.iter().flat_map(|r| &r.los).map(lois).sum();
        // Every assessed completion is a result, or is listed with why it was left out.
        assert!(
            written + excluded.len() >= *assessed,
            "{name}: {written} results + {} excluded < {assessed} assessed",
            excluded.len()
        );
        let file = t.path(&format!("{key}.xml"));
        std::fs::write(&file, &shown.stdout).unwrap();
        t.rikastin(&["lint", file.to_str().unwrap()]).expect(0);
        files.push(file);
    }
    if rikastin_tests::have_xmllint() {
        rikastin_tests::validate_elmo(&files)
            .unwrap_or_else(|e| panic!("XSD validation failed:\n{e}"));
    }
}
