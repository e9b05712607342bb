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
