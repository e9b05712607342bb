//! Mapping tests on small VIRTA documents written inline, with the real rules in mappings/.

use std::path::Path;

use elmo::{Los, LosType, Status};
use rikastin_sources::virta;

use super::*;

fn mappings() -> Mappings {
    Mappings::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../mappings")).unwrap()
}

fn now() -> DateTime {
    "2026-11-23T10:00:00Z".parse().unwrap()
}

/// One attainment: (avain, laji, credits, grade element, parts, myontaja).
struct A<'a> {
    avain: &'a str,
    laji: &'a str,
    op: &'a str,
    grade: &'a str,
    parts: &'a [&'a str],
    myontaja: &'a str,
}

fn a<'a>(avain: &'a str, laji: &'a str, op: &'a str, parts: &'a [&'a str]) -> A<'a> {
    A {
        avain,
        laji,
        op,
        grade: "<Viisiportainen>4</Viisiportainen>",
        parts,
        myontaja: "01901",
    }
}

fn doc(hetu: &str, items: &[A<'_>]) -> Vec<u8> {
    let mut by_hei: Vec<(&str, String)> = Vec::new();
    for i in items {
        let parts: String = i
            .parts
            .iter()
            .map(|p| format!("<Sisaltyvyys sisaltyvaOpintosuoritusAvain=\"{p}\"/>"))
            .collect();
        let rec = format!(
            "<Opintosuoritus avain=\"{}\" opiskelijaAvain=\"s1\" koulutusmoduulitunniste=\"C-{}\">\
             <SuoritusPvm>2021-10-22</SuoritusPvm><Laajuus><Opintopiste>{}</Opintopiste></Laajuus>\
             <Arvosana>{}</Arvosana><Myontaja>{}</Myontaja><Laji>{}</Laji>\
             <Nimi kieli=\"fi\">Kurssi {}</Nimi><Nimi kieli=\"en\">Course {}</Nimi>{parts}</Opintosuoritus>",
            i.avain, i.avain, i.op, i.grade, i.myontaja, i.laji, i.avain, i.avain
        );
        match by_hei.iter_mut().find(|(m, _)| *m == i.myontaja) {
            Some((_, s)) => s.push_str(&rec),
            None => by_hei.push((i.myontaja, rec)),
        }
    }
    let body: String = by_hei
        .iter()
        .map(|(m, recs)| {
            format!(
                "<Opiskelija avain=\"s-{m}\"><Henkilotunnus>{hetu}</Henkilotunnus>\
                 <Etunimet>Maija</Etunimet><Sukunimi>Meikäläinen</Sukunimi>\
                 <Opintosuoritukset>{recs}</Opintosuoritukset></Opiskelija>"
            )
        })
        .collect();
    format!("<Virta xmlns=\"urn:mace:funet.fi:virta/2015/09/01\">{body}</Virta>").into_bytes()
}

fn map(bytes: &[u8]) -> Mapped {
    let parsed = virta::parse(bytes, "inline.xml").unwrap();
    let records: Vec<&virta::Opiskelija> = parsed.opiskelijat.iter().collect();
    map_learner(&records, &mappings(), &now()).unwrap()
}

fn attainment_id(los: &Los) -> &str {
    &los.specifies.instance.identifiers[0].value
}

fn walk<'a>(los: &'a Los, path: &mut Vec<&'a Los>, out: &mut Vec<Vec<&'a Los>>) {
    path.push(los);
    if los.has_part.is_empty() {
        out.push(path.clone());
    }
    for p in &los.has_part {
        walk(p, path, out);
    }
    path.pop();
}

fn all_ids(m: &Mapped) -> Vec<String> {
    fn rec(l: &Los, out: &mut Vec<String>) {
        out.push(attainment_id(l).to_owned());
        l.has_part.iter().for_each(|p| rec(p, out));
    }
    let mut out = Vec::new();
    m.elmo
        .reports
        .iter()
        .flat_map(|r| &r.los)
        .for_each(|l| rec(l, &mut out));
    out
}

#[test]
fn children_listed_twice_appear_once_under_their_parent() {
    // virta.md §3.5: the degree lists its modules, modules their courses, and every one of
    // them is also a separate record.
    let m = map(&doc(
        "010190-123A",
        &[
            a("D", "1", "10", &["M"]),
            a("M", "2", "10", &["C1", "C2"]),
            a("C1", "2", "5", &[]),
            a("C2", "2", "5", &[]),
        ],
    ));
    let report = &m.elmo.reports[0];
    assert_eq!(report.los.len(), 1, "only the degree at the top");
    let degree = &report.los[0];
    assert_eq!(degree.los_type, Some(LosType::DegreeProgramme));
    assert_eq!(degree.has_part[0].los_type, Some(LosType::Module));
    assert_eq!(degree.has_part[0].has_part.len(), 2);
    let mut ids = all_ids(&m);
    ids.sort();
    assert_eq!(ids, ["C1", "C2", "D", "M"]);
    assert_eq!(m.results, 4);
}

#[test]
fn ects_sits_on_exactly_one_level_of_every_path() {
    let m = map(&doc(
        "010190-123A",
        &[
            a("D", "1", "20", &["M", "C3"]),
            a("M", "2", "10", &["C1", "C2"]),
            a("C1", "2", "5", &[]),
            a("C2", "2", "5", &[]),
            a("C3", "2", "10", &[]),
            a("X", "2", "3", &[]),
        ],
    ));
    let mut paths = Vec::new();
    for los in &m.elmo.reports[0].los {
        walk(los, &mut Vec::new(), &mut paths);
    }
    assert_eq!(paths.len(), 4);
    for path in paths {
        let with_credit = path
            .iter()
            .filter(|l| !l.specifies.instance.credits.is_empty())
            .count();
        assert_eq!(
            with_credit,
            1,
            "path {:?}",
            path.iter().map(|l| attainment_id(l)).collect::<Vec<_>>()
        );
    }
}

#[test]
fn partial_and_internal_attainments_are_excluded_with_reasons() {
    let m = map(&doc(
        "010190-123A",
        &[
            a("C", "2", "5", &[]),
            a("P", "3", "2", &[]),
            a("I", "4", "1", &[]),
        ],
    ));
    assert_eq!(all_ids(&m), ["C"]);
    let reasons: Vec<(&str, &str)> = m
        .exclusions
        .iter()
        .map(|e| (e.avain.as_str(), e.reason.as_str()))
        .collect();
    assert_eq!(reasons.len(), 2);
    assert!(
        reasons[0].0 == "P" && reasons[0].1.starts_with("Laji 3"),
        "{reasons:?}"
    );
    assert!(
        reasons[1].0 == "I" && reasons[1].1.starts_with("Laji 4"),
        "{reasons:?}"
    );
}

#[test]
fn results_are_keyed_by_institution_and_key_not_key_alone() {
    let mut other = a("K1", "2", "5", &[]);
    other.myontaja = "10076";
    let m = map(&doc("010190-123A", &[a("K1", "2", "5", &[]), other]));
    assert_eq!(m.elmo.reports.len(), 2, "one report per institution");
    assert_eq!(all_ids(&m), ["K1", "K1"]);
    assert!(m.exclusions.is_empty());
}

#[test]
fn a_duplicate_record_is_excluded_not_written_twice() {
    let m = map(&doc(
        "010190-123A",
        &[a("K1", "2", "5", &[]), a("K1", "2", "5", &[])],
    ));
    assert_eq!(all_ids(&m), ["K1"]);
    assert_eq!(m.exclusions.len(), 1);
    assert!(
        m.exclusions[0].reason.starts_with("duplicate"),
        "{:?}",
        m.exclusions
    );
}

#[test]
fn a_cycle_of_parts_still_places_every_result_once() {
    let m = map(&doc(
        "010190-123A",
        &[a("A", "2", "5", &["B"]), a("B", "2", "5", &["A"])],
    ));
    let mut ids = all_ids(&m);
    ids.sort();
    assert_eq!(ids, ["A", "B"]);
}

#[test]
fn an_unknown_institution_is_excluded_with_a_reason_that_says_what_to_do() {
    let mut odd = a("Z", "2", "5", &[]);
    odd.myontaja = "99999";
    let m = map(&doc("010190-123A", &[a("K", "2", "5", &[]), odd]));
    assert_eq!(all_ids(&m), ["K"]);
    assert!(
        m.exclusions[0].reason.contains("institutions.yaml"),
        "{:?}",
        m.exclusions
    );
}

#[test]
fn fail_grades_give_status_failed_and_pass_grades_passed() {
    let mut thesis = a("T", "2", "30", &[]);
    thesis.grade = "<Tutkielma>I</Tutkielma>";
    let mut muu = a("M", "2", "5", &[]);
    muu.grade = "<Muu><Asteikko avain=\"11\"><Nimi>HYL-HYV</Nimi>\
                 <AsteikkoArvosana avain=\"g0\"><Koodi>HYL</Koodi><Nimi>Hylätty</Nimi></AsteikkoArvosana>\
                 </Asteikko><Koodi>g0</Koodi></Muu>";
    let m = map(&doc("010190-123A", &[thesis, muu, a("C", "2", "5", &[])]));
    let status: Vec<(String, Option<Status>, Option<String>)> = m.elmo.reports[0]
        .los
        .iter()
        .map(|l| {
            let i = &l.specifies.instance;
            (
                attainment_id(l).to_owned(),
                i.status,
                i.result_label.clone(),
            )
        })
        .collect();
    assert!(
        status.contains(&("T".into(), Some(Status::Failed), Some("I".into()))),
        "{status:?}"
    );
    assert!(
        status.contains(&("M".into(), Some(Status::Failed), Some("HYL".into()))),
        "{status:?}"
    );
    assert!(
        status.contains(&("C".into(), Some(Status::Passed), Some("4".into()))),
        "{status:?}"
    );
    let schemes: Vec<&str> = m.elmo.reports[0]
        .grading_schemes
        .iter()
        .map(|g| g.local_id.as_str())
        .collect();
    assert_eq!(
        schemes,
        [
            "virta-muu-01901-11",
            "virta-tutkielma",
            "virta-viisiportainen"
        ]
    );
}

#[test]
fn the_identity_code_gives_the_birth_date_and_never_an_identifier() {
    let m = map(&doc("010190-123A", &[a("C", "2", "5", &[])]));
    assert_eq!(
        m.elmo.learner.bday.as_ref().unwrap().to_string(),
        "1990-01-01"
    );
    let xml = String::from_utf8(elmo::write(&m.elmo)).unwrap();
    assert!(
        !xml.contains("010190-123A"),
        "the identity code must not be in the document"
    );
}

#[test]
fn birth_dates_follow_every_century_sign() {
    assert_eq!(birth_date("010190-123A").unwrap().to_string(), "1990-01-01");
    assert_eq!(birth_date("311299+123A").unwrap().to_string(), "1899-12-31");
    assert_eq!(birth_date("150305A123A").unwrap().to_string(), "2005-03-15");
    assert_eq!(birth_date("150305B123A").unwrap().to_string(), "2005-03-15");
    assert_eq!(birth_date("150385Y123A").unwrap().to_string(), "1985-03-15");
    assert!(birth_date("310285-123A").is_none(), "31 February");
    assert!(birth_date("01019").is_none());
}

#[test]
fn the_document_is_lint_clean() {
    let m = map(&doc(
        "010190-123A",
        &[
            a("D", "1", "10", &["C1", "C2"]),
            a("C1", "2", "5", &[]),
            a("C2", "2", "5", &[]),
        ],
    ));
    let findings: Vec<_> = elmo::lint(&m.elmo)
        .into_iter()
        .filter(|f| !crate::run::DEFERRED_TO_SERVING.contains(&f.code))
        .collect();
    assert!(findings.is_empty(), "{findings:#?}");
}
