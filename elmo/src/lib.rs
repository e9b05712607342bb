//! ELMO is the XML format of EMREX for a learner's study results (schema 1.7.0).
//! This crate holds the whole ELMO 1.7.0 model and writes, reads and lints it: bytes in, bytes out,
//! with no network, files or clock.
//!
//! The central types are [`Elmo`] (the document), [`Report`] (one issuing institution) and
//! [`Los`] (a degree, module or course, with the learner's result in [`Loi`]). The three verbs:
//! [`write`] a model as deterministic XML, [`read`] XML back (strict, with precise errors), and
//! [`lint`] a model against the rules the XSD cannot express.
//!
//! ```
//! use elmo::{Credit, Elmo, Identifier, Issuer, Learner, Los, LosType, Report, Status, Text};
//!
//! let now: elmo::DateTime = "2025-01-15T10:00:00+02:00".parse()?;
//! let learner = Learner { given_names: "Maija".into(), family_name: "Meikäläinen".into(), ..Default::default() };
//! let issuer = Issuer {
//!     identifiers: vec![Identifier::new("schac", "helsinki.fi")],
//!     titles: vec![Text::lang("en", "University of Helsinki")],
//!     url: "https://www.helsinki.fi".into(),
//!     ..Default::default()
//! };
//! let mut course = Los { titles: vec![Text::lang("en", "Introduction to Programming")], ..Default::default() };
//! course.los_type = Some(LosType::Course);
//! course.specifies.instance.status = Some(Status::Passed);
//! course.specifies.instance.credits.push(Credit { scheme: "ects".into(), level: None, value: Some("5".parse()?) });
//! let mut report = Report::new(issuer, now.clone());
//! report.los.push(course);
//! let mut doc = Elmo::new(now, learner);
//! doc.reports.push(report);
//!
//! let xml = elmo::write(&doc);
//! assert!(String::from_utf8_lossy(&xml).contains("<scheme>ects</scheme>"));
//! assert_eq!(elmo::read(&xml)?, doc);
//! # Ok::<(), elmo::Error>(())
//! ```

#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod error;
mod extension;
mod lint;
mod model;
mod reader;
mod redact;
mod scalar;
mod select;
mod writer;

pub use error::{Error, Location, Result, ValueError};
pub use extension::Extension;
pub use lint::{Finding, Severity, lint};
pub use model::{
    AcademicTerm, Attachment, AttachmentType, Credit, CreditLevel, DiplomaSupplement,
    DiplomaSupplementSection, Elmo, FlexibleAddress, Gender, GradingScheme, Group, GroupType,
    Grouping, Groups, Identifier, Issuer, Learner, Level, Loi, Los, LosType, Report,
    ResultCategory, ResultDistribution, SectionContent, ShortenedGrading, Specifies, Status, Text,
};
pub use reader::read;
pub use redact::redact;
pub use scalar::{Date, DateTime, Decimal, TimeZone};
pub use select::{UnknownIds, select};
pub use writer::{write, write_to};
