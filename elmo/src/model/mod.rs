//! The ELMO 1.7.0 document model: one Rust type per XSD element type, fields in XSD order.
//!
//! The model does not enforce the XSD's cardinalities where a `Vec` is simpler to build (for
//! example `Issuer::identifiers` must not be empty); [`crate::lint`] reports those.

mod attachment;
mod ds;
mod learner;
mod los;
mod names;
mod report;

use std::fmt;

pub use attachment::{Attachment, AttachmentType, Group, GroupType, Groups};
pub use ds::{DiplomaSupplement, DiplomaSupplementSection, SectionContent};
pub use learner::{FlexibleAddress, Gender, Learner};
pub use los::{
    AcademicTerm, Credit, CreditLevel, Grouping, Level, Loi, Los, LosType, ResultCategory,
    ResultDistribution, ShortenedGrading, Specifies, Status,
};
pub use report::{GradingScheme, Issuer, Report};

use crate::{DateTime, Extension};

/// `elmo`: the root. One learner, one report per issuing institution (elmo.md §2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Elmo {
    /// `generatedDate`: when the document was generated; should carry a zone.
    pub generated_date: DateTime,
    /// `learner`: the one student all reports are about.
    pub learner: Learner,
    /// `report+`: one per issuing institution.
    pub reports: Vec<Report>,
    /// `attachment*`: files not tied to one institution (e.g. the `EMREX transcript` PDF).
    pub attachments: Vec<Attachment>,
    /// `groups?`: grouping schemes referenced by LOI `grouping`.
    pub groups: Option<Groups>,
    /// `extension?`: foreign-namespace content.
    pub extension: Option<Extension>,
    /// `ds:Signature?`: the raw enveloped XML signature element, kept verbatim; written last.
    pub signature: Option<Extension>,
}

impl Elmo {
    /// A document with the given generation time and learner, and nothing else yet.
    pub fn new(generated_date: DateTime, learner: Learner) -> Elmo {
        Elmo {
            generated_date,
            learner,
            reports: Vec::new(),
            attachments: Vec::new(),
            groups: None,
            extension: None,
            signature: None,
        }
    }
}

/// An identifier with its `type` attribute (`identifier` of learner, issuer, LOS, LOI, attachment).
#[derive(Clone, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Identifier {
    /// The `type` attribute, e.g. `schac`, `local`, `nationalIdentifier`, `internal`.
    pub kind: String,
    /// The identifier itself.
    pub value: String,
}

impl Identifier {
    /// An identifier of the given type.
    pub fn new(kind: impl Into<String>, value: impl Into<String>) -> Identifier {
        Identifier {
            kind: kind.into(),
            value: value.into(),
        }
    }
}

impl fmt::Debug for Identifier {
    // elmo.md §6: learner identifiers carry the henkilötunnus; never print it (DESIGN.md invariant 5).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = if self.kind == "nationalIdentifier" {
            "***".into()
        } else {
            crate::redact::redact(&self.value)
        };
        f.debug_struct("Identifier")
            .field("kind", &self.kind)
            .field("value", &value)
            .finish()
    }
}

/// Text with an optional `xml:lang`: ELMO's `TokenWithOptionalLang`,
/// `PlaintextMultilineStringWithOptionalLang` and `SimpleHtmlStringWithOptionalLang`.
#[derive(Clone, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Text {
    /// The `xml:lang` attribute (BCP 47, lower case: `fi`, `en`).
    pub lang: Option<String>,
    /// The text (for `descriptionHtml`, the HTML source as a string).
    pub value: String,
}

impl Text {
    /// Text without a language.
    pub fn new(value: impl Into<String>) -> Text {
        Text {
            lang: None,
            value: value.into(),
        }
    }

    /// Text in the given language.
    pub fn lang(lang: impl Into<String>, value: impl Into<String>) -> Text {
        Text {
            lang: Some(lang.into()),
            value: value.into(),
        }
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Text")
            .field("lang", &self.lang)
            .field("value", &crate::redact::redact(&self.value))
            .finish()
    }
}
