//! Lint rules: the good document gives no findings, and for each rule a document that breaks
//! it (and nothing else) gives exactly that code. Also: every code is listed in LINT.md.

mod common;

use std::collections::BTreeSet;

use elmo::{
    AttachmentType, Credit, CreditLevel, Decimal, Elmo, Extension, FlexibleAddress, Identifier,
    Los, LosType, Report, Severity, Status, Text,
};

fn rich() -> Elmo {
    elmo::read(&common::document("rich.xml")).expect("rich.xml reads")
}

fn codes(doc: &Elmo) -> BTreeSet<&'static str> {
    elmo::lint(doc).into_iter().map(|f| f.code).collect()
}

fn dp(doc: &mut Elmo) -> &mut Los {
    &mut doc.reports[0].los[0]
}

/// The degree programme's Diploma Supplement.
fn ds(doc: &mut Elmo) -> &mut elmo::DiplomaSupplement {
    dp(doc)
        .specifies
        .instance
        .diploma_supplement
        .as_mut()
        .expect("DS")
}

fn course(doc: &mut Elmo) -> &mut Los {
    &mut doc.reports[0].los[0].has_part[0]
}

fn dec(s: &str) -> Decimal {
    s.parse().expect("decimal")
}

type Breaker = fn(&mut Elmo);

/// One document per rule: (code, how to break only that rule).
const CASES: &[(&str, Breaker)] = &[
    ("E-CARDINALITY", |d| {
        course(d)
            .specifies
            .instance
            .academic_term
            .as_mut()
            .expect("term")
            .titles
            .clear()
    }),
    ("E-EMPTY", |d| {
        d.learner.place_of_birth = Some(String::new())
    }),
    ("E-XML-CHAR", |d| d.learner.given_names.push('\u{1}')),
    ("E-DATETIME-TZ", |d| {
        d.generated_date = "2025-01-15T10:00:00".parse().expect("datetime")
    }),
    ("E-COUNTRY", |d| d.learner.citizenship = Some("XK".into())),
    ("E-LANG-TAG", |d| {
        d.reports[0].issuer.titles[0].lang = Some("fi_FI".into())
    }),
    ("E-ID-TYPE-CASE", |d| {
        d.learner.identifiers[1].kind = "ESI".into()
    }),
    ("W-LEARNER-NAME-EMPTY", |d| d.learner.family_name.clear()),
    ("W-BDAY-MISSING", |d| d.learner.bday = None),
    ("E-ADDRESS-CHOICE", |d| {
        d.learner.current_address = Some(FlexibleAddress {
            address_lines: vec!["Yliopistonkatu 3".into()],
            street_name: Some("Yliopistonkatu".into()),
            ..Default::default()
        })
    }),
    ("E-ISSUER-PER-REPORT", |d| {
        let again = Report::new(d.reports[0].issuer.clone(), d.reports[0].issue_date.clone());
        d.reports.push(again);
    }),
    ("W-ISSUER-SCHAC-MISSING", |d| {
        d.reports[0].issuer.identifiers[0].kind = "domain".into()
    }),
    ("W-ISSUER-TITLE-EN", |d| {
        d.reports[0]
            .issuer
            .titles
            .retain(|t| t.lang.as_deref() != Some("en"))
    }),
    ("E-LOS-TITLE-MISSING", |d| course(d).titles.clear()),
    ("W-LOS-TITLE-EN", |d| {
        course(d).titles.retain(|t| t.lang.as_deref() != Some("en"))
    }),
    ("E-LOCAL-ID-DUP", |d| {
        let twin = course(d).clone();
        dp(d).has_part.push(twin);
    }),
    ("E-LOS-TYPE-NESTING", |d| {
        let mut module = Los {
            titles: vec![Text::lang("en", "A module")],
            los_type: Some(LosType::Module),
            ..Default::default()
        };
        module.specifies.instance.status = Some(Status::Passed);
        course(d).has_part.push(module);
    }),
    ("E-STATUS-MISSING", |d| {
        course(d).specifies.instance.status = None
    }),
    ("E-CREDIT-SCHEME-CASE", |d| {
        course(d).specifies.instance.credits[0].scheme = "ECTS".into()
    }),
    ("E-CREDIT-DOUBLE", |d| {
        let degree = Credit {
            scheme: "ects".into(),
            level: None,
            value: Some(dec("180")),
        };
        dp(d).specifies.instance.credits.push(degree);
    }),
    ("W-CREDIT-LEVEL-DEPRECATED", |d| {
        course(d).specifies.instance.credits[0].level = Some(CreditLevel::Bachelor)
    }),
    ("E-DECIMAL", |d| {
        course(d).specifies.instance.credits[0].value = Some(dec("-5"))
    }),
    ("W-SHORTENED-GRADING-SUM", |d| {
        course(d).specifies.instance.shortened_grading = Some(elmo::ShortenedGrading {
            percentage_lower: dec("10"),
            percentage_equal: dec("10"),
            percentage_higher: dec("10"),
        })
    }),
    ("E-GRADING-SCHEME-REF", |d| {
        course(d).specifies.instance.grading_scheme_local_id = Some("FI-1-3".into())
    }),
    ("E-GRADING-SCHEME-DUP", |d| {
        let twin = d.reports[0].grading_schemes[0].clone();
        d.reports[0].grading_schemes.push(twin);
    }),
    ("W-GRADING-SCHEME-EN", |d| {
        d.reports[0].grading_schemes[0].descriptions[0].lang = Some("fi".into())
    }),
    ("W-RESULT-LABEL-MISSING", |d| {
        course(d).specifies.instance.result_label = None
    }),
    ("W-CREDIT-SUM", |d| {
        // The degree's parts unlinked beside it, and its own extent as ECTS: counted twice.
        let parts = std::mem::take(&mut dp(d).has_part);
        let sum: f64 = parts
            .iter()
            .flat_map(|p| std::iter::once(p).chain(p.has_part.iter()))
            .flat_map(|p| &p.specifies.instance.credits)
            .filter_map(|c| c.value.as_ref().map(|v| v.to_f64()))
            .sum();
        dp(d).specifies.instance.credits.push(Credit {
            scheme: "ects".into(),
            level: None,
            value: Some(dec(&sum.to_string())),
        });
        d.reports[0].los.extend(parts);
    }),
    ("W-RESULT-SCHEME-MISSING", |d| {
        course(d).specifies.instance.grading_scheme_local_id = None
    }),
    ("W-ACADEMIC-TERM-ON-PROGRAMME", |d| {
        let term = course(d).specifies.instance.academic_term.clone();
        dp(d).specifies.instance.academic_term = term;
    }),
    ("E-LANGUAGE-OF-INSTRUCTION", |d| {
        course(d).specifies.instance.language_of_instruction = Some("fin".into())
    }),
    ("E-ATTACHMENT-REF", |d| {
        dp(d)
            .specifies
            .instance
            .attachment_refs
            .push("ds-pdf-2".into())
    }),
    ("E-ATTACHMENT-ID-DUP", |d| {
        d.attachments[0]
            .identifiers
            .push(Identifier::new("internal", "ds-pdf-1"))
    }),
    ("E-ATTACHMENT-CONTENT", |d| {
        d.attachments[0].contents[0].value = "JVBERi0xLjQK".into()
    }),
    ("W-ATTACHMENT-PLACEMENT", |d| {
        d.attachments[0].kind = Some(AttachmentType::TranscriptOfRecords)
    }),
    ("W-PDF-MISSING", |d| {
        let all = d
            .attachments
            .iter_mut()
            .chain(d.reports[0].attachments.iter_mut());
        for content in all.flat_map(|a| a.contents.iter_mut()) {
            content.value = "data:text/plain;base64,QQ==".into();
        }
    }),
    ("E-GROUPING-REF", |d| {
        course(d)
            .specifies
            .instance
            .grouping
            .as_mut()
            .expect("grouping")
            .idref = Some("9".into())
    }),
    ("E-HTML-IN-PLAIN", |d| {
        course(d).descriptions[0].value = "Learning outcomes: <b>programs</b>".into()
    }),
    ("E-DESCRIPTION-HTML-ONLY", |d| {
        course(d).descriptions.clear()
    }),
    ("W-HTML-TAG", |d| {
        course(d).descriptions_html[0].value = "<table><tr><td>5 cr</td></tr></table>".into()
    }),
    ("E-DS-ON-NON-PROGRAMME", |d| {
        let ds = dp(d).specifies.instance.diploma_supplement.take();
        course(d).specifies.instance.diploma_supplement = ds;
    }),
    ("E-DS-VERSION", |d| ds(d).version = "2019".into()),
    ("E-DS-SECTION-NUMBER", |d| {
        ds(d).sections[0].number = "4a".into()
    }),
    ("E-EXTENSION-NAMESPACE", |d| {
        dp(d).specifies.instance.extension =
            Some(Extension::from_xml(r#"<laji xmlns="">1</laji>"#).expect("well-formed"))
    }),
    ("E-SIGNATURE-ELEMENT", |d| {
        d.signature = Some(
            Extension::from_xml(r#"<Sig xmlns="urn:example:not-dsig"/>"#).expect("well-formed"),
        )
    }),
];

#[test]
fn the_good_document_gives_no_findings() {
    assert_eq!(elmo::lint(&rich()), vec![]);
}

#[test]
fn each_rule_alone_gives_exactly_its_code() {
    for (code, breaker) in CASES {
        let mut doc = rich();
        breaker(&mut doc);
        assert_eq!(
            codes(&doc),
            BTreeSet::from([*code]),
            "breaking {code}: {:#?}",
            elmo::lint(&doc)
        );
    }
}

#[test]
fn severity_follows_the_code_prefix() {
    for (code, breaker) in CASES {
        let mut doc = rich();
        breaker(&mut doc);
        let expected = if code.starts_with('W') {
            Severity::Warning
        } else {
            Severity::Error
        };
        assert!(
            elmo::lint(&doc).iter().all(|f| f.severity == expected),
            "{code}"
        );
    }
}

#[test]
fn finding_paths_use_the_reader_path_form() {
    let mut doc = rich();
    course(&mut doc).specifies.instance.credits[0].scheme = "ECTS".into();
    let finding = elmo::lint(&doc).pop().expect("one finding");
    assert_eq!(
        finding.path,
        "/elmo/report[1]/learningOpportunitySpecification[1]/hasPart[1]/learningOpportunitySpecification/specifies/learningOpportunityInstance/credit[1]/scheme"
    );
}

#[test]
fn deep_finding_paths_are_exact() {
    let mut doc = rich();
    let mut class = Los {
        titles: vec![Text::lang("en", "A class")],
        los_type: Some(LosType::Class),
        ..Default::default()
    };
    class.specifies.instance.status = Some(Status::Passed);
    class.specifies.instance.credits.push(Credit {
        scheme: "ects".into(),
        level: None,
        value: Some(dec("1")),
    });
    course(&mut doc).has_part.push(class);
    course(&mut doc).titles[1].value = " ".into();
    course(&mut doc).specifies.instance.identifiers[0].kind = "LOCAL".into();
    let section = &mut ds(&mut doc).sections[0].sections[0];
    let pdf = elmo::Attachment {
        identifiers: vec![Identifier::new("internal", "ds-section-pdf")],
        ..Default::default()
    };
    section.attachments = vec![pdf.clone(), pdf];
    let found: Vec<(&str, String)> = elmo::lint(&doc)
        .into_iter()
        .map(|f| (f.code, f.path))
        .collect();
    let dp = "/elmo/report[1]/learningOpportunitySpecification[1]";
    let course = format!("{dp}/hasPart[1]/learningOpportunitySpecification");
    let loi = "specifies/learningOpportunityInstance";
    assert_eq!(
        found,
        [
            (
                "E-ATTACHMENT-ID-DUP",
                format!("{dp}/{loi}/diplomaSupplement/section[1]/section[1]/attachment[2]")
            ),
            ("E-EMPTY", format!("{course}/title[2]")),
            ("E-ID-TYPE-CASE", format!("{course}/{loi}/identifier[1]")),
            (
                "E-CREDIT-DOUBLE",
                format!("{course}/hasPart[1]/learningOpportunitySpecification/{loi}/credit[1]")
            ),
        ]
    );
}

#[test]
fn findings_never_quote_the_identity_code() {
    let mut doc = rich();
    doc.learner.identifiers[0].kind = "NATIONALIDENTIFIER".into();
    doc.learner.identifiers[0].value.push('\u{1}');
    let findings = elmo::lint(&doc);
    assert!(!findings.is_empty());
    for f in findings {
        assert!(
            !f.message.contains("010190-123A") && !f.path.contains("010190-123A"),
            "{f:?}"
        );
    }
}

#[test]
fn official_example_reports_upper_case_ects() {
    let Some(example) = common::official_example() else {
        return;
    };
    let findings = elmo::lint(&elmo::read(&example).expect("example reads"));
    assert!(
        findings
            .iter()
            .any(|f| f.code == "E-CREDIT-SCHEME-CASE" && f.path.ends_with("/credit[1]/scheme")),
        "{findings:#?}"
    );
}

#[test]
fn every_code_is_documented_in_lint_md_and_tested() {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/LINT.md")).expect("LINT.md");
    let source = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/lint/mod.rs"))
        .expect("lint source");
    let in_source: BTreeSet<&str> = source
        .split('"')
        .filter(|s| {
            (s.starts_with("E-") || s.starts_with("W-"))
                && s.bytes()
                    .all(|b| b.is_ascii_uppercase() || b == b'-' || b.is_ascii_digit())
        })
        .collect();
    let tested: BTreeSet<&str> = CASES.iter().map(|(c, _)| *c).collect();
    for code in &in_source {
        assert!(
            doc.contains(&format!("`{code}`")),
            "{code} is not in LINT.md"
        );
    }
    assert_eq!(
        in_source, tested,
        "codes in src/lint/mod.rs vs codes with a test"
    );
}

#[test]
fn a_credit_above_999_is_refused() {
    let mut doc = rich();
    course(&mut doc).specifies.instance.credits[0].value =
        Some(dec("12345678901234567890123456789012345"));
    assert_eq!(codes(&doc), BTreeSet::from(["E-DECIMAL"]));
    course(&mut doc).specifies.instance.credits[0].value = Some(dec("999"));
    assert!(codes(&doc).is_empty());
}
