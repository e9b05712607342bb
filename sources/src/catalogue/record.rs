//! The catalogue record ([`CourseVersion`]), row-level [`Problem`]s, and the checks every
//! reader shares: each reader turns its rows into a [`Draft`] of raw texts, and [`validate`]
//! turns a draft into a record or into the problems that keep it out.

use std::collections::BTreeMap;
use std::fmt;

use crate::virta::{Decimal, Pvm};

use super::languages::LANGUAGES;

/// Text per language, keyed by ISO 639-1 code (`fi`, `sv`, `en`).
pub type Texts = BTreeMap<String, String>;

/// The form a catalogue file was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// Our canonical CSV template (docs/catalogue.md).
    Csv,
    /// Our canonical fields as JSON.
    Json,
    /// Our canonical fields as YAML.
    Yaml,
    /// OOAPI v5 `courses` JSON (a page, a list or one course).
    Ooapi,
}

impl Format {
    /// The format a file name asks for by its extension (`.csv`, `.json`, `.yaml`, `.yml`;
    /// any case); `None` for other names. A `.json` file may still turn out to be OOAPI.
    pub fn from_path(path: &std::path::Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            "yaml" | "yml" => Some(Format::Yaml),
            _ => None,
        }
    }

    /// A short name: `csv`, `json`, `yaml`, `ooapi-v5`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Yaml => "yaml",
            Format::Ooapi => "ooapi-v5",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a record came from, for provenance (issue 4 item 6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The file, as the caller named it.
    pub file: String,
    /// 1-based line where the record starts (for CSV the row, for JSON/YAML the record's
    /// opening line).
    pub line: u32,
    /// The form of the file.
    pub format: Format,
    /// The validity window as a label: `2024-08-01..2025-07-31`, or `2024-08-01..` when open.
    pub version: String,
}

/// One version of one course as an institution describes it: valid from `valid_from` to
/// `valid_to` (both inclusive; open-ended without `valid_to`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CourseVersion {
    /// Institution: the VIRTA `Myontaja` code, five digits (`01901`).
    pub institution: String,
    /// Course code as in VIRTA `koulutusmoduulitunniste`, as written in the file.
    pub course_code: String,
    /// First day this version describes.
    pub valid_from: Pvm,
    /// Last day this version describes; open-ended when `None`.
    pub valid_to: Option<Pvm>,
    /// Title per language; at least one.
    pub title: Texts,
    /// Description per language (may hold simple HTML; see [`super::html`]).
    pub description: Texts,
    /// Content (ECTS "course contents") per language.
    pub content: Texts,
    /// Learning outcomes per language, one statement each.
    pub learning_outcomes: BTreeMap<String, Vec<String>>,
    /// Prerequisites per language.
    pub prerequisites: Texts,
    /// Assessment methods and criteria per language.
    pub assessment: Texts,
    /// Languages of instruction, ISO 639-1 (`fi`, `en`).
    pub languages: Vec<String>,
    /// EQF level, 1–8.
    pub eqf_level: Option<u8>,
    /// Finnish NQF level, 1–8.
    pub nqf_level: Option<u8>,
    /// ISCED-F 2013 field code, 2–4 digits (`0613`).
    pub isced_f: Option<String>,
    /// ECTS credits.
    pub ects: Option<Decimal>,
    /// The course's page, http(s).
    pub url: Option<String>,
    /// Where this record came from.
    pub origin: Origin,
}

impl CourseVersion {
    /// Whether `on` falls in this version's window (both ends inclusive).
    pub fn is_valid_on(&self, on: Pvm) -> bool {
        self.valid_from <= on && self.valid_to.is_none_or(|to| on <= to)
    }
}

/// The validity label of a window: `2024-08-01..2025-07-31`, or `2024-08-01..` when open.
pub fn version_label(from: Pvm, to: Option<Pvm>) -> String {
    match to {
        Some(to) => format!("{from}..{to}"),
        None => format!("{from}.."),
    }
}

/// A bad row or record, left out of the catalogue, or a conflict between two records.
///
/// Displays as `FILE:LINE: field NAME: what was expected`. Values echoed from the input are
/// shortened and pass through [`crate::redact`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file, as the caller named it.
    pub file: String,
    /// 1-based line (1 for the header or the whole file).
    pub line: u32,
    /// The CSV column or the JSON/YAML field (`title_fi`, `ects`, `name[0].language`, `header`).
    pub column_or_field: String,
    /// What was wrong and what was expected.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: field {}: {}",
            self.file, self.line, self.column_or_field, self.message
        )
    }
}

/// How many characters of an input value a message repeats.
const MAX_ECHO: usize = 60;

/// An input value as a message may show it: redacted, shortened, on one line.
pub(super) fn echo(value: &str) -> String {
    let one_line: String = value
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let redacted = crate::redact(&one_line);
    let mut out: String = redacted.chars().take(MAX_ECHO).collect();
    if redacted.chars().count() > MAX_ECHO {
        out.push('…');
    }
    out
}

/// Whether `code` is an ISO 639-1 language code (lower case).
pub(super) fn is_iso639_1(code: &str) -> bool {
    LANGUAGES
        .binary_search_by(|(two, ..)| (*two).cmp(code))
        .is_ok()
}

/// The ISO 639-1 code of a language tag: `fi`, `FI`, `en-GB` (BCP 47 / RFC 3066, the primary
/// subtag counts) or an ISO 639-2 code (`fin`, `nld`, `ger`); `None` when it names no ISO 639-1
/// language.
pub(super) fn language_of_tag(tag: &str) -> Option<&'static str> {
    let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
    match primary.len() {
        2 => LANGUAGES
            .iter()
            .find(|(two, ..)| *two == primary)
            .map(|(two, ..)| *two),
        3 => LANGUAGES
            .iter()
            .find(|(_, t, b)| *t == primary || *b == Some(primary.as_str()))
            .map(|(two, ..)| *two),
        _ => None,
    }
}

/// One raw value of a draft: its text, the source field that held it and that field's line.
#[derive(Debug, Clone)]
pub(super) struct Raw {
    pub text: String,
    pub field: String,
    pub line: u32,
    /// The value was a JSON/YAML number, not a string (leading zeros may be lost).
    pub number: bool,
}

impl Raw {
    pub fn new(text: impl Into<String>, field: impl Into<String>, line: u32) -> Raw {
        Raw {
            text: text.into(),
            field: field.into(),
            line,
            number: false,
        }
    }
}

/// A record as read, before any check: every value still text. Readers fill it; [`validate`]
/// checks it. Empty values are left out by the readers.
#[derive(Debug, Clone, Default)]
pub(super) struct Draft {
    /// Line where the record starts.
    pub line: u32,
    pub institution: Option<Raw>,
    pub course_code: Option<Raw>,
    pub valid_from: Option<Raw>,
    pub valid_to: Option<Raw>,
    /// (language as written, value) per text field.
    pub title: Vec<(String, Raw)>,
    pub description: Vec<(String, Raw)>,
    pub content: Vec<(String, Raw)>,
    pub learning_outcomes: Vec<(String, Vec<Raw>)>,
    pub prerequisites: Vec<(String, Raw)>,
    pub assessment: Vec<(String, Raw)>,
    pub languages: Vec<Raw>,
    pub eqf_level: Option<Raw>,
    pub nqf_level: Option<Raw>,
    pub isced_f: Option<Raw>,
    pub ects: Option<Raw>,
    pub url: Option<Raw>,
}

/// How a format names the required fields when they are missing altogether.
pub(super) struct Names {
    pub institution: &'static str,
    pub course_code: &'static str,
    pub valid_from: &'static str,
    pub title: &'static str,
}

/// Where a draft came from, to build its origin and its problems.
pub(super) struct Source<'a> {
    pub file: &'a str,
    pub format: Format,
    pub names: &'a Names,
    /// The institution the caller reads this file for ([`super::ReadOptions`]), if any.
    pub institution: Option<&'a str>,
}

/// Collects the problems of one record.
struct Check<'a> {
    file: &'a str,
    problems: Vec<Problem>,
}

impl Check<'_> {
    fn fail(&mut self, line: u32, field: &str, message: String) {
        self.problems.push(Problem {
            file: self.file.to_owned(),
            line,
            column_or_field: field.to_owned(),
            message,
        });
    }

    fn bad(&mut self, raw: &Raw, expected: &str) {
        let message = format!("expected {expected}, found `{}`", echo(&raw.text));
        self.fail(raw.line, &raw.field, message);
    }
}

/// Checks a draft: a [`CourseVersion`], or every problem found in it (the record is then left
/// out of the catalogue).
pub(super) fn validate(draft: Draft, src: &Source<'_>) -> Result<CourseVersion, Vec<Problem>> {
    let mut c = Check {
        file: src.file,
        problems: Vec::new(),
    };
    let line = draft.line;

    let institution = match (&draft.institution, src.institution) {
        (Some(raw), wanted) => {
            let text = raw.text.trim();
            if raw.number {
                c.bad(
                    raw,
                    "the institution code as a quoted string (`\"01901\"`): a number loses its leading zero",
                );
                None
            } else if !(text.len() == 5 && text.bytes().all(|b| b.is_ascii_digit())) {
                c.bad(
                    raw,
                    "a 5-digit VIRTA institution code (Myontaja), e.g. `01901`",
                );
                None
            } else if let Some(wanted) = wanted.filter(|w| *w != text) {
                c.bad(
                    raw,
                    &format!(
                        "institution `{}` (the institution this file is read for)",
                        echo(wanted)
                    ),
                );
                None
            } else {
                Some(text.to_owned())
            }
        }
        (None, Some(wanted)) => Some(wanted.to_owned()),
        (None, None) => {
            c.fail(
                line,
                src.names.institution,
                "missing: every course needs its VIRTA institution code (Myontaja), e.g. `01901`"
                    .into(),
            );
            None
        }
    };

    let course_code = match &draft.course_code {
        Some(raw) if raw.number => {
            c.bad(
                raw,
                "the course code as a quoted string: a number may lose leading zeros",
            );
            None
        }
        Some(raw) => {
            let text = raw.text.trim();
            if text.is_empty() || text.chars().count() > 100 || text.chars().any(char::is_control) {
                c.bad(
                    raw,
                    "a course code as in VIRTA koulutusmoduulitunniste (1–100 characters, one line)",
                );
                None
            } else {
                Some(text.to_owned())
            }
        }
        None => {
            c.fail(
                line,
                src.names.course_code,
                "missing: expected the course code as in VIRTA koulutusmoduulitunniste".into(),
            );
            None
        }
    };

    let valid_from = match &draft.valid_from {
        Some(raw) => date(&mut c, raw),
        None => {
            c.fail(
                line,
                src.names.valid_from,
                "missing: expected the first day of validity as YYYY-MM-DD".into(),
            );
            None
        }
    };
    let valid_to = draft.valid_to.as_ref().map(|raw| (raw, date(&mut c, raw)));
    if let (Some(from), Some((raw, Some(to)))) = (valid_from, &valid_to)
        && *to < from
    {
        c.fail(
            raw.line,
            &raw.field,
            format!("expected a date on or after valid_from {from}, found `{to}`"),
        );
    }

    let before = c.problems.len();
    let title = texts(&mut c, &draft.title);
    if title.is_empty() && c.problems.len() == before {
        c.fail(
            line,
            src.names.title,
            "missing: expected a title in at least one language".into(),
        );
    }
    let description = texts(&mut c, &draft.description);
    let content = texts(&mut c, &draft.content);
    let prerequisites = texts(&mut c, &draft.prerequisites);
    let assessment = texts(&mut c, &draft.assessment);
    let mut learning_outcomes = BTreeMap::new();
    for (lang, items) in &draft.learning_outcomes {
        let Some(first) = items.first() else { continue };
        if let Some(lang) = text_language(&mut c, lang, first) {
            let list: Vec<String> = items
                .iter()
                .map(|r| r.text.trim().to_owned())
                .filter(|t| !t.is_empty())
                .collect();
            if !list.is_empty() {
                learning_outcomes
                    .entry(lang)
                    .or_insert_with(Vec::new)
                    .extend(list);
            }
        }
    }

    let mut languages = Vec::new();
    for raw in &draft.languages {
        let code = raw.text.trim().to_ascii_lowercase();
        if is_iso639_1(&code) {
            if !languages.contains(&code) {
                languages.push(code);
            }
        } else {
            c.bad(raw, "an ISO 639-1 language code such as `fi`, `sv` or `en`");
        }
    }

    let eqf_level = draft
        .eqf_level
        .as_ref()
        .and_then(|r| level(&mut c, r, "EQF"));
    let nqf_level = draft
        .nqf_level
        .as_ref()
        .and_then(|r| level(&mut c, r, "NQF"));
    let isced_f = draft.isced_f.as_ref().and_then(|r| isced(&mut c, r));
    let ects = draft.ects.as_ref().and_then(|r| ects(&mut c, r));
    let url = draft.url.as_ref().and_then(|r| url(&mut c, r));

    if !c.problems.is_empty() {
        return Err(c.problems);
    }
    // Every `None` of a required value above pushed a problem, so these all hold here.
    let (Some(institution), Some(course_code), Some(valid_from)) =
        (institution, course_code, valid_from)
    else {
        return Err(Vec::new());
    };
    let valid_to = valid_to.and_then(|(_, to)| to);
    Ok(CourseVersion {
        institution,
        course_code,
        valid_from,
        valid_to,
        title,
        description,
        content,
        learning_outcomes,
        prerequisites,
        assessment,
        languages,
        eqf_level,
        nqf_level,
        isced_f,
        ects,
        url,
        origin: Origin {
            file: src.file.to_owned(),
            line,
            format: src.format,
            version: version_label(valid_from, valid_to),
        },
    })
}

/// A strict ISO date, `YYYY-MM-DD` (no zone, no time).
fn date(c: &mut Check<'_>, raw: &Raw) -> Option<Pvm> {
    let text = raw.text.trim();
    let parsed = (text.len() == 10).then(|| Pvm::parse(text)).flatten();
    if parsed.is_none() {
        c.bad(raw, "a date as YYYY-MM-DD, e.g. `2024-08-01`");
    }
    parsed
}

/// Texts per language: the language must be ISO 639-1; empty texts are dropped.
fn texts(c: &mut Check<'_>, items: &[(String, Raw)]) -> Texts {
    let mut out = Texts::new();
    for (lang, raw) in items {
        let text = raw.text.trim();
        if text.is_empty() {
            continue;
        }
        if let Some(lang) = text_language(c, lang, raw) {
            match out.entry(lang) {
                std::collections::btree_map::Entry::Occupied(e) => c.fail(
                    raw.line,
                    &raw.field,
                    format!(
                        "language `{}` is given twice; expected one text per language",
                        e.key()
                    ),
                ),
                std::collections::btree_map::Entry::Vacant(e) => {
                    e.insert(text.to_owned());
                }
            }
        }
    }
    out
}

fn text_language(c: &mut Check<'_>, lang: &str, raw: &Raw) -> Option<String> {
    let code = lang.trim().to_ascii_lowercase();
    if is_iso639_1(&code) {
        Some(code)
    } else {
        c.fail(
            raw.line,
            &raw.field,
            format!(
                "expected an ISO 639-1 language code such as `fi`, `sv` or `en`, found `{}`",
                echo(lang)
            ),
        );
        None
    }
}

fn level(c: &mut Check<'_>, raw: &Raw, framework: &str) -> Option<u8> {
    let parsed = raw
        .text
        .trim()
        .parse::<u8>()
        .ok()
        .filter(|l| (1..=8).contains(l));
    if parsed.is_none() {
        c.bad(raw, &format!("an {framework} level, a whole number 1–8"));
    }
    parsed
}

/// ISCED-F 2013 broad fields: 00–10, and 99 for "field unknown".
fn isced(c: &mut Check<'_>, raw: &Raw) -> Option<String> {
    let text = raw.text.trim();
    let digits = (2..=4).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit());
    let broad_ok = digits
        && matches!(
            &text[..2],
            "00" | "01" | "02" | "03" | "04" | "05" | "06" | "07" | "08" | "09" | "10" | "99"
        );
    if raw.number {
        c.bad(
            raw,
            "the ISCED-F code as a quoted string (`\"0613\"`): a number loses its leading zero",
        );
        None
    } else if !broad_ok {
        c.bad(
            raw,
            "an ISCED-F 2013 field code of 2–4 digits with a broad field 00–10 or 99, e.g. `0613`",
        );
        None
    } else {
        Some(text.to_owned())
    }
}

fn ects(c: &mut Check<'_>, raw: &Raw) -> Option<Decimal> {
    let text = raw.text.trim();
    let parsed = Decimal::parse(text).filter(|d| !text.starts_with('-') && d.to_f64() <= 1000.0);
    if parsed.is_none() {
        let hint = if text.contains(',') {
            " (use a point, not a comma)"
        } else {
            ""
        };
        c.bad(
            raw,
            &format!("ECTS credits as a decimal number 0–1000 such as `5` or `7.5`{hint}"),
        );
    }
    parsed
}

fn url(c: &mut Check<'_>, raw: &Raw) -> Option<String> {
    let text = raw.text.trim();
    let ok = !text.chars().any(char::is_whitespace)
        && ammonia::Url::parse(text).is_ok_and(|u| {
            matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty())
        });
    if ok {
        Some(text.to_owned())
    } else {
        c.bad(
            raw,
            "an absolute http or https URL, e.g. `https://example.fi/course/X`",
        );
        None
    }
}
