//! KOSKI mapping tests: the shared samples and the demo recordings end to end (map, write,
//! lint, XSD), then each rule on small records written inline, then the checks on koski.yaml.

use std::path::{Path, PathBuf};

use elmo::{Elmo, Los, LosType, Severity, Status};
use rikastin_sources::koski::{self, Oppija};

use super::*;
use crate::yaml::YamlFile;

// ---- helpers -------------------------------------------------------------------------------

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn mappings() -> Mappings {
    Mappings::load(&repo().join("mappings")).unwrap()
}

fn now() -> DateTime {
    "2026-11-23T10:00:00Z".parse().unwrap()
}

/// `../shared` beside the repository, or None (tests then say what they skipped).
fn shared() -> Option<PathBuf> {
    let p = repo().join("../shared");
    if p.join("samples/koski").is_dir() {
        Some(p)
    } else {
        eprintln!("skipped: ../shared is missing");
        None
    }
}

fn document(mapped: &MappedKoski) -> Elmo {
    let mut doc = Elmo::new(now(), mapped.learner.clone());
    doc.reports = mapped.reports.clone();
    doc
}

/// Writes the document, lints it (no errors; W-PDF-MISSING and other warnings are allowed)
/// and, when xmllint is there, validates it against the ELMO 1.7 XSD. Returns the XML.
fn check_document(mapped: &MappedKoski, name: &str) -> String {
    let doc = document(mapped);
    let errors: Vec<_> = elmo::lint(&doc)
        .into_iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    assert!(errors.is_empty(), "{name}: lint errors {errors:#?}");
    let xml = elmo::write(&doc);
    validate_with_xsd(&xml, name);
    String::from_utf8(xml).unwrap()
}

fn validate_with_xsd(xml: &[u8], name: &str) {
    let Some(shared) = shared() else { return };
    let xmllint = std::process::Command::new("xmllint")
        .arg("--version")
        .output();
    if xmllint.is_err() {
        eprintln!("skipped XSD validation of {name}: xmllint not found");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("doc.xml");
    std::fs::write(&file, xml).unwrap();
    let out = std::process::Command::new(shared.join("tools/validate-elmo"))
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{name} is not XSD-valid:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn parse_inline(json: &str) -> Oppija {
    koski::parse(json.as_bytes(), "inline.json").unwrap()
}

fn map(json: &str) -> MappedKoski {
    map_oppija(&parse_inline(json), &mappings(), true, &now()).unwrap()
}

fn find<'a>(los: &'a [Los], code: &str) -> &'a Los {
    fn walk<'a>(los: &'a [Los], code: &str) -> Option<&'a Los> {
        los.iter().find_map(|l| {
            if l.identifiers.iter().any(|i| i.value == code) {
                Some(l)
            } else {
                walk(&l.has_part, code)
            }
        })
    }
    walk(los, code).unwrap_or_else(|| panic!("no result with code {code}"))
}

fn schemes(los: &Los) -> Vec<(String, String)> {
    los.specifies
        .instance
        .credits
        .iter()
        .map(|c| {
            (
                c.scheme.clone(),
                c.value
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
            )
        })
        .collect()
}

const HETU: &str = "150580-234W";
const STADI: &str = "1.2.246.562.10.52251087186";

/// A learner with study rights written inline (each a JSON object).
fn learner(rights: &[String]) -> String {
    format!(
        r#"{{"henkilö": {{"oid": "1.2.246.562.24.10000000001", "hetu": "{HETU}", "etunimet": "Maija", "sukunimi": "Meikäläinen"}},
"opiskeluoikeudet": [{}]}}"#,
        rights.join(",")
    )
}

fn right(tyyppi: &str, oppilaitos: &str, suoritukset: &[String]) -> String {
    format!(
        r#"{{"oid": "1.2.246.562.15.{:011}", "oppilaitos": {{"oid": "{oppilaitos}", "oppilaitosnumero": {{"koodiarvo": "01901", "koodistoUri": "oppilaitosnumero"}}}},
"tila": {{"opiskeluoikeusjaksot": [{{"alku": "2019-08-01", "tila": {{"koodiarvo": "lasna", "koodistoUri": "koskiopiskeluoikeudentila"}}}}]}},
"alkamispäivä": "2019-08-01",
"tyyppi": {{"koodiarvo": "{tyyppi}", "koodistoUri": "opiskeluoikeudentyyppi"}},
"suoritukset": [{}]}}"#,
        suoritukset.len(),
        suoritukset.join(",")
    )
}

/// A completion: tyyppi, code (local when `uri` is empty), laajuus (value, unit), grade
/// (code, scale, hyväksytty), vahvistus date, parts.
struct S<'a> {
    tyyppi: &'a str,
    code: &'a str,
    uri: &'a str,
    laajuus: Option<(f64, &'a str)>,
    grade: Option<(&'a str, &'a str, Option<bool>)>,
    vahvistus: Option<&'a str>,
    parts: Vec<String>,
}

fn s<'a>(tyyppi: &'a str, code: &'a str) -> S<'a> {
    S {
        tyyppi,
        code,
        uri: "tutkinnonosat",
        laajuus: None,
        grade: None,
        vahvistus: None,
        parts: Vec::new(),
    }
}

impl S<'_> {
    fn json(&self) -> String {
        let uri = if self.uri.is_empty() {
            String::new()
        } else {
            format!(r#", "koodistoUri": "{}""#, self.uri)
        };
        let laajuus = self.laajuus.map_or(String::new(), |(arvo, unit)| {
            format!(r#", "laajuus": {{"arvo": {arvo:?}, "yksikkö": {{"koodiarvo": "{unit}", "koodistoUri": "opintojenlaajuusyksikko"}}}}"#)
        });
        let grade = self.grade.map_or(String::new(), |(g, scale, ok)| {
            let ok = ok.map_or(String::new(), |b| format!(r#", "hyväksytty": {b}"#));
            format!(r#", "arviointi": [{{"arvosana": {{"koodiarvo": "{g}", "koodistoUri": "{scale}"}}, "päivä": "2020-05-29"{ok}}}]"#)
        });
        let vahvistus = self.vahvistus.map_or(String::new(), |d| {
            format!(
                r#", "vahvistus": {{"päivä": "{d}", "myöntäjäOrganisaatio": {{"oid": "{STADI}"}}}}"#
            )
        });
        format!(
            r#"{{"tyyppi": {{"koodiarvo": "{}", "koodistoUri": "suorituksentyyppi"}},
"koulutusmoduuli": {{"tunniste": {{"koodiarvo": "{}"{uri}}}{laajuus}}}{grade}{vahvistus},
"osasuoritukset": [{}]}}"#,
            self.tyyppi,
            self.code,
            self.parts.join(",")
        )
    }
}

// ---- the shared samples and the demo recordings ---------------------------------------------

#[test]
fn vocational_sample_maps_to_valid_lint_clean_elmo() {
    let Some(shared) = shared() else { return };
    let name = "ammatillinen-perustutkinto_2024-08-13.json";
    let bytes = std::fs::read(shared.join("samples/koski").join(name)).unwrap();
    let oppija = koski::parse(&bytes, name).unwrap();
    let mapped = map_oppija(&oppija, &mappings(), true, &now()).unwrap();
    let xml = check_document(&mapped, name);

    assert!(mapped.exclusions.is_empty(), "{:?}", mapped.exclusions);
    assert_eq!(mapped.reports.len(), 1);
    let report = &mapped.reports[0];
    assert!(
        report
            .issuer
            .identifiers
            .contains(&Identifier::new("schac", "stadinao.fi"))
    );
    assert!(
        report
            .issuer
            .identifiers
            .contains(&Identifier::new("opintopolku-oid", STADI))
    );
    // 1 qualification, 12 units, 12 parts below them.
    assert_eq!(mapped.results, 25);
    let degree = &report.los[0];
    assert_eq!(degree.los_type, Some(LosType::DegreeProgramme));
    assert_eq!(degree.specifies.instance.status, Some(Status::Passed));
    assert_eq!(
        degree.specifies.instance.date.unwrap().to_string(),
        "2016-08-31"
    );
    // A unit is dated by its own assessment, not by the vahvistus KOSKI copies onto it.
    let unit = find(&report.los, "100432");
    assert_eq!(
        unit.specifies.instance.date.unwrap().to_string(),
        "2014-10-20"
    );
    assert_eq!(
        degree.specifies.instance.levels[0].value.as_deref(),
        Some("4")
    );
    assert_eq!(
        degree.specifies.instance.language_of_instruction.as_deref(),
        Some("fi")
    );
    // Osaamispiste is a credit of its own, on the units and not on their parts; no ECTS at all.
    let unit = find(&degree.has_part, "101053");
    assert_eq!(unit.los_type, Some(LosType::Module));
    assert_eq!(
        schemes(unit),
        [("fi-osaamispiste".to_owned(), "11".to_owned())]
    );
    assert!(
        unit.has_part
            .iter()
            .all(|p| p.specifies.instance.credits.is_empty())
    );
    assert!(!xml.contains("<scheme>ects</scheme>"));
    let course = find(&degree.has_part, "100431");
    assert_eq!(course.los_type, Some(LosType::Course));
    assert_eq!(course.specifies.instance.result_label.as_deref(), Some("3"));
    assert_eq!(
        course.specifies.instance.grading_scheme_local_id.as_deref(),
        Some("koski-ammatillinen-1-3")
    );
    assert!(
        report
            .grading_schemes
            .iter()
            .any(|g| g.local_id == "koski-ammatillinen-hyvaksytty")
    );
    // A local unit: `paikallinen` code, and `local` because it is unique in the report.
    let local = find(&degree.has_part, "enkku3");
    assert_eq!(local.identifiers[0], Identifier::new("local", "enkku3"));
    assert_eq!(
        local.identifiers[1],
        Identifier::new("paikallinen", "enkku3")
    );
    // The sample has no syntymäaika: the birth date comes from the identity code's date part.
    assert_eq!(mapped.learner.bday.unwrap().to_string(), "1918-06-28");
    assert!(!xml.contains("280618-402H"));
}

#[test]
fn upper_secondary_sample_maps_to_valid_lint_clean_elmo() {
    let Some(shared) = shared() else { return };
    let name = "lukioops2019-oppimaara_2025-10-08.json";
    let bytes = std::fs::read(shared.join("samples/koski").join(name)).unwrap();
    let oppija = koski::parse(&bytes, name).unwrap();
    let mapped = map_oppija(&oppija, &mappings(), true, &now()).unwrap();
    let xml = check_document(&mapped, name);

    let report = &mapped.reports[0];
    assert!(
        report
            .issuer
            .identifiers
            .contains(&Identifier::new("schac", "norssi.jyu.fi"))
    );
    let oppimaara = &report.los[0];
    assert_eq!(oppimaara.los_type, Some(LosType::DegreeProgramme));
    // The code comes without a name: code_names gives it, English first.
    assert_eq!(
        oppimaara.titles[0],
        Text::lang("en", "General upper secondary education syllabus")
    );
    // Subjects are modules; their modules (opintojaksot) are courses with ECTS, once per path.
    let ma = find(&oppimaara.has_part, "MA");
    assert_eq!(ma.los_type, Some(LosType::Module));
    assert!(ma.specifies.instance.credits.is_empty());
    let may1 = find(&ma.has_part, "MAY1");
    assert_eq!(may1.los_type, Some(LosType::Course));
    assert_eq!(schemes(may1), [("ects".to_owned(), "2".to_owned())]);
    // A subject graded without a date takes the latest of its modules'.
    assert_eq!(
        ma.specifies.instance.date.unwrap().to_string(),
        "2021-09-04"
    );
    // KT 4 and OP H are failed grades.
    let kt = find(&oppimaara.has_part, "KT");
    assert_eq!(kt.specifies.instance.status, Some(Status::Failed));
    // A language subject names its language.
    let ai = find(&oppimaara.has_part, "AI");
    assert_eq!(
        ai.titles[0].value,
        "Mother tongue and literature, Finnish language and literature"
    );
    assert!(xml.contains("koski-yleissivistava-4-10"));
    assert!(!xml.contains("250605A518Y"));
}

/// The demo recordings under data/recorded/koski/oppija: each is named by its learner key,
/// parses, and maps to a valid, lint-clean document.
#[test]
fn demo_recordings_map_to_valid_lint_clean_elmo() {
    use rikastin_sinks::{Identity, LearnerKey, LearnerSecret};

    let dir = repo().join("data/recorded/koski/oppija");
    let secret = LearnerSecret::from_file(&repo().join("data/learner-key.secret")).unwrap();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 4);
    let maps = mappings();
    let mut dropped = 0;
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(file).unwrap();
        let oppija = koski::parse(&bytes, &name).unwrap();
        let hetu = oppija.henkilo.hetu.as_ref().unwrap();
        let key = LearnerKey::derive(&secret, Identity::Henkilotunnus(hetu.expose()));
        assert_eq!(
            format!("{}.json", key.as_str()),
            name,
            "file name is not the learner key"
        );
        let mapped = map_oppija(&oppija, &maps, true, &now()).unwrap();
        assert!(mapped.results > 0, "{name}");
        let xml = check_document(&mapped, &name);
        assert!(!xml.contains(hetu.expose()), "{name}");
        dropped += mapped
            .exclusions
            .iter()
            .filter(|e| e.reason == KORKEAKOULUTUS_DROPPED)
            .count();
    }
    // Only the learner who is also in VIRTA has a korkeakoulutus study right.
    assert_eq!(dropped, 1);
}

#[test]
fn matriculation_exam_gets_its_session_as_term_and_date() {
    let file = repo().join(
        "data/recorded/koski/oppija/d7ecbe9f9839d7a17d170f1e9fcda3acf7e125126d1302b903249efeba0d1fb3.json",
    );
    let oppija = koski::parse(&std::fs::read(file).unwrap(), "demo").unwrap();
    let mapped = map_oppija(&oppija, &mappings(), true, &now()).unwrap();
    // The lukio and the exam are at the same school: one report.
    assert_eq!(mapped.reports.len(), 1);
    let los = &mapped.reports[0].los;
    let yo = los
        .iter()
        .find(|l| l.identifiers.iter().any(|i| i.value == "301000"))
        .unwrap();
    assert_eq!(yo.los_type, Some(LosType::DegreeProgramme));
    assert_eq!(yo.titles[0], Text::lang("en", "Matriculation Examination"));
    let english = find(&yo.has_part, "EA");
    let loi = &english.specifies.instance;
    let term = loi.academic_term.as_ref().unwrap();
    assert_eq!(term.titles[0], Text::lang("en", "Autumn 2020"));
    assert_eq!(loi.date.unwrap().to_string(), "2020-12-31");
    assert_eq!(loi.result_label.as_deref(), Some("E"));
    assert_eq!(
        loi.grading_scheme_local_id.as_deref(),
        Some("koski-ylioppilastutkinto")
    );
    let swedish = find(&yo.has_part, "BB");
    assert_eq!(swedish.specifies.instance.status, Some(Status::Failed));
}

// ---- study rights --------------------------------------------------------------------------

fn he_right() -> String {
    let mut degree = s("korkeakoulututkinto", "642101");
    degree.uri = "koulutus";
    degree.grade = Some(("HYV", "virtaarvosana", Some(true)));
    degree.vahvistus = Some("2017-05-31");
    let mut course = s("korkeakoulunopintojakso", "HY-YL103");
    course.uri = "";
    course.laajuus = Some((3.0, "2"));
    course.grade = Some(("4", "virtaarvosana", Some(true)));
    degree.parts = vec![course.json()];
    right(
        "korkeakoulutus",
        "1.2.246.562.10.39218317368",
        &[degree.json()],
    )
}

#[test]
fn korkeakoulutus_is_dropped_when_virta_is_configured() {
    let oppija = parse_inline(&learner(&[he_right()]));
    let mapped = map_oppija(&oppija, &mappings(), true, &now()).unwrap();
    assert!(mapped.reports.is_empty());
    assert_eq!(mapped.results, 0);
    assert_eq!(mapped.exclusions.len(), 1);
    let e = &mapped.exclusions[0];
    assert_eq!(
        e.reason,
        "korkeakoulutus: VIRTA is configured and is the source of truth"
    );
    assert_eq!(e.myontaja, "1.2.246.562.10.39218317368");
    assert_eq!(e.avain, "1.2.246.562.15.00000000001");
    assert_eq!(e.line, 0);
}

#[test]
fn korkeakoulutus_is_kept_without_virta_with_the_institutions_table_as_issuer() {
    let oppija = parse_inline(&learner(&[he_right()]));
    let mapped = map_oppija(&oppija, &mappings(), false, &now()).unwrap();
    assert!(mapped.exclusions.is_empty());
    assert_eq!(mapped.results, 2);
    let report = &mapped.reports[0];
    // The VIRTA issuer of 01901, plus the oppilaitos OID.
    assert!(
        report
            .issuer
            .identifiers
            .contains(&Identifier::new("schac", "helsinki.fi"))
    );
    assert!(
        report
            .issuer
            .identifiers
            .contains(&Identifier::new("virta-myontaja", "01901"))
    );
    let course = find(&report.los, "HY-YL103");
    assert_eq!(schemes(course), [("ects".to_owned(), "3".to_owned())]);
    assert!(
        report
            .grading_schemes
            .iter()
            .any(|g| g.local_id == "koski-virta-arvosana")
    );
    check_document(&mapped, "korkeakoulutus");
}

#[test]
fn any_school_is_an_issuer_from_the_document_itself() {
    let mut unit = s("ammatillisentutkinnonosa", "100431");
    unit.grade = Some(("3", "arviointiasteikkoammatillinent1k3", Some(true)));
    // Neither its OID nor its oppilaitosnumero is in a table.
    let json = learner(&[right(
        "ammatillinenkoulutus",
        "1.2.246.562.10.99999999999",
        &[unit.json()],
    )])
    .replace("\"01901\"", "\"99999\"");
    let mapped = map(&json);
    assert!(mapped.exclusions.is_empty(), "{:?}", mapped.exclusions);
    let issuer = &mapped.reports[0].issuer;
    let ids: Vec<(&str, &str)> = issuer
        .identifiers
        .iter()
        .map(|i| (i.kind.as_str(), i.value.as_str()))
        .collect();
    assert_eq!(
        ids,
        [
            ("opintopolku-oid", "1.2.246.562.10.99999999999"),
            ("oppilaitosnumero", "99999")
        ]
    );
    assert_eq!(
        issuer.url,
        "https://opintopolku.fi/konfo/fi/oppilaitos/1.2.246.562.10.99999999999"
    );
    assert!(!issuer.titles.is_empty());
    let codes: Vec<&str> = elmo::lint(&document(&mapped))
        .into_iter()
        .map(|f| f.code)
        .collect();
    assert!(codes.contains(&"W-ISSUER-SCHAC-MISSING"), "{codes:?}");
    check_document(&mapped, "any school");
}

#[test]
fn an_unknown_study_right_type_is_excluded_and_the_rest_still_go_in() {
    let mut unit = s("ammatillisentutkinnonosa", "100431");
    unit.grade = Some(("3", "arviointiasteikkoammatillinent1k3", Some(true)));
    let json = learner(&[
        right(
            "ammatillinenkoulutus",
            "1.2.246.562.10.52251087186",
            &[unit.json()],
        ),
        right(
            "uusikoulutusmuoto",
            "1.2.246.562.10.52251087186",
            &[unit.json()],
        ),
    ]);
    let mapped = map(&json);
    assert_eq!(mapped.reports.len(), 1);
    assert_eq!(mapped.exclusions.len(), 1);
    assert!(
        mapped.exclusions[0]
            .reason
            .starts_with("unknown type uusikoulutusmuoto"),
        "{:?}",
        mapped.exclusions
    );
}

#[test]
fn every_study_right_type_of_koski_md_is_handled_on_purpose() {
    let rules = &mappings().koski.study_rights;
    for t in [
        "ammatillinenkoulutus",
        "korkeakoulutus",
        "lukiokoulutus",
        "ylioppilastutkinto",
        "perusopetus",
        "aikuistenperusopetus",
        "esiopetus",
        "perusopetuksenlisaopetus",
        "perusopetukseenvalmistavaopetus",
        "luva",
        "tuva",
        "ibtutkinto",
        "diatutkinto",
        "ebtutkinto",
        "internationalschool",
        "europeanschoolofhelsinki",
        "vapaansivistystyonkoulutus",
        "muukuinsaanneltykoulutus",
        "taiteenperusopetus",
        "kielitutkinto",
        "ahvenanmaanperusopetus",
    ] {
        assert!(
            rules.types.contains(t) != rules.exclude_types.contains_key(t),
            "{t}: mapped or excluded, not both or neither"
        );
    }
}

#[test]
fn study_rights_at_one_school_share_one_report_in_a_stable_order() {
    let mut a = s("ammatillisentutkinnonosa", "A1");
    a.grade = Some(("3", "arviointiasteikkoammatillinent1k3", Some(true)));
    let mut b = s("ammatillisentutkinnonosa", "B1");
    b.grade = Some(("2", "arviointiasteikkoammatillinent1k3", Some(true)));
    let first = right("ammatillinenkoulutus", STADI, &[a.json()]);
    let second = right("ammatillinenkoulutus", STADI, &[b.json(), b.json()]);
    let one = map(&learner(&[first.clone(), second.clone()]));
    let other = map(&learner(&[second, first]));
    assert_eq!(one.reports.len(), 1);
    assert_eq!(one.reports[0].los.len(), 3);
    assert_eq!(elmo::write(&document(&one)), elmo::write(&document(&other)));
}

// ---- results -------------------------------------------------------------------------------

#[test]
fn status_follows_vahvistus_and_arviointi() {
    let mut passed = s("ammatillisentutkinnonosa", "P1");
    passed.grade = Some(("3", "arviointiasteikkoammatillinent1k3", Some(true)));
    let mut failed = s("ammatillisentutkinnonosa", "F1");
    failed.grade = Some(("Hylätty", "arviointiasteikkoammatillinen15", Some(false)));
    // Without `hyväksytty`, the scale's `failed` list decides.
    let mut failed_by_list = s("ammatillisentutkinnonosa", "F2");
    failed_by_list.grade = Some(("0", "arviointiasteikkoammatillinent1k3", None));
    let open = s("ammatillisentutkinnonosa", "O1");
    let mut degree = s("ammatillinentutkinto", "351301");
    degree.uri = "koulutus";
    degree.parts = vec![
        passed.json(),
        failed.json(),
        failed_by_list.json(),
        open.json(),
    ];
    let mapped = map(&learner(&[right(
        "ammatillinenkoulutus",
        STADI,
        &[degree.json()],
    )]));
    let los = &mapped.reports[0].los;
    let status = |code| find(los, code).specifies.instance.status;
    assert_eq!(status("351301"), Some(Status::InProgress));
    assert_eq!(status("P1"), Some(Status::Passed));
    assert_eq!(status("F1"), Some(Status::Failed));
    assert_eq!(status("F2"), Some(Status::Failed));
    assert_eq!(status("O1"), Some(Status::InProgress));
    assert!(find(los, "O1").specifies.instance.date.is_none());
    // The degree's EQF comes from its koulutus code first.
    assert_eq!(
        find(los, "351301").specifies.instance.levels[0]
            .value
            .as_deref(),
        Some("4")
    );
    check_document(&mapped, "statuses");
}

#[test]
fn ects_sits_on_the_lowest_level_and_osaamispiste_on_the_highest() {
    // A subject with its own laajuus in opintopiste, and modules with theirs: only the modules.
    let mut module = s("lukionvaltakunnallinenmoduuli", "MAB2");
    module.uri = "moduulikoodistolops2021";
    module.laajuus = Some((2.0, "2"));
    module.grade = Some(("8", "arviointiasteikkoyleissivistava", Some(true)));
    let mut subject = s("lukionoppiaine", "MA");
    subject.uri = "koskioppiaineetyleissivistava";
    subject.laajuus = Some((4.0, "2"));
    subject.grade = Some(("8", "arviointiasteikkoyleissivistava", Some(true)));
    subject.parts = vec![module.json(), module.json().replace("MAB2", "MAB3")];
    // A unit in osaamispiste with parts in osaamispiste: only the unit.
    let mut part = s("ammatillisentutkinnonosanosaalue", "VK");
    part.uri = "ammatillisenoppiaineet";
    part.laajuus = Some((2.0, "6"));
    part.grade = Some(("3", "arviointiasteikkoammatillinent1k3", Some(true)));
    let mut unit = s("ammatillisentutkinnonosa", "101053");
    unit.laajuus = Some((11.0, "6"));
    unit.grade = Some(("3", "arviointiasteikkoammatillinent1k3", Some(true)));
    unit.parts = vec![part.json()];
    let json = learner(&[right(
        "lukiokoulutus",
        STADI,
        &[subject.json(), unit.json()],
    )]);
    let mapped = map(&json);
    let los = &mapped.reports[0].los;
    assert!(find(los, "MA").specifies.instance.credits.is_empty());
    assert_eq!(
        schemes(find(los, "MAB3")),
        [("ects".to_owned(), "2".to_owned())]
    );
    assert_eq!(
        schemes(find(los, "101053")),
        [("fi-osaamispiste".to_owned(), "11".to_owned())]
    );
    assert!(find(los, "VK").specifies.instance.credits.is_empty());
    // MAB2 and MAB3 are unique: `local`; a code twice in one report is not.
    assert_eq!(find(los, "MAB2").identifiers[0].kind, "local");
    check_document(&mapped, "credits");
}

#[test]
fn a_code_used_twice_in_a_report_gets_no_local_identifier() {
    let mut part = s("ammatillisentutkinnonosanosaalue", "AI");
    part.uri = "ammatillisenoppiaineet";
    part.grade = Some(("3", "arviointiasteikkoammatillinent1k3", Some(true)));
    let mut unit = s("ammatillisentutkinnonosa", "101053");
    unit.parts = vec![part.json(), part.json()];
    let mapped = map(&learner(&[right(
        "ammatillinenkoulutus",
        STADI,
        &[unit.json()],
    )]));
    let ai = find(&mapped.reports[0].los, "AI");
    assert_eq!(
        ai.identifiers,
        [Identifier::new("ammatillisenoppiaineet", "AI")]
    );
    assert_eq!(
        find(&mapped.reports[0].los, "101053").identifiers[0],
        Identifier::new("local", "101053")
    );
}

#[test]
fn an_unknown_scale_gets_a_scheme_of_its_own() {
    let mut unit = s("ibtutkinnonoppiaine", "BIO");
    unit.grade = Some(("6", "arviointiasteikkoib", Some(true)));
    let mapped = map(&learner(&[right("ibtutkinto", STADI, &[unit.json()])]));
    let report = &mapped.reports[0];
    let scheme = &report.grading_schemes[0];
    assert_eq!(scheme.local_id, "koski-arviointiasteikkoib");
    assert_eq!(
        scheme.descriptions[0].value,
        "Grades of the KOSKI code set arviointiasteikkoib."
    );
}

#[test]
fn the_identity_code_never_reaches_the_document() {
    let mut unit = s("ammatillisentutkinnonosa", "100431");
    unit.grade = Some(("3", "arviointiasteikkoammatillinent1k3", Some(true)));
    let mapped = map(&learner(&[right(
        "ammatillinenkoulutus",
        STADI,
        &[unit.json()],
    )]));
    assert_eq!(mapped.learner.bday.unwrap().to_string(), "1980-05-15");
    assert_eq!(
        mapped.learner.identifiers,
        [Identifier::new(
            "nationalLearnerId",
            "1.2.246.562.24.10000000001"
        )]
    );
    let xml = check_document(&mapped, "privacy");
    assert!(!xml.contains(HETU));
    assert!(!xml.contains("234W"));
}

#[test]
fn a_completion_no_rule_matches_stops_the_learner_with_its_path() {
    let mut maps = mappings();
    maps.koski.suoritukset.retain(|r| r.when.tyyppi.is_some());
    let unit = s("ammatillisentutkinnonosa", "100431");
    let oppija = parse_inline(&learner(&[right(
        "ammatillinenkoulutus",
        STADI,
        &[unit.json()],
    )]));
    let err = map_oppija(&oppija, &maps, true, &now()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "KOSKI suoritus at /opiskeluoikeudet/0/suoritukset/0 (oppilaitos {STADI}): no rule in `suoritukset` matches tyyppi `ammatillisentutkinnonosa`"
        )
    );
}

#[test]
fn a_laajuus_out_of_range_gives_no_credit_and_is_counted() {
    for arvo in [-5.0, 1e300, 1000.0] {
        let mut unit = s("ammatillisentutkinnonosa", "100431");
        unit.laajuus = Some((arvo, "6"));
        unit.grade = Some(("3", "arviointiasteikkoammatillinent1k3", Some(true)));
        let mapped = map(&learner(&[right(
            "ammatillinenkoulutus",
            STADI,
            &[unit.json()],
        )]));
        let los = find(&mapped.reports[0].los, "100431");
        assert!(los.specifies.instance.credits.is_empty(), "{arvo}");
        assert_eq!(mapped.quirks.get("credit-out-of-range"), Some(&1), "{arvo}");
        check_document(&mapped, "out of range");
    }
}

#[test]
fn excluded_completions_and_study_rights_are_listed() {
    let mut maps = mappings();
    maps.koski.suoritukset.insert(
        0,
        SuoritusRule {
            when: SuoritusCondition {
                tyyppi: Some(vec!["valma".into()]),
                ..Default::default()
            },
            los_type: None,
            exclude: Some("valma: preparatory".into()),
        },
    );
    let valma = s("valma", "999901");
    let unit = s("ammatillisentutkinnonosa", "100431");
    let json = learner(&[
        right("ammatillinenkoulutus", STADI, &[valma.json(), unit.json()]),
        right("esiopetus", STADI, &[unit.json()]),
    ]);
    let mapped = map_oppija(&parse_inline(&json), &maps, true, &now()).unwrap();
    let reasons: Vec<_> = mapped
        .exclusions
        .iter()
        .map(|e| (e.avain.as_str(), e.reason.as_str()))
        .collect();
    assert!(
        reasons.contains(&("999901", "valma: preparatory")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|(_, r)| r.starts_with("esiopetus")),
        "{reasons:?}"
    );
    assert_eq!(mapped.results, 1);
}

// ---- koski.yaml ----------------------------------------------------------------------------

fn rules_with(from: &str, to: &str) -> Result<KoskiRules, crate::yaml::ConfigError> {
    let text = std::fs::read_to_string(repo().join("mappings/koski.yaml")).unwrap();
    assert!(text.contains(from), "{from}");
    load_rules(&YamlFile::from_text(
        "mappings/koski.yaml".into(),
        text.replacen(from, to, 1),
    ))
}

#[test]
fn the_shipped_rules_load() {
    let maps = mappings();
    assert!(maps.files.iter().any(|f| f.ends_with("koski.yaml")));
    assert!(maps.koski.grading_schemes.contains_key("koskiyoarvosanat"));
}

#[test]
fn rule_mistakes_stop_with_file_line_and_path() {
    let cases = [
        (
            "los_type: Module",
            "los_type: Modul",
            "suoritukset[1].los_type",
            "unknown LOS type `Modul`",
        ),
        (
            "place: highest",
            "place: top",
            "credits.6.place",
            "unknown place `top`",
        ),
        (
            "scheme: ects",
            "scheme: ECTS",
            "credits.2.scheme",
            "ECTS is written `ects`",
        ),
        (
            "lukionoppimaara: \"4\"",
            "lukionoppimaara: \"9\"",
            "eqf.by_suoritus.lukionoppimaara",
            "not an EQF level",
        ),
        (
            "local_id: \"koski-{koodistoUri}\"",
            "local_id: koski-muu",
            "other_grading_scheme.local_id",
            "must contain `{koodistoUri}`",
        ),
        (
            "local_id: koski-ammatillinen-1-3",
            "local_id: koski-ammatillinen-1-5",
            "local_id",
            "used by one scheme only",
        ),
        (
            "end: \"05-31\"",
            "end: \"31.5.\"",
            "exam_terms.K.end",
            "expected MM-DD",
        ),
        (
            "local_code: paikallinen",
            "local_code: local",
            "identifiers.local_code",
            "not `local`",
        ),
    ];
    for (from, to, path, message) in cases {
        let err = rules_with(from, to).unwrap_err().to_string();
        assert!(err.starts_with("mappings/koski.yaml:"), "{err}");
        assert!(err.contains(path), "{to}: {err}");
        assert!(err.contains(message), "{to}: {err}");
    }
    // A typo in a key is refused by serde, with line and column.
    let text = std::fs::read_to_string(repo().join("mappings/koski.yaml")).unwrap();
    let line = text
        .lines()
        .position(|l| l.contains("exclude_states:"))
        .unwrap()
        + 1;
    let err = rules_with("exclude_states:", "exclude_statez:")
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown field `exclude_statez`"), "{err}");
    assert!(
        err.starts_with(&format!("mappings/koski.yaml:{line}:3 ")),
        "{err}"
    );
}

#[test]
fn a_grading_scheme_without_english_is_refused() {
    let err = rules_with(
        "      en: \"Pass/fail: Hyväksytty = pass, Hylätty = fail.\"\n",
        "",
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("grading_schemes.arviointiasteikkoammatillinenhyvaksyttyhylatty.description"),
        "{err}"
    );
}

/// Every YAML block of the "KOSKI" section of docs/mappings.md parses through the real rule
/// types, and together the blocks show every top-level key, so a renamed key breaks this test.
#[test]
fn the_documented_examples_use_the_real_keys() {
    type CodeNames = BTreeMap<String, BTreeMap<String, BTreeMap<String, String>>>;
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Block {
        study_rights: Option<StudyRightRules>,
        suoritukset: Option<Vec<SuoritusRule>>,
        credits: Option<BTreeMap<String, CreditUnitRule>>,
        languages: Option<KoskiLanguageRule>,
        eqf: Option<EqfRule>,
        exam_terms: Option<BTreeMap<String, ExamTermRule>>,
        learner: Option<KoskiLearnerRule>,
        issuer: Option<IssuerRule>,
        identifiers: Option<IdentifierRule>,
        code_names: Option<CodeNames>,
        grading_schemes: Option<BTreeMap<String, KoskiGradingScheme>>,
        other_grading_scheme: Option<KoskiGradingScheme>,
    }
    let doc = std::fs::read_to_string(repo().join("docs/mappings.md")).unwrap();
    let section = &doc[doc.find("\n## KOSKI\n").expect("a KOSKI section")..];
    // Up to the next top-level section.
    let section = &section[..section[1..].find("\n## ").map_or(section.len(), |i| i + 1)];
    let mut shown = std::collections::BTreeSet::new();
    for (i, block) in section.split("```yaml\n").skip(1).enumerate() {
        let block = &block[..block.find("```").unwrap()];
        let file = YamlFile::from_text(
            format!("docs/mappings.md KOSKI block {i}").into(),
            block.into(),
        );
        let _: Block = file.parse().unwrap_or_else(|e| panic!("{e}"));
        for line in block.lines().filter(|l| !l.starts_with([' ', '#'])) {
            if let Some((key, _)) = line.split_once(':') {
                shown.insert(key.to_owned());
            }
        }
    }
    let text = std::fs::read_to_string(repo().join("mappings/koski.yaml")).unwrap();
    let keys: std::collections::BTreeSet<String> = text
        .lines()
        .filter(|l| !l.starts_with([' ', '#', '-']) && !l.is_empty())
        .filter_map(|l| l.split_once(':').map(|(k, _)| k.to_owned()))
        .collect();
    assert_eq!(keys.len(), 12, "{keys:?}");
    assert_eq!(shown, keys);
}

#[test]
fn html_in_koski_texts_is_made_plain() {
    assert_eq!(
        strip_tags("<p>Osaa <b>hitsata</b></p><p>ja juottaa</p>"),
        "Osaa hitsata\nja juottaa\n"
    );
    assert_eq!(strip_tags("a < b, c<d> e"), "a < b, c e");
    assert_eq!(strip_tags("x <br/> y <3"), "x \n y <3");
}

#[test]
fn a_person_known_by_oid_only_is_accepted_with_empty_names() {
    let mut unit = s("ammatillisentutkinnonosa", "100431");
    unit.grade = Some(("3", "arviointiasteikkoammatillinent1k3", Some(true)));
    let json = learner(&[right(
        "ammatillinenkoulutus",
        "1.2.246.562.10.52251087186",
        &[unit.json()],
    )]);
    let start = json.find("\"henkilö\"").unwrap();
    let end = start + json[start..].find('}').unwrap() + 1;
    let json = format!(
        "{}\"henkilö\": {{\"oid\": \"1.2.246.562.24.00000000001\"}}{}",
        &json[..start],
        &json[end..]
    );
    let mapped = map(&json);
    assert_eq!(
        (
            mapped.learner.given_names.as_str(),
            mapped.learner.family_name.as_str()
        ),
        ("", "")
    );
    assert_eq!(
        mapped.learner.identifiers[0].value,
        "1.2.246.562.24.00000000001"
    );
    let codes: Vec<&str> = elmo::lint(&document(&mapped))
        .into_iter()
        .map(|f| f.code)
        .collect();
    assert!(codes.contains(&"W-LEARNER-NAME-EMPTY"), "{codes:?}");
}
