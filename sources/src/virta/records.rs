//! The typed VIRTA records (virta.md §3): pure data, named after the schema's Finnish elements.
//!
//! Field order follows the XSD sequence. Optional attributes and optional elements that VIRTA
//! sent empty (`opiskeluoikeusAvain=""`, virta.md §2.9) are `None`: an empty key refers to nothing.

use std::fmt;

use serde::{Serialize, Serializer};

/// A parsed VIRTA answer. An empty `opiskelijat` means VIRTA answered "no data" (virta.md §2.7).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Virta {
    /// Opiskelijat (students): one per higher-education institution holding records.
    pub opiskelijat: Vec<Opiskelija>,
}

impl Virta {
    /// Joins `OpiskelijanTiedot` answers onto this `OpiskelijanKaikkiTiedot` answer: each
    /// `Opiskelija` takes the person fields it lacks from the one with the same institution
    /// key (`avain`) in `names` (virta.md §2.7, §6.1). Returns how many found no match.
    pub fn fill_names(&mut self, names: &[Opiskelija]) -> usize {
        let mut unmatched = 0;
        for o in &mut self.opiskelijat {
            match names.iter().find(|n| n.avain == o.avain) {
                Some(n) => o.fill_person(n),
                None => unmatched += 1,
            }
        }
        unmatched
    }

    /// The institutions of this answer, each once, in document order: whom to ask
    /// `OpiskelijanTiedot` (its `organisaatio` is mandatory).
    pub fn institutions(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for m in self.opiskelijat.iter().filter_map(Opiskelija::myontaja) {
            if !out.contains(&m) {
                out.push(m);
            }
        }
        out
    }

    /// All study attainments, across institutions, in document order.
    pub fn opintosuoritukset(&self) -> impl Iterator<Item = &Opintosuoritus> {
        self.opiskelijat
            .iter()
            .flat_map(|o| o.opintosuoritukset.iter())
    }
}

/// A learner's records at one institution (virta.md §2.7: one Opiskelija per HEI).
///
/// `Serialize` leaves out `henkilotunnus` (DESIGN.md invariant 5).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Opiskelija {
    /// Avain: the institution's own key for this student.
    pub avain: String,
    /// Henkilötunnus: Finnish personal identity code. Personal data.
    #[serde(skip)]
    pub henkilotunnus: Option<Henkilotunnus>,
    /// Kansallinen oppijanumero: national learner number (OID `1.2.246.562.24.…`).
    pub kansallinen_oppijanumero: Option<String>,
    /// Sukunimi: family name.
    pub sukunimi: Option<String>,
    /// Etunimet: given names.
    pub etunimet: Option<String>,
    /// Sukupuoli: gender code (1 male, 2 female, 9 unknown).
    pub sukupuoli: Option<String>,
    /// Kansalaisuus: citizenships (ISO 3166-1 numeric codes, e.g. `246`).
    pub kansalaisuus: Vec<String>,
    /// Äidinkieli: mother tongue (language code).
    pub aidinkieli: Option<String>,
    /// Asuinkunta: municipality of residence (code).
    pub asuinkunta: Option<String>,
    /// Kirjoihintulopäivämäärä: date of first enrolment.
    pub kirjoihintulo_pvm: Option<Pvm>,
    /// Opiskeluoikeudet: study rights.
    pub opiskeluoikeudet: Vec<Opiskeluoikeus>,
    /// Opintosuoritukset: study attainments (courses, modules, degrees).
    pub opintosuoritukset: Vec<Opintosuoritus>,
    /// Records of this student that could not be read, each with its reason (issue 17:
    /// one defective record never fails the learner).
    pub rejected: Vec<Rejected>,
    /// Departures from the schema that were read by a documented rule (docs/virta.md).
    pub quirks: Vec<Quirk>,
    /// Line of the element start (or of the first attainment for a flat list), for provenance.
    pub line: u32,
}

impl Opiskelija {
    /// An `Opiskelija` with this key and nothing else yet.
    pub fn new(avain: String, line: u32) -> Self {
        Opiskelija {
            avain,
            henkilotunnus: None,
            kansallinen_oppijanumero: None,
            sukunimi: None,
            etunimet: None,
            sukupuoli: None,
            kansalaisuus: Vec::new(),
            aidinkieli: None,
            asuinkunta: None,
            kirjoihintulo_pvm: None,
            opiskeluoikeudet: Vec::new(),
            opintosuoritukset: Vec::new(),
            rejected: Vec::new(),
            quirks: Vec::new(),
            line,
        }
    }

    /// The institution this student's records are from: the `Myontaja` of its first study
    /// right or attainment (virta.md §2.7: one `Opiskelija` per institution).
    pub fn myontaja(&self) -> Option<&str> {
        self.opiskeluoikeudet
            .iter()
            .map(|r| r.myontaja.as_str())
            .chain(self.opintosuoritukset.iter().map(|a| a.myontaja.as_str()))
            .chain(self.rejected.iter().filter_map(|r| r.myontaja.as_deref()))
            .next()
    }

    /// Takes the person fields this one lacks from `names`, the same student's
    /// `OpiskelijanTiedot` answer (virta.md §2.7: `OpiskelijanKaikkiTiedot` carries no names).
    /// Fields this one has are kept.
    pub fn fill_person(&mut self, names: &Opiskelija) {
        fn fill<T: Clone>(slot: &mut Option<T>, from: &Option<T>) {
            if slot.is_none() {
                slot.clone_from(from);
            }
        }
        fill(&mut self.henkilotunnus, &names.henkilotunnus);
        fill(
            &mut self.kansallinen_oppijanumero,
            &names.kansallinen_oppijanumero,
        );
        fill(&mut self.sukunimi, &names.sukunimi);
        fill(&mut self.etunimet, &names.etunimet);
        fill(&mut self.sukupuoli, &names.sukupuoli);
        fill(&mut self.aidinkieli, &names.aidinkieli);
        fill(&mut self.asuinkunta, &names.asuinkunta);
        fill(&mut self.kirjoihintulo_pvm, &names.kirjoihintulo_pvm);
        if self.kansalaisuus.is_empty() {
            self.kansalaisuus.clone_from(&names.kansalaisuus);
        }
    }
}

/// A record (`Opintosuoritus` or `Opiskeluoikeus`) left out because it could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejected {
    /// The element: `Opintosuoritus` or `Opiskeluoikeus`.
    pub element: &'static str,
    /// Its `avain`, when it has one.
    pub avain: Option<String>,
    /// Its `Myontaja`, when one could be seen in it.
    pub myontaja: Option<String>,
    /// Line of the element start.
    pub line: u32,
    /// What was wrong, without position: the same defect gives the same reason, so reasons
    /// can be counted (e.g. ``missing required element `SuoritusPvm` ``).
    pub reason: String,
    /// The whole error, with line, column and element path.
    pub detail: String,
}

/// A departure from VIRTA's schema that is read by a documented rule (docs/virta.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Quirk {
    /// Which rule read it.
    pub kind: QuirkKind,
    /// Line of the element it is about.
    pub line: u32,
}

/// The parser's quirk rules (the mapping has more of its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum QuirkKind {
    /// A bare `Virta` or `Opintosuoritukset` in no namespace: read as VIRTA's.
    NoNamespace,
    /// A study right without `AlkuPvm`: it starts on its earliest `Tila` period.
    StudyRightStartFromTila,
    /// Data in the namespace of interface version 1.05 or earlier: read as 1.06, `Myontaja` in
    /// either form.
    OlderInterfaceVersion,
}

impl QuirkKind {
    /// The rule's name in the run summary and the report JSON.
    pub fn name(self) -> &'static str {
        match self {
            Self::NoNamespace => "no-namespace",
            Self::StudyRightStartFromTila => "study-right-start-from-tila",
            Self::OlderInterfaceVersion => "older-interface-version",
        }
    }
}

/// Opintosuoritus: one study attainment (course, module or degree), virta.md §3.3.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Opintosuoritus {
    /// Avain: the institution's key for the attainment; unique only together with `myontaja`.
    pub avain: String,
    /// Opiskelija-avain: the institution's key for the student.
    pub opiskelija_avain: String,
    /// Koulutusmoduulitunniste: the institution's id of the learning opportunity; may be empty.
    pub koulutusmoduulitunniste: String,
    /// Valtakunnallinen koulutusmoduulitunniste: national learning-opportunity id (rare).
    pub valtakunnallinen_koulutusmoduulitunniste: Option<String>,
    /// Opiskeluoikeus-avain: key of the study right the attainment belongs to.
    pub opiskeluoikeus_avain: Option<String>,
    /// Suorituspäivämäärä: completion date (for recognised credit, the original date).
    pub suoritus_pvm: Pvm,
    /// Laajuus: extent in credits; `None` when VIRTA sent none (issue 17: the result is kept,
    /// without a credit).
    pub laajuus: Option<Laajuus>,
    /// Arvosana: the grade, with its scale.
    pub arvosana: Arvosana,
    /// Myöntäjä: code of the awarding institution (e.g. `02536`).
    pub myontaja: String,
    /// Organisaatio: other organisations with their role and share.
    pub organisaatio: Vec<OrganisaatioRooli>,
    /// Laji: kind (1 degree, 2 other attainment, 3 not to be counted, 4 internal).
    pub laji: String,
    /// Nimi: names, per language.
    pub nimi: Vec<Nimi>,
    /// Kieli: language of the attainment (code; `20`, `98`, `99` are special).
    pub kieli: Option<String>,
    /// Koulutuskoodi: Statistics Finland education code (degrees only).
    pub koulutuskoodi: Option<String>,
    /// Koulutusala: fields of education with version and share.
    pub koulutusala: Vec<KoulutusalaOsuus>,
    /// Sisältyvyys: attainments this one contains ("has part", virta.md §3.5).
    pub sisaltyvyys: Vec<Sisaltyvyys>,
    /// Hyväksilukupäivämäärä: date of the recognition decision; present for recognised credit.
    pub hyvaksiluku_pvm: Option<Pvm>,
    /// TKI-laajuus: research and development share of a thesis.
    pub tki_laajuus: Option<Laajuus>,
    /// TKI-laajuus harjoittelu: R&D share done as an internship.
    pub tki_laajuus_harjoittelu: Option<Laajuus>,
    /// TKI-laajuus muu: other R&D share.
    pub tki_laajuus_muu: Option<Laajuus>,
    /// Opetusharjoittelutyyppi: teacher-training practice type (code).
    pub opetusharjoittelu_tyyppi: Option<String>,
    /// Opinnäytetyö: the attainment is a thesis.
    pub opinnaytetyo: Option<bool>,
    /// Hankkeistettu: the thesis was commissioned.
    pub hankkeistettu: Option<bool>,
    /// Pätevyys: qualifications produced (codes).
    pub patevyys: Vec<String>,
    /// Luokittelu: classification flags (codes: open university, exchange, …).
    pub luokittelu: Vec<String>,
    /// Julkinen lisätieto: public free-text extra information.
    pub julkinen_lisatieto: Vec<Nimi>,
    /// Line of the element start, for provenance.
    pub line: u32,
}

impl Opintosuoritus {
    /// The extent in ECTS credits (`Laajuus/Opintopiste`), when VIRTA sent one.
    pub fn opintopiste(&self) -> Option<&Decimal> {
        self.laajuus.as_ref().and_then(|l| l.opintopiste.as_ref())
    }
}

/// Laajuus: extent (virta.md §3.2 `LaajuusLaajennettuTyyppi`). At least one of the two is
/// present; pre-2005 results may carry study weeks only.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Laajuus {
    /// Opintopiste: ECTS credits.
    pub opintopiste: Option<Decimal>,
    /// Opintoviikko: old Finnish study weeks.
    pub opintoviikko: Option<Decimal>,
}

/// Arvosana: a grade. The variant is the scale (virta.md §3.4), the text the grade code as sent.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum Arvosana {
    /// Viisiportainen: 1–5 or `HYV`.
    Viisiportainen(String),
    /// Toinen kotimainen: second national language, `TT` or `HT`.
    ToinenKotimainen(String),
    /// Hyväksytty: pass/fail, `HYV`.
    Hyvaksytty(String),
    /// Näytetyö: demonstration work, `HYV` or `KH`.
    Naytetyo(String),
    /// Tutkielma: the Latin thesis scale, `I` … `L`.
    Tutkielma(String),
    /// Ei käytössä: grade not used (`Arvosana ei kaytossa`).
    EiKaytossa(String),
    /// Muu: a scale defined by the institution.
    Muu(MuuArvosana),
}

impl Arvosana {
    /// The scale's element name, e.g. `Viisiportainen` or `Muu`.
    pub fn asteikko(&self) -> &'static str {
        match self {
            Arvosana::Viisiportainen(_) => "Viisiportainen",
            Arvosana::ToinenKotimainen(_) => "ToinenKotimainen",
            Arvosana::Hyvaksytty(_) => "Hyvaksytty",
            Arvosana::Naytetyo(_) => "Naytetyo",
            Arvosana::Tutkielma(_) => "Tutkielma",
            Arvosana::EiKaytossa(_) => "EiKaytossa",
            Arvosana::Muu(_) => "Muu",
        }
    }

    /// The grade code as sent. For `Muu` this is `Koodi`, which usually points at an
    /// `AsteikkoArvosana/@avain` (see [`MuuArvosana::annettu`]).
    pub fn koodi(&self) -> &str {
        match self {
            Arvosana::Viisiportainen(k)
            | Arvosana::ToinenKotimainen(k)
            | Arvosana::Hyvaksytty(k)
            | Arvosana::Naytetyo(k)
            | Arvosana::Tutkielma(k)
            | Arvosana::EiKaytossa(k) => k,
            Arvosana::Muu(m) => &m.koodi,
        }
    }
}

/// Muu: a grade on an institution-defined scale.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct MuuArvosana {
    /// Asteikko: the scale, fully, partly or not at all listed (virta.md §3.4 styles a–c).
    pub asteikko: Asteikko,
    /// Koodi: the grade given; meant to reference `AsteikkoArvosana/@avain`.
    pub koodi: String,
}

impl MuuArvosana {
    /// The scale entry the grade points at (`Koodi` = `AsteikkoArvosana/@avain`, as KOSKI and
    /// hakurekisteri resolve it, virta.md §3.4), if the scale lists it.
    pub fn annettu(&self) -> Option<&AsteikkoArvosana> {
        self.asteikko
            .arvosanat
            .iter()
            .find(|a| a.avain == self.koodi)
    }
}

/// Asteikko: an institution-defined grading scale.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Asteikko {
    /// Avain: the institution's key for the scale.
    pub avain: String,
    /// Nimi: the scale's name, e.g. `HYL-HYV`.
    pub nimi: Option<String>,
    /// AsteikkoArvosana: the scale's grades as listed.
    pub arvosanat: Vec<AsteikkoArvosana>,
}

/// AsteikkoArvosana: one grade of an institution-defined scale.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct AsteikkoArvosana {
    /// Avain: the grade's key within the scale.
    pub avain: String,
    /// Koodi: the grade as shown, e.g. `HYV`.
    pub koodi: String,
    /// Nimi: the grade's name, e.g. `Hyväksytty`.
    pub nimi: Option<String>,
    /// Laskennallinen arvo: numeric value for averages.
    pub laskennallinen_arvo: Option<Decimal>,
}

/// Nimi (name) or Julkinen lisätieto (public extra information): a text with an optional language.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Nimi {
    /// Kieli: language code (`fi`, `sv`, `en`, also `20`); often absent (virta.md §2.9).
    pub kieli: Option<String>,
    /// The text.
    pub teksti: String,
}

/// Sisältyvyys: a contained attainment, referenced by key (virta.md §3.5).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Sisaltyvyys {
    /// Sisältyvän opintosuorituksen avain: key of the contained attainment (may be missing from
    /// the response).
    pub sisaltyva_opintosuoritus_avain: String,
    /// Opintopiste: credits of the child counted into this one.
    pub opintopiste: Option<Decimal>,
}

/// Organisaatio: an organisation with a role (virta.md §3.2 `OrganisaatioRooliOsuusTyyppi`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct OrganisaatioRooli {
    /// Rooli: role code (1 awarding, 2 organising, 3 source of recognised credit, …).
    pub rooli: String,
    /// Koodi: organisation code (an institution, or `UK`, `UM`, `XX`, `Muu`, …).
    pub koodi: String,
    /// Osuus: share, 0–1.
    pub osuus: Option<Decimal>,
}

/// Koulutusala: a field of education with its classification version and share.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct KoulutusalaOsuus {
    /// Koodi: field code.
    pub koodi: String,
    /// Versio: classification (`opmala`, `opm95opa`, `ohjausala`).
    pub versio: String,
    /// Osuus: share, 0–1.
    pub osuus: Option<Decimal>,
}

/// Koulutusala of a study right: a field code with its classification version.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct KoulutusalaVersio {
    /// Koodi: field code.
    pub koodi: String,
    /// Versio: classification (`opmala`, `opm95opa`, `ohjausala`).
    pub versio: String,
}

/// Opiskeluoikeus: a study right (virta.md §3.6), every element of the current schema.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Opiskeluoikeus {
    /// Avain: the institution's key for the study right.
    pub avain: String,
    /// Opiskelija-avain: the institution's key for the student.
    pub opiskelija_avain: String,
    /// Alkupäivämäärä: start date.
    pub alku_pvm: Pvm,
    /// Loppupäivämäärä: end date (`2112-12-21` and similar are "no end" sentinels, §2.9).
    pub loppu_pvm: Option<Pvm>,
    /// Tila: status periods.
    pub tila: Vec<OpiskeluoikeusTila>,
    /// Tyyppi: study-right type code (1 UAS degree, 2 bachelor, 4 master, …).
    pub tyyppi: String,
    /// Myöntäjä: granting institution code.
    pub myontaja: String,
    /// Organisaatio: other organisations with role and share.
    pub organisaatio: Vec<OrganisaatioRooli>,
    /// Jakso: periods with the programme's details.
    pub jakso: Vec<Jakso>,
    /// Ensisijaisuus: periods in which this is the student's primary study right.
    pub ensisijaisuus: Vec<Aikajakso>,
    /// Koulutusala: field of education (non-degree study rights).
    pub koulutusala: Option<KoulutusalaVersio>,
    /// Erikoistumiskoulutus: specialisation-education code.
    pub erikoistumiskoulutus: Option<String>,
    /// Liittyvyys: keys of related study rights.
    pub liittyvyys: Vec<String>,
    /// Siirto-opiskelija: transfer-student details.
    pub siirto_opiskelija: Option<SiirtoOpiskelija>,
    /// Laajuus: target extent, e.g. 240 credits.
    pub laajuus: Option<Laajuus>,
    /// Lukuvuosimaksu: tuition-fee periods (current schema).
    pub lukuvuosi_maksu: Vec<LukuvuosiMaksu>,
    /// Jotpa-asianumero: JOTPA funding case number (current schema).
    pub jotpaasianumero: Option<String>,
    /// Line of the element start, for provenance.
    pub line: u32,
}

/// Aikajakso: a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Aikajakso {
    /// Alkupäivämäärä: start date.
    pub alku_pvm: Pvm,
    /// Loppupäivämäärä: end date; open when absent.
    pub loppu_pvm: Option<Pvm>,
}

/// Tila: a status period of a study right.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct OpiskeluoikeusTila {
    /// Alkupäivämäärä: start date.
    pub alku_pvm: Pvm,
    /// Loppupäivämäärä: end date; open when absent.
    pub loppu_pvm: Option<Pvm>,
    /// Koodi: status code (1 active, 3 graduated, …).
    pub koodi: String,
}

/// Jakso: a period of a study right in which its programme details stayed the same.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Jakso {
    /// Koulutusmoduulitunniste: the programme's id at the institution.
    pub koulutusmoduulitunniste: String,
    /// Valtakunnallinen koulutusmoduulitunniste: national programme id.
    pub valtakunnallinen_koulutusmoduulitunniste: Option<String>,
    /// Alkupäivämäärä: start date.
    pub alku_pvm: Pvm,
    /// Loppupäivämäärä: end date.
    pub loppu_pvm: Option<Pvm>,
    /// Koulutuskoodi: Statistics Finland education code.
    pub koulutuskoodi: Option<String>,
    /// Koulutuskunta: municipality of education (code).
    pub koulutuskunta: String,
    /// Koulutuskieli: language of education (code).
    pub koulutuskieli: Option<String>,
    /// Rahoituslähde: source of funding (code).
    pub rahoituslahde: Option<String>,
    /// Pätevyys: qualifications (codes).
    pub patevyys: Vec<String>,
    /// Luokittelu: classifications (codes).
    pub luokittelu: Vec<String>,
    /// Nimi: the programme's names (current schema only).
    pub nimi: Vec<Nimi>,
}

/// Siirto-opiskelija: transfer from another study right.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct SiirtoOpiskelija {
    /// Lähdeopiskeluoikeuden avain: key of the source study right.
    pub lahde_opiskeluoikeus_avain: Option<String>,
    /// Siirtopäivämäärä: transfer date.
    pub siirto_pvm: Pvm,
    /// Lukukausikertymä: terms used at the source, per registration status.
    pub lukukausikertyma: Vec<Lukukausikertyma>,
}

/// Lukukausikertymä: number of terms with one registration status.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Lukukausikertyma {
    /// Ilmoittautumisen tila: registration status code (1 present, 2 absent, …).
    pub ilmoittautuminen_tila: String,
    /// Määrä: number of terms.
    pub maara: i16,
}

/// Lukuvuosimaksu: a tuition-fee period.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct LukuvuosiMaksu {
    /// Alkupäivämäärä: start date.
    pub alku_pvm: Pvm,
    /// Loppupäivämäärä: end date.
    pub loppu_pvm: Option<Pvm>,
    /// Summa: the amount, as sent.
    pub summa: String,
}

/// Henkilötunnus (Finnish personal identity code). Personal data: no `Display`, `Debug` prints
/// `Henkilotunnus(***)`, and it is left out of `Serialize` (DESIGN.md invariant 5).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Henkilotunnus(String);

impl Henkilotunnus {
    /// Wraps a value as sent; the value is not checked.
    pub fn new(value: impl Into<String>) -> Self {
        Henkilotunnus(value.into())
    }

    /// The code itself, for the few places that must send it (a VIRTA request). Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Henkilotunnus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Henkilotunnus(***)")
    }
}

/// A date (`xs:date`) as VIRTA writes it: `2014-11-28`, also with a zone (`2014-11-28+02:00`).
///
/// Validated on parse. Only the calendar date is kept: VIRTA dates are Finnish calendar days and
/// the zone, when present, does not change which day is meant.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pvm([u8; 10]);

impl Pvm {
    /// Parses `YYYY-MM-DD` with an optional zone (`Z`, `+hh:mm`, `-hh:mm`); `None` if malformed
    /// or not a real calendar day.
    pub fn parse(text: &str) -> Option<Pvm> {
        let b = text.as_bytes();
        if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let digits = |r: std::ops::Range<usize>| -> Option<u32> {
            b[r].iter().try_fold(0u32, |acc, &c| {
                c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
            })
        };
        let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
        if !valid_zone(&b[10..]) {
            return None;
        }
        Pvm::from_ymd(i32::try_from(year).ok()?, month, day)
    }

    /// Builds a date from its parts (chrono's conventions: `i32` year, `u32` month and day);
    /// `None` unless it is a real calendar day in the years 0–9999.
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Pvm> {
        let year = u32::try_from(year).ok().filter(|y| *y <= 9999)?;
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        let mut out = *b"0000-00-00";
        put_digits(&mut out[0..4], year);
        put_digits(&mut out[5..7], month);
        put_digits(&mut out[8..10], day);
        Some(Pvm(out))
    }

    /// The date as `YYYY-MM-DD`.
    pub fn as_str(&self) -> &str {
        // Always ASCII: built only by `from_ymd`.
        std::str::from_utf8(&self.0).unwrap_or("0000-00-00")
    }

    /// The year.
    pub fn year(&self) -> i32 {
        i32::try_from(self.part(0..4)).unwrap_or(0)
    }

    /// The month, 1–12.
    pub fn month(&self) -> u32 {
        self.part(5..7)
    }

    /// The day of the month, 1–31.
    pub fn day(&self) -> u32 {
        self.part(8..10)
    }

    fn part(&self, r: std::ops::Range<usize>) -> u32 {
        self.0[r]
            .iter()
            .fold(0, |acc, &c| acc * 10 + u32::from(c.wrapping_sub(b'0')))
    }
}

/// Writes `value` as zero-padded decimal digits filling `out`.
fn put_digits(out: &mut [u8], mut value: u32) {
    for slot in out.iter_mut().rev() {
        *slot = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

fn valid_zone(zone: &[u8]) -> bool {
    match zone {
        [] | [b'Z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => {
            let all_digits = [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit());
            let hours = (h1.wrapping_sub(b'0')) * 10 + h2.wrapping_sub(b'0');
            let minutes = (m1.wrapping_sub(b'0')) * 10 + m2.wrapping_sub(b'0');
            all_digits && ((hours < 14 && minutes < 60) || (hours == 14 && minutes == 0))
        }
        _ => false,
    }
}

fn days_in_month(year: u32, month: u32) -> u32 {
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl fmt::Debug for Pvm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pvm({})", self.as_str())
    }
}

impl fmt::Display for Pvm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Pvm {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A validated `xs:decimal` kept as the text VIRTA sent (`5`, `7.5`, `4.000000`).
///
/// Equality compares the text; use [`Decimal::normalized`] to compare values.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Decimal(Box<str>);

/// Longer decimals are not credits, shares or grade values (XSD: at most 24 digits).
const MAX_DECIMAL_LEN: usize = 40;

impl Decimal {
    /// Parses an `xs:decimal`: optional sign, digits, optional `.` and fraction digits
    /// (`7.5`, `.5`, `5.`, `-0.25`); `None` otherwise. No exponent, no spaces inside.
    pub fn parse(text: &str) -> Option<Decimal> {
        let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
        let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
        let ok = text.len() <= MAX_DECIMAL_LEN
            && (!int.is_empty() || !frac.is_empty())
            && int.bytes().all(|c| c.is_ascii_digit())
            && frac.bytes().all(|c| c.is_ascii_digit());
        ok.then(|| Decimal(text.into()))
    }

    /// The text as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The value as a float (for sums and checks, not for output).
    pub fn to_f64(&self) -> f64 {
        self.0.parse().unwrap_or(f64::NAN)
    }

    /// The shortest text for the same value: `4.000000` → `4`, `07.50` → `7.5`, `-0` → `0`.
    pub fn normalized(&self) -> String {
        let (negative, unsigned) = match self.0.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, self.0.strip_prefix('+').unwrap_or(&self.0)),
        };
        let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
        let int = int.trim_start_matches('0');
        let frac = frac.trim_end_matches('0');
        let int = if int.is_empty() { "0" } else { int };
        let mut out = String::new();
        if negative && (int != "0" || !frac.is_empty()) {
            out.push('-');
        }
        out.push_str(int);
        if !frac.is_empty() {
            out.push('.');
            out.push_str(frac);
        }
        out
    }
}

impl fmt::Debug for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Decimal({})", self.0)
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Decimal {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}
