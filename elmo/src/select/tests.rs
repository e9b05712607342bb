use super::*;
use crate::{
    Credit, DateTime, GradingScheme, Identifier, Issuer, Learner, LosType, Report, Status, Text,
};

fn los(kind: LosType, code: &str, loi_id: &str, ects: Option<&str>, parts: Vec<Los>) -> Los {
    let mut los = Los {
        identifiers: vec![Identifier::new("local", code)],
        titles: vec![Text::lang("en", code)],
        los_type: Some(kind),
        has_part: parts,
        ..Default::default()
    };
    let loi = &mut los.specifies.instance;
    loi.identifiers = vec![Identifier::new("virta-opintosuoritus", loi_id)];
    loi.status = Some(Status::Passed);
    loi.result_label = Some("5".into());
    loi.grading_scheme_local_id = Some(format!("scale-{code}"));
    if let Some(v) = ects {
        loi.credits.push(Credit {
            scheme: "ects".into(),
            level: None,
            value: Some(v.parse().unwrap()),
        });
    }
    los
}

fn report(school: &str, forest: Vec<Los>) -> Report {
    let now: DateTime = "2025-01-15T10:00:00+02:00".parse().unwrap();
    let issuer = Issuer {
        identifiers: vec![Identifier::new("schac", school)],
        titles: vec![Text::lang("en", school)],
        ..Default::default()
    };
    let mut r = Report::new(issuer, now);
    let mut stack: Vec<&Los> = forest.iter().collect();
    while let Some(l) = stack.pop() {
        r.grading_schemes.push(GradingScheme {
            local_id: l
                .specifies
                .instance
                .grading_scheme_local_id
                .clone()
                .unwrap(),
            descriptions: vec![Text::lang("en", "scale")],
        });
        stack.extend(&l.has_part);
    }
    r.los = forest;
    r
}

/// Two institutions: a degree with a module of two courses and a course beside it; and one
/// course taken twice at the other.
fn doc() -> Elmo {
    let module = los(
        LosType::Module,
        "MOD-1",
        "a-mod",
        None,
        vec![
            los(LosType::Course, "C-1", "a-1", Some("5"), vec![]),
            los(LosType::Course, "C-2", "a-2", Some("10"), vec![]),
        ],
    );
    let degree = los(
        LosType::DegreeProgramme,
        "DEG",
        "a-deg",
        Some("180"),
        vec![module],
    );
    let other = los(LosType::Course, "C-3", "a-3", Some("3"), vec![]);
    let retake = |id| los(LosType::Course, "X-1", id, Some("2"), vec![]);
    let now: DateTime = "2025-01-15T10:00:00+02:00".parse().unwrap();
    let mut d = Elmo::new(now, Learner::default());
    d.reports.push(report("a.fi", vec![degree, other]));
    d.reports
        .push(report("b.fi", vec![retake("b-1"), retake("b-2")]));
    d
}

fn codes(forest: &[Los]) -> Vec<String> {
    let mut out = vec![];
    for l in forest {
        out.push(l.identifiers[0].value.clone());
        out.extend(codes(&l.has_part));
    }
    out
}

#[test]
fn a_course_comes_with_its_ancestors_stripped_of_their_results() {
    let cut = select(&doc(), &["C-2"]).unwrap();
    assert_eq!(
        cut.reports.len(),
        1,
        "the report with nothing selected is dropped"
    );
    assert_eq!(codes(&cut.reports[0].los), ["DEG", "MOD-1", "C-2"]);
    let degree = &cut.reports[0].los[0];
    let loi = &degree.specifies.instance;
    assert!(loi.credits.is_empty(), "180 ECTS would count unsent parts");
    // Every LOI keeps a status, or the served selection fails E-STATUS-MISSING (issue 19).
    assert_eq!(loi.status, Some(Status::Passed));
    assert_eq!(loi.result_label, None);
    assert!(
        crate::lint(&cut)
            .iter()
            .all(|f| f.code != "E-STATUS-MISSING"),
        "{:?}",
        crate::lint(&cut)
    );
    assert_eq!(
        loi.identifiers[0].value, "a-deg",
        "the ancestor stays recognisable"
    );
    let course = &degree.has_part[0].has_part[0];
    assert_eq!(
        course.specifies.instance.credits[0].value,
        Some("10".parse().unwrap())
    );
    assert_eq!(course.specifies.instance.result_label.as_deref(), Some("5"));
}

#[test]
fn a_selected_parent_keeps_its_whole_subtree_and_result() {
    let cut = select(&doc(), &["MOD-1", "C-1"]).unwrap();
    assert_eq!(codes(&cut.reports[0].los), ["DEG", "MOD-1", "C-1", "C-2"]);
    let module = &cut.reports[0].los[0].has_part[0];
    assert_eq!(module.specifies.instance.status, Some(Status::Passed));
}

#[test]
fn ids_name_a_loi_or_a_typed_identifier_and_retakes_come_together() {
    let cut = select(&doc(), &["a-3", "local:X-1"]).unwrap();
    assert_eq!(codes(&cut.reports[0].los), ["C-3"]);
    assert_eq!(codes(&cut.reports[1].los), ["X-1", "X-1"]);
    let only_one = select(&doc(), &["virta-opintosuoritus:b-2"]).unwrap();
    assert_eq!(only_one.reports[0].los.len(), 1);
    assert_eq!(
        only_one.reports[0].los[0].specifies.instance.identifiers[0].value,
        "b-2"
    );
}

#[test]
fn grading_schemes_follow_the_results_that_remain() {
    let cut = select(&doc(), &["C-1"]).unwrap();
    let ids: Vec<&str> = cut.reports[0]
        .grading_schemes
        .iter()
        .map(|g| g.local_id.as_str())
        .collect();
    assert_eq!(ids, ["scale-C-1"], "stripped ancestors refer to no scale");
}

#[test]
fn unknown_ids_are_all_named_and_nothing_is_cut() {
    let err = select(&doc(), &["nope", "C-1", "local:C-9"]).unwrap_err();
    assert_eq!(err.0, ["nope", "local:C-9"]);
    assert_eq!(err.to_string(), "no result has the id(s) nope, local:C-9");
}

#[test]
fn the_cut_document_is_written_and_read_back_unchanged() {
    let cut = select(&doc(), &["C-2", "b-1"]).unwrap();
    assert_eq!(crate::read(&crate::write(&cut)).unwrap(), cut);
}
