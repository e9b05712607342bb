//! Course catalogues: the descriptions, learning outcomes and other course facts that
//! institutions supply and VIRTA lacks (peers.md §2), read from our CSV template, the same
//! fields as JSON or YAML, or OOAPI v5 `courses` JSON (docs/catalogue.md).
//!
//! [`read_catalogue`] turns one file into [`CourseVersion`]s; every bad row is a [`Problem`]
//! with its file and line, left out but never dropped silently. [`CatalogueIndex`] then finds
//! the version valid on an attainment's completion date, keyed by institution and course code
//! after [`KeyNormalisation`]. [`html`] cleans the texts for ELMO.

mod csv;
pub mod html;
mod index;
mod languages;
mod ooapi;
mod record;
mod structured;

#[cfg(test)]
mod tests;

use std::path::Path;

pub use index::{Case, CatalogueIndex, KeyNormalisation};
pub use record::{CourseVersion, Format, Origin, Problem, Texts, version_label};

/// What one catalogue file held: the good records and a problem for each bad one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalogue {
    /// The records that passed every check, in file order.
    pub courses: Vec<CourseVersion>,
    /// Everything left out, and why, in file order.
    pub problems: Vec<Problem>,
}

/// Settings for reading one file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// The institution (VIRTA `Myontaja` code) the file is read for. OOAPI courses take it from
    /// here (they carry none); in our forms a record may then leave `institution` out, and a
    /// record naming another institution is a problem.
    pub institution: Option<String>,
}

/// A catalogue file that cannot be read at all. Bad rows are not errors but [`Problem`]s.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CatalogueError {
    /// The file could not be opened or read.
    #[error("{file}: cannot read: {source}")]
    Io {
        /// The file, as given.
        file: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not UTF-8.
    #[error("{file}:{line}:{column}: not UTF-8 text; expected the file saved as UTF-8")]
    NotUtf8 {
        /// The file, as given.
        file: String,
        /// 1-based line of the first bad byte.
        line: usize,
        /// 1-based column (in bytes) of the first bad byte.
        column: usize,
    },
    /// The file name does not say which format it is in.
    #[error(
        "{file}: unknown catalogue format; expected a name ending in .csv, .json, .yaml or .yml"
    )]
    UnknownFormat {
        /// The file, as given.
        file: String,
    },
    /// Malformed JSON or YAML, or a document of the wrong type at the top.
    #[error("{file}:{line}:{column}: malformed {format}: {message}")]
    Syntax {
        /// The file, as given.
        file: String,
        /// The format being read.
        format: Format,
        /// 1-based line (0 when unknown).
        line: usize,
        /// 1-based column (0 when unknown).
        column: usize,
        /// What the parser reported.
        message: String,
    },
    /// Well-formed, but neither our form nor OOAPI.
    #[error("{file}: {message}")]
    Shape {
        /// The file, as given.
        file: String,
        /// What was expected.
        message: String,
    },
    /// The institution given to read the file for is not a VIRTA code.
    #[error(
        "institution `{value}`: expected a 5-digit VIRTA institution code (Myontaja), e.g. 01901"
    )]
    Institution {
        /// The value given (shortened, redacted).
        value: String,
    },
}

/// Reads one catalogue file, choosing the format by extension (see [`read_catalogue_with`]).
pub fn read_catalogue(path: &Path) -> Result<Catalogue, CatalogueError> {
    read_catalogue_with(path, &ReadOptions::default())
}

/// Reads one catalogue file: `.csv` (our template), `.json` (our form, or OOAPI v5 when it looks
/// like OOAPI: `{"items": [...]}`, or courses with `courseId` or `name` as `{language, value}`
/// lists), `.yaml`/`.yml` (our form).
pub fn read_catalogue_with(
    path: &Path,
    options: &ReadOptions,
) -> Result<Catalogue, CatalogueError> {
    let file = path.display().to_string();
    let format = Format::from_path(path)
        .ok_or_else(|| CatalogueError::UnknownFormat { file: file.clone() })?;
    let bytes = std::fs::read(path).map_err(|source| CatalogueError::Io {
        file: file.clone(),
        source,
    })?;
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        let good = &bytes[..e.valid_up_to()];
        let line = good.iter().filter(|b| **b == b'\n').count() + 1;
        let column = good.len() - good.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1) + 1;
        CatalogueError::NotUtf8 {
            file: file.clone(),
            line,
            column,
        }
    })?;
    parse_catalogue(&file, text, format, options)
}

/// Reads catalogue text that is already in memory; `file` names it in origins and problems.
/// [`Format::Json`] and [`Format::Ooapi`] both read JSON and tell the two forms apart by shape.
pub fn parse_catalogue(
    file: &str,
    text: &str,
    format: Format,
    options: &ReadOptions,
) -> Result<Catalogue, CatalogueError> {
    if let Some(inst) = &options.institution
        && !(inst.len() == 5 && inst.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(CatalogueError::Institution {
            value: record::echo(inst),
        });
    }
    match format {
        Format::Csv => Ok(csv::read(file, text, options)),
        Format::Json | Format::Ooapi => structured::read_json(file, text, options),
        Format::Yaml => structured::read_yaml(file, text, options),
    }
}
