//! VIRTA, the national register of higher-education study records (virta.md): the typed
//! records and the parser that reads them from SOAP responses and XML exports.

pub mod client;
mod cursor;
pub mod parse;
pub mod records;

#[cfg(test)]
mod tests;

pub use client::{
    Fetched, Kutsuja, LISTA_MAX, VirtaClient, VirtaQuery, lista_envelope, names_envelope,
};
pub use parse::{LUKU_NS, SOAP_ENV_NS, VIRTA_NS, parse};
pub use records::{
    Aikajakso, Arvosana, Asteikko, AsteikkoArvosana, Decimal, Henkilotunnus, Jakso,
    KoulutusalaOsuus, KoulutusalaVersio, Laajuus, Lukukausikertyma, LukuvuosiMaksu, MuuArvosana,
    Nimi, Opintosuoritus, Opiskelija, Opiskeluoikeus, OpiskeluoikeusTila, OrganisaatioRooli, Pvm,
    Quirk, QuirkKind, Rejected, SiirtoOpiskelija, Sisaltyvyys, Virta,
};
