//! The as-of index: course versions keyed by (institution, normalised course code), each key's
//! versions in date order, so the version valid on a completion date is one binary search away.
//! A HashMap, not a data frame: per-learner joins are this small (DESIGN.md, Dependencies).

use std::collections::HashMap;

use serde::Deserialize;

use super::record::{CourseVersion, Problem};
use crate::virta::Pvm;

/// How course codes are made comparable before the join: VIRTA's `koulutusmoduulitunniste`
/// and a catalogue's code may differ in case, spacing or a system prefix. Declared in YAML.
///
/// Steps, in order: collapse whitespace, change case, then strip the first listed prefix that
/// the code starts with (compared in the same case; with `collapse_whitespace`, a space left
/// behind the prefix goes too).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyNormalisation {
    /// Case folding: `keep` (default), `upper` or `lower`.
    #[serde(default)]
    pub case: Case,
    /// Trim the code and turn every run of whitespace inside it into one space.
    #[serde(default)]
    pub collapse_whitespace: bool,
    /// Prefixes to remove, e.g. `["hy-CU-", "AY"]`; the first that matches is removed, once.
    #[serde(default)]
    pub strip_prefixes: Vec<String>,
}

/// Case folding of [`KeyNormalisation`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Case {
    /// Compare as written.
    #[default]
    Keep,
    /// Compare in upper case.
    Upper,
    /// Compare in lower case.
    Lower,
}

impl KeyNormalisation {
    /// The comparable form of a course code. Built in one string: every course of every
    /// learner is looked up, so the steps do not allocate a string each.
    pub fn normalise(&self, code: &str) -> String {
        let mut out = String::with_capacity(code.len());
        if self.collapse_whitespace {
            for (i, word) in code.split_whitespace().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(word);
            }
        } else {
            out.push_str(code);
        }
        let out = self.fold(out);
        for prefix in self.strip_prefixes.iter().filter(|p| !p.is_empty()) {
            let rest = if prefix.is_ascii() {
                strip_ascii_folded(&out, prefix, self.case)
            } else {
                out.strip_prefix(self.fold(prefix.clone()).as_str())
            };
            if let Some(rest) = rest {
                // `AY TKT10002` leaves a space behind the prefix; collapsing means dropping it.
                let rest = if self.collapse_whitespace {
                    rest.trim_start()
                } else {
                    rest
                };
                return rest.to_owned();
            }
        }
        out
    }

    /// `s` in the comparison's case; ASCII, nearly every code, is folded in place.
    fn fold(&self, mut s: String) -> String {
        match self.case {
            Case::Keep => s,
            Case::Upper if s.is_ascii() => {
                s.make_ascii_uppercase();
                s
            }
            Case::Lower if s.is_ascii() => {
                s.make_ascii_lowercase();
                s
            }
            Case::Upper => s.to_uppercase(),
            Case::Lower => s.to_lowercase(),
        }
    }
}

/// The folded `code` after an ASCII `prefix`, if it starts with the prefix in `case`; the
/// prefix is compared byte by byte, without folding it into a string of its own.
fn strip_ascii_folded<'c>(code: &'c str, prefix: &str, case: Case) -> Option<&'c str> {
    let head = code.as_bytes().get(..prefix.len())?;
    let same = head.iter().zip(prefix.bytes()).all(|(&c, p)| match case {
        Case::Keep => c == p,
        Case::Upper => c == p.to_ascii_uppercase(),
        Case::Lower => c == p.to_ascii_lowercase(),
    });
    // The matched bytes are ASCII, so the cut is on a character boundary.
    same.then(|| &code[prefix.len()..])
}

/// Course versions by institution and normalised code, each list sorted by `valid_from` with
/// no two windows overlapping.
#[derive(Debug, Clone, Default)]
pub struct CatalogueIndex {
    norm: KeyNormalisation,
    by_institution: HashMap<String, HashMap<String, Vec<CourseVersion>>>,
    len: usize,
}

impl CatalogueIndex {
    /// Builds the index. Versions of one (institution, normalised code) whose windows overlap,
    /// or repeat, are [`Problem`]s naming both records: of two such versions the one that
    /// starts earlier stays (on the same start, the one first in file and line order), so the
    /// result does not depend on the order the files were read in.
    pub fn build(
        courses: Vec<CourseVersion>,
        norm: &KeyNormalisation,
    ) -> (CatalogueIndex, Vec<Problem>) {
        let mut groups: HashMap<(String, String), Vec<CourseVersion>> = HashMap::new();
        for c in courses {
            let key = (c.institution.clone(), norm.normalise(&c.course_code));
            groups.entry(key).or_default().push(c);
        }
        let mut problems = Vec::new();
        let mut index = CatalogueIndex {
            norm: norm.clone(),
            ..CatalogueIndex::default()
        };
        let mut keys: Vec<(String, String)> = groups.keys().cloned().collect();
        keys.sort();
        for key in keys {
            let Some(mut versions) = groups.remove(&key) else {
                continue;
            };
            versions.sort_by(|a, b| {
                (a.valid_from, &a.origin.file, a.origin.line).cmp(&(
                    b.valid_from,
                    &b.origin.file,
                    b.origin.line,
                ))
            });
            let mut kept: Vec<CourseVersion> = Vec::with_capacity(versions.len());
            for v in versions {
                if let Some(last) = kept.last()
                    && last.valid_to.is_none_or(|to| v.valid_from <= to)
                {
                    problems.push(overlap(last, &v, &key.1));
                    continue;
                }
                kept.push(v);
            }
            index.len += kept.len();
            index
                .by_institution
                .entry(key.0)
                .or_default()
                .insert(key.1, kept);
        }
        (index, problems)
    }

    /// The version of `code` at `institution` whose window holds `on` (both ends inclusive).
    pub fn find(&self, institution: &str, code: &str, on: Pvm) -> Option<&CourseVersion> {
        let versions = self.versions(institution, code);
        // The last version starting on or before `on` is the only candidate: windows do not
        // overlap.
        let n = versions.partition_point(|v| v.valid_from <= on);
        let candidate = versions.get(n.checked_sub(1)?)?;
        candidate.is_valid_on(on).then_some(candidate)
    }

    /// Every version of `code` at `institution`, oldest first (empty when unknown).
    pub fn versions(&self, institution: &str, code: &str) -> &[CourseVersion] {
        self.by_institution
            .get(institution)
            .and_then(|codes| codes.get(&self.norm.normalise(code)))
            .map_or(&[], Vec::as_slice)
    }

    fn versions_normalised(&self, institution: &str, code: &str) -> &[CourseVersion] {
        self.by_institution
            .get(institution)
            .and_then(|codes| codes.get(code))
            .map_or(&[], Vec::as_slice)
    }

    /// The normalised course codes of an institution, sorted.
    pub fn codes_for(&self, institution: &str) -> Vec<&str> {
        let mut codes: Vec<&str> = self
            .by_institution
            .get(institution)
            .map(|c| c.keys().map(String::as_str).collect())
            .unwrap_or_default();
        codes.sort_unstable();
        codes
    }

    /// The institutions with at least one course, sorted.
    pub fn institutions(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self.by_institution.keys().map(String::as_str).collect();
        out.sort_unstable();
        out
    }

    /// The normalisation the index was built with.
    pub fn normalisation(&self) -> &KeyNormalisation {
        &self.norm
    }

    /// How many versions the index holds.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the index holds no version.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Every version, by institution, code and date.
    pub fn iter(&self) -> impl Iterator<Item = &CourseVersion> {
        self.institutions().into_iter().flat_map(move |inst| {
            self.codes_for(inst)
                .into_iter()
                .flat_map(move |code| self.versions_normalised(inst, code).iter())
        })
    }
}

fn overlap(kept: &CourseVersion, dropped: &CourseVersion, code: &str) -> Problem {
    let what = if kept.valid_from == dropped.valid_from && kept.valid_to == dropped.valid_to {
        "repeats"
    } else {
        "overlaps"
    };
    let reason = if kept.valid_from < dropped.valid_from {
        "it starts earlier"
    } else {
        "same start, it comes first"
    };
    Problem {
        file: dropped.origin.file.clone(),
        line: dropped.origin.line,
        column_or_field: "valid_from".into(),
        message: format!(
            "window {} of course {} {what} window {} at {}:{} (institution {}); expected one \
             version per day; kept the one at {}:{} ({reason})",
            dropped.origin.version,
            super::record::echo(code),
            kept.origin.version,
            kept.origin.file,
            kept.origin.line,
            kept.institution,
            kept.origin.file,
            kept.origin.line,
        ),
    }
}
