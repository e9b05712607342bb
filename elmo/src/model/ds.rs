//! The Diploma Supplement on a Degree Programme LOI (elmo.md §2.7, §3).

use crate::{Attachment, Date, Extension};

/// `diplomaSupplement`: the Diploma Supplement of a degree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiplomaSupplement {
    /// The `xml:lang` attribute: the language the DS is issued in.
    pub lang: Option<String>,
    /// `version`: the template year, `2018` (or `2007`, `1997`).
    pub version: String,
    /// `issueDate`.
    pub issue_date: Date,
    /// `introduction`: the standard preamble; any content, kept verbatim.
    pub introduction: Extension,
    /// `section+`.
    pub sections: Vec<DiplomaSupplementSection>,
    /// `ds:Signature?`: a separate signature of the DS, kept verbatim.
    pub signature: Option<Extension>,
}

/// `section`: a numbered section of the Diploma Supplement, with subsections.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DiplomaSupplementSection {
    /// The `number` attribute, e.g. `4.2` (pattern `[0-9.]+`).
    pub number: String,
    /// `title`: as in the official template.
    pub title: String,
    /// `content?`: omit when the section only has subsections.
    pub content: Option<SectionContent>,
    /// `additionalInformation*`.
    pub additional_information: Vec<String>,
    /// `attachment*`.
    pub attachments: Vec<Attachment>,
    /// `section*`: subsections.
    pub sections: Vec<DiplomaSupplementSection>,
}

/// `section/content`: the text of a section and its media type.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SectionContent {
    /// The `type` attribute; absent means `text/plain`. HTML (`text/html`) is written in CDATA.
    pub media_type: Option<String>,
    /// The content.
    pub value: String,
}

impl SectionContent {
    /// Whether the content is HTML or XML, which the writer puts in CDATA (elmo.md §8 rule 12).
    pub fn is_markup(&self) -> bool {
        self.media_type.as_deref().is_some_and(|t| {
            let t = t.to_ascii_lowercase();
            t.contains("html") || t.contains("xml")
        })
    }
}
