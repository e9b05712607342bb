//! The fixed scenarios: learners 0–11 of every seed each show one documented case, so tests and
//! the embedded default can rely on them (data/recorded/README.md lists which file shows which).

use crate::build::{Builder, DegreeGrades, TODAY};
use crate::career::{Run, run};
use crate::catalogue::{
    COMPUTING, Field, general, institution, open_university_code, variant_names,
};
use crate::date::Date;
use crate::quirks::{Quirk, Quirks};
use crate::record::{Arvosana, Liikkuvuusjakso, Muu, MuuArvosana, Opiskelija};
use crate::rng::Rng;

/// A fixed case shown by one learner index of every generated set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Scenario {
    /// University of Helsinki: bachelor (LuK) and master (FM) degrees, second national language
    /// (ToinenKotimainen TT/HT), master's thesis Tutkielma L, names in fi/sv/en, learner number.
    UniversityBachelorMaster,
    /// Haaga-Helia UAS: Tradenomi (AMK) degree, UAS thesis (Opinnaytetyo, Hankkeistettu), an
    /// internal attainment (Laji 4).
    UasDegree,
    /// University of Helsinki open university: study right Tyyppi 13, courses with Luokittelu 1,
    /// no degree.
    OpenUniversity,
    /// Tampere University: degree in progress (active right, no Laji 1), partial attainments
    /// (Laji 3), a whole `Muu` scale (style b), decimals as `5.000000`, booleans as `1`/`0`.
    DegreeInProgress,
    /// University of Eastern Finland: failed attainments (Tutkielma I; `Muu` HYL), `Muu` styles
    /// (a) and (c), master's thesis Tutkielma M.
    FailedAndMuu,
    /// University of Jyväskylä: recognised attainments (HyvaksilukuPvm, Organisaatio Rooli 3 from
    /// another HEI and from a foreign one, `UK`), public extra info, a mobility period.
    Recognised,
    /// Two institutions: Lahti UAS (historic code 02470) then Aalto (DI, `Nimi` without `kieli`,
    /// Koulutusala opm95opa).
    TwoInstitutions,
    /// LUT: a study right and term registrations only, no attainments (no Opintosuoritukset).
    StudyRightOnly,
    /// Seinäjoki UAS: nursing degree with Naytetyo HYV and KH, qualification (Patevyys); no name,
    /// sex or nationality in the answer.
    NursingNaytetyo,
    /// University of Turku: the Latin thesis scale A, B, N, C, E (Tutkielma), keys with `¤`.
    TutkielmaScale,
    /// Born 2004 with a 2023-style century letter; Metropolia nursing in progress.
    NewCenturyLetter,
    /// Centria UAS: public health nurse degree (240 op), Finnish names only, like fi-ncp's sample.
    PublicHealthNurse,
}

impl Scenario {
    /// Every scenario, in learner-index order.
    pub const ALL: [Scenario; 12] = [
        Scenario::UniversityBachelorMaster,
        Scenario::UasDegree,
        Scenario::OpenUniversity,
        Scenario::DegreeInProgress,
        Scenario::FailedAndMuu,
        Scenario::Recognised,
        Scenario::TwoInstitutions,
        Scenario::StudyRightOnly,
        Scenario::NursingNaytetyo,
        Scenario::TutkielmaScale,
        Scenario::NewCenturyLetter,
        Scenario::PublicHealthNurse,
    ];

    /// The scenario learner `index` shows, if any (indices from `ALL.len()` on are bulk).
    pub fn for_index(index: u64) -> Option<Scenario> {
        Self::ALL.get(usize::try_from(index).ok()?).copied()
    }

    /// The learner index that shows this scenario.
    pub fn index(self) -> u64 {
        Self::ALL.iter().position(|s| *s == self).unwrap_or(0) as u64
    }

    /// A one-line description, for READMEs and reports.
    pub fn describe(self) -> &'static str {
        match self {
            Scenario::UniversityBachelorMaster => {
                "University of Helsinki LuK + FM; ToinenKotimainen TT/HT; Tutkielma L; fi/sv/en names; oppijanumero"
            }
            Scenario::UasDegree => {
                "Haaga-Helia Tradenomi (AMK); UAS thesis (Opinnaytetyo, Hankkeistettu); Laji 4"
            }
            Scenario::OpenUniversity => {
                "Helsinki open university: Opiskeluoikeus Tyyppi 13, Luokittelu 1, no degree"
            }
            Scenario::DegreeInProgress => {
                "Tampere degree in progress (no Laji 1); Laji 3 partials; Muu whole scale (style b); 5.000000 decimals"
            }
            Scenario::FailedAndMuu => {
                "UEF LuK + FM; failed Tutkielma I and Muu HYL; Muu styles a and c; Tutkielma M; EiKaytossa"
            }
            Scenario::Recognised => {
                "Jyväskylä: recognised credits (HyvaksilukuPvm, Rooli 3 from 02504 and UK), JulkinenLisatieto, exchange"
            }
            Scenario::TwoInstitutions => {
                "Lahti UAS 02470 (merged into LAB) Tradenomi, then Aalto DI (Nimi without kieli)"
            }
            Scenario::StudyRightOnly => {
                "LUT study right and registrations only, no Opintosuoritukset section"
            }
            Scenario::NursingNaytetyo => "SeAMK nursing: Naytetyo HYV/KH, Patevyys 12",
            Scenario::TutkielmaScale => {
                "Turku LuK + FM mathematics: Tutkielma A, B, N, C, E; keys with ¤"
            }
            Scenario::NewCenturyLetter => {
                "born 2004, 2023-style century letter; Metropolia nursing in progress"
            }
            Scenario::PublicHealthNurse => {
                "Centria Terveydenhoitaja (AMK) 240 op, Finnish-only names, Patevyys 13"
            }
        }
    }

    /// Birth dates that fit the scenario's timeline.
    pub(crate) fn birth(self, rng: &mut Rng) -> Date {
        let year = match self {
            Scenario::UniversityBachelorMaster => 1995,
            Scenario::UasDegree => 1996,
            Scenario::OpenUniversity => 1982,
            Scenario::DegreeInProgress => 2002,
            // A mature student: 2004 studies in study weeks before the 2011 bachelor's.
            Scenario::FailedAndMuu => 1981,
            Scenario::Recognised => 1998,
            Scenario::TwoInstitutions => 1989,
            Scenario::StudyRightOnly => 2001,
            Scenario::NursingNaytetyo => 1997,
            Scenario::TutkielmaScale => 1994,
            Scenario::NewCenturyLetter => 2004,
            Scenario::PublicHealthNurse => 1992,
        };
        Date::ymd(year, 1, 1).plus(rng.below(365) as i32)
    }

    /// Century marker style (0 = classic).
    pub(crate) fn marker_style(self, rng: &mut Rng) -> usize {
        if self == Scenario::NewCenturyLetter {
            rng.range(1, 5) as usize
        } else {
            0
        }
    }

    /// The real-data quirks this scenario always shows, whatever the command line asks
    /// (data/recorded/README.md). Recognised credit is built into [`Scenario::Recognised`]
    /// itself.
    pub fn quirks(self) -> Quirks {
        Quirks::of(match self {
            Scenario::UasDegree => &[Quirk::NoLaajuus],
            Scenario::FailedAndMuu => &[Quirk::OpintoviikkoOnly, Quirk::EmptyMuuScale],
            Scenario::TwoInstitutions => &[Quirk::MergedCopy, Quirk::TwoOids],
            Scenario::NursingNaytetyo => &[Quirk::NoAlkuPvm],
            Scenario::NewCenturyLetter => &[Quirk::NoNamespace],
            Scenario::PublicHealthNurse => &[Quirk::DuplicateNimi, Quirk::UnlinkedDegree],
            _ => &[],
        })
    }

    /// Whether the answer carries a learner number.
    pub(crate) fn has_oppijanumero(self) -> bool {
        matches!(
            self,
            Scenario::UniversityBachelorMaster | Scenario::Recognised | Scenario::PublicHealthNurse
        )
    }

    /// Builds the scenario's institutions.
    pub(crate) fn build(self, rng: &mut Rng) -> Vec<Opiskelija> {
        match self {
            Scenario::UniversityBachelorMaster => {
                let mut b = Builder::new(rng, institution("01901"));
                let g = DegreeGrades {
                    thesis: Some(Arvosana::Tutkielma("L")),
                    degree: None,
                };
                bachelor_master(
                    &mut b,
                    2014,
                    Date::ymd(2017, 5, 31),
                    Date::ymd(2019, 6, 14),
                    DegreeGrades::default(),
                    g,
                );
                vec![b.o]
            }
            Scenario::UasDegree => {
                let mut b = Builder::new(rng, institution("10056"));
                let p = b.programme(0);
                let out = run(
                    &mut b,
                    Run::new(p, Date::ymd(2016, 8, 1), Date::ymd(2020, 5, 29)),
                );
                let mut hops = b.record(
                    Field::General,
                    general::STUDY_PLAN,
                    10,
                    Date::ymd(2016, 10, 14),
                    Some(&out.right),
                );
                hops.laji = "4";
                hops.arvosana = Arvosana::Hyvaksytty;
                b.push(hops);
                vec![b.o]
            }
            Scenario::OpenUniversity => {
                let mut b = Builder::new(rng, institution("01901"));
                let p = b.programme(0);
                let right = b.study_right(
                    p,
                    "13",
                    Date::ymd(2022, 1, 10),
                    crate::build::RightEnd::Active,
                    None,
                    false,
                );
                for (i, t) in COMPUTING.iter().take(5).enumerate() {
                    let date = Date::ymd(2022, 3, 4).plus(i as i32 * 97);
                    let code = open_university_code(i);
                    let mut r = b.record_named(
                        code,
                        &variant_names(&t.names, 0),
                        t.ohjausala,
                        t.credits * 10,
                        date,
                        Some(&right),
                    );
                    r.luokittelu = vec!["1"];
                    if i % 2 == 1 {
                        // virta.md §5: some courses have only a Finnish name.
                        r.nimet.truncate(1);
                    }
                    b.push(r);
                }
                vec![b.o]
            }
            Scenario::DegreeInProgress => {
                let mut b = Builder::new(rng, institution("10122"));
                let programmes = b.inst.programmes;
                let (bsc, msc) = (&programmes[0], &programmes[1]);
                let start = Date::ymd(2022, 8, 1);
                let out = run(&mut b, Run::new(bsc, start, Date::ymd(2027, 5, 31)));
                let mut master = Run::new(msc, start, Date::ymd(2029, 5, 31));
                master.courses_from = Date::ymd(2027, 6, 1);
                master.linked = Some(&out.right);
                run(&mut b, master);
                // virta.md §3.5: Laji 3 = parts sent while the parent is unfinished.
                for (i, day) in [(1, Date::ymd(2025, 11, 20)), (2, Date::ymd(2026, 3, 12))] {
                    let mut r =
                        b.record(Field::General, general::LAB_PART, 20, day, Some(&out.right));
                    r.laji = "3";
                    r.nimet
                        .iter_mut()
                        .for_each(|(_, n)| n.push_str(&format!(", osa {i}")));
                    b.push(r);
                }
                let mut r = b.record(
                    Field::Computing,
                    23,
                    50,
                    Date::ymd(2025, 5, 28),
                    Some(&out.right),
                );
                r.arvosana = Arvosana::Muu(Muu::WholeScale {
                    asteikko: "sis-maisteri-maine",
                    nimi: "Hylätty-Hyväksytty-Oivallisesti",
                    arvosanat: TAMPERE_SCALE,
                    koodi: "2",
                });
                b.push(r);
                vec![b.o]
            }
            Scenario::FailedAndMuu => {
                let mut b = Builder::new(rng, institution("10088"));
                let gb = DegreeGrades {
                    thesis: None,
                    degree: Some(Arvosana::EiKaytossa),
                };
                let gm = DegreeGrades {
                    thesis: Some(Arvosana::Tutkielma("M")),
                    degree: Some(Arvosana::EiKaytossa),
                };
                let (bsc, _) = bachelor_master(
                    &mut b,
                    2011,
                    Date::ymd(2014, 12, 19),
                    Date::ymd(2017, 5, 31),
                    gb,
                    gm,
                );
                // The first version of the master's thesis, failed (virta.md §3.4: I = improbatur).
                let mut failed = b.record(
                    Field::General,
                    general::MASTER_THESIS,
                    300,
                    Date::ymd(2016, 10, 14),
                    Some(&bsc),
                );
                failed.arvosana = Arvosana::Tutkielma("I");
                failed.opinnaytetyo = Some(true);
                b.push(failed);
                let uef = |arvosana_avain: &str, koodi| {
                    Arvosana::Muu(Muu::NameAndAwarded {
                        asteikko: "11",
                        nimi: "HYL-HYV",
                        arvosana_avain: arvosana_avain.to_owned(),
                        koodi,
                        arvosana_nimi: None,
                    })
                };
                let mut passed =
                    b.record(Field::Computing, 16, 50, Date::ymd(2013, 5, 17), Some(&bsc));
                passed.arvosana = uef("10979859", "HYV");
                b.push(passed);
                let mut hyl = b.record(
                    Field::Computing,
                    18,
                    50,
                    Date::ymd(2013, 12, 13),
                    Some(&bsc),
                );
                hyl.arvosana = uef("10979858", "HYL");
                b.push(hyl);
                let mut bare =
                    b.record(Field::Mathematics, 9, 30, Date::ymd(2014, 3, 7), Some(&bsc));
                bare.arvosana = Arvosana::Muu(Muu::Bare {
                    asteikko: "11",
                    koodi: "10979861".to_owned(),
                });
                b.push(bare);
                // Studies of 2004 at Helsinki, in study weeks, recognised into the bachelor's
                // (quirk opintoviikko-only: 3 ov, no Opintopiste).
                let mut old = b.record(Field::Computing, 0, 45, Date::ymd(2004, 5, 14), None);
                old.organisaatiot = vec![("3", "01901")];
                old.hyvaksiluku_pvm = Some(Date::ymd(2011, 10, 3));
                b.push(old);
                vec![b.o]
            }
            Scenario::Recognised => {
                let mut b = Builder::new(rng, institution("01906"));
                let programmes = b.inst.programmes;
                let (bsc, msc) = (&programmes[0], &programmes[1]);
                let start = Date::ymd(2017, 8, 1);
                let mut from_jamk = b.record(Field::Computing, 0, 50, Date::ymd(2016, 5, 20), None);
                from_jamk.organisaatiot = vec![("3", "02504")];
                from_jamk.hyvaksiluku_pvm = Some(Date::ymd(2017, 9, 15));
                let mut abroad = b.record(Field::Mathematics, 11, 75, Date::ymd(2019, 5, 31), None);
                abroad.organisaatiot = vec![("3", "UK")];
                abroad.hyvaksiluku_pvm = Some(Date::ymd(2019, 9, 10));
                abroad.kieli = Some("en");
                abroad.arvosana = Arvosana::Hyvaksytty;
                abroad.julkinen_lisatieto = vec![
                    (
                        Some("fi"),
                        "Suoritettu vaihto-opiskelijana Uppsalan yliopistossa.",
                    ),
                    (
                        Some("en"),
                        "Completed as an exchange student at Uppsala University.",
                    ),
                ];
                let mut bachelor = Run::new(bsc, start, Date::ymd(2020, 12, 18));
                bachelor.extras = vec![from_jamk, abroad];
                let out = run(&mut b, bachelor);
                b.o.liikkuvuusjaksot.push(Liikkuvuusjakso {
                    avain: format!("{}-vaihto-1", b.o.avain),
                    opiskeluoikeus_avain: out.right.clone(),
                    myontaja: b.inst.code,
                    alku_pvm: Date::ymd(2019, 1, 14),
                    loppu_pvm: Date::ymd(2019, 6, 7),
                    maa: "752",
                });
                let mut master = Run::new(msc, start, Date::ymd(2027, 5, 31));
                master.courses_from = Date::ymd(2021, 1, 1);
                master.linked = Some(&out.right);
                run(&mut b, master);
                vec![b.o]
            }
            Scenario::TwoInstitutions => {
                let mut lahti = Builder::new(rng, institution("02470"));
                let p = lahti.programme(0);
                run(
                    &mut lahti,
                    Run::new(p, Date::ymd(2009, 8, 1), Date::ymd(2013, 5, 31)),
                );
                let first = lahti.o;
                let mut aalto = Builder::new(rng, institution("10076"));
                let p = aalto.programme(0);
                run(
                    &mut aalto,
                    Run::new(p, Date::ymd(2014, 8, 1), Date::ymd(2016, 12, 16)),
                );
                vec![first, aalto.o]
            }
            Scenario::StudyRightOnly => {
                let mut b = Builder::new(rng, institution("01914"));
                let p = b.programme(0);
                b.study_right(
                    p,
                    p.tyyppi,
                    Date::ymd(2025, 8, 1),
                    crate::build::RightEnd::Active,
                    None,
                    true,
                );
                vec![b.o]
            }
            Scenario::NursingNaytetyo => {
                let mut b = Builder::new(rng, institution("02472"));
                let p = b.programme(0);
                let mut clinical = Run::new(p, Date::ymd(2017, 8, 1), Date::ymd(2021, 1, 29));
                for (variant_topic, grade, day) in [
                    (4, "KH", Date::ymd(2019, 4, 26)),
                    (12, "HYV", Date::ymd(2020, 3, 20)),
                ] {
                    let mut r = b.record(Field::Health, variant_topic, 100, day, None);
                    r.arvosana = Arvosana::Naytetyo(grade);
                    clinical.extras.push(r);
                }
                let out = run(&mut b, clinical);
                for r in
                    b.o.suoritukset
                        .iter_mut()
                        .filter(|r| r.opiskeluoikeus_avain.is_none())
                {
                    r.opiskeluoikeus_avain = Some(out.right.clone());
                }
                vec![b.o]
            }
            Scenario::TutkielmaScale => {
                let mut b = Builder::new(rng, institution("10089"));
                let programmes = b.inst.programmes;
                let (bsc, msc) = (&programmes[0], &programmes[1]);
                let start = Date::ymd(2013, 8, 1);
                let mut bachelor = Run::new(bsc, start, Date::ymd(2016, 5, 31));
                bachelor.grades.thesis = Some(Arvosana::Tutkielma("C"));
                for (grade, day) in [
                    ("A", Date::ymd(2014, 12, 12)),
                    ("B", Date::ymd(2015, 5, 22)),
                ] {
                    let mut r = b.record(Field::General, general::PROSEMINAR, 50, day, None);
                    r.arvosana = Arvosana::Tutkielma(grade);
                    bachelor.extras.push(r);
                }
                let out = run(&mut b, bachelor);
                let mut master = Run::new(msc, start, Date::ymd(2018, 12, 14));
                master.courses_from = Date::ymd(2016, 6, 1);
                master.linked = Some(&out.right);
                master.grades.thesis = Some(Arvosana::Tutkielma("E"));
                let mut seminar = b.record(
                    Field::General,
                    general::SEMINAR,
                    50,
                    Date::ymd(2018, 4, 27),
                    None,
                );
                seminar.arvosana = Arvosana::Tutkielma("N");
                master.extras.push(seminar);
                run(&mut b, master);
                vec![b.o]
            }
            Scenario::NewCenturyLetter => {
                let mut b = Builder::new(rng, institution("10065"));
                let p = b.programme(0);
                run(
                    &mut b,
                    Run::new(p, Date::ymd(2023, 8, 1), Date::ymd(2027, 5, 28)),
                );
                vec![b.o]
            }
            Scenario::PublicHealthNurse => {
                let mut b = Builder::new(rng, institution("02536"));
                let p = b.programme(0);
                run(
                    &mut b,
                    Run::new(p, Date::ymd(2014, 8, 1), Date::ymd(2018, 5, 31)),
                );
                vec![b.o]
            }
        }
    }
}

/// Tampere's whole degree scale as seen in the KOSKI mocks (virta.md §3.4 style b).
const TAMPERE_SCALE: &[MuuArvosana] = &[
    MuuArvosana {
        avain: "0",
        koodi: "0",
        nimi: "Hylätty",
        arvo: "0",
    },
    MuuArvosana {
        avain: "1",
        koodi: "1",
        nimi: "Hyväksytty",
        arvo: "1",
    },
    MuuArvosana {
        avain: "2",
        koodi: "2",
        nimi: "Oivallisesti",
        arvo: "2",
    },
];

/// A university bachelor's and master's degree at the builder's institution, starting in August of
/// `year`, the master's right granted with the bachelor's (linked by Liittyvyys). Returns the two
/// study rights' keys.
pub(crate) fn bachelor_master(
    b: &mut Builder<'_>,
    year: i32,
    bachelor_end: Date,
    master_end: Date,
    bachelor_grades: DegreeGrades,
    master_grades: DegreeGrades,
) -> (String, String) {
    let programmes = b.inst.programmes;
    let (bsc, msc) = (&programmes[0], &programmes[1]);
    let start = Date::ymd(year, 8, 1);
    let mut bachelor = Run::new(bsc, start, bachelor_end);
    bachelor.grades = bachelor_grades;
    let out = run(b, bachelor);
    let mut master = Run::new(msc, start, master_end);
    master.courses_from = bachelor_end.plus(1).min(TODAY);
    master.linked = Some(&out.right);
    master.grades = master_grades;
    let m = run(b, master);
    (out.right, m.right)
}
