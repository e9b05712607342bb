//! What the stand-in saw: one record per request (route, arrival time, outcome, and the learners
//! asked for as digests only), so tests can count attempts and measure rates without an identity
//! code ever showing in their output.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Serialize, Serializer};
use sha2::{Digest, Sha256};

/// The digest a learner is recorded under: the first 16 hex characters of SHA-256 of the
/// identity string (henkilötunnus or OID), so tests can count attempts per learner without
/// printing an identity code.
pub fn identity_digest(identity: &str) -> String {
    let mut digest = hex::encode(Sha256::digest(identity.as_bytes()));
    digest.truncate(16);
    digest
}

/// Which endpoint a request went to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Route {
    /// VIRTA SOAP calls (`POST /luku/OpiskelijanTiedot`, `/luku106/...`).
    Virta,
    /// The VIRTA WSDL (`GET /luku/opiskelijatiedot.wsdl`).
    VirtaWsdl,
    /// Every KOSKI API call (`/koski/api/...`); the record's `operation` tells which.
    Koski,
}

impl Route {
    /// `virta`, `virta-wsdl` or `koski`.
    pub fn as_str(self) -> &'static str {
        match self {
            Route::Virta => "virta",
            Route::VirtaWsdl => "virta-wsdl",
            Route::Koski => "koski",
        }
    }
}

/// How a request was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Outcome {
    /// 200 with data.
    #[serde(rename = "ok")]
    Ok,
    /// VIRTA 200 "nobody found" (an empty or absent `virta:Virta`).
    #[serde(rename = "no-data")]
    NoData,
    /// VIRTA 500 `SOAP-ENV:Client` fault: a validation error or an unknown operation.
    #[serde(rename = "client-fault")]
    ClientFault,
    /// VIRTA 500 `SOAP-ENV:Client` "Access denied" (wrong credentials, `auth_failure = fault`).
    #[serde(rename = "auth-fault")]
    AuthFault,
    /// VIRTA 500 `SOAP-ENV:Server` fault.
    #[serde(rename = "server-fault")]
    ServerFault,
    /// 400: malformed request (KOSKI error body, or VIRTA non-XML).
    #[serde(rename = "400")]
    BadRequest,
    /// 401: missing or wrong credentials.
    #[serde(rename = "401")]
    Unauthorized,
    /// 404: unknown learner (KOSKI) or path.
    #[serde(rename = "404")]
    NotFound,
    /// KOSKI 500 `internalError`.
    #[serde(rename = "500")]
    InternalError,
    /// 503: VIRTA overloaded, KOSKI `unavailable.virta`.
    #[serde(rename = "503")]
    Unavailable,
    /// 504 from a gateway.
    #[serde(rename = "504")]
    GatewayTimeout,
    /// The connection was dropped without a response.
    #[serde(rename = "reset")]
    Reset,
    /// A 200 whose body was cut in half.
    #[serde(rename = "truncated")]
    Truncated,
}

impl Outcome {
    /// The name used in the stats and logs (`ok`, `no-data`, `503`, `reset`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::NoData => "no-data",
            Outcome::ClientFault => "client-fault",
            Outcome::AuthFault => "auth-fault",
            Outcome::ServerFault => "server-fault",
            Outcome::BadRequest => "400",
            Outcome::Unauthorized => "401",
            Outcome::NotFound => "404",
            Outcome::InternalError => "500",
            Outcome::Unavailable => "503",
            Outcome::GatewayTimeout => "504",
            Outcome::Reset => "reset",
            Outcome::Truncated => "truncated",
        }
    }
}

/// One request as the stand-in saw it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestRecord {
    /// The endpoint.
    pub route: Route,
    /// The operation: `OpiskelijanKaikkiTiedot`, `OpiskelijanKaikkiTiedotLista`, `wsdl`,
    /// `oppija`, `omadata-oauth2`, `henkilo-hetu`, or `unknown`.
    pub operation: String,
    /// Arrival time since the stand-in started (before any injected latency).
    #[serde(rename = "at_ms", serialize_with = "millis")]
    pub at: Duration,
    /// How it was answered.
    pub outcome: Outcome,
    /// The HTTP status sent; `None` when the connection was reset.
    pub status: Option<u16>,
    /// The learners asked for, as [`identity_digest`]s.
    pub identities: Vec<String>,
}

fn millis<S: Serializer>(at: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(at.as_secs_f64() * 1000.0)
}

/// The request log of a running stand-in. Cheap to clone: clones share one log.
#[derive(Debug, Clone)]
pub struct Stats(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    start: Instant,
    records: Mutex<Vec<RequestRecord>>,
}

impl Stats {
    pub(crate) fn new() -> Self {
        Stats(Arc::new(Inner {
            start: Instant::now(),
            records: Mutex::new(Vec::new()),
        }))
    }

    /// Time since the stand-in started.
    pub(crate) fn elapsed(&self) -> Duration {
        self.0.start.elapsed()
    }

    pub(crate) fn record(&self, record: RequestRecord) {
        self.lock().push(record);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<RequestRecord>> {
        // A panic elsewhere cannot leave a Vec half-pushed, so a poisoned log is still good.
        self.0.records.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every request so far, in order of arrival.
    pub fn requests(&self) -> Vec<RequestRecord> {
        let mut records = self.lock().clone();
        records.sort_by_key(|r| r.at);
        records
    }

    /// Number of requests to `route`.
    pub fn count(&self, route: Route) -> usize {
        self.lock().iter().filter(|r| r.route == route).count()
    }

    /// Number of requests to `route` answered with `outcome`.
    pub fn count_outcome(&self, route: Route, outcome: Outcome) -> usize {
        self.lock()
            .iter()
            .filter(|r| r.route == route && r.outcome == outcome)
            .count()
    }

    /// Number of requests (any route) that asked for `identity`, a henkilötunnus or an OID.
    /// Only its digest is compared.
    pub fn attempts_for(&self, identity: &str) -> usize {
        let digest = identity_digest(identity);
        self.lock()
            .iter()
            .filter(|r| r.identities.contains(&digest))
            .count()
    }

    /// Arrival times of the requests to `route`, sorted.
    pub fn times(&self, route: Route) -> Vec<Duration> {
        let mut times: Vec<Duration> = self
            .lock()
            .iter()
            .filter(|r| r.route == route)
            .map(|r| r.at)
            .collect();
        times.sort();
        times
    }

    /// The most requests to `route` that arrived within any `window` (a sliding window
    /// `[t, t + window)` starting at some arrival), for checking a client's rate limit.
    pub fn max_requests_in_any_window(&self, route: Route, window: Duration) -> usize {
        let times = self.times(route);
        let mut best = 0;
        let mut first = 0;
        for (last, &at) in times.iter().enumerate() {
            while times
                .get(first)
                .is_some_and(|&t| at.saturating_sub(t) >= window)
            {
                first += 1;
            }
            best = best.max(last + 1 - first);
        }
        best
    }

    /// Request counts per route and outcome.
    pub fn counts(&self) -> BTreeMap<Route, BTreeMap<Outcome, usize>> {
        let mut counts: BTreeMap<Route, BTreeMap<Outcome, usize>> = BTreeMap::new();
        for r in self.lock().iter() {
            *counts
                .entry(r.route)
                .or_default()
                .entry(r.outcome)
                .or_default() += 1;
        }
        counts
    }

    /// Forgets every request so far (arrival times stay relative to the start).
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// One line per route: `virta: 12 requests (ok 10, 503 2)`.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        for (route, outcomes) in self.counts() {
            let total: usize = outcomes.values().sum();
            let parts: Vec<String> = outcomes
                .iter()
                .map(|(outcome, n)| format!("{} {n}", outcome.as_str()))
                .collect();
            let _ = writeln!(
                out,
                "{}: {total} requests ({})",
                route.as_str(),
                parts.join(", ")
            );
        }
        if out.is_empty() {
            out.push_str("no requests\n");
        }
        out
    }

    /// The JSON served at `GET /_standin/stats`: every request (digests only) and the counts.
    pub fn to_json(&self) -> serde_json::Value {
        let counts: BTreeMap<&str, BTreeMap<&str, usize>> = self
            .counts()
            .into_iter()
            .map(|(route, outcomes)| {
                let outcomes = outcomes
                    .into_iter()
                    .map(|(outcome, n)| (outcome.as_str(), n))
                    .collect();
                (route.as_str(), outcomes)
            })
            .collect();
        serde_json::json!({
            "requests": self.requests(),
            "counts": counts,
        })
    }
}
