//! OOAPI v5 `courses` JSON mapped to our record, per the field matrix of peers.md §2.2–2.3.
//!
//! OOAPI courses carry no VIRTA institution code, so it comes from the caller
//! ([`super::ReadOptions::institution`]) or from the page's `ext.institution`. Rich text (limited
//! Markdown or HTML) is kept as given; [`super::html`] cleans it where it is used.

use serde_json::{Map, Value};

use super::record::{Draft, Format, Names, Problem, Raw, Source, language_of_tag, validate};
use super::structured::{FileText, JsonRecord, Locator, PageInfo};
use super::{Catalogue, ReadOptions};
use crate::virta::Pvm;

const NAMES: Names = Names {
    institution: "institution",
    course_code: "primaryCode",
    valid_from: "validFrom",
    title: "name",
};

/// The first day of a course published without validity dates: such a course describes
/// every attainment, however old (docs/catalogue.md).
const ALWAYS: &str = "0001-01-01";

/// Reads the OOAPI course records of one file.
pub(super) fn read(
    file: &str,
    lines: &FileText<'_>,
    records: &[JsonRecord<'_>],
    page: &PageInfo,
    options: &ReadOptions,
) -> Catalogue {
    let mut out = Catalogue::default();
    let whole = lines.locator(1, lines.line_count());
    let declared = page
        .ext
        .as_ref()
        .and_then(|e| e.get("institution"))
        .map(|v| match v {
            Value::String(s) => Raw::new(s.clone(), "ext.institution", whole.key("institution", 1)),
            other => Raw {
                number: other.is_number(),
                ..Raw::new(
                    other.to_string(),
                    "ext.institution",
                    whole.key("institution", 1),
                )
            },
        });
    if declared.is_none() && options.institution.is_none() {
        out.problems.push(Problem {
            file: file.to_owned(),
            line: 1,
            column_or_field: "institution".into(),
            message: "OOAPI courses carry no VIRTA institution code: give it when reading \
                      (`--institution 01901`) or as the page's `ext.institution`"
                .into(),
        });
        return out;
    }
    if page.has_next_page {
        out.problems.push(Problem {
            file: file.to_owned(),
            line: whole.key("hasNextPage", 1),
            column_or_field: "hasNextPage".into(),
            message: "this page says more pages follow; only its own courses are read, so save \
                      every page (or one list of all courses)"
                .into(),
        });
    }
    let source = Source {
        file,
        format: Format::Ooapi,
        names: &NAMES,
        institution: options.institution.as_deref(),
    };
    for record in records {
        let loc = lines.locator(record.first, record.last);
        let obj = match serde_json::from_str::<Value>(record.raw.get()) {
            Ok(Value::Object(obj)) => obj,
            _ => {
                out.problems.push(Problem {
                    file: file.to_owned(),
                    line: record.first,
                    column_or_field: "course".into(),
                    message: "expected an OOAPI course object".into(),
                });
                continue;
            }
        };
        for version in versions(&obj, &loc) {
            let mut problems = Vec::new();
            let mut draft = draft(&version.course, &loc, file, &mut problems);
            draft.institution = declared.clone();
            draft.valid_from = Some(version.from);
            draft.valid_to = version.to;
            if !problems.is_empty() {
                out.problems.extend(problems);
                continue;
            }
            match validate(draft, &source) {
                Ok(course) => out.courses.push(course),
                Err(problems) => out.problems.extend(problems),
            }
        }
    }
    out
}

/// One version of a course: its fields and its window.
struct Version {
    course: Map<String, Value>,
    from: Raw,
    to: Option<Raw>,
}

/// The versions of one course: the course itself, and one per `timelineOverrides` entry (its
/// `course` fields laid over the base). The base keeps only the days no override covers.
fn versions(obj: &Map<String, Value>, loc: &Locator<'_>) -> Vec<Version> {
    let date_field = |o: &Map<String, Value>, names: [&str; 2], line_from: u32| {
        names.iter().find_map(|name| {
            o.get(*name).map(|v| {
                Raw::new(
                    v.as_str().map_or_else(|| v.to_string(), str::to_owned),
                    *name,
                    loc.key(name, line_from),
                )
            })
        })
    };
    let base_from = date_field(obj, ["validFrom", "startDate"], loc.first)
        .unwrap_or_else(|| Raw::new(ALWAYS, "validFrom", loc.first));
    let base_to = date_field(obj, ["validTo", "endDate"], loc.first);
    let mut base = obj.clone();
    base.remove("timelineOverrides");
    let overrides_at = loc.key("timelineOverrides", loc.first);
    let overrides: Vec<Version> = obj
        .get("timelineOverrides")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(Value::as_object)
                .map(|o| {
                    let mut course = base.clone();
                    if let Some(Value::Object(fields)) = o.get("course") {
                        for (k, v) in fields {
                            course.insert(k.clone(), v.clone());
                        }
                    }
                    let from = date_field(o, ["validFrom", "startDate"], overrides_at)
                        .unwrap_or_else(|| {
                            Raw::new(ALWAYS, "timelineOverrides.validFrom", overrides_at)
                        });
                    let to = date_field(o, ["validTo", "endDate"], overrides_at);
                    Version { course, from, to }
                })
                .collect()
        })
        .unwrap_or_default();

    let mut out = Vec::new();
    let parse = |r: &Raw| (r.text.len() == 10).then(|| Pvm::parse(&r.text)).flatten();
    match (parse(&base_from), base_to.as_ref().map(parse)) {
        // Dates we cannot read: pass them on unchanged, so the check reports them.
        (None, _) | (_, Some(None)) => out.push(Version {
            course: base.clone(),
            from: base_from,
            to: base_to,
        }),
        (Some(from), to) => {
            let to = to.flatten();
            let mut cuts: Vec<(Pvm, Option<Pvm>)> = overrides
                .iter()
                .filter_map(|v| Some((parse(&v.from)?, v.to.as_ref().and_then(parse))))
                .collect();
            cuts.sort();
            for (piece_from, piece_to) in uncovered(from, to, &cuts) {
                out.push(Version {
                    course: base.clone(),
                    from: Raw::new(piece_from.as_str(), base_from.field.clone(), base_from.line),
                    to: piece_to.map(|t| {
                        let (field, line) = base_to
                            .as_ref()
                            .map_or(("validTo".to_owned(), base_from.line), |r| {
                                (r.field.clone(), r.line)
                            });
                        Raw::new(t.as_str(), field, line)
                    }),
                });
            }
        }
    }
    out.extend(overrides);
    out
}

/// The parts of the window `from..=to` (open when `to` is `None`) that no cut covers.
fn uncovered(from: Pvm, to: Option<Pvm>, cuts: &[(Pvm, Option<Pvm>)]) -> Vec<(Pvm, Option<Pvm>)> {
    let mut out = Vec::new();
    let mut cursor = Some(from);
    for &(cut_from, cut_to) in cuts {
        let Some(start) = cursor else { break };
        if to.is_some_and(|t| cut_from > t) {
            break;
        }
        if cut_from > start
            && let Some(before) = prev_day(cut_from)
        {
            out.push((start, Some(to.map_or(before, |t| t.min(before)))));
        }
        cursor = match cut_to {
            Some(t) if t >= start => next_day(t),
            Some(_) => Some(start),
            None => None,
        };
    }
    if let Some(start) = cursor
        && to.is_none_or(|t| start <= t)
    {
        out.push((start, to));
    }
    out
}

fn next_day(d: Pvm) -> Option<Pvm> {
    Pvm::from_ymd(d.year(), d.month(), d.day() + 1)
        .or_else(|| Pvm::from_ymd(d.year(), d.month() + 1, 1))
        .or_else(|| Pvm::from_ymd(d.year() + 1, 1, 1))
}

fn prev_day(d: Pvm) -> Option<Pvm> {
    if d.day() > 1 {
        return Pvm::from_ymd(d.year(), d.month(), d.day() - 1);
    }
    let (year, month) = if d.month() > 1 {
        (d.year(), d.month() - 1)
    } else {
        (d.year() - 1, 12)
    };
    (28..=31)
        .rev()
        .find_map(|day| Pvm::from_ymd(year, month, day))
}

/// Maps one OOAPI course object to a draft (institution and validity are set by the caller).
/// Values of the wrong JSON type go to `problems`.
fn draft(
    course: &Map<String, Value>,
    loc: &Locator<'_>,
    file: &str,
    problems: &mut Vec<Problem>,
) -> Draft {
    let mut bad = |field: &str, expected: &str| {
        problems.push(Problem {
            file: file.to_owned(),
            line: loc.key(field, loc.first),
            column_or_field: field.to_owned(),
            message: format!("expected {expected} (OOAPI v5)"),
        });
    };
    let at = |field: &str| loc.key(field, loc.first);
    let mut d = Draft {
        line: loc.first,
        ..Draft::default()
    };

    // peers.md §2.3: primaryCode is the institution's own identifier; abbreviation the
    // ECTS code. Prefer the first, as VIRTA's koulutusmoduulitunniste is the institution's.
    let code = match course.get("primaryCode") {
        Some(Value::Object(o)) => o
            .get("code")
            .and_then(Value::as_str)
            .map(|c| ("primaryCode.code", c)),
        Some(Value::String(s)) => Some(("primaryCode", s.as_str())),
        Some(_) => {
            bad("primaryCode", "an object `{codeType, code}`");
            None
        }
        None => None,
    }
    .or_else(|| {
        course
            .get("abbreviation")
            .and_then(Value::as_str)
            .map(|c| ("abbreviation", c))
    });
    d.course_code = code
        .filter(|(_, c)| !c.trim().is_empty())
        .map(|(field, c)| Raw::new(c, field, at(field.split('.').next().unwrap_or(field))));

    for (field, slot) in [
        ("name", &mut d.title),
        ("description", &mut d.description),
        ("assessment", &mut d.assessment),
    ] {
        if let Some(v) = course.get(field) {
            match typed_strings(v, field, at(field)) {
                Some(items) => *slot = items,
                None => bad(field, "a list of `{language, value}`"),
            }
        }
    }
    // OOAPI v5 drafts call the prerequisites `requirements`; later ones `admissionRequirements`.
    for field in ["requirements", "admissionRequirements"] {
        match course.get(field) {
            Some(v) if d.prerequisites.is_empty() => match typed_strings(v, field, at(field)) {
                Some(items) => d.prerequisites = items,
                None => bad(field, "a list of `{language, value}`"),
            },
            _ => {}
        }
    }

    if let Some(v) = course.get("learningOutcomes") {
        match outcomes(v, at("learningOutcomes")) {
            Some(items) => d.learning_outcomes = items,
            None => bad(
                "learningOutcomes",
                "a list of outcomes, each a list of `{language, value}`",
            ),
        }
    }

    let languages: Vec<&Value> = match (
        course.get("teachingLanguage"),
        course.get("teachingLanguages"),
    ) {
        (Some(Value::String(_)), _) => course.get("teachingLanguage").into_iter().collect(),
        (Some(_), _) => {
            bad("teachingLanguage", "a language tag such as `fi` or `en-GB`");
            Vec::new()
        }
        (None, Some(Value::Array(list))) => list.iter().collect(),
        (None, Some(_)) => {
            bad("teachingLanguages", "a list of language tags");
            Vec::new()
        }
        (None, None) => Vec::new(),
    };
    for v in languages {
        let tag = v.as_str().unwrap_or_default();
        let field = if course.contains_key("teachingLanguage") {
            "teachingLanguage"
        } else {
            "teachingLanguages"
        };
        let code = language_of_tag(tag).map_or_else(|| tag.to_owned(), str::to_owned);
        d.languages.push(Raw::new(code, field, at(field)));
    }

    match course.get("ects") {
        Some(Value::Number(n)) => d.ects = Some(Raw::new(n.to_string(), "ects", at("ects"))),
        Some(Value::String(s)) => d.ects = Some(Raw::new(s.clone(), "ects", at("ects"))),
        Some(_) => bad("ects", "a number of ECTS credits"),
        None => {
            // Later OOAPI: `studyLoad {studyLoadUnit, value}`; only ECTS credits are ours.
            if let Some(Value::Object(load)) = course.get("studyLoad")
                && load.get("studyLoadUnit").and_then(Value::as_str) == Some("ects")
            {
                match load.get("value") {
                    Some(Value::Number(n)) => {
                        d.ects = Some(Raw::new(n.to_string(), "studyLoad.value", at("studyLoad")));
                    }
                    _ => bad("studyLoad", "`value` as a number of ECTS credits"),
                }
            }
        }
    }

    match course.get("level").map(|v| v.as_str()) {
        Some(Some(level)) => match eqf_of_level(level) {
            Ok(Some(eqf)) => {
                d.eqf_level = Some(Raw::new(eqf.to_string(), "level", at("level")));
                // The Finnish NQF follows the EQF's levels for these (Valtioneuvoston asetus
                // 120/2017): bachelor 6, master 7, doctoral 8.
                d.nqf_level = Some(Raw::new(eqf.to_string(), "level", at("level")));
            }
            Ok(None) => {}
            Err(()) => bad(
                "level",
                "an OOAPI level: secondary_vocational_education(_1.._4), associate_degree, \
                 bachelor, master, doctoral, undefined, undivided or nt",
            ),
        },
        Some(None) => bad("level", "an OOAPI level as a string"),
        None => {}
    }

    match course.get("fieldsOfStudy") {
        Some(Value::String(s)) => {
            d.isced_f = Some(Raw::new(s.clone(), "fieldsOfStudy", at("fieldsOfStudy")))
        }
        Some(Value::Array(list)) if list.len() == 1 && list[0].is_string() => {
            d.isced_f = Some(Raw::new(
                list[0].as_str().unwrap_or_default(),
                "fieldsOfStudy",
                at("fieldsOfStudy"),
            ));
        }
        Some(_) => bad("fieldsOfStudy", "one ISCED-F code as a string, e.g. `0613`"),
        None => {}
    }

    match course.get("link") {
        Some(Value::String(s)) => d.url = Some(Raw::new(s.clone(), "link", at("link"))),
        Some(_) => bad("link", "a URL as a string"),
        None => {}
    }
    d
}

/// `[{language, value}, ...]` as (ISO 639-1 code when the tag names one, else the tag; value).
fn typed_strings(v: &Value, field: &str, line: u32) -> Option<Vec<(String, Raw)>> {
    let mut out = Vec::new();
    for item in v.as_array()? {
        let (tag, value) = typed_string(item)?;
        if value.trim().is_empty() {
            continue;
        }
        let lang = language_of_tag(tag).map_or_else(|| tag.to_owned(), str::to_owned);
        out.push((lang, Raw::new(value, field, line)));
    }
    Some(out)
}

fn typed_string(item: &Value) -> Option<(&str, &str)> {
    Some((
        item.get("language")?.as_str()?,
        item.get("value")?.as_str()?,
    ))
}

/// Learning outcomes: each item one outcome in several languages (`[[{language, value}]]`,
/// v5), or a flat list of `{language, value}` with one outcome each.
fn outcomes(v: &Value, line: u32) -> Option<Vec<(String, Vec<Raw>)>> {
    let mut out: Vec<(String, Vec<Raw>)> = Vec::new();
    let mut add = |tag: &str, value: &str| {
        if value.trim().is_empty() {
            return;
        }
        let lang = language_of_tag(tag).map_or_else(|| tag.to_owned(), str::to_owned);
        let raw = Raw::new(value, "learningOutcomes", line);
        match out.iter_mut().find(|(l, _)| *l == lang) {
            Some((_, items)) => items.push(raw),
            None => out.push((lang, vec![raw])),
        }
    };
    for item in v.as_array()? {
        match item {
            Value::Array(translations) => {
                for t in translations {
                    let (tag, value) = typed_string(t)?;
                    add(tag, value);
                }
            }
            other => {
                let (tag, value) = typed_string(other)?;
                add(tag, value);
            }
        }
    }
    Some(out)
}

/// The EQF level of an OOAPI v5 `level`; `Ok(None)` for the values that name none.
fn eqf_of_level(level: &str) -> Result<Option<u8>, ()> {
    Ok(match level {
        "secondary_vocational_education_1" => Some(1),
        "secondary_vocational_education_2" => Some(2),
        "secondary_vocational_education_3" => Some(3),
        "secondary_vocational_education_4" => Some(4),
        "associate_degree" => Some(5),
        "bachelor" => Some(6),
        "master" => Some(7),
        "doctoral" => Some(8),
        "secondary_vocational_education" | "undefined" | "undivided" | "nt" => None,
        _ => return Err(()),
    })
}
