//! `mappings/koski.yaml` as typed data, and the checks that run when it is loaded.
//!
//! These structs are the low stage (typed, nothing built); [`load_rules`] refuses rules that
//! would give an invalid or ambiguous document, before anything is fetched (DESIGN.md
//! invariant 6). docs/mappings.md ("KOSKI") documents every key.

use std::collections::{BTreeMap, HashSet};

use serde::Deserialize;

use crate::mapping::rules::{LangMap, los_type_or_exclude, parse_month_day};
use crate::yaml::{ConfigError, YamlFile};

/// `mappings/koski.yaml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KoskiRules {
    /// Study rights kept out of the document, by type or last status.
    #[serde(default)]
    pub study_rights: StudyRightRules,
    /// Which completions become results, and as which LOS type; first match wins.
    pub suoritukset: Vec<SuoritusRule>,
    /// Laajuus unit code (`opintojenlaajuusyksikko`) -> ELMO credit.
    pub credits: BTreeMap<String, CreditUnitRule>,
    /// Language code handling.
    #[serde(default)]
    pub languages: KoskiLanguageRule,
    /// EQF levels of Degree Programmes.
    #[serde(default)]
    pub eqf: EqfRule,
    /// Matriculation-exam sessions (`tutkintokerta`, `2012K`) by their season letter.
    #[serde(default)]
    pub exam_terms: BTreeMap<String, ExamTermRule>,
    /// Learner fields.
    pub learner: KoskiLearnerRule,
    /// The issuer of a report: the oppilaitos.
    pub issuer: IssuerRule,
    /// Identifier types written on results.
    pub identifiers: IdentifierRule,
    /// Names for codes that KOSKI sends without one, by code set and code.
    #[serde(default)]
    pub code_names: BTreeMap<String, BTreeMap<String, LangMap>>,
    /// Grading schemes by scale (the grade's `koodistoUri`).
    pub grading_schemes: BTreeMap<String, KoskiGradingScheme>,
    /// The grading scheme of a scale not listed in `grading_schemes`.
    pub other_grading_scheme: KoskiGradingScheme,
}

/// `study_rights`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StudyRightRules {
    /// Every opiskeluoikeudentyyppi that is mapped (koski.md §4.4); a type neither here nor in
    /// `exclude_types` is excluded as unknown, and the learner's other study rights still go in.
    #[serde(default)]
    pub types: std::collections::BTreeSet<String>,
    /// Opiskeluoikeus type (`opiskeluoikeudentyyppi`) -> reason to keep it out.
    #[serde(default)]
    pub exclude_types: BTreeMap<String, String>,
    /// Last status (`koskiopiskeluoikeudentila`) -> reason to keep the study right out.
    #[serde(default)]
    pub exclude_states: BTreeMap<String, String>,
}

/// One rule of `suoritukset`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuoritusRule {
    /// The condition; every given field must match.
    pub when: SuoritusCondition,
    /// The ELMO LOS type for matching completions.
    #[serde(default)]
    pub los_type: Option<String>,
    /// Or: keep matching completions (with their parts) out, with this reason.
    #[serde(default)]
    pub exclude: Option<String>,
}

/// The condition of a `suoritukset` rule.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuoritusCondition {
    /// Suoritus `tyyppi` codes (`suorituksentyyppi`); matches when the completion's is one of them.
    #[serde(default)]
    pub tyyppi: Option<Vec<String>>,
    /// Whether the completion has parts (`osasuoritukset`).
    #[serde(default)]
    pub has_parts: Option<bool>,
    /// Whether the completion is main-level (directly in `suoritukset`).
    #[serde(default)]
    pub main_level: Option<bool>,
}

/// One entry of `credits`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreditUnitRule {
    /// The ELMO credit scheme, e.g. `ects` or `fi-osaamispiste`.
    pub scheme: String,
    /// `lowest` or `highest`: which level of a root-to-leaf path keeps the credits.
    pub place: String,
}

/// `languages`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KoskiLanguageRule {
    /// `kieli` codes that are not one language (e.g. `98`, `99`, `XX`).
    #[serde(default)]
    pub omit: Vec<String>,
}

/// `eqf`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EqfRule {
    /// `koulutus` code (6 digits) -> EQF level.
    #[serde(default)]
    pub by_koulutus: BTreeMap<String, String>,
    /// Suoritus `tyyppi` -> EQF level, when the code is not listed.
    #[serde(default)]
    pub by_suoritus: BTreeMap<String, String>,
}

/// One entry of `exam_terms`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExamTermRule {
    /// First day, `MM-DD`.
    pub start: String,
    /// Last day, `MM-DD`; also the exam's date when it has none of its own.
    pub end: String,
    /// Title per language; `{year}` is replaced.
    pub title: LangMap,
}

/// `learner`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KoskiLearnerRule {
    /// Identifier type for the henkilö OID (the national learner number); absent = not written.
    #[serde(default)]
    pub oid_identifier: Option<String>,
    /// `maatjavaltiot2` (ISO 3166 numeric) -> Europass alpha-2.
    #[serde(default)]
    pub citizenship: BTreeMap<String, String>,
}

/// `issuer`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssuerRule {
    /// Issuer `country`.
    pub country: String,
    /// Identifier type for the oppilaitos OID.
    pub oid_identifier: String,
    /// Identifier type for the 5-digit oppilaitosnumero; absent = not written.
    #[serde(default)]
    pub oppilaitosnumero_identifier: Option<String>,
    /// The `url` of an organisation not in `oppilaitokset`; `{oid}` is its OID.
    pub url: String,
    /// Overrides by organisation OID: SCHAC code, web site, names for missing languages. Not an
    /// allow-list: every organisation a document names is an issuer.
    #[serde(default, deserialize_with = "crate::yaml::unique_keys")]
    pub oppilaitokset: BTreeMap<String, KoskiInstitution>,
}

/// One entry of `issuer.oppilaitokset`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KoskiInstitution {
    /// SCHAC code (best guess from the web domain when the institution has none, elmo.md §2.4).
    pub schac: String,
    /// Web site.
    pub url: String,
    /// Names by language; they fill the languages KOSKI does not give.
    #[serde(default)]
    pub names: LangMap,
}

/// `identifiers`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentifierRule {
    /// LOS identifier type of a national code; `{koodistoUri}` is replaced by the code set.
    pub code: String,
    /// LOS identifier type of a local code (PaikallinenKoodi).
    pub local_code: String,
    /// LOI identifier type of a main-level result: the study right's OID.
    pub study_right: String,
}

/// One grading scheme.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KoskiGradingScheme {
    /// The gradingScheme localId (`{koodistoUri}` allowed; required in `other_grading_scheme`).
    pub local_id: String,
    /// Description per language (`{koodistoUri}` allowed).
    pub description: LangMap,
    /// Grades that mean failed, used only when KOSKI sends no `hyväksytty`.
    #[serde(default)]
    pub failed: Vec<String>,
}

/// The credit placements a rule may name.
pub const PLACES: [&str; 2] = ["lowest", "highest"];

pub(crate) fn load_rules(file: &YamlFile) -> Result<KoskiRules, ConfigError> {
    let rules: KoskiRules = file.parse()?;
    for (i, rule) in rules.suoritukset.iter().enumerate() {
        let path = format!("suoritukset[{i}]");
        los_type_or_exclude(
            file,
            &path,
            rule.los_type.as_deref(),
            rule.exclude.as_deref(),
        )?;
    }
    for (unit, credit) in &rules.credits {
        let path = format!("credits.{unit}");
        if !PLACES.contains(&credit.place.as_str()) {
            return Err(file.invalid(
                &format!("{path}.place"),
                &format!("place: {}", credit.place),
                format!(
                    "unknown place `{}`, expected `lowest` or `highest`",
                    credit.place
                ),
            ));
        }
        let scheme = credit.scheme.as_str();
        if !is_token(scheme) || (scheme.eq_ignore_ascii_case("ects") && scheme != "ects") {
            return Err(file.invalid(
                &format!("{path}.scheme"),
                &format!("scheme: {scheme}"),
                format!(
                    "`{scheme}` is not a credit scheme: one word, and ECTS is written `ects` (elmo.md §2.6)"
                ),
            ));
        }
    }
    let eqf = rules.eqf.by_koulutus.iter().map(|e| ("by_koulutus", e));
    let eqf = eqf.chain(rules.eqf.by_suoritus.iter().map(|e| ("by_suoritus", e)));
    for (table, (key, level)) in eqf {
        if !matches!(
            level.as_str(),
            "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8"
        ) {
            return Err(file.invalid(
                &format!("eqf.{table}.{key}"),
                key,
                format!("`{level}` is not an EQF level, expected 1 to 8"),
            ));
        }
    }
    for (season, term) in &rules.exam_terms {
        for (key, value) in [("start", &term.start), ("end", &term.end)] {
            if parse_month_day(value).is_none() {
                return Err(file.invalid(
                    &format!("exam_terms.{season}.{key}"),
                    &format!("{key}: \"{value}\""),
                    format!("`{value}` is not a month and day, expected MM-DD like \"05-31\""),
                ));
            }
        }
    }
    for (code, alpha2) in &rules.learner.citizenship {
        if alpha2.len() != 2 || !alpha2.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(file.invalid(
                &format!("learner.citizenship.{code}"),
                &format!("\"{code}\""),
                format!("`{alpha2}` is not an upper-case ISO 3166-1 alpha-2 code like FI"),
            ));
        }
    }
    let issuer = &rules.issuer;
    for (key, value) in [
        ("country", Some(&issuer.country)),
        ("oid_identifier", Some(&issuer.oid_identifier)),
        (
            "oppilaitosnumero_identifier",
            issuer.oppilaitosnumero_identifier.as_ref(),
        ),
    ] {
        if value.is_some_and(|v| !is_token(v)) {
            return Err(file.invalid(
                &format!("issuer.{key}"),
                &format!("{key}:"),
                "expected one word, without spaces".into(),
            ));
        }
    }
    for (oid, inst) in &issuer.oppilaitokset {
        if !is_token(&inst.schac) || inst.url.trim().is_empty() {
            return Err(file.invalid(
                &format!("issuer.oppilaitokset.{oid}"),
                &format!("\"{oid}\""),
                "an institution needs a `schac` code (one word) and a `url` (elmo.md §8 rule 4)"
                    .into(),
            ));
        }
    }
    let ids = &rules.identifiers;
    for (key, value) in [
        ("code", &ids.code),
        ("local_code", &ids.local_code),
        ("study_right", &ids.study_right),
    ] {
        if !is_token(value) || value == "local" {
            return Err(file.invalid(
                &format!("identifiers.{key}"),
                &format!("{key}:"),
                format!(
                    "`{value}` cannot be an identifier type: one word, and not `local` (written only when unique)"
                ),
            ));
        }
    }
    let mut local_ids = HashSet::new();
    let schemes = rules
        .grading_schemes
        .iter()
        .map(|(k, s)| (format!("grading_schemes.{k}"), k.as_str(), s));
    let other = std::iter::once((
        "other_grading_scheme".to_owned(),
        "other_grading_scheme",
        &rules.other_grading_scheme,
    ));
    for (path, key, scheme) in schemes.chain(other) {
        if !scheme.description.contains_key("en") {
            return Err(file.invalid(
                &format!("{path}.description"),
                &format!("{key}:"),
                "an English description is required (elmo.md §8 rule 9)".into(),
            ));
        }
        if !is_token(&scheme.local_id) || !local_ids.insert(scheme.local_id.as_str()) {
            return Err(file.invalid(
                &format!("{path}.local_id"),
                &format!("local_id: {}", scheme.local_id),
                format!(
                    "`{}` cannot be a local id: one word, used by one scheme only",
                    scheme.local_id
                ),
            ));
        }
    }
    if !rules
        .other_grading_scheme
        .local_id
        .contains("{koodistoUri}")
    {
        return Err(file.invalid(
            "other_grading_scheme.local_id",
            "other_grading_scheme:",
            "the local id must contain `{koodistoUri}`, so that each scale gets its own scheme"
                .into(),
        ));
    }
    Ok(rules)
}

/// One non-empty word, as an `xs:token` identifier or scheme needs.
fn is_token(s: &str) -> bool {
    !s.is_empty() && !s.chars().any(char::is_whitespace)
}
