//! The semantic linter: the rules of elmo.md §8 that the XSD cannot express, as data.
//!
//! Every rule has a stable code (`E-…` errors, `W-…` warnings) listed in `elmo/LINT.md`.
//! Findings never quote learner identifiers.

mod tables;

use std::collections::{HashMap, HashSet};
use std::fmt;

use crate::reader::cursor::{DSIG_NS, ELMO_NS, all_xml_chars};
use crate::*;
use tables::{EUROPASS_COUNTRIES, ISO_639_1, NON_SIMPLE_HTML, PREDEFINED_ID_TYPES};

/// One broken rule: what, how bad, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Stable rule code, e.g. `E-CREDIT-DOUBLE` (see `LINT.md`).
    pub code: &'static str,
    /// `Error` for MUST rules and schema-invalid models, `Warning` for SHOULD rules.
    pub severity: Severity,
    /// What is wrong, for a person.
    pub message: String,
    /// Element path, as in reader errors: `/elmo/report[1]/learningOpportunitySpecification[2]`.
    pub path: String,
}

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Severity {
    /// Breaks a MUST of ELMO or would make the written document invalid.
    Error,
    /// Breaks a SHOULD or a recommendation.
    Warning,
}

/// Checks `elmo` against the rules of elmo.md §8 (and the XSD cardinalities the model does not
/// enforce). An empty result means nothing to report.
pub fn lint(elmo: &Elmo) -> Vec<Finding> {
    let mut l = Linter::new(elmo);
    l.document(elmo);
    l.findings
}

struct Linter<'a> {
    findings: Vec<Finding>,
    /// Internal attachment ids anywhere in the document (targets of LOI `attachments/ref`).
    attachment_ids: HashSet<&'a str>,
    /// Group type id → its group ids.
    groups: HashMap<Option<&'a str>, Vec<Option<&'a str>>>,
}

/// Where a LOS sits in its tree.
#[derive(Clone, Copy)]
struct Ancestry {
    /// Nearest ancestor type, if any ancestor has one.
    los_type: Option<LosType>,
    /// Whether an ancestor carries ECTS credits.
    ects: bool,
}

/// An element path such as `/elmo/report[1]/learningOpportunitySpecification[2]`, rendered
/// only when a finding needs it: nearly every element passes, and formatting each one's path
/// was most of the lint's time. Each step borrows its parent, so taking a step costs nothing.
#[derive(Clone, Copy)]
enum Path<'p> {
    /// `/elmo`, the document element.
    Elmo,
    /// `parent/name`.
    Child(&'p Path<'p>, &'static str),
    /// `parent/name[n]`, counting from 1 as reader paths do.
    Nth(&'p Path<'p>, &'static str, usize),
}

impl Path<'_> {
    fn child(&self, name: &'static str) -> Path<'_> {
        Path::Child(self, name)
    }

    fn nth(&self, name: &'static str, n: usize) -> Path<'_> {
        Path::Nth(self, name, n)
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Elmo => f.write_str("/elmo"),
            Path::Child(parent, name) => write!(f, "{parent}/{name}"),
            Path::Nth(parent, name, n) => write!(f, "{parent}/{name}[{n}]"),
        }
    }
}

impl<'a> Linter<'a> {
    fn new(elmo: &'a Elmo) -> Linter<'a> {
        let mut groups: HashMap<Option<&str>, Vec<Option<&str>>> = HashMap::new();
        for t in elmo.groups.iter().flat_map(|g| &g.group_types) {
            groups
                .entry(t.id.as_deref())
                .or_default()
                .extend(t.groups.iter().map(|g| g.id.as_deref()));
        }
        Linter {
            findings: Vec::new(),
            attachment_ids: HashSet::new(),
            groups,
        }
    }

    /// Records a finding; the only place a [`Path`] is rendered.
    fn push(&mut self, code: &'static str, path: Path<'_>, message: impl Into<String>) {
        let severity = if code.starts_with('W') {
            Severity::Warning
        } else {
            Severity::Error
        };
        self.findings.push(Finding {
            code,
            severity,
            message: message.into(),
            path: path.to_string(),
        });
    }

    fn document(&mut self, elmo: &'a Elmo) {
        let root = Path::Elmo;
        if elmo.generated_date.zone().is_none() {
            self.push(
                "E-DATETIME-TZ",
                root.child("generatedDate"),
                "`generatedDate` has no time zone (elmo.md §8 rule 14)",
            );
        }
        self.learner(&elmo.learner, root.child("learner"));
        if elmo.reports.is_empty() {
            self.push(
                "E-CARDINALITY",
                root,
                "a document must contain at least one `report` (elmo.md §2.1)",
            );
        }
        self.collect_attachment_ids(elmo);
        for (i, report) in elmo.reports.iter().enumerate() {
            self.report(report, root.nth("report", i + 1));
        }
        self.issuers_unique(&elmo.reports);
        for (i, a) in elmo.attachments.iter().enumerate() {
            let path = root.nth("attachment", i + 1);
            self.attachment(a, path);
            if a.kind == Some(AttachmentType::TranscriptOfRecords) {
                self.push(
                    "W-ATTACHMENT-PLACEMENT",
                    path,
                    "a `Transcript of Records` is issued by one institution and belongs inside its `report` (elmo.md §2.8)",
                );
            }
        }
        self.pdf_present(elmo);
        if let Some(groups) = &elmo.groups {
            self.groups(groups, root.child("groups"));
        }
        self.extension(elmo.extension.as_ref(), root.child("extension"));
        if let Some(signature) = &elmo.signature {
            let outline = signature.outline();
            let ok = !outline.text
                && outline.elements.len() == 1
                && outline.elements[0].0.as_deref() == Some(DSIG_NS)
                && outline.elements[0].1 == "Signature";
            if !ok {
                self.push(
                    "E-SIGNATURE-ELEMENT",
                    root.child("Signature"),
                    "`signature` must hold exactly one `ds:Signature` element (elmo.md §4)",
                );
            }
        }
    }

    fn learner(&mut self, l: &Learner, path: Path<'_>) {
        if let Some(c) = &l.citizenship {
            self.country(c, path.child("citizenship"));
        }
        self.identifiers(&l.identifiers, path, true);
        for (name, value) in [
            ("givenNames", &l.given_names),
            ("familyName", &l.family_name),
        ] {
            self.chars(value, path.child(name));
            if value.trim().is_empty() {
                self.push(
                    "W-LEARNER-NAME-EMPTY",
                    path.child(name),
                    format!("`{name}` is empty; clients match identity on names and birth date (elmo.md §8 rules 3, 19)"),
                );
            }
        }
        if l.bday.is_none() {
            self.push(
                "W-BDAY-MISSING",
                path,
                "`bday` is missing; it is vital for matching the learner (elmo.md §2.2)",
            );
        }
        self.opt(l.place_of_birth.as_deref(), path.child("placeOfBirth"));
        self.opt(l.birth_name.as_deref(), path.child("birthName"));
        if let Some(a) = &l.current_address {
            let path = path.child("currentAddress");
            if !a.address_lines.is_empty() && a.has_structured_parts() {
                self.push("E-ADDRESS-CHOICE", path, "`addressLine` and the structured address parts are alternatives; give one or the other");
            }
            if a.address_lines.len() > 4 {
                self.push(
                    "E-CARDINALITY",
                    path,
                    "at most 4 `addressLine` elements are allowed",
                );
            }
            if let Some(c) = &a.country
                && !(c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()))
            {
                self.push(
                    "E-COUNTRY",
                    path.child("country"),
                    "the address country must be two upper-case letters",
                );
            }
        }
    }

    fn report(&mut self, r: &'a Report, path: Path<'_>) {
        self.issuer(&r.issuer, path.child("issuer"));
        if r.issue_date.zone().is_none() {
            self.push(
                "E-DATETIME-TZ",
                path.child("issueDate"),
                "`issueDate` has no time zone (elmo.md §8 rule 14)",
            );
        }
        let mut schemes = HashSet::new();
        for (i, g) in r.grading_schemes.iter().enumerate() {
            let gpath = path.nth("gradingScheme", i + 1);
            if !schemes.insert(g.local_id.as_str()) {
                self.push(
                    "E-GRADING-SCHEME-DUP",
                    gpath,
                    format!(
                        "`localId` {} is used twice in this report (elmo.md §8 rule 10)",
                        q(&g.local_id)
                    ),
                );
            }
            self.texts(&g.descriptions, gpath, "description", true);
            if !g.descriptions.iter().any(|d| is_english(d.lang.as_deref())) {
                self.push(
                    "W-GRADING-SCHEME-EN",
                    gpath,
                    "a grading scheme should have an English description (elmo.md §8 rule 9)",
                );
            }
        }
        let mut local_ids = HashSet::new();
        let root = Ancestry {
            los_type: None,
            ects: false,
        };
        for (i, los) in r.los.iter().enumerate() {
            let lpath = path.nth("learningOpportunitySpecification", i + 1);
            self.los(los, lpath, root, &schemes, &mut local_ids, 0);
        }
        self.credit_sum(r, path);
        for (i, a) in r.attachments.iter().enumerate() {
            let apath = path.nth("attachment", i + 1);
            self.attachment(a, apath);
            if a.kind == Some(AttachmentType::EmrexTranscript) {
                self.push(
                    "W-ATTACHMENT-PLACEMENT",
                    apath,
                    "an `EMREX transcript` covers the whole document and belongs outside `report` (elmo.md §2.8)",
                );
            }
        }
    }

    /// A degree programme with no parts that carries ECTS beside other results of the same
    /// report whose ECTS add up to at least as much is most likely their sum, counted again:
    /// the report's total would be twice what the learner earned there.
    fn credit_sum(&mut self, r: &'a Report, path: Path<'_>) {
        fn ects(l: &Los) -> f64 {
            let own: f64 = l
                .specifies
                .instance
                .credits
                .iter()
                .filter(|c| c.scheme.eq_ignore_ascii_case("ects"))
                .filter_map(|c| c.value.as_ref().map(Decimal::to_f64))
                .sum();
            own + l.has_part.iter().map(ects).sum::<f64>()
        }
        let total: f64 = r.los.iter().map(ects).sum();
        for (i, los) in r.los.iter().enumerate() {
            let own = ects(los);
            let lone_degree =
                los.los_type == Some(LosType::DegreeProgramme) && los.has_part.is_empty();
            if lone_degree && own > 0.0 && total - own >= own {
                self.push(
                    "W-CREDIT-SUM",
                    path.nth("learningOpportunitySpecification", i + 1),
                    format!(
                        "a degree without parts carries {own} ECTS beside other results of {} ECTS: the report counts them twice",
                        total - own
                    ),
                );
            }
        }
    }

    fn issuer(&mut self, issuer: &Issuer, path: Path<'_>) {
        if let Some(c) = &issuer.country {
            self.country(c, path.child("country"));
        }
        if issuer.identifiers.is_empty() {
            self.push(
                "E-CARDINALITY",
                path,
                "`issuer` needs at least one `identifier` (elmo.md §2.4)",
            );
        }
        self.identifiers(&issuer.identifiers, path, false);
        if !issuer.identifiers.iter().any(|id| id.kind == "schac") {
            self.push(
                "W-ISSUER-SCHAC-MISSING",
                path,
                "`issuer` has no identifier of type `schac` (elmo.md §8 rule 4)",
            );
        }
        if issuer.titles.is_empty() {
            self.push(
                "E-CARDINALITY",
                path,
                "`issuer` needs at least one `title` (elmo.md §2.4)",
            );
        }
        self.texts(&issuer.titles, path, "title", true);
        if !issuer.titles.iter().any(|t| is_english(t.lang.as_deref())) {
            self.push(
                "W-ISSUER-TITLE-EN",
                path,
                "`issuer` should have a title with xml:lang=\"en\" (elmo.md §8 rule 4)",
            );
        }
        self.chars(&issuer.url, path.child("url"));
        if issuer.url.trim().is_empty() {
            self.push(
                "E-EMPTY",
                path.child("url"),
                "`url` is required and must not be empty (elmo.md §2.4)",
            );
        }
    }

    fn issuers_unique(&mut self, reports: &[Report]) {
        for (i, later) in reports.iter().enumerate() {
            let shared = reports[..i].iter().position(|earlier| {
                later
                    .issuer
                    .identifiers
                    .iter()
                    .any(|id| earlier.issuer.identifiers.contains(id))
            });
            if let Some(j) = shared {
                self.push(
                    "E-ISSUER-PER-REPORT",
                    Path::Elmo.nth("report", i + 1).child("issuer"),
                    format!("this issuer already has report {}; one report per issuing institution (elmo.md §8 rule 2)", j + 1),
                );
            }
        }
    }

    fn los(
        &mut self,
        los: &'a Los,
        path: Path<'_>,
        up: Ancestry,
        schemes: &HashSet<&str>,
        local_ids: &mut HashSet<(Option<LosType>, &'a str)>,
        depth: usize,
    ) {
        if !los.titles.iter().any(|t| !t.value.trim().is_empty()) {
            self.push(
                "E-LOS-TITLE-MISSING",
                path,
                "a learning opportunity needs at least one non-empty `title` (elmo.md §8 rule 5)",
            );
        } else if !los.titles.iter().any(|t| is_english(t.lang.as_deref())) {
            self.push(
                "W-LOS-TITLE-EN",
                path,
                "a learning opportunity should have an English title (elmo.md §2.5)",
            );
        }
        self.identifiers(&los.identifiers, path, false);
        for id in los.identifiers.iter().filter(|id| id.kind == "local") {
            if !local_ids.insert((los.los_type, id.value.as_str())) {
                self.push(
                    "E-LOCAL-ID-DUP",
                    path,
                    format!("`local` identifier {} is used twice for this type within the issuer (elmo.md §8 rule 5)", q(&id.value)),
                );
            }
        }
        self.texts(&los.titles, path, "title", true);
        if let (Some(parent), Some(child)) = (up.los_type, los.los_type)
            && (child < parent || parent == LosType::Class)
        {
            self.push(
                "E-LOS-TYPE-NESTING",
                path.child("type"),
                format!("a `{child}` inside a `{parent}`: types nest Degree Programme > Module > Course > Class (elmo.md §8 rule 5)"),
            );
        }
        self.opt(los.subject_area.as_deref(), path.child("subjectArea"));
        self.opt(los.isced_code.as_deref(), path.child("iscedCode"));
        self.opt(los.url.as_deref(), path.child("url"));
        self.texts(&los.descriptions, path, "description", true);
        self.texts(&los.descriptions_html, path, "descriptionHtml", false);
        for (i, html) in los.descriptions_html.iter().enumerate() {
            let hpath = path.nth("descriptionHtml", i + 1);
            if !los.descriptions.iter().any(|d| d.lang == html.lang) {
                self.push(
                    "E-DESCRIPTION-HTML-ONLY",
                    hpath,
                    "`descriptionHtml` without a plain `description` in the same language (elmo.md §8 rule 11)",
                );
            }
            if let Some(tag) = html_tags(&html.value)
                .find(|t| NON_SIMPLE_HTML.iter().any(|n| n.eq_ignore_ascii_case(t)))
                .map(str::to_ascii_lowercase)
            {
                self.push("W-HTML-TAG", hpath, format!("`<{tag}>` is not simple HTML (no tables, images or headings; elmo.md §2.10)"));
            }
        }
        let specifies = path.child("specifies");
        let ipath = specifies.child("learningOpportunityInstance");
        let ects_here = self.loi(&los.specifies.instance, ipath, los.los_type, up, schemes);
        self.extension(
            los.specifies.extension.as_ref(),
            specifies.child("extension"),
        );
        let down = Ancestry {
            los_type: los.los_type.or(up.los_type),
            ects: up.ects || ects_here,
        };
        for (i, part) in los.has_part.iter().enumerate() {
            // Model depth is unbounded when built in code; stop where the reader would have.
            if depth < crate::reader::cursor::MAX_DEPTH {
                let has_part = path.nth("hasPart", i + 1);
                let ppath = has_part.child("learningOpportunitySpecification");
                self.los(part, ppath, down, schemes, local_ids, depth + 1);
            }
        }
        self.extension(los.extension.as_ref(), path.child("extension"));
    }

    /// Checks a LOI; returns whether it carries ECTS credits.
    fn loi(
        &mut self,
        loi: &Loi,
        path: Path<'_>,
        los_type: Option<LosType>,
        up: Ancestry,
        schemes: &HashSet<&str>,
    ) -> bool {
        self.identifiers(&loi.identifiers, path, false);
        if let Some(term) = &loi.academic_term {
            let tpath = path.child("academicTerm");
            if term.titles.is_empty() {
                self.push(
                    "E-CARDINALITY",
                    tpath,
                    "`academicTerm` needs at least one `title`",
                );
            }
            self.texts(&term.titles, tpath, "title", true);
            if los_type == Some(LosType::DegreeProgramme) {
                self.push(
                    "W-ACADEMIC-TERM-ON-PROGRAMME",
                    tpath,
                    "`academicTerm` is for courses, not degree programmes (elmo.md §8 rule 8)",
                );
            }
        }
        if loi.status.is_none() {
            self.push(
                "E-STATUS-MISSING",
                path,
                "`status` is missing; always give it (elmo.md §8 rule 7)",
            );
        }
        if let Some(id) = &loi.grading_scheme_local_id {
            let gpath = path.child("gradingSchemeLocalId");
            self.opt(Some(id), gpath);
            if !id.is_empty() && !schemes.contains(id.as_str()) {
                self.push(
                    "E-GRADING-SCHEME-REF",
                    gpath,
                    format!(
                        "no `gradingScheme` with localId {} in this report (elmo.md §8 rule 10)",
                        q(id)
                    ),
                );
            }
        }
        if let Some(label) = &loi.result_label {
            let rpath = path.child("resultLabel");
            self.opt(Some(label), rpath);
            self.plain(label, rpath);
            if loi.grading_scheme_local_id.is_none() {
                self.push(
                    "W-RESULT-SCHEME-MISSING",
                    rpath,
                    "`resultLabel` without `gradingSchemeLocalId` (elmo.md §8 rule 9)",
                );
            }
        }
        if loi.result_label.is_none()
            && loi.grading_scheme_local_id.is_some()
            && matches!(loi.status, Some(Status::Passed | Status::Failed))
        {
            self.push(
                "W-RESULT-LABEL-MISSING",
                path,
                "a graded result without `resultLabel`: the source named no grade that can be printed",
            );
        }
        if let Some(g) = &loi.shortened_grading {
            let gpath = path.child("shortenedGrading");
            let parts = [
                &g.percentage_lower,
                &g.percentage_equal,
                &g.percentage_higher,
            ];
            if parts.iter().any(|p| p.is_negative() || p.to_f64() > 100.0) {
                self.push("E-DECIMAL", gpath, "percentages must lie between 0 and 100");
            } else if (parts.iter().map(|p| p.to_f64()).sum::<f64>() - 100.0).abs() > 0.01 {
                self.push(
                    "W-SHORTENED-GRADING-SUM",
                    gpath,
                    "the three percentages should sum to 100 (elmo.md §2.6)",
                );
            }
        }
        if let Some(d) = &loi.result_distribution {
            let dpath = path.child("resultDistribution");
            if d.categories.is_empty() {
                self.push(
                    "E-CARDINALITY",
                    dpath,
                    "`resultDistribution` needs at least one `category`",
                );
            }
            self.texts(&d.descriptions, dpath, "description", true);
        }
        let mut ects = false;
        for (i, c) in loi.credits.iter().enumerate() {
            let cpath = path.nth("credit", i + 1);
            self.opt(Some(&c.scheme), cpath.child("scheme"));
            if c.scheme.eq_ignore_ascii_case("ects") {
                ects = true;
                if c.scheme != "ects" {
                    self.push(
                        "E-CREDIT-SCHEME-CASE",
                        cpath.child("scheme"),
                        format!("credit scheme {}: the predefined scheme is lower-case `ects` (elmo.md §2.6)", q(&c.scheme)),
                    );
                }
                if up.ects {
                    self.push(
                        "E-CREDIT-DOUBLE",
                        cpath,
                        "ECTS credits here and on an ancestor: ECTS go on one level of each root-to-leaf path (elmo.md §8 rule 6)",
                    );
                }
            }
            if c.level.is_some() {
                self.push(
                    "W-CREDIT-LEVEL-DEPRECATED",
                    cpath.child("level"),
                    "`credit/level` is deprecated since ELMO 1.2 and gone in 2.0",
                );
            }
            if c.value.as_ref().is_some_and(Decimal::is_negative) {
                self.push(
                    "E-DECIMAL",
                    cpath.child("value"),
                    "credit values cannot be negative",
                );
            } else if c.value.as_ref().is_some_and(|v| v.to_f64() > 999.0) {
                // No result is worth a thousand credits; such a value is a fault in the source
                // (and 35 digits are more than XSD processors must accept as xs:decimal).
                self.push(
                    "E-DECIMAL",
                    cpath.child("value"),
                    "a credit value above 999 is no credit",
                );
            }
        }
        for (i, level) in loi.levels.iter().enumerate() {
            let lpath = path.nth("level", i + 1);
            self.opt(Some(&level.kind), lpath.child("type"));
            if level.descriptions.len() > 1 {
                self.push(
                    "E-CARDINALITY",
                    lpath,
                    "`level` allows at most one `description`",
                );
            }
            for d in &level.descriptions {
                // `level/description` is a single element, so its path has no index.
                let dpath = lpath.child("description");
                if let Some(lang) = &d.lang {
                    self.lang(lang, dpath);
                }
                self.opt(Some(&d.value), dpath);
                self.plain(&d.value, dpath);
            }
            self.opt(level.value.as_deref(), lpath.child("value"));
        }
        if let Some(lang) = &loi.language_of_instruction {
            let lpath = path.child("languageOfInstruction");
            if lang.is_empty() {
                self.opt(Some(lang), lpath);
            } else if !ISO_639_1.contains(&lang.as_str()) {
                self.push(
                    "E-LANGUAGE-OF-INSTRUCTION",
                    lpath,
                    format!("{} is not one ISO 639-1 code (e.g. `fi`); omit it when there is no single language (elmo.md §8 rule 8)", q(lang)),
                );
            }
        }
        if loi
            .engagement_hours
            .as_ref()
            .is_some_and(Decimal::is_negative)
        {
            self.push(
                "E-DECIMAL",
                path.child("engagementHours"),
                "engagement hours cannot be negative",
            );
        }
        for (i, r) in loi.attachment_refs.iter().enumerate() {
            if !self.attachment_ids.contains(r.as_str()) {
                self.push(
                    "E-ATTACHMENT-REF",
                    path.child("attachments").nth("ref", i + 1),
                    format!(
                        "no attachment has the internal identifier {} (elmo.md §8 rule 10)",
                        q(r)
                    ),
                );
            }
        }
        if let Some(g) = &loi.grouping {
            let type_known = self.groups.contains_key(&g.typeref.as_deref());
            let group_known = match &g.idref {
                None => true,
                Some(id) => {
                    self.groups
                        .get(&g.typeref.as_deref())
                        .is_some_and(|ids| ids.contains(&Some(id.as_str())))
                        || (g.typeref.is_none()
                            && self
                                .groups
                                .values()
                                .any(|ids| ids.contains(&Some(id.as_str()))))
                }
            };
            if !(type_known || g.typeref.is_none()) || !group_known {
                self.push("E-GROUPING-REF", path.child("grouping"), "`grouping` refers to a group type or group that `groups` does not have (elmo.md §8 rule 10)");
            }
        }
        self.extension(loi.extension.as_ref(), path.child("extension"));
        if let Some(ds) = &loi.diploma_supplement {
            let dpath = path.child("diplomaSupplement");
            if los_type != Some(LosType::DegreeProgramme) {
                self.push(
                    "E-DS-ON-NON-PROGRAMME",
                    dpath,
                    "a Diploma Supplement belongs on a Degree Programme LOI (elmo.md §3)",
                );
            }
            self.diploma_supplement(ds, dpath);
        }
        ects
    }

    fn diploma_supplement(&mut self, ds: &DiplomaSupplement, path: Path<'_>) {
        if let Some(lang) = &ds.lang {
            self.lang(lang, path);
        }
        if !matches!(ds.version.trim(), "2018" | "2007" | "1997") {
            self.push(
                "E-DS-VERSION",
                path.child("version"),
                "DS `version` must be the template year 2018, 2007 or 1997 (elmo.md §2.7)",
            );
        }
        if ds.sections.is_empty() {
            self.push(
                "E-CARDINALITY",
                path,
                "`diplomaSupplement` needs at least one `section`",
            );
        }
        for (i, s) in ds.sections.iter().enumerate() {
            self.section(s, path.nth("section", i + 1), 0);
        }
    }

    fn section(&mut self, s: &DiplomaSupplementSection, path: Path<'_>, depth: usize) {
        if s.number.is_empty() || !s.number.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            self.push(
                "E-DS-SECTION-NUMBER",
                path,
                format!(
                    "section number {} must match [0-9.]+ (elmo.md §8 rule 12)",
                    q(&s.number)
                ),
            );
        }
        self.chars(&s.title, path.child("title"));
        if let Some(c) = &s.content {
            self.chars(&c.value, path.child("content"));
            if !c.is_markup() {
                self.plain(&c.value, path.child("content"));
            }
        }
        for (i, info) in s.additional_information.iter().enumerate() {
            self.plain(info, path.nth("additionalInformation", i + 1));
        }
        for (i, a) in s.attachments.iter().enumerate() {
            self.attachment(a, path.nth("attachment", i + 1));
        }
        if depth < crate::reader::cursor::MAX_DEPTH {
            for (i, sub) in s.sections.iter().enumerate() {
                self.section(sub, path.nth("section", i + 1), depth + 1);
            }
        }
    }

    fn attachment(&mut self, a: &Attachment, path: Path<'_>) {
        self.identifiers(&a.identifiers, path, false);
        self.texts(&a.titles, path, "title", true);
        self.texts(&a.descriptions, path, "description", true);
        for (i, content) in a.contents.iter().enumerate() {
            let cpath = path.nth("content", i + 1);
            if let Some(lang) = &content.lang {
                self.lang(lang, cpath);
            }
            if !content.value.starts_with("data:") || content.value.chars().any(char::is_whitespace)
            {
                self.push(
                    "E-ATTACHMENT-CONTENT",
                    cpath,
                    "attachment content must be a data URI (data:application/pdf;base64,...) without whitespace (elmo.md §8 rule 16)",
                );
            }
        }
        self.extension(a.extension.as_ref(), path.child("extension"));
    }

    /// Gathers every internal attachment id before the walk (an LOI `attachments/ref` may point
    /// at an attachment later in the document) and reports repeats, in document order.
    fn collect_attachment_ids(&mut self, elmo: &'a Elmo) {
        fn sections<'a>(
            this: &mut Linter<'a>,
            s: &'a [DiplomaSupplementSection],
            path: Path<'_>,
            depth: usize,
        ) {
            for (i, s) in s.iter().enumerate() {
                let path = path.nth("section", i + 1);
                for (j, a) in s.attachments.iter().enumerate() {
                    this.attachment_id(a, path.nth("attachment", j + 1));
                }
                if depth < crate::reader::cursor::MAX_DEPTH {
                    sections(this, &s.sections, path, depth + 1);
                }
            }
        }
        fn los<'a>(this: &mut Linter<'a>, l: &'a Los, path: Path<'_>, depth: usize) {
            if let Some(ds) = &l.specifies.instance.diploma_supplement {
                let specifies = path.child("specifies");
                let loi = specifies.child("learningOpportunityInstance");
                sections(this, &ds.sections, loi.child("diplomaSupplement"), 0);
            }
            if depth < crate::reader::cursor::MAX_DEPTH {
                for (i, part) in l.has_part.iter().enumerate() {
                    let has_part = path.nth("hasPart", i + 1);
                    let ppath = has_part.child("learningOpportunitySpecification");
                    los(this, part, ppath, depth + 1);
                }
            }
        }
        let root = Path::Elmo;
        for (i, r) in elmo.reports.iter().enumerate() {
            let path = root.nth("report", i + 1);
            for (j, l) in r.los.iter().enumerate() {
                los(
                    self,
                    l,
                    path.nth("learningOpportunitySpecification", j + 1),
                    0,
                );
            }
            for (j, a) in r.attachments.iter().enumerate() {
                self.attachment_id(a, path.nth("attachment", j + 1));
            }
        }
        for (j, a) in elmo.attachments.iter().enumerate() {
            self.attachment_id(a, root.nth("attachment", j + 1));
        }
    }

    /// Records `a`'s internal ids for [`Self::collect_attachment_ids`].
    fn attachment_id(&mut self, a: &'a Attachment, path: Path<'_>) {
        for id in a.identifiers.iter().filter(|id| id.kind == "internal") {
            if !self.attachment_ids.insert(id.value.as_str()) {
                self.push(
                    "E-ATTACHMENT-ID-DUP",
                    path,
                    format!(
                        "internal attachment id {} is used twice (elmo.md §8 rule 10)",
                        q(&id.value)
                    ),
                );
            }
        }
    }

    fn pdf_present(&mut self, elmo: &Elmo) {
        let is_pdf = |a: &Attachment| {
            a.contents
                .iter()
                .any(|c| c.value.starts_with("data:application/pdf"))
        };
        if !elmo.attachments.iter().any(is_pdf)
            && !elmo.reports.iter().flat_map(|r| &r.attachments).any(is_pdf)
        {
            self.push(
                "W-PDF-MISSING",
                Path::Elmo,
                "no PDF attachment: give a human-readable transcript (`Transcript of Records` or `EMREX transcript`, elmo.md §8 rule 16)",
            );
        }
    }

    fn groups(&mut self, groups: &Groups, path: Path<'_>) {
        for (i, t) in groups.group_types.iter().enumerate() {
            let path = path.nth("groupType", i + 1);
            if t.titles.is_empty() {
                self.push(
                    "E-CARDINALITY",
                    path,
                    "`groupType` needs at least one `title` (ELMO 1.7)",
                );
            }
            self.texts(&t.titles, path, "title", true);
            for (j, g) in t.groups.iter().enumerate() {
                let gpath = path.nth("group", j + 1);
                if g.titles.is_empty() {
                    self.push(
                        "E-CARDINALITY",
                        gpath,
                        "`group` needs at least one `title` (ELMO 1.7)",
                    );
                }
                self.texts(&g.titles, gpath, "title", true);
            }
        }
    }

    fn extension(&mut self, ext: Option<&Extension>, path: Path<'_>) {
        let Some(ext) = ext else { return };
        let outline = ext.outline();
        let local = outline
            .elements
            .iter()
            .any(|(ns, _)| ns.is_none() || ns.as_deref() == Some(ELMO_NS));
        if outline.text || local {
            self.push(
                "E-EXTENSION-NAMESPACE",
                path,
                "`extension` may hold only elements in a foreign, non-empty namespace (elmo.md §8 rule 13)",
            );
        }
    }

    fn identifiers(&mut self, ids: &[Identifier], path: Path<'_>, personal: bool) {
        for (i, id) in ids.iter().enumerate() {
            let ipath = path.nth("identifier", i + 1);
            if let Some(known) = PREDEFINED_ID_TYPES
                .iter()
                .find(|k| k.eq_ignore_ascii_case(&id.kind) && **k != id.kind)
            {
                self.push(
                    "E-ID-TYPE-CASE",
                    ipath,
                    format!(
                        "identifier type {} should be written `{known}`",
                        q(&id.kind)
                    ),
                );
            }
            if id.value.trim().is_empty() {
                self.push(
                    "E-EMPTY",
                    ipath,
                    "empty identifier; omit it (elmo.md §8 rule 3)",
                );
            }
            if personal {
                // Never quote a learner identifier: it may be a henkilötunnus (DESIGN.md invariant 5).
                if !all_xml_chars(&id.value) {
                    self.push(
                        "E-XML-CHAR",
                        ipath,
                        "contains characters XML 1.0 cannot carry",
                    );
                }
            } else {
                self.chars(&id.value, ipath);
            }
        }
    }

    /// Multilingual texts: language tags, XML characters, emptiness and (for plain text) HTML.
    /// Each is one of a repeatable element (`title`, `description`, ...), so its path has an
    /// index.
    fn texts(&mut self, texts: &[Text], path: Path<'_>, name: &'static str, plain: bool) {
        for (i, t) in texts.iter().enumerate() {
            let tpath = path.nth(name, i + 1);
            if let Some(lang) = &t.lang {
                self.lang(lang, tpath);
            }
            self.chars(&t.value, tpath);
            if t.value.trim().is_empty() {
                self.push(
                    "E-EMPTY",
                    tpath,
                    format!("empty `{name}`; omit it (elmo.md §8 rule 3)"),
                );
            }
            if plain {
                self.plain(&t.value, tpath);
            }
        }
    }

    /// An optional element that is present must not be empty.
    fn opt(&mut self, value: Option<&str>, path: Path<'_>) {
        if let Some(value) = value {
            self.chars(value, path);
            if value.trim().is_empty() {
                self.push(
                    "E-EMPTY",
                    path,
                    "empty element; omit it when the value is unknown (elmo.md §8 rule 3)",
                );
            }
        }
    }

    /// Plain text must not hold HTML.
    fn plain(&mut self, text: &str, path: Path<'_>) {
        if let Some(tag) = html_tags(text).next().map(str::to_ascii_lowercase) {
            self.push(
                "E-HTML-IN-PLAIN",
                path,
                format!("HTML markup `<{tag}>` in a plain-text field (elmo.md §8 rule 11)"),
            );
        }
    }

    /// Every character must be one XML 1.0 can carry.
    fn chars(&mut self, text: &str, path: Path<'_>) {
        if !all_xml_chars(text) {
            self.push(
                "E-XML-CHAR",
                path,
                "contains characters XML 1.0 cannot carry (written as U+FFFD)",
            );
        }
    }

    fn country(&mut self, code: &str, path: Path<'_>) {
        if code.is_empty() {
            self.push(
                "E-EMPTY",
                path,
                "empty country; omit it when unknown (elmo.md §8 rule 3)",
            );
        } else if !EUROPASS_COUNTRIES.contains(&code) {
            self.push(
                "E-COUNTRY",
                path,
                format!("{} is not in the Europass country list (upper-case ISO 3166-1 alpha-2; elmo.md §8 rule 15)", q(code)),
            );
        }
    }

    fn lang(&mut self, tag: &str, path: Path<'_>) {
        if !is_language_tag(tag) {
            self.push(
                "E-LANG-TAG",
                path,
                format!("xml:lang {} is not a lower-case BCP 47 tag such as `fi` or `en` (elmo.md §8 rule 15)", q(tag)),
            );
        }
    }
}

/// An echoed value for a message: redacted and shortened, then quoted.
fn q(value: &str) -> String {
    format!("{:?}", crate::redact::for_message(value))
}

fn is_english(lang: Option<&str>) -> bool {
    lang.is_some_and(|l| l == "en" || l.starts_with("en-"))
}

/// A BCP 47 shape: a lower-case primary subtag of 2–3 letters, then subtags of 1–8 letters or
/// digits. `fi_FI` and `FI` fail (elmo.md §2.10).
fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let primary = parts.next().unwrap_or("");
    (2..=3).contains(&primary.len())
        && primary.bytes().all(|b| b.is_ascii_lowercase())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// Names of the HTML-looking tags in `text` (`<p>`, `</em>`, `<br/>`), as written: compare
/// them ignoring ASCII case. An iterator of slices, because the lint asks this of every text.
fn html_tags(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        while let Some(i) = rest.find('<') {
            rest = &rest[i + 1..];
            let body = rest.strip_prefix('/').unwrap_or(rest);
            let len = body.bytes().take_while(u8::is_ascii_alphanumeric).count();
            let name = &body[..len];
            let starts_alpha = name.bytes().next().is_some_and(|b| b.is_ascii_alphabetic());
            let closes = body[len..]
                .find(['>', '<'])
                .is_some_and(|j| body[len + j..].starts_with('>'));
            if starts_alpha && closes {
                return Some(name);
            }
        }
        None
    })
}

#[cfg(test)]
mod tests;
