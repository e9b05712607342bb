//! Cutting a document down to the results a student picked (elmo.md §0: the student chooses
//! which results the NCP sends, so the signed document differs per request).
//!
//! A selected LOS comes with its whole subtree: a degree's credits describe all its parts.
//! An ancestor that is only there to hold a selected part keeps its identity, titles and
//! status but loses the rest of its result (grade, credits, Diploma Supplement), because the
//! student did not pick it and its credits would count parts that are not sent. The status
//! stays: every LOI must have one (elmo.md §8 rule 7), and "passed" is still true of it.

use std::collections::BTreeSet;
use std::fmt;

use crate::{Elmo, Loi, Los};

/// Ids of a selection that name no result of the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownIds(pub Vec<String>);

impl fmt::Display for UnknownIds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no result has the id(s) {}", self.0.join(", "))
    }
}

impl std::error::Error for UnknownIds {}

/// The document with only the results named by `ids` and the ancestors they need.
///
/// An id names a LOS by the value of any of its identifiers or of its LOI's identifiers, or
/// as `type:value` (for example `local:TKT10021` or `virta-opintosuoritus:hy-att-1`). An id
/// that names several results (a course retaken) selects all of them. Reports left with no
/// result are dropped, and with them their grading schemes; a report keeps only the grading
/// schemes its remaining results refer to. Every id must name something, or nothing is cut:
/// the error lists the ids that matched nothing, in the order given.
pub fn select<S: AsRef<str>>(doc: &Elmo, ids: &[S]) -> Result<Elmo, UnknownIds> {
    let wanted: Vec<&str> = ids.iter().map(AsRef::as_ref).collect();
    let mut matched = BTreeSet::new();
    let mut out = doc.clone();
    out.reports.retain_mut(|report| {
        report.los = cut(std::mem::take(&mut report.los), &wanted, &mut matched);
        let used = grading_schemes_used(&report.los);
        report
            .grading_schemes
            .retain(|g| used.contains(g.local_id.as_str()));
        !report.los.is_empty()
    });
    let unknown: Vec<String> = wanted
        .iter()
        .enumerate()
        .filter(|(i, _)| !matched.contains(i))
        .map(|(_, id)| id.to_string())
        .collect();
    if unknown.is_empty() {
        Ok(out)
    } else {
        Err(UnknownIds(unknown))
    }
}

/// Keeps the LOSs of `forest` that are selected (whole) or hold a selected part (stripped).
fn cut(forest: Vec<Los>, wanted: &[&str], matched: &mut BTreeSet<usize>) -> Vec<Los> {
    let mut kept = Vec::new();
    for mut los in forest {
        let hits: Vec<usize> = (0..wanted.len())
            .filter(|&i| names(&los, wanted[i]))
            .collect();
        if !hits.is_empty() {
            matched.extend(hits);
            // Mark ids that also name something inside, so they are not reported unknown.
            mark_within(&los.has_part, wanted, matched);
            kept.push(los);
            continue;
        }
        los.has_part = cut(std::mem::take(&mut los.has_part), wanted, matched);
        if !los.has_part.is_empty() {
            strip_result(&mut los.specifies.instance);
            kept.push(los);
        }
    }
    kept
}

fn mark_within(forest: &[Los], wanted: &[&str], matched: &mut BTreeSet<usize>) {
    for los in forest {
        matched.extend((0..wanted.len()).filter(|&i| names(los, wanted[i])));
        mark_within(&los.has_part, wanted, matched);
    }
}

/// Whether `id` names this LOS (see [`select`]).
fn names(los: &Los, id: &str) -> bool {
    let loi = &los.specifies.instance;
    los.identifiers
        .iter()
        .chain(&loi.identifiers)
        .any(|i| i.value == id || id.split_once(':') == Some((i.kind.as_str(), i.value.as_str())))
}

/// An ancestor kept for structure: who it is stays, what the learner achieved in it goes.
fn strip_result(loi: &mut Loi) {
    *loi = Loi {
        identifiers: std::mem::take(&mut loi.identifiers),
        start: loi.start.take(),
        status: loi.status.take(),
        ..Loi::default()
    };
}

fn grading_schemes_used(forest: &[Los]) -> BTreeSet<&str> {
    let mut used = BTreeSet::new();
    let mut stack: Vec<&Los> = forest.iter().collect();
    while let Some(los) = stack.pop() {
        if let Some(id) = &los.specifies.instance.grading_scheme_local_id {
            used.insert(id.as_str());
        }
        stack.extend(&los.has_part);
    }
    used
}

#[cfg(test)]
mod tests;
