//! The mapping engine: YAML rules (`mappings/`) applied to VIRTA and KOSKI records to build ELMO.
//!
//! [`Mappings::load`] reads and cross-checks the rule files before anything is fetched
//! (DESIGN.md invariant 6); [`virta::map_learner`] is a pure function from one learner's
//! records to an ELMO document plus the list of records it kept out, with reasons, and
//! [`koski::map_oppija`] does the same for a KOSKI answer, giving one report per oppilaitos.

pub mod cases;
pub mod koski;
mod rules;
pub mod virta;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use koski::KoskiRules;
pub use rules::{Institution, LOS_TYPES, VirtaRules, parse_month_day};

use crate::yaml::{ConfigError, YamlFile};

/// Every mapping file, loaded and checked.
#[derive(Debug)]
pub struct Mappings {
    /// `virta.yaml`.
    pub virta: VirtaRules,
    /// `koski.yaml`.
    pub koski: KoskiRules,
    /// `enrichment.yaml`: how catalogues are joined on.
    pub enrichment: crate::enrich::rules::EnrichmentRules,
    /// `institutions.yaml`, by Myontaja code.
    pub institutions: BTreeMap<String, Institution>,
    /// The files that were read, for the run report.
    pub files: Vec<PathBuf>,
}

impl Mappings {
    /// Loads `virta.yaml` from `dir` and the institutions table it names, then `koski.yaml`
    /// and `enrichment.yaml`.
    pub fn load(dir: &Path) -> Result<Self, ConfigError> {
        let rules_path = dir.join("virta.yaml");
        let virta = rules::load_rules(&YamlFile::read(&rules_path)?)?;
        let institutions_path = rules::institutions_path(&rules_path, &virta);
        let institutions =
            rules::load_institutions(&YamlFile::read(&institutions_path)?)?.institutions;
        let koski_path = dir.join("koski.yaml");
        let koski = koski::load_rules(&YamlFile::read(&koski_path)?)?;
        let enrichment_path = dir.join("enrichment.yaml");
        let enrichment = crate::enrich::rules::load(&YamlFile::read(&enrichment_path)?)?;
        Ok(Self {
            virta,
            koski,
            enrichment,
            institutions,
            files: vec![rules_path, institutions_path, koski_path, enrichment_path],
        })
    }
}
