//! The in-memory shape of one learner's `OpiskelijanKaikkiTiedot` answer, in VIRTA's own terms
//! (virta.md §3). Built by `build`, written by `xml`; one learner at a time.

use crate::catalogue::Institution;
use crate::date::Date;
use crate::hetu::Henkilotunnus;

/// Credits in tenths of a study point (op), so `2.5` op is exact.
pub(crate) type Tenths = u32;

/// Person fields of the `OpiskelijanTiedot` answers; `OpiskelijanKaikkiTiedot` never carries them
/// (virta.md §2.7). Some learners have none, as some institutions send none.
#[derive(Debug)]
pub(crate) struct Person {
    /// Sukunimi: surname.
    pub sukunimi: &'static str,
    /// Etunimet: first names.
    pub etunimet: String,
    /// Sukupuoli: 1 male, 2 female.
    pub sukupuoli: &'static str,
    /// Aidinkieli: mother tongue (`fi`, `sv`).
    pub aidinkieli: &'static str,
    /// Asuinkunta: home municipality, that of the first institution.
    pub asuinkunta: &'static str,
}

/// One learner: the same person at every institution where they have records.
#[derive(Debug)]
pub(crate) struct LearnerRecord {
    pub henkilotunnus: Henkilotunnus,
    /// KansallinenOppijanumero: the national learner OID `1.2.246.562.24.` + 11 digits.
    pub oppijanumero: Option<String>,
    pub person: Option<Person>,
    pub opiskelijat: Vec<Opiskelija>,
    /// The whole answer is a bare `Virta` root in no namespace, without the envelope
    /// (quirk `no-namespace`).
    pub no_namespace: bool,
}

/// Opiskelija: the person as one institution knows them, under its own key (`avain`).
#[derive(Debug)]
pub(crate) struct Opiskelija {
    pub institution: &'static Institution,
    pub avain: String,
    /// KansallinenOppijanumero as this institution reports it: the learner's, or another one
    /// (quirk `two-oids`).
    pub oppijanumero: Option<String>,
    pub opiskeluoikeudet: Vec<Opiskeluoikeus>,
    pub ilmoittautumiset: Vec<Ilmoittautuminen>,
    pub suoritukset: Vec<Opintosuoritus>,
    pub liikkuvuusjaksot: Vec<Liikkuvuusjakso>,
}

/// Opiskeluoikeus: a study right (virta.md §3.6).
#[derive(Debug)]
pub(crate) struct Opiskeluoikeus {
    pub avain: String,
    pub alku_pvm: Date,
    /// AlkuPvm is left out, its start only in the first Tila (quirk `no-alku-pvm`).
    pub no_alku_pvm: bool,
    pub loppu_pvm: Option<Date>,
    /// Tila periods: (start, end, code); gapless.
    pub tilat: Vec<(Date, Option<Date>, &'static str)>,
    /// Tyyppi: the study right's type code.
    pub tyyppi: &'static str,
    pub myontaja: &'static str,
    /// Jakso/@koulutusmoduulitunniste: the programme.
    pub koulutusmoduulitunniste: String,
    pub koulutuskoodi: Option<&'static str>,
    pub koulutuskunta: &'static str,
    pub koulutuskieli: &'static str,
    /// Jakso/Luokittelu (e.g. 4: granted via the open-studies path).
    pub jakso_luokittelu: Option<&'static str>,
    /// Koulutusala (versio, code).
    pub koulutusala: Option<(&'static str, &'static str)>,
    /// Liittyvyys: the linked study right's key (master's right linked to the bachelor's).
    pub liittyvyys: Option<String>,
    /// Laajuus: target credits.
    pub laajuus: Option<Tenths>,
}

/// LukukausiIlmoittautuminen: a term registration (virta.md §3.7).
#[derive(Debug)]
pub(crate) struct Ilmoittautuminen {
    pub opiskeluoikeus_avain: String,
    pub myontaja: &'static str,
    /// Tila: 1 present, 2 absent.
    pub tila: &'static str,
    pub ilmoittautumis_pvm: Date,
    pub alku_pvm: Date,
    pub loppu_pvm: Date,
    pub ylioppilaskunta_jasen: Option<bool>,
}

/// Liikkuvuusjakso: an international mobility period (virta.md §3.8).
#[derive(Debug)]
pub(crate) struct Liikkuvuusjakso {
    pub avain: String,
    pub opiskeluoikeus_avain: String,
    pub myontaja: &'static str,
    pub alku_pvm: Date,
    pub loppu_pvm: Date,
    /// Maa: ISO 3166 numeric country code.
    pub maa: &'static str,
}

/// Opintosuoritus: a study attainment, fields in schema order (virta.md §3.3).
#[derive(Debug, Clone)]
pub(crate) struct Opintosuoritus {
    pub avain: String,
    pub koulutusmoduulitunniste: String,
    pub opiskeluoikeus_avain: Option<String>,
    pub suoritus_pvm: Date,
    /// Laajuus/Opintopiste, in tenths.
    pub opintopiste: Tenths,
    /// Laajuus/Opintoviikko: the pre-2005 credit unit, for old records.
    pub opintoviikko: Option<Tenths>,
    /// Which of Laajuus's parts are written (quirks `no-laajuus`, `opintoviikko-only`).
    pub laajuus: Laajuus,
    pub arvosana: Arvosana,
    pub myontaja: &'static str,
    /// Organisaatio: (Rooli, Koodi).
    pub organisaatiot: Vec<(&'static str, &'static str)>,
    /// Laji: 1 degree, 2 other, 3 partial (not counted), 4 internal.
    pub laji: &'static str,
    /// Nimi: (kieli, text).
    pub nimet: Vec<(Option<&'static str>, String)>,
    pub kieli: Option<&'static str>,
    pub koulutuskoodi: Option<&'static str>,
    /// Koulutusala: (versio, code, with Osuus 1).
    pub koulutusala: Option<(&'static str, &'static str, bool)>,
    /// Sisaltyvyys: (child key, credits counted into this one).
    pub sisaltyvyys: Vec<(String, Tenths)>,
    pub hyvaksiluku_pvm: Option<Date>,
    /// TKILaajuus: the R&D&I share of a UAS thesis.
    pub tki_laajuus: Option<Tenths>,
    pub opinnaytetyo: Option<bool>,
    pub hankkeistettu: Option<bool>,
    pub patevyys: Option<&'static str>,
    pub luokittelu: Vec<&'static str>,
    /// JulkinenLisatieto: (kieli, text).
    pub julkinen_lisatieto: Vec<(Option<&'static str>, &'static str)>,
}

/// What an attainment's `Laajuus` holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Laajuus {
    /// Opintopiste, and Opintoviikko for records before the 2005 reform.
    #[default]
    Both,
    /// No Laajuus element at all.
    Missing,
    /// Only Opintoviikko (a pre-2005 record in study weeks).
    OpintoviikkoOnly,
}

/// Arvosana: the grade; the element name is the scale (virta.md §3.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Arvosana {
    /// 1–5 or HYV.
    Viisiportainen(&'static str),
    /// Second national language: TT or HT.
    ToinenKotimainen(&'static str),
    /// Pass only: HYV.
    Hyvaksytty,
    /// Demonstration work: HYV or KH.
    Naytetyo(&'static str),
    /// The Latin thesis scale: I A B N C M E L.
    Tutkielma(&'static str),
    /// "Arvosana ei kaytossa".
    EiKaytossa,
    /// An institution's own scale.
    Muu(Muu),
}

/// The three `Muu` styles seen in real data (virta.md §3.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Muu {
    /// (a) Scale name plus only the awarded grade; `Koodi` references its `avain`. Some senders
    /// add the grade's `Nimi` (`Hyväksytty`).
    NameAndAwarded {
        asteikko: &'static str,
        nimi: &'static str,
        arvosana_avain: String,
        koodi: &'static str,
        arvosana_nimi: Option<&'static str>,
    },
    /// (b) The whole scale; `Koodi` is one of its `avain`s.
    WholeScale {
        asteikko: &'static str,
        nimi: &'static str,
        arvosanat: &'static [MuuArvosana],
        koodi: &'static str,
    },
    /// (c) A bare `<Asteikko avain=".."/>` and a `Koodi` nothing resolves.
    Bare {
        asteikko: &'static str,
        koodi: String,
    },
}

/// One grade of a whole `Muu` scale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MuuArvosana {
    pub avain: &'static str,
    pub koodi: &'static str,
    pub nimi: &'static str,
    pub arvo: &'static str,
}
