//! Stand-in VIRTA and KOSKI servers: the real wire formats over HTTP, answers from recorded files.
//! Tests start them in process; `make run-live` runs the binary on loopback.
//! Knobs for latency, error rate and a fault schedule reproduce what the real services do.
//!
//! - [`Config`] says what to serve (a folder of recorded VIRTA SOAP answers, a folder of KOSKI
//!   oppija documents), which credentials to accept and which faults to inject.
//! - [`StandIn::start`] binds a port and returns a [`Running`] server, with its URLs and its
//!   [`Stats`]: every request's route, arrival time, outcome and the learners asked for, as
//!   digests only ([`identity_digest`]).
//! - Faults come from, in this order: per-learner [`IdentityFault`]s, the [`FaultRule`]
//!   schedule, then the seeded `error_rate`.
//!
//! Routes: VIRTA `POST /luku/OpiskelijanTiedot` (alias `/luku106/...`) and
//! `GET /luku/opiskelijatiedot.wsdl`; KOSKI `GET /koski/api/oppija/{oid}`,
//! `POST /koski/api/omadata-oauth2/resource-server`, `POST /koski/api/henkilo/hetu`; and
//! `GET /_standin/stats` (the request log as JSON).

mod config;
mod error;
mod faults;
mod koski;
mod server;
mod stats;
mod virta;

pub use config::{
    AuthFailure, BearerToken, Config, DEFAULT_KOSKI_PASSWORD, DEFAULT_KOSKI_USER,
    DEFAULT_VIRTA_AVAIN, DEFAULT_VIRTA_JARJESTELMA, DEFAULT_VIRTA_TUNNUS, NoData, Quirk,
};
pub use error::{Error, Result};
pub use faults::{Fault, FaultRule, IdentityFault, Service};
pub use server::{Running, StandIn};
pub use stats::{Outcome, RequestRecord, Route, Stats, identity_digest};

#[cfg(test)]
mod tests;

/// Every `*.{extension}` file of `dir` with its bytes, sorted by name: the data both stand-ins
/// serve.
fn read_files(
    dir: &std::path::Path,
    extension: &str,
) -> Result<Vec<(std::path::PathBuf, Vec<u8>)>> {
    let read_err = |path: &std::path::Path, source| Error::Read {
        path: path.to_owned(),
        source,
    };
    let mut paths: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| read_err(dir, e))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == extension))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).map_err(|e| read_err(&path, e))?;
            Ok((path, bytes))
        })
        .collect()
}
