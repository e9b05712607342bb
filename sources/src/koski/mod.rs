//! KOSKI, the national register of study rights and completions outside higher education
//! (koski.md): the typed JSON records and the parser that reads them.

pub mod client;
pub mod parse;
pub mod records;

#[cfg(test)]
mod tests;

pub use client::{FetchedOppija, KoskiClient, KoskiLogin};
pub use parse::{KoskiErrorBody, parse, parse_errors};
pub use records::{
    Arviointi, Henkilo, Koodiviite, Koulutusmoduuli, Koulutustoimija, Laajuus, LahdejarjestelmanId,
    LocalizedString, OpiskeluoikeudenTila, Opiskeluoikeus, Opiskeluoikeusjakso, Oppija, Oppilaitos,
    Organisaatio, Osaamisalajakso, Suoritus, TokenInfo, Tunniste, Tutkintokerta, Vahvistus,
};
