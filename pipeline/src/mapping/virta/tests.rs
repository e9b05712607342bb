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
    every_los(m)
        .into_iter()
        .map(|l| attainment_id(l).to_owned())
        .collect()
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
    // The degree keeps its own extent, in a scheme no client adds to its parts.
    let degree = &m.elmo.reports[0].los[0].specifies.instance;
    assert_eq!(degree.credits.len(), 1);
    assert_eq!(degree.credits[0].scheme, DEGREE_EXTENT_SCHEME);
    assert_eq!(
        degree.credits[0]
            .value
            .as_ref()
            .map(|v| v.to_string())
            .as_deref(),
        Some("20")
    );
    for path in paths {
        let with_credit = path
            .iter()
            .filter(|l| {
                l.specifies
                    .instance
                    .credits
                    .iter()
                    .any(|c| c.scheme == "ects")
            })
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

// ---- issue 17: each real-data quirk class, by its documented rule (docs/virta.md) -----------

/// One attainment's XML with the given inner parts (after the key attributes).
fn rec(avain: &str, myontaja: &str, inner: &str) -> String {
    format!(
        "<Opintosuoritus avain=\"{avain}\" opiskelijaAvain=\"s1\" koulutusmoduulitunniste=\"C-{avain}\">{inner}\
         <Myontaja>{myontaja}</Myontaja></Opintosuoritus>"
    )
}

/// A plain course's parts: date, credits, grade, Laji 2, names.
fn course(date: &str, laajuus: &str) -> String {
    format!(
        "<SuoritusPvm>{date}</SuoritusPvm>{laajuus}<Arvosana><Viisiportainen>3</Viisiportainen></Arvosana>\
         <Laji>2</Laji><Nimi kieli=\"fi\">Kurssi</Nimi><Nimi kieli=\"en\">Course</Nimi>"
    )
}

const OP5: &str = "<Laajuus><Opintopiste>5</Opintopiste></Laajuus>";

/// A learner of one or more `Opiskelija` elements: (institution key, inner XML).
fn learner_doc(students: &[(&str, String)]) -> Vec<u8> {
    let body: String = students
        .iter()
        .map(|(k, inner)| format!("<Opiskelija avain=\"{k}\"><Henkilotunnus>010190-123A</Henkilotunnus>{inner}</Opiskelija>"))
        .collect();
    format!("<Virta xmlns=\"urn:mace:funet.fi:virta/2015/09/01\">{body}</Virta>").into_bytes()
}

fn suoritukset(recs: &[String]) -> String {
    format!("<Opintosuoritukset>{}</Opintosuoritukset>", recs.concat())
}

fn every_los(m: &Mapped) -> Vec<&Los> {
    fn rec<'a>(l: &'a Los, out: &mut Vec<&'a Los>) {
        out.push(l);
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

fn ects(los: &Los) -> Option<String> {
    los.specifies
        .instance
        .credits
        .iter()
        .find(|c| c.scheme == "ects")
        .and_then(|c| c.value.as_ref())
        .map(|v| v.to_string())
}

#[test]
fn a_result_without_laajuus_is_kept_without_credit() {
    let m = map(&learner_doc(&[(
        "s1",
        suoritukset(&[
            rec("A", "01901", &course("2021-10-22", "")),
            rec("B", "01901", &course("2021-10-22", OP5)),
        ]),
    )]));
    assert_eq!(m.results, 2);
    let a = every_los(&m)
        .into_iter()
        .find(|l| attainment_id(l) == "A")
        .unwrap();
    assert!(a.specifies.instance.credits.is_empty());
    assert_eq!(m.quirks.get("no-laajuus"), Some(&1));
}

#[test]
fn study_weeks_alone_give_ects_by_the_national_conversion_and_are_kept() {
    let ov = |n: &str| format!("<Laajuus><Opintoviikko>{n}</Opintoviikko></Laajuus>");
    let m = map(&learner_doc(&[(
        "s1",
        suoritukset(&[
            rec("A", "01901", &course("1999-05-20", &ov("3"))),
            rec("B", "01901", &course("1999-05-20", &ov("2.5"))),
        ]),
    )]));
    let credits = |id: &str| {
        let los = every_los(&m)
            .into_iter()
            .find(|l| attainment_id(l) == id)
            .unwrap();
        los.specifies
            .instance
            .credits
            .iter()
            .map(|c| (c.scheme.clone(), c.value.as_ref().unwrap().to_string()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        credits("A"),
        [
            ("ects".into(), "4.5".into()),
            (STUDY_WEEK_SCHEME.into(), "3".into())
        ]
    );
    assert_eq!(credits("B")[0], ("ects".into(), "3.75".into()));
    assert_eq!(m.quirks.get("opintoviikko-only"), Some(&2));
    let d = |t: &str| study_weeks_to_ects(&virta::Decimal::parse(t).unwrap());
    assert_eq!(
        (d("40").as_deref(), d("0.5").as_deref(), d("-1")),
        (Some("60"), Some("0.75"), None)
    );
}

#[test]
fn one_unreadable_record_is_excluded_and_the_rest_are_kept() {
    let mut recs: Vec<String> = (0..81)
        .map(|i| rec(&format!("C{i}"), "01901", &course("2021-10-22", OP5)))
        .collect();
    // A module without its grade: unreadable, not the end of the learner.
    recs.push(rec(
        "BAD",
        "01901",
        "<SuoritusPvm>2021-10-22</SuoritusPvm><Laji>2</Laji>",
    ));
    let m = map(&learner_doc(&[("s1", suoritukset(&recs))]));
    assert_eq!(m.results, 81);
    assert_eq!(m.exclusions.len(), 1);
    let e = &m.exclusions[0];
    assert_eq!((e.myontaja.as_str(), e.avain.as_str()), ("01901", "BAD"));
    assert_eq!(
        e.reason,
        "unreadable Opintosuoritus: missing required element `Arvosana`"
    );
    assert_eq!(m.quirks.get("unreadable-record"), Some(&1));
}

#[test]
fn a_bare_answer_without_namespace_is_mapped_with_its_quirk_counted() {
    let doc = String::from_utf8(learner_doc(&[(
        "s1",
        suoritukset(&[rec("A", "01901", &course("2021-10-22", OP5))]),
    )]))
    .unwrap()
    .replace(" xmlns=\"urn:mace:funet.fi:virta/2015/09/01\"", "");
    let m = map(doc.as_bytes());
    assert_eq!(m.results, 1);
    assert_eq!(m.quirks.get("no-namespace"), Some(&1));
}

#[test]
fn two_names_in_one_language_keep_the_first_and_count_the_other() {
    let inner = course("2021-10-22", OP5).replace(
        "<Nimi kieli=\"en\">Course</Nimi>",
        "<Nimi kieli=\"en\">Course</Nimi><Nimi kieli=\"en\">Course, old name</Nimi>",
    );
    let m = map(&learner_doc(&[(
        "s1",
        suoritukset(&[rec("A", "01901", &inner)]),
    )]));
    let los = every_los(&m)[0];
    let en: Vec<&str> = los
        .titles
        .iter()
        .filter(|t| t.lang.as_deref() == Some("en"))
        .map(|t| t.value.as_str())
        .collect();
    assert_eq!(en, ["Course"]);
    assert_eq!(m.quirks.get("duplicate-nimi"), Some(&1));
}

#[test]
fn a_merged_institutions_copy_is_shown_once_under_the_one_that_awarded_it() {
    // Lahti UAS 02470 merged into LAB 10126 on 2020-01-01 (institutions.yaml); VIRTA reports the
    // old records under both codes with the same key and content.
    let old = rec("K1", "02470", &course("2018-05-04", OP5));
    let new = rec("K2", "10126", &course("2021-05-04", OP5));
    let m = map(&learner_doc(&[
        ("lahti", suoritukset(std::slice::from_ref(&old))),
        (
            "lab",
            suoritukset(&[
                old.replace("02470", "10126"),
                new.clone(),
                new.replace("10126", "02470"),
            ]),
        ),
    ]));
    assert_eq!(m.results, 2, "{:?}", m.exclusions);
    let issuers: Vec<(String, Vec<String>)> = m
        .elmo
        .reports
        .iter()
        .map(|r| {
            let code = r
                .issuer
                .identifiers
                .iter()
                .find(|i| i.kind == "virta-myontaja")
                .unwrap()
                .value
                .clone();
            let mut ids = Vec::new();
            r.los
                .iter()
                .for_each(|l| ids.push(attainment_id(l).to_owned()));
            (code, ids)
        })
        .collect();
    assert_eq!(
        issuers,
        [
            ("02470".into(), vec!["K1".into()]),
            ("10126".into(), vec!["K2".into()])
        ]
    );
    assert_eq!(m.quirks.get("merged-duplicate"), Some(&2));
    // The historic issuer names its successor.
    let lahti = &m.elmo.reports[0].issuer;
    assert!(
        lahti
            .identifiers
            .iter()
            .any(|i| i.kind == "virta-merged-into" && i.value == "10126")
    );
    assert!(m.exclusions.iter().all(|e| {
        e.reason
            .starts_with("merged duplicate: 02470 merged into 10126 on 2020-01-01")
    }));
    // A different record under the same key is no copy: both stay.
    let other = rec(
        "K1",
        "10126",
        &course(
            "2018-05-04",
            "<Laajuus><Opintopiste>4</Opintopiste></Laajuus>",
        ),
    );
    let m = map(&learner_doc(&[
        ("lahti", suoritukset(&[old])),
        ("lab", suoritukset(&[other])),
    ]));
    assert_eq!(m.results, 2);
}

#[test]
fn a_degree_without_links_beside_its_courses_is_not_counted_twice() {
    let on_right = |inner: String| {
        inner.replace(
            "koulutusmoduulitunniste=",
            "opiskeluoikeusAvain=\"R1\" koulutusmoduulitunniste=",
        )
    };
    let degree = "<SuoritusPvm>2022-06-01</SuoritusPvm><Laajuus><Opintopiste>10</Opintopiste></Laajuus>\
        <Arvosana><Hyvaksytty>HYV</Hyvaksytty></Arvosana><Laji>1</Laji><Nimi kieli=\"en\">Bachelor</Nimi>";
    let m = map(&learner_doc(&[(
        "s1",
        suoritukset(&[
            on_right(rec("D", "01901", degree)),
            on_right(rec("A", "01901", &course("2021-10-22", OP5))),
            on_right(rec("B", "01901", &course("2021-10-22", OP5))),
        ]),
    )]));
    let sum: f64 = every_los(&m)
        .iter()
        .filter_map(|l| ects(l))
        .map(|v| v.parse::<f64>().unwrap())
        .sum();
    assert_eq!(sum, 10.0, "the courses' 10, not 20");
    let d = every_los(&m)
        .into_iter()
        .find(|l| attainment_id(l) == "D")
        .unwrap();
    assert_eq!(ects(d), None);
    assert_eq!(d.specifies.instance.credits[0].scheme, DEGREE_EXTENT_SCHEME);
    // Alone on its study right (e.g. an institution that sends only degrees), it carries them.
    let m = map(&learner_doc(&[(
        "s1",
        suoritukset(&[on_right(rec("D", "01901", degree))]),
    )]));
    assert_eq!(ects(every_los(&m)[0]).as_deref(), Some("10"));
    assert!(elmo::lint(&m.elmo).iter().all(|f| f.code != "W-CREDIT-SUM"));
    // Beside partials only (Laji 3, excluded), it is still the one result that carries them.
    let partial = course("2021-10-22", OP5).replace("<Laji>2</Laji>", "<Laji>3</Laji>");
    let m = map(&learner_doc(&[(
        "s1",
        suoritukset(&[
            on_right(rec("D", "01901", degree)),
            on_right(rec("P", "01901", &partial)),
        ]),
    )]));
    assert_eq!(m.results, 1);
    assert_eq!(ects(every_los(&m)[0]).as_deref(), Some("10"));
}

#[test]
fn recognised_credit_is_marked_with_its_date_and_source() {
    let inner = format!(
        "{}<Organisaatio><Rooli>3</Rooli><Koodi>01906</Koodi></Organisaatio>\
         <Organisaatio><Rooli>3</Rooli><Koodi>UK</Koodi></Organisaatio><HyvaksilukuPvm>2018-03-16</HyvaksilukuPvm>",
        course("2017-05-02", OP5)
    );
    let m = map(&learner_doc(&[(
        "s1",
        suoritukset(&[
            rec("A", "01901", &inner),
            rec("B", "01901", &course("2018-01-01", OP5)),
        ]),
    )]));
    let by_id = |id: &str| {
        every_los(&m)
            .into_iter()
            .find(|l| attainment_id(l) == id)
            .unwrap()
    };
    let ext = by_id("A")
        .specifies
        .instance
        .extension
        .as_ref()
        .expect("marked")
        .as_xml()
        .to_owned();
    assert!(ext.contains("date=\"2018-03-16\""), "{ext}");
    assert!(
        ext.contains("<rk:completedAt code=\"01906\">University of Jyväskylä</rk:completedAt>"),
        "{ext}"
    );
    assert!(
        ext.contains(
            "<rk:completedAt code=\"UK\">a foreign higher-education institution</rk:completedAt>"
        ),
        "{ext}"
    );
    assert!(by_id("B").specifies.instance.extension.is_none());
    assert_eq!(m.quirks.get("recognised"), Some(&1));
}

/// A `Muu` grade: scale `avain`, its listed grades (avain, koodi, nimi), and the Koodi given.
fn muu(scale: &str, grades: &[(&str, &str, &str)], koodi: &str) -> String {
    let listed: String = grades
        .iter()
        .map(|(a, k, n)| format!("<AsteikkoArvosana avain=\"{a}\"><Koodi>{k}</Koodi><Nimi>{n}</Nimi></AsteikkoArvosana>"))
        .collect();
    format!(
        "<SuoritusPvm>2021-10-22</SuoritusPvm>{OP5}<Arvosana><Muu><Asteikko avain=\"{scale}\">{listed}</Asteikko><Koodi>{koodi}</Koodi></Muu></Arvosana><Laji>2</Laji><Nimi kieli=\"en\">Course</Nimi>"
    )
}

#[test]
fn a_muu_grade_sent_as_a_bare_key_is_named_from_the_same_scale_elsewhere() {
    let m = map(&learner_doc(&[(
        "s1",
        suoritukset(&[
            rec(
                "A",
                "01901",
                &muu("11", &[("10979859", "HYV", "Hyväksytty")], "10979859"),
            ),
            rec(
                "B",
                "01901",
                &muu("11", &[("10979860", "HYL", "Hylätty")], "10979860"),
            ),
            rec("C", "01901", &muu("11", &[], "10979859")),
            rec("D", "01901", &muu("11", &[], "10979999")),
        ]),
    )]));
    let label = |id: &str| {
        every_los(&m)
            .into_iter()
            .find(|l| attainment_id(l) == id)
            .unwrap()
            .specifies
            .instance
            .result_label
            .clone()
    };
    assert_eq!(label("C").as_deref(), Some("HYV"));
    // Nothing names it: no label rather than VIRTA's key, and the gap is counted.
    assert_eq!(label("D"), None);
    assert_eq!(m.quirks.get("unresolved-grade"), Some(&1));
    // The scheme lists every grade of the scale that the answer shows anywhere.
    let scheme = &m.elmo.reports[0]
        .grading_schemes
        .iter()
        .find(|g| g.local_id.contains("11"))
        .unwrap()
        .descriptions[0]
        .value;
    assert!(
        scheme.contains("HYV Hyväksytty") && scheme.contains("HYL Hylätty"),
        "{scheme}"
    );
    assert!(
        elmo::lint(&m.elmo)
            .iter()
            .any(|f| f.code == "W-RESULT-LABEL-MISSING")
    );
}

#[test]
fn every_learner_oid_is_kept() {
    let oid = |o: &str| format!("<KansallinenOppijanumero>{o}</KansallinenOppijanumero>");
    let m = map(&learner_doc(&[
        (
            "a",
            format!(
                "{}{}",
                oid("1.2.246.562.24.10000000001"),
                suoritukset(&[rec("A", "01901", &course("2021-10-22", OP5))])
            ),
        ),
        (
            "b",
            format!(
                "{}{}",
                oid("1.2.246.562.24.10000000002"),
                suoritukset(&[rec("B", "01906", &course("2021-10-22", OP5))])
            ),
        ),
        ("c", oid("1.2.246.562.24.10000000001")),
    ]));
    let ids: Vec<&str> = m
        .elmo
        .learner
        .identifiers
        .iter()
        .map(|i| i.value.as_str())
        .collect();
    assert_eq!(
        ids,
        ["1.2.246.562.24.10000000001", "1.2.246.562.24.10000000002"]
    );
}

#[test]
fn credits_out_of_range_are_not_written_and_are_counted() {
    let huge = "<Laajuus><Opintopiste>12345678901234567890123456789012345</Opintopiste></Laajuus>";
    let m = map(&learner_doc(&[(
        "s1",
        suoritukset(&[
            rec("A", "01901", &course("2021-10-22", huge)),
            rec(
                "B",
                "01901",
                &course(
                    "2021-10-22",
                    "<Laajuus><Opintopiste>1000</Opintopiste></Laajuus>",
                ),
            ),
            rec("C", "01901", &course("2021-10-22", OP5)),
        ]),
    )]));
    assert_eq!(m.results, 3);
    for id in ["A", "B"] {
        let los = every_los(&m)
            .into_iter()
            .find(|l| attainment_id(l) == id)
            .unwrap();
        assert!(los.specifies.instance.credits.is_empty(), "{id}");
    }
    assert_eq!(m.quirks.get("credit-out-of-range"), Some(&2));
    assert!(elmo::lint(&m.elmo).iter().all(|f| f.code != "E-DECIMAL"));
}

#[test]
fn a_duplicate_institution_key_stops_the_load_naming_its_line() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../mappings");
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
        }
    }
    let file = dir.path().join("institutions.yaml");
    let mut text = std::fs::read_to_string(&file).unwrap();
    let lines = text.lines().count();
    text.push_str("  \"01901\":\n    schac: other.fi\n    url: https://other.fi\n    names: { en: Another }\n");
    std::fs::write(&file, text).unwrap();
    let e = Mappings::load(dir.path()).unwrap_err().to_string();
    assert!(e.contains("duplicate key `01901`"), "{e}");
    assert!(
        e.contains(&format!("institutions.yaml:{}", lines + 1)),
        "{e}"
    );
}
