//! A learner's path through one programme: the study right, its term registrations and the
//! degree plan, cut at graduation, at giving up, or at [`TODAY`] for studies still going on.

use crate::build::{Builder, DegreeGrades, RightEnd, TODAY};
use crate::catalogue::Programme;
use crate::date::Date;
use crate::record::Opintosuoritus;

/// One programme run.
pub(crate) struct Run<'a> {
    pub programme: &'static Programme,
    /// When the study right starts.
    pub right_start: Date,
    /// When the studies of this programme start (a master's right often starts with the
    /// bachelor's, its courses after it).
    pub courses_from: Date,
    /// When the degree would be complete.
    pub planned_end: Date,
    /// Gave up on this date, if before `planned_end`.
    pub gave_up: Option<Date>,
    pub grades: DegreeGrades,
    /// Extra direct parts of the degree (recognised credits, seminars).
    pub extras: Vec<Opintosuoritus>,
    /// The linked study right (Liittyvyys), for a master's right after the bachelor's.
    pub linked: Option<&'a str>,
}

impl<'a> Run<'a> {
    pub(crate) fn new(programme: &'static Programme, start: Date, planned_end: Date) -> Self {
        Run {
            programme,
            right_start: start,
            courses_from: start,
            planned_end,
            gave_up: None,
            grades: DegreeGrades::default(),
            extras: Vec::new(),
            linked: None,
        }
    }
}

/// What a run left behind.
pub(crate) struct Outcome {
    pub right: String,
    pub graduated: bool,
    /// The last day of studies in this programme (graduation, giving up, or today).
    pub until: Date,
}

/// Adds the run's study right, registrations and attainments to the builder.
pub(crate) fn run(b: &mut Builder<'_>, r: Run<'_>) -> Outcome {
    let (end, cutoff) = match r.gave_up {
        Some(d) if d < r.planned_end && d < TODAY => (RightEnd::GaveUp(d), d),
        _ if r.planned_end <= TODAY => (RightEnd::Graduated(r.planned_end), r.planned_end),
        _ => (RightEnd::Active, TODAY),
    };
    let p = r.programme;
    let right = b.study_right(
        p,
        p.tyyppi,
        r.right_start,
        end,
        r.linked.map(str::to_owned),
        false,
    );
    if r.courses_from <= cutoff {
        b.registrations(&right, r.courses_from, cutoff);
    }
    let graduated = b.degree(
        p,
        &right,
        r.courses_from,
        r.planned_end,
        cutoff,
        &r.grades,
        r.extras,
    );
    Outcome {
        right,
        graduated,
        until: cutoff,
    }
}
