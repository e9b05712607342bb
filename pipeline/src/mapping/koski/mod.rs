//! KOSKI records of one learner -> ELMO reports, one per oppilaitos (pure: no I/O, no clock).
//!
//! Each kept study right (opiskeluoikeus) becomes part of its oppilaitos's report; each
//! completion (suoritus) becomes one result, its parts (`osasuoritukset`) its `hasPart`
//! children. Every study right and completion ends up in a report or in the exclusion list
//! with a reason (DESIGN.md invariant 4). Each report is self-contained (issuer, grading
//! schemes, LOS tree), so the caller can put it next to the VIRTA reports of the same learner.
//! The rules are data: `mappings/koski.yaml`, documented in docs/mappings.md ("KOSKI").

mod rules;

#[cfg(test)]
mod tests;

pub(crate) use rules::load_rules;
pub use rules::{
    CreditUnitRule, EqfRule, ExamTermRule, IdentifierRule, IssuerRule, KoskiGradingScheme,
    KoskiInstitution, KoskiLanguageRule, KoskiLearnerRule, KoskiRules, StudyRightRules,
    SuoritusCondition, SuoritusRule,
};

use std::collections::{BTreeMap, HashMap};

use elmo::{
    AcademicTerm, Credit, Date, DateTime, GradingScheme, Identifier, Issuer, Learner, Level, Loi,
    Los, LosType, Report, Specifies, Status, Text,
};
use rikastin_sources::koski::{Henkilo, LocalizedString, Opiskeluoikeus, Oppija, Suoritus};
use rikastin_sources::redact;
use rikastin_sources::virta::Pvm;

use super::Mappings;
use super::rules::parse_month_day;
use super::virta::{Exclusion, birth_date, lang_texts};

/// The reason a `korkeakoulutus` study right is dropped when VIRTA is also read: KOSKI's copy
/// is a lossy conversion of the same VIRTA data (koski.md §5).
pub const KORKEAKOULUTUS_DROPPED: &str =
    "korkeakoulutus: VIRTA is configured and is the source of truth";

/// The reports built for one learner from KOSKI.
///
/// `exclusions` reuse the VIRTA shape: `myontaja` holds the oppilaitos OID, `avain` the study
/// right's OID (else its source-system id, else its JSON pointer) or the completion's code, and
/// `line` is 0 because JSON positions are not kept after parsing.
#[derive(Debug)]
pub struct MappedKoski {
    /// The learner as KOSKI knows them; the identity code is never written.
    pub learner: Learner,
    /// One report per oppilaitos, each self-contained.
    pub reports: Vec<Report>,
    /// Completions written as results (LOIs).
    pub results: usize,
    /// Study rights and completions kept out, with the reason.
    pub exclusions: Vec<Exclusion>,
    /// Source values read by a documented rule, by rule name (e.g. `credit-out-of-range`).
    pub quirks: super::virta::Quirks,
}

/// Why a learner's KOSKI records could not be mapped at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MapError {
    /// No `suoritukset` rule matched; the rules must say what to do with every completion.
    #[error(
        "KOSKI suoritus at {path} (oppilaitos {oppilaitos}): no rule in `suoritukset` matches tyyppi `{tyyppi}`"
    )]
    NoRule {
        /// The oppilaitos OID.
        oppilaitos: String,
        /// JSON pointer of the completion, e.g. `/opiskeluoikeudet/0/suoritukset/0/osasuoritukset/2`.
        path: String,
        /// The completion's `tyyppi` that nothing matched.
        tyyppi: String,
    },
    /// A value from KOSKI does not fit the ELMO type it maps to.
    #[error("KOSKI suoritus at {path} (oppilaitos {oppilaitos}): {field}: {message}")]
    Value {
        /// The oppilaitos OID.
        oppilaitos: String,
        /// JSON pointer of the completion.
        path: String,
        /// The KOSKI field.
        field: &'static str,
        /// What was wrong.
        message: String,
    },
}

/// Builds the reports of one learner from their KOSKI answer. With `drop_korkeakoulutus`
/// (VIRTA is configured too), `korkeakoulutus` study rights are excluded. `now` becomes every
/// report's issueDate.
pub fn map_oppija(
    oppija: &Oppija,
    maps: &Mappings,
    drop_korkeakoulutus: bool,
    now: &DateTime,
) -> Result<MappedKoski, MapError> {
    let rules = &maps.koski;
    let mut exclusions = Vec::new();
    let mut issuers: ByIssuer<'_> = BTreeMap::new();
    for (i, oo) in oppija.opiskeluoikeudet.iter().enumerate() {
        let org = issuing_organisation(oo);
        let oid = org.as_ref().map(|o| o.oid).unwrap_or("");
        let tyyppi = oo.tyyppi.koodiarvo.as_str();
        let excluded = if drop_korkeakoulutus && tyyppi == "korkeakoulutus" {
            Some(KORKEAKOULUTUS_DROPPED.to_owned())
        } else if let Some(reason) = rules.study_rights.exclude_types.get(tyyppi) {
            Some(reason.clone())
        } else if !rules.study_rights.types.is_empty() && !rules.study_rights.types.contains(tyyppi)
        {
            Some(format!(
                "unknown type {}: add it to `study_rights` in mappings/koski.yaml",
                clean(tyyppi)
            ))
        } else if let Some(reason) = oo
            .viimeisin_tila()
            .and_then(|t| rules.study_rights.exclude_states.get(&t.koodiarvo))
        {
            Some(reason.clone())
        } else {
            match &org {
                Some(org) => {
                    issuers
                        .entry(org.oid)
                        .or_insert_with(|| (issuer(org, maps), Vec::new()))
                        .1
                        .push((i, oo));
                    None
                }
                None => Some(
                    "no oppilaitos, koulutustoimija or organiser: the issuer is not known"
                        .to_owned(),
                ),
            }
        };
        if let Some(reason) = excluded {
            exclusions.push(Exclusion {
                myontaja: clean(oid),
                avain: clean(&study_right_key(oo, i)),
                line: 0,
                reason,
            });
        }
    }

    let mut results = 0;
    let mut quirks = super::virta::Quirks::new();
    let mut reports = Vec::with_capacity(issuers.len());
    for (oid, (issuer, mut rights)) in issuers {
        // KOSKI's order of study rights is not a promise; sorting keeps the bytes stable.
        rights.sort_by(|(i, a), (j, b)| {
            (a.alkamispaiva, study_right_key(a, *i), i).cmp(&(
                b.alkamispaiva,
                study_right_key(b, *j),
                j,
            ))
        });
        let mut builder = ReportBuilder {
            rules,
            oppilaitos: oid,
            schemes: BTreeMap::new(),
            local_ids: HashMap::new(),
            results: 0,
            quirks: &mut quirks,
        };
        let mut plans = Vec::new();
        for (i, oo) in &rights {
            for (k, s) in oo.suoritukset.iter().enumerate() {
                let path = format!("/opiskeluoikeudet/{i}/suoritukset/{k}");
                if let Some(node) = builder.plan(s, path, None, true, &mut exclusions)? {
                    plans.push((*oo, node));
                }
            }
        }
        for (_, node) in &plans {
            builder.count_local_ids(node);
        }
        let mut los = Vec::with_capacity(plans.len());
        for (oo, node) in &plans {
            let ctx = Context {
                study_right: oo,
                language: None,
                ancestor_schemes: Vec::new(),
                ancestor_date: None,
            };
            los.push(builder.build(node, &ctx)?);
        }
        results += builder.results;
        reports.push(Report {
            issuer,
            los,
            issue_date: now.clone(),
            grading_schemes: builder.schemes.into_values().collect(),
            attachments: Vec::new(),
        });
    }

    Ok(MappedKoski {
        learner: learner(&oppija.henkilo, rules),
        reports,
        results,
        exclusions,
        quirks,
    })
}

/// Kept study rights by oppilaitos OID: the issuer and the rights with their index.
type ByIssuer<'a> = BTreeMap<&'a str, (Issuer, Vec<(usize, &'a Opiskeluoikeus)>)>;

/// The key of a study right in exclusions: its OID, else its source-system id, else its
/// JSON pointer (VIRTA- and YTR-derived rights have no OID, koski.md §3.8).
fn study_right_key(oo: &Opiskeluoikeus, index: usize) -> String {
    oo.oid
        .clone()
        .or_else(|| oo.lahdejarjestelman_id.as_ref().and_then(|l| l.id.clone()))
        .unwrap_or_else(|| format!("/opiskeluoikeudet/{index}"))
}

/// The organisation that issues a study right's results, as the document names it.
struct IssuingOrganisation<'a> {
    /// Its OID (`1.2.246.562.10.…`): the report's key.
    oid: &'a str,
    /// Oppilaitosnumero, for schools and higher-education institutions.
    numero: Option<&'a str>,
    /// Its names, per language, as KOSKI gives them.
    nimi: Option<&'a LocalizedString>,
}

/// The issuer of a study right, from the document itself (issue 18): its `oppilaitos`; else its
/// `koulutustoimija` (the provider above the school); else, for a language exam, which has
/// neither, the organiser (`järjestäjä`) or the unit (`toimipiste`) of its first completion
/// (for the national exams, Opetushallitus). `None` when the document names no organisation.
fn issuing_organisation(oo: &Opiskeluoikeus) -> Option<IssuingOrganisation<'_>> {
    fn numero(k: &Option<rikastin_sources::koski::Koodiviite>) -> Option<&str> {
        k.as_ref()
            .map(|n| n.koodiarvo.trim())
            .filter(|n| !n.is_empty())
    }
    if let Some(o) = oo.oppilaitos.as_ref().filter(|o| !o.oid.trim().is_empty()) {
        return Some(IssuingOrganisation {
            oid: o.oid.trim(),
            numero: numero(&o.oppilaitosnumero),
            nimi: o.nimi.as_ref(),
        });
    }
    if let Some(t) = oo
        .koulutustoimija
        .as_ref()
        .filter(|t| !t.oid.trim().is_empty())
    {
        return Some(IssuingOrganisation {
            oid: t.oid.trim(),
            numero: None,
            nimi: t.nimi.as_ref(),
        });
    }
    oo.suoritukset.iter().find_map(|s| {
        let org = s.jarjestaja.as_ref().or(s.toimipiste.as_ref())?;
        let oid = org
            .oid
            .as_deref()
            .map(str::trim)
            .filter(|o| !o.is_empty())?;
        Some(IssuingOrganisation {
            oid,
            numero: numero(&org.oppilaitosnumero),
            nimi: org.nimi.as_ref(),
        })
    })
}

/// The ELMO issuer of an organisation: its OID and oppilaitosnumero as identifiers, its names
/// in every language KOSKI gives. `issuer.oppilaitokset` overrides by OID (SCHAC code, web site,
/// names for missing languages), and a higher-education institution is completed from
/// institutions.yaml by its oppilaitosnumero (VIRTA's Myontaja). Without either, the issuer has
/// no SCHAC code (lint warning) and its `url` is its page in Opintopolku, which every
/// organisation with an OID has.
fn issuer(org: &IssuingOrganisation<'_>, maps: &Mappings) -> Issuer {
    let rules = &maps.koski.issuer;
    let oid = clean(org.oid);
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    let known = rules.oppilaitokset.get(org.oid);
    if let Some(known) = known {
        names.extend(known.names.clone());
    }
    if let Some(nimi) = org.nimi {
        names.extend(localized(nimi));
    }
    if let Some(numero) = org.numero
        && known.is_none()
        && let Some(inst) = maps.institutions.get(numero)
    {
        let mut issuer = super::virta::issuer(numero, inst);
        issuer
            .identifiers
            .push(Identifier::new(&rules.oid_identifier, &oid));
        return issuer;
    }
    if names.is_empty() {
        names.insert("en".to_owned(), format!("Organisation {oid}"));
    }
    let mut identifiers = Vec::with_capacity(3);
    if let Some(known) = known {
        identifiers.push(Identifier::new("schac", known.schac.trim()));
    }
    identifiers.push(Identifier::new(&rules.oid_identifier, &oid));
    if let (Some(kind), Some(numero)) = (&rules.oppilaitosnumero_identifier, org.numero) {
        identifiers.push(Identifier::new(kind, clean(numero)));
    }
    Issuer {
        country: Some(rules.country.clone()),
        identifiers,
        titles: lang_texts(&names, |s| s.to_owned()),
        url: match known {
            Some(known) => known.url.trim().to_owned(),
            None => rules.url.replace("{oid}", &oid),
        },
    }
}

fn learner(henkilo: &Henkilo, rules: &KoskiRules) -> Learner {
    let mut identifiers = Vec::new();
    if let (Some(kind), Some(oid)) = (&rules.learner.oid_identifier, &henkilo.oid) {
        let oid = clean(oid);
        if !oid.is_empty() {
            identifiers.push(Identifier::new(kind, oid));
        }
    }
    // The birth date as KOSKI gives it, else from the identity code's date part; the code
    // itself is never written (DESIGN.md invariant 5).
    let bday = henkilo
        .syntymaaika
        .and_then(|d| to_date(&d))
        .or_else(|| henkilo.hetu.as_ref().and_then(|h| birth_date(h.expose())));
    let citizenship = henkilo
        .kansalaisuus
        .iter()
        .find_map(|k| rules.learner.citizenship.get(k.koodiarvo.trim()).cloned());
    Learner {
        citizenship,
        identifiers,
        given_names: clean(&henkilo.etunimet),
        family_name: clean(&henkilo.sukunimi),
        bday,
        ..Default::default()
    }
}

/// A completion with its decided LOS type and its kept parts.
struct Node<'a> {
    suoritus: &'a Suoritus,
    los_type: Option<LosType>,
    main_level: bool,
    parts: Vec<Node<'a>>,
}

/// What a result inherits from its ancestors.
struct Context<'a> {
    study_right: &'a Opiskeluoikeus,
    /// Language of instruction of the nearest ancestor that has one.
    language: Option<String>,
    /// Credit schemes that ancestors carry in their own laajuus.
    ancestor_schemes: Vec<String>,
    /// Completion date of the nearest ancestor that has one.
    ancestor_date: Option<Date>,
}

struct ReportBuilder<'m, 'q> {
    quirks: &'q mut super::virta::Quirks,
    rules: &'m KoskiRules,
    oppilaitos: &'m str,
    schemes: BTreeMap<String, GradingScheme>,
    /// How often each (type, code) occurs in the report: `local` ids must be unique per
    /// [type, id] within the issuer, or not be used at all (elmo.md §2.5).
    local_ids: HashMap<(Option<LosType>, String), usize>,
    results: usize,
}

impl<'a, 'm> ReportBuilder<'m, '_> {
    /// Decides a completion's fate by the first matching rule, and its parts' recursively.
    fn plan(
        &self,
        s: &'a Suoritus,
        path: String,
        parent: Option<Option<LosType>>,
        main_level: bool,
        exclusions: &mut Vec<Exclusion>,
    ) -> Result<Option<Node<'a>>, MapError> {
        let tyyppi = s.tyyppi.koodiarvo.as_str();
        let has_parts = !s.osasuoritukset.is_empty();
        let rule = self
            .rules
            .suoritukset
            .iter()
            .find(|r| {
                r.when
                    .tyyppi
                    .as_ref()
                    .is_none_or(|t| t.iter().any(|t| t == tyyppi))
                    && r.when.has_parts.is_none_or(|h| h == has_parts)
                    && r.when.main_level.is_none_or(|m| m == main_level)
            })
            .ok_or_else(|| MapError::NoRule {
                oppilaitos: clean(self.oppilaitos),
                path: path.clone(),
                tyyppi: clean(tyyppi),
            })?;
        if let Some(reason) = &rule.exclude {
            exclusions.push(Exclusion {
                myontaja: clean(self.oppilaitos),
                avain: clean(&s.koulutusmoduuli.tunniste.koodiarvo),
                line: 0,
                reason: reason.clone(),
            });
            return Ok(None);
        }
        let wanted = match rule.los_type.as_deref() {
            Some("Degree Programme") => LosType::DegreeProgramme,
            Some("Module") => LosType::Module,
            Some("Class") => LosType::Class,
            _ => LosType::Course,
        };
        // Types nest Degree Programme > Module > Course > Class and a child is never "higher"
        // than its parent; below a Class nothing has a type (elmo.md §2.5).
        let los_type = match parent {
            None => Some(wanted),
            Some(None | Some(LosType::Class)) => None,
            Some(Some(p)) => Some(wanted.max(p)),
        };
        let mut parts = Vec::with_capacity(s.osasuoritukset.len());
        for (i, part) in s.osasuoritukset.iter().enumerate() {
            let part_path = format!("{path}/osasuoritukset/{i}");
            if let Some(node) = self.plan(part, part_path, Some(los_type), false, exclusions)? {
                parts.push(node);
            }
        }
        Ok(Some(Node {
            suoritus: s,
            los_type,
            main_level,
            parts,
        }))
    }

    fn count_local_ids(&mut self, node: &Node<'_>) {
        let code = node.suoritus.koulutusmoduuli.tunniste.koodiarvo.trim();
        if !code.is_empty() {
            *self
                .local_ids
                .entry((node.los_type, clean(code)))
                .or_insert(0) += 1;
        }
        for part in &node.parts {
            self.count_local_ids(part);
        }
    }

    fn build(&mut self, node: &Node<'a>, ctx: &Context<'a>) -> Result<Los, MapError> {
        let s = node.suoritus;
        let module = &s.koulutusmoduuli;
        let language = s
            .suorituskieli
            .as_ref()
            .and_then(|k| language(&k.koodiarvo, &self.rules.languages.omit))
            .or_else(|| ctx.language.clone());
        let own_credit = self.credit_of(node)?;
        let own_date = completion_date(s, node.main_level);
        let term = self.exam_term(s);

        let mut ancestor_schemes = ctx.ancestor_schemes.clone();
        if let Some((rule, _)) = &own_credit {
            ancestor_schemes.push(rule.scheme.clone());
        }
        let child_ctx = Context {
            study_right: ctx.study_right,
            language: language.clone(),
            ancestor_schemes,
            ancestor_date: own_date.or(ctx.ancestor_date),
        };
        let mut has_part = Vec::with_capacity(node.parts.len());
        for part in &node.parts {
            has_part.push(self.build(part, &child_ctx)?);
        }
        self.results += 1;

        // elmo.md §8 rule 6: a scheme's credits on one level of each root-to-leaf path.
        let credits = match own_credit {
            Some((rule, value)) => {
                let keep = match rule.place.as_str() {
                    "highest" => !ctx.ancestor_schemes.contains(&rule.scheme),
                    _ => !node.parts.iter().any(|p| self.subtree_has(p, &rule.scheme)),
                };
                if keep {
                    vec![Credit {
                        scheme: rule.scheme.clone(),
                        level: None,
                        value: Some(value),
                    }]
                } else {
                    Vec::new()
                }
            }
            None => Vec::new(),
        };

        let (status, scheme_id, label) = self.result(node);
        // A graded result without a date of its own: the exam session's end, else the latest
        // date among its parts, else its parent's (elmo.md §2.6: approximate if unknown).
        let date = own_date
            .or_else(|| term.as_ref().map(|t| t.end))
            .or_else(|| {
                (status != Status::InProgress)
                    .then(|| latest_date(&has_part).or(ctx.ancestor_date))
                    .flatten()
            });
        let start = s
            .alkamispaiva
            .or(if node.main_level {
                ctx.study_right.alkamispaiva
            } else {
                None
            })
            .and_then(|d| to_date(&d));
        let levels = match node.los_type {
            Some(LosType::DegreeProgramme) => self.eqf(s),
            _ => Vec::new(),
        };
        let identifiers = match (&ctx.study_right.oid, node.main_level) {
            (Some(oid), true) if !clean(oid).is_empty() => {
                vec![Identifier::new(
                    &self.rules.identifiers.study_right,
                    clean(oid),
                )]
            }
            _ => Vec::new(),
        };
        let academic_term = match node.los_type {
            Some(LosType::DegreeProgramme) => None,
            _ => term,
        };

        let titles = self.titles(s);
        let descriptions = descriptions(module.kuvaus.as_ref(), &titles);
        Ok(Los {
            identifiers: self.los_identifiers(node),
            titles,
            los_type: node.los_type,
            descriptions,
            specifies: Specifies {
                instance: Loi {
                    identifiers,
                    start,
                    date,
                    academic_term,
                    status: Some(status),
                    grading_scheme_local_id: scheme_id,
                    result_label: label,
                    credits,
                    levels,
                    language_of_instruction: language,
                    ..Default::default()
                },
                ..Default::default()
            },
            has_part,
            ..Default::default()
        })
    }

    /// The completion's own laajuus as (rule, value), when its unit earns credit.
    fn credit_of(
        &mut self,
        node: &Node<'_>,
    ) -> Result<Option<(&'m CreditUnitRule, elmo::Decimal)>, MapError> {
        let Some(laajuus) = &node.suoritus.koulutusmoduuli.laajuus else {
            return Ok(None);
        };
        let Some(rule) = self.rules.credits.get(laajuus.yksikko.koodiarvo.trim()) else {
            return Ok(None);
        };
        // koski.md §4.1: a value of 0 means no laajuus.
        if laajuus.arvo == 0.0 {
            return Ok(None);
        }
        let text = laajuus.arvo_text();
        match text.parse::<elmo::Decimal>() {
            Ok(value) if super::virta::credit_in_range(laajuus.arvo) => Ok(Some((rule, value))),
            // Issue 19: a negative, infinite or absurd extent (1e300) gives no credit, counted,
            // rather than a number the XSD refuses or the loss of the learner.
            _ => {
                super::virta::count(self.quirks, "credit-out-of-range");
                Ok(None)
            }
        }
    }

    fn subtree_has(&self, node: &Node<'_>, scheme: &str) -> bool {
        let own = node
            .suoritus
            .koulutusmoduuli
            .laajuus
            .as_ref()
            .filter(|l| l.arvo > 0.0)
            .and_then(|l| self.rules.credits.get(l.yksikko.koodiarvo.trim()))
            .is_some_and(|r| r.scheme == scheme);
        own || node.parts.iter().any(|p| self.subtree_has(p, scheme))
    }

    /// (status, gradingSchemeLocalId, resultLabel). A main-level completion is complete once it
    /// has a vahvistus, a part once it has an arviointi (koski.md §3.4); the last arviointi
    /// counts, and its `hyväksytty` decides pass or fail.
    fn result(&mut self, node: &Node<'_>) -> (Status, Option<String>, Option<String>) {
        let s = node.suoritus;
        let Some(arviointi) = s.viimeisin_arviointi() else {
            let status = if s.vahvistus.is_some() {
                Status::Passed
            } else {
                Status::InProgress
            };
            return (status, None, None);
        };
        let grade = &arviointi.arvosana;
        let uri = clean(&grade.koodisto_uri);
        let label = clean(&grade.koodiarvo);
        let (id, scheme) = match self.rules.grading_schemes.get(&uri) {
            Some(scheme) => (scheme.local_id.clone(), scheme),
            None => {
                let other = &self.rules.other_grading_scheme;
                let id = token(&other.local_id.replace("{koodistoUri}", &uri));
                (id, other)
            }
        };
        let failed = match arviointi.hyvaksytty {
            Some(passed) => !passed,
            None => scheme.failed.iter().any(|f| f.eq_ignore_ascii_case(&label)),
        };
        self.schemes
            .entry(id.clone())
            .or_insert_with(|| GradingScheme {
                local_id: id.clone(),
                descriptions: lang_texts(&scheme.description, |t| t.replace("{koodistoUri}", &uri)),
            });
        let status = if failed {
            Status::Failed
        } else {
            Status::Passed
        };
        (status, Some(id), (!label.is_empty()).then_some(label))
    }

    /// The academic term of a matriculation exam, from its session (`2012K`: spring 2012).
    fn exam_term(&self, s: &Suoritus) -> Option<AcademicTerm> {
        let kerta = s.tutkintokerta.as_ref()?;
        let code = kerta.koodiarvo.trim();
        let season = code.chars().last()?.to_string();
        let rule = self.rules.exam_terms.get(&season)?;
        let year = match kerta.vuosi {
            Some(y) => y,
            None => code.get(..4)?.parse().ok()?,
        };
        let day = |md: &str| {
            let (m, d) = parse_month_day(md)?;
            Date::new(
                u16::try_from(year).ok()?,
                u8::try_from(m).ok()?,
                u8::try_from(d).ok()?,
            )
            .ok()
        };
        Some(AcademicTerm {
            titles: lang_texts(&rule.title, |t| t.replace("{year}", &year.to_string())),
            start: day(&rule.start)?,
            end: day(&rule.end)?,
        })
    }

    fn eqf(&self, s: &Suoritus) -> Vec<Level> {
        let tunniste = &s.koulutusmoduuli.tunniste;
        let by_code = (tunniste.koodisto_uri.as_deref() == Some("koulutus"))
            .then(|| self.rules.eqf.by_koulutus.get(tunniste.koodiarvo.trim()))
            .flatten();
        by_code
            .or_else(|| self.rules.eqf.by_suoritus.get(&s.tyyppi.koodiarvo))
            .map(|level| {
                vec![Level {
                    kind: "EQF".into(),
                    value: Some(level.clone()),
                    ..Default::default()
                }]
            })
            .unwrap_or_default()
    }

    fn los_identifiers(&self, node: &Node<'_>) -> Vec<Identifier> {
        let tunniste = &node.suoritus.koulutusmoduuli.tunniste;
        let code = clean(&tunniste.koodiarvo);
        if code.is_empty() {
            return Vec::new();
        }
        let ids = &self.rules.identifiers;
        let kind = match &tunniste.koodisto_uri {
            Some(uri) => token(&ids.code.replace("{koodistoUri}", &clean(uri))),
            None => ids.local_code.clone(),
        };
        let mut out = Vec::with_capacity(2);
        if self.local_ids.get(&(node.los_type, code.clone())) == Some(&1) {
            out.push(Identifier::new("local", code.clone()));
        }
        out.push(Identifier::new(kind, code));
        out
    }

    /// Titles in English first: VIRTA's name (HE), the module's own name (local modules), the
    /// code's name, or `code_names`; a language subject adds its language ("Vieraat kielet,
    /// englanti"). Without any name, the code is the (English) title (elmo.md §8 rule 5).
    fn titles(&self, s: &Suoritus) -> Vec<Text> {
        let module = &s.koulutusmoduuli;
        let tunniste = &module.tunniste;
        let named = |l: &Option<LocalizedString>| -> Option<BTreeMap<String, String>> {
            let map = localized(l.as_ref()?);
            (!map.is_empty()).then_some(map)
        };
        let mut names = named(&module.virta_nimi)
            .or_else(|| named(&module.nimi))
            .or_else(|| named(&tunniste.nimi))
            .or_else(|| self.code_name(tunniste.koodisto_uri.as_deref(), &tunniste.koodiarvo))
            .unwrap_or_default();
        if let Some(kieli) = &module.kieli {
            let kieli_names = kieli
                .nimi
                .as_ref()
                .map(localized)
                .filter(|m| !m.is_empty())
                .or_else(|| self.code_name(Some(&kieli.koodisto_uri), &kieli.koodiarvo));
            if let Some(kieli_names) = kieli_names {
                for (lang, name) in names.iter_mut() {
                    if let Some(k) = kieli_names.get(lang) {
                        *name = format!("{name}, {k}");
                    }
                }
            }
        }
        if names.is_empty() {
            let code = clean(&tunniste.koodiarvo);
            let fallback = if code.is_empty() {
                clean(&s.tyyppi.koodiarvo)
            } else {
                code
            };
            let fallback = if fallback.is_empty() {
                "KOSKI suoritus".to_owned()
            } else {
                fallback
            };
            names.insert("en".to_owned(), fallback);
        }
        lang_texts(&names, |t| t.to_owned())
    }

    fn code_name(&self, uri: Option<&str>, code: &str) -> Option<BTreeMap<String, String>> {
        let names = self.rules.code_names.get(uri?)?.get(code.trim())?;
        Some(names.clone())
    }
}

/// Plain-text descriptions from `kuvaus`, leaving out a language whose text only repeats the
/// title (KOSKI local units often carry their name as kuvaus).
fn descriptions(kuvaus: Option<&LocalizedString>, titles: &[Text]) -> Vec<Text> {
    let Some(kuvaus) = kuvaus else {
        return Vec::new();
    };
    let map: BTreeMap<String, String> = localized(kuvaus)
        .into_iter()
        .filter(|(lang, text)| {
            !titles
                .iter()
                .any(|t| t.lang.as_deref() == Some(lang.as_str()) && &t.value == text)
        })
        .collect();
    lang_texts(&map, |t| t.to_owned())
}

fn localized(text: &LocalizedString) -> BTreeMap<String, String> {
    text.texts()
        .map(|(lang, t)| (lang.to_owned(), clean(&strip_tags(t))))
        .filter(|(_, t)| !t.is_empty())
        .collect()
}

/// Completion date (issue 18): a whole (main-level completion) is dated by its confirmation
/// (`vahvistus`), else its assessment; a part by its own latest accepted assessment
/// (`arviointi[].päivä`), else its confirmation. KOSKI copies the qualification's vahvistus onto
/// each vocational unit (2016-05-31), though the unit was assessed earlier (2014-10-20).
fn completion_date(s: &Suoritus, main_level: bool) -> Option<Date> {
    let confirmed = s.vahvistus.as_ref().map(|v| v.paiva);
    let assessed = s
        .arviointi
        .iter()
        .filter(|a| a.hyvaksytty != Some(false))
        .filter_map(|a| a.paiva)
        .max()
        .or_else(|| s.viimeisin_arviointi().and_then(|a| a.paiva));
    let date = if main_level {
        confirmed.or(assessed)
    } else {
        assessed.or(confirmed)
    };
    date.and_then(|d| to_date(&d))
}

fn latest_date(parts: &[Los]) -> Option<Date> {
    parts.iter().filter_map(|p| p.specifies.instance.date).max()
}

fn to_date(pvm: &Pvm) -> Option<Date> {
    pvm.as_str().parse().ok()
}

/// ISO 639-1 from a KOSKI `kieli` code (`FI` → `fi`), or None for codes that are not one
/// language (`omit`) or not two letters.
fn language(code: &str, omit: &[String]) -> Option<String> {
    let code = code.trim();
    let two_letters = code.len() == 2 && code.bytes().all(|b| b.is_ascii_alphabetic());
    (two_letters && !omit.iter().any(|o| o.eq_ignore_ascii_case(code)))
        .then(|| code.to_ascii_lowercase())
}

/// Input text made safe for the document and for reports: trimmed, without characters XML
/// cannot carry, and with identity-code look-alikes redacted (DESIGN.md invariant 5).
fn clean(text: &str) -> String {
    let kept: String = text
        .trim()
        .chars()
        .filter(|&c| {
            matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && !matches!(c, '\u{FFFE}' | '\u{FFFF}'))
        })
        .collect();
    redact(&kept)
}

/// Free text made plain: KOSKI's texts are typed by schools and may carry HTML, which ELMO's
/// plain fields must not (elmo.md §8 rule 11). Tags go; `<br>` and block ends become line breaks.
fn strip_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let name_start = after.strip_prefix('/').unwrap_or(after);
        let is_tag = name_start.starts_with(|c: char| c.is_ascii_alphabetic());
        let end = after
            .find(['>', '<'])
            .filter(|&j| after[j..].starts_with('>'));
        match (is_tag, end) {
            (true, Some(j)) => {
                let name: String = name_start
                    .chars()
                    .take_while(char::is_ascii_alphanumeric)
                    .collect::<String>()
                    .to_ascii_lowercase();
                let closing = after.starts_with('/');
                if name == "br" || (closing && matches!(name.as_str(), "p" | "li" | "div")) {
                    out.push('\n');
                }
                rest = &after[j + 1..];
            }
            _ => {
                out.push('<');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// An `xs:token`-safe id: no whitespace.
fn token(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join("_")
}
