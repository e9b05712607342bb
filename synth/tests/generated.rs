//! Tests of the generated files: determinism, schema validity, identity codes, the checked-in
//! embedded default and the cases it must cover.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use rikastin_sinks::LearnerSecret;
use rikastin_synth::{
    DEFAULT_LEARNERS, DEFAULT_SEED, Learner, Options, Quirk, Quirks, Scenario, generate,
    is_valid_henkilotunnus,
};

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared");
const RECORDED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../data/recorded/virta/OpiskelijanKaikkiTiedot"
);
const RECORDED_NAMES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../data/recorded/virta/OpiskelijanTiedot"
);
const SECRET_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/learner-key.secret");
const INSTITUTIONS_YAML: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../mappings/institutions.yaml");

fn test_secret() -> LearnerSecret {
    LearnerSecret::from_bytes(b"synth-test-secret-not-for-production".to_vec()).expect("secret")
}

type Files = BTreeMap<String, Vec<u8>>;

/// Generates into a fresh temp dir; returns file name -> bytes.
fn generate_set(learners: u64, seed: u64, secret: &LearnerSecret) -> Files {
    generate_sets(learners, seed, secret).0
}

/// Generates the OpiskelijanKaikkiTiedot and the OpiskelijanTiedot answers into a fresh temp
/// dir; returns both as file name -> bytes.
fn generate_sets(learners: u64, seed: u64, secret: &LearnerSecret) -> (Files, Files) {
    let dir = tempfile::tempdir().expect("tempdir");
    let options = Options {
        learners,
        seed,
        out_dir: dir.path().join("virta"),
        targets_csv: Some(dir.path().join("targets.csv")),
        names_out: Some(dir.path().join("names")),
        quirks: Quirks::NONE,
        quirk_percent: 0,
    };
    let summary = generate(&options, secret, |_| {}).expect("generate");
    assert_eq!(summary.learners, learners);
    // One targets row per learner, after the header.
    let csv = std::fs::read_to_string(dir.path().join("targets.csv")).expect("targets.csv");
    assert_eq!(csv.lines().next(), Some("henkilotunnus,oppijanumero"));
    assert_eq!(csv.lines().count() as u64, learners + 1);
    let names = read_dir(&dir.path().join("names"));
    assert_eq!(names.len() as u64, summary.names_files);
    (read_dir(&dir.path().join("virta")), names)
}

fn read_dir(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for e in std::fs::read_dir(dir).expect("read_dir") {
        let e = e.expect("entry");
        let name = e.file_name().to_string_lossy().into_owned();
        files.insert(name, std::fs::read(e.path()).expect("read"));
    }
    files
}

fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).expect("generated files are UTF-8")
}

/// The identity code of an answer, prefixed or (quirk no-namespace) not.
fn hetu_of(s: &str) -> &str {
    values(s, "Henkilotunnus")
        .first()
        .copied()
        .or_else(|| {
            let rest = &s[s.find("<Henkilotunnus>")? + "<Henkilotunnus>".len()..];
            Some(&rest[..rest.find('<')?])
        })
        .expect("an identity code")
}

/// The text of every `<virta:NAME>..</virta:NAME>` in `s`.
fn values<'a>(s: &'a str, name: &str) -> Vec<&'a str> {
    let open = format!("<virta:{name}>");
    let close = format!("</virta:{name}>");
    s.match_indices(&open)
        .filter_map(|(i, _)| {
            let rest = &s[i + open.len()..];
            rest.find(&close).map(|j| &rest[..j])
        })
        .collect()
}

#[test]
fn same_seed_gives_the_same_bytes_and_another_seed_does_not() {
    let secret = test_secret();
    let a = generate_set(30, 7, &secret);
    let b = generate_set(30, 7, &secret);
    assert_eq!(a, b, "same seed and count must give byte-identical files");
    let c = generate_set(30, 8, &secret);
    assert_ne!(
        a.keys().collect::<Vec<_>>(),
        c.keys().collect::<Vec<_>>(),
        "another seed, other people"
    );
    assert_ne!(
        a.values().collect::<Vec<_>>(),
        c.values().collect::<Vec<_>>()
    );
    // A learner does not depend on how many others are generated (streaming, sharding).
    let mut first = Vec::new();
    Learner::generate(7, 29)
        .expect("learner")
        .write_response(&mut first)
        .expect("write");
    assert!(a.values().any(|v| *v == first));
}

#[test]
fn identity_codes_are_valid_unique_and_accepted_by_virta() {
    let mut seen = BTreeSet::new();
    for index in 0..3000 {
        let l = Learner::generate(DEFAULT_SEED, index).expect("learner");
        let h = l.henkilotunnus().as_str().to_owned();
        assert!(
            is_valid_henkilotunnus(&h),
            "learner {index}: invalid identity code"
        );
        let individual: u16 = h[7..10].parse().expect("digits");
        assert!(
            (2..=899).contains(&individual),
            "learner {index}: 9xx codes are rejected by VIRTA"
        );
        assert!(
            !format!("{l:?}").contains(&h),
            "learner {index}: Debug shows the identity code"
        );
        assert!(seen.insert(h), "learner {index}: identity code repeats");
    }
}

#[test]
fn every_virta_element_validates_against_the_xsd() {
    let xsd = PathBuf::from(SHARED).join("specs/virta/Virta.xsd");
    if !xsd.exists() {
        eprintln!(
            "skipped: {} is missing, so no XSD validation",
            xsd.display()
        );
        return;
    }
    if Command::new("xmllint").arg("--version").output().is_err() {
        eprintln!(
            "skipped: xmllint is not installed (Debian: libxml2-utils), so no XSD validation"
        );
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let mut paths = Vec::new();
    let mut element = |name: String, s: &str, root: &str| {
        let start = s.find(&format!("<virta:{root}")).expect("the root");
        let close = format!("</virta:{root}>");
        let end = s.find(&close).expect("its end") + close.len();
        // The element carries its own xmlns:virta declaration, so it stands alone.
        let path = dir.path().join(name);
        std::fs::write(&path, &s[start..end]).expect("write");
        paths.push(path);
    };
    for index in 0..60 {
        let l = Learner::generate(DEFAULT_SEED, index).expect("learner");
        // The quirks of the fixed scenarios break the schema on purpose (like real data).
        if l.scenario().is_some_and(|s| !s.quirks().is_empty()) {
            continue;
        }
        let mut buf = Vec::new();
        l.write_response(&mut buf).expect("write");
        element(format!("{index}.xml"), text(&buf), "Virta");
        for code in l.names_institutions() {
            let mut buf = Vec::new();
            l.write_names(code, &mut buf).expect("write");
            element(format!("{index}.{code}.xml"), text(&buf), "Opiskelijat");
        }
    }
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&xsd)
        .args(&paths)
        .output()
        .expect("xmllint");
    assert!(
        out.status.success(),
        "xmllint: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn no_identity_code_in_any_file_name_or_stdout() {
    let dir = tempfile::tempdir().expect("tempdir");
    let secret_path = dir.path().join("secret");
    std::fs::write(&secret_path, "synth-cli-test-secret-0123456789\n").expect("secret");
    let out_dir = dir.path().join("out");
    let out = Command::new(env!("CARGO_BIN_EXE_rikastin-synth"))
        .args(["--learners", "14", "--seed", "5", "--out"])
        .arg(&out_dir)
        .arg("--secret-file")
        .arg(&secret_path)
        .output()
        .expect("run rikastin-synth");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(stdout.contains("wrote 14 learner files"), "{stdout}");
    let files = read_dir(&out_dir);
    assert_eq!(files.len(), 14);
    for (name, bytes) in &files {
        let hetu = hetu_of(text(bytes));
        assert!(!name.contains(hetu), "identity code in a file name");
        assert!(!stdout.contains(hetu), "identity code on stdout/stderr");
        let stem = name.strip_suffix(".xml").expect(".xml");
        assert!(
            stem.len() == 64 && stem.bytes().all(|b| b.is_ascii_hexdigit()),
            "{name} is not a learner key"
        );
    }
}

#[test]
fn checked_in_default_is_exactly_what_the_generator_makes() {
    let recorded = Path::new(RECORDED);
    let secret = LearnerSecret::from_file(Path::new(SECRET_FILE)).expect("data/learner-key.secret");
    let (virta, names) = generate_sets(DEFAULT_LEARNERS, DEFAULT_SEED, &secret);
    let regenerate = "regenerate with: make data";
    for (expected, folder) in [(virta, recorded), (names, Path::new(RECORDED_NAMES))] {
        let actual = read_dir(folder);
        assert_eq!(
            actual.keys().collect::<Vec<_>>(),
            expected.keys().collect::<Vec<_>>(),
            "the files in {} differ from the generator's; {regenerate}",
            folder.display()
        );
        for (name, bytes) in &expected {
            assert!(
                actual[name] == *bytes,
                "{name} was edited by hand or the generator changed; {regenerate}"
            );
        }
    }
}

/// Credits of each attainment and the sum of its Sisaltyvyys credits.
fn credit_sums(s: &str) -> Vec<(f64, Option<f64>)> {
    let mut out = Vec::new();
    for block in s.split("<virta:Opintosuoritus ").skip(1) {
        let block = &block[..block.find("</virta:Opintosuoritus>").unwrap_or(block.len())];
        let head = &block[..block.find("<virta:Sisaltyvyys ").unwrap_or(block.len())];
        // Quirks no-laajuus and opintoviikko-only: no Opintopiste of its own.
        let Some(own) = values(head, "Opintopiste")
            .first()
            .map(|v| v.parse::<f64>())
        else {
            continue;
        };
        let own = own.expect("decimal");
        let parts: Vec<f64> = block
            .split("<virta:Sisaltyvyys ")
            .skip(1)
            .map(|p| values(p, "Opintopiste")[0].parse().expect("decimal"))
            .collect();
        out.push((own, (!parts.is_empty()).then(|| parts.iter().sum())));
    }
    out
}

#[test]
fn credits_of_parents_equal_their_parts() {
    for index in 0..200 {
        let mut buf = Vec::new();
        Learner::generate(11, index)
            .expect("learner")
            .write_response(&mut buf)
            .expect("write");
        for (own, parts) in credit_sums(text(&buf)) {
            if let Some(sum) = parts {
                assert!(
                    (own - sum).abs() < 1e-9,
                    "learner {index}: {own} op but parts sum to {sum}"
                );
            }
        }
    }
}

#[test]
fn bulk_graduates_have_realistic_numbers_of_results() {
    let mut graduates = 0;
    for index in 12..400 {
        let l = Learner::generate(3, index).expect("learner");
        let mut buf = Vec::new();
        l.write_response(&mut buf).expect("write");
        let s = text(&buf);
        assert!((1..=3).contains(&l.myontajat().len()));
        if s.contains("<virta:Laji>1</virta:Laji>") {
            graduates += 1;
            assert!(
                (20..=200).contains(&l.attainments()),
                "learner {index}: {} results",
                l.attainments()
            );
        }
    }
    assert!(
        graduates > 100,
        "only {graduates} graduates in 388 bulk learners"
    );
}

#[test]
fn embedded_default_covers_every_listed_case() {
    let mut by_scenario: BTreeMap<u64, String> = BTreeMap::new();
    let mut all = String::new();
    for index in 0..DEFAULT_LEARNERS {
        let mut buf = Vec::new();
        Learner::generate(DEFAULT_SEED, index)
            .expect("learner")
            .write_response(&mut buf)
            .expect("write");
        let s = String::from_utf8(buf).expect("utf-8");
        all.push_str(&s);
        by_scenario.insert(index, s);
    }
    let has = |needle: &str| assert!(all.contains(needle), "no {needle} in the embedded default");
    for grade in ["1", "2", "3", "4", "5", "HYV"] {
        has(&format!(
            "<virta:Viisiportainen>{grade}</virta:Viisiportainen>"
        ));
    }
    for grade in ["TT", "HT"] {
        has(&format!(
            "<virta:ToinenKotimainen>{grade}</virta:ToinenKotimainen>"
        ));
    }
    has("<virta:Hyvaksytty>HYV</virta:Hyvaksytty>");
    for grade in ["HYV", "KH"] {
        has(&format!("<virta:Naytetyo>{grade}</virta:Naytetyo>"));
    }
    for grade in ["I", "A", "B", "C", "M", "E", "L"] {
        has(&format!("<virta:Tutkielma>{grade}</virta:Tutkielma>"));
    }
    has("<virta:EiKaytossa>Arvosana ei kaytossa</virta:EiKaytossa>");
    // Muu in the three styles of virta.md §3.4, and a failed Muu grade.
    has("<virta:Nimi>HYL-HYV</virta:Nimi>");
    has("<virta:Koodi>HYL</virta:Koodi>");
    has("<virta:Asteikko avain=\"11\"/>");
    has("<virta:Asteikko avain=\"sis-maisteri-maine\">");
    has("<virta:HyvaksilukuPvm>");
    has("<virta:Rooli>3</virta:Rooli>\n");
    has("<virta:Koodi>UK</virta:Koodi>");
    has("<virta:Koodi>02504</virta:Koodi>");
    has("<virta:JulkinenLisatieto kieli=\"fi\">");
    for laji in ["1", "2", "3", "4"] {
        has(&format!("<virta:Laji>{laji}</virta:Laji>"));
    }
    has("<virta:Tyyppi>13</virta:Tyyppi>");
    has("<virta:Luokittelu>1</virta:Luokittelu>");
    has("<virta:Opinnaytetyo>true</virta:Opinnaytetyo>");
    has("<virta:Opinnaytetyo>1</virta:Opinnaytetyo>");
    has(".000000</virta:Opintopiste>");
    has("<virta:Nimi>");
    has("<virta:Koulutusala>\n");
    has("<virta:Sisaltyvyys ");
    has("<virta:KansallinenOppijanumero>1.2.246.562.24.");
    has("<virta:Liikkuvuusjakso ");

    let scenario = |s: Scenario| &by_scenario[&s.index()];
    let uni = scenario(Scenario::UniversityBachelorMaster);
    assert!(
        uni.contains("<virta:Tyyppi>2</virta:Tyyppi>")
            && uni.contains("<virta:Tyyppi>4</virta:Tyyppi>")
    );
    assert_eq!(
        uni.matches("<virta:Laji>1</virta:Laji>").count(),
        2,
        "bachelor and master degrees"
    );
    let uas = scenario(Scenario::UasDegree);
    assert!(
        uas.contains("<virta:Tyyppi>1</virta:Tyyppi>")
            && uas.contains("<virta:Laji>1</virta:Laji>")
    );
    let open = scenario(Scenario::OpenUniversity);
    assert!(
        open.contains("<virta:Tyyppi>13</virta:Tyyppi>")
            && !open.contains("<virta:Laji>1</virta:Laji>")
    );
    let progress = scenario(Scenario::DegreeInProgress);
    assert!(
        !progress.contains("<virta:Laji>1</virta:Laji>"),
        "in progress: no degree yet"
    );
    assert!(progress.contains("<virta:Koodi>1</virta:Koodi>\n              </virta:Tila>"));
    let two = scenario(Scenario::TwoInstitutions);
    // Lahti, LAB's copy of Lahti's records (quirk merged-copy), Aalto.
    assert_eq!(two.matches("<virta:Opiskelija ").count(), 3);
    assert!(two.contains("<virta:Myontaja>02470</virta:Myontaja>"));
    let none = scenario(Scenario::StudyRightOnly);
    assert!(none.contains("<virta:Opiskeluoikeus ") && !none.contains("Opintosuoritukset"));
    let quiet = scenario(Scenario::NursingNaytetyo);
    assert!(!quiet.contains("<virta:Sukunimi>") && !quiet.contains("<virta:Kansalaisuus>"));
    let letter = hetu_of(scenario(Scenario::NewCenturyLetter));
    assert!(
        "BCDEF".contains(&letter[6..7]),
        "a 2023-style century letter"
    );

    let institutions: BTreeSet<&str> = values(&all, "Myontaja").into_iter().collect();
    assert!(institutions.len() >= 4, "{institutions:?}");

    // VIRTA's OpiskelijanKaikkiTiedot carries no names (virta.md §2.7).
    for name in [
        "Sukunimi",
        "Etunimet",
        "Sukupuoli",
        "Kansalaisuus",
        "Aidinkieli",
    ] {
        assert!(!all.contains(&format!("{name}>")), "{name} in an answer");
    }
    // Every quirk, in the scenario that shows it.
    let shows = |s: Scenario, q: Quirk, needle: &str| {
        assert!(s.quirks().contains(q), "{s:?} does not switch on {q:?}");
        assert!(
            scenario(s).contains(needle),
            "{s:?} shows no {q:?}: {needle}"
        );
    };
    let uas = Scenario::UasDegree;
    // A module with its parts, mapped (Laji 2), has no extent.
    let module = scenario(uas)
        .split("<virta:Opintosuoritus ")
        .map(|b| &b[..b.find("</virta:Opintosuoritus>").unwrap_or(b.len())])
        .find(|b| b.contains("<virta:Laji>2</virta:Laji>") && b.contains("<virta:Sisaltyvyys"))
        .expect("a module");
    assert!(!module.contains("<virta:Laajuus>"), "{module}");
    shows(uas, Quirk::NoLaajuus, "<virta:Sisaltyvyys");
    shows(
        Scenario::FailedAndMuu,
        Quirk::OpintoviikkoOnly,
        "<virta:Laajuus>\n                <virta:Opintoviikko>3.000000</virta:Opintoviikko>",
    );
    shows(
        Scenario::FailedAndMuu,
        Quirk::EmptyMuuScale,
        "<virta:Nimi>Hyväksytty</virta:Nimi>",
    );
    shows(
        Scenario::FailedAndMuu,
        Quirk::EmptyMuuScale,
        "<virta:Asteikko avain=\"11\"/>\n                  <virta:Koodi>10979859</virta:Koodi>",
    );
    shows(
        Scenario::NursingNaytetyo,
        Quirk::NoAlkuPvm,
        "opiskelijaAvain=\"H",
    );
    assert!(scenario(Scenario::NursingNaytetyo).contains(">\n              <virta:LoppuPvm>"));
    shows(
        Scenario::NewCenturyLetter,
        Quirk::NoNamespace,
        "\n<Virta>\n  <Opiskelija ",
    );
    assert!(!scenario(Scenario::NewCenturyLetter).contains("virta:"));
    assert_eq!(
        by_scenario
            .values()
            .filter(|s| s.contains("<Virta>"))
            .count(),
        1,
        "no-namespace is a whole file's property: one file"
    );
    shows(
        Scenario::PublicHealthNurse,
        Quirk::DuplicateNimi,
        " (vanha nimi)</virta:Nimi>",
    );
    let degree = scenario(Scenario::PublicHealthNurse)
        .split("<virta:Opintosuoritus ")
        .find(|b| b.contains("<virta:Laji>1</virta:Laji>"))
        .expect("a degree");
    assert!(
        Scenario::PublicHealthNurse
            .quirks()
            .contains(Quirk::UnlinkedDegree)
    );
    assert!(!degree[..degree.find("</virta:Opintosuoritus>").unwrap()].contains("Sisaltyvyys"));
    let two = Scenario::TwoInstitutions;
    shows(
        two,
        Quirk::MergedCopy,
        "<virta:Myontaja>10126</virta:Myontaja>",
    );
    let text = scenario(two);
    let lahti = text
        .matches("<virta:Myontaja>02470</virta:Myontaja>")
        .count();
    let lab = text
        .matches("<virta:Myontaja>10126</virta:Myontaja>")
        .count();
    assert!(
        lab > 0 && lab < lahti,
        "{lab} of {lahti} Lahti records copied"
    );
    let oids: BTreeSet<&str> = values(text, "KansallinenOppijanumero")
        .into_iter()
        .collect();
    assert!(two.quirks().contains(Quirk::TwoOids));
    assert_eq!(oids.len(), 2, "two learner numbers: {oids:?}");
    assert!(scenario(Scenario::Recognised).contains("<virta:Rooli>3</virta:Rooli>"));
}

#[test]
fn names_come_from_opiskelijan_tiedot_per_institution() {
    let secret = test_secret();
    let (virta, names) = generate_sets(DEFAULT_LEARNERS, DEFAULT_SEED, &secret);
    for index in 0..DEFAULT_LEARNERS {
        let l = Learner::generate(DEFAULT_SEED, index).expect("learner");
        let key = l.key(&secret);
        let answer = text(&virta[&format!("{}.xml", key.as_str())]);
        let codes = l.names_institutions();
        for code in &codes {
            let file = format!("{}.{code}.xml", key.as_str());
            let n = text(names.get(&file).unwrap_or_else(|| panic!("no {file}")));
            assert!(n.contains("<virta:Opiskelijat xmlns:virta="), "{file}");
            assert_eq!(hetu_of(n), hetu_of(answer), "{file}: another person");
            // The institution's own student key, as in its OpiskelijanKaikkiTiedot part.
            let avain = &n[n.find("<virta:Opiskelija avain=\"").unwrap() + 25..];
            let avain = &avain[..avain.find('"').unwrap()];
            assert!(
                answer.contains(&format!("Opiskelija avain=\"{avain}\"")),
                "{file}"
            );
            // Every fixed scenario's person has names, as VIRTA knows them.
            if l.scenario().is_some() {
                assert!(n.contains("<virta:Sukunimi>"), "{file}");
            }
        }
        let mine = names.keys().filter(|f| f.starts_with(key.as_str())).count();
        assert_eq!(
            mine,
            codes.len(),
            "learner {index}: one answer per institution"
        );
    }
    assert!(
        names.keys().any(|f| f.ends_with(".10126.xml")),
        "LAB's answer"
    );
}

#[test]
fn quirks_are_off_for_random_learners_unless_asked() {
    let all = Quirks::of(&Quirk::ALL);
    let mut changed = 0;
    for index in 12..80 {
        let plain = Learner::generate(9, index).expect("learner");
        let asked = Learner::generate_with(9, index, all, 100).expect("learner");
        let secret = test_secret();
        assert_eq!(plain.key(&secret), asked.key(&secret), "same person");
        let (mut a, mut b) = (Vec::new(), Vec::new());
        plain.write_response(&mut a).expect("write");
        asked.write_response(&mut b).expect("write");
        assert!(!text(&a).contains("<Virta>"));
        changed += usize::from(a != b);
        let none = Learner::generate_with(9, index, all, 0).expect("learner");
        let mut c = Vec::new();
        none.write_response(&mut c).expect("write");
        assert_eq!(a, c, "learner {index}: quirks at 0 percent changed it");
    }
    assert_eq!(
        changed, 68,
        "every random learner shows the quirks at 100 percent"
    );
}

/// Every Myontaja and Organisaatio code, generated or in the shared samples, has an entry in
/// mappings/institutions.yaml.
#[test]
fn institutions_table_knows_every_code_in_use() {
    let yaml = std::fs::read_to_string(INSTITUTIONS_YAML).expect("mappings/institutions.yaml");
    let known: BTreeSet<String> = yaml
        .lines()
        .filter_map(|l| {
            l.strip_prefix("  \"")?
                .strip_suffix("\":")
                .map(str::to_owned)
        })
        .collect();
    assert!(known.len() >= 38, "{} institutions", known.len());
    let mut texts = Vec::new();
    for index in 0..300 {
        let mut buf = Vec::new();
        Learner::generate(DEFAULT_SEED, index)
            .expect("learner")
            .write_response(&mut buf)
            .expect("write");
        texts.push(String::from_utf8(buf).expect("utf-8"));
    }
    let samples = PathBuf::from(SHARED).join("samples/virta");
    match std::fs::read_dir(&samples) {
        Ok(entries) => {
            for e in entries.flatten() {
                texts.push(
                    std::fs::read_to_string(e.path())
                        .expect("sample")
                        .replace("<Myontaja>", "<virta:Myontaja>"),
                );
            }
        }
        Err(_) => eprintln!(
            "skipped: {} is missing, checked generated codes only",
            samples.display()
        ),
    }
    for t in &texts {
        let organisations = t
            .split("<virta:Organisaatio>")
            .skip(1)
            .flat_map(|o| values(o, "Koodi").into_iter().take(1));
        for code in values(t, "Myontaja").into_iter().chain(organisations) {
            let is_institution = code.len() == 5 && code.bytes().all(|b| b.is_ascii_digit());
            assert!(
                !is_institution || known.contains(code),
                "{code} is not in mappings/institutions.yaml"
            );
        }
    }
    for s in rikastin_synth::INSTITUTIONS {
        assert!(
            known.contains(s.code),
            "{} is not in mappings/institutions.yaml",
            s.code
        );
    }
}
