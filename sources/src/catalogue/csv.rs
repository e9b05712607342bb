//! Our canonical CSV template: one row per course version, one column per field and per
//! language (`title_fi`, `learning_outcomes_en`), a strict header (docs/catalogue.md).

use std::collections::BTreeSet;

use super::record::{Draft, Format, Names, Problem, Raw, Source, is_iso639_1, validate};
use super::{Catalogue, ReadOptions};

/// Columns that hold one value each.
pub(super) const FIXED_COLUMNS: &[&str] = &[
    "institution",
    "course_code",
    "valid_from",
    "valid_to",
    "languages",
    "eqf_level",
    "nqf_level",
    "isced_f",
    "ects",
    "url",
];

/// Fields with one column per language: `<field>_<ISO 639-1 code>`.
pub(super) const PER_LANGUAGE_COLUMNS: &[&str] = &[
    "title",
    "description",
    "content",
    "learning_outcomes",
    "prerequisites",
    "assessment",
];

const NAMES: Names = Names {
    institution: "institution",
    course_code: "course_code",
    valid_from: "valid_from",
    title: "title_*",
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column<'h> {
    Fixed(&'static str),
    /// (field, language)
    Text(&'static str, &'h str),
}

/// Reads CSV text. Problems with the header stop the whole file (one problem naming every
/// unknown and missing column), because a misspelt optional column would otherwise drop its
/// values silently.
pub(super) fn read(file: &str, text: &str, options: &ReadOptions) -> Catalogue {
    let mut out = Catalogue::default();
    // Spreadsheets write a byte-order mark; it is not part of the first column's name.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first_line = text.lines().next().unwrap_or("");
    // Spreadsheets in a Finnish locale separate with `;`; accept it when the header says so.
    let delimiter = if first_line.contains(';') && !first_line.contains(',') {
        b';'
    } else {
        b','
    };
    let mut reader = ::csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let header = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            out.problems.push(problem(
                file,
                1,
                "header",
                format!("unreadable header: {e}"),
            ));
            return out;
        }
    };
    let columns = match columns(&header, options) {
        Ok(c) => c,
        Err(message) => {
            out.problems.push(problem(file, 1, "header", message));
            return out;
        }
    };
    let source = Source {
        file,
        format: Format::Csv,
        names: &NAMES,
        institution: options.institution.as_deref(),
    };
    for row in reader.records() {
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                let line = e.position().map_or(0, |p| line_u32(p.line()));
                let message = match e.kind() {
                    ::csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => format!(
                        "expected {expected_len} cells as in the header, found {len}; is a comma \
                         inside an unquoted cell?"
                    ),
                    other => format!("unreadable row: {other:?}"),
                };
                out.problems.push(problem(file, line, "row", message));
                continue;
            }
        };
        let line = row.position().map_or(0, |p| line_u32(p.line()));
        // Spreadsheets leave rows of empty cells at the end; they hold nothing to lose.
        if row.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        let draft = draft(&columns, &header, &row, line);
        match validate(draft, &source) {
            Ok(course) => out.courses.push(course),
            Err(problems) => out.problems.extend(problems),
        }
    }
    out
}

fn line_u32(line: u64) -> u32 {
    u32::try_from(line).unwrap_or(u32::MAX)
}

fn problem(file: &str, line: u32, field: &str, message: String) -> Problem {
    Problem {
        file: file.to_owned(),
        line,
        column_or_field: field.to_owned(),
        message,
    }
}

/// Maps the header to columns, or says which columns are unknown, repeated or missing.
fn columns<'h>(
    header: &'h ::csv::StringRecord,
    options: &ReadOptions,
) -> Result<Vec<Column<'h>>, String> {
    let mut columns = Vec::new();
    let mut unknown = Vec::new();
    let mut seen = BTreeSet::new();
    let mut repeated = Vec::new();
    for name in header.iter() {
        let name = name.trim();
        let column = if let Some(fixed) = FIXED_COLUMNS.iter().find(|c| **c == name) {
            Some(Column::Fixed(fixed))
        } else {
            name.rsplit_once('_').and_then(|(field, lang)| {
                let field = PER_LANGUAGE_COLUMNS.iter().find(|c| **c == field)?;
                is_iso639_1(lang).then_some(Column::Text(field, lang))
            })
        };
        match column {
            Some(c) => {
                if !seen.insert(name) {
                    repeated.push(name);
                }
                columns.push(c);
            }
            None => unknown.push(name),
        }
    }
    let mut missing = Vec::new();
    for required in ["institution", "course_code", "valid_from"] {
        // The institution may come from the caller instead (ReadOptions::institution).
        if required == "institution" && options.institution.is_some() {
            continue;
        }
        if !seen.contains(required) {
            missing.push(required.to_owned());
        }
    }
    if !columns
        .iter()
        .any(|c| matches!(c, Column::Text("title", _)))
    {
        missing.push("title_<language> (e.g. title_fi)".to_owned());
    }
    if unknown.is_empty() && missing.is_empty() && repeated.is_empty() {
        return Ok(columns);
    }
    let mut parts = Vec::new();
    if !unknown.is_empty() {
        parts.push(format!(
            "unknown columns {}",
            unknown
                .iter()
                .map(|u| format!("`{}`", super::record::echo(u)))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !repeated.is_empty() {
        parts.push(format!("repeated columns {}", repeated.join(", ")));
    }
    if !missing.is_empty() {
        parts.push(format!("missing required columns {}", missing.join(", ")));
    }
    Err(format!(
        "{}; expected the columns {} and {} with a language suffix such as _fi, _sv, _en \
         (docs/catalogue.md)",
        parts.join("; "),
        FIXED_COLUMNS.join(", "),
        PER_LANGUAGE_COLUMNS.join(", ")
    ))
}

fn draft(
    columns: &[Column<'_>],
    header: &::csv::StringRecord,
    row: &::csv::StringRecord,
    line: u32,
) -> Draft {
    let mut d = Draft {
        line,
        ..Draft::default()
    };
    for ((column, name), cell) in columns.iter().zip(header.iter()).zip(row.iter()) {
        let value = cell.trim();
        if value.is_empty() {
            continue;
        }
        let name = name.trim();
        let raw = Raw::new(value, name, line);
        match *column {
            Column::Fixed("institution") => d.institution = Some(raw),
            Column::Fixed("course_code") => d.course_code = Some(raw),
            Column::Fixed("valid_from") => d.valid_from = Some(raw),
            Column::Fixed("valid_to") => d.valid_to = Some(raw),
            Column::Fixed("languages") => {
                d.languages = value
                    .split(|c: char| c == ',' || c.is_whitespace())
                    .filter(|s| !s.is_empty())
                    .map(|s| Raw::new(s, name, line))
                    .collect();
            }
            Column::Fixed("eqf_level") => d.eqf_level = Some(raw),
            Column::Fixed("nqf_level") => d.nqf_level = Some(raw),
            Column::Fixed("isced_f") => d.isced_f = Some(raw),
            Column::Fixed("ects") => d.ects = Some(raw),
            Column::Fixed("url") => d.url = Some(raw),
            Column::Fixed(_) => {}
            Column::Text("learning_outcomes", lang) => {
                let items = outcome_lines(value)
                    .map(|item| Raw::new(item, name, line))
                    .collect();
                d.learning_outcomes.push((lang.to_owned(), items));
            }
            Column::Text(field, lang) => {
                let slot = match field {
                    "title" => &mut d.title,
                    "description" => &mut d.description,
                    "content" => &mut d.content,
                    "prerequisites" => &mut d.prerequisites,
                    _ => &mut d.assessment,
                };
                slot.push((lang.to_owned(), raw));
            }
        }
    }
    d
}

/// The learning outcomes of one cell: one per line, with a leading bullet (`- `, `* `, `• `)
/// dropped and blank lines skipped.
pub(super) fn outcome_lines(cell: &str) -> impl Iterator<Item = &str> {
    cell.lines()
        .map(|l| {
            let t = l.trim();
            t.strip_prefix("- ")
                .or_else(|| t.strip_prefix("* "))
                .or_else(|| t.strip_prefix("• "))
                .unwrap_or(t)
                .trim()
        })
        .filter(|l| !l.is_empty())
}
