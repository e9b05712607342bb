//! `rikastin catalogue check`: what an institution sees before it hands a catalogue over. The
//! file is validated, joined against the cached results of that institution, and one enriched
//! course is shown as it would read in ELMO. Nothing in the cache changes.

use std::path::Path;

use elmo::Elmo;
use rikastin_sinks::Store;
use rikastin_sources::catalogue::{CatalogueIndex, Problem, ReadOptions, read_catalogue_with};

use super::catalogue::{self, course_code};
use super::rules::CatalogueRules;
use super::{myontaja, walk};

/// What the check found.
#[derive(Debug)]
pub struct CheckReport {
    /// Good course versions in the file.
    pub courses: usize,
    /// Bad rows and overlapping versions, by line.
    pub problems: Vec<Problem>,
    /// Cached results of the institution that have a course code and a date.
    pub examined: usize,
    /// Of those, the ones a version in this file would enrich.
    pub would_enrich: usize,
    /// Course codes in the cache that the file has no version for, most frequent first.
    pub unmatched: Vec<(String, usize)>,
    /// One enriched LOS, as ELMO XML.
    pub example: Option<String>,
}

/// Checks `file` for `institution` against every snapshot in `store`.
pub fn check(
    file: &Path,
    institution: &str,
    rules: &CatalogueRules,
    store: Option<&dyn Store>,
) -> Result<CheckReport, String> {
    let options = ReadOptions {
        institution: Some(institution.to_owned()),
    };
    let read = read_catalogue_with(file, &options).map_err(|e| e.to_string())?;
    let courses = read.courses.len();
    let mut problems = read.problems;
    let (index, overlaps) = CatalogueIndex::build(read.courses, &rules.key);
    problems.extend(overlaps);
    let mut report = CheckReport {
        courses,
        problems,
        examined: 0,
        would_enrich: 0,
        unmatched: Vec::new(),
        example: None,
    };
    let Some(store) = store else {
        return Ok(report);
    };
    let mut unmatched = std::collections::BTreeMap::<String, usize>::new();
    for meta in store.list_snapshots().map_err(|e| e.to_string())? {
        let Some(snapshot) = store
            .get_snapshot(&meta.learner_key)
            .map_err(|e| e.to_string())?
        else {
            continue;
        };
        let Ok(doc) = elmo::read(&snapshot.elmo_xml) else {
            continue;
        };
        for r in 0..doc.reports.len() {
            if myontaja(&doc.reports[r]) != Some(institution) {
                continue;
            }
            let mut candidates = Vec::new();
            walk(&doc.reports[r].los, &mut |los| {
                let loi = &los.specifies.instance;
                if let (Some(code), true) = (course_code(los), loi.date.is_some()) {
                    candidates.push((code.to_owned(), los.clone()));
                }
            });
            let rendered = catalogue::Rendered::default();
            for (code, mut los) in candidates {
                report.examined += 1;
                let join = catalogue::join(&mut los, institution, rules, &index, &rendered);
                if join.version.is_none() {
                    *unmatched.entry(code).or_default() += 1;
                    continue;
                }
                report.would_enrich += 1;
                if report.example.is_none() {
                    report.example = Some(fragment(&doc, r, los));
                }
            }
        }
    }
    report.unmatched = unmatched.into_iter().collect();
    report
        .unmatched
        .sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(report)
}

/// The LOS as the writer puts it, cut out of a one-course document; the learner is not shown.
fn fragment(doc: &Elmo, report: usize, los: elmo::Los) -> String {
    let mut one = doc.clone();
    let mut report = one.reports.swap_remove(report);
    report.los = vec![los];
    one.reports = vec![report];
    let xml = String::from_utf8_lossy(&elmo::write(&one)).into_owned();
    let start = xml.find("<learningOpportunitySpecification>");
    let end = xml.rfind("</learningOpportunitySpecification>");
    match (start, end) {
        (Some(s), Some(e)) => {
            // Back to the start of the line, so the indentation reads right.
            let s = xml[..s].rfind('\n').map_or(s, |n| n + 1);
            xml[s..e + "</learningOpportunitySpecification>".len()].to_owned()
        }
        _ => xml,
    }
}
