//! Reads ELMO 1.x XML (namespace `https://github.com/emrex-eu/elmo-schemas/tree/v1`) into the model.
//!
//! Strict: unknown or misplaced ELMO elements, elements in other namespaces outside the
//! extension points, and invalid values are errors with line, column and element path.

pub(crate) mod cursor;

use std::str::FromStr;

use cursor::{Capture, Cursor, N, Ns, Open, Seq, Slot, slot};

use crate::error::{Error, Location, Result};
use crate::*;

/// Reads an ELMO document from UTF-8 bytes.
///
/// Any ELMO 1.x document in the v1 namespace is accepted, with the namespace as default or
/// prefixed. Foreign content is accepted only inside `extension`, DS `introduction` and
/// `ds:Signature`, and kept verbatim.
pub fn read(bytes: &[u8]) -> Result<Elmo> {
    let text = decode(bytes)?;
    let mut cur = Cursor::new(text);
    let root = cur.root()?;
    cur.check_attrs(&root, &[], false)?;
    let elmo = read_elmo(&mut cur)?;
    cur.leave();
    cur.finish()?;
    Ok(elmo)
}

fn decode(bytes: &[u8]) -> Result<&str> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let at = |line, column| Location {
        line,
        column,
        path: "/".to_owned(),
    };
    if bytes.starts_with(b"\xFE\xFF") || bytes.starts_with(b"\xFF\xFE") {
        return Err(Error::Syntax {
            at: at(1, 1),
            message: "UTF-16 is not supported; expected UTF-8".to_owned(),
        });
    }
    std::str::from_utf8(bytes).map_err(|e| {
        let valid = String::from_utf8_lossy(&bytes[..e.valid_up_to()]).into_owned();
        let line = valid.matches('\n').count() + 1;
        let column = valid.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        Error::Syntax {
            at: at(line, column),
            message: "invalid UTF-8 byte sequence".to_owned(),
        }
    })
}

const fn ds(name: &'static str, min: u32, max: u32) -> Slot {
    Slot {
        ns: Ns::Dsig,
        name,
        min,
        max,
    }
}

const fn addr(name: &'static str, min: u32, max: u32) -> Slot {
    Slot {
        ns: Ns::Address,
        name,
        min,
        max,
    }
}

const ELMO: &[Slot] = &[
    slot("generatedDate", 1, 1),
    slot("learner", 1, 1),
    slot("report", 1, N),
    slot("attachment", 0, N),
    slot("groups", 0, 1),
    slot("extension", 0, 1),
    ds("Signature", 0, 1),
];

fn read_elmo(cur: &mut Cursor) -> Result<Elmo> {
    let mut seq = Seq::new(ELMO);
    let (mut generated_date, mut learner) = (None, None);
    let (mut reports, mut attachments, mut groups, mut extension, mut signature) =
        (vec![], vec![], None, None, None);
    while let Some(open) = cur.next_child(&mut seq)? {
        match open.local.as_str() {
            "generatedDate" => generated_date = Some(parsed(cur, &open)?),
            "learner" => learner = Some(read_learner(cur, &open)?),
            "report" => reports.push(read_report(cur, &open)?),
            "attachment" => attachments.push(read_attachment(cur, &open)?),
            "groups" => groups = Some(read_groups(cur, &open)?),
            "extension" => extension = Some(read_extension(cur, &open)?),
            _ => signature = Some(read_signature(cur, &open)?),
        }
    }
    Ok(Elmo {
        generated_date: generated_date.ok_or_else(|| missing(cur, "generatedDate"))?,
        learner: learner.ok_or_else(|| missing(cur, "learner"))?,
        reports,
        attachments,
        groups,
        extension,
        signature,
    })
}

/// Required children are checked by the sequence; this only guards the impossible case.
fn missing(cur: &Cursor, name: &str) -> Error {
    cur.structure(0, format!("missing the required element `{name}`"))
}

const LEARNER: &[Slot] = &[
    slot("citizenship", 0, 1),
    slot("identifier", 0, N),
    slot("givenNames", 1, 1),
    slot("familyName", 1, 1),
    slot("bday", 0, 1),
    slot("placeOfBirth", 0, 1),
    slot("birthName", 0, 1),
    slot("currentAddress", 0, 1),
    slot("gender", 0, 1),
];

fn read_learner(cur: &mut Cursor, open: &Open) -> Result<Learner> {
    cur.check_attrs(open, &[], false)?;
    let mut seq = Seq::new(LEARNER);
    let mut learner = Learner::default();
    while let Some(open) = cur.next_child(&mut seq)? {
        match open.local.as_str() {
            "citizenship" => learner.citizenship = Some(string(cur, &open)?),
            "identifier" => learner.identifiers.push(identifier(cur, &open)?),
            "givenNames" => learner.given_names = string(cur, &open)?,
            "familyName" => learner.family_name = string(cur, &open)?,
            "bday" => learner.bday = Some(parsed(cur, &open)?),
            "placeOfBirth" => learner.place_of_birth = Some(string(cur, &open)?),
            "birthName" => learner.birth_name = Some(string(cur, &open)?),
            "currentAddress" => learner.current_address = Some(read_address(cur, &open)?),
            _ => learner.gender = Some(read_gender(cur, &open)?),
        }
    }
    cur.leave();
    Ok(learner)
}

fn read_gender(cur: &mut Cursor, open: &Open) -> Result<Gender> {
    cur.check_attrs(open, &[], false)?;
    let text = cur.text()?;
    let gender = text
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(Gender::from_code)
        .ok_or_else(|| {
            cur.value_error(
                open,
                crate::error::ValueError::new(
                    "gender",
                    text.trim(),
                    "an ISO/IEC 5218 code: 0, 1, 2 or 9",
                ),
            )
        })?;
    cur.leave();
    Ok(gender)
}

const ADDRESS: &[Slot] = &[
    addr("recipientName", 0, N),
    addr("addressLine", 0, 4),
    addr("buildingNumber", 0, 1),
    addr("buildingName", 0, 1),
    addr("streetName", 0, 1),
    addr("unit", 0, 1),
    addr("floor", 0, 1),
    addr("postOfficeBox", 0, 1),
    addr("deliveryPointCode", 0, N),
    addr("postalCode", 0, 1),
    addr("locality", 0, 1),
    addr("region", 0, 1),
    addr("country", 0, 1),
];

fn read_address(cur: &mut Cursor, open: &Open) -> Result<FlexibleAddress> {
    cur.check_attrs(open, &[], false)?;
    let mut seq = Seq::new(ADDRESS);
    let mut a = FlexibleAddress::default();
    while let Some(child) = cur.next_child(&mut seq)? {
        let value = string(cur, &child)?;
        match child.local.as_str() {
            "recipientName" => a.recipient_names.push(value),
            "addressLine" => a.address_lines.push(value),
            "buildingNumber" => a.building_number = Some(value),
            "buildingName" => a.building_name = Some(value),
            "streetName" => a.street_name = Some(value),
            "unit" => a.unit = Some(value),
            "floor" => a.floor = Some(value),
            "postOfficeBox" => a.post_office_box = Some(value),
            "deliveryPointCode" => a.delivery_point_codes.push(value),
            "postalCode" => a.postal_code = Some(value),
            "locality" => a.locality = Some(value),
            "region" => a.region = Some(value),
            _ => a.country = Some(value),
        }
    }
    if !a.address_lines.is_empty() && a.has_structured_parts() {
        // EWP FlexibleAddress: xs:choice between addressLine and the structured parts.
        return Err(cur.structure(open.position(), "`currentAddress` has both `addressLine` and structured parts; the EWP address allows one or the other"));
    }
    cur.leave();
    Ok(a)
}

const REPORT: &[Slot] = &[
    slot("issuer", 1, 1),
    slot("learningOpportunitySpecification", 0, N),
    slot("issueDate", 1, 1),
    slot("gradingScheme", 0, N),
    slot("attachment", 0, N),
];

fn read_report(cur: &mut Cursor, open: &Open) -> Result<Report> {
    cur.check_attrs(open, &[], false)?;
    let mut seq = Seq::new(REPORT);
    let (mut issuer, mut issue_date) = (None, None);
    let (mut los, mut grading_schemes, mut attachments) = (vec![], vec![], vec![]);
    while let Some(open) = cur.next_child(&mut seq)? {
        match open.local.as_str() {
            "issuer" => issuer = Some(read_issuer(cur, &open)?),
            "learningOpportunitySpecification" => los.push(read_los(cur, &open)?),
            "issueDate" => issue_date = Some(parsed(cur, &open)?),
            "gradingScheme" => grading_schemes.push(read_grading_scheme(cur, &open)?),
            _ => attachments.push(read_attachment(cur, &open)?),
        }
    }
    let report = Report {
        issuer: issuer.ok_or_else(|| missing(cur, "issuer"))?,
        los,
        issue_date: issue_date.ok_or_else(|| missing(cur, "issueDate"))?,
        grading_schemes,
        attachments,
    };
    cur.leave();
    Ok(report)
}

const ISSUER: &[Slot] = &[
    slot("country", 0, 1),
    slot("identifier", 1, N),
    slot("title", 1, N),
    slot("url", 1, 1),
];

fn read_issuer(cur: &mut Cursor, open: &Open) -> Result<Issuer> {
    cur.check_attrs(open, &[], false)?;
    let mut seq = Seq::new(ISSUER);
    let mut issuer = Issuer::default();
    while let Some(open) = cur.next_child(&mut seq)? {
        match open.local.as_str() {
            "country" => issuer.country = Some(string(cur, &open)?),
            "identifier" => issuer.identifiers.push(identifier(cur, &open)?),
            "title" => issuer.titles.push(text(cur, &open)?),
            _ => issuer.url = string(cur, &open)?,
        }
    }
    cur.leave();
    Ok(issuer)
}

const GRADING_SCHEME: &[Slot] = &[slot("description", 0, N)];

fn read_grading_scheme(cur: &mut Cursor, open: &Open) -> Result<GradingScheme> {
    cur.check_attrs(open, &["localId"], false)?;
    let local_id = cur.required_attr(open, "localId")?;
    let mut seq = Seq::new(GRADING_SCHEME);
    let mut descriptions = vec![];
    while let Some(open) = cur.next_child(&mut seq)? {
        descriptions.push(text(cur, &open)?);
    }
    cur.leave();
    Ok(GradingScheme {
        local_id,
        descriptions,
    })
}

const LOS: &[Slot] = &[
    slot("identifier", 0, N),
    slot("title", 1, N),
    slot("type", 0, 1),
    slot("subjectArea", 0, 1),
    slot("iscedCode", 0, 1),
    slot("url", 0, 1),
    slot("description", 0, N),
    slot("descriptionHtml", 0, N),
    slot("specifies", 1, 1),
    slot("hasPart", 0, N),
    slot("extension", 0, 1),
];

fn read_los(cur: &mut Cursor, open: &Open) -> Result<Los> {
    cur.check_attrs(open, &[], false)?;
    let mut seq = Seq::new(LOS);
    let mut los = Los::default();
    while let Some(open) = cur.next_child(&mut seq)? {
        match open.local.as_str() {
            "identifier" => los.identifiers.push(identifier(cur, &open)?),
            "title" => los.titles.push(text(cur, &open)?),
            "type" => los.los_type = Some(parsed(cur, &open)?),
            "subjectArea" => los.subject_area = Some(string(cur, &open)?),
            "iscedCode" => los.isced_code = Some(string(cur, &open)?),
            "url" => los.url = Some(string(cur, &open)?),
            "description" => los.descriptions.push(text(cur, &open)?),
            "descriptionHtml" => los.descriptions_html.push(text(cur, &open)?),
            "specifies" => los.specifies = read_specifies(cur, &open)?,
            "hasPart" => los.has_part.push(read_has_part(cur, &open)?),
            _ => los.extension = Some(read_extension(cur, &open)?),
        }
    }
    cur.leave();
    Ok(los)
}

const HAS_PART: &[Slot] = &[slot("learningOpportunitySpecification", 1, 1)];

fn read_has_part(cur: &mut Cursor, open: &Open) -> Result<Los> {
    cur.check_attrs(open, &[], false)?;
    let mut seq = Seq::new(HAS_PART);
    let mut los = None;
    while let Some(open) = cur.next_child(&mut seq)? {
        // Recursion depth is bounded by the cursor's element depth limit (MAX_DEPTH).
        los = Some(read_los(cur, &open)?);
    }
    let los = los.ok_or_else(|| missing(cur, "learningOpportunitySpecification"))?;
    cur.leave();
    Ok(los)
}

const SPECIFIES: &[Slot] = &[
    slot("learningOpportunityInstance", 1, 1),
    slot("extension", 0, 1),
];

fn read_specifies(cur: &mut Cursor, open: &Open) -> Result<Specifies> {
    cur.check_attrs(open, &[], false)?;
    let mut seq = Seq::new(SPECIFIES);
    let mut specifies = Specifies::default();
    while let Some(open) = cur.next_child(&mut seq)? {
        match open.local.as_str() {
            "learningOpportunityInstance" => specifies.instance = read_loi(cur, &open)?,
            _ => specifies.extension = Some(read_extension(cur, &open)?),
        }
    }
    cur.leave();
    Ok(specifies)
}

const LOI: &[Slot] = &[
    slot("identifier", 0, N),
    slot("start", 0, 1),
    slot("date", 0, 1),
    slot("academicTerm", 0, 1),
    slot("status", 0, 1),
    slot("gradingSchemeLocalId", 0, 1),
    slot("resultLabel", 0, 1),
    slot("shortenedGrading", 0, 1),
    slot("resultDistribution", 0, 1),
    slot("credit", 0, N),
    slot("level", 0, N),
    slot("languageOfInstruction", 0, 1),
    slot("engagementHours", 0, 1),
    slot("attachments", 0, 1),
    slot("grouping", 0, 1),
    slot("extension", 0, 1),
    slot("diplomaSupplement", 0, 1),
];

fn read_loi(cur: &mut Cursor, open: &Open) -> Result<Loi> {
    cur.check_attrs(open, &[], false)?;
    let mut seq = Seq::new(LOI);
    let mut loi = Loi::default();
    while let Some(open) = cur.next_child(&mut seq)? {
        match open.local.as_str() {
            "identifier" => loi.identifiers.push(identifier(cur, &open)?),
            "start" => loi.start = Some(parsed(cur, &open)?),
            "date" => loi.date = Some(parsed(cur, &open)?),
            "academicTerm" => loi.academic_term = Some(read_academic_term(cur, &open)?),
            "status" => loi.status = Some(parsed(cur, &open)?),
            "gradingSchemeLocalId" => loi.grading_scheme_local_id = Some(string(cur, &open)?),
            "resultLabel" => loi.result_label = Some(string(cur, &open)?),
            "shortenedGrading" => loi.shortened_grading = Some(read_shortened_grading(cur, &open)?),
            "resultDistribution" => {
                loi.result_distribution = Some(read_result_distribution(cur, &open)?)
            }
            "credit" => loi.credits.push(read_credit(cur, &open)?),
            "level" => loi.levels.push(read_level(cur, &open)?),
            "languageOfInstruction" => loi.language_of_instruction = Some(string(cur, &open)?),
            "engagementHours" => loi.engagement_hours = Some(parsed(cur, &open)?),
            "attachments" => loi.attachment_refs = read_attachment_refs(cur, &open)?,
            "grouping" => loi.grouping = Some(read_grouping(cur, &open)?),
            "extension" => loi.extension = Some(read_extension(cur, &open)?),
            _ => loi.diploma_supplement = Some(read_diploma_supplement(cur, &open)?),
        }
    }
    cur.leave();
    Ok(loi)
}

const ACADEMIC_TERM: &[Slot] = &[slot("title", 1, N), slot("start", 1, 1), slot("end", 1, 1)];

fn read_academic_term(cur: &mut Cursor, open: &Open) -> Result<AcademicTerm> {
    cur.check_attrs(open, &[], false)?;
    let mut seq = Seq::new(ACADEMIC_TERM);
    let (mut titles, mut start, mut end) = (vec![], None, None);
    while let Some(open) = cur.next_child(&mut seq)? {
        match open.local.as_str() {
            "title" => titles.push(text(cur, &open)?),
            "start" => start = Some(parsed(cur, &open)?),
            _ => end = Some(parsed(cur, &open)?),
        }
    }
    let term = AcademicTerm {
        titles,
        start: start.ok_or_else(|| missing(cur, "start"))?,
        end: end.ok_or_else(|| missing(cur, "end"))?,
    };
    cur.leave();
    Ok(term)
}

const SHORTENED_GRADING: &[Slot] = &[
    slot("percentageLower", 1, 1),
    slot("percentageEqual", 1, 1),
    slot("percentageHigher", 1, 1),
];

fn read_shortened_grading(cur: &mut Cursor, open: &Open) -> Result<ShortenedGrading> {
    cur.check_attrs(open, &[], false)?;
    let mut seq = Seq::new(SHORTENED_GRADING);
    let mut grading = ShortenedGrading::default();
    while let Some(open) = cur.next_child(&mut seq)? {
        let value = parsed(cur, &open)?;
        match open.local.as_str() {
            "percentageLower" => grading.percentage_lower = value,
            "percentageEqual" => grading.percentage_equal = value,
            _ => grading.percentage_higher = value,
        }
    }
    cur.leave();
    Ok(grading)
}

const RESULT_DISTRIBUTION: &[Slot] = &[slot("category", 1, N), slot("description", 0, N)];

fn read_result_distribution(cur: &mut Cursor, open: &Open) -> Result<ResultDistribution> {
    cur.check_attrs(open, &[], false)?;
    let mut seq = Seq::new(RESULT_DISTRIBUTION);
    let mut distribution = ResultDistribution::default();
    while let Some(open) = cur.next_child(&mut seq)? {
        match open.local.as_str() {
            "category" => {
                cur.check_attrs(&open, &["label", "count"], false)?;
                let label = cur.required_attr(&open, "label")?;
                let count = cur.required_attr(&open, "count")?;
                let count = count
                    .trim()
                    .trim_start_matches('+')
                    .parse::<u64>()
                    .map_err(|_| {
                        let expected = "a non-negative integer (xs:nonNegativeInteger)";
                        cur.value_error(
                            &open,
                            crate::error::ValueError::new("category count", &count, expected),
                        )
                    })?;
                cur.expect_empty()?;
                cur.leave();
                distribution
                    .categories
                    .push(ResultCategory { label, count });
            }
            _ => distribution.descriptions.push(text(cur, &open)?),
        }
    }
    cur.leave();
    Ok(distribution)
}

const CREDIT: &[Slot] = &[
    slot("scheme", 1, 1),
    slot("level", 0, 1),
    slot("value", 0, 1),
];

fn read_credit(cur: &mut Cursor, open: &Open) -> Result<Credit> {
    cur.check_attrs(open, &[], false)?;
    let mut seq = Seq::new(CREDIT);
    let mut credit = Credit::default();
    while let Some(open) = cur.next_child(&mut seq)? {
        match open.local.as_str() {
            "scheme" => credit.scheme = string(cur, &open)?,
            "level" => credit.level = Some(parsed(cur, &open)?),
            _ => credit.value = Some(parsed(cur, &open)?),
        }
    }
    cur.leave();
    Ok(credit)
}

const LEVEL: &[Slot] = &[
    slot("type", 1, 1),
    slot("description", 0, 1),
    slot("value", 0, 1),
];

fn read_level(cur: &mut Cursor, open: &Open) -> Result<Level> {
    cur.check_attrs(open, &[], false)?;
    let mut seq = Seq::new(LEVEL);
    let mut level = Level::default();
    while let Some(open) = cur.next_child(&mut seq)? {
        match open.local.as_str() {
            "type" => level.kind = string(cur, &open)?,
            "description" => level.descriptions.push(text(cur, &open)?),
            _ => level.value = Some(string(cur, &open)?),
        }
    }
    cur.leave();
    Ok(level)
}

const ATTACHMENTS: &[Slot] = &[slot("ref", 0, N)];

fn read_attachment_refs(cur: &mut Cursor, open: &Open) -> Result<Vec<String>> {
    cur.check_attrs(open, &[], false)?;
    let mut seq = Seq::new(ATTACHMENTS);
    let mut refs = vec![];
    while let Some(open) = cur.next_child(&mut seq)? {
        refs.push(string(cur, &open)?);
    }
    cur.leave();
    Ok(refs)
}

fn read_grouping(cur: &mut Cursor, open: &Open) -> Result<Grouping> {
    cur.check_attrs(open, &["typeref", "idref"], false)?;
    let grouping = Grouping {
        typeref: open.attr("typeref").map(str::to_owned),
        idref: open.attr("idref").map(str::to_owned),
        value: cur.text()?,
    };
    cur.leave();
    Ok(grouping)
}

const DIPLOMA_SUPPLEMENT: &[Slot] = &[
    slot("version", 1, 1),
    slot("issueDate", 1, 1),
    slot("introduction", 1, 1),
    slot("section", 1, N),
    ds("Signature", 0, 1),
];

fn read_diploma_supplement(cur: &mut Cursor, open: &Open) -> Result<DiplomaSupplement> {
    cur.check_attrs(open, &[], true)?;
    let mut seq = Seq::new(DIPLOMA_SUPPLEMENT);
    let (mut version, mut issue_date, mut introduction) = (None, None, None);
    let (mut sections, mut signature) = (vec![], None);
    while let Some(open) = cur.next_child(&mut seq)? {
        match open.local.as_str() {
            "version" => version = Some(string(cur, &open)?),
            "issueDate" => issue_date = Some(parsed(cur, &open)?),
            "introduction" => {
                cur.check_attrs(&open, &[], false)?;
                introduction = Some(Extension::captured(cur.capture(
                    &open,
                    false,
                    Capture::Any,
                )?));
                cur.leave();
            }
            "section" => sections.push(read_section(cur, &open)?),
            _ => signature = Some(read_signature(cur, &open)?),
        }
    }
    let supplement = DiplomaSupplement {
        lang: open.lang(),
        version: version.ok_or_else(|| missing(cur, "version"))?,
        issue_date: issue_date.ok_or_else(|| missing(cur, "issueDate"))?,
        introduction: introduction.ok_or_else(|| missing(cur, "introduction"))?,
        sections,
        signature,
    };
    cur.leave();
    Ok(supplement)
}

const SECTION: &[Slot] = &[
    slot("title", 1, 1),
    slot("content", 0, 1),
    slot("additionalInformation", 0, N),
    slot("attachment", 0, N),
    slot("section", 0, N),
];

fn read_section(cur: &mut Cursor, open: &Open) -> Result<DiplomaSupplementSection> {
    cur.check_attrs(open, &["number"], false)?;
    let mut section = DiplomaSupplementSection {
        number: cur.required_attr(open, "number")?,
        ..Default::default()
    };
    let mut seq = Seq::new(SECTION);
    while let Some(open) = cur.next_child(&mut seq)? {
        match open.local.as_str() {
            "title" => section.title = string(cur, &open)?,
            "content" => {
                cur.check_attrs(&open, &["type"], false)?;
                let media_type = open.attr("type").map(str::to_owned);
                section.content = Some(SectionContent {
                    media_type,
                    value: cur.text()?,
                });
                cur.leave();
            }
            "additionalInformation" => section.additional_information.push(string(cur, &open)?),
            "attachment" => section.attachments.push(read_attachment(cur, &open)?),
            // Recursion depth is bounded by the cursor's element depth limit (MAX_DEPTH).
            _ => section.sections.push(read_section(cur, &open)?),
        }
    }
    cur.leave();
    Ok(section)
}

const ATTACHMENT: &[Slot] = &[
    slot("identifier", 0, N),
    slot("title", 0, N),
    slot("type", 0, 1),
    slot("description", 0, N),
    slot("content", 0, N),
    slot("extension", 0, 1),
];

fn read_attachment(cur: &mut Cursor, open: &Open) -> Result<Attachment> {
    cur.check_attrs(open, &[], false)?;
    let mut seq = Seq::new(ATTACHMENT);
    let mut attachment = Attachment::default();
    while let Some(open) = cur.next_child(&mut seq)? {
        match open.local.as_str() {
            "identifier" => attachment.identifiers.push(identifier(cur, &open)?),
            "title" => attachment.titles.push(text(cur, &open)?),
            "type" => attachment.kind = Some(parsed(cur, &open)?),
            "description" => attachment.descriptions.push(text(cur, &open)?),
            "content" => attachment.contents.push(text(cur, &open)?),
            _ => attachment.extension = Some(read_extension(cur, &open)?),
        }
    }
    cur.leave();
    Ok(attachment)
}

const GROUPS: &[Slot] = &[slot("groupType", 0, N)];
const GROUP_TYPE: &[Slot] = &[slot("title", 1, N), slot("group", 0, N)];
const GROUP: &[Slot] = &[slot("title", 1, N)];

fn read_groups(cur: &mut Cursor, open: &Open) -> Result<Groups> {
    cur.check_attrs(open, &[], false)?;
    let mut seq = Seq::new(GROUPS);
    let mut groups = Groups::default();
    while let Some(open) = cur.next_child(&mut seq)? {
        cur.check_attrs(&open, &["id"], false)?;
        let mut group_type = GroupType {
            id: open.attr("id").map(str::to_owned),
            ..Default::default()
        };
        let mut seq = Seq::new(GROUP_TYPE);
        while let Some(open) = cur.next_child(&mut seq)? {
            match open.local.as_str() {
                "title" => group_type.titles.push(text(cur, &open)?),
                _ => {
                    cur.check_attrs(&open, &["id", "sortingKey"], false)?;
                    let mut group = Group {
                        id: open.attr("id").map(str::to_owned),
                        sorting_key: open.attr("sortingKey").map(str::to_owned),
                        titles: vec![],
                    };
                    let mut seq = Seq::new(GROUP);
                    while let Some(open) = cur.next_child(&mut seq)? {
                        group.titles.push(text(cur, &open)?);
                    }
                    cur.leave();
                    group_type.groups.push(group);
                }
            }
        }
        cur.leave();
        groups.group_types.push(group_type);
    }
    cur.leave();
    Ok(groups)
}

fn read_extension(cur: &mut Cursor, open: &Open) -> Result<Extension> {
    // The XSD allows any attribute on `extension`; we keep none, so refuse rather than drop them.
    cur.check_attrs(open, &[], false)?;
    let xml = cur.capture(open, false, Capture::Foreign)?;
    cur.leave();
    Ok(Extension::captured(xml))
}

fn read_signature(cur: &mut Cursor, open: &Open) -> Result<Extension> {
    let xml = cur.capture(open, true, Capture::Any)?;
    cur.leave();
    Ok(Extension::captured(xml))
}

/// Text of an element that has no attributes.
fn string(cur: &mut Cursor, open: &Open) -> Result<String> {
    cur.check_attrs(open, &[], false)?;
    let value = cur.text()?;
    cur.leave();
    Ok(value)
}

/// Text with an optional `xml:lang`.
fn text(cur: &mut Cursor, open: &Open) -> Result<Text> {
    cur.check_attrs(open, &[], true)?;
    let value = Text {
        lang: open.lang(),
        value: cur.text()?,
    };
    cur.leave();
    Ok(value)
}

/// An `identifier` with its required `type` attribute.
fn identifier(cur: &mut Cursor, open: &Open) -> Result<Identifier> {
    cur.check_attrs(open, &["type"], false)?;
    let kind = cur.required_attr(open, "type")?;
    let value = cur.text()?;
    cur.leave();
    Ok(Identifier { kind, value })
}

/// A typed value (date, decimal, enumeration), whitespace-trimmed as the XSD collapses it.
fn parsed<T: FromStr<Err = Error>>(cur: &mut Cursor, open: &Open) -> Result<T> {
    cur.check_attrs(open, &[], false)?;
    let value = cur.parsed(open)?;
    cur.leave();
    Ok(value)
}
