//! The `report` element: one issuing institution and its results (elmo.md §2.3–2.4).

use crate::{Attachment, DateTime, Identifier, Los, Text};

/// `report`: the results from one issuing institution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// `issuer`: the institution.
    pub issuer: Issuer,
    /// `learningOpportunitySpecification*`: a forest of degrees, modules and courses.
    pub los: Vec<Los>,
    /// `issueDate`: usually equal to `generatedDate`; should carry a zone.
    pub issue_date: DateTime,
    /// `gradingScheme*`: scales referenced by LOI `gradingSchemeLocalId`.
    pub grading_schemes: Vec<GradingScheme>,
    /// `attachment*`: files of this institution (e.g. `Transcript of Records`).
    pub attachments: Vec<Attachment>,
}

impl Report {
    /// A report by `issuer` with no results yet.
    pub fn new(issuer: Issuer, issue_date: DateTime) -> Report {
        Report {
            issuer,
            los: Vec::new(),
            issue_date,
            grading_schemes: Vec::new(),
            attachments: Vec::new(),
        }
    }
}

/// `issuer`: the institution that issued a report.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Issuer {
    /// `country?`: Europass country code; absent for international bodies.
    pub country: Option<String>,
    /// `identifier+`: `schac`, `pic`, `erasmus`, `address` or custom types.
    pub identifiers: Vec<Identifier>,
    /// `title+`: names, in English and the original language.
    pub titles: Vec<Text>,
    /// `url`: the institution's web site.
    pub url: String,
}

/// `gradingScheme`: a grading scale, valid only inside this document.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GradingScheme {
    /// The `localId` attribute, referenced by LOI `gradingSchemeLocalId`.
    pub local_id: String,
    /// `description*`: plain text, at least in English.
    pub descriptions: Vec<Text>,
}
