//! The coverage report: how much of what the cache holds the institutions' own data covers. Per
//! institution and year it counts the results that got a course description or learning
//! outcomes from a catalogue, and the degrees that got a Diploma Supplement. It also lists the
//! course codes no catalogue matched (most frequent first) and the DS sections most often missing.
//!
//! [`coverage`] does the aggregation with polars, because this is table-shaped work over every
//! cached result (DESIGN.md, Dependencies). [`write`] writes `coverage.json` and the self-contained
//! `coverage.html` (drawn in `page.rs`). docs/coverage.md says how to read both.

mod page;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde::Serialize;

/// How many unmatched course codes are listed per institution. The distinct count is always
/// given in full, so a cut list is visibly cut.
pub const TOP_UNMATCHED: usize = 20;

/// Version of the JSON layout. Bump it when a key changes meaning or goes away.
pub const FORMAT_VERSION: u32 = 1;

/// The file names [`write`] writes into its folder.
pub const HTML_FILE: &str = "coverage.html";
/// See [`HTML_FILE`].
pub const JSON_FILE: &str = "coverage.json";

/// One result (LOI) in the cache, as the coverage report sees it; the run writes these
/// beside each snapshot.
pub use crate::enrich::CoverageRow;

/// The whole report. Serialised as `coverage.json`; field order is the key order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coverage {
    /// [`FORMAT_VERSION`].
    pub version: u32,
    /// Over every institution.
    pub totals: Counts,
    /// DS sections missing over all degrees, most often missing first.
    pub ds_missing: Vec<SectionCount>,
    /// Per institution, by institution code.
    pub institutions: Vec<InstitutionCoverage>,
}

/// One institution's part of the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InstitutionCoverage {
    /// VIRTA `Myontaja` code or KOSKI oppilaitos OID.
    pub institution: String,
    /// Its title as the results give it (the first in sort order when they differ).
    pub name: String,
    /// Over all its years.
    pub totals: Counts,
    /// Per year of the result's date, oldest first.
    pub years: Vec<YearCoverage>,
    /// How many distinct course codes went unmatched (the list below stops at [`TOP_UNMATCHED`]).
    pub unmatched_codes: u64,
    /// Unmatched course codes, most results first, then by code.
    pub unmatched: Vec<CodeCount>,
    /// DS sections missing from its degrees, most often missing first.
    pub ds_missing: Vec<SectionCount>,
}

/// One year of one institution.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct YearCoverage {
    /// Year of the result's date; 0 for the results that have no date.
    pub year: i32,
    /// The results of that year.
    #[serde(flatten)]
    pub counts: Counts,
}

/// Counts over a set of results, and the shares they give. A share is `None` (JSON `null`)
/// when its denominator is zero, so "no degrees" never reads as "0 % of degrees".
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Counts {
    /// Results (LOIs) of every type.
    pub results: u64,
    /// Results that got a catalogue description.
    pub with_description: u64,
    /// `with_description / results`.
    pub description_share: Option<f64>,
    /// Results that got learning outcomes.
    pub with_outcomes: u64,
    /// `with_outcomes / results`.
    pub outcomes_share: Option<f64>,
    /// Degree Programme results.
    pub degrees: u64,
    /// Degrees that got a Diploma Supplement.
    pub degrees_with_ds: u64,
    /// `degrees_with_ds / degrees`.
    pub ds_share: Option<f64>,
    /// Results with a code that no catalogue version matched.
    pub unmatched: u64,
    /// Results with no code to join by.
    pub without_code: u64,
}

/// An unmatched course code and how many results carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodeCount {
    /// The code as the catalogue join used it.
    pub course_code: String,
    /// Results with this code and no catalogue match.
    pub results: u64,
}

/// A Diploma Supplement section and how many degrees lack it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SectionCount {
    /// The section, e.g. `"3.3 Access requirements"`.
    pub section: String,
    /// Degrees whose DS lists it as missing.
    pub degrees: u64,
}

/// Why the report could not be made or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CoverageError {
    /// polars refused the aggregation (a bug here, not bad input: every row is valid).
    #[error("coverage: the aggregation failed: {0}")]
    Aggregate(#[from] PolarsError),
    /// An aggregated column held a null where the aggregation cannot give one.
    #[error("coverage: the aggregated column `{column}` has an unexpected null")]
    Null {
        /// The column.
        column: &'static str,
    },
    /// The JSON could not be serialised.
    #[error("coverage: cannot serialise the JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A file or the folder could not be written.
    #[error("{}: cannot write the coverage report: {source}", path.display())]
    Write {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// Aggregates one row per cached result into the report.
pub fn coverage(rows: &[CoverageRow]) -> Result<Coverage, CoverageError> {
    let results = results_frame(rows)?.lazy();

    let years = results
        .clone()
        .group_by([col("institution"), col("year")])
        .agg(count_exprs())
        .with_columns(share_exprs())
        .sort(["institution", "year"], SortMultipleOptions::default())
        .collect()?;

    let mut per_institution = vec![col("institution_name").min().alias("name")];
    per_institution.extend(count_exprs());
    let institutions = results
        .clone()
        .group_by([col("institution")])
        .agg(per_institution)
        .with_columns(share_exprs())
        .sort(["institution"], SortMultipleOptions::default())
        .collect()?;

    let totals = results
        .clone()
        .select(count_exprs())
        .with_columns(share_exprs())
        .collect()?;

    // Most frequent first; equal counts by code, so the order never depends on hashing.
    let unmatched = results
        .filter(unmatched_expr())
        .group_by([col("institution"), col("course_code")])
        .agg([len().cast(DataType::UInt64).alias("results")])
        .sort_by_exprs(
            [col("institution"), col("results"), col("course_code")],
            SortMultipleOptions::default().with_order_descending_multi([false, true, false]),
        )
        .collect()?;

    let missing = ds_missing_frame(rows)?.lazy();
    let missing_all = section_counts(missing.clone(), &[])?;
    let missing_by_institution = section_counts(missing, &["institution"])?;

    assemble(
        &institutions,
        &years,
        &totals,
        &unmatched,
        &missing_all,
        &missing_by_institution,
    )
}

/// Writes `coverage.html` and `coverage.json` into `out_dir` (created if missing) and returns
/// their paths. Each file is written beside its final name and renamed into place, so a reader
/// never sees half a page.
pub fn write(coverage: &Coverage, out_dir: &Path) -> Result<Vec<PathBuf>, CoverageError> {
    std::fs::create_dir_all(out_dir).map_err(|source| CoverageError::Write {
        path: out_dir.to_path_buf(),
        source,
    })?;
    let html = out_dir.join(HTML_FILE);
    let json = out_dir.join(JSON_FILE);
    write_file(&html, page::render(coverage).as_bytes())?;
    write_file(&json, &to_json(coverage)?)?;
    Ok(vec![html, json])
}

/// The JSON bytes of the report: pretty, keys in field order, ending in a newline. The same
/// report always gives the same bytes (no clock, no hash-map order).
pub fn to_json(coverage: &Coverage) -> Result<Vec<u8>, CoverageError> {
    let mut bytes = serde_json::to_vec_pretty(coverage)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// The HTML page of the report, as [`write`] writes it.
pub fn to_html(coverage: &Coverage) -> String {
    page::render(coverage)
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), CoverageError> {
    let fail = |source| CoverageError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    std::fs::write(&partial, bytes).map_err(fail)?;
    std::fs::rename(&partial, path).map_err(fail)
}

/// One row per result; the columns are [`CoverageRow`]'s fields except `ds_missing`, which
/// gets its own frame ([`ds_missing_frame`]) instead of a list column.
fn results_frame(rows: &[CoverageRow]) -> PolarsResult<DataFrame> {
    let strs = |f: fn(&CoverageRow) -> &str| rows.iter().map(f).collect::<Vec<_>>();
    let flags = |f: fn(&CoverageRow) -> bool| rows.iter().map(f).collect::<Vec<_>>();
    DataFrame::new(
        rows.len(),
        vec![
            Column::new("institution".into(), strs(|r| &r.institution)),
            Column::new("institution_name".into(), strs(|r| &r.institution_name)),
            Column::new(
                "year".into(),
                rows.iter().map(|r| r.year).collect::<Vec<_>>(),
            ),
            Column::new(
                "course_code".into(),
                rows.iter()
                    .map(|r| r.course_code.as_deref())
                    .collect::<Vec<_>>(),
            ),
            Column::new("has_description".into(), flags(|r| r.has_description)),
            Column::new("has_outcomes".into(), flags(|r| r.has_outcomes)),
            Column::new("matched".into(), flags(|r| r.matched)),
            Column::new("is_degree".into(), flags(|r| r.is_degree)),
            Column::new(
                "is_whole".into(),
                rows.iter()
                    .map(|r| matches!(r.los_type.as_str(), "Degree Programme" | "Module"))
                    .collect::<Vec<_>>(),
            ),
            Column::new("has_ds".into(), flags(|r| r.has_ds)),
        ],
    )
}

/// One row per (result, missing DS section).
fn ds_missing_frame(rows: &[CoverageRow]) -> PolarsResult<DataFrame> {
    let (institutions, sections): (Vec<&str>, Vec<&str>) = rows
        .iter()
        .flat_map(|r| {
            r.ds_missing
                .iter()
                .map(|s| (r.institution.as_str(), s.as_str()))
        })
        .unzip();
    DataFrame::new(
        sections.len(),
        vec![
            Column::new("institution".into(), institutions),
            Column::new("section".into(), sections),
        ],
    )
}

/// Missing sections counted per `keys` (none: over everything), most often missing first,
/// equal counts by section name.
fn section_counts(missing: LazyFrame, keys: &[&str]) -> PolarsResult<DataFrame> {
    let mut by: Vec<Expr> = keys.iter().map(|k| col(*k)).collect();
    by.push(col("section"));
    let mut order = vec![false; keys.len()];
    order.extend([true, false]);
    let mut sort_by = by.clone();
    sort_by.insert(keys.len(), col("degrees"));
    missing
        .group_by(by)
        .agg([len().cast(DataType::UInt64).alias("degrees")])
        .sort_by_exprs(
            sort_by,
            SortMultipleOptions::default().with_order_descending_multi(order),
        )
        .collect()
}

/// A course whose code no catalogue version matched. Degrees and modules are left out: their
/// codes name programmes, which catalogues of course units do not list (issue 19).
fn unmatched_expr() -> Expr {
    col("course_code")
        .is_not_null()
        .and(col("matched").not())
        .and(col("is_whole").not())
}

/// The count columns of [`Counts`], for a group or the whole frame.
fn count_exprs() -> Vec<Expr> {
    let count = |e: Expr, name: &str| e.sum().cast(DataType::UInt64).alias(name);
    vec![
        len().cast(DataType::UInt64).alias("results"),
        count(col("has_description"), "with_description"),
        count(col("has_outcomes"), "with_outcomes"),
        count(col("is_degree"), "degrees"),
        count(col("is_degree").and(col("has_ds")), "degrees_with_ds"),
        count(unmatched_expr(), "unmatched"),
        count(col("course_code").is_null(), "without_code"),
    ]
}

/// The share columns of [`Counts`], from the count columns; null over an empty denominator.
fn share_exprs() -> Vec<Expr> {
    let share = |part: &str, whole: &str, name: &str| {
        when(col(whole).gt(lit(0)))
            .then(col(part).cast(DataType::Float64) / col(whole).cast(DataType::Float64))
            .otherwise(lit(Null {}).cast(DataType::Float64))
            .alias(name)
    };
    vec![
        share("with_description", "results", "description_share"),
        share("with_outcomes", "results", "outcomes_share"),
        share("degrees_with_ds", "degrees", "ds_share"),
    ]
}

/// Turns the aggregated frames into the report.
fn assemble(
    institutions: &DataFrame,
    years: &DataFrame,
    totals: &DataFrame,
    unmatched: &DataFrame,
    missing_all: &DataFrame,
    missing_by_institution: &DataFrame,
) -> Result<Coverage, CoverageError> {
    let mut years_of: BTreeMap<String, Vec<YearCoverage>> = BTreeMap::new();
    let year_counts = counts(years)?;
    for ((institution, year), counts) in strings(years, "institution")?
        .into_iter()
        .zip(required("year", years.column("year")?.i32()?.iter())?)
        .zip(year_counts)
    {
        years_of
            .entry(institution)
            .or_default()
            .push(YearCoverage { year, counts });
    }

    let mut unmatched_of: BTreeMap<String, Vec<CodeCount>> = BTreeMap::new();
    for ((institution, course_code), results) in strings(unmatched, "institution")?
        .into_iter()
        .zip(strings(unmatched, "course_code")?)
        .zip(u64s(unmatched, "results")?)
    {
        unmatched_of
            .entry(institution)
            .or_default()
            .push(CodeCount {
                course_code,
                results,
            });
    }

    let mut missing_of: BTreeMap<String, Vec<SectionCount>> = BTreeMap::new();
    for (institution, section) in strings(missing_by_institution, "institution")?
        .into_iter()
        .zip(sections(missing_by_institution)?)
    {
        missing_of.entry(institution).or_default().push(section);
    }

    let mut out = Vec::with_capacity(institutions.height());
    for ((institution, name), totals) in strings(institutions, "institution")?
        .into_iter()
        .zip(strings(institutions, "name")?)
        .zip(counts(institutions)?)
    {
        let mut unmatched = unmatched_of.remove(&institution).unwrap_or_default();
        let unmatched_codes = unmatched.len() as u64;
        unmatched.truncate(TOP_UNMATCHED);
        out.push(InstitutionCoverage {
            years: years_of.remove(&institution).unwrap_or_default(),
            ds_missing: missing_of.remove(&institution).unwrap_or_default(),
            unmatched_codes,
            unmatched,
            totals,
            name,
            institution,
        });
    }

    Ok(Coverage {
        version: FORMAT_VERSION,
        // `select` over the whole frame gives exactly one row, even when it has none.
        totals: counts(totals)?.into_iter().next().unwrap_or_default(),
        ds_missing: sections(missing_all)?,
        institutions: out,
    })
}

/// The [`Counts`] of every row of an aggregated frame.
fn counts(df: &DataFrame) -> Result<Vec<Counts>, CoverageError> {
    let results = u64s(df, "results")?;
    let with_description = u64s(df, "with_description")?;
    let with_outcomes = u64s(df, "with_outcomes")?;
    let degrees = u64s(df, "degrees")?;
    let degrees_with_ds = u64s(df, "degrees_with_ds")?;
    let unmatched = u64s(df, "unmatched")?;
    let without_code = u64s(df, "without_code")?;
    let description_share = shares(df, "description_share")?;
    let outcomes_share = shares(df, "outcomes_share")?;
    let ds_share = shares(df, "ds_share")?;
    Ok((0..df.height())
        .map(|i| Counts {
            results: results[i],
            with_description: with_description[i],
            description_share: description_share[i],
            with_outcomes: with_outcomes[i],
            outcomes_share: outcomes_share[i],
            degrees: degrees[i],
            degrees_with_ds: degrees_with_ds[i],
            ds_share: ds_share[i],
            unmatched: unmatched[i],
            without_code: without_code[i],
        })
        .collect())
}

fn sections(df: &DataFrame) -> Result<Vec<SectionCount>, CoverageError> {
    Ok(strings(df, "section")?
        .into_iter()
        .zip(u64s(df, "degrees")?)
        .map(|(section, degrees)| SectionCount { section, degrees })
        .collect())
}

fn strings(df: &DataFrame, column: &'static str) -> Result<Vec<String>, CoverageError> {
    let values = required(column, df.column(column)?.str()?.iter())?;
    Ok(values.into_iter().map(str::to_owned).collect())
}

fn u64s(df: &DataFrame, column: &'static str) -> Result<Vec<u64>, CoverageError> {
    required(column, df.column(column)?.u64()?.iter())
}

fn shares(df: &DataFrame, column: &'static str) -> Result<Vec<Option<f64>>, CoverageError> {
    Ok(df.column(column)?.f64()?.iter().collect())
}

/// The values of a column that the aggregation never leaves null.
fn required<T>(
    column: &'static str,
    values: impl IntoIterator<Item = Option<T>>,
) -> Result<Vec<T>, CoverageError> {
    values
        .into_iter()
        .map(|v| v.ok_or(CoverageError::Null { column }))
        .collect()
}
