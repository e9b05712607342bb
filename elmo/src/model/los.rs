//! Learning opportunity specifications (LOS) and instances (LOI): the result tree (elmo.md §2.5–2.6).

use crate::{Date, Decimal, DiplomaSupplement, Extension, Identifier, Text};

/// `learningOpportunitySpecification`: a degree programme, module, course or class.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Los {
    /// `identifier*`: `local` ids must be unique per `[type, id]` within the issuer.
    pub identifiers: Vec<Identifier>,
    /// `title+`: at least one, preferably English.
    pub titles: Vec<Text>,
    /// `type?`.
    pub los_type: Option<LosType>,
    /// `subjectArea?`: Erasmus subject area code.
    pub subject_area: Option<String>,
    /// `iscedCode?`: ISCED-F 2013 field code.
    pub isced_code: Option<String>,
    /// `url?`: catalogue page.
    pub url: Option<String>,
    /// `description*`: plain text (learning outcomes go here too).
    pub descriptions: Vec<Text>,
    /// `descriptionHtml*`: simple HTML, as a string.
    pub descriptions_html: Vec<Text>,
    /// `specifies`: the learner's result.
    pub specifies: Specifies,
    /// `hasPart*`: child LOS (each `hasPart` wraps exactly one).
    pub has_part: Vec<Los>,
    /// `extension?`.
    pub extension: Option<Extension>,
}

/// `specifies`: exactly one `learningOpportunityInstance`, then an optional `extension`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Specifies {
    /// `learningOpportunityInstance`.
    pub instance: Loi,
    /// `extension?`.
    pub extension: Option<Extension>,
}

/// `learningOpportunityInstance` (LOI): the learner's attainment of a LOS.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Loi {
    /// `identifier*`: e.g. `ewp-loi-id`.
    pub identifiers: Vec<Identifier>,
    /// `start?`: when the learner started.
    pub start: Option<Date>,
    /// `date?`: when finished (the final exam date).
    pub date: Option<Date>,
    /// `academicTerm?`: for courses, not for degree programmes.
    pub academic_term: Option<AcademicTerm>,
    /// `status?`: always give it (elmo.md §8 rule 7).
    pub status: Option<Status>,
    /// `gradingSchemeLocalId?`: refers to `report/gradingScheme/@localId`.
    pub grading_scheme_local_id: Option<String>,
    /// `resultLabel?`: the grade as printed on national documents.
    pub result_label: Option<String>,
    /// `shortenedGrading?`.
    pub shortened_grading: Option<ShortenedGrading>,
    /// `resultDistribution?`.
    pub result_distribution: Option<ResultDistribution>,
    /// `credit*`: ECTS on one level of each root-to-leaf path only.
    pub credits: Vec<Credit>,
    /// `level*`: qualification levels, e.g. EQF 6.
    pub levels: Vec<Level>,
    /// `languageOfInstruction?`: one ISO 639-1 code.
    pub language_of_instruction: Option<String>,
    /// `engagementHours?`.
    pub engagement_hours: Option<Decimal>,
    /// `attachments/ref*`: internal ids of attachments (`attachment/identifier[@type="internal"]`).
    pub attachment_refs: Vec<String>,
    /// `grouping?`.
    pub grouping: Option<Grouping>,
    /// `extension?`.
    pub extension: Option<Extension>,
    /// `diplomaSupplement?`: for Degree Programme LOIs; the last child.
    pub diploma_supplement: Option<DiplomaSupplement>,
}

/// `academicTerm`: the term in which a course was taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcademicTerm {
    /// `title+`: e.g. "Autumn 2021", with English.
    pub titles: Vec<Text>,
    /// `start`: first day of the term.
    pub start: Date,
    /// `end`: last day of the term.
    pub end: Date,
}

/// `shortenedGrading`: share of students below, equal to and above this result (percentages).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ShortenedGrading {
    /// `percentageLower`.
    pub percentage_lower: Decimal,
    /// `percentageEqual`.
    pub percentage_equal: Decimal,
    /// `percentageHigher`.
    pub percentage_higher: Decimal,
}

/// `resultDistribution`: how many students got each grade.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResultDistribution {
    /// `category+`.
    pub categories: Vec<ResultCategory>,
    /// `description*`.
    pub descriptions: Vec<Text>,
}

/// `resultDistribution/category`: one grade and its count.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResultCategory {
    /// The `label` attribute.
    pub label: String,
    /// The `count` attribute.
    pub count: u64,
}

/// `credit`: credits awarded to the learner.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Credit {
    /// `scheme`: `ects` (lower case) or a custom scheme.
    pub scheme: String,
    /// `level?`: deprecated since ELMO 1.2, removed in 2.0.
    pub level: Option<CreditLevel>,
    /// `value?`.
    pub value: Option<Decimal>,
}

/// `credit/level` (deprecated): `Bachelor`, `Master`, `PhD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CreditLevel {
    /// `Bachelor`.
    Bachelor,
    /// `Master`.
    Master,
    /// `PhD`.
    Phd,
}

/// `level`: a qualification level, e.g. EQF 6.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Level {
    /// `type`: `EQF` (must be supported), `NQF` or a nationally agreed type.
    pub kind: String,
    /// `description?`: the XSD allows at most one; more is reported by lint (`E-CARDINALITY`).
    pub descriptions: Vec<Text>,
    /// `value?`: e.g. `6`.
    pub value: Option<String>,
}

/// `grouping`: places the LOI in a group of `groups` (for sorting in client UIs).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Grouping {
    /// The `typeref` attribute: a `groupType/@id`.
    pub typeref: Option<String>,
    /// The `idref` attribute: a `group/@id` within that group type.
    pub idref: Option<String>,
    /// Text content (the XSD allows it; nothing uses it).
    pub value: String,
}

/// LOS `type`: `Degree Programme` > `Module` > `Course` > `Class`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LosType {
    /// `Degree Programme`.
    DegreeProgramme,
    /// `Module`.
    Module,
    /// `Course`: the smallest unit earning ECTS.
    Course,
    /// `Class`.
    Class,
}

/// LOI `status`: `passed`, `failed`, `in-progress`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// `passed` (final).
    Passed,
    /// `failed` (final).
    Failed,
    /// `in-progress`.
    InProgress,
}
