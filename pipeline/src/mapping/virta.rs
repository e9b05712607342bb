//! VIRTA records of one learner -> one ELMO document (pure: no I/O, no clock).
//!
//! Attainments are keyed by (Myontaja, avain), never by avain alone (virta.md §6.3: keys are
//! local to an institution). Each attainment ends up exactly once: in the document, under the
//! first parent that lists it in `Sisaltyvyys` or at the top of its institution's report, or in
//! the exclusion list with a reason (DESIGN.md invariant 4).

use std::collections::{BTreeMap, HashMap, HashSet};

use elmo::{
    AcademicTerm, Credit, Date, DateTime, Elmo, Gender, GradingScheme, Identifier, Issuer, Learner,
    Level, Loi, Los, LosType, Report, Specifies, Status, Text,
};
use rikastin_sources::virta::{Arvosana, Opintosuoritus, Opiskelija, Opiskeluoikeus};

use super::Mappings;
use super::rules::{GradingSchemeRule, parse_month_day};

/// LOI identifier type for the VIRTA attainment key.
pub const ATTAINMENT_ID_TYPE: &str = "virta-opintosuoritus";
/// LOS identifier type for the institution's module code (always written when not empty).
pub const MODULE_ID_TYPE: &str = "koulutusmoduulitunniste";

/// A record kept out of the document, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Exclusion {
    /// Myontaja of the attainment.
    pub myontaja: String,
    /// The attainment's key at that institution.
    pub avain: String,
    /// Line of the record in the recording.
    pub line: u32,
    /// Why.
    pub reason: String,
}

/// The document built for one learner.
#[derive(Debug)]
pub struct Mapped {
    /// The ELMO document, unsigned.
    pub elmo: Elmo,
    /// Attainments written as results (LOIs).
    pub results: usize,
    /// Attainments kept out.
    pub exclusions: Vec<Exclusion>,
    /// Departures from the schema read by a documented rule, by rule name (docs/virta.md).
    pub quirks: Quirks,
}

/// Counts by quirk rule name (docs/virta.md), for the run summary and the report JSON.
pub type Quirks = BTreeMap<String, usize>;

/// Counts one more of `kind`.
pub fn count(quirks: &mut Quirks, kind: &str) {
    *quirks.entry(kind.to_owned()).or_insert(0) += 1;
}

/// The most credits one result can carry (a doctorate is 240 op): a larger value, or a
/// negative one, is a fault in the source and is not written (issue 19).
pub const MAX_CREDITS: f64 = 999.0;

/// Whether `value` is a credit value Rikastin writes: finite, not negative, at most
/// [`MAX_CREDITS`].
pub fn credit_in_range(value: f64) -> bool {
    value.is_finite() && (0.0..=MAX_CREDITS).contains(&value)
}

/// ELMO credit scheme for old Finnish study weeks (opintoviikko), kept beside the ECTS derived
/// from them.
pub const STUDY_WEEK_SCHEME: &str = "fi-opintoviikko";
/// ELMO credit scheme for a degree's own extent in ECTS credits, as VIRTA states it, where its
/// parts carry the credits earned: a separate scheme, so that no client adds it to its parts.
pub const DEGREE_EXTENT_SCHEME: &str = "fi-tutkinnon-laajuus";
/// The namespace of the VIRTA facts Rikastin writes into LOI `extension`s.
pub const VIRTA_EXTENSION_NS: &str = "urn:rikastin:virta:1";

/// Why a learner could not be mapped at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MapError {
    /// No attainment rule matched; the rules must say what to do with every record.
    #[error(
        "attainment ({myontaja}, {avain}) at line {line}: no rule in `attainments` matches Laji {laji}"
    )]
    NoRule {
        /// Myontaja.
        myontaja: String,
        /// Key.
        avain: String,
        /// Line.
        line: u32,
        /// The Laji that nothing matched.
        laji: String,
    },
    /// A value from VIRTA does not fit the ELMO type it maps to.
    #[error("attainment ({myontaja}, {avain}) at line {line}: {field}: {message}")]
    Value {
        /// Myontaja.
        myontaja: String,
        /// Key.
        avain: String,
        /// Line.
        line: u32,
        /// The VIRTA field.
        field: &'static str,
        /// What was wrong.
        message: String,
    },
}

/// Builds the ELMO document of one learner from all of their `Opiskelija` elements (one per
/// institution, virta.md §2.7). `now` becomes generatedDate and every report's issueDate.
pub fn map_learner(
    records: &[&Opiskelija],
    maps: &Mappings,
    now: &DateTime,
) -> Result<Mapped, MapError> {
    let mut exclusions = Vec::new();
    let mut quirks = Quirks::new();
    for o in records {
        for q in &o.quirks {
            count(&mut quirks, q.kind.name());
        }
        for r in &o.rejected {
            count(&mut quirks, "unreadable-record");
            exclusions.push(Exclusion {
                myontaja: r
                    .myontaja
                    .clone()
                    .or_else(|| o.myontaja().map(str::to_owned))
                    .unwrap_or_default(),
                avain: r.avain.clone().unwrap_or_default(),
                line: r.line,
                reason: format!("unreadable {}: {}", r.element, r.reason),
            });
        }
    }
    let attainments = collect_attainments(records, maps, &mut exclusions, &mut quirks);
    let study_rights: HashMap<(&str, &str), &Opiskeluoikeus> = records
        .iter()
        .flat_map(|o| &o.opiskeluoikeudet)
        .map(|r| ((r.myontaja.as_str(), r.avain.as_str()), r))
        .collect();
    let scales = ScaleRegistry::new(records, maps);

    // Decide each attainment's fate by the first matching rule.
    let present: HashSet<(&str, &str)> = attainments.iter().map(|a| key(a)).collect();
    let mut included: BTreeMap<&str, Vec<Node<'_>>> = BTreeMap::new();
    for a in &attainments {
        let has_parts = a.sisaltyvyys.iter().any(|s| {
            present.contains(&(
                a.myontaja.as_str(),
                s.sisaltyva_opintosuoritus_avain.as_str(),
            ))
        });
        let rule = maps
            .virta
            .attainments
            .iter()
            .find(|r| {
                r.when.laji.as_ref().is_none_or(|l| *l == a.laji)
                    && r.when.has_parts.is_none_or(|h| h == has_parts)
            })
            .ok_or_else(|| MapError::NoRule {
                myontaja: a.myontaja.clone(),
                avain: a.avain.clone(),
                line: a.line,
                laji: a.laji.clone(),
            })?;
        if let Some(reason) = &rule.exclude {
            exclusions.push(exclusion(a, reason.clone()));
            continue;
        }
        if !maps.institutions.contains_key(&a.myontaja) {
            exclusions.push(exclusion(
                a,
                format!(
                    "unknown institution {}: add it to mappings/institutions.yaml",
                    a.myontaja
                ),
            ));
            continue;
        }
        let los_type = match rule.los_type.as_deref() {
            Some("Degree Programme") => LosType::DegreeProgramme,
            Some("Module") => LosType::Module,
            Some("Class") => LosType::Class,
            _ => LosType::Course,
        };
        included
            .entry(a.myontaja.as_str())
            .or_default()
            .push(Node { rec: a, los_type });
    }

    // How many results each study right has, over every institution: a degree that is the only
    // result of its study right carries its own credits, one beside others does not
    // (docs/virta.md). Only results count: an excluded partial (Laji 3) carries no credit.
    let mut on_study_right: HashMap<Option<&str>, usize> = HashMap::new();
    for node in included.values().flatten() {
        *on_study_right
            .entry(node.rec.opiskeluoikeus_avain.as_deref())
            .or_insert(0) += 1;
    }

    // Institutions that only appear through study rights still get a (result-less) report
    // when nothing else would, because ELMO needs at least one report (elmo.md §2.1).
    let mut issuers: Vec<&str> = included.keys().copied().collect();
    if issuers.is_empty() {
        issuers = records
            .iter()
            .flat_map(|o| &o.opiskeluoikeudet)
            .map(|r| r.myontaja.as_str())
            .filter(|m| maps.institutions.contains_key(*m))
            .collect();
        issuers.sort_unstable();
        issuers.dedup();
    }

    let mut results = 0;
    let mut reports = Vec::new();
    for myontaja in issuers {
        let nodes = included.remove(myontaja).unwrap_or_default();
        let mut builder = ReportBuilder {
            maps,
            myontaja,
            study_rights: &study_rights,
            on_study_right: &on_study_right,
            scales: &scales,
            schemes: BTreeMap::new(),
            local_ids: local_id_counts(&nodes),
            results: 0,
            quirks: &mut quirks,
        };
        let los = builder.forest(&nodes)?;
        results += builder.results;
        reports.push(Report {
            issuer: issuer(myontaja, &maps.institutions[myontaja]),
            los,
            issue_date: now.clone(),
            grading_schemes: builder.schemes.into_values().collect(),
            attachments: Vec::new(),
        });
    }

    Ok(Mapped {
        elmo: Elmo {
            generated_date: now.clone(),
            learner: learner(records, maps),
            reports,
            attachments: Vec::new(),
            groups: None,
            extension: None,
            signature: None,
        },
        results,
        exclusions,
        quirks,
    })
}

fn key(a: &Opintosuoritus) -> (&str, &str) {
    (a.myontaja.as_str(), a.avain.as_str())
}

fn exclusion(a: &Opintosuoritus, reason: String) -> Exclusion {
    Exclusion {
        myontaja: a.myontaja.clone(),
        avain: a.avain.clone(),
        line: a.line,
        reason,
    }
}

/// All attainments in document order. The second of two records with the same
/// (Myontaja, avain) is excluded as a duplicate, and so is the copy of a merged institution's
/// record that VIRTA re-reports under the successor's code: only the one under the institution
/// that awarded it on its completion date is kept (docs/virta.md, merged institutions).
fn collect_attainments<'a>(
    records: &[&'a Opiskelija],
    maps: &Mappings,
    exclusions: &mut Vec<Exclusion>,
    quirks: &mut Quirks,
) -> Vec<&'a Opintosuoritus> {
    // The reason names no line, so that a run's exclusions add up by reason; the exclusion
    // itself keeps the duplicate's line.
    let mut seen: HashSet<(&str, &str)> = HashSet::new();
    let mut unique = Vec::new();
    for a in records.iter().flat_map(|o| &o.opintosuoritukset) {
        if seen.insert(key(a)) {
            unique.push(a);
        } else {
            exclusions.push(exclusion(
                a,
                "duplicate: an earlier attainment of the answer has the same (Myontaja, avain)"
                    .to_owned(),
            ));
        }
    }
    // The few mergers of the table, gathered once rather than searched for every attainment.
    let mergers: Vec<Merger<'_>> = maps
        .institutions
        .iter()
        .filter_map(|(code, i)| {
            Some(Merger {
                predecessor: code,
                successor: i.merged_into.as_deref()?,
                on: i.merged_on.as_deref()?,
            })
        })
        .collect();
    let by_key: HashMap<(&str, &str), &Opintosuoritus> =
        unique.iter().map(|a| (key(a), *a)).collect();
    let mut out = Vec::with_capacity(unique.len());
    for a in unique {
        match merged_twin(a, &by_key, &mergers) {
            Some(Merger {
                predecessor,
                successor,
                on,
            }) => {
                let awarded_by = if a.suoritus_pvm.as_str() < on {
                    predecessor
                } else {
                    successor
                };
                if a.myontaja == awarded_by {
                    out.push(a);
                } else {
                    count(quirks, "merged-duplicate");
                    exclusions.push(exclusion(
                        a,
                        format!(
                            "merged duplicate: {predecessor} merged into {successor} on {on}; \
                             shown once, under {awarded_by}, which awarded it"
                        ),
                    ));
                }
            }
            None => out.push(a),
        }
    }
    out
}

/// A merger of `predecessor` into `successor` (institutions.yaml `merged_into`, `merged_on`).
#[derive(Clone, Copy)]
struct Merger<'m> {
    predecessor: &'m str,
    successor: &'m str,
    on: &'m str,
}

/// The merger behind `a` when the same attainment (same key, date, credits, grade and names) is
/// also reported under the other institution of one of `mergers`.
fn merged_twin<'m>(
    a: &Opintosuoritus,
    by_key: &HashMap<(&str, &str), &Opintosuoritus>,
    mergers: &[Merger<'m>],
) -> Option<Merger<'m>> {
    let same = |b: &Opintosuoritus| {
        b.suoritus_pvm == a.suoritus_pvm
            && b.laajuus == a.laajuus
            && b.arvosana == a.arvosana
            && b.laji == a.laji
            && b.nimi == a.nimi
    };
    let twin_under = |code: &str| {
        by_key
            .get(&(code, a.avain.as_str()))
            .is_some_and(|b| same(b))
    };
    mergers.iter().copied().find(|m| {
        (m.predecessor == a.myontaja && twin_under(m.successor))
            || (m.successor == a.myontaja && twin_under(m.predecessor))
    })
}

struct Node<'a> {
    rec: &'a Opintosuoritus,
    los_type: LosType,
}

/// Order of results in a report and among siblings: degrees first, then by completion date
/// and code. VIRTA lists are unordered (virta.md §2.9), so sorting keeps the bytes, and with
/// them the content hash, stable between fetches.
fn sort_key<'a>(n: &Node<'a>) -> (u8, &'a str, &'a str, &'a str) {
    let rank = match n.los_type {
        LosType::DegreeProgramme => 0,
        LosType::Module => 1,
        _ => 2,
    };
    (
        rank,
        n.rec.suoritus_pvm.as_str(),
        n.rec.koulutusmoduulitunniste.as_str(),
        n.rec.avain.as_str(),
    )
}

/// How often each (type, module code) occurs in a report: `local` ids must be unique per
/// [type, id] within the issuer, or not be used at all (elmo.md §2.5).
fn local_id_counts(nodes: &[Node<'_>]) -> HashMap<(u8, String), usize> {
    let mut counts = HashMap::new();
    for n in nodes {
        *counts
            .entry((n.los_type as u8, n.rec.koulutusmoduulitunniste.clone()))
            .or_insert(0) += 1;
    }
    counts
}

struct ReportBuilder<'m, 'a> {
    maps: &'m Mappings,
    myontaja: &'a str,
    study_rights: &'a HashMap<(&'a str, &'a str), &'a Opiskeluoikeus>,
    /// Results per study right key, over all institutions.
    on_study_right: &'a HashMap<Option<&'a str>, usize>,
    scales: &'a ScaleRegistry<'a>,
    schemes: BTreeMap<String, GradingScheme>,
    local_ids: HashMap<(u8, String), usize>,
    results: usize,
    quirks: &'a mut Quirks,
}

impl<'a> ReportBuilder<'_, 'a> {
    /// Arranges the institution's results into trees along `Sisaltyvyys` and builds them.
    fn forest(&mut self, nodes: &[Node<'a>]) -> Result<Vec<Los>, MapError> {
        let mut order: Vec<usize> = (0..nodes.len()).collect();
        order.sort_by_key(|&i| sort_key(&nodes[i]));
        let index: HashMap<&str, usize> = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.rec.avain.as_str(), i))
            .collect();
        let children: Vec<Vec<usize>> = nodes
            .iter()
            .map(|n| {
                let mut c: Vec<usize> = n
                    .rec
                    .sisaltyvyys
                    .iter()
                    .filter_map(|s| {
                        index
                            .get(s.sisaltyva_opintosuoritus_avain.as_str())
                            .copied()
                    })
                    .collect();
                c.sort_by_key(|&i| sort_key(&nodes[i]));
                c.dedup();
                c
            })
            .collect();
        let referenced: HashSet<usize> = children.iter().flatten().copied().collect();

        // Each result is placed once: under the first parent that reaches it, in order. What
        // no root reaches sits on a cycle of Sisaltyvyys; its first member becomes a root.
        let mut placed = vec![false; nodes.len()];
        let mut forest = Vec::new();
        let roots = order.iter().copied().filter(|i| !referenced.contains(i));
        let cyclic = order.iter().copied();
        for root in roots.chain(cyclic) {
            if !placed[root] {
                placed[root] = true;
                let tree = place(root, &children, &mut placed);
                forest.push(tree);
            }
        }
        let mut out = Vec::with_capacity(forest.len());
        for tree in forest {
            out.push(self.build(&tree, nodes, true)?);
        }
        Ok(out)
    }

    fn build(&mut self, tree: &Tree, nodes: &[Node<'a>], is_root: bool) -> Result<Los, MapError> {
        let node = &nodes[tree.node];
        let rec = node.rec;
        let rules = &self.maps.virta;
        let credit_here = match rules.credit.place.as_str() {
            "roots" => is_root,
            _ => tree.parts.is_empty(),
        };
        let mut has_part = Vec::with_capacity(tree.parts.len());
        for part in &tree.parts {
            has_part.push(self.build(part, nodes, false)?);
        }
        self.results += 1;

        let (scheme_id, label, failed) = self.grade(rec)?;
        // Counted where the record is read, whichever level carries the credits.
        match rec
            .laajuus
            .as_ref()
            .map(|l| (&l.opintopiste, &l.opintoviikko))
        {
            None => count(self.quirks, "no-laajuus"),
            Some((None, Some(_))) => count(self.quirks, "opintoviikko-only"),
            Some(_) => {}
        }
        let is_degree = node.los_type == LosType::DegreeProgramme;
        // A degree whose parts are not linked (no Sisaltyvyys) but share its study right with
        // other results is the sum of them: its own extent is not counted again (docs/virta.md).
        let sum_of_others = is_degree
            && tree.parts.is_empty()
            && self
                .on_study_right
                .get(&rec.opiskeluoikeus_avain.as_deref())
                .is_some_and(|&n| n > 1);
        let credits = if credit_here && !sum_of_others {
            self.credits(rec)?
        } else if is_degree {
            self.degree_extent(rec)?
        } else {
            Vec::new()
        };
        let date: Date = value(rec, "SuoritusPvm", rec.suoritus_pvm.as_str())?;
        let study_right = rec
            .opiskeluoikeus_avain
            .as_deref()
            .and_then(|k| self.study_rights.get(&(self.myontaja, k)));
        let levels = match study_right.and_then(|r| rules.eqf_by_study_right_type.get(&r.tyyppi)) {
            Some(eqf) if is_degree => vec![Level {
                kind: "EQF".into(),
                value: Some(eqf.clone()),
                ..Default::default()
            }],
            _ => Vec::new(),
        };
        let start = match study_right {
            Some(r) if is_degree => {
                Some(value(rec, "Opiskeluoikeus/AlkuPvm", r.alku_pvm.as_str())?)
            }
            _ => None,
        };
        let academic_term = if node.los_type == LosType::Course {
            self.academic_term(&rec.suoritus_pvm)
        } else {
            None
        };

        Ok(Los {
            identifiers: self.los_identifiers(node),
            titles: self.titles(rec),
            los_type: Some(node.los_type),
            specifies: Specifies {
                instance: Loi {
                    identifiers: vec![Identifier {
                        kind: ATTAINMENT_ID_TYPE.into(),
                        value: rec.avain.clone(),
                    }],
                    start,
                    date: Some(date),
                    academic_term,
                    status: Some(if failed {
                        Status::Failed
                    } else {
                        Status::Passed
                    }),
                    grading_scheme_local_id: Some(scheme_id),
                    result_label: label,
                    credits,
                    levels,
                    language_of_instruction: rec
                        .kieli
                        .as_deref()
                        .and_then(|k| language(k, &rules.languages.omit)),
                    extension: self.recognition(rec),
                    ..Default::default()
                },
                ..Default::default()
            },
            has_part,
            ..Default::default()
        })
    }

    fn los_identifiers(&self, node: &Node<'_>) -> Vec<Identifier> {
        let code = node.rec.koulutusmoduulitunniste.trim();
        if code.is_empty() {
            return Vec::new();
        }
        let mut ids = Vec::with_capacity(2);
        let unique = self.local_ids.get(&(
            node.los_type as u8,
            node.rec.koulutusmoduulitunniste.clone(),
        )) == Some(&1);
        if unique {
            ids.push(Identifier {
                kind: "local".into(),
                value: code.into(),
            });
        }
        ids.push(Identifier {
            kind: MODULE_ID_TYPE.into(),
            value: code.into(),
        });
        ids
    }

    /// The credits of a result that carries its own: ECTS from `Opintopiste`; from study weeks
    /// alone, ECTS derived by the national conversion (1 ov = 1.5 op) beside the study weeks
    /// themselves; none when VIRTA gave no extent (docs/virta.md).
    fn credits(&mut self, rec: &Opintosuoritus) -> Result<Vec<Credit>, MapError> {
        let scheme = &self.maps.virta.credit.scheme;
        let credit = |scheme: &str, value| Credit {
            scheme: scheme.to_owned(),
            level: None,
            value: Some(value),
        };
        let Some(laajuus) = &rec.laajuus else {
            return Ok(Vec::new());
        };
        let in_range = |d: &rikastin_sources::virta::Decimal| credit_in_range(d.to_f64());
        if laajuus
            .opintopiste
            .as_ref()
            .or(laajuus.opintoviikko.as_ref())
            .is_some_and(|d| !in_range(d))
        {
            count(self.quirks, "credit-out-of-range");
            return Ok(Vec::new());
        }
        match (&laajuus.opintopiste, &laajuus.opintoviikko) {
            (Some(op), _) => Ok(vec![credit(
                scheme,
                value(rec, "Laajuus/Opintopiste", op.as_str())?,
            )]),
            (None, Some(ov)) => {
                let ects = study_weeks_to_ects(ov).ok_or_else(|| MapError::Value {
                    myontaja: rec.myontaja.clone(),
                    avain: rec.avain.clone(),
                    line: rec.line,
                    field: "Laajuus/Opintoviikko",
                    message: format!("`{ov}` cannot be converted to ECTS"),
                })?;
                Ok(vec![
                    credit(scheme, value(rec, "Laajuus/Opintoviikko", &ects)?),
                    credit(
                        STUDY_WEEK_SCHEME,
                        value(rec, "Laajuus/Opintoviikko", ov.as_str())?,
                    ),
                ])
            }
            (None, None) => Ok(Vec::new()),
        }
    }

    /// A degree's own extent where its parts carry the credits: in its own scheme, never ECTS.
    fn degree_extent(&mut self, rec: &Opintosuoritus) -> Result<Vec<Credit>, MapError> {
        let Some(op) = rec.opintopiste().filter(|op| credit_in_range(op.to_f64())) else {
            return Ok(Vec::new());
        };
        count(self.quirks, "degree-extent-kept-apart");
        Ok(vec![Credit {
            scheme: DEGREE_EXTENT_SCHEME.into(),
            level: None,
            value: Some(value(rec, "Laajuus/Opintopiste", op.as_str())?),
        }])
    }

    /// One title per language; of two names in the same language the first is kept (VIRTA's
    /// order), and the other is counted as a quirk (both stay in the recording).
    fn titles(&mut self, rec: &Opintosuoritus) -> Vec<Text> {
        let (titles, duplicates) = titles(rec, &self.maps.virta.languages.omit);
        for _ in 0..duplicates {
            count(self.quirks, "duplicate-nimi");
        }
        titles
    }

    /// Recognised credit (virta.md §3.5: `HyvaksilukuPvm`, an `Organisaatio` of `Rooli` 3):
    /// marked in the LOI's extension with the decision date and where it was completed, so
    /// that it never looks like the recognising institution's own course (docs/virta.md).
    fn recognition(&mut self, rec: &Opintosuoritus) -> Option<elmo::Extension> {
        let sources: Vec<&str> = rec
            .organisaatio
            .iter()
            .filter(|o| o.rooli.trim() == "3")
            .map(|o| o.koodi.trim())
            .collect();
        if rec.hyvaksiluku_pvm.is_none() && sources.is_empty() {
            return None;
        }
        count(self.quirks, "recognised");
        let mut xml = format!("<rk:recognition xmlns:rk=\"{VIRTA_EXTENSION_NS}\"");
        if let Some(day) = &rec.hyvaksiluku_pvm {
            xml.push_str(&format!(" date=\"{day}\""));
        }
        xml.push('>');
        for code in sources {
            let name = self
                .maps
                .institutions
                .get(code)
                .and_then(|i| i.names.get("en").cloned())
                .unwrap_or_else(|| source_organisation(code).to_owned());
            xml.push_str(&format!(
                "<rk:completedAt code=\"{}\">{}</rk:completedAt>",
                escape(code),
                escape(&name)
            ));
        }
        xml.push_str("</rk:recognition>");
        elmo::Extension::from_xml(&xml).ok()
    }

    /// (gradingScheme localId, resultLabel, failed?) for the attainment's grade; registers the
    /// scheme in the report. `None` as the label: nothing names the grade (docs/virta.md).
    fn grade(&mut self, rec: &Opintosuoritus) -> Result<(String, Option<String>, bool), MapError> {
        let schemes = &self.maps.virta.grading_schemes;
        let (scale, value) = match &rec.arvosana {
            Arvosana::Viisiportainen(v) => ("Viisiportainen", v),
            Arvosana::ToinenKotimainen(v) => ("ToinenKotimainen", v),
            Arvosana::Hyvaksytty(v) => ("Hyvaksytty", v),
            Arvosana::Naytetyo(v) => ("Naytetyo", v),
            Arvosana::Tutkielma(v) => ("Tutkielma", v),
            Arvosana::EiKaytossa(v) => ("EiKaytossa", v),
            Arvosana::Muu(muu) => return Ok(self.muu_grade(rec, muu)),
        };
        // Every scale has a scheme: Mappings::load refuses rules without one.
        let rule = &schemes[scale];
        let failed = rule
            .failed
            .iter()
            .any(|f| f.eq_ignore_ascii_case(value.trim()));
        let id = rule.local_id.clone();
        self.schemes
            .entry(id.clone())
            .or_insert_with(|| GradingScheme {
                local_id: id.clone(),
                descriptions: lang_texts(&rule.description, |s| s.to_owned()),
            });
        let label = value.trim();
        if label.is_empty() {
            return Err(MapError::Value {
                myontaja: rec.myontaja.clone(),
                avain: rec.avain.clone(),
                line: rec.line,
                field: "Arvosana",
                message: format!("empty {scale} grade"),
            });
        }
        Ok((id, Some(label.to_owned()), failed))
    }

    /// An institution-defined scale (virta.md §3.4). The awarded `Koodi` names an
    /// `AsteikkoArvosana/@avain`, looked up in the answer's own scale, then in the registry
    /// (`muu_scales` in mappings, and the same institution's scale as sent elsewhere in the
    /// learner's answer). A `Koodi` that resolves nowhere is the grade itself only when it reads
    /// like one (at most 4 characters, `HYV`, `5`); a longer one is an internal key and is never
    /// printed: the result then has no label, and a quirk says so.
    fn muu_grade(
        &mut self,
        rec: &Opintosuoritus,
        muu: &rikastin_sources::virta::MuuArvosana,
    ) -> (String, Option<String>, bool) {
        let rule: &GradingSchemeRule = &self.maps.virta.grading_schemes["Muu"];
        let asteikko = &muu.asteikko;
        let scale = self.scales.scale(&rec.myontaja, asteikko);
        let awarded = scale
            .grades
            .iter()
            .find(|g| g.avain == muu.koodi.trim())
            .cloned()
            .or_else(|| self.scales.grade_anywhere(&rec.myontaja, muu.koodi.trim()));
        let awarded = awarded.as_ref();
        let label = match awarded {
            Some(g) => Some(g.koodi.trim().to_owned()),
            None if muu.koodi.trim().chars().count() <= 4 => Some(muu.koodi.trim().to_owned()),
            None => {
                count(self.quirks, "unresolved-grade");
                None
            }
        };
        let failed = rule.failed.iter().any(|f| {
            label.as_deref().is_some_and(|l| f.eq_ignore_ascii_case(l))
                || awarded
                    .and_then(|g| g.nimi.as_deref())
                    .is_some_and(|n| f.eq_ignore_ascii_case(n.trim()))
        });
        let fill = |t: &str| {
            t.replace("{myontaja}", &rec.myontaja)
                .replace("{asteikko}", &asteikko.avain)
        };
        let id = sanitize_token(&fill(&rule.local_id));
        let name = match &scale.name {
            Some(n) if !n.trim().is_empty() => n.trim().to_owned(),
            _ => fill(rule.unnamed.as_deref().unwrap_or("{asteikko}")),
        };
        let grades: Vec<String> = scale
            .grades
            .iter()
            .map(|g| match &g.nimi {
                Some(n) => format!("{} {}", g.koodi.trim(), n.trim()),
                None => g.koodi.trim().to_owned(),
            })
            .collect();
        self.schemes
            .entry(id.clone())
            .or_insert_with(|| GradingScheme {
                local_id: id.clone(),
                descriptions: lang_texts(&rule.description, |t| {
                    let text = t.replace("{name}", &name);
                    if grades.is_empty() {
                        text
                    } else {
                        format!("{text}\n{}", grades.join("\n"))
                    }
                }),
            });
        (id, label, failed)
    }

    fn academic_term(&self, date: &rikastin_sources::virta::Pvm) -> Option<AcademicTerm> {
        let (year, md) = (date.year(), (date.month(), date.day()));
        self.maps.virta.academic_terms.iter().find_map(|t| {
            let start = parse_month_day(&t.start)?;
            let end = parse_month_day(&t.end)?;
            if !(start <= md && md <= end) {
                return None;
            }
            Some(AcademicTerm {
                titles: lang_texts(&t.title, |s| s.replace("{year}", &year.to_string())),
                start: ymd(year, start)?,
                end: ymd(year, end)?,
            })
        })
    }
}

struct Tree {
    node: usize,
    parts: Vec<Tree>,
}

/// The tree under `at`, taking each not yet placed child in order.
fn place(at: usize, children: &[Vec<usize>], placed: &mut [bool]) -> Tree {
    let mut parts = Vec::new();
    for &c in &children[at] {
        if !placed[c] {
            placed[c] = true;
            parts.push(place(c, children, placed));
        }
    }
    Tree { node: at, parts }
}

fn ymd(year: i32, (m, d): (u32, u32)) -> Option<Date> {
    let part = |n: u32| u8::try_from(n).ok();
    Date::new(u16::try_from(year).ok()?, part(m)?, part(d)?).ok()
}

pub(crate) fn lang_texts(map: &BTreeMap<String, String>, f: impl Fn(&str) -> String) -> Vec<Text> {
    // English first: clients that show one language show the first (elmo.md §2.3).
    let en = map.get_key_value("en");
    en.into_iter()
        .chain(map.iter().filter(|(k, _)| *k != "en"))
        .map(|(lang, text)| Text {
            lang: Some(lang.clone()),
            value: f(text),
        })
        .collect()
}

/// ISO 639-1 from a VIRTA language code, or None for "no single language" codes.
fn language(code: &str, omit: &[String]) -> Option<String> {
    let code = code.trim();
    let ok = code.len() == 2 && code.bytes().all(|b| b.is_ascii_lowercase());
    (ok && !omit.iter().any(|o| o == code)).then(|| code.to_owned())
}

/// One title per language, in VIRTA's order, and how many names were left out because an
/// earlier one had the same language; a name without a usable language keeps no `xml:lang`. A
/// result without any name gets one made from its code (elmo.md §8 rule 5).
fn titles(rec: &Opintosuoritus, omit: &[String]) -> (Vec<Text>, usize) {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let mut duplicates = 0;
    for nimi in &rec.nimi {
        let text = nimi.teksti.trim();
        if text.is_empty() {
            continue;
        }
        let lang = nimi.kieli.as_deref().and_then(|k| language(k, omit));
        if seen.insert(lang.clone()) {
            out.push(Text {
                lang,
                value: text.to_owned(),
            });
        } else if out.iter().all(|t| t.value != text) {
            duplicates += 1;
        }
    }
    if out.is_empty() {
        let code = rec.koulutusmoduulitunniste.trim();
        out.push(Text {
            lang: Some("en".into()),
            value: if code.is_empty() {
                format!("Study attainment {}", rec.avain)
            } else {
                code.to_owned()
            },
        });
    }
    (out, duplicates)
}

/// ECTS credits from study weeks by the national conversion of the 2005 degree reform
/// (40 opintoviikkoa = 60 opintopistettä: 1 ov = 1.5 op), computed exactly in decimal.
pub fn study_weeks_to_ects(ov: &rikastin_sources::virta::Decimal) -> Option<String> {
    let text = ov.normalized();
    if text.starts_with('-') {
        return None;
    }
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let digits: u128 = format!("{int}{frac}").parse().ok()?;
    // x * 1.5 = x * 15 / 10: one more decimal place.
    let scaled = digits.checked_mul(15)?.to_string();
    let places = frac.len() + 1;
    let padded = format!("{scaled:0>width$}", width = places + 1);
    let (whole, part) = padded.split_at(padded.len() - places);
    let part = part.trim_end_matches('0');
    Some(if part.is_empty() {
        whole.to_owned()
    } else {
        format!("{whole}.{part}")
    })
}

/// What a recognised result's source organisation code means when it is no institution of the
/// table (virta.md §3.5).
fn source_organisation(code: &str) -> &str {
    match code {
        "UK" => "a foreign higher-education institution",
        "UM" => "a foreign organisation",
        "XX" => "an unknown organisation",
        _ => "another organisation",
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The institution-defined (`Muu`) scales one learner's answer uses, completed from the
/// `muu_scales` of the mappings and from the same scale as sent in the learner's other results
/// (an answer may send a scale whole in one result, in part or empty in another, virta.md §3.4).
/// Only what the answer sends is collected per learner; the mappings' scales are read in place.
struct ScaleRegistry<'m> {
    maps: &'m Mappings,
    /// Scales as the answer sends them, by (Myontaja, Asteikko avain).
    sent: HashMap<(&'m str, &'m str), Scale>,
}

/// One scale: its name and grades, in order.
#[derive(Debug, Clone, Default)]
struct Scale {
    name: Option<String>,
    grades: Vec<ScaleGrade>,
}

#[derive(Debug, Clone)]
struct ScaleGrade {
    avain: String,
    koodi: String,
    nimi: Option<String>,
}

impl Scale {
    /// Adds the grades of `more` that this scale does not list yet, and its name if it has none.
    fn complete(&mut self, name: Option<&String>, more: impl IntoIterator<Item = ScaleGrade>) {
        if self.name.is_none() {
            self.name = name.cloned();
        }
        for g in more {
            if self.grades.iter().all(|known| known.avain != g.avain) {
                self.grades.push(g);
            }
        }
    }
}

impl<'m> ScaleRegistry<'m> {
    fn new(records: &[&'m Opiskelija], maps: &'m Mappings) -> Self {
        let mut sent: HashMap<(&str, &str), Scale> = HashMap::new();
        for a in records.iter().flat_map(|o| &o.opintosuoritukset) {
            let Arvosana::Muu(muu) = &a.arvosana else {
                continue;
            };
            let asteikko = &muu.asteikko;
            let grades = asteikko.arvosanat.iter().map(|g| ScaleGrade {
                avain: g.avain.clone(),
                koodi: g.koodi.clone(),
                nimi: g.nimi.clone(),
            });
            sent.entry((a.myontaja.as_str(), asteikko.avain.as_str()))
                .or_default()
                .complete(asteikko.nimi.as_ref(), grades);
        }
        Self { maps, sent }
    }

    /// The scale as the mappings list it (they win), completed by what the answer sends.
    fn scale(&self, myontaja: &str, asteikko: &rikastin_sources::virta::Asteikko) -> Scale {
        let listed = self
            .maps
            .virta
            .muu_scales
            .get(myontaja)
            .and_then(|by_key| by_key.get(&asteikko.avain));
        let mut scale = match listed {
            Some(rule) => Scale {
                name: rule.name.clone(),
                grades: rule.grades.iter().map(ScaleGrade::from).collect(),
            },
            None => Scale::default(),
        };
        if let Some(sent) = self.sent.get(&(myontaja, asteikko.avain.as_str())) {
            scale.complete(sent.name.as_ref(), sent.grades.iter().cloned());
        }
        scale
    }

    /// A grade by its key in any scale of the institution: grade keys are the institution's own.
    fn grade_anywhere(&self, myontaja: &str, avain: &str) -> Option<ScaleGrade> {
        let listed = self
            .maps
            .virta
            .muu_scales
            .get(myontaja)
            .into_iter()
            .flat_map(|by_key| by_key.values())
            .flat_map(|rule| &rule.grades)
            .filter(|g| g.avain == avain)
            .map(ScaleGrade::from);
        let sent = self
            .sent
            .iter()
            .filter(|((m, _), _)| *m == myontaja)
            .flat_map(|(_, s)| s.grades.iter().filter(|g| g.avain == avain).cloned());
        let mut found = listed.chain(sent);
        let first = found.next()?;
        // Two scales that give the same key different grades: neither is guessed.
        found.all(|g| g.koodi == first.koodi).then_some(first)
    }
}

impl From<&super::rules::MuuGradeRule> for ScaleGrade {
    fn from(g: &super::rules::MuuGradeRule) -> Self {
        ScaleGrade {
            avain: g.avain.clone(),
            koodi: g.koodi.clone(),
            nimi: g.nimi.clone(),
        }
    }
}

pub(crate) fn issuer(myontaja: &str, inst: &super::Institution) -> Issuer {
    let mut identifiers = vec![Identifier {
        kind: "schac".into(),
        value: inst.schac.clone(),
    }];
    if let Some(erasmus) = &inst.erasmus {
        identifiers.push(Identifier {
            kind: "erasmus".into(),
            value: erasmus.clone(),
        });
    }
    identifiers.push(Identifier {
        kind: "virta-myontaja".into(),
        value: myontaja.to_owned(),
    });
    // A historic institution names its successor: where a registrar asks about the result now.
    if let Some(next) = &inst.merged_into {
        identifiers.push(Identifier {
            kind: "virta-merged-into".into(),
            value: next.clone(),
        });
    }
    Issuer {
        country: Some("FI".into()),
        identifiers,
        titles: lang_texts(&inst.names, |s| s.to_owned()),
        url: inst.url.clone(),
    }
}

fn learner(records: &[&Opiskelija], maps: &Mappings) -> Learner {
    let rules = &maps.virta.learner;
    let first = |f: fn(&Opiskelija) -> Option<&String>| {
        records
            .iter()
            .find_map(|o| f(o))
            .map(|s| s.trim().to_owned())
    };
    // Every learner OID the answers name, each once: a person may have two (issue 17).
    let mut identifiers: Vec<Identifier> = Vec::new();
    if let Some(kind) = &rules.oppijanumero_identifier {
        for oid in records
            .iter()
            .filter_map(|o| o.kansallinen_oppijanumero.as_deref())
        {
            let oid = oid.trim();
            if !oid.is_empty() && identifiers.iter().all(|i| i.value != oid) {
                identifiers.push(Identifier {
                    kind: kind.clone(),
                    value: oid.to_owned(),
                });
            }
        }
    }
    let gender = first(|o| o.sukupuoli.as_ref())
        .and_then(|g| rules.gender.get(&g))
        .map(|iso| match iso.as_str() {
            "1" => Gender::Male,
            "2" => Gender::Female,
            "9" => Gender::NotApplicable,
            _ => Gender::Unknown,
        });
    let citizenship = records
        .iter()
        .flat_map(|o| &o.kansalaisuus)
        .find_map(|c| rules.citizenship.get(c.trim()).cloned());
    let bday = records
        .iter()
        .find_map(|o| o.henkilotunnus.as_ref())
        .and_then(|h| birth_date(h.expose()));
    Learner {
        citizenship,
        identifiers,
        given_names: first(|o| o.etunimet.as_ref()).unwrap_or_default(),
        family_name: first(|o| o.sukunimi.as_ref()).unwrap_or_default(),
        bday,
        gender,
        ..Default::default()
    }
}

/// The birth date in a henkilötunnus: DDMMYY and the century sign (virta.md §2.5; the 2023
/// reform added B–F for the 2000s and U–Y for the 1900s).
pub(crate) fn birth_date(hetu: &str) -> Option<Date> {
    let b = hetu.as_bytes();
    if b.len() < 7 || !b[..6].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let century = match b[6] {
        b'+' => 1800,
        b'-' | b'U'..=b'Y' => 1900,
        b'A'..=b'F' => 2000,
        _ => return None,
    };
    let yy: i32 = hetu[4..6].parse().ok()?;
    format!("{:04}-{}-{}", century + yy, &hetu[2..4], &hetu[0..2])
        .parse()
        .ok()
}

/// A VIRTA value parsed as the ELMO type it maps to; the error names the record and field.
fn value<T>(rec: &Opintosuoritus, field: &'static str, value: &str) -> Result<T, MapError>
where
    T: std::str::FromStr<Err = elmo::Error>,
{
    value.parse().map_err(|e: elmo::Error| MapError::Value {
        myontaja: rec.myontaja.clone(),
        avain: rec.avain.clone(),
        line: rec.line,
        field,
        message: e.to_string(),
    })
}

/// xs:token-safe local id: no spaces.
fn sanitize_token(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join("_")
}

#[cfg(test)]
mod tests;
