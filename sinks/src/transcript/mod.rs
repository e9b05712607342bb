//! The human-readable PDF transcript that goes into an ELMO document as its `EMREX transcript`
//! attachment (elmo.md §2.8, §8 rule 16). Some EMREX clients forward only this PDF to staff, so
//! it carries everything that matters: the learner's name and birth date, each issuer, and every
//! result of the document with its date, credits and grade.
//!
//! [`Transcript::new`] parses the two embedded DejaVu fonts once; a server keeps one
//! [`Transcript`] and shares it across threads. [`Transcript::render`] writes one language,
//! [`Transcript::attachment`] both, as the ELMO `attachment` to add before signing (invariant 7).
//!
//! Inside: `sheet` turns the model into localised strings, `layout` places them on A4 pages,
//! `paint` draws the pages with krilla, `face` measures text, `labels` holds the words.

mod face;
mod labels;
mod layout;
mod paint;
mod sheet;
#[cfg(test)]
mod tests;

use base64::Engine;
use elmo::{Attachment, AttachmentType, Elmo, Text};

use face::Faces;
use labels::Labels;
use sheet::Sheet;

/// The language a transcript is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    /// Finnish: "Opintosuoritusote".
    Fi,
    /// English: "Transcript of Records".
    En,
}

impl Lang {
    /// Both languages, in the order the attachment lists them.
    pub const ALL: [Lang; 2] = [Lang::Fi, Lang::En];

    /// The `xml:lang` code: `fi` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fi => "fi",
            Lang::En => "en",
        }
    }
}

/// Why a transcript could not be made. Messages never quote the learner's data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TranscriptError {
    /// An embedded font did not parse; the build is broken, not the input.
    #[error("embedded transcript font {font} cannot be used: {reason}")]
    Font {
        /// The font file, e.g. `DejaVuSans.ttf`.
        font: &'static str,
        /// What was wrong with it.
        reason: String,
    },

    /// krilla could not write the PDF.
    #[error("writing the PDF transcript failed: {0}")]
    Pdf(String),
}

/// Renders ELMO documents as PDF transcripts. Holds the parsed fonts; cheap to share (`Sync`).
pub struct Transcript {
    faces: Faces,
}

impl Transcript {
    /// Parses the embedded fonts. Do it once: a server builds one at start.
    pub fn new() -> Result<Transcript, TranscriptError> {
        Ok(Transcript {
            faces: Faces::load()?,
        })
    }

    /// The PDF transcript of `elmo` in `lang`, dated `issued`. Every result of the model is
    /// listed, so render the student's selection, not the whole snapshot.
    pub fn render(
        &self,
        elmo: &Elmo,
        lang: Lang,
        issued: elmo::Date,
    ) -> Result<Vec<u8>, TranscriptError> {
        let sheet = Sheet::new(elmo, lang, &issued);
        let pages = layout::pages(&sheet, &self.faces);
        let info = paint::Info {
            title: format!("{} – {}", sheet.labels.title, sheet.labels.subtitle),
            lang: lang.code(),
            issued,
        };
        paint::pdf(&self.faces, &pages, info)
    }

    /// The `EMREX transcript` attachment for `elmo`: titles in Finnish and English and one
    /// `content` per language, each `data:application/pdf;base64,…` without line breaks
    /// (`content` is an `xs:token`; elmo.md §8 rule 16). Add it to `elmo.attachments`, at the
    /// root: this type covers the whole document (elmo.md §2.8).
    pub fn attachment(
        &self,
        elmo: &Elmo,
        issued: elmo::Date,
    ) -> Result<Attachment, TranscriptError> {
        let mut attachment = Attachment {
            kind: Some(AttachmentType::EmrexTranscript),
            ..Attachment::default()
        };
        for lang in Lang::ALL {
            let pdf = self.render(elmo, lang, issued)?;
            let mut uri = String::from("data:application/pdf;base64,");
            base64::engine::general_purpose::STANDARD.encode_string(&pdf, &mut uri);
            attachment
                .titles
                .push(Text::lang(lang.code(), Labels::of(lang).title));
            attachment.contents.push(Text::lang(lang.code(), uri));
        }
        Ok(attachment)
    }
}
