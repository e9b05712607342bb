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
}

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
    let attainments = collect_attainments(records, &mut exclusions);
    let study_rights: HashMap<(&str, &str), &Opiskeluoikeus> = records
        .iter()
        .flat_map(|o| &o.opiskeluoikeudet)
        .map(|r| ((r.myontaja.as_str(), r.avain.as_str()), r))
        .collect();

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
            schemes: BTreeMap::new(),
            local_ids: local_id_counts(&nodes),
            results: 0,
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

/// All attainments in document order, the second of two records with the same
/// (Myontaja, avain) excluded as a duplicate.
fn collect_attainments<'a>(
    records: &[&'a Opiskelija],
    exclusions: &mut Vec<Exclusion>,
) -> Vec<&'a Opintosuoritus> {
    let mut seen: HashMap<(&str, &str), u32> = HashMap::new();
    let mut out = Vec::new();
    for a in records.iter().flat_map(|o| &o.opintosuoritukset) {
        match seen.get(&key(a)) {
            Some(first) => exclusions.push(exclusion(
                a,
                format!(
                    "duplicate of the attainment with the same (Myontaja, avain) at line {first}"
                ),
            )),
            None => {
                seen.insert(key(a), a.line);
                out.push(a);
            }
        }
    }
    out
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
    schemes: BTreeMap<String, GradingScheme>,
    local_ids: HashMap<(u8, String), usize>,
    results: usize,
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
        let credits = if credit_here {
            vec![Credit {
                scheme: rules.credit.scheme.clone(),
                level: None,
                value: Some(value(
                    rec,
                    "Laajuus/Opintopiste",
                    rec.laajuus.opintopiste.as_str(),
                )?),
            }]
        } else {
            Vec::new()
        };
        let date: Date = value(rec, "SuoritusPvm", rec.suoritus_pvm.as_str())?;
        let study_right = rec
            .opiskeluoikeus_avain
            .as_deref()
            .and_then(|k| self.study_rights.get(&(self.myontaja, k)));
        let is_degree = node.los_type == LosType::DegreeProgramme;
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
            titles: titles(rec, &rules.languages.omit),
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
                    result_label: Some(label),
                    credits,
                    levels,
                    language_of_instruction: rec
                        .kieli
                        .as_deref()
                        .and_then(|k| language(k, &rules.languages.omit)),
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

    /// (gradingScheme localId, resultLabel, failed?) for the attainment's grade; registers the
    /// scheme in the report.
    fn grade(&mut self, rec: &Opintosuoritus) -> Result<(String, String, bool), MapError> {
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
        Ok((id, label.to_owned(), failed))
    }

    /// An institution-defined scale (virta.md §3.4): the awarded `Koodi` normally names an
    /// `AsteikkoArvosana/@avain`; when it does not, the code itself is the grade.
    fn muu_grade(
        &mut self,
        rec: &Opintosuoritus,
        muu: &rikastin_sources::virta::MuuArvosana,
    ) -> (String, String, bool) {
        let rule: &GradingSchemeRule = &self.maps.virta.grading_schemes["Muu"];
        let asteikko = &muu.asteikko;
        let awarded = asteikko.arvosanat.iter().find(|g| g.avain == muu.koodi);
        let label = awarded
            .map_or(muu.koodi.as_str(), |g| g.koodi.as_str())
            .trim()
            .to_owned();
        let failed = rule.failed.iter().any(|f| {
            f.eq_ignore_ascii_case(&label)
                || awarded
                    .and_then(|g| g.nimi.as_deref())
                    .is_some_and(|n| f.eq_ignore_ascii_case(n.trim()))
        });
        let fill = |t: &str| {
            t.replace("{myontaja}", &rec.myontaja)
                .replace("{asteikko}", &asteikko.avain)
        };
        let id = sanitize_token(&fill(&rule.local_id));
        let name = match &asteikko.nimi {
            Some(n) if !n.trim().is_empty() => n.trim().to_owned(),
            _ => fill(rule.unnamed.as_deref().unwrap_or("{asteikko}")),
        };
        let grades: Vec<String> = asteikko
            .arvosanat
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
        let label = if label.is_empty() {
            muu.koodi.clone()
        } else {
            label
        };
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

/// One title per language, in VIRTA's order; a name without a usable language keeps no
/// `xml:lang`. A result without any name gets one made from its code (elmo.md §8 rule 5).
fn titles(rec: &Opintosuoritus, omit: &[String]) -> Vec<Text> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
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
    out
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
    let mut identifiers = Vec::new();
    if let (Some(kind), Some(oid)) = (
        &rules.oppijanumero_identifier,
        first(|o| o.kansallinen_oppijanumero.as_ref()),
    ) {
        identifiers.push(Identifier {
            kind: kind.clone(),
            value: oid,
        });
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
