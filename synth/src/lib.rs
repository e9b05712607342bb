//! Seeded generator of synthetic VIRTA `OpiskelijanKaikkiTiedot` SOAP responses: one file per
//! learner, named by learner key, for tests, the embedded default (`data/recorded/`) and benchmarks;
//! and of the `OpiskelijanTiedot` answers that carry the names, one per learner and institution.
//! Real-data [`Quirk`]s are switches: fixed scenarios show some, random learners only when asked.
//! The first learners of every seed are fixed [`Scenario`]s; the rest are random but realistic.
//! It also writes the demo course catalogues of `data/catalogues/` ([`catalogue_files`]).

mod build;
mod bulk;
mod career;
mod catalogue;
mod catalogue_files;
mod date;
mod error;
mod hetu;
mod learner;
mod person;
mod quirks;
mod record;
mod rng;
mod run;
mod scenario;
mod xml;

pub use catalogue::{CatalogueCourse, INSTITUTIONS, Institution, Programme, Sector, catalogue};
pub use catalogue_files::{
    CatalogueFile, HOSTILE_HTML_COURSE, catalogue_files, write_catalogue_files,
};
pub use error::{Error, Result};
pub use hetu::{Henkilotunnus, INDIVIDUAL_MAX, INDIVIDUAL_MIN, is_valid_henkilotunnus};
pub use learner::{Learner, max_learners};
pub use quirks::{Quirk, Quirks};
pub use run::{DEFAULT_LEARNERS, DEFAULT_SEED, Options, Summary, generate};
pub use scenario::Scenario;
pub use xml::VIRTA_NS;
