//! The DS input files: one file per degree programme and one national file, read, checked and
//! indexed by (institution, degree code). The format is documented in `docs/ds.md`.
//!
//! Values are checked while they are deserialized, so that a bad value is reported with the
//! file, line, column and YAML path of the value itself (DESIGN.md invariant 6); the checks that
//! need the whole file or several files (validity windows, overlaps, the DS language against
//! the national file) point at the line of the key.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use elmo::Date;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, de::DeserializeOwned};

use super::template;
use crate::yaml::{ConfigError, YamlFile};

/// The national file's name, without extension (`national.yaml` or `national.json`).
const NATIONAL_STEM: &str = "national";

/// Tags allowed in `html: true` texts: the simple HTML that ELMO clients render (elmo.md §2.10).
const HTML_TAGS: [&str; 10] = ["p", "br", "ul", "ol", "li", "em", "strong", "b", "i", "a"];

/// Every programme file and the national file of a DS folder, loaded and cross-checked.
#[derive(Debug)]
pub struct DsLibrary {
    programmes: Vec<Programme>,
    /// (institution, normalised degree code) → indexes into `programmes`.
    index: HashMap<(String, String), Vec<usize>>,
    national: National,
}

/// One programme file: the DS texts of a degree programme over a validity window.
#[derive(Debug, Clone)]
pub struct Programme {
    /// The file it was read from.
    pub file: PathBuf,
    /// VIRTA Myontaja code of the awarding institution, e.g. `01901`.
    pub institution: String,
    /// The codes the degree is recorded under (koulutusmoduulitunniste, Koulutuskoodi).
    pub degree_codes: Vec<String>,
    /// First day the texts apply to (by the degree's completion date), inclusive.
    pub valid_from: Option<Date>,
    /// Last day the texts apply to, inclusive.
    pub valid_to: Option<Date>,
    /// The language the DS is issued in (BCP 47, lower case).
    pub lang: String,
    pub(super) institution_status: Option<Located>,
    pub(super) sections: BTreeMap<&'static str, Located>,
    pub(super) signed_by: Option<Located>,
    pub(super) capacity: Option<Located>,
    pub(super) stamp: Option<Located>,
}

impl Programme {
    /// Whether the file gives the section (one of the programme sections, e.g. `3.3`).
    pub fn has_section(&self, number: &str) -> bool {
        self.sections.contains_key(number)
    }

    /// Whether the texts apply to a degree completed on `date` (no date: only an open window).
    pub fn valid_on(&self, date: Option<&Date>) -> bool {
        let Some(date) = date else {
            return self.valid_from.is_none() && self.valid_to.is_none();
        };
        let d = ymd(date);
        self.valid_from.as_ref().is_none_or(|f| ymd(f) <= d)
            && self.valid_to.as_ref().is_none_or(|t| d <= ymd(t))
    }

    /// `file:line` of a line in this file, for provenance.
    pub(super) fn at(&self, line: usize) -> String {
        at(&self.file, line)
    }
}

/// A text and the line of its key, for provenance.
#[derive(Debug, Clone)]
pub(super) struct Located {
    pub text: SectionText,
    pub line: usize,
}

/// The national file: section 8 and the fixed texts, per DS language.
#[derive(Debug)]
pub(super) struct National {
    pub file: PathBuf,
    pub version: String,
    pub texts: BTreeMap<String, NationalTexts>,
}

/// The national texts of one language.
#[derive(Debug)]
pub(super) struct NationalTexts {
    pub introduction: String,
    pub section_8: Located,
    pub not_available: String,
    pub results_in_report: String,
    pub credits: String,
    pub languages: BTreeMap<String, String>,
}

/// The programme files a degree's codes lead to, as of its completion date.
#[derive(Debug)]
pub enum Lookup<'a> {
    /// The file valid on the date.
    Found(&'a Programme),
    /// Files exist for the degree, but none is valid on the date.
    NotValidOn(Vec<&'a Programme>),
    /// No file names the degree.
    NoFile,
}

impl DsLibrary {
    /// Loads the national file (`national.yaml` or `.json`) and every other `*.yaml`, `*.yml`
    /// and `*.json` file of `dir` as a programme file, then checks them against each other: a
    /// DS language needs national texts, and no two files may claim the same (institution,
    /// degree code) over overlapping validity windows.
    pub fn load(dir: &Path) -> Result<DsLibrary, ConfigError> {
        let mut names = Vec::new();
        let entries = std::fs::read_dir(dir).map_err(|source| ConfigError::Io {
            file: dir.to_owned(),
            source,
        })?;
        for entry in entries {
            let entry = entry.map_err(|source| ConfigError::Io {
                file: dir.to_owned(),
                source,
            })?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let ext = Path::new(&name).extension().and_then(|e| e.to_str());
            if !name.starts_with('.') && matches!(ext, Some("yaml" | "yml" | "json")) {
                names.push(name);
            }
        }
        // Sorted, so that errors and provenance do not depend on the directory order.
        names.sort();

        let (national_names, programme_names): (Vec<_>, Vec<_>) =
            names.into_iter().partition(|n| {
                Path::new(n).file_stem().and_then(|s| s.to_str()) == Some(NATIONAL_STEM)
            });
        let national = match national_names.as_slice() {
            [one] => load_national(&read(&dir.join(one))?)?,
            [] => {
                return Err(ConfigError::Invalid {
                    file: dir.join("national.yaml"),
                    line: 0,
                    yaml_path: String::new(),
                    message: "missing: the national file holds section 8 and the introduction \
                              of every Diploma Supplement (see docs/ds.md)"
                        .into(),
                });
            }
            [first, second, ..] => {
                return Err(ConfigError::Invalid {
                    file: dir.join(second),
                    line: 0,
                    yaml_path: String::new(),
                    message: format!("a second national file beside {first}: keep one"),
                });
            }
        };

        let mut programmes = Vec::with_capacity(programme_names.len());
        let mut files = Vec::with_capacity(programme_names.len());
        for name in &programme_names {
            let file = read(&dir.join(name))?;
            programmes.push(load_programme(&file, &national)?);
            files.push(file);
        }

        let mut index: HashMap<(String, String), Vec<usize>> = HashMap::new();
        for (i, p) in programmes.iter().enumerate() {
            for code in &p.degree_codes {
                let key = (p.institution.clone(), normalise(code));
                let claims = index.entry(key).or_default();
                for &j in claims.iter() {
                    let other = &programmes[j];
                    if overlaps(other, p) {
                        return Err(files[i].file.invalid(
                            "degree_codes",
                            "degree_codes",
                            format!(
                                "({}, {code}) valid {} is already claimed by {} valid {}; \
                                 give the two files validity windows that do not overlap \
                                 (valid_from, valid_to)",
                                p.institution,
                                window(p),
                                at(&other.file, files[j].text.line("degree_codes", 0)),
                                window(other),
                            ),
                        ));
                    }
                }
                claims.push(i);
            }
        }

        Ok(DsLibrary {
            programmes,
            index,
            national,
        })
    }

    /// Every programme file, in file-name order.
    pub fn programmes(&self) -> &[Programme] {
        &self.programmes
    }

    /// The version of the national texts.
    pub fn national_version(&self) -> &str {
        &self.national.version
    }

    /// The programme file for (institution, degree code) valid on `date`.
    pub fn find(&self, institution: &str, code: &str, date: Option<&Date>) -> Lookup<'_> {
        let Some(claims) = self.index.get(&(institution.to_owned(), normalise(code))) else {
            return Lookup::NoFile;
        };
        let files: Vec<&Programme> = claims.iter().map(|&i| &self.programmes[i]).collect();
        match files.iter().find(|p| p.valid_on(date)) {
            Some(p) => Lookup::Found(p),
            None => Lookup::NotValidOn(files),
        }
    }

    pub(super) fn national(&self) -> &National {
        &self.national
    }
}

/// Degree codes match whatever their case and spacing (VIRTA module codes are typed by hand).
fn normalise(code: &str) -> String {
    code.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_uppercase()
}

fn ymd(d: &Date) -> (u16, u8, u8) {
    (d.year(), d.month(), d.day())
}

fn overlaps(a: &Programme, b: &Programme) -> bool {
    let starts_before_end = |x: &Programme, y: &Programme| match (&x.valid_from, &y.valid_to) {
        (Some(from), Some(to)) => ymd(from) <= ymd(to),
        _ => true,
    };
    starts_before_end(a, b) && starts_before_end(b, a)
}

fn window(p: &Programme) -> String {
    let show = |d: &Option<Date>| d.map_or_else(|| "open".to_owned(), |d| d.to_string());
    format!("{} to {}", show(&p.valid_from), show(&p.valid_to))
}

fn at(file: &Path, line: usize) -> String {
    if line == 0 {
        file.display().to_string()
    } else {
        format!("{}:{line}", file.display())
    }
}

/// A file's text, kept beside the parser so that provenance can name the line of a key.
struct Source {
    file: YamlFile,
    text: Text,
}

struct Text(String);

impl Text {
    /// The first line at or after `from` (1-based; 0 = the start) whose key is `key`, quoted or
    /// not (YAML `2.2:`, `"2.2":`, JSON `"2.2":`); 0 when there is none. A best effort, like
    /// [`YamlFile::invalid`]: yaml_serde keeps no spans of values that deserialized fine.
    fn line(&self, key: &str, from: usize) -> usize {
        self.0
            .lines()
            .enumerate()
            .skip(from.saturating_sub(1))
            .find(|(_, l)| Text::is_key(l, key))
            .map_or(0, |(i, _)| i + 1)
    }

    /// Like [`Text::line`], but only keys indented like the first key after line `parent`:
    /// the children of `parent`, not a deeper key of the same name (`fi:` in `languages`).
    fn child_line(&self, key: &str, parent: usize) -> usize {
        let indent = |l: &str| l.len() - l.trim_start().len();
        let mut lines = self.0.lines().enumerate().skip(parent);
        let Some(width) = lines
            .clone()
            .map(|(_, l)| l)
            .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .map(indent)
        else {
            return 0;
        };
        lines
            .find(|(_, l)| indent(l) == width && Text::is_key(l, key))
            .map_or(0, |(i, _)| i + 1)
    }

    fn is_key(line: &str, key: &str) -> bool {
        let t = line.trim_start().trim_start_matches(['{', ',', ' ']);
        [
            format!("{key}:"),
            format!("\"{key}\":"),
            format!("'{key}':"),
            format!("\"{key}\" :"),
        ]
        .iter()
        .any(|f| t.starts_with(f.as_str()))
    }
}

fn read(path: &Path) -> Result<Source, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
        file: path.to_owned(),
        source,
    })?;
    Ok(Source {
        file: YamlFile::from_text(path.to_owned(), text.clone()),
        text: Text(text),
    })
}

impl Source {
    /// YAML through the project's reader; JSON through serde_json, whose errors also carry a
    /// line and column (JSON indented with tabs is not YAML, so it cannot go through the same
    /// reader).
    fn parse<T: DeserializeOwned>(&self) -> Result<T, ConfigError> {
        let is_json = self.file.path.extension().and_then(|e| e.to_str()) == Some("json");
        if !is_json {
            return self.file.parse();
        }
        let mut de = serde_json::Deserializer::from_str(&self.text.0);
        serde_path_to_error::deserialize(&mut de).map_err(|err| {
            let yaml_path = err.path().to_string();
            let inner = err.into_inner();
            let message = inner.to_string();
            let message = match message.find(" at line ") {
                Some(i) => message[..i].to_owned(),
                None => message,
            };
            ConfigError::Syntax {
                file: self.file.path.clone(),
                line: inner.line(),
                column: inner.column(),
                yaml_path,
                message,
            }
        })
    }
}

// ---------------------------------------------------------------------------------------------
// The programme file.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProgramme {
    #[serde(deserialize_with = "myontaja")]
    institution: String,
    #[serde(deserialize_with = "degree_codes")]
    degree_codes: Vec<String>,
    #[serde(default, deserialize_with = "opt_date")]
    valid_from: Option<Date>,
    #[serde(default, deserialize_with = "opt_date")]
    valid_to: Option<Date>,
    #[serde(deserialize_with = "lang_tag")]
    lang: String,
    #[serde(default)]
    institution_status: Option<SectionText>,
    sections: Sections,
    #[serde(default)]
    certification: Certification,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Certification {
    #[serde(default)]
    signed_by: Option<SectionText>,
    #[serde(default)]
    capacity: Option<SectionText>,
    #[serde(default)]
    stamp: Option<SectionText>,
}

fn load_programme(src: &Source, national: &National) -> Result<Programme, ConfigError> {
    let raw: RawProgramme = src.parse()?;
    let file = &src.file;
    if let (Some(from), Some(to)) = (&raw.valid_from, &raw.valid_to)
        && ymd(from) > ymd(to)
    {
        return Err(file.invalid(
            "valid_to",
            "valid_to",
            format!("valid_to {to} is before valid_from {from}"),
        ));
    }
    if !national.texts.contains_key(&raw.lang) {
        return Err(file.invalid(
            "lang",
            "lang",
            format!(
                "the national file {} has no texts in `{}` (it has: {}); add them there or \
                 issue this DS in one of those languages",
                national.file.display(),
                raw.lang,
                national
                    .texts
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    let sections_line = src.text.line("sections", 0);
    let locate = |key: &str, from: usize, text: Option<SectionText>| {
        text.map(|text| Located {
            text,
            line: src.text.line(key, from),
        })
    };
    let cert_line = src.text.line("certification", 0);
    let mut sections = BTreeMap::new();
    for (number, text) in raw.sections.0 {
        sections.insert(
            number,
            Located {
                text,
                line: src.text.line(number, sections_line),
            },
        );
    }
    Ok(Programme {
        file: file.path.clone(),
        institution: raw.institution,
        degree_codes: raw.degree_codes,
        valid_from: raw.valid_from,
        valid_to: raw.valid_to,
        lang: raw.lang,
        institution_status: locate("institution_status", 0, raw.institution_status),
        sections,
        signed_by: locate("signed_by", cert_line, raw.certification.signed_by),
        capacity: locate("capacity", cert_line, raw.certification.capacity),
        stamp: locate("stamp", cert_line, raw.certification.stamp),
    })
}

/// `sections`: programme section number → text. Numbers may be quoted or not (YAML reads an
/// unquoted `2.2` as a number); a number the programme cannot give is an error at its key.
struct Sections(Vec<(&'static str, SectionText)>);

impl<'de> Deserialize<'de> for Sections {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Sections;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map from section number (e.g. \"2.2\") to its text")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Sections, A::Error> {
                let mut out: Vec<(&'static str, SectionText)> = Vec::new();
                while let Some(SectionNumber(number)) = map.next_key()? {
                    if out.iter().any(|(n, _)| *n == number) {
                        return Err(de::Error::custom(format!("section {number} given twice")));
                    }
                    out.push((number, map.next_value()?));
                }
                Ok(Sections(out))
            }
        }
        d.deserialize_map(V)
    }
}

struct SectionNumber(&'static str);

impl<'de> Deserialize<'de> for SectionNumber {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl V {
            fn check<E: de::Error>(number: &str) -> Result<SectionNumber, E> {
                match template::FROM_PROGRAMME.iter().find(|n| **n == number) {
                    Some(n) => Ok(SectionNumber(n)),
                    None => Err(E::custom(format!(
                        "unknown section `{number}`, expected one of {} \
                         (1.x, 2.1, 2.3, 4.3 and 4.5 come from the record, 7.x from \
                         `certification`, 8 from the national file: see docs/ds.md)",
                        template::FROM_PROGRAMME
                            .iter()
                            .map(|n| format!("`{n}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))),
                }
            }
        }
        impl<'de> Visitor<'de> for V {
            type Value = SectionNumber;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a section number such as \"2.2\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<SectionNumber, E> {
                V::check(v.trim())
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<SectionNumber, E> {
                V::check(&v.to_string())
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<SectionNumber, E> {
                V::check(&v.to_string())
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<SectionNumber, E> {
                V::check(&v.to_string())
            }
        }
        d.deserialize_any(V)
    }
}

// ---------------------------------------------------------------------------------------------
// The national file.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNational {
    #[serde(deserialize_with = "token")]
    version: String,
    texts: BTreeMap<String, RawNationalTexts>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNationalTexts {
    #[serde(deserialize_with = "plain")]
    introduction: String,
    section_8: SectionText,
    #[serde(deserialize_with = "plain")]
    not_available: String,
    #[serde(deserialize_with = "plain")]
    results_in_report: String,
    #[serde(deserialize_with = "credits_template")]
    credits: String,
    #[serde(default)]
    languages: BTreeMap<String, String>,
}

fn load_national(src: &Source) -> Result<National, ConfigError> {
    let raw: RawNational = src.parse()?;
    if raw.texts.is_empty() {
        return Err(src.file.invalid(
            "texts",
            "texts",
            "no language under `texts`: give at least the texts in `en`".into(),
        ));
    }
    let texts_line = src.text.line("texts", 0);
    let mut texts = BTreeMap::new();
    for (lang, t) in raw.texts {
        if let Err(message) = parse_lang_tag(&lang) {
            return Err(src.file.invalid(&format!("texts.{lang}"), &lang, message));
        }
        let lang_line = src.text.child_line(&lang, texts_line);
        texts.insert(
            lang,
            NationalTexts {
                introduction: t.introduction,
                section_8: Located {
                    text: t.section_8,
                    line: src.text.line("section_8", lang_line),
                },
                not_available: t.not_available,
                results_in_report: t.results_in_report,
                credits: t.credits,
                languages: t.languages,
            },
        );
    }
    Ok(National {
        file: src.file.path.clone(),
        version: raw.version,
        texts,
    })
}

// ---------------------------------------------------------------------------------------------
// Texts and checked scalars.

/// The text of a section: plain, or simple HTML (`html: true`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SectionText {
    pub html: bool,
    pub text: String,
}

impl SectionText {
    fn new(text: &str, html: bool) -> Result<SectionText, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("empty text: leave the key out when there is nothing to say".into());
        }
        if html {
            check_html(text)?;
        } else if let Some(tag) = tags(text).first() {
            return Err(format!(
                "HTML markup `<{}>` in a plain text: write `{{ html: true, text: ... }}` \
                 or leave the markup out",
                tag.name
            ));
        }
        Ok(SectionText {
            html,
            text: text.to_owned(),
        })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSectionText {
    text: String,
    #[serde(default)]
    html: bool,
}

impl<'de> Deserialize<'de> for SectionText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = SectionText;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a text, or a map `{ html: true, text: ... }`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<SectionText, E> {
                SectionText::new(v, false).map_err(E::custom)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<SectionText, A::Error> {
                let raw = RawSectionText::deserialize(de::value::MapAccessDeserializer::new(map))?;
                SectionText::new(&raw.text, raw.html).map_err(de::Error::custom)
            }
        }
        d.deserialize_any(V)
    }
}

struct Tag<'a> {
    name: String,
    attributes: &'a str,
}

/// The tags in `text` (as the linter finds them: `<name ...>` or `</name>`).
fn tags(text: &str) -> Vec<Tag<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        let body = rest.strip_prefix('/').unwrap_or(rest);
        let len = body
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(body.len());
        let name = &body[..len];
        let after = &body[len..];
        let end = after.find(['>', '<']);
        if name.starts_with(|c: char| c.is_ascii_alphabetic())
            && let Some(end) = end
            && after[end..].starts_with('>')
        {
            out.push(Tag {
                name: name.to_ascii_lowercase(),
                attributes: after[..end].trim().trim_end_matches('/').trim(),
            });
        }
    }
    out
}

/// Simple HTML only: the tags of [`HTML_TAGS`], no attributes except an http(s) or mailto
/// `href` on `a`. Refused at load time rather than sanitised away, so the institution sees it.
fn check_html(text: &str) -> Result<(), String> {
    for tag in tags(text) {
        if !HTML_TAGS.contains(&tag.name.as_str()) {
            return Err(format!(
                "HTML tag `<{}>` is not simple HTML; allowed: {}",
                tag.name,
                HTML_TAGS.join(", ")
            ));
        }
        if tag.attributes.is_empty() {
            continue;
        }
        let href = tag
            .attributes
            .strip_prefix("href=")
            .map(|v| v.trim_matches(['"', '\'']))
            .filter(|v| !v.contains(['"', '\'', ' ']));
        let safe = href.is_some_and(|v| {
            v.starts_with("https://") || v.starts_with("http://") || v.starts_with("mailto:")
        });
        if tag.name != "a" || !safe {
            return Err(format!(
                "attributes `{}` on `<{}>`: only `href=\"https://...\"` on `<a>` is allowed",
                tag.attributes, tag.name
            ));
        }
    }
    if text.contains("<!--") || text.contains("<![CDATA[") || text.contains("<!") {
        return Err("comments, CDATA and declarations are not simple HTML".into());
    }
    Ok(())
}

/// Deserializes a string with a visitor, so that a value `check` refuses is reported at the
/// value's own line and column (yaml_serde and serde_json mark errors raised inside visitors).
fn checked_str<'de, D: Deserializer<'de>, T>(
    d: D,
    expecting: &'static str,
    check: fn(&str) -> Result<T, String>,
) -> Result<T, D::Error> {
    struct V<T> {
        expecting: &'static str,
        check: fn(&str) -> Result<T, String>,
    }
    impl<'de, T> Visitor<'de> for V<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.expecting)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
            (self.check)(v).map_err(E::custom)
        }
    }
    d.deserialize_str(V { expecting, check })
}

fn myontaja<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    checked_str(
        d,
        "a quoted 5-digit VIRTA Myontaja code, e.g. \"01901\"",
        |s| {
            let s = s.trim();
            if s.len() == 5 && s.bytes().all(|b| b.is_ascii_digit()) {
                Ok(s.to_owned())
            } else {
                Err(format!(
                    "`{s}` is not a VIRTA Myontaja code: expected 5 digits, quoted, e.g. \"01901\""
                ))
            }
        },
    )
}

fn lang_tag<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    checked_str(d, "a lower-case language tag, e.g. en", |s| {
        parse_lang_tag(s.trim()).map(|()| s.trim().to_owned())
    })
}

/// `xml:lang` of the DS: a lower-case BCP 47 tag (elmo.md §8 rule 15: `fi`, not `fi_FI`/`FI`).
fn parse_lang_tag(s: &str) -> Result<(), String> {
    let mut parts = s.split('-');
    let primary = parts.next().unwrap_or_default();
    let ok = (2..=3).contains(&primary.len())
        && primary.bytes().all(|b| b.is_ascii_lowercase())
        && parts.all(|p| {
            (1..=8).contains(&p.len())
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{s}` is not a lower-case BCP 47 language tag such as `en` or `fi`"
        ))
    }
}

fn opt_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
    checked_str(d, "a date YYYY-MM-DD", |s| {
        let s = s.trim();
        match s.parse::<Date>() {
            Ok(date) if date.zone().is_none() => Ok(date),
            _ => Err(format!(
                "`{s}` is not a date: expected YYYY-MM-DD, e.g. 2017-08-01"
            )),
        }
    })
    .map(Some)
}

fn degree_codes<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list of degree codes, e.g. [KH50_009, \"642101\"]")
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<String>, A::Error> {
            let mut codes: Vec<String> = Vec::new();
            while let Some(code) = seq.next_element::<Code>()? {
                if codes.iter().any(|c| normalise(c) == normalise(&code.0)) {
                    return Err(de::Error::custom(format!(
                        "degree code `{}` is listed twice",
                        code.0
                    )));
                }
                codes.push(code.0);
            }
            if codes.is_empty() {
                return Err(de::Error::custom(
                    "no degree code: list the koulutusmoduulitunniste and/or the Koulutuskoodi",
                ));
            }
            Ok(codes)
        }
    }
    d.deserialize_seq(V)
}

/// One degree code. A Koulutuskoodi written without quotes reads as a number; take it as text.
struct Code(String);

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Code;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a degree code")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Code, E> {
                let v = v.trim();
                if v.is_empty() {
                    Err(E::custom("empty degree code"))
                } else {
                    Ok(Code(v.to_owned()))
                }
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Code, E> {
                Ok(Code(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

fn token<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    checked_str(d, "a non-empty version, e.g. \"2024\"", |s| {
        let s = s.trim();
        if s.is_empty() || s.contains(char::is_whitespace) {
            Err(format!("`{s}` is not a version: one word, e.g. \"2024\""))
        } else {
            Ok(s.to_owned())
        }
    })
}

fn plain<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    checked_str(d, "a plain text", |s| {
        SectionText::new(s, false).map(|t| t.text)
    })
}

fn credits_template<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    checked_str(d, "a text with {credits}", |s| {
        let t = SectionText::new(s, false)?.text;
        if t.contains("{credits}") {
            Ok(t)
        } else {
            Err(format!(
                "`{t}` does not say where the number goes: write `{{credits}}`, e.g. \
                 \"{{credits}} ECTS credits\""
            ))
        }
    })
}
