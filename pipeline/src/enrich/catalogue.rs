//! The catalogue join: each result's course looked up by (institution, course code) in the
//! version valid on the result's date, and the fields `enrichment.yaml` names filled in its
//! order of precedence. Learning outcomes go into `description` (plain) and `descriptionHtml`
//! (sanitised simple HTML), as ELMO has no element of its own for them (elmo.md §3).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use elmo::{Level, Los, Text};
use rikastin_sources::catalogue::{
    CatalogueError, CatalogueIndex, CourseVersion, Problem, ReadOptions, html, read_catalogue_with,
};
use rikastin_sources::virta::Pvm;

use super::rules::{CatalogueRules, Field, Part, Source};

/// Every catalogue file of a folder, indexed.
#[derive(Debug, Default)]
pub struct Catalogues {
    /// The index the join uses.
    pub index: CatalogueIndex,
    /// The files read, in name order.
    pub files: Vec<PathBuf>,
    /// Rows left out and overlapping versions, by file and line.
    pub problems: Vec<Problem>,
    /// The texts of the versions joined so far, rendered once.
    pub rendered: Rendered,
}

/// Catalogue texts as the join writes them, rendered once per course version: turning the
/// institutions' HTML into plain text and sanitised markup (ammonia parses it with html5ever)
/// for every learner who took the course was most of a full rebuild's time (BENCHMARKS.md,
/// issue 7). Shared by the threads of a run.
#[derive(Debug, Default)]
pub struct Rendered {
    /// By the addresses of the version (in an index that does not change while this lives
    /// beside it) and of the rules it was rendered with.
    by_version: RwLock<HashMap<(usize, usize), Arc<VersionTexts>>>,
}

/// One version's titles and description, as [`fill`] writes them.
#[derive(Debug)]
struct VersionTexts {
    titles: Vec<Text>,
    described: Described,
}

impl Rendered {
    fn get(&self, version: &CourseVersion, rules: &CatalogueRules) -> Arc<VersionTexts> {
        let key = (
            version as *const CourseVersion as usize,
            rules as *const CatalogueRules as usize,
        );
        // A poisoned lock only means another thread panicked mid-insert of a whole value.
        let read = self.by_version.read().unwrap_or_else(|e| e.into_inner());
        if let Some(found) = read.get(&key) {
            return found.clone();
        }
        drop(read);
        let texts = Arc::new(VersionTexts {
            titles: rules
                .languages
                .iter()
                .filter_map(|lang| {
                    let t = version.title.get(lang)?;
                    Some(text(lang, html::to_plain(t)))
                })
                .collect(),
            described: describe(version, rules),
        });
        let mut write = self.by_version.write().unwrap_or_else(|e| e.into_inner());
        write.entry(key).or_insert(texts).clone()
    }
}

impl Catalogues {
    /// Reads every `.csv`, `.json`, `.yaml` and `.yml` file of `dir`. A file named after an
    /// institution code (`01901.csv`, `01901-ooapi.json`) is read for that institution, which
    /// is how OOAPI courses, which carry no VIRTA code, get one. Bad rows are kept as problems;
    /// a file that cannot be read at all is an error.
    pub fn load(dir: &Path, rules: &CatalogueRules) -> Result<Self, CatalogueError> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|source| CatalogueError::Io {
                file: dir.display().to_string(),
                source,
            })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| matches!(e, "csv" | "json" | "yaml" | "yml"))
            })
            .collect();
        files.sort();
        let mut courses = Vec::new();
        let mut problems = Vec::new();
        for file in &files {
            let options = ReadOptions {
                institution: institution_of(file),
            };
            let read = read_catalogue_with(file, &options)?;
            courses.extend(read.courses);
            problems.extend(read.problems);
        }
        let (index, overlaps) = CatalogueIndex::build(courses, &rules.key);
        problems.extend(overlaps);
        Ok(Self {
            index,
            files,
            problems,
            rendered: Rendered::default(),
        })
    }
}

/// The institution code a file name starts with: five digits, then `.`, `-` or `_`.
fn institution_of(file: &Path) -> Option<String> {
    let name = file.file_name()?.to_str()?;
    let code = name.get(..5)?;
    let next = name[5..].chars().next()?;
    (code.bytes().all(|b| b.is_ascii_digit()) && matches!(next, '.' | '-' | '_'))
        .then(|| code.to_owned())
}

/// What the join did for one LOS.
#[derive(Debug, Default)]
pub struct Join {
    /// The course code looked up, as the record has it.
    pub code: Option<String>,
    /// Where the matching version came from: `file:line (version)`.
    pub version: Option<String>,
    /// Each field filled from the catalogue.
    pub filled: Vec<Field>,
    /// Learning outcomes were written.
    pub outcomes: bool,
}

/// Looks `los` up and fills it. `institution` is the report's Myontaja code; `date` the
/// result's date. A LOS of a type the rules do not name, or without a code, is left alone.
pub fn join(
    los: &mut Los,
    institution: &str,
    rules: &CatalogueRules,
    index: &CatalogueIndex,
    rendered: &Rendered,
) -> Join {
    let mut join = Join {
        code: course_code(los).map(str::to_owned),
        ..Join::default()
    };
    let wanted = los
        .los_type
        .is_some_and(|t| rules.los_types.iter().any(|n| n == t.as_str()));
    let loi = &los.specifies.instance;
    let date = loi.date.as_ref().or(loi.start.as_ref());
    let (Some(code), Some(date), true) = (join.code.clone(), date, wanted) else {
        return join;
    };
    let Some(on) = Pvm::parse(&date.to_string()) else {
        return join;
    };
    let Some(version) = index.find(institution, &code, on) else {
        return join;
    };
    join.version = Some(format!(
        "{}:{} ({})",
        version.origin.file, version.origin.line, version.origin.version
    ));
    for (field, sources) in &rules.precedence {
        for source in sources {
            match source {
                Source::Record if has_record_value(los, *field) => break,
                Source::Record => {}
                Source::Catalogue => {
                    let texts = rendered.get(version, rules);
                    if fill(los, *field, version, &texts, &mut join) {
                        join.filled.push(*field);
                        break;
                    }
                }
            }
        }
    }
    join
}

/// The LOS's `koulutusmoduulitunniste` identifier: the key catalogues are joined on.
pub fn course_code(los: &Los) -> Option<&str> {
    los.identifiers
        .iter()
        .find(|i| i.kind == crate::mapping::virta::MODULE_ID_TYPE)
        .map(|i| i.value.as_str())
}

fn has_record_value(los: &Los, field: Field) -> bool {
    let loi = &los.specifies.instance;
    match field {
        Field::Title => !los.titles.is_empty(),
        Field::Description => !los.descriptions.is_empty(),
        Field::Url => los.url.is_some(),
        Field::IscedCode => los.isced_code.is_some(),
        Field::SubjectArea => los.subject_area.is_some(),
        Field::LanguageOfInstruction => loi.language_of_instruction.is_some(),
        Field::EqfLevel => loi.levels.iter().any(|l| l.kind == "EQF"),
    }
}

/// Writes `field` from the catalogue when it has a value; says whether it did.
fn fill(
    los: &mut Los,
    field: Field,
    version: &CourseVersion,
    texts: &VersionTexts,
    join: &mut Join,
) -> bool {
    let loi = &mut los.specifies.instance;
    match field {
        Field::Title => {
            if texts.titles.is_empty() {
                return false;
            }
            los.titles = texts.titles.clone();
        }
        Field::Description => {
            let built = &texts.described;
            if built.plain.is_empty() {
                return false;
            }
            los.descriptions = built.plain.clone();
            los.descriptions_html = built.html.clone();
            join.outcomes = built.outcomes;
        }
        Field::Url => match &version.url {
            Some(url) => los.url = Some(url.clone()),
            None => return false,
        },
        Field::IscedCode => match &version.isced_f {
            Some(code) => los.isced_code = Some(code.clone()),
            None => return false,
        },
        Field::SubjectArea => match &version.isced_f {
            Some(code) => los.subject_area = Some(code.clone()),
            None => return false,
        },
        Field::LanguageOfInstruction => match version.languages.first() {
            Some(lang) => loi.language_of_instruction = Some(lang.clone()),
            None => return false,
        },
        Field::EqfLevel => match version.eqf_level {
            Some(level) => loi.levels.push(Level {
                kind: "EQF".into(),
                descriptions: Vec::new(),
                value: Some(level.to_string()),
            }),
            None => return false,
        },
    }
    true
}

fn text(lang: &str, value: String) -> Text {
    Text {
        lang: Some(lang.to_owned()),
        value,
    }
}

/// A description in every language that has some part of it.
#[derive(Debug)]
struct Described {
    plain: Vec<Text>,
    html: Vec<Text>,
    outcomes: bool,
}

fn describe(version: &CourseVersion, rules: &CatalogueRules) -> Described {
    let mut out = Described {
        plain: Vec::new(),
        html: Vec::new(),
        outcomes: false,
    };
    for lang in &rules.languages {
        let mut plain: Vec<String> = Vec::new();
        let mut markup = String::new();
        for (i, part) in rules.description_parts.iter().enumerate() {
            let heading = (i > 0).then(|| {
                let h = rules.headings.get(part);
                h.and_then(|h| h.get(lang).or_else(|| h.get(&rules.fallback)))
                    .cloned()
                    .unwrap_or_default()
            });
            let (body_plain, body_html) = match part {
                Part::LearningOutcomes => {
                    let items = version.learning_outcomes.get(lang);
                    let Some(items) = items.filter(|i| !i.is_empty()) else {
                        continue;
                    };
                    out.outcomes = true;
                    let plain: Vec<String> = items
                        .iter()
                        .map(|i| format!("- {}", html::to_plain(i)))
                        .collect();
                    let list: String = items
                        .iter()
                        .map(|i| format!("<li>{}</li>", html::escape(&html::to_plain(i))))
                        .collect();
                    (plain.join("\n"), format!("<ul>{list}</ul>"))
                }
                _ => {
                    let texts = match part {
                        Part::Description => &version.description,
                        Part::Content => &version.content,
                        Part::Prerequisites => &version.prerequisites,
                        _ => &version.assessment,
                    };
                    let Some(t) = texts.get(lang).filter(|t| !t.trim().is_empty()) else {
                        continue;
                    };
                    // Text without markup becomes paragraphs; markup is cut to the allow-list.
                    let markup = if t.contains('<') {
                        html::sanitize(t)
                    } else {
                        html::text_to_html(t)
                    };
                    (html::to_plain(t), markup)
                }
            };
            match heading {
                Some(h) => {
                    plain.push(format!("{h}:\n{body_plain}"));
                    markup.push_str(&format!(
                        "<p><strong>{}</strong></p>{body_html}",
                        html::escape(&h)
                    ));
                }
                None => {
                    plain.push(body_plain);
                    markup.push_str(&body_html);
                }
            }
        }
        if !plain.is_empty() {
            out.plain.push(text(lang, plain.join("\n\n")));
            out.html.push(text(lang, markup));
        }
    }
    out
}
