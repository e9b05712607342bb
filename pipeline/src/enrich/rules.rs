//! `mappings/enrichment.yaml` as types, and the cross-checks that make a typo fail before any
//! fetch: unknown fields, sources, parts and languages are named with file:line.

use std::collections::BTreeMap;

use rikastin_sources::catalogue::KeyNormalisation;
use serde::Deserialize;

use crate::mapping::LOS_TYPES;
use crate::yaml::{ConfigError, YamlFile};

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrichmentRules {
    /// The course-catalogue join.
    pub catalogue: CatalogueRules,
}

/// `catalogue`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogueRules {
    /// How course codes are compared.
    pub key: KeyNormalisation,
    /// LOS types looked up in the catalogues.
    pub los_types: Vec<String>,
    /// Languages written, in order.
    pub languages: Vec<String>,
    /// The language whose headings a text in another language borrows when it has none.
    pub fallback: String,
    /// Field -> sources in order of precedence.
    pub precedence: BTreeMap<Field, Vec<Source>>,
    /// The parts of a description, in order.
    pub description_parts: Vec<Part>,
    /// Part -> language -> heading.
    #[serde(default)]
    pub headings: BTreeMap<Part, BTreeMap<String, String>>,
}

/// A field the join may fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// LOS `title`.
    Title,
    /// LOS `description` and `descriptionHtml`.
    Description,
    /// LOS `url`.
    Url,
    /// LOS `iscedCode`.
    IscedCode,
    /// LOS `subjectArea` (the Erasmus subject area is an ISCED-F code).
    SubjectArea,
    /// LOI `languageOfInstruction`.
    LanguageOfInstruction,
    /// LOI `level` of type EQF.
    EqfLevel,
}

impl Field {
    /// The key as written in YAML and in provenance.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Title => "title",
            Field::Description => "description",
            Field::Url => "url",
            Field::IscedCode => "isced_code",
            Field::SubjectArea => "subject_area",
            Field::LanguageOfInstruction => "language_of_instruction",
            Field::EqfLevel => "eqf_level",
        }
    }
}

/// Where a value may come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// What the mapping wrote from the register (VIRTA or KOSKI).
    Record,
    /// The catalogue version valid on the result's date.
    Catalogue,
}

/// A part of a built description.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    /// The course description.
    Description,
    /// Course contents.
    Content,
    /// Learning outcomes, a list.
    LearningOutcomes,
    /// Prerequisites.
    Prerequisites,
    /// Assessment methods and criteria.
    Assessment,
}

impl Part {
    /// The key as written in YAML.
    pub fn as_str(self) -> &'static str {
        match self {
            Part::Description => "description",
            Part::Content => "content",
            Part::LearningOutcomes => "learning_outcomes",
            Part::Prerequisites => "prerequisites",
            Part::Assessment => "assessment",
        }
    }
}

/// Reads and checks `enrichment.yaml`.
pub(crate) fn load(file: &YamlFile) -> Result<EnrichmentRules, ConfigError> {
    let rules: EnrichmentRules = file.parse()?;
    let c = &rules.catalogue;
    for t in &c.los_types {
        if !LOS_TYPES.contains(&t.as_str()) {
            return Err(file.invalid(
                "catalogue.los_types",
                "los_types:",
                format!(
                    "unknown LOS type `{t}`, expected some of {}",
                    LOS_TYPES.join(", ")
                ),
            ));
        }
    }
    if c.languages.is_empty() {
        return Err(file.invalid(
            "catalogue.languages",
            "languages:",
            "name at least one language".into(),
        ));
    }
    for lang in &c.languages {
        if lang.len() != 2 || !lang.bytes().all(|b| b.is_ascii_lowercase()) {
            return Err(file.invalid(
                "catalogue.languages",
                "languages:",
                format!("`{lang}` is not an ISO 639-1 code like `en`"),
            ));
        }
    }
    if !c.languages.contains(&c.fallback) {
        return Err(file.invalid(
            "catalogue.fallback",
            "fallback:",
            format!("`{}` is not one of `languages`", c.fallback),
        ));
    }
    for (field, sources) in &c.precedence {
        if sources.is_empty() {
            return Err(file.invalid(
                &format!("catalogue.precedence.{}", field.as_str()),
                &format!("{}:", field.as_str()),
                "name at least one source: `record`, `catalogue`".into(),
            ));
        }
    }
    for part in c.description_parts.iter().skip(1) {
        let headings = c.headings.get(part);
        if headings.is_none_or(|h| !h.contains_key(&c.fallback)) {
            return Err(file.invalid(
                &format!("catalogue.headings.{}", part.as_str()),
                "headings:",
                format!(
                    "part `{}` needs a heading in the fallback language `{}`",
                    part.as_str(),
                    c.fallback
                ),
            ));
        }
    }
    Ok(rules)
}
