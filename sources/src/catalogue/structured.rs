//! Our canonical fields as JSON or YAML (`{courses: [...]}` or a bare list), and the shape
//! check that sends OOAPI JSON to [`super::ooapi`]. Each record is read on its own, so one bad
//! record becomes a [`Problem`] and the others still load.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use serde_json::value::RawValue;

use super::record::{Draft, Format, Names, Problem, Raw, Source, validate};
use super::{Catalogue, CatalogueError, ReadOptions, ooapi};

const NAMES: Names = Names {
    institution: "institution",
    course_code: "course_code",
    valid_from: "valid_from",
    title: "title",
};

/// One record of our form as written: every scalar still text, unknown keys refused.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRecord {
    institution: Option<Scalar>,
    course_code: Option<Scalar>,
    valid_from: Option<Scalar>,
    valid_to: Option<Scalar>,
    #[serde(default)]
    title: BTreeMap<String, String>,
    #[serde(default)]
    description: BTreeMap<String, String>,
    #[serde(default)]
    content: BTreeMap<String, String>,
    #[serde(default)]
    learning_outcomes: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    prerequisites: BTreeMap<String, String>,
    #[serde(default)]
    assessment: BTreeMap<String, String>,
    #[serde(default)]
    languages: Vec<String>,
    eqf_level: Option<Scalar>,
    nqf_level: Option<Scalar>,
    isced_f: Option<Scalar>,
    ects: Option<Scalar>,
    url: Option<Scalar>,
}

/// A string or a number, kept as text; remembers which, because a number written for a code
/// (`01901`, `0613`) has lost its leading zero.
#[derive(Debug)]
struct Scalar {
    text: String,
    number: bool,
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or a number")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar {
                    text: v.to_owned(),
                    number: false,
                })
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar {
                    text: v.to_string(),
                    number: true,
                })
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar {
                    text: v.to_string(),
                    number: true,
                })
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar {
                    text: v.to_string(),
                    number: true,
                })
            }
        }
        d.deserialize_any(V)
    }
}

/// A file's text split into lines once, so that records can be placed by line without
/// rescanning the file for each one.
pub(super) struct FileText<'t> {
    text: &'t str,
    lines: Vec<&'t str>,
    /// Byte offset where each line starts.
    starts: Vec<usize>,
}

impl<'t> FileText<'t> {
    pub(super) fn new(text: &'t str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        FileText {
            text,
            lines: text.lines().collect(),
            starts,
        }
    }

    /// How many lines the file has (at least 1).
    pub(super) fn line_count(&self) -> u32 {
        u32::try_from(self.lines.len().max(1)).unwrap_or(u32::MAX)
    }

    /// 1-based line of byte `offset`.
    pub(super) fn line_at(&self, offset: usize) -> u32 {
        u32::try_from(self.starts.partition_point(|s| *s <= offset).max(1)).unwrap_or(u32::MAX)
    }

    /// A locator for the record on lines `first..=last`.
    pub(super) fn locator(&self, first: u32, last: u32) -> Locator<'_> {
        Locator {
            lines: &self.lines,
            first,
            last: last.max(first),
        }
    }
}

/// Finds the line of a key inside one record, so a problem can point at the field rather than
/// at the record. A best effort: neither yaml_serde nor serde_json keeps spans for values that
/// deserialized fine.
pub(super) struct Locator<'a> {
    /// The file's lines.
    lines: &'a [&'a str],
    /// First line of the record (1-based).
    pub first: u32,
    /// Last line of the record (inclusive).
    pub last: u32,
}

impl Locator<'_> {
    /// The first line at or after `from` within the record that holds `key` as a key
    /// (`key:`, `"key":`, `- key:`); the record's first line when none does.
    pub(super) fn key(&self, key: &str, from: u32) -> u32 {
        let from = from.max(self.first).max(1);
        let quoted = format!("\"{key}\"");
        let plain = format!("{key}:");
        for n in from..=self.last {
            let Some(line) = self.lines.get(n as usize - 1) else {
                break;
            };
            let bare = line.trim_start().trim_start_matches("- ").trim_start();
            let json_key = line
                .match_indices(&quoted)
                .any(|(i, _)| line[i + quoted.len()..].trim_start().starts_with(':'));
            if bare.starts_with(&plain) || json_key {
                return n;
            }
        }
        self.first
    }
}

/// A record's raw JSON with its first and last line in the file.
pub(super) struct JsonRecord<'t> {
    pub raw: &'t RawValue,
    pub first: u32,
    pub last: u32,
}

fn json_record<'t>(file: &FileText<'t>, raw: &'t RawValue) -> JsonRecord<'t> {
    // The raw value borrows from the file's text, so its address gives its offset.
    let offset = (raw.get().as_ptr() as usize).saturating_sub(file.text.as_ptr() as usize);
    let first = file.line_at(offset);
    let newlines = raw.get().bytes().filter(|b| *b == b'\n').count();
    let last = first.saturating_add(u32::try_from(newlines).unwrap_or(0));
    JsonRecord { raw, first, last }
}

/// What a JSON catalogue looks like at the top.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// `{"courses": [...]}`: our form.
    OursObject,
    /// `[{...}, ...]` of our records.
    OursList,
    /// `{"items": [...]}`: an OOAPI page.
    OoapiPage,
    /// `[{...}, ...]` of OOAPI courses.
    OoapiList,
    /// `{"courseId": ...}`: one OOAPI course.
    OoapiCourse,
}

/// An OOAPI course has a `courseId`, or names as a list of `{language, value}`.
fn looks_like_ooapi_course(v: &serde_json::Value) -> bool {
    let name_is_typed = v
        .get("name")
        .and_then(|n| n.as_array())
        .and_then(|a| a.first())
        .is_some_and(|f| f.get("language").is_some());
    v.get("courseId").is_some() || name_is_typed
}

fn shape(file: &str, v: &serde_json::Value) -> Result<Shape, CatalogueError> {
    let shape = match v {
        serde_json::Value::Object(o) if o.contains_key("courses") => Some(Shape::OursObject),
        serde_json::Value::Object(o) if o.contains_key("items") => Some(Shape::OoapiPage),
        serde_json::Value::Object(_) if looks_like_ooapi_course(v) => Some(Shape::OoapiCourse),
        serde_json::Value::Array(a) => match a.first() {
            Some(first) if looks_like_ooapi_course(first) => Some(Shape::OoapiList),
            _ => Some(Shape::OursList),
        },
        _ => None,
    };
    shape.ok_or_else(|| CatalogueError::Shape {
        file: file.to_owned(),
        message: "expected our catalogue `{\"courses\": [...]}` or a list of courses, or OOAPI v5 \
                  courses (`{\"items\": [...]}`, a list, or one course with `courseId`)"
            .into(),
    })
}

/// The JSON reader's document forms, borrowed so each record keeps its place in the file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OursDocument<'a> {
    #[serde(borrow)]
    courses: Vec<&'a RawValue>,
}

#[derive(Deserialize)]
struct OoapiPage<'a> {
    #[serde(borrow)]
    items: Vec<&'a RawValue>,
    #[serde(default)]
    ext: Option<serde_json::Value>,
    #[serde(default, rename = "hasNextPage")]
    has_next_page: Option<bool>,
}

/// What an OOAPI page says about itself, beside its courses.
#[derive(Debug, Default)]
pub(super) struct PageInfo {
    /// The page's `ext` (we read `ext.institution`).
    pub ext: Option<serde_json::Value>,
    /// `hasNextPage`: more courses on further pages.
    pub has_next_page: bool,
}

fn json_error(file: &str, format: Format, e: &serde_json::Error) -> CatalogueError {
    CatalogueError::Syntax {
        file: file.to_owned(),
        format,
        line: e.line(),
        column: e.column(),
        message: crate::redact(&strip_location(&e.to_string())),
    }
}

/// serde_json and yaml_serde append " at line L column C"; we print the position first.
pub(super) fn strip_location(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// Reads a `.json` catalogue: our form or OOAPI v5, told apart by shape.
pub(super) fn read_json(
    file: &str,
    text: &str,
    options: &ReadOptions,
) -> Result<Catalogue, CatalogueError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| json_error(file, Format::Json, &e))?;
    let shape = shape(file, &value)?;
    let (raws, page): (Vec<&RawValue>, PageInfo) = match shape {
        Shape::OursObject => {
            let doc: OursDocument<'_> =
                serde_json::from_str(text).map_err(|e| json_error(file, Format::Json, &e))?;
            (doc.courses, PageInfo::default())
        }
        Shape::OursList | Shape::OoapiList => (
            serde_json::from_str(text).map_err(|e| json_error(file, Format::Json, &e))?,
            PageInfo::default(),
        ),
        Shape::OoapiPage => {
            let page: OoapiPage<'_> =
                serde_json::from_str(text).map_err(|e| json_error(file, Format::Ooapi, &e))?;
            let info = PageInfo {
                ext: page.ext,
                has_next_page: page.has_next_page == Some(true),
            };
            (page.items, info)
        }
        Shape::OoapiCourse => {
            let one: &RawValue =
                serde_json::from_str(text).map_err(|e| json_error(file, Format::Ooapi, &e))?;
            (vec![one], PageInfo::default())
        }
    };
    let lines = FileText::new(text);
    let records: Vec<JsonRecord<'_>> = raws.into_iter().map(|r| json_record(&lines, r)).collect();
    if matches!(
        shape,
        Shape::OoapiPage | Shape::OoapiList | Shape::OoapiCourse
    ) {
        return Ok(ooapi::read(file, &lines, &records, &page, options));
    }
    let source = Source {
        file,
        format: Format::Json,
        names: &NAMES,
        institution: options.institution.as_deref(),
    };
    let mut out = Catalogue::default();
    for record in &records {
        let mut de = serde_json::Deserializer::from_str(record.raw.get());
        match serde_path_to_error::deserialize::<_, RawRecord>(&mut de) {
            Ok(raw) => {
                let locator = lines.locator(record.first, record.last);
                push(&mut out, validate(draft(raw, &locator), &source));
            }
            Err(e) => {
                let field = field_path(&e);
                let inner = e.into_inner();
                out.problems.push(Problem {
                    file: file.to_owned(),
                    line: record.first + u32::try_from(inner.line()).unwrap_or(1).max(1) - 1,
                    column_or_field: field,
                    message: crate::redact(&strip_location(&inner.to_string())),
                });
            }
        }
    }
    Ok(out)
}

fn field_path<E>(e: &serde_path_to_error::Error<E>) -> String {
    let path = e.path().to_string();
    if path.is_empty() || path == "." {
        "record".to_owned()
    } else {
        path
    }
}

fn push(out: &mut Catalogue, result: Result<super::CourseVersion, Vec<Problem>>) {
    match result {
        Ok(course) => out.courses.push(course),
        Err(problems) => out.problems.extend(problems),
    }
}

/// Reads a `.yaml`/`.yml` catalogue of our form.
pub(super) fn read_yaml(
    file: &str,
    text: &str,
    options: &ReadOptions,
) -> Result<Catalogue, CatalogueError> {
    crate::yaml_limits::check(text).map_err(|e| CatalogueError::Syntax {
        file: file.to_owned(),
        format: Format::Yaml,
        line: e.line,
        column: e.column,
        message: e.message,
    })?;
    let value: yaml_serde::Value = yaml_serde::from_str(text).map_err(|e| {
        let (line, column) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
        CatalogueError::Syntax {
            file: file.to_owned(),
            format: Format::Yaml,
            line,
            column,
            message: crate::redact(&strip_location(&e.to_string())),
        }
    })?;
    let shape_error = || CatalogueError::Shape {
        file: file.to_owned(),
        message: "expected `courses:` with a list of courses, or a bare list of courses".into(),
    };
    let (items, under_key) = match value {
        yaml_serde::Value::Null => (Vec::new(), false),
        yaml_serde::Value::Sequence(items) => (items, false),
        yaml_serde::Value::Mapping(mut m) => {
            let courses = m.remove("courses").ok_or_else(shape_error)?;
            if let Some((key, _)) = m.iter().next() {
                let key = key.as_str().unwrap_or("?");
                return Err(CatalogueError::Shape {
                    file: file.to_owned(),
                    message: format!(
                        "unknown top-level key `{}`; expected only `courses`",
                        super::record::echo(key)
                    ),
                });
            }
            match courses {
                yaml_serde::Value::Sequence(items) => (items, true),
                yaml_serde::Value::Null => (Vec::new(), true),
                _ => return Err(shape_error()),
            }
        }
        _ => return Err(shape_error()),
    };
    let starts = yaml_item_lines(text, under_key, items.len());
    let lines = FileText::new(text);
    let total_lines = lines.line_count();
    let source = Source {
        file,
        format: Format::Yaml,
        names: &NAMES,
        institution: options.institution.as_deref(),
    };
    let mut out = Catalogue::default();
    for (i, item) in items.into_iter().enumerate() {
        let (first, last) = match starts
            .as_ref()
            .and_then(|s| Some((s.get(i)?, s.get(i + 1))))
        {
            Some((first, next)) => (*first, next.map_or(total_lines, |n| n.saturating_sub(1))),
            // Flow-style lists: we could not find where each record starts.
            None => (1, 1),
        };
        match serde_path_to_error::deserialize::<_, RawRecord>(item) {
            Ok(raw) => {
                let locator = lines.locator(first, last);
                push(&mut out, validate(draft(raw, &locator), &source));
            }
            Err(e) => {
                let field = field_path(&e);
                let locator = lines.locator(first, last);
                let key = field.split(['.', '[']).next().unwrap_or("");
                out.problems.push(Problem {
                    file: file.to_owned(),
                    line: locator.key(key, first),
                    column_or_field: field,
                    message: crate::redact(&strip_location(&e.into_inner().to_string())),
                });
            }
        }
    }
    Ok(out)
}

/// The 1-based lines where the items of the course list start (`- ` at the list's indent), or
/// `None` when they cannot be told (flow style), so that lines are not guessed wrong.
fn yaml_item_lines(text: &str, under_key: bool, expected: usize) -> Option<Vec<u32>> {
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    if under_key {
        i = lines
            .iter()
            .position(|l| l.starts_with("courses:") || l.starts_with("\"courses\":"))?
            + 1;
    }
    // Bytes, not string slices: `indent` need not fall on a character boundary of every line.
    let is_item = |l: &str, indent: usize| {
        let b = l.as_bytes();
        b.len() > indent
            && b[..indent].iter().all(|c| *c == b' ')
            && b[indent] == b'-'
            && b.get(indent + 1).is_none_or(u8::is_ascii_whitespace)
    };
    let mut indent = None;
    let mut starts = Vec::new();
    for (n, line) in lines.iter().enumerate().skip(i) {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let own = line.len() - trimmed.len();
        let indent = *indent.get_or_insert(own);
        if is_item(line, indent) {
            starts.push(u32::try_from(n + 1).unwrap_or(u32::MAX));
        }
    }
    (starts.len() == expected).then_some(starts)
}

/// A record as a draft, each value with its field name and line.
fn draft(rec: RawRecord, loc: &Locator<'_>) -> Draft {
    let scalar = |s: Option<Scalar>, field: &str| {
        s.map(|s| Raw {
            text: s.text,
            field: field.to_owned(),
            line: loc.key(field, loc.first),
            number: s.number,
        })
    };
    let texts = |m: BTreeMap<String, String>, field: &str| -> Vec<(String, Raw)> {
        let at = loc.key(field, loc.first);
        m.into_iter()
            .filter(|(_, t)| !t.trim().is_empty())
            .map(|(lang, t)| {
                let line = loc.key(&lang, at);
                let raw = Raw::new(t, format!("{field}.{lang}"), line);
                (lang, raw)
            })
            .collect()
    };
    let outcomes_at = loc.key("learning_outcomes", loc.first);
    let learning_outcomes = rec
        .learning_outcomes
        .into_iter()
        .map(|(lang, items)| {
            let line = loc.key(&lang, outcomes_at);
            let field = format!("learning_outcomes.{lang}");
            let items = items
                .into_iter()
                .filter(|t| !t.trim().is_empty())
                .map(|t| Raw::new(t, field.clone(), line))
                .collect();
            (lang, items)
        })
        .collect();
    let languages_at = loc.key("languages", loc.first);
    Draft {
        line: loc.first,
        institution: scalar(rec.institution, "institution"),
        course_code: scalar(rec.course_code, "course_code"),
        valid_from: scalar(rec.valid_from, "valid_from"),
        valid_to: scalar(rec.valid_to, "valid_to"),
        title: texts(rec.title, "title"),
        description: texts(rec.description, "description"),
        content: texts(rec.content, "content"),
        learning_outcomes,
        prerequisites: texts(rec.prerequisites, "prerequisites"),
        assessment: texts(rec.assessment, "assessment"),
        languages: rec
            .languages
            .into_iter()
            .map(|l| Raw::new(l, "languages", languages_at))
            .collect(),
        eqf_level: scalar(rec.eqf_level, "eqf_level"),
        nqf_level: scalar(rec.nqf_level, "nqf_level"),
        isced_f: scalar(rec.isced_f, "isced_f"),
        ects: scalar(rec.ects, "ects"),
        url: scalar(rec.url, "url"),
    }
}
