//! What a run would change: each learner's new document against the stored one, result by
//! result and field by field (`rikastin plan`, `run --dry-run`).
//!
//! Results are matched across the two documents by issuer, LOS identifier and LOI identifier,
//! which the mapping takes from VIRTA's and KOSKI's own keys, so a result that moved in the tree
//! is the same result. The learner's own fields are compared too but never printed: the plan
//! names a field that changed, not a person's name.

use std::collections::BTreeMap;

use elmo::{Elmo, Los, Text};
use serde::Serialize;

/// How many learners keep their field-by-field changes in one plan; beyond it only the counts
/// are kept, so that a plan over a million changed learners stays within memory.
pub const DETAIL_LIMIT: usize = 1000;

/// Values longer than this are cut in the plan, with `…`.
const SHOWN_CHARS: usize = 60;

/// How much of the common start of two long values is shown before their first difference.
const CONTEXT_CHARS: usize = 20;

/// One learner whose snapshot the run would create or change.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct LearnerChange {
    /// Learner key.
    pub learner: String,
    /// `created` (no snapshot yet) or `updated`.
    pub outcome: &'static str,
    /// Results in the new document.
    pub results: usize,
    /// Results added, removed and changed.
    pub added: usize,
    /// Results in the stored document that the new one no longer has.
    pub removed: usize,
    /// Results whose fields changed.
    pub changed: usize,
    /// Each change, for `updated` learners within [`DETAIL_LIMIT`]; empty otherwise.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<Change>,
}

/// One difference between the stored and the new document.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Change {
    /// Where: `learner`, `report <issuer>`, or `<issuer> <LOS id> (<LOI id>)` for a result.
    pub place: String,
    /// `added`, `removed` or `changed`.
    pub kind: &'static str,
    /// The field that changed (`description[en]`, `grade`, `credits`…); empty for a result
    /// added or removed whole.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub field: String,
    /// The stored value, shortened; never set for the learner's own fields.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    /// The new value, shortened; never set for the learner's own fields.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

/// Compares the stored document with the new one. The order is the new document's, then what
/// only the stored one has.
pub fn diff(stored: &Elmo, new: &Elmo) -> Vec<Change> {
    let mut changes = Vec::new();
    // Personal fields: named, never shown.
    let (a, b) = (&stored.learner, &new.learner);
    let learner_fields: [(&str, bool); 6] = [
        ("learner.identifier", a.identifiers != b.identifiers),
        ("learner.givenNames", a.given_names != b.given_names),
        ("learner.familyName", a.family_name != b.family_name),
        ("learner.bday", a.bday != b.bday),
        ("learner.citizenship", a.citizenship != b.citizenship),
        (
            "learner.other",
            a.place_of_birth != b.place_of_birth
                || a.birth_name != b.birth_name
                || a.current_address != b.current_address
                || a.gender != b.gender,
        ),
    ];
    for (field, differs) in learner_fields {
        if differs {
            changes.push(Change {
                place: "learner".into(),
                kind: "changed",
                field: field.into(),
                before: None,
                after: None,
            });
        }
    }
    let old_reports = reports(stored);
    let new_reports = reports(new);
    for (issuer, report) in &new_reports {
        let place = format!("report {issuer}");
        match old_reports.get(issuer) {
            None => changes.push(whole(place, "added")),
            Some(old) => {
                if old.issuer != report.issuer {
                    changes.push(field_change(&place, "issuer", "", ""));
                }
                if old.grading_schemes != report.grading_schemes {
                    changes.push(field_change(&place, "gradingScheme", "", ""));
                }
            }
        }
    }
    for issuer in old_reports.keys() {
        if !new_reports.contains_key(issuer) {
            changes.push(whole(format!("report {issuer}"), "removed"));
        }
    }
    let old_results = results(stored);
    let new_results = results(new);
    for (place, los) in &new_results {
        match old_results.get(place) {
            None => changes.push(whole(place.clone(), "added")),
            Some(old) => compare_los(place, old, los, &mut changes),
        }
    }
    for place in old_results.keys() {
        if !new_results.contains_key(place) {
            changes.push(whole(place.clone(), "removed"));
        }
    }
    changes
}

/// A learner's counts and changes, as the plan lists them.
pub fn learner_change(learner: String, stored: Option<&Elmo>, new: &Elmo) -> LearnerChange {
    let results = results(new).len();
    let Some(stored) = stored else {
        return LearnerChange {
            learner,
            outcome: "created",
            results,
            added: results,
            removed: 0,
            changed: 0,
            changes: Vec::new(),
        };
    };
    let changes = diff(stored, new);
    let is_result = |c: &&Change| !c.place.starts_with("report ") && c.place != "learner";
    let count = |kind: &str| {
        changes
            .iter()
            .filter(is_result)
            .filter(|c| c.kind == kind && c.field.is_empty())
            .count()
    };
    let mut changed: Vec<&str> = changes
        .iter()
        .filter(is_result)
        .filter(|c| !c.field.is_empty())
        .map(|c| c.place.as_str())
        .collect();
    changed.dedup();
    LearnerChange {
        learner,
        outcome: "updated",
        results,
        added: count("added"),
        removed: count("removed"),
        changed: changed.len(),
        changes,
    }
}

/// The plan as text: one line per learner (`+` created, `~` updated), then one indented line
/// per change. At most `limit` learners are listed; a line says how many more there are.
pub fn render(plan: &[LearnerChange], limit: usize) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for learner in plan.iter().take(limit) {
        let mark = if learner.outcome == "created" {
            '+'
        } else {
            '~'
        };
        let _ = write!(
            out,
            "{mark} {}  {}, {} results",
            learner.learner, learner.outcome, learner.results
        );
        if learner.outcome == "updated" {
            let _ = write!(
                out,
                ": {} added, {} removed, {} changed",
                learner.added, learner.removed, learner.changed
            );
        }
        out.push('\n');
        for c in &learner.changes {
            let _ = write!(out, "    {} {}", c.kind, c.place);
            if !c.field.is_empty() {
                let _ = write!(out, "  {}", c.field);
            }
            match (&c.before, &c.after) {
                (None, None) => {}
                (before, after) => {
                    let show = |v: &Option<String>| match v {
                        Some(v) => format!("{v:?}"),
                        None => "(none)".into(),
                    };
                    let _ = write!(out, ": {} -> {}", show(before), show(after));
                }
            }
            out.push('\n');
        }
    }
    if plan.len() > limit {
        let _ = writeln!(out, "… and {} more learners", plan.len() - limit);
    }
    out
}

fn whole(place: String, kind: &'static str) -> Change {
    Change {
        place,
        kind,
        field: String::new(),
        before: None,
        after: None,
    }
}

fn field_change(place: &str, field: &str, before: &str, after: &str) -> Change {
    let (before, after) = (one_line(before), one_line(after));
    // Long texts that differ late are shown from a little before the first difference.
    let same = before
        .chars()
        .zip(after.chars())
        .take_while(|(a, b)| a == b)
        .count();
    let skip = same.saturating_sub(CONTEXT_CHARS);
    let shown = |s: &str| {
        (!s.is_empty()).then(|| match skip {
            0 => shorten(s),
            _ => format!("…{}", shorten(&s.chars().skip(skip).collect::<String>())),
        })
    };
    Change {
        place: place.to_owned(),
        kind: "changed",
        field: field.to_owned(),
        before: shown(&before),
        after: shown(&after),
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn compare_los(place: &str, old: &Los, new: &Los, changes: &mut Vec<Change>) {
    let mut field = |name: &str, before: String, after: String| {
        if before != after {
            changes.push(field_change(place, name, &before, &after));
        }
    };
    texts(&mut field, "title", &old.titles, &new.titles);
    texts(
        &mut field,
        "description",
        &old.descriptions,
        &new.descriptions,
    );
    texts(
        &mut field,
        "descriptionHtml",
        &old.descriptions_html,
        &new.descriptions_html,
    );
    let opt = |o: &Option<String>| o.clone().unwrap_or_default();
    field(
        "type",
        old.los_type.map(|t| t.to_string()).unwrap_or_default(),
        new.los_type.map(|t| t.to_string()).unwrap_or_default(),
    );
    field("url", opt(&old.url), opt(&new.url));
    field("iscedCode", opt(&old.isced_code), opt(&new.isced_code));
    field(
        "subjectArea",
        opt(&old.subject_area),
        opt(&new.subject_area),
    );
    let (a, b) = (&old.specifies.instance, &new.specifies.instance);
    field("grade", opt(&a.result_label), opt(&b.result_label));
    field(
        "status",
        a.status.map(|s| s.to_string()).unwrap_or_default(),
        b.status.map(|s| s.to_string()).unwrap_or_default(),
    );
    field(
        "gradingScheme",
        opt(&a.grading_scheme_local_id),
        opt(&b.grading_scheme_local_id),
    );
    field("date", show_opt(&a.date), show_opt(&b.date));
    field("start", show_opt(&a.start), show_opt(&b.start));
    field("credits", credits(a), credits(b));
    let levels = |l: &elmo::Loi| {
        let v: Vec<String> = l
            .levels
            .iter()
            .map(|l| format!("{} {}", l.kind, l.value.as_deref().unwrap_or("")))
            .collect();
        v.join(", ")
    };
    field("level", levels(a), levels(b));
    field(
        "languageOfInstruction",
        opt(&a.language_of_instruction),
        opt(&b.language_of_instruction),
    );
    field(
        "engagementHours",
        show_opt(&a.engagement_hours),
        show_opt(&b.engagement_hours),
    );
    let flag = |x: bool| if x { "yes" } else { "" }.to_owned();
    field(
        "resultDistribution",
        flag(a.result_distribution.is_some()),
        flag(b.result_distribution.is_some()),
    );
    if a.result_distribution.is_some()
        && b.result_distribution.is_some()
        && a.result_distribution != b.result_distribution
    {
        field("resultDistribution", "before".into(), "after".into());
    }
    match (&a.diploma_supplement, &b.diploma_supplement) {
        (None, Some(_)) => field("diplomaSupplement", String::new(), "added".into()),
        (Some(_), None) => field("diplomaSupplement", "present".into(), String::new()),
        (Some(x), Some(y)) => {
            let (x, y) = (ds_sections(x), ds_sections(y));
            let numbers: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for number in numbers {
                let text =
                    |m: &BTreeMap<String, String>| m.get(number).cloned().unwrap_or_default();
                field(&format!("diplomaSupplement §{number}"), text(&x), text(&y));
            }
        }
        _ => {}
    }
    if old.extension != new.extension || a.extension != b.extension {
        field("extension", "before".into(), "after".into());
    }
}

/// A Diploma Supplement's sections by number, each as its title, content and additional
/// information. The issue date and section 7.1 are the run's date (as the content hash knows,
/// `run::content_hash`), so they are left out.
fn ds_sections(ds: &elmo::DiplomaSupplement) -> BTreeMap<String, String> {
    fn walk(sections: &[elmo::DiplomaSupplementSection], out: &mut BTreeMap<String, String>) {
        for s in sections {
            if s.number != "7.1" {
                let content = s.content.as_ref().map(|c| c.value.as_str()).unwrap_or("");
                let text = format!(
                    "{} {content} {}",
                    s.title,
                    s.additional_information.join(" ")
                );
                out.insert(s.number.clone(), text.trim().to_owned());
            }
            walk(&s.sections, out);
        }
    }
    let mut out = BTreeMap::new();
    walk(&ds.sections, &mut out);
    out
}

/// Compares localised texts language by language: `description[en]`.
fn texts(field: &mut impl FnMut(&str, String, String), name: &str, old: &[Text], new: &[Text]) {
    let by_lang = |texts: &[Text]| -> BTreeMap<String, String> {
        texts
            .iter()
            .map(|t| (t.lang.clone().unwrap_or_default(), t.value.clone()))
            .collect()
    };
    let (old, new) = (by_lang(old), by_lang(new));
    let langs: std::collections::BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    for lang in langs {
        let label = if lang.is_empty() {
            name.to_owned()
        } else {
            format!("{name}[{lang}]")
        };
        field(
            &label,
            old.get(lang).cloned().unwrap_or_default(),
            new.get(lang).cloned().unwrap_or_default(),
        );
    }
}

fn credits(loi: &elmo::Loi) -> String {
    let v: Vec<String> = loi
        .credits
        .iter()
        .map(|c| format!("{} {}", show_opt(&c.value), c.scheme))
        .collect();
    v.join(", ")
}

fn show_opt<T: std::fmt::Display>(v: &Option<T>) -> String {
    v.as_ref().map(|v| v.to_string()).unwrap_or_default()
}

fn shorten(s: &str) -> String {
    match s.char_indices().nth(SHOWN_CHARS) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_owned(),
    }
}

/// The reports of a document by issuer (its first identifier).
fn reports(doc: &Elmo) -> BTreeMap<String, &elmo::Report> {
    doc.reports
        .iter()
        .enumerate()
        .map(|(i, r)| (issuer_name(r, i), r))
        .collect()
}

fn issuer_name(report: &elmo::Report, index: usize) -> String {
    report
        .issuer
        .identifiers
        .first()
        .map(|id| id.value.clone())
        .unwrap_or_else(|| format!("report#{}", index + 1))
}

/// Every result of a document, nested ones too, by `<issuer> <LOS id> (<LOI id>)`. Two results
/// with the same name (no identifiers) are told apart by their order.
fn results(doc: &Elmo) -> BTreeMap<String, &Los> {
    fn walk<'a>(issuer: &str, los: &'a [Los], out: &mut BTreeMap<String, &'a Los>) {
        for l in los {
            let id = l
                .identifiers
                .first()
                .map(|i| i.value.as_str())
                .unwrap_or("");
            let loi = l.specifies.instance.identifiers.first();
            let mut place = match loi {
                Some(loi) => format!("{issuer} {id} ({})", loi.value),
                None => format!("{issuer} {id}"),
            };
            let mut n = 1;
            while out.contains_key(&place) {
                n += 1;
                place = format!("{issuer} {id} #{n}");
            }
            out.insert(place, l);
            walk(issuer, &l.has_part, out);
        }
    }
    let mut out = BTreeMap::new();
    for (i, r) in doc.reports.iter().enumerate() {
        walk(&issuer_name(r, i), &r.los, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use elmo::{Identifier, Issuer, Learner, Report};

    fn course(code: &str, att: &str, grade: &str, description: &str) -> Los {
        let mut los = Los {
            identifiers: vec![Identifier::new("local", code)],
            titles: vec![Text::lang("en", format!("Course {code}"))],
            descriptions: vec![Text::lang("en", description)],
            ..Default::default()
        };
        los.specifies.instance.identifiers = vec![Identifier::new("virta-opintosuoritus", att)];
        los.specifies.instance.result_label = Some(grade.into());
        los
    }

    fn doc(courses: Vec<Los>) -> Elmo {
        let now: elmo::DateTime = "2026-01-01T00:00:00Z".parse().unwrap();
        let issuer = Issuer {
            identifiers: vec![Identifier::new("schac", "helsinki.fi")],
            titles: vec![Text::lang("en", "University of Helsinki")],
            url: "https://www.helsinki.fi".into(),
            ..Default::default()
        };
        let mut report = Report::new(issuer, now.clone());
        report.los = courses;
        let mut elmo = Elmo::new(
            now,
            Learner {
                given_names: "Maija".into(),
                family_name: "Meikäläinen".into(),
                ..Default::default()
            },
        );
        elmo.reports.push(report);
        elmo
    }

    #[test]
    fn a_changed_description_and_grade_are_named_with_their_values() {
        let old = doc(vec![
            course("A1", "x1", "3", "Old text"),
            course("B2", "x2", "4", "B"),
        ]);
        let new = doc(vec![
            course("A1", "x1", "4", "New text"),
            course("B2", "x2", "4", "B"),
        ]);
        let changes = diff(&old, &new);
        let fields: Vec<(&str, &str, Option<&str>, Option<&str>)> = changes
            .iter()
            .map(|c| {
                (
                    c.place.as_str(),
                    c.field.as_str(),
                    c.before.as_deref(),
                    c.after.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            fields,
            [
                (
                    "helsinki.fi A1 (x1)",
                    "description[en]",
                    Some("Old text"),
                    Some("New text")
                ),
                ("helsinki.fi A1 (x1)", "grade", Some("3"), Some("4")),
            ]
        );
        let summary = learner_change("k".into(), Some(&old), &new);
        assert_eq!((summary.added, summary.removed, summary.changed), (0, 0, 1));
    }

    #[test]
    fn results_added_and_removed_are_counted_whole() {
        let old = doc(vec![
            course("A1", "x1", "3", "A"),
            course("B2", "x2", "4", "B"),
        ]);
        let new = doc(vec![
            course("A1", "x1", "3", "A"),
            course("C3", "x3", "5", "C"),
        ]);
        let summary = learner_change("k".into(), Some(&old), &new);
        assert_eq!((summary.added, summary.removed, summary.changed), (1, 1, 0));
        assert_eq!(summary.changes[0].place, "helsinki.fi C3 (x3)");
        assert_eq!(summary.changes[1].place, "helsinki.fi B2 (x2)");
    }

    #[test]
    fn a_result_that_moved_under_another_is_the_same_result() {
        let mut parent = course("P", "p1", "5", "Parent");
        let child = course("A1", "x1", "3", "A");
        let old = doc(vec![parent.clone(), child.clone()]);
        parent.has_part.push(child);
        let new = doc(vec![parent]);
        assert_eq!(diff(&old, &new), Vec::new());
    }

    #[test]
    fn the_learners_own_fields_are_named_but_never_shown() {
        let old = doc(vec![]);
        let mut new = doc(vec![]);
        new.learner.family_name = "Virtanen".into();
        let changes = diff(&old, &new);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].field, "learner.familyName");
        assert_eq!(
            (changes[0].before.clone(), changes[0].after.clone()),
            (None, None)
        );
        let json = serde_json::to_string(&changes).unwrap();
        assert!(
            !json.contains("Virtanen") && !json.contains("Meikäläinen"),
            "{json}"
        );
    }

    #[test]
    fn long_values_are_cut_and_shown_from_near_their_first_difference() {
        let long = "word ".repeat(40);
        let c = field_change("p", "description[en]", "", &long);
        let after = c.after.unwrap();
        assert_eq!(after.chars().count(), SHOWN_CHARS + 1);
        assert!(after.ends_with('…') && c.before.is_none());

        let (old, new) = (format!("{long}Old end."), format!("{long}New end."));
        let c = field_change("p", "description[en]", &old, &new);
        assert!(
            c.before.as_deref().unwrap().ends_with("word Old end."),
            "{c:?}"
        );
        assert!(c.after.as_deref().unwrap().starts_with('…'), "{c:?}");
        assert!(c.after.as_deref().unwrap().contains("New end."), "{c:?}");
    }
}
