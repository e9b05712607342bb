//! The typed KOSKI records (koski.md §3): the JSON of `GET /koski/api/oppija/{oid}` and of the
//! OmaData resource server, named after KOSKI's Finnish fields.
//!
//! Only what a transcript needs is modelled; every other field is ignored, because KOSKI adds
//! fields over time. A field KOSKI always sends for the type is required here, so a response
//! that lacks it fails to parse with its JSON path instead of mapping to a thinner document.
//! Fields that the input-style examples omit (OIDs, `versionumero`, synthetic dates) are optional.

use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, Error as _, Unexpected};

use crate::virta::{Henkilotunnus, Pvm};

/// Oppija: one learner and their study rights (koski.md §3.1).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Oppija {
    /// Henkilö: the person, from the national learner register.
    #[serde(rename = "henkilö")]
    pub henkilo: Henkilo,
    /// Opiskeluoikeudet: study rights, each with its completions.
    pub opiskeluoikeudet: Vec<Opiskeluoikeus>,
    /// The OmaData resource server's token details (absent from `/koski/api/oppija`).
    #[serde(rename = "tokenInfo")]
    pub token_info: Option<TokenInfo>,
}

/// `tokenInfo` of the OmaData OAuth2 resource server (koski.md §2.5).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TokenInfo {
    /// The scope the learner consented to, e.g. `OPISKELUOIKEUDET_KAIKKI_TIEDOT`. Check it: the
    /// learner can change the consent.
    pub scope: String,
}

/// Henkilö: the person (koski.md §3.1, `TäydellisetHenkilötiedot`).
///
/// `Debug` hides the identity code (see [`Henkilotunnus`]).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Henkilo {
    /// Oid: the national learner number (`1.2.246.562.24.…`); absent in input-style examples.
    pub oid: Option<String>,
    /// Hetu: Finnish personal identity code. Personal data.
    #[serde(default, deserialize_with = "hetu")]
    pub hetu: Option<Henkilotunnus>,
    /// Syntymäaika: date of birth.
    #[serde(rename = "syntymäaika", default, deserialize_with = "opt_pvm")]
    pub syntymaaika: Option<Pvm>,
    /// Etunimet: given names; empty when KOSKI sends the person by OID only (issue 18).
    #[serde(default)]
    pub etunimet: String,
    /// Kutsumanimi: the given name in everyday use.
    pub kutsumanimi: Option<String>,
    /// Sukunimi: family name; empty when KOSKI sends the person by OID only.
    #[serde(default)]
    pub sukunimi: String,
    /// Äidinkieli: mother tongue (code set `kieli`).
    #[serde(rename = "äidinkieli")]
    pub aidinkieli: Option<Koodiviite>,
    /// Kansalaisuus: citizenships (code set `maatjavaltiot2`, ISO 3166 numeric, e.g. `246`).
    #[serde(default)]
    pub kansalaisuus: Vec<Koodiviite>,
    /// Turvakielto: the person's contact details are protected.
    pub turvakielto: Option<bool>,
}

/// Opiskeluoikeus: a study right (koski.md §3.2).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Opiskeluoikeus {
    /// Oid: `1.2.246.562.15.…`; only records stored in KOSKI have one (not VIRTA's or YTR's).
    pub oid: Option<String>,
    /// Versionumero: version of a stored record.
    pub versionumero: Option<u32>,
    /// Lähdejärjestelmän id: the source system and its key (`virta`, `ytr`, a school system).
    #[serde(rename = "lähdejärjestelmänId")]
    pub lahdejarjestelman_id: Option<LahdejarjestelmanId>,
    /// Oppilaitos: the educational institution.
    pub oppilaitos: Option<Oppilaitos>,
    /// Koulutustoimija: the education provider (e.g. a municipality) that runs the institution.
    pub koulutustoimija: Option<Koulutustoimija>,
    /// Tila: the status periods.
    pub tila: OpiskeluoikeudenTila,
    /// Alkamispäivä: start date (synthetic: the first status period's start).
    #[serde(rename = "alkamispäivä", default, deserialize_with = "opt_pvm")]
    pub alkamispaiva: Option<Pvm>,
    /// Päättymispäivä: end date, when the last status ends the right.
    #[serde(rename = "päättymispäivä", default, deserialize_with = "opt_pvm")]
    pub paattymispaiva: Option<Pvm>,
    /// Arvioitu päättymispäivä: the planned end date.
    #[serde(
        rename = "arvioituPäättymispäivä",
        default,
        deserialize_with = "opt_pvm"
    )]
    pub arvioitu_paattymispaiva: Option<Pvm>,
    /// Suoritukset: the main-level (päätason) completions.
    pub suoritukset: Vec<Suoritus>,
    /// Tyyppi: the kind of study right (code set `opiskeluoikeudentyyppi`: `ammatillinenkoulutus`,
    /// `lukiokoulutus`, `ylioppilastutkinto`, `korkeakoulutus`, …).
    pub tyyppi: Koodiviite,
    /// Synteettinen: a VIRTA container made up for orphan completions (koski.md §5).
    pub synteettinen: Option<bool>,
}

impl Opiskeluoikeus {
    /// The last status (`tila.opiskeluoikeusjaksot`, ordered), e.g. `valmistunut`.
    pub fn viimeisin_tila(&self) -> Option<&Koodiviite> {
        self.tila.opiskeluoikeusjaksot.last().map(|j| &j.tila)
    }
}

/// Lähdejärjestelmän id: where a record came from.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct LahdejarjestelmanId {
    /// Id: the key in the source system (for VIRTA the `Opiskeluoikeus@avain`).
    pub id: Option<String>,
    /// Lähdejärjestelmä: the source system (code set `lahdejarjestelma`).
    #[serde(rename = "lähdejärjestelmä")]
    pub lahdejarjestelma: Koodiviite,
}

/// Tila: the status history of a study right.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct OpiskeluoikeudenTila {
    /// Opiskeluoikeusjaksot: status periods, oldest first.
    pub opiskeluoikeusjaksot: Vec<Opiskeluoikeusjakso>,
}

/// Opiskeluoikeusjakso: one status period.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Opiskeluoikeusjakso {
    /// Alku: start date.
    #[serde(deserialize_with = "pvm")]
    pub alku: Pvm,
    /// Tila: the status (`koskiopiskeluoikeudentila`, or `virtaopiskeluoikeudentila` for HE).
    pub tila: Koodiviite,
    /// Opintojen rahoitus: funding (code set `opintojenrahoitus`).
    #[serde(rename = "opintojenRahoitus")]
    pub opintojen_rahoitus: Option<Koodiviite>,
}

/// Suoritus: a completion, main-level or nested (koski.md §3.4). `osasuoritukset` recurse.
///
/// A main-level completion is complete once it has a `vahvistus`; a nested one once it has an
/// `arviointi`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Suoritus {
    /// Tyyppi: the kind of completion (code set `suorituksentyyppi`), e.g. `ammatillinentutkinto`,
    /// `ammatillisentutkinnonosa`, `lukionoppiaine`, `ylioppilastutkinnonkoe`.
    pub tyyppi: Koodiviite,
    /// Koulutusmoduuli: what was studied.
    pub koulutusmoduuli: Koulutusmoduuli,
    /// Toimipiste: the branch or unit where it was studied.
    pub toimipiste: Option<Organisaatio>,
    /// Järjestäjä: the organiser of a language exam (which has no oppilaitos).
    #[serde(rename = "järjestäjä")]
    pub jarjestaja: Option<Organisaatio>,
    /// Alkamispäivä: start date.
    #[serde(rename = "alkamispäivä", default, deserialize_with = "opt_pvm")]
    pub alkamispaiva: Option<Pvm>,
    /// Arviointi: grades, oldest first; later entries are improvements, the last one counts.
    #[serde(default)]
    pub arviointi: Vec<Arviointi>,
    /// Vahvistus: the formal confirmation of completion.
    pub vahvistus: Option<Vahvistus>,
    /// Suorituskieli: language of instruction (code set `kieli`, upper case: `FI`, `SV`, `EN`).
    pub suorituskieli: Option<Koodiviite>,
    /// Osasuoritukset: the parts (units, subjects, modules, exams), recursively.
    #[serde(default)]
    pub osasuoritukset: Vec<Suoritus>,
    /// Tutkintonimike: vocational qualification titles (code set `tutkintonimikkeet`).
    #[serde(default)]
    pub tutkintonimike: Vec<Koodiviite>,
    /// Osaamisala: vocational competence areas.
    #[serde(default)]
    pub osaamisala: Vec<Osaamisalajakso>,
    /// Tutkinnon osan ryhmä: group of a vocational unit (1 vocational, 2 common, 3 elective, 4 extending).
    #[serde(rename = "tutkinnonOsanRyhmä")]
    pub tutkinnon_osan_ryhma: Option<Koodiviite>,
    /// Tutkintokerta: the matriculation-exam session, e.g. `2012K` (spring 2012).
    pub tutkintokerta: Option<Tutkintokerta>,
    /// Hyväksilukupäivä: date of recognition, for recognised HE credit.
    #[serde(rename = "hyväksilukupäivä", default, deserialize_with = "opt_pvm")]
    pub hyvaksilukupaiva: Option<Pvm>,
}

impl Suoritus {
    /// The grade that counts: the last `arviointi`.
    pub fn viimeisin_arviointi(&self) -> Option<&Arviointi> {
        self.arviointi.last()
    }

    /// How deep the tree of parts goes: 1 for a completion without parts.
    pub fn syvyys(&self) -> usize {
        1 + self
            .osasuoritukset
            .iter()
            .map(Suoritus::syvyys)
            .max()
            .unwrap_or(0)
    }
}

/// Koulutusmoduuli: what a completion is of (koski.md §3.5).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Koulutusmoduuli {
    /// Tunniste: a code from a national code set, or a local code.
    pub tunniste: Tunniste,
    /// Nimi: name of a local module (code-set modules are named by `tunniste.nimi`).
    pub nimi: Option<LocalizedString>,
    /// Virtanimi: a higher-education degree's name as VIRTA gives it.
    #[serde(rename = "virtaNimi")]
    pub virta_nimi: Option<LocalizedString>,
    /// Kuvaus: description (local units: including the competence requirements).
    pub kuvaus: Option<LocalizedString>,
    /// Laajuus: extent with its unit. Qualifications have none: sum the parts.
    pub laajuus: Option<Laajuus>,
    /// Pakollinen: whether the module is compulsory.
    pub pakollinen: Option<bool>,
    /// Kieli: the language of a language subject, e.g. `EN` in `kielivalikoima`.
    pub kieli: Option<Koodiviite>,
    /// Perusteen diaarinumero: the national curriculum (ePerusteet) the module follows.
    #[serde(rename = "perusteenDiaarinumero")]
    pub perusteen_diaarinumero: Option<String>,
    /// Koulutustyyppi: kind of education, inferred by KOSKI (`1` perustutkinto, `2` lukio, …).
    pub koulutustyyppi: Option<Koodiviite>,
}

/// Tunniste: a module's code. From a national code set when `koodisto_uri` is set (e.g.
/// `koulutus`, `tutkinnonosat`, `moduulikoodistolops2021`), else a local code (PaikallinenKoodi,
/// whose code-set URI KOSKI never sends).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Tunniste {
    /// Koodiarvo: the code.
    pub koodiarvo: String,
    /// Nimi: the code's name.
    pub nimi: Option<LocalizedString>,
    /// Koodisto-URI: the code set; `None` for a local code.
    #[serde(rename = "koodistoUri")]
    pub koodisto_uri: Option<String>,
}

impl Tunniste {
    /// Whether this is a local code (PaikallinenKoodi), defined by the institution.
    pub fn is_paikallinen(&self) -> bool {
        self.koodisto_uri.is_none()
    }
}

/// Koodistokoodiviite: a reference to a code in a KOSKI code set (koski.md §3.3). Equality in
/// KOSKI is on (`koodisto_uri`, `koodiarvo`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Koodiviite {
    /// Koodiarvo: the code.
    pub koodiarvo: String,
    /// Nimi: the code's name, filled in by KOSKI.
    pub nimi: Option<LocalizedString>,
    /// Lyhyt nimi: the code's short name.
    #[serde(rename = "lyhytNimi")]
    pub lyhyt_nimi: Option<LocalizedString>,
    /// Koodisto-URI: the code set, e.g. `arviointiasteikkoammatillinent1k3`.
    #[serde(rename = "koodistoUri")]
    pub koodisto_uri: String,
    /// Koodistoversio: the code set's version.
    #[serde(rename = "koodistoVersio")]
    pub koodisto_versio: Option<u32>,
}

/// LocalizedString: a text in Finnish, Swedish and/or English (koski.md §3.3).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct LocalizedString {
    /// Finnish.
    pub fi: Option<String>,
    /// Swedish.
    pub sv: Option<String>,
    /// English.
    pub en: Option<String>,
}

impl LocalizedString {
    /// The non-blank texts with their ISO 639-1 language, in the order fi, sv, en.
    pub fn texts(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [("fi", &self.fi), ("sv", &self.sv), ("en", &self.en)]
            .into_iter()
            .filter_map(|(lang, text)| {
                let text = text.as_deref()?.trim();
                (!text.is_empty()).then_some((lang, text))
            })
    }

    /// The text in `lang` (`fi`, `sv` or `en`), if there is a non-blank one.
    pub fn get(&self, lang: &str) -> Option<&str> {
        self.texts().find(|(l, _)| *l == lang).map(|(_, t)| t)
    }

    /// Whether there is no non-blank text at all.
    pub fn is_empty(&self) -> bool {
        self.texts().next().is_none()
    }
}

/// Laajuus: an extent and its unit (koski.md §3.5, §4.1).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Laajuus {
    /// Arvo: the amount.
    pub arvo: f64,
    /// Yksikkö: the unit (code set `opintojenlaajuusyksikko`: `2` opintopiste, `4` kurssi,
    /// `6` osaamispiste, …).
    #[serde(rename = "yksikkö")]
    pub yksikko: Koodiviite,
}

impl Laajuus {
    /// The amount as the shortest decimal text: `40.0` → `40`, `1.5` → `1.5`.
    pub fn arvo_text(&self) -> String {
        format!("{}", self.arvo)
    }
}

/// Arviointi: a grade (koski.md §3.6).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Arviointi {
    /// Arvosana: the grade; its `koodisto_uri` is the scale, e.g. `arviointiasteikkoyleissivistava`.
    pub arvosana: Koodiviite,
    /// Päivä: date of the grade; optional for lukio subjects and matriculation exams.
    #[serde(rename = "päivä", default, deserialize_with = "opt_pvm")]
    pub paiva: Option<Pvm>,
    /// Hyväksytty: whether the grade is a pass (computed by KOSKI, output only).
    #[serde(rename = "hyväksytty")]
    pub hyvaksytty: Option<bool>,
    /// Kuvaus: a verbal assessment.
    pub kuvaus: Option<LocalizedString>,
}

/// Vahvistus: the formal confirmation of a completion (koski.md §3.6). The signatories
/// (`myöntäjäHenkilöt`) are not kept: they are names of people, not needed for a transcript.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Vahvistus {
    /// Päivä: date of confirmation (for a qualification, its completion date).
    #[serde(rename = "päivä", deserialize_with = "pvm")]
    pub paiva: Pvm,
    /// Myöntäjäorganisaatio: the organisation that confirmed it.
    #[serde(rename = "myöntäjäOrganisaatio")]
    pub myontaja_organisaatio: Organisaatio,
    /// Paikkakunta: municipality of confirmation (code set `kunta`).
    pub paikkakunta: Option<Koodiviite>,
}

/// Oppilaitos: an educational institution (koski.md §3.7).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Oppilaitos {
    /// Oid: the organisation OID (`1.2.246.562.10.…`), the primary key.
    pub oid: String,
    /// Oppilaitosnumero: the 5-digit institution code (for universities the VIRTA `Myontaja`).
    pub oppilaitosnumero: Option<Koodiviite>,
    /// Nimi: name.
    pub nimi: Option<LocalizedString>,
    /// Kotipaikka: home municipality (code set `kunta`).
    pub kotipaikka: Option<Koodiviite>,
}

/// Koulutustoimija: an education provider (koski.md §3.7).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Koulutustoimija {
    /// Oid: the organisation OID.
    pub oid: String,
    /// Nimi: name.
    pub nimi: Option<LocalizedString>,
    /// Y-tunnus: the business ID.
    #[serde(rename = "yTunnus")]
    pub y_tunnus: Option<String>,
}

/// Organisaatio: any organisation KOSKI names (institution, branch, company, board): every field
/// is optional because the shapes differ (koski.md §3.7).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Organisaatio {
    /// Oid: the organisation OID; companies (`Yritys`) have none.
    pub oid: Option<String>,
    /// Oppilaitosnumero: the 5-digit institution code.
    pub oppilaitosnumero: Option<Koodiviite>,
    /// Nimi: name.
    pub nimi: Option<LocalizedString>,
    /// Y-tunnus: business ID of a company.
    #[serde(rename = "yTunnus")]
    pub y_tunnus: Option<String>,
}

/// Osaamisala: a vocational competence area with its period.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Osaamisalajakso {
    /// Osaamisala: the area (code set `osaamisala`).
    pub osaamisala: Koodiviite,
    /// Alku: start date.
    #[serde(default, deserialize_with = "opt_pvm")]
    pub alku: Option<Pvm>,
    /// Loppu: end date.
    #[serde(default, deserialize_with = "opt_pvm")]
    pub loppu: Option<Pvm>,
}

/// Tutkintokerta: a matriculation-exam session.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Tutkintokerta {
    /// Koodiarvo: year and season, e.g. `2012K` (kevät, spring) or `2013S` (syksy, autumn).
    pub koodiarvo: String,
    /// Vuosi: the year.
    pub vuosi: Option<i32>,
    /// Vuodenaika: the season's name.
    pub vuodenaika: Option<LocalizedString>,
}

impl fmt::Display for Tunniste {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.koodisto_uri {
            Some(uri) => write!(f, "{uri}/{}", self.koodiarvo),
            None => f.write_str(&self.koodiarvo),
        }
    }
}

/// A KOSKI date, `YYYY-MM-DD`.
fn pvm<'de, D: Deserializer<'de>>(d: D) -> Result<Pvm, D::Error> {
    let text = String::deserialize(d)?;
    Pvm::parse(&text)
        .ok_or_else(|| D::Error::invalid_value(Unexpected::Str(&text), &"a date YYYY-MM-DD"))
}

/// An optional KOSKI date.
fn opt_pvm<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Pvm>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(text) => Pvm::parse(&text)
            .map(Some)
            .ok_or_else(|| D::Error::invalid_value(Unexpected::Str(&text), &"a date YYYY-MM-DD")),
    }
}

/// The identity code, wrapped at once so that no `Debug` can print it.
fn hetu<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Henkilotunnus>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.map(Henkilotunnus::new))
}
