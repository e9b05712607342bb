//! The mapping files as typed data: `mappings/virta.yaml` and `mappings/institutions.yaml`.
//!
//! These structs are the low stage (typed, nothing built); [`Mappings::load`] checks the
//! cross-references and builds the lookup tables the mapping functions use.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::yaml::{ConfigError, YamlFile};

/// Languages keyed by ISO 639-1 code, e.g. `{ en: ..., fi: ... }`.
pub type LangMap = BTreeMap<String, String>;

/// `mappings/virta.yaml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VirtaRules {
    /// The institutions table, relative to the mapping file.
    pub institutions: String,
    /// Which attainments become results, first match wins.
    pub attainments: Vec<AttainmentRule>,
    /// Where ECTS credits go.
    pub credit: CreditRule,
    /// Language code handling.
    pub languages: LanguageRule,
    /// Opiskeluoikeus/Tyyppi -> EQF level of a degree.
    #[serde(default)]
    pub eqf_by_study_right_type: BTreeMap<String, String>,
    /// Academic terms derived from completion dates.
    #[serde(default)]
    pub academic_terms: Vec<AcademicTermRule>,
    /// Learner fields.
    pub learner: LearnerRule,
    /// Grading schemes by VIRTA scale element name.
    pub grading_schemes: BTreeMap<String, GradingSchemeRule>,
    /// Institution-defined (`Muu`) scales, by Myontaja and then by the scale's `avain`: what an
    /// answer that sends the scale empty or in part is completed from (docs/virta.md).
    #[serde(default, deserialize_with = "crate::yaml::unique_keys")]
    pub muu_scales: BTreeMap<String, BTreeMap<String, MuuScaleRule>>,
}

/// One entry of `muu_scales`: an institution's own grading scale.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MuuScaleRule {
    /// The scale's name, e.g. `HYL-HYV`.
    #[serde(default)]
    pub name: Option<String>,
    /// Its grades by `AsteikkoArvosana/@avain`, in the order they are listed in the scheme.
    pub grades: Vec<MuuGradeRule>,
}

/// One grade of a `muu_scales` scale.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MuuGradeRule {
    /// `AsteikkoArvosana/@avain`: the key an attainment's `Koodi` names.
    pub avain: String,
    /// `Koodi`: the grade as printed, e.g. `HYV`.
    pub koodi: String,
    /// `Nimi`: e.g. `Hyväksytty`.
    #[serde(default)]
    pub nimi: Option<String>,
}

/// One rule of `attainments`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttainmentRule {
    /// The condition; every given field must match.
    pub when: Condition,
    /// The ELMO LOS type for matching attainments.
    #[serde(default)]
    pub los_type: Option<String>,
    /// Or: keep matching attainments out, with this reason.
    #[serde(default)]
    pub exclude: Option<String>,
}

/// The condition of an attainment rule.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// Opintosuoritus/Laji (1 degree, 2 other, 3 partial, 4 internal).
    #[serde(default)]
    pub laji: Option<String>,
    /// Whether the attainment lists parts (Sisaltyvyys) that are in the response.
    #[serde(default)]
    pub has_parts: Option<bool>,
}

/// `credit`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreditRule {
    /// The ELMO credit scheme, `ects`.
    pub scheme: String,
    /// `leaves` or `roots`.
    pub place: String,
}

/// `languages`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LanguageRule {
    /// VIRTA codes that mean "no single language".
    #[serde(default)]
    pub omit: Vec<String>,
}

/// One entry of `academic_terms`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcademicTermRule {
    /// First day, `MM-DD`.
    pub start: String,
    /// Last day, `MM-DD`.
    pub end: String,
    /// Title per language; `{year}` is replaced.
    pub title: LangMap,
}

/// `learner`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LearnerRule {
    /// VIRTA Sukupuoli -> ISO/IEC 5218 digit.
    pub gender: BTreeMap<String, String>,
    /// ISO 3166 numeric -> Europass alpha-2.
    #[serde(default)]
    pub citizenship: BTreeMap<String, String>,
    /// Identifier type for KansallinenOppijanumero; absent = not written.
    #[serde(default)]
    pub oppijanumero_identifier: Option<String>,
}

/// One entry of `grading_schemes`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradingSchemeRule {
    /// The gradingScheme localId (a template with `{myontaja}`, `{asteikko}` for `Muu`).
    pub local_id: String,
    /// Description per language (`{name}` for `Muu`).
    pub description: LangMap,
    /// For `Muu`: the name used when VIRTA sends none (`{asteikko}` allowed).
    #[serde(default)]
    pub unnamed: Option<String>,
    /// Grade values that mean failed.
    #[serde(default)]
    pub failed: Vec<String>,
}

/// `mappings/institutions.yaml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstitutionsFile {
    /// By VIRTA Myontaja code, each once.
    #[serde(deserialize_with = "crate::yaml::unique_keys")]
    pub institutions: BTreeMap<String, Institution>,
}

/// One institution.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Institution {
    /// SCHAC home organisation (the EWP HEI id).
    pub schac: String,
    /// Home page.
    pub url: String,
    /// Names by language.
    pub names: LangMap,
    /// Erasmus code, when known.
    #[serde(default)]
    pub erasmus: Option<String>,
    /// A historic code's successor.
    #[serde(default)]
    pub merged_into: Option<String>,
    /// The day the merger took effect (`YYYY-MM-DD`), required with `merged_into`: a result
    /// completed before it was awarded by this institution, one on or after it by the successor.
    #[serde(default)]
    pub merged_on: Option<String>,
}

/// The VIRTA scale elements (virta.md §3.4); `grading_schemes` must name each one exactly once.
pub const VIRTA_SCALES: [&str; 7] = [
    "Viisiportainen",
    "ToinenKotimainen",
    "Hyvaksytty",
    "Naytetyo",
    "Tutkielma",
    "EiKaytossa",
    "Muu",
];

/// The ELMO LOS types a rule may name.
pub const LOS_TYPES: [&str; 4] = ["Degree Programme", "Module", "Course", "Class"];

/// A record rule either maps to a LOS type ELMO knows or excludes with a reason, never both.
pub(super) fn los_type_or_exclude(
    file: &YamlFile,
    path: &str,
    los_type: Option<&str>,
    exclude: Option<&str>,
) -> Result<(), ConfigError> {
    match (los_type, exclude) {
        (Some(t), None) if !LOS_TYPES.contains(&t) => Err(file.invalid(
            &format!("{path}.los_type"),
            &format!("los_type: {t}"),
            format!(
                "unknown LOS type `{t}`, expected one of {}",
                LOS_TYPES.join(", ")
            ),
        )),
        (Some(_), None) | (None, Some(_)) => Ok(()),
        _ => Err(file.invalid(
            path,
            "",
            "a rule needs exactly one of `los_type` or `exclude`".into(),
        )),
    }
}

pub(super) fn load_rules(file: &YamlFile) -> Result<VirtaRules, ConfigError> {
    let rules: VirtaRules = file.parse()?;
    for (i, rule) in rules.attainments.iter().enumerate() {
        let path = format!("attainments[{i}]");
        los_type_or_exclude(
            file,
            &path,
            rule.los_type.as_deref(),
            rule.exclude.as_deref(),
        )?;
    }
    if !matches!(rules.credit.place.as_str(), "leaves" | "roots") {
        return Err(file.invalid(
            "credit.place",
            "place:",
            format!(
                "unknown place `{}`, expected `leaves` or `roots`",
                rules.credit.place
            ),
        ));
    }
    for scale in rules.grading_schemes.keys() {
        if !VIRTA_SCALES.contains(&scale.as_str()) {
            return Err(file.invalid(
                &format!("grading_schemes.{scale}"),
                &format!("{scale}:"),
                format!(
                    "`{scale}` is not a VIRTA scale, expected one of {}",
                    VIRTA_SCALES.join(", ")
                ),
            ));
        }
    }
    if let Some(missing) = VIRTA_SCALES
        .iter()
        .find(|s| !rules.grading_schemes.contains_key(**s))
    {
        return Err(file.invalid(
            "grading_schemes",
            "grading_schemes:",
            format!("no grading scheme for the VIRTA scale `{missing}`; every scale needs one"),
        ));
    }
    for (scale, scheme) in &rules.grading_schemes {
        if !scheme.description.contains_key("en") {
            return Err(file.invalid(
                &format!("grading_schemes.{scale}.description"),
                &format!("{scale}:"),
                "an English description is required (elmo.md §8 rule 9)".into(),
            ));
        }
    }
    for (i, term) in rules.academic_terms.iter().enumerate() {
        for (key, value) in [("start", &term.start), ("end", &term.end)] {
            if parse_month_day(value).is_none() {
                return Err(file.invalid(
                    &format!("academic_terms[{i}].{key}"),
                    &format!("{key}: \"{value}\""),
                    format!("`{value}` is not a month and day, expected MM-DD like \"08-01\""),
                ));
            }
        }
    }
    for (code, digit) in &rules.learner.gender {
        if !matches!(digit.as_str(), "0" | "1" | "2" | "9") {
            return Err(file.invalid(
                &format!("learner.gender.{code}"),
                &format!("\"{code}\""),
                format!("`{digit}` is not an ISO/IEC 5218 code, expected 0, 1, 2 or 9"),
            ));
        }
    }
    Ok(rules)
}

pub(super) fn load_institutions(file: &YamlFile) -> Result<InstitutionsFile, ConfigError> {
    let table: InstitutionsFile = file.parse()?;
    for (code, inst) in &table.institutions {
        if !inst.names.contains_key("en") {
            return Err(file.invalid(
                &format!("institutions.{code}.names"),
                &format!("\"{code}\""),
                "an English name is required (elmo.md §8 rule 4)".into(),
            ));
        }
        if let Some(next) = &inst.merged_into
            && !table.institutions.contains_key(next)
        {
            return Err(file.invalid(
                &format!("institutions.{code}.merged_into"),
                &format!("merged_into: \"{next}\""),
                format!("`{next}` is not an institution in this table"),
            ));
        }
        let merged_on = inst.merged_on.as_deref();
        if merged_on
            .is_some_and(|d| rikastin_sources::virta::Pvm::parse(d).is_none_or(|p| p.as_str() != d))
        {
            return Err(file.invalid(
                &format!("institutions.{code}.merged_on"),
                "merged_on:",
                "expected a date like 2020-01-01".into(),
            ));
        }
        if inst.merged_into.is_some() != merged_on.is_some() {
            return Err(file.invalid(
                &format!("institutions.{code}"),
                &format!("\"{code}\""),
                "`merged_into` and `merged_on` go together: the successor and the day of the merger".into(),
            ));
        }
    }
    Ok(table)
}

/// `MM-DD` -> (month, day).
pub fn parse_month_day(s: &str) -> Option<(u32, u32)> {
    let (m, d) = s.split_once('-')?;
    let (m, d): (u32, u32) = (m.parse().ok()?, d.parse().ok()?);
    ((1..=12).contains(&m) && (1..=31).contains(&d) && s.len() == 5).then_some((m, d))
}

/// Where the institutions file named in the rules lives.
pub(super) fn institutions_path(rules_file: &Path, rules: &VirtaRules) -> std::path::PathBuf {
    rules_file
        .parent()
        .unwrap_or(Path::new("."))
        .join(&rules.institutions)
}
