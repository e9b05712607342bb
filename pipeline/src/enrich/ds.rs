//! The Diploma Supplement: programme and national texts (`data/ds/`, format in `docs/ds.md`)
//! joined with the learner's record into `diplomaSupplement` on each passed VIRTA degree.
//!
//! [`DsLibrary::load`] reads and cross-checks the files before anything is fetched (DESIGN.md
//! invariant 6). [`attach`] is pure: for every Degree Programme LOI of a VIRTA report it finds
//! the programme file by (institution, degree code) valid on the completion date and writes the
//! eight sections of the 2018 template (peers.md §3). What no source gives is not invented: the
//! subsection says so in `additionalInformation` and the [`DsOutcome`] lists it as missing, with
//! the source of every section that was filled.

mod input;
mod template;

use std::collections::BTreeSet;

use elmo::{
    Date, DiplomaSupplement, DiplomaSupplementSection, Elmo, Extension, GradingScheme, Issuer,
    Learner, Los, LosType, SectionContent, Status, Text,
};

pub use input::{DsLibrary, Lookup, Programme};
pub use template::{SECTIONS, label, title};

use crate::mapping::virta::MODULE_ID_TYPE;
use input::{Located, NationalTexts, SectionText};

/// Issuer identifier type of the VIRTA Myontaja code (set by the VIRTA mapping).
pub const MYONTAJA_ID_TYPE: &str = "virta-myontaja";

/// LOS identifier types that may hold a degree code, in the order they are tried. The VIRTA
/// mapping writes `koulutusmoduulitunniste` (and `local` when unique); `koulutuskoodi` matches
/// once a mapping writes the Statistics Finland code as an identifier.
pub const DEGREE_CODE_ID_TYPES: [&str; 3] = [MODULE_ID_TYPE, "local", "koulutuskoodi"];

/// The DS template year written in `version`.
pub const TEMPLATE_VERSION: &str = "2018";

/// Provenance of what the record gives (learner, degree, LOI).
const FROM_RECORD: &str = "VIRTA record";

/// What happened to one passed degree: whether it got a DS, from which file, and per section
/// where the text came from or that it is missing. Feeds the coverage report.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DsOutcome {
    /// The degree's title (English if there is one).
    pub los_title: String,
    /// VIRTA Myontaja of the awarding institution.
    pub institution: String,
    /// The degree code the programme file was looked up by (the first one tried when none
    /// matched; empty when the degree has no code).
    pub degree_code: String,
    /// The programme file used; `None` when no DS was attached.
    pub file: Option<String>,
    /// Why no DS was attached, when `file` is `None`.
    pub reason: Option<String>,
    /// Subsections without a source, e.g. `3.3 Access requirement(s)`.
    pub missing: Vec<String>,
    /// (section number, source): `data/ds/x.yaml:12`, `VIRTA record`, `national.yaml v2024:5`.
    pub provenance: Vec<(String, String)>,
}

/// Attaches a Diploma Supplement to every passed Degree Programme of every VIRTA report of
/// `elmo` that has a programme file valid on its completion date; returns one outcome per
/// passed degree. A DS already on a degree is replaced when a programme file applies. `issue_date` becomes `issueDate` and section 7.1.
pub fn attach(elmo: &mut Elmo, lib: &DsLibrary, issue_date: &Date) -> Vec<DsOutcome> {
    let Elmo {
        learner, reports, ..
    } = elmo;
    let mut outcomes = Vec::new();
    for report in reports.iter_mut() {
        let Some(myontaja) = report
            .issuer
            .identifiers
            .iter()
            .find(|i| i.kind == MYONTAJA_ID_TYPE)
            .map(|i| i.value.trim().to_owned())
        else {
            continue;
        };
        let ctx = Context {
            lib,
            learner,
            issuer: &report.issuer,
            schemes: &report.grading_schemes,
            myontaja: &myontaja,
            issue_date,
        };
        for los in &mut report.los {
            ctx.visit(los, &mut outcomes);
        }
    }
    outcomes
}

struct Context<'a> {
    lib: &'a DsLibrary,
    learner: &'a Learner,
    issuer: &'a Issuer,
    schemes: &'a [GradingScheme],
    myontaja: &'a str,
    issue_date: &'a Date,
}

impl Context<'_> {
    fn visit(&self, los: &mut Los, outcomes: &mut Vec<DsOutcome>) {
        let loi = &los.specifies.instance;
        let passed = matches!(loi.status, None | Some(Status::Passed));
        if los.los_type == Some(LosType::DegreeProgramme) && passed {
            let (outcome, ds) = self.degree(los);
            if let Some(ds) = ds {
                los.specifies.instance.diploma_supplement = Some(ds);
            }
            outcomes.push(outcome);
        }
        for part in &mut los.has_part {
            self.visit(part, outcomes);
        }
    }

    /// The outcome for one degree, and its DS when a programme file applies.
    fn degree(&self, los: &Los) -> (DsOutcome, Option<DiplomaSupplement>) {
        let date = los.specifies.instance.date.as_ref();
        let mut codes: Vec<&str> = Vec::new();
        for kind in DEGREE_CODE_ID_TYPES {
            for id in los.identifiers.iter().filter(|i| i.kind == kind) {
                let code = id.value.trim();
                if !code.is_empty() && !codes.contains(&code) {
                    codes.push(code);
                }
            }
        }
        let mut outcome = DsOutcome {
            los_title: english_or_first(&los.titles).unwrap_or_default(),
            institution: self.myontaja.to_owned(),
            degree_code: codes.first().map(|c| (*c).to_owned()).unwrap_or_default(),
            file: None,
            reason: None,
            missing: Vec::new(),
            provenance: Vec::new(),
        };
        let mut out_of_window = Vec::new();
        for code in &codes {
            match self.lib.find(self.myontaja, code, date) {
                Lookup::Found(programme) => {
                    outcome.degree_code = (*code).to_owned();
                    let ds = self.build(los, programme, &mut outcome);
                    return (outcome, Some(ds));
                }
                Lookup::NotValidOn(files) => out_of_window.extend(files),
                Lookup::NoFile => {}
            }
        }
        let files: Vec<String> = out_of_window
            .iter()
            .map(|p| p.file.display().to_string())
            .collect();
        outcome.reason = Some(match (codes.is_empty(), files.is_empty(), date) {
            (true, _, _) => "the degree has no code to look a programme file up by".to_owned(),
            (false, true, _) => format!(
                "no programme file for ({}, {})",
                self.myontaja,
                codes.join(" | ")
            ),
            (false, false, Some(date)) => format!(
                "no programme file valid on {date} ({} not valid then)",
                files.join(", ")
            ),
            (false, false, None) => format!(
                "the degree has no completion date, and every programme file for it has a \
                 validity window ({})",
                files.join(", ")
            ),
        });
        (outcome, None)
    }

    fn build(&self, los: &Los, p: &Programme, outcome: &mut DsOutcome) -> DiplomaSupplement {
        let national = self.lib.national();
        // Checked at load time: every programme's language has national texts.
        let texts = national.texts.get(&p.lang);
        let mut b = Builder::default();
        let loi = &los.specifies.instance;
        let learner = self.learner;

        // 1: the holder.
        b.plain("1.1", non_empty(&learner.family_name), FROM_RECORD);
        b.plain("1.2", non_empty(&learner.given_names), FROM_RECORD);
        b.plain("1.3", learner.bday.as_ref().map(dmy), FROM_RECORD);
        b.plain("1.4", self.student_id(), FROM_RECORD);

        // 2: the qualification.
        let original = original_lang(&los.titles, loi.language_of_instruction.as_deref());
        b.plain("2.1", named(&los.titles, &original, &p.lang), FROM_RECORD);
        b.file(p, "2.2");
        let mut awarding = Vec::new();
        if let Some(name) = named(&self.issuer.titles, &original, &p.lang) {
            awarding.push((plain(name), "ELMO report issuer".to_owned()));
        }
        if let Some(status) = &p.institution_status {
            awarding.push((status.text.clone(), p.at(status.line)));
        }
        b.joined("2.3", awarding);
        b.file(p, "2.4");
        match &loi.language_of_instruction {
            Some(code) => {
                let name = texts
                    .and_then(|t| t.languages.get(code))
                    .cloned()
                    .unwrap_or_else(|| code.clone());
                b.plain("2.5", Some(name), FROM_RECORD);
            }
            None => b.file(p, "2.5"),
        }

        // 3: level and duration. The record's credits win over the file's text.
        b.file(p, "3.1");
        let ects = loi
            .credits
            .iter()
            .find(|c| c.scheme.eq_ignore_ascii_case("ects"))
            .and_then(|c| c.value.as_ref());
        match (ects, texts) {
            (Some(value), Some(t)) => b.plain(
                "3.2",
                Some(t.credits.replace("{credits}", &value.to_string())),
                FROM_RECORD,
            ),
            _ => b.file(p, "3.2"),
        }
        b.file(p, "3.3");

        // 4: the programme and the results.
        b.file(p, "4.1");
        b.file(p, "4.2");
        b.plain(
            "4.3",
            texts.map(|t| t.results_in_report.clone()),
            FROM_RECORD,
        );
        let mut grading = Vec::new();
        if let Some(text) = p.sections.get("4.4") {
            grading.push((text.text.clone(), p.at(text.line)));
        }
        let schemes = self.schemes_used(los, &p.lang);
        if !schemes.is_empty() {
            let items: String = schemes
                .iter()
                .map(|s| format!("<li>{}</li>", escape(s).replace('\n', "<br/>")))
                .collect();
            let list = SectionText {
                html: true,
                text: format!("<ul>{items}</ul>"),
            };
            grading.push((list, "ELMO report gradingScheme".to_owned()));
        }
        b.joined("4.4", grading);
        b.plain("4.5", self.classification(los, &p.lang), FROM_RECORD);

        // 5, 6: function and additional information.
        for number in ["5.1", "5.2", "6.1", "6.2"] {
            b.file(p, number);
        }

        // 7: certification.
        b.plain("7.1", Some(dmy(self.issue_date)), "issue date of the run");
        b.located(p, "7.2", p.signed_by.as_ref());
        b.located(p, "7.3", p.capacity.as_ref());
        b.located(p, "7.4", p.stamp.as_ref());

        // 8: the national system.
        if let Some(t) = texts {
            let source = format!(
                "{} v{}:{}",
                national.file.display(),
                national.version,
                t.section_8.line
            );
            b.put("8", content_of(&t.section_8.text), source);
        }

        let not_available = texts.map_or("Not available from the data source.", |t| {
            t.not_available.as_str()
        });
        let introduction = texts.map_or("", |t: &NationalTexts| t.introduction.as_str());
        outcome.file = Some(p.file.display().to_string());
        let sections = b.finish(not_available, outcome);
        DiplomaSupplement {
            lang: Some(p.lang.clone()),
            version: TEMPLATE_VERSION.into(),
            issue_date: *self.issue_date,
            introduction: Extension::text(introduction),
            sections,
            signature: None,
        }
    }

    /// 1.4: a student number the institution gave, never a national identifier. The learner
    /// identifiers of our mappings hold none today, so 1.4 is normally listed as missing.
    fn student_id(&self) -> Option<String> {
        let schacs: Vec<&str> = self
            .issuer
            .identifiers
            .iter()
            .filter(|i| i.kind == "schac")
            .map(|i| i.value.as_str())
            .collect();
        self.learner.identifiers.iter().find_map(|id| {
            let value = id.value.trim();
            let code = match id.kind.as_str() {
                "local" => Some(value),
                // urn:schac:personalUniqueCode:int:esi:<schac>:<code>, for this institution.
                "esi" => value.rsplit_once(':').and_then(|(prefix, code)| {
                    schacs
                        .iter()
                        .any(|s| prefix.ends_with(&format!(":{s}")))
                        .then_some(code)
                }),
                _ => None,
            }?;
            // DESIGN.md invariant 5: whatever the type says, an identity code never gets out.
            let safe = !code.is_empty() && rikastin_sources::redact(code) == code;
            safe.then(|| code.to_owned())
        })
    }

    /// The descriptions of the grading schemes the degree and its parts use, in the DS
    /// language (else English, else the first).
    fn schemes_used(&self, los: &Los, lang: &str) -> Vec<String> {
        let mut ids = BTreeSet::new();
        collect_scheme_ids(los, &mut ids);
        self.schemes
            .iter()
            .filter(|s| ids.contains(s.local_id.as_str()))
            .filter_map(|s| in_lang(&s.descriptions, lang))
            .collect()
    }

    /// 4.5: the degree's grade as recorded, with its scale's description.
    fn classification(&self, los: &Los, lang: &str) -> Option<String> {
        let loi = &los.specifies.instance;
        let label = loi.result_label.as_deref().map(str::trim)?;
        if label.is_empty() {
            return None;
        }
        let scheme = loi
            .grading_scheme_local_id
            .as_deref()
            .and_then(|id| self.schemes.iter().find(|s| s.local_id == id))
            .and_then(|s| in_lang(&s.descriptions, lang));
        Some(match scheme {
            Some(desc) => format!("{label} ({})", first_line(&desc)),
            None => label.to_owned(),
        })
    }
}

/// Collects the sections as they are filled, then lays them out in template order.
#[derive(Default)]
struct Builder {
    filled: Vec<(&'static str, SectionContent, Vec<String>)>,
}

impl Builder {
    fn put(&mut self, number: &'static str, content: SectionContent, source: String) {
        self.filled.push((number, content, vec![source]));
    }

    /// A plain text from the record (or the run); nothing when `text` is `None`.
    fn plain(&mut self, number: &'static str, text: Option<String>, source: &str) {
        if let Some(text) = text {
            self.put(number, content_of(&plain(text)), source.to_owned());
        }
    }

    /// The programme file's text of a section, if it has one.
    fn file(&mut self, p: &Programme, number: &'static str) {
        self.located(p, number, p.sections.get(number));
    }

    fn located(&mut self, p: &Programme, number: &'static str, text: Option<&Located>) {
        if let Some(t) = text {
            self.put(number, content_of(&t.text), p.at(t.line));
        }
    }

    /// Texts from several sources in one section, one after the other (as HTML when more
    /// than one).
    fn joined(&mut self, number: &'static str, parts: Vec<(SectionText, String)>) {
        let content = match parts.as_slice() {
            [] => return,
            [(only, _)] => content_of(only),
            _ => SectionContent {
                media_type: Some("text/html".into()),
                value: parts.iter().map(|(t, _)| html_of(t)).collect(),
            },
        };
        let sources = parts.into_iter().map(|(_, s)| s).collect();
        self.filled.push((number, content, sources));
    }

    /// Every section of the template, in order. A subsection nothing filled keeps its number
    /// and title and says why it is empty (the template asks that all eight sections be
    /// present and that missing information be explained); it is listed in `missing`.
    fn finish(
        mut self,
        not_available: &str,
        outcome: &mut DsOutcome,
    ) -> Vec<DiplomaSupplementSection> {
        let mut take = |number: &str, outcome: &mut DsOutcome| {
            let title = template::title(number).unwrap_or_default().to_owned();
            match self.filled.iter().position(|(n, _, _)| *n == number) {
                Some(i) => {
                    let (_, content, sources) = self.filled.remove(i);
                    for s in sources {
                        outcome.provenance.push((number.to_owned(), s));
                    }
                    DiplomaSupplementSection {
                        number: number.to_owned(),
                        title,
                        content: Some(content),
                        ..Default::default()
                    }
                }
                None => {
                    outcome.missing.push(template::label(number));
                    DiplomaSupplementSection {
                        number: number.to_owned(),
                        title,
                        additional_information: vec![not_available.to_owned()],
                        ..Default::default()
                    }
                }
            }
        };
        let mut sections: Vec<DiplomaSupplementSection> = Vec::new();
        for (number, title) in template::SECTIONS {
            if number.contains('.') {
                let sub = take(number, outcome);
                if let Some(parent) = sections.last_mut() {
                    parent.sections.push(sub);
                }
            } else {
                sections.push(DiplomaSupplementSection {
                    number: number.to_owned(),
                    title: title.to_owned(),
                    ..Default::default()
                });
            }
        }
        sections.push(take(template::NATIONAL.0, outcome));
        sections
    }
}

/// Section content: plain text on one line stays `text/plain`. `content` is an `xs:token`,
/// which would collapse line breaks (elmo.md §2.7), so plain text with line breaks becomes
/// escaped HTML paragraphs, and HTML stays as written (the writer puts it in CDATA).
fn content_of(text: &SectionText) -> SectionContent {
    if !text.html && !text.text.contains('\n') {
        return SectionContent {
            media_type: None,
            value: text.text.clone(),
        };
    }
    SectionContent {
        media_type: Some("text/html".into()),
        value: html_of(text),
    }
}

/// The text as simple HTML: plain paragraphs (blank-line separated) in `<p>`, line breaks as
/// `<br/>`.
fn html_of(text: &SectionText) -> String {
    if text.html {
        return text.text.clone();
    }
    text.text
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let lines: Vec<String> = p.lines().map(|l| escape(l.trim())).collect();
            format!("<p>{}</p>", lines.join("<br/>"))
        })
        .collect()
}

fn plain(text: String) -> SectionText {
    SectionText { html: false, text }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn non_empty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

/// `dd/mm/yyyy`, as the 2018 template prints dates.
/// A date as the DS writes it: `dd/mm/yyyy`.
pub(crate) fn dmy(d: &Date) -> String {
    format!("{:02}/{:02}/{:04}", d.day(), d.month(), d.year())
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s).trim()
}

fn english_or_first(texts: &[Text]) -> Option<String> {
    texts
        .iter()
        .find(|t| t.lang.as_deref() == Some("en"))
        .or_else(|| texts.first())
        .map(|t| t.value.trim().to_owned())
}

fn in_lang(texts: &[Text], lang: &str) -> Option<String> {
    texts
        .iter()
        .find(|t| t.lang.as_deref() == Some(lang))
        .or_else(|| texts.iter().find(|t| t.lang.as_deref() == Some("en")))
        .or_else(|| texts.first())
        .map(|t| t.value.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// The language a Finnish degree is conferred in: the language of instruction when a title
/// exists in it, else Finnish, else Swedish; `None` means "the first title, whatever it is".
fn original_lang(titles: &[Text], instruction: Option<&str>) -> Option<String> {
    [instruction, Some("fi"), Some("sv")]
        .into_iter()
        .flatten()
        .find(|l| titles.iter().any(|t| t.lang.as_deref() == Some(*l)))
        .map(str::to_owned)
}

/// A name in its original language, with the DS-language name after it when it differs:
/// "Luonnontieteiden kandidaatti (Bachelor of Science)".
fn named(titles: &[Text], original: &Option<String>, lang: &str) -> Option<String> {
    let orig = match original {
        Some(o) => titles
            .iter()
            .find(|t| t.lang.as_deref() == Some(o.as_str())),
        None => titles.first(),
    }
    .or_else(|| titles.first())?;
    let orig_value = orig.value.trim();
    if orig_value.is_empty() {
        return None;
    }
    let translated = titles
        .iter()
        .find(|t| t.lang.as_deref() == Some(lang))
        .map(|t| t.value.trim())
        .filter(|v| !v.is_empty() && *v != orig_value);
    Some(match translated {
        Some(t) => format!("{orig_value} ({t})"),
        None => orig_value.to_owned(),
    })
}

fn collect_scheme_ids<'a>(los: &'a Los, ids: &mut BTreeSet<&'a str>) {
    if let Some(id) = &los.specifies.instance.grading_scheme_local_id {
        ids.insert(id.as_str());
    }
    for part in &los.has_part {
        collect_scheme_ids(part, ids);
    }
}

#[cfg(test)]
mod tests;
