//! Reader behaviour: namespaces, strictness, and errors that say where and what was expected.

mod common;

use elmo::Error;

/// A minimal document with `learner` replaced by `learner` and `report` by `report`.
fn doc(learner: &str, report: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<elmo xmlns="https://github.com/emrex-eu/elmo-schemas/tree/v1">
  <generatedDate>2025-01-15T10:00:00+02:00</generatedDate>
  {learner}
  <report>
    <issuer><identifier type="schac">helsinki.fi</identifier><title xml:lang="en">UH</title><url>https://www.helsinki.fi</url></issuer>
    {report}
  </report>
</elmo>"#
    )
}

const LEARNER: &str = "<learner><givenNames>Maija</givenNames><familyName>M</familyName></learner>";
const ISSUE_DATE: &str = "<issueDate>2025-01-15T10:00:00+02:00</issueDate>";

fn error(xml: &str) -> Error {
    elmo::read(xml.as_bytes()).expect_err("should be rejected")
}

fn structure(xml: &str) -> (elmo::Location, String) {
    match error(xml) {
        Error::Structure { at, message } => (at, message),
        other => panic!("expected a structure error, got {other:?}"),
    }
}

/// A LOS with the given LOI content.
fn los(loi: &str) -> String {
    format!(
        "<learningOpportunitySpecification><title>T</title><specifies><learningOpportunityInstance>{loi}</learningOpportunityInstance></specifies></learningOpportunitySpecification>"
    )
}

#[test]
fn reads_the_minimal_document() {
    let model = elmo::read(doc(LEARNER, ISSUE_DATE).as_bytes()).expect("valid");
    assert_eq!(model.learner.given_names, "Maija");
    assert_eq!(model.reports[0].issuer.identifiers[0].kind, "schac");
}

#[test]
fn prefixed_namespaces_read_like_the_default_namespace() {
    let prefixed = elmo::read(&common::document("prefixed.xml")).expect("prefixed.xml");
    let mut minimal = elmo::read(&common::document("minimal.xml")).expect("minimal.xml");
    let signature = prefixed.signature.clone().expect("signature kept");
    // The ds prefix was declared on the root, so the captured element declares it itself.
    assert!(
        signature
            .as_xml()
            .starts_with(r#"<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">"#),
        "{signature:?}"
    );
    minimal.signature = Some(signature);
    assert_eq!(prefixed, minimal);
}

#[test]
fn wrong_root_namespace_is_an_error() {
    let xml = doc(LEARNER, ISSUE_DATE).replace("tree/v1\"", "tree/v2\"");
    let (at, message) = structure(&xml);
    assert_eq!((at.line, at.path.as_str()), (2, "/elmo"));
    assert!(
        message.contains("expected `elmo` in https://github.com/emrex-eu/elmo-schemas/tree/v1"),
        "{message}"
    );
}

#[test]
fn element_in_a_foreign_namespace_outside_extension_is_an_error() {
    let learner = r#"<learner><givenNames>M</givenNames><familyName>M</familyName><x:bday xmlns:x="urn:other">1990-01-01</x:bday></learner>"#;
    let (at, message) = structure(&doc(learner, ISSUE_DATE));
    assert_eq!(at.path, "/elmo/learner");
    assert!(
        message.contains("`x:bday` is in namespace urn:other"),
        "{message}"
    );
    let learner = r#"<learner><givenNames>M</givenNames><familyName>M</familyName><x:note xmlns:x="urn:other"/></learner>"#;
    let (_, message) = structure(&doc(learner, ISSUE_DATE));
    assert!(
        message.contains("foreign content belongs in `extension`"),
        "{message}"
    );
}

#[test]
fn unknown_element_says_what_was_expected() {
    let learner = "<learner><givenNames>M</givenNames><nickname>x</nickname><familyName>M</familyName></learner>";
    let (at, message) = structure(&doc(learner, ISSUE_DATE));
    assert_eq!((at.line, at.path.as_str()), (4, "/elmo/learner"));
    assert!(
        message.contains("`nickname`") && message.contains("`familyName`"),
        "{message}"
    );
}

#[test]
fn order_errors_name_both_elements() {
    let report = format!(r#"<gradingScheme localId="A"/>{ISSUE_DATE}"#);
    let (at, message) = structure(&doc(LEARNER, &report));
    assert_eq!(at.path, "/elmo/report[1]");
    assert!(
        message.contains("missing the required element `issueDate` before `gradingScheme`"),
        "{message}"
    );

    let loi = "<resultLabel>5</resultLabel><status>passed</status>";
    let (at, message) = structure(&doc(LEARNER, &format!("{}{ISSUE_DATE}", los(loi))));
    assert_eq!(
        at.path,
        "/elmo/report[1]/learningOpportunitySpecification[1]/specifies/learningOpportunityInstance"
    );
    assert!(
        message.contains("`status` is out of order") && message.contains("before `resultLabel`"),
        "{message}"
    );
}

#[test]
fn missing_required_element_is_reported_at_the_parent() {
    let (at, message) = structure(&doc(
        "<learner><givenNames>M</givenNames></learner>",
        ISSUE_DATE,
    ));
    assert_eq!(at.path, "/elmo/learner");
    assert!(
        message.contains("`learner` is missing the required element `familyName`"),
        "{message}"
    );
}

#[test]
fn too_many_elements_are_reported() {
    let loi = "<status>passed</status><status>failed</status>";
    let (_, message) = structure(&doc(LEARNER, &format!("{}{ISSUE_DATE}", los(loi))));
    assert!(message.contains("too many `status`"), "{message}");
}

#[test]
fn invalid_values_give_path_line_and_expectation() {
    let learner = "<learner><givenNames>M</givenNames><familyName>M</familyName><bday>1990-02-30</bday></learner>";
    match error(&doc(learner, ISSUE_DATE)) {
        Error::Value { at, source } => {
            assert_eq!((at.line, at.path.as_str()), (4, "/elmo/learner/bday"));
            assert_eq!(source.kind, "xs:date");
        }
        other => panic!("expected a value error, got {other:?}"),
    }
    let loi = "<credit><scheme>ects</scheme><value>5,5</value></credit>";
    let message = error(&doc(LEARNER, &format!("{}{ISSUE_DATE}", los(loi)))).to_string();
    assert!(
        message.contains("credit[1]/value") && message.contains("comma"),
        "{message}"
    );
    let loi = "<status>done</status>";
    let message = error(&doc(LEARNER, &format!("{}{ISSUE_DATE}", los(loi)))).to_string();
    assert!(
        message.contains("`passed`, `failed`, `in-progress`"),
        "{message}"
    );
}

#[test]
fn errors_never_echo_an_identity_code() {
    let learner = "<learner><givenNames>M</givenNames><familyName>M</familyName><bday>010190-123A</bday></learner>";
    let message = error(&doc(learner, ISSUE_DATE)).to_string();
    assert!(
        message.contains("/elmo/learner/bday") && !message.contains("010190-123A"),
        "{message}"
    );
    let debug = format!(
        "{:?}",
        elmo::read(common::document("rich.xml").as_slice()).expect("rich")
    );
    assert!(
        !debug.contains("010190-123A"),
        "Debug output leaks the henkilötunnus"
    );
}

#[test]
fn unknown_attributes_are_errors() {
    let learner =
        r#"<learner><givenNames lang="fi">M</givenNames><familyName>M</familyName></learner>"#;
    let (_, message) = structure(&doc(learner, ISSUE_DATE));
    assert!(
        message.contains("unexpected attribute `lang` on `givenNames`"),
        "{message}"
    );
    let (_, message) = structure(&doc(
        LEARNER,
        &format!(
            "<learningOpportunitySpecification><identifier>x</identifier></learningOpportunitySpecification>{ISSUE_DATE}"
        ),
    ));
    assert!(message.contains("required attribute `type`"), "{message}");
}

#[test]
fn extension_children_must_be_in_a_foreign_namespace() {
    let loi = "<extension><virtaLaji>1</virtaLaji></extension>";
    let (at, message) = structure(&doc(LEARNER, &format!("{}{ISSUE_DATE}", los(loi))));
    assert!(
        at.path.ends_with("/learningOpportunityInstance/extension"),
        "{}",
        at.path
    );
    assert!(
        message.contains("foreign, non-empty namespace"),
        "{message}"
    );
    let loi = r#"<extension><fi:laji xmlns:fi="urn:fi">1</fi:laji></extension>"#;
    let model = elmo::read(doc(LEARNER, &format!("{}{ISSUE_DATE}", los(loi))).as_bytes())
        .expect("foreign is fine");
    let ext = model.reports[0].los[0]
        .specifies
        .instance
        .extension
        .as_ref()
        .expect("kept");
    assert_eq!(ext.as_xml(), r#"<fi:laji xmlns:fi="urn:fi">1</fi:laji>"#);
}

#[test]
fn extension_keeps_namespace_declarations_it_relies_on() {
    let xml = doc(
        LEARNER,
        &format!(
            "{}{ISSUE_DATE}",
            los("<extension><fi:laji a=\"1\"><fi:x/></fi:laji></extension>")
        ),
    )
    .replace("<elmo xmlns=", "<elmo xmlns:fi=\"urn:fi\" xmlns=");
    let model = elmo::read(xml.as_bytes()).expect("valid");
    let ext = model.reports[0].los[0]
        .specifies
        .instance
        .extension
        .as_ref()
        .expect("kept");
    assert_eq!(
        ext.as_xml(),
        r#"<fi:laji xmlns:fi="urn:fi" a="1"><fi:x/></fi:laji>"#
    );
}

#[test]
fn malformed_xml_gives_a_syntax_error_with_line() {
    let xml = doc(LEARNER, ISSUE_DATE).replace("</familyName>", "</family>");
    match error(&xml) {
        Error::Syntax { at, .. } => assert_eq!(at.line, 4),
        other => panic!("expected a syntax error, got {other:?}"),
    }
}

#[test]
fn doctype_and_foreign_encodings_are_refused() {
    let xml = doc(LEARNER, ISSUE_DATE)
        .replace("<elmo ", "<!DOCTYPE elmo [<!ENTITY a \"aaaa\">]>\n<elmo ");
    assert!(error(&xml).to_string().contains("DOCTYPE"));
    let xml = doc(LEARNER, ISSUE_DATE).replace("UTF-8", "ISO-8859-1");
    assert!(error(&xml).to_string().contains("expected UTF-8"));
    let bad_utf8 = [b"<elmo>".as_slice(), &[0xff, 0xfe, 0x41]].concat();
    assert!(matches!(elmo::read(&bad_utf8), Err(Error::Syntax { .. })));
}

#[test]
fn deep_nesting_is_refused_without_overflowing_the_stack() {
    let depth = 5000;
    let open = "<hasPart><learningOpportunitySpecification><title>T</title><specifies><learningOpportunityInstance/></specifies>";
    let mut inner = String::new();
    for _ in 0..depth {
        inner.push_str(open);
    }
    for _ in 0..depth {
        inner.push_str("</learningOpportunitySpecification></hasPart>");
    }
    let report = format!(
        "<learningOpportunitySpecification><title>T</title><specifies><learningOpportunityInstance/></specifies>{inner}</learningOpportunitySpecification>{ISSUE_DATE}"
    );
    let (_, message) = structure(&doc(LEARNER, &report));
    assert!(message.contains("nested deeper than 64"), "{message}");
}

#[test]
fn text_where_elements_belong_is_an_error() {
    let (at, message) = structure(&doc(
        "<learner>hello<givenNames>M</givenNames><familyName>M</familyName></learner>",
        ISSUE_DATE,
    ));
    assert_eq!(at.path, "/elmo/learner");
    assert!(
        message.contains("unexpected text inside `learner`"),
        "{message}"
    );
}

#[test]
fn entities_cdata_and_line_ends_are_decoded() {
    let learner = "<learner><givenNames>A &amp; <![CDATA[<B>]]>&#x41;</givenNames><familyName>x\r\ny</familyName></learner>";
    let model = elmo::read(doc(learner, ISSUE_DATE).as_bytes()).expect("valid");
    assert_eq!(model.learner.given_names, "A & <B>A");
    assert_eq!(model.learner.family_name, "x\ny");
}
