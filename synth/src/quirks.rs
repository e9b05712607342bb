//! Real-data quirks the generator can put into a learner (virta.md §2.7–2.9, §9), each one a
//! switch: the fixed scenarios carry some always ([`Scenario::quirks`](crate::Scenario::quirks)),
//! random learners only when asked (`--quirk NAME`, each applied to `--quirk-percent` of them).
//! The pipeline reads every one of them by a documented rule.

use crate::catalogue::{INSTITUTIONS, Institution, KeyStyle, NameStyle, Sector};
use crate::date::Date;
use crate::person::oppijanumero;
use crate::record::{Arvosana, Laajuus, LearnerRecord, Muu, Opiskelija};
use crate::rng::Rng;

/// One quirk of real VIRTA answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
#[non_exhaustive]
pub enum Quirk {
    /// An attainment (Opintosuoritus) without Laajuus: an internal one (Laji 4) if there is one.
    NoLaajuus,
    /// A pre-2005 attainment whose Laajuus has Opintoviikko (study weeks) only.
    OpintoviikkoOnly,
    /// A study right (Opiskeluoikeus) without AlkuPvm: its start is only in its first Tila.
    NoAlkuPvm,
    /// The whole answer is a bare `Virta` root in no XML namespace, without the SOAP envelope.
    NoNamespace,
    /// An attainment with two Nimi of the same kieli (an old name kept beside the new one).
    DuplicateNimi,
    /// Lahti UAS (02470) records re-reported under its successor LAB (10126, merged
    /// 2020-01-01): the same avain, date, credits, grade and names under both codes.
    MergedCopy,
    /// A degree (Laji 1) without Sisaltyvyys; its courses share its opiskeluoikeusAvain.
    UnlinkedDegree,
    /// A `Muu` grade with an empty `<Asteikko avain="11"/>` and an internal key as Koodi, the
    /// key resolved by the same institution's scale sent in another attainment
    /// (AsteikkoArvosana with Koodi HYV and Nimi Hyväksytty).
    EmptyMuuScale,
    /// Two institutions report different KansallinenOppijanumero for the same person.
    TwoOids,
    /// Recognised credit: HyvaksilukuPvm and an Organisaatio with Rooli 3 (where it was done).
    Recognised,
}

impl Quirk {
    /// Every quirk, in the order they are applied.
    pub const ALL: [Quirk; 10] = [
        Quirk::NoLaajuus,
        Quirk::OpintoviikkoOnly,
        Quirk::NoAlkuPvm,
        Quirk::NoNamespace,
        Quirk::DuplicateNimi,
        Quirk::MergedCopy,
        Quirk::UnlinkedDegree,
        Quirk::EmptyMuuScale,
        Quirk::TwoOids,
        Quirk::Recognised,
    ];

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// A set of quirks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Quirks(u16);

impl Quirks {
    /// No quirk: the default for random learners.
    pub const NONE: Quirks = Quirks(0);

    /// The set of `quirks`.
    pub fn of(quirks: &[Quirk]) -> Quirks {
        Quirks(quirks.iter().fold(0, |bits, q| bits | q.bit()))
    }

    /// Whether `q` is in the set.
    pub fn contains(self, q: Quirk) -> bool {
        self.0 & q.bit() != 0
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The quirks of the set, in [`Quirk::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Quirk> {
        Quirk::ALL.into_iter().filter(move |q| self.contains(*q))
    }
}

/// The date Lahti UAS merged into LAB (mappings/institutions.yaml).
const MERGER: Date = Date::ymd(2020, 1, 1);

/// LAB University of Applied Sciences, Lahti UAS's successor. Not in [`INSTITUTIONS`]: nobody
/// studies there in the generator, it only re-reports Lahti's records.
static LAB: Institution = Institution {
    code: "10126",
    sector: Sector::Uas,
    kunta: "398",
    keys: KeyStyle::Underscored,
    names: NameStyle::FiOnly,
    long_decimals: false,
    numeric_booleans: true,
    koulutusala: Some(("opmala", "3")),
    course_code: |_, n| format!("LAB-{n:03}"),
    programmes: &[],
};

/// The Nimi suffix of an old name, per language.
fn old_name(kieli: &str) -> &'static str {
    match kieli {
        "sv" => " (gammalt namn)",
        "en" => " (old name)",
        _ => " (vanha nimi)",
    }
}

/// Puts `quirks` into the learner. `rng` is the learner's quirk stream, apart from the one the
/// learner was built with, so switching a quirk on leaves the rest of the learner as it was.
pub(crate) fn apply(quirks: Quirks, l: &mut LearnerRecord, rng: &mut Rng) {
    for q in quirks.iter() {
        match q {
            Quirk::NoLaajuus => no_laajuus(l),
            Quirk::OpintoviikkoOnly => {
                if let Some(s) = l
                    .opiskelijat
                    .iter_mut()
                    .flat_map(|o| o.suoritukset.iter_mut())
                    .find(|s| s.opintoviikko.is_some())
                {
                    s.laajuus = Laajuus::OpintoviikkoOnly;
                }
            }
            Quirk::NoAlkuPvm => {
                if let Some(r) = l
                    .opiskelijat
                    .iter_mut()
                    .flat_map(|o| o.opiskeluoikeudet.iter_mut())
                    .next()
                {
                    r.no_alku_pvm = true;
                }
            }
            Quirk::NoNamespace => l.no_namespace = true,
            Quirk::DuplicateNimi => duplicate_nimi(l),
            Quirk::MergedCopy => merged_copy(l),
            Quirk::UnlinkedDegree => {
                if let Some(s) = l
                    .opiskelijat
                    .iter_mut()
                    .flat_map(|o| o.suoritukset.iter_mut())
                    .find(|s| s.laji == "1")
                {
                    s.sisaltyvyys.clear();
                }
            }
            Quirk::EmptyMuuScale => empty_muu_scale(l, rng),
            Quirk::TwoOids => two_oids(l, rng),
            Quirk::Recognised => recognised(l, rng),
        }
    }
}

fn no_laajuus(l: &mut LearnerRecord) {
    let all = || l.opiskelijat.iter().flat_map(|o| o.suoritukset.iter());
    // A module with its parts, as in the real answer where one module without an extent cost a
    // learner 81 results; else any result that is mapped (a Laji 4 one is excluded anyway).
    let target = all()
        .position(|s| s.laji == "2" && !s.sisaltyvyys.is_empty())
        .or_else(|| all().position(|s| s.laji == "2"));
    if let Some(i) = target
        && let Some(s) = l
            .opiskelijat
            .iter_mut()
            .flat_map(|o| o.suoritukset.iter_mut())
            .nth(i)
    {
        s.laajuus = Laajuus::Missing;
    }
}

fn duplicate_nimi(l: &mut LearnerRecord) {
    let Some(s) = l
        .opiskelijat
        .iter_mut()
        .flat_map(|o| o.suoritukset.iter_mut())
        .find(|s| s.laji == "2" && s.nimet.iter().any(|(k, _)| k.is_some()))
    else {
        return;
    };
    if let Some(i) = s.nimet.iter().position(|(k, _)| k.is_some())
        && let (Some(kieli), nimi) = s.nimet[i].clone()
    {
        s.nimet
            .insert(i + 1, (Some(kieli), format!("{nimi}{}", old_name(kieli))));
    }
}

/// Lahti's attainments dated before the merger, again under LAB's code, in an `Opiskelija` of
/// LAB's right after Lahti's, under the same student key (LAB took over Lahti's register).
fn merged_copy(l: &mut LearnerRecord) {
    let Some(i) = l
        .opiskelijat
        .iter()
        .position(|o| o.institution.code == "02470")
    else {
        return;
    };
    let lahti = &l.opiskelijat[i];
    let suoritukset = lahti
        .suoritukset
        .iter()
        .filter(|s| s.suoritus_pvm < MERGER)
        .map(|s| {
            let mut copy = s.clone();
            copy.myontaja = LAB.code;
            copy
        })
        .collect();
    let copy = Opiskelija {
        institution: &LAB,
        avain: lahti.avain.clone(),
        oppijanumero: lahti.oppijanumero.clone(),
        opiskeluoikeudet: Vec::new(),
        ilmoittautumiset: Vec::new(),
        suoritukset,
        liikkuvuusjaksot: Vec::new(),
    };
    l.opiskelijat.insert(i + 1, copy);
}

/// One attainment graded on the institution's own pass scale with the grade's name, and a
/// second whose scale arrives empty, only the first one's grade key as its Koodi.
fn empty_muu_scale(l: &mut LearnerRecord, rng: &mut Rng) {
    let Some(o) = l.opiskelijat.first_mut() else {
        return;
    };
    let named = o.suoritukset.iter().position(|s| {
        matches!(
            &s.arvosana,
            Arvosana::Muu(Muu::NameAndAwarded { koodi: "HYV", .. })
        )
    });
    let named = match named {
        Some(i) => i,
        None => {
            let Some(i) = o.suoritukset.iter().position(|s| s.laji == "2") else {
                return;
            };
            o.suoritukset[i].arvosana = Arvosana::Muu(Muu::NameAndAwarded {
                asteikko: "11",
                nimi: "HYL-HYV",
                arvosana_avain: (10_000_000 + rng.below(89_999_999)).to_string(),
                koodi: "HYV",
                arvosana_nimi: None,
            });
            i
        }
    };
    let Arvosana::Muu(Muu::NameAndAwarded {
        asteikko,
        arvosana_avain,
        arvosana_nimi,
        ..
    }) = &mut o.suoritukset[named].arvosana
    else {
        return;
    };
    *arvosana_nimi = Some("Hyväksytty");
    let bare = Arvosana::Muu(Muu::Bare {
        asteikko,
        koodi: arvosana_avain.clone(),
    });
    if let Some(s) = o.suoritukset.iter_mut().find(|s| {
        s.laji == "2"
            && matches!(
                s.arvosana,
                Arvosana::Viisiportainen(_) | Arvosana::Hyvaksytty
            )
    }) {
        s.arvosana = bare;
    }
}

/// The learner's number on every institution but the last, another one on the last.
fn two_oids(l: &mut LearnerRecord, rng: &mut Rng) {
    if l.opiskelijat.len() < 2 {
        return;
    }
    let first = match &l.oppijanumero {
        Some(oid) => oid.clone(),
        None => {
            let oid = oppijanumero(rng);
            l.oppijanumero = Some(oid.clone());
            oid
        }
    };
    let second = oppijanumero(rng);
    let last = l.opiskelijat.len() - 1;
    for (i, o) in l.opiskelijat.iter_mut().enumerate() {
        o.oppijanumero = Some(if i == last {
            second.clone()
        } else {
            first.clone()
        });
    }
}

/// A course of the learner's first institution recognised from another one.
fn recognised(l: &mut LearnerRecord, rng: &mut Rng) {
    let Some(o) = l.opiskelijat.first_mut() else {
        return;
    };
    let code = o.institution.code;
    let Some(s) = o
        .suoritukset
        .iter_mut()
        .find(|s| s.laji == "2" && s.organisaatiot.is_empty() && s.hyvaksiluku_pvm.is_none())
    else {
        return;
    };
    let mut from = INSTITUTIONS[rng.below(INSTITUTIONS.len() as u64) as usize].code;
    if from == code {
        from = INSTITUTIONS[(INSTITUTIONS
            .iter()
            .position(|i| i.code == code)
            .unwrap_or(0)
            + 1)
            % INSTITUTIONS.len()]
        .code;
    }
    s.organisaatiot = vec![("3", from)];
    s.hyvaksiluku_pvm = Some(s.suoritus_pvm.plus(rng.range(20, 200) as i32));
}
