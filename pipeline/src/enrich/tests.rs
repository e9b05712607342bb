//! Enrichment on documents: the as-of join at the edges of a validity window, precedence as
//! declared, sanitised HTML, learning outcomes in both descriptions, provenance and coverage.

use std::path::Path;

use elmo::{Date, DateTime, Elmo, Identifier, Issuer, Learner, Los, LosType, Report, Text};

use super::catalogue::Catalogues;
use super::rules::{EnrichmentRules, Field, Source};
use super::*;
use crate::yaml::YamlFile;

const HEADER: &str = "institution,course_code,valid_from,valid_to,title_fi,title_sv,title_en,description_fi,description_sv,description_en,content_fi,content_sv,content_en,learning_outcomes_fi,learning_outcomes_sv,learning_outcomes_en,prerequisites_fi,prerequisites_sv,prerequisites_en,assessment_fi,assessment_sv,assessment_en,languages,eqf_level,nqf_level,isced_f,ects,url";

/// Two versions of TKT1: 2019-08-01..2023-07-31 (line 2) and 2023-08-01.. (line 3, with a
/// script and an onclick in its English description).
fn catalogue(dir: &Path) {
    let csv = format!(
        "{HEADER}\n\
         01901,TKT1,2019-08-01,2023-07-31,Vanha,,Old course,,,Old description.,,,,,,\"- Knows the old things\",,,,,,,en,6,,0613,5,https://old.example/TKT1\n\
         01901,tkt1,2023-08-01,,Uusi,,New course,,,\"<p onclick=\"\"x()\"\">New <b>description</b>.</p><script>alert(1)</script>\",,,,,,\"- Knows the new things\n- Uses <i>tools</i>\",,,,,,,fi,7,,0611,5,https://new.example/TKT1\n"
    );
    std::fs::write(dir.join("01901-test.csv"), csv).unwrap();
}

fn rules() -> EnrichmentRules {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../mappings/enrichment.yaml");
    super::rules::load(&YamlFile::read(&path).unwrap()).unwrap()
}

fn course(code: &str, date: &str) -> Los {
    let mut los = Los {
        identifiers: vec![Identifier {
            kind: "koulutusmoduulitunniste".into(),
            value: code.into(),
        }],
        titles: vec![Text {
            lang: Some("fi".into()),
            value: "Kurssi VIRTAsta".into(),
        }],
        los_type: Some(LosType::Course),
        ..Los::default()
    };
    los.specifies.instance.date = Some(date.parse().unwrap());
    los
}

fn document(los: Vec<Los>) -> Elmo {
    let now: DateTime = "2026-11-23T10:00:00Z".parse().unwrap();
    let mut report = Report::new(
        Issuer {
            country: Some("FI".into()),
            identifiers: vec![Identifier {
                kind: MYONTAJA_ID_TYPE.into(),
                value: "01901".into(),
            }],
            titles: vec![Text {
                lang: Some("en".into()),
                value: "University of Helsinki".into(),
            }],
            url: "https://helsinki.fi".into(),
        },
        now.clone(),
    );
    report.los = los;
    let mut elmo = Elmo::new(now, Learner::default());
    elmo.reports.push(report);
    elmo
}

fn enriched(dates: &[&str], rules: &EnrichmentRules) -> (Elmo, Enriched) {
    let dir = tempfile::tempdir().unwrap();
    catalogue(dir.path());
    let enrichment = Enrichment {
        catalogues: Some(Catalogues::load(dir.path(), &rules.catalogue).unwrap()),
        ds: None,
    };
    let mut doc = document(dates.iter().map(|d| course("TKT1", d)).collect());
    let out = enrichment.apply(&mut doc, rules, &Date::new(2026, 11, 23).unwrap());
    (doc, out)
}

fn url(los: &Los) -> &str {
    los.url.as_deref().unwrap_or("-")
}

#[test]
fn the_version_valid_on_the_result_date_is_joined_at_the_window_edges() {
    let (doc, out) = enriched(
        &[
            "2019-07-31",
            "2019-08-01",
            "2023-07-31",
            "2023-08-01",
            "2030-01-01",
        ],
        &rules(),
    );
    let los = &doc.reports[0].los;
    assert_eq!(url(&los[0]), "-", "the day before the first version");
    assert_eq!(url(&los[1]), "https://old.example/TKT1", "its first day");
    assert_eq!(url(&los[2]), "https://old.example/TKT1", "its last day");
    assert_eq!(
        url(&los[3]),
        "https://new.example/TKT1",
        "the next version's first day"
    );
    assert_eq!(url(&los[4]), "https://new.example/TKT1", "open-ended");
    let matched: Vec<bool> = out.coverage.iter().map(|c| c.matched).collect();
    assert_eq!(matched, [false, true, true, true, true]);
}

#[test]
fn html_is_sanitised_and_learning_outcomes_go_into_both_descriptions() {
    let (doc, out) = enriched(&["2024-01-15"], &rules());
    let los = &doc.reports[0].los[0];
    let html = &los.descriptions_html[0].value;
    assert!(
        !html.contains("<script") && !html.contains("alert") && !html.contains("onclick"),
        "{html}"
    );
    assert!(html.contains("<b>description</b>"), "{html}");
    assert!(html.contains("<li>Uses tools</li>"), "{html}");
    let plain = &los.descriptions[0].value;
    assert!(plain.starts_with("New description."), "{plain}");
    assert!(
        plain.contains("Learning outcomes:\n- Knows the new things\n- Uses tools"),
        "{plain}"
    );
    assert!(!plain.contains('<'), "{plain}");
    assert_eq!(los.isced_code.as_deref(), Some("0611"));
    assert!(out.coverage[0].has_description && out.coverage[0].has_outcomes);
}

#[test]
fn precedence_is_as_declared() {
    // The record's title wins by default; the record has no EQF level, so the catalogue's goes in.
    let (doc, _) = enriched(&["2024-01-15"], &rules());
    let los = &doc.reports[0].los[0];
    assert_eq!(los.titles[0].value, "Kurssi VIRTAsta");
    assert_eq!(los.specifies.instance.levels[0].value.as_deref(), Some("7"));

    // Declared the other way round, the catalogue's titles replace it.
    let mut rules = rules();
    rules
        .catalogue
        .precedence
        .insert(Field::Title, vec![Source::Catalogue, Source::Record]);
    let (doc, _) = enriched(&["2024-01-15"], &rules);
    let titles: Vec<&str> = doc.reports[0].los[0]
        .titles
        .iter()
        .map(|t| t.value.as_str())
        .collect();
    assert_eq!(titles, ["New course", "Uusi"]);
}

#[test]
fn provenance_names_the_catalogue_file_line_and_version_and_the_rule() {
    let (_, out) = enriched(&["2020-05-05"], &rules());
    let from = &out.provenance[0].from;
    let with = |field: &str| from.iter().find(|o| o.fields.iter().any(|f| f == field));
    let url = with("url").unwrap();
    assert_eq!(url.source, "catalogue");
    assert!(
        url.at
            .ends_with("01901-test.csv:2 (2019-08-01..2023-07-31)"),
        "{}",
        url.at
    );
    assert_eq!(url.rule, "mappings/enrichment.yaml catalogue.precedence");
    assert_eq!(with("title").unwrap().source, "virta");
    // Each field is named once.
    let fields: Vec<_> = from.iter().flat_map(|o| &o.fields).collect();
    let mut unique = fields.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), fields.len(), "{fields:?}");
}

#[test]
fn enriched_demo_documents_are_lint_clean() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let maps = crate::mapping::Mappings::load(&root.join("mappings")).unwrap();
    let enrichment = Enrichment {
        catalogues: Some(
            Catalogues::load(&root.join("data/catalogues"), &maps.enrichment.catalogue).unwrap(),
        ),
        ds: Some(ds::DsLibrary::load(&root.join("data/ds")).unwrap()),
    };
    let now: DateTime = "2026-11-23T10:00:00Z".parse().unwrap();
    let dir = root.join("data/recorded/virta/OpiskelijanKaikkiTiedot");
    let mut described = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let virta = rikastin_sources::virta::parse(&bytes, "t").unwrap();
        for group in crate::learners::group(&virta) {
            let a =
                crate::run::assemble(&group.records, None, &maps, &enrichment, &now, true).unwrap();
            let errors: Vec<_> = elmo::lint(&a.elmo)
                .into_iter()
                .filter(|f| f.severity == elmo::Severity::Error)
                .collect();
            assert!(errors.is_empty(), "{}: {errors:?}", path.display());
            described += a
                .enriched
                .coverage
                .iter()
                .filter(|c| c.has_description)
                .count();
        }
    }
    assert!(described > 500, "only {described} results were described");
}

#[test]
fn recognised_credit_shows_in_the_provenance_as_read() {
    let xml = "<rk:recognition xmlns:rk=\"urn:rikastin:virta:1\" date=\"2018-03-16\">\
        <rk:completedAt code=\"01906\">University of Jyväskylä</rk:completedAt>\
        <rk:completedAt code=\"UK\">a foreign higher-education institution</rk:completedAt></rk:recognition>";
    assert_eq!(
        super::recognition_text(xml).as_deref(),
        Some(
            "recognised 2018-03-16; completed at University of Jyväskylä (01906), a foreign higher-education institution (UK)"
        )
    );
    assert_eq!(
        super::recognition_text("<rk:completeness status=\"full\"/>"),
        None
    );
}
