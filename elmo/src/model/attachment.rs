//! Attachments (PDF transcripts and the like) and the `groups` used to sort results (elmo.md §2.8–2.9).

use crate::{Extension, Identifier, Text};

/// `attachment`: a file, at document, report or Diploma Supplement section level.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Attachment {
    /// `identifier*`: type `internal` is the target of LOI `attachments/ref`.
    pub identifiers: Vec<Identifier>,
    /// `title*`: e.g. "Transcript of Records".
    pub titles: Vec<Text>,
    /// `type?`.
    pub kind: Option<AttachmentType>,
    /// `description*`.
    pub descriptions: Vec<Text>,
    /// `content*`: data URIs (`data:application/pdf;base64,...`), one per language.
    pub contents: Vec<Text>,
    /// `extension?`.
    pub extension: Option<Extension>,
}

/// Attachment `type` (ELMO 1.7 has nine).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttachmentType {
    /// `Diploma`.
    Diploma,
    /// `Diploma Supplement`.
    DiplomaSupplement,
    /// `Transcript of Records`: issued by one institution, belongs inside its `report`.
    TranscriptOfRecords,
    /// `EMREX transcript`: covers the whole document, belongs outside `report`.
    EmrexTranscript,
    /// `Micro Credential`.
    MicroCredential,
    /// `Letter of Nomination`.
    LetterOfNomination,
    /// `Certificate of Training`.
    CertificateOfTraining,
    /// `Learning Agreement`.
    LearningAgreement,
    /// `Other`.
    Other,
}

/// `groups`: the grouping schemes of the document.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Groups {
    /// `groupType*`.
    pub group_types: Vec<GroupType>,
}

/// `groupType`: one way of grouping results, e.g. "By category".
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GroupType {
    /// The `id` attribute, referenced by `grouping/@typeref`.
    pub id: Option<String>,
    /// `title+`.
    pub titles: Vec<Text>,
    /// `group*`.
    pub groups: Vec<Group>,
}

/// `group`: one group of a group type, e.g. "Mandatory studies".
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Group {
    /// The `id` attribute, referenced by `grouping/@idref`.
    pub id: Option<String>,
    /// The `sortingKey` attribute.
    pub sorting_key: Option<String>,
    /// `title+`.
    pub titles: Vec<Text>,
}
