//! Enrichment: what institutions supply (course catalogues, Diploma Supplement texts), joined onto
//! the mapped ELMO document as of each result's date, with provenance for every field and a
//! coverage row for every result.
//!
//! [`Enrichment::apply`] runs after mapping and before the lint: catalogue join per LOS
//! ([`catalogue`]), then the DS on each passed degree ([`ds`]), then one walk that records where
//! every field came from and what the join found.

pub mod catalogue;
pub mod check;
pub mod ds;
pub mod rules;

use std::borrow::Cow;

use elmo::{Date, Elmo, Los, Report};
use serde::{Deserialize, Serialize};

use self::catalogue::{Catalogues, Join};
use self::ds::{DsLibrary, DsOutcome};
use self::rules::EnrichmentRules;

/// The issuer identifier type that carries the VIRTA Myontaja code.
pub const MYONTAJA_ID_TYPE: &str = "virta-myontaja";

/// The institutions' data, loaded once per run.
#[derive(Debug, Default)]
pub struct Enrichment {
    /// Course catalogues, when configured.
    pub catalogues: Option<Catalogues>,
    /// Diploma Supplement texts, when configured.
    pub ds: Option<DsLibrary>,
}

/// Where some of a result's generated fields came from: one record, catalogue version or DS
/// source, and the rule that put them there. Fields with the same origin are stored together,
/// because the origin is most of the bytes: one per field, it made the provenance 80 % of what a
/// run wrote (BENCHMARKS.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    /// `virta`, `koski`, `catalogue`, `ds`.
    pub source: Cow<'static, str>,
    /// The record, or `file:line (version)`.
    pub at: String,
    /// The rule, e.g. `mappings/virta.yaml attainments`; for catalogue fields the precedence
    /// list (`mappings/enrichment.yaml catalogue.precedence`), whose key is the field.
    pub rule: Cow<'static, str>,
    /// The ELMO fields, e.g. `title`, `description`, `diplomaSupplement 3.3`.
    pub fields: Vec<Cow<'static, str>>,
}

/// Provenance of one result (one LOS and its LOI).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultProvenance {
    /// The issuer's Myontaja code or KOSKI identifier.
    pub institution: String,
    /// The LOS's identifiers, `type:value`, for `rikastin explain --los`.
    pub ids: Vec<String>,
    /// The LOS title (English if there is one).
    pub title: String,
    /// Every generated field, grouped by where it came from.
    pub from: Vec<Origin>,
}

/// One result as the coverage report sees it: no identity, no learner key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverageRow {
    /// VIRTA Myontaja code or KOSKI oppilaitos identifier.
    pub institution: String,
    /// The issuer's English (else first) title.
    pub institution_name: String,
    /// Year of the result's date (0 when it has none).
    pub year: i32,
    /// The code the catalogue join used.
    pub course_code: Option<String>,
    /// `Degree Programme`, `Module`, `Course`, `Class`, or empty.
    pub los_type: String,
    /// A catalogue description was joined.
    pub has_description: bool,
    /// Learning outcomes were joined.
    pub has_outcomes: bool,
    /// The catalogue had a version for (institution, code, date).
    pub matched: bool,
    /// A Degree Programme result.
    pub is_degree: bool,
    /// A Diploma Supplement is attached.
    pub has_ds: bool,
    /// DS sections listed as missing.
    pub ds_missing: Vec<String>,
}

/// What enrichment did to one document.
#[derive(Debug, Default)]
pub struct Enriched {
    /// Per result.
    pub provenance: Vec<ResultProvenance>,
    /// Per result.
    pub coverage: Vec<CoverageRow>,
    /// Per passed degree.
    pub ds: Vec<DsOutcome>,
}

impl Enriched {
    /// The provenance JSON stored beside the snapshot, which `rikastin explain` reads: printed
    /// from the structs, without a `serde_json::Value` between.
    pub fn provenance_json(&self) -> String {
        #[derive(Serialize)]
        struct Stored<'a> {
            results: &'a [ResultProvenance],
            diploma_supplements: &'a [DsOutcome],
        }
        serde_json::to_string(&Stored {
            results: &self.provenance,
            diploma_supplements: &self.ds,
        })
        .expect("provenance has only strings, lists and records")
    }
}

impl Enrichment {
    /// Joins catalogues and DS onto `elmo`; `issue_date` dates the DS.
    pub fn apply(&self, elmo: &mut Elmo, rules: &EnrichmentRules, issue_date: &Date) -> Enriched {
        let mut joins: Vec<Vec<Join>> = Vec::with_capacity(elmo.reports.len());
        for report in &mut elmo.reports {
            let institution = myontaja(report).map(str::to_owned);
            let mut found = Vec::new();
            walk_mut(&mut report.los, &mut |los| {
                found.push(match (&self.catalogues, &institution) {
                    (Some(c), Some(inst)) => {
                        catalogue::join(los, inst, &rules.catalogue, &c.index, &c.rendered)
                    }
                    _ => Join {
                        code: catalogue::course_code(los).map(str::to_owned),
                        ..Join::default()
                    },
                });
            });
            joins.push(found);
        }
        let ds = match &self.ds {
            Some(lib) => ds::attach(elmo, lib, issue_date),
            None => Vec::new(),
        };
        let mut out = Enriched::default();
        for (report, joins) in elmo.reports.iter().zip(joins) {
            let mut joins = joins.into_iter();
            walk(&report.los, &mut |los| {
                let join = joins.next().unwrap_or_default();
                out.provenance.push(provenance(report, los, &join, &ds));
                out.coverage.push(coverage(report, los, &join, &ds));
            });
        }
        out.ds = ds;
        out
    }
}

/// The report's VIRTA institution code, if it is a VIRTA report.
pub fn myontaja(report: &Report) -> Option<&str> {
    report
        .issuer
        .identifiers
        .iter()
        .find(|i| i.kind == MYONTAJA_ID_TYPE)
        .map(|i| i.value.as_str())
}

/// Every LOS of a forest, parents before children, in document order.
pub fn walk<'a>(forest: &'a [Los], each: &mut impl FnMut(&'a Los)) {
    for los in forest {
        each(los);
        walk(&los.has_part, each);
    }
}

fn walk_mut(forest: &mut [Los], each: &mut impl FnMut(&mut Los)) {
    for los in forest {
        each(los);
        walk_mut(&mut los.has_part, each);
    }
}

fn institution(report: &Report) -> String {
    myontaja(report)
        .or_else(|| report.issuer.identifiers.first().map(|i| i.value.as_str()))
        .unwrap_or_default()
        .to_owned()
}

fn english(texts: &[elmo::Text]) -> String {
    texts
        .iter()
        .find(|t| t.lang.as_deref() == Some("en"))
        .or_else(|| texts.first())
        .map(|t| t.value.clone())
        .unwrap_or_default()
}

fn ds_outcome<'a>(report: &Report, los: &Los, ds: &'a [DsOutcome]) -> Option<&'a DsOutcome> {
    let inst = myontaja(report)?;
    let code = catalogue::course_code(los).unwrap_or_default();
    ds.iter()
        .find(|d| d.institution == inst && d.degree_code == code)
}

fn provenance(report: &Report, los: &Los, join: &Join, ds: &[DsOutcome]) -> ResultProvenance {
    let loi = &los.specifies.instance;
    let (source, at, rule) = match myontaja(report) {
        Some(inst) => {
            let avain = loi
                .identifiers
                .iter()
                .find(|i| i.kind == crate::mapping::virta::ATTAINMENT_ID_TYPE)
                .map(|i| i.value.as_str())
                .unwrap_or("?");
            (
                "virta",
                format!("VIRTA Opintosuoritus ({inst}, {avain})"),
                "mappings/virta.yaml attainments",
            )
        }
        None => {
            let id = loi
                .identifiers
                .first()
                .map(|i| format!("{} {}", i.kind, i.value))
                .unwrap_or_else(|| format!("oppilaitos {}", institution(report)));
            (
                "koski",
                format!("KOSKI ({id})"),
                "mappings/koski.yaml suoritukset",
            )
        }
    };
    let from_catalogue = |f: rules::Field| join.filled.contains(&f);
    let mut record = Origin {
        source: Cow::Borrowed(source),
        at,
        rule: Cow::Borrowed(rule),
        fields: Vec::with_capacity(8),
    };
    if !from_catalogue(rules::Field::Title) {
        record.fields.push("title".into());
    }
    for (present, name) in [
        (los.los_type.is_some(), "type"),
        (loi.date.is_some(), "date"),
        (loi.status.is_some(), "status"),
        (loi.result_label.is_some(), "resultLabel"),
        (!loi.credits.is_empty(), "credit"),
        (loi.academic_term.is_some(), "academicTerm"),
    ] {
        if present {
            record.fields.push(name.into());
        }
    }
    if loi.language_of_instruction.is_some() && !from_catalogue(rules::Field::LanguageOfInstruction)
    {
        record.fields.push("languageOfInstruction".into());
    }
    let mut from = vec![record];
    // Recognised credit (docs/virta.md): the decision and where it was completed, as a person
    // reads them, from the LOI's extension the mapping wrote.
    if let Some(ext) = &loi.extension
        && let Some(recognition) = recognition_text(ext.as_xml())
    {
        from.push(Origin {
            source: "virta".into(),
            at: recognition,
            rule: "docs/virta.md recognised credit (HyvaksilukuPvm, Organisaatio Rooli 3)".into(),
            fields: vec!["recognition".into()],
        });
    }
    if let Some(version) = &join.version {
        from.push(Origin {
            source: "catalogue".into(),
            at: version.clone(),
            rule: "mappings/enrichment.yaml catalogue.precedence".into(),
            fields: join.filled.iter().map(|f| f.as_str().into()).collect(),
        });
    }
    if let (Some(outcome), Some(_)) = (ds_outcome(report, los, ds), &loi.diploma_supplement) {
        for (section, at) in &outcome.provenance {
            from.push(Origin {
                source: "ds".into(),
                at: at.clone(),
                rule: "diploma supplement, 2018 template".into(),
                fields: vec![format!("diplomaSupplement {section}").into()],
            });
        }
    }
    ResultProvenance {
        institution: institution(report),
        ids: los
            .identifiers
            .iter()
            .map(|i| format!("{}:{}", i.kind, i.value))
            .collect(),
        title: english(&los.titles),
        from,
    }
}

/// "recognised 2018-03-16; completed at University of Jyväskylä (01906)" from the mapping's
/// `rk:recognition` extension, or `None` when the extension holds none.
fn recognition_text(xml: &str) -> Option<String> {
    let start = xml.find("<rk:recognition")?;
    let rest = &xml[start..];
    let mut text = String::from("recognised");
    if let Some(at) = rest.find("date=\"") {
        let date = &rest[at + 6..];
        text.push(' ');
        text.push_str(&date[..date.find('"')?]);
    }
    let mut places = Vec::new();
    let mut tail = rest;
    while let Some(at) = tail.find("<rk:completedAt code=\"") {
        let after = &tail[at + 22..];
        let code = &after[..after.find('"')?];
        let name_start = after.find('>')? + 1;
        let name = &after[name_start..name_start + after[name_start..].find('<')?];
        places.push(format!("{} ({code})", unescape(name)));
        tail = &after[name_start..];
    }
    if !places.is_empty() {
        text.push_str("; completed at ");
        text.push_str(&places.join(", "));
    }
    Some(text)
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

fn coverage(report: &Report, los: &Los, join: &Join, ds: &[DsOutcome]) -> CoverageRow {
    let loi = &los.specifies.instance;
    let is_degree = los.los_type == Some(elmo::LosType::DegreeProgramme);
    let year = loi
        .date
        .as_ref()
        .or(loi.start.as_ref())
        .and_then(|d| d.to_string().get(..4)?.parse().ok())
        .unwrap_or(0);
    CoverageRow {
        institution: institution(report),
        institution_name: english(&report.issuer.titles),
        year,
        course_code: join.code.clone(),
        los_type: los
            .los_type
            .map(|t| t.as_str().to_owned())
            .unwrap_or_default(),
        has_description: join.filled.contains(&rules::Field::Description),
        has_outcomes: join.outcomes,
        matched: join.version.is_some(),
        is_degree,
        has_ds: loi.diploma_supplement.is_some(),
        ds_missing: match (is_degree, ds_outcome(report, los, ds)) {
            (true, Some(o)) => o.missing.clone(),
            _ => Vec::new(),
        },
    }
}

#[cfg(test)]
mod tests;
