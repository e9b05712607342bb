//! Builds one institution's part of a learner (one `Opiskelija`): study rights, term
//! registrations and attainments nested degree > modules > courses, with credits that add up
//! (virta.md §3.5: the degree's Sisaltyvyys credits sum to the degree's credits).

use crate::catalogue::{
    Field, Institution, KeyStyle, MODULES_UAS, MODULES_UNIVERSITY, NameStyle, Names, Programme,
    Sector, general, variant_names,
};
use crate::date::Date;
use crate::record::{
    Arvosana, Ilmoittautuminen, Laajuus, Opintosuoritus, Opiskelija, Opiskeluoikeus, Tenths,
};
use crate::rng::Rng;

/// The day the synthetic world stands still: nothing is dated after it. Fixed, so output never
/// depends on the clock.
pub(crate) const TODAY: Date = Date::ymd(2026, 6, 30);

/// Study points before 1 August 2005 were also counted in the old unit, opintoviikko (1 ov = 1.5 op).
const ECTS_REFORM: Date = Date::ymd(2005, 8, 1);

/// How a study right ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RightEnd {
    /// Graduated (Tila 3) on this date.
    Graduated(Date),
    /// Still active (Tila 1), no end date.
    Active,
    /// Gave up (Tila 5) on this date.
    GaveUp(Date),
}

/// Grades a scenario wants on a degree's special parts; `None` lets the generator choose.
#[derive(Debug, Clone, Default)]
pub(crate) struct DegreeGrades {
    pub thesis: Option<Arvosana>,
    pub degree: Option<Arvosana>,
}

/// One planned attainment, dated, not yet given a key.
#[derive(Debug, Clone)]
struct Planned {
    record: Opintosuoritus,
}

/// A planned module: its courses and the module record itself.
#[derive(Debug)]
struct PlannedModule {
    courses: Vec<Planned>,
    module: Planned,
}

/// Builds one `Opiskelija`.
pub(crate) struct Builder<'r> {
    pub rng: &'r mut Rng,
    pub inst: &'static Institution,
    counter: u64,
    person_no: u64,
    /// Next variant per (field, topic) so a course is never taken twice at one institution.
    used: Vec<(Field, usize)>,
    pub o: Opiskelija,
}

impl<'r> Builder<'r> {
    pub(crate) fn new(rng: &'r mut Rng, inst: &'static Institution) -> Self {
        let person_no = 100_000 + rng.below(900_000);
        let counter = match inst.keys {
            KeyStyle::Numeric => 1_100_000_000 + rng.below(800_000_000),
            _ => 10_000 + rng.below(80_000),
        };
        let avain = match inst.keys {
            KeyStyle::Numeric => (counter - 1).to_string(),
            KeyStyle::Sisu(p) => format!("{p}-hlo-{person_no}"),
            KeyStyle::KPrefixed => format!("H{person_no}"),
            KeyStyle::Underscored => format!("{}_{person_no}", inst.code),
            KeyStyle::Currency => format!("TY¤{person_no}"),
        };
        let o = Opiskelija {
            institution: inst,
            avain,
            oppijanumero: None,
            opiskeluoikeudet: Vec::new(),
            ilmoittautumiset: Vec::new(),
            suoritukset: Vec::new(),
            liikkuvuusjaksot: Vec::new(),
        };
        Builder {
            rng,
            inst,
            counter,
            person_no,
            used: Vec::new(),
            o,
        }
    }

    /// The institution's `i`th programme.
    pub(crate) fn programme(&self, i: usize) -> &'static Programme {
        let inst: &'static Institution = self.inst;
        &inst.programmes[i.min(inst.programmes.len() - 1)]
    }

    /// A fresh key in the institution's style (virta.md §2.9: key formats differ per SIS).
    fn key(&mut self, kind: &str) -> String {
        self.counter += 1 + self.rng.below(40);
        let n = self.counter;
        match self.inst.keys {
            KeyStyle::Numeric => n.to_string(),
            KeyStyle::Sisu(p) => format!("{p}-{kind}-{n}"),
            KeyStyle::KPrefixed => format!("K{n:06}"),
            KeyStyle::Underscored => format!("{}_{}_{n}_1", self.inst.code, self.person_no),
            KeyStyle::Currency => format!("TY¤{}¤{n}¤Y", self.person_no),
        }
    }

    /// Adds a study right and its term registrations; returns its key.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn study_right(
        &mut self,
        p: &Programme,
        tyyppi: &'static str,
        start: Date,
        end: RightEnd,
        liittyvyys: Option<String>,
        registrations: bool,
    ) -> String {
        let avain = self.key("opinoik");
        let (loppu, tilat) = match end {
            RightEnd::Graduated(d) => (
                Some(d),
                vec![(start, Some(d.plus(-1)), "1"), (d, None, "3")],
            ),
            RightEnd::GaveUp(d) => (
                Some(d),
                vec![(start, Some(d.plus(-1)), "1"), (d, None, "5")],
            ),
            RightEnd::Active => (None, vec![(start, None, "1")]),
        };
        let open_studies = tyyppi == "13";
        let koulutusala = match self.inst.koulutusala {
            Some((versio, koodi)) => Some((versio, koodi)),
            None if self.rng.chance(50) => Some(("ohjausala", p.field.topics()[0].ohjausala)),
            None => None,
        };
        self.o.opiskeluoikeudet.push(Opiskeluoikeus {
            avain: avain.clone(),
            alku_pvm: start,
            no_alku_pvm: false,
            loppu_pvm: loppu,
            tilat,
            tyyppi,
            myontaja: self.inst.code,
            koulutusmoduulitunniste: if open_studies {
                "AVOIN".to_owned()
            } else {
                p.code.to_owned()
            },
            koulutuskoodi: (!open_studies).then_some(p.koulutuskoodi),
            koulutuskunta: self.inst.kunta,
            koulutuskieli: "fi",
            jakso_luokittelu: None,
            koulutusala: if open_studies { None } else { koulutusala },
            liittyvyys,
            laajuus: (!open_studies).then_some(p.credits * 10),
        });
        if registrations {
            let until = match end {
                RightEnd::Graduated(d) | RightEnd::GaveUp(d) => d,
                RightEnd::Active => TODAY,
            };
            self.registrations(&avain, start, until);
        }
        avain
    }

    /// LukukausiIlmoittautuminen per term from `from` to `to` (autumn 08-01…12-31, spring
    /// 01-01…07-31, virta.md §3.7).
    pub(crate) fn registrations(&mut self, right: &str, from: Date, to: Date) {
        let (mut y, _, _) = from.civil();
        let mut autumn = from.civil().1 >= 8;
        loop {
            let (alku, loppu) = if autumn {
                (Date::ymd(y, 8, 1), Date::ymd(y, 12, 31))
            } else {
                (Date::ymd(y, 1, 1), Date::ymd(y, 7, 31))
            };
            if alku > to {
                break;
            }
            let tila = if self.rng.chance(7) { "2" } else { "1" };
            let uni = self.inst.sector == Sector::University;
            self.o.ilmoittautumiset.push(Ilmoittautuminen {
                opiskeluoikeus_avain: right.to_owned(),
                myontaja: self.inst.code,
                tila,
                ilmoittautumis_pvm: alku.plus(-(self.rng.range(10, 70) as i32)),
                alku_pvm: alku,
                loppu_pvm: loppu,
                ylioppilaskunta_jasen: uni.then_some(tila == "1"),
            });
            if autumn {
                y += 1;
            }
            autumn = !autumn;
        }
    }

    /// `Nimi` elements in the institution's style.
    fn nimet(&mut self, names: &[String; 3]) -> Vec<(Option<&'static str>, String)> {
        match self.inst.names {
            NameStyle::FiSvEn => vec![
                (Some("fi"), names[0].clone()),
                (Some("sv"), names[1].clone()),
                (Some("en"), names[2].clone()),
            ],
            NameStyle::FiEn => vec![
                (Some("fi"), names[0].clone()),
                (Some("en"), names[2].clone()),
            ],
            NameStyle::FiOnly => vec![(Some("fi"), names[0].clone())],
            NameStyle::NoLang => vec![(None, names[2].clone())],
        }
    }

    /// A course grade, mostly 3–5 (virta.md §5: mostly Viisiportainen, some HYV).
    pub(crate) fn grade(&mut self) -> Arvosana {
        let g = self.rng.below(100);
        Arvosana::Viisiportainen(match g {
            0..4 => "1",
            4..14 => "2",
            14..38 => "3",
            38..68 => "4",
            68..94 => "5",
            _ => "HYV",
        })
    }

    /// A bare attainment record of a topic; callers adjust grade, credits, dates.
    pub(crate) fn record(
        &mut self,
        field: Field,
        topic: usize,
        credits: Tenths,
        date: Date,
        right: Option<&str>,
    ) -> Opintosuoritus {
        let variant = self.next_variant(field, topic);
        let t = field.topics()[topic];
        let names = variant_names(&t.names, variant);
        let code = self.inst.course_code(field, topic, variant);
        self.record_named(code, &names, t.ohjausala, credits, date, right)
    }

    pub(crate) fn record_named(
        &mut self,
        code: String,
        names: &[String; 3],
        ohjausala: &'static str,
        credits: Tenths,
        date: Date,
        right: Option<&str>,
    ) -> Opintosuoritus {
        let nimet = self.nimet(names);
        let kieli = if self.inst.names == NameStyle::NoLang || self.rng.chance(15) {
            "en"
        } else {
            "fi"
        };
        let koulutusala = match self.inst.koulutusala {
            Some((versio, koodi)) => (versio, koodi, self.inst.long_decimals),
            None => ("ohjausala", ohjausala, self.inst.long_decimals),
        };
        let grade = self.grade();
        Opintosuoritus {
            avain: String::new(),
            koulutusmoduulitunniste: code,
            opiskeluoikeus_avain: right.map(str::to_owned),
            suoritus_pvm: date,
            opintopiste: credits,
            opintoviikko: (date < ECTS_REFORM).then_some(credits * 2 / 3),
            laajuus: Laajuus::Both,
            arvosana: grade,
            myontaja: self.inst.code,
            organisaatiot: Vec::new(),
            laji: "2",
            nimet,
            kieli: Some(kieli),
            koulutuskoodi: None,
            koulutusala: Some(koulutusala),
            sisaltyvyys: Vec::new(),
            hyvaksiluku_pvm: None,
            tki_laajuus: None,
            // Some senders write Opinnaytetyo=0 on every record (Aalto in the KOSKI mocks).
            opinnaytetyo: self.inst.numeric_booleans.then_some(false),
            hankkeistettu: None,
            patevyys: None,
            luokittelu: Vec::new(),
            julkinen_lisatieto: Vec::new(),
        }
    }

    fn next_variant(&mut self, field: Field, topic: usize) -> usize {
        let v = self.used.iter().filter(|u| **u == (field, topic)).count();
        self.used.push((field, topic));
        v
    }

    /// Gives the record a key and adds it; returns the key.
    pub(crate) fn push(&mut self, mut s: Opintosuoritus) -> String {
        s.avain = self.key("att");
        let k = s.avain.clone();
        self.o.suoritukset.push(s);
        k
    }

    /// Plans a whole degree from `start` to `end`, then adds what was done by `cutoff`: courses,
    /// the modules whose courses are all done, and the degree (Laji 1) only when everything is.
    /// Returns whether the degree record was added.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn degree(
        &mut self,
        p: &'static Programme,
        right: &str,
        start: Date,
        end: Date,
        cutoff: Date,
        grades: &DegreeGrades,
        extra_direct: Vec<Opintosuoritus>,
    ) -> bool {
        let (directs, modules) = self.plan(p, right, start, end, grades, extra_direct);
        let mut parts: Vec<(String, Tenths)> = Vec::new();
        let mut complete = true;
        for m in modules {
            let mut keys = Vec::new();
            let mut all = true;
            for c in m.courses {
                if c.record.suoritus_pvm <= cutoff {
                    let credits = c.record.opintopiste;
                    keys.push((self.push(c.record), credits));
                } else {
                    all = false;
                }
            }
            if all && m.module.record.suoritus_pvm <= cutoff {
                let mut module = m.module.record;
                module.sisaltyvyys = keys;
                let credits = module.opintopiste;
                parts.push((self.push(module), credits));
            } else {
                complete = false;
            }
        }
        for d in directs {
            if d.record.suoritus_pvm <= cutoff {
                let credits = d.record.opintopiste;
                parts.push((self.push(d.record), credits));
            } else {
                complete = false;
            }
        }
        if !complete || end > cutoff {
            return false;
        }
        let names: [String; 3] = p.degree.map(str::to_owned);
        let mut degree = self.record_named(
            p.code.to_owned(),
            &names,
            p.field.topics()[0].ohjausala,
            p.credits * 10,
            end,
            Some(right),
        );
        degree.laji = "1";
        degree.koulutuskoodi = Some(p.koulutuskoodi);
        // Degrees carry Koulutuskoodi, not Koulutusala (virta.md §3.3: Koulutusala is for the rest).
        degree.koulutusala = None;
        degree.kieli = Some("fi");
        degree.arvosana = grades.degree.clone().unwrap_or(match self.inst.sector {
            Sector::Uas => Arvosana::Hyvaksytty,
            Sector::University if self.rng.chance(50) => Arvosana::EiKaytossa,
            Sector::University => Arvosana::Hyvaksytty,
        });
        degree.patevyys = p.patevyys;
        degree.opinnaytetyo = None;
        debug_assert_eq!(parts.iter().map(|(_, c)| c).sum::<u32>(), p.credits * 10);
        degree.sisaltyvyys = parts;
        self.push(degree);
        true
    }

    /// The plan: direct parts (languages, thesis, training) and modules of courses, dated
    /// between `start` and `end`, adding up to the programme's credits.
    fn plan(
        &mut self,
        p: &'static Programme,
        right: &str,
        start: Date,
        end: Date,
        grades: &DegreeGrades,
        extra_direct: Vec<Opintosuoritus>,
    ) -> (Vec<Planned>, Vec<PlannedModule>) {
        let uas = self.inst.sector == Sector::Uas;
        let master = p.tyyppi == "4";
        let span = (end.days() - start.days()).max(60);
        let at = |f: f64| start.plus((f64::from(span) * f) as i32);
        let mut directs: Vec<Planned> = Vec::new();
        let mut direct = |b: &mut Self, topic: usize, credits: u32, frac: f64, grade: Arvosana| {
            let mut r = b.record(Field::General, topic, credits * 10, at(frac), Some(right));
            r.arvosana = grade;
            directs.push(Planned { record: r });
        };
        if !master {
            let (w, o) = if self.rng.chance(50) {
                ("TT", "HT")
            } else {
                ("HT", "TT")
            };
            direct(
                self,
                general::SWEDISH_WRITTEN,
                2,
                0.35,
                Arvosana::ToinenKotimainen(w),
            );
            direct(
                self,
                general::SWEDISH_ORAL,
                1,
                0.36,
                Arvosana::ToinenKotimainen(o),
            );
            let g = self.grade();
            direct(self, general::ENGLISH, 3, 0.2, g);
        }
        if uas {
            direct(self, general::TRAINING, 30, 0.8, Arvosana::Hyvaksytty);
        }
        let thesis_topic = match (uas, master, p.koulutuskoodi) {
            (true, _, _) => general::UAS_THESIS,
            (false, true, "751101") => general::DI_THESIS,
            (false, true, _) => general::MASTER_THESIS,
            (false, false, _) => general::BACHELOR_THESIS,
        };
        let thesis_credits = match thesis_topic {
            general::BACHELOR_THESIS => 10,
            general::UAS_THESIS => 15,
            _ => 30,
        };
        let thesis_grade = grades.thesis.clone().unwrap_or_else(|| match thesis_topic {
            general::MASTER_THESIS => Arvosana::Tutkielma(
                self.rng
                    .pick(&["A", "B", "N", "C", "C", "M", "M", "E", "L"]),
            ),
            _ => Arvosana::Viisiportainen(self.rng.pick(&["3", "4", "4", "5", "5"])),
        });
        let mut thesis = self.record(
            Field::General,
            thesis_topic,
            thesis_credits * 10,
            end.plus(-12),
            Some(right),
        );
        thesis.arvosana = thesis_grade;
        thesis.opinnaytetyo = Some(true);
        if uas {
            thesis.hankkeistettu = Some(self.rng.chance(60));
            if self.rng.chance(40) {
                thesis.tki_laajuus = Some(50);
            }
        }
        directs.push(Planned { record: thesis });
        if !master {
            let mut r = self.record(
                Field::General,
                general::MATURITY_TEST,
                0,
                end.plus(-10),
                Some(right),
            );
            r.arvosana = Arvosana::Hyvaksytty;
            directs.push(Planned { record: r });
        }
        for r in extra_direct {
            directs.push(Planned { record: r });
        }
        let fixed: u32 = directs.iter().map(|d| d.record.opintopiste).sum();
        let budget = (p.credits * 10).saturating_sub(fixed);

        // Module kinds for this degree level.
        let kinds: Vec<(usize, Field)> = match (uas, master) {
            (true, _) => vec![(0, p.field), (1, p.field), (2, p.field), (3, p.field)],
            (false, true) => vec![(4, p.field), (3, p.minor.unwrap_or(p.field))],
            (false, false) => {
                let minor = p.minor.unwrap_or(p.field);
                vec![(0, p.field), (1, p.field), (2, minor), (3, p.field)]
            }
        };
        let module_names: &[Names] = if uas { MODULES_UAS } else { MODULES_UNIVERSITY };
        let mut modules = Vec::new();
        let mut left = budget;
        for (i, (kind, field)) in kinds.iter().enumerate() {
            let remaining_modules = (kinds.len() - i) as u32;
            let target = if remaining_modules == 1 {
                left
            } else {
                (left / remaining_modules / 50 * 50).max(50)
            };
            let target = target.min(left);
            left -= target;
            if target == 0 {
                continue;
            }
            let frac0 = i as f64 / kinds.len() as f64;
            let frac1 = (i + 1) as f64 / kinds.len() as f64;
            let m = self.plan_module(
                p,
                *field,
                module_names[*kind.min(&(module_names.len() - 1))],
                i,
                target,
                right,
                |f| at(0.05 + 0.8 * (frac0 + (frac1 - frac0) * f)),
            );
            modules.push(m);
        }
        (directs, modules)
    }

    /// A module of courses whose credits sum to `target` (tenths).
    #[allow(clippy::too_many_arguments)]
    fn plan_module(
        &mut self,
        p: &Programme,
        field: Field,
        names: Names,
        index: usize,
        target: Tenths,
        right: &str,
        date_at: impl Fn(f64) -> Date,
    ) -> PlannedModule {
        let topics = field.topics();
        let mut courses = Vec::new();
        let mut sum = 0;
        let mut topic = self.rng.below(topics.len() as u64) as usize;
        // Courses spread evenly over the module's part of the study time, in order.
        let expected = f64::from(target / 50 + 1);
        while sum < target {
            let nominal = topics[topic].credits * 10;
            let credits = nominal.min(target - sum);
            let date = date_at(((courses.len() as f64 + 0.5) / expected).min(1.0));
            let r = self.record(field, topic, credits, date, Some(right));
            sum += credits;
            courses.push(Planned { record: r });
            topic = (topic + 1) % topics.len();
        }
        let last = courses
            .iter()
            .map(|c| c.record.suoritus_pvm)
            .max()
            .unwrap_or(date_at(1.0));
        let names = names.map(str::to_owned);
        let code = format!(
            "{}-M{}",
            p.code.split(' ').next().unwrap_or(p.code),
            index + 1
        );
        let mut module = self.record_named(
            code,
            &names,
            topics[0].ohjausala,
            target,
            last.plus(7),
            Some(right),
        );
        module.arvosana = if self.rng.chance(50) {
            Arvosana::Hyvaksytty
        } else {
            self.grade()
        };
        PlannedModule {
            courses,
            module: Planned { record: module },
        }
    }
}
