//! Which request gets which fault: per-identity faults first, then the explicit schedule, then
//! the seeded error rate. Every decision is a pure function of the configuration and the
//! request's number, so the same run gives the same faults.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use crate::stats::identity_digest;

/// A stand-in service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Service {
    /// VIRTA SOAP (`/luku/OpiskelijanTiedot`).
    Virta,
    /// KOSKI REST (`/koski/api/...`).
    Koski,
}

impl Service {
    /// `virta` or `koski`.
    pub fn as_str(self) -> &'static str {
        match self {
            Service::Virta => "virta",
            Service::Koski => "koski",
        }
    }
}

/// A fault that a request can be answered with. Each service renders it in its own wire format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fault {
    /// VIRTA: HTTP 500 with a `SOAP-ENV:Server` fault. KOSKI: 500 `internalError`.
    ServerFault,
    /// VIRTA: HTTP 500 with a `SOAP-ENV:Client` "Validation error" fault (not worth retrying).
    /// KOSKI: 400 `badRequest`.
    ClientFault,
    /// HTTP 401: VIRTA as `auth_failure` says, KOSKI `unauthorized.loginFail`.
    Unauthorized,
    /// HTTP 404: VIRTA with an empty body, KOSKI `notFound.oppijaaEiLöydyTaiEiOikeuksia`.
    NotFound,
    /// HTTP 503: VIRTA a plain page with `Retry-After: 1`, KOSKI `unavailable.virta`.
    Unavailable,
    /// HTTP 504 from a gateway, plain text.
    GatewayTimeout,
    /// The normal answer's status and headers, but only the first half of its body, streamed
    /// and ended early: the client reads a cut document (koski.md §2.2).
    Truncated,
    /// The connection is dropped with a TCP reset and no response.
    Reset,
}

impl Fault {
    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Fault::ServerFault => "server-fault",
            Fault::ClientFault => "client-fault",
            Fault::Unauthorized => "401",
            Fault::NotFound => "404",
            Fault::Unavailable => "503",
            Fault::GatewayTimeout => "504",
            Fault::Truncated => "truncated",
            Fault::Reset => "reset",
        }
    }
}

impl FromStr for Fault {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(match text {
            "server-fault" | "500" => Fault::ServerFault,
            "client-fault" | "400" => Fault::ClientFault,
            "401" => Fault::Unauthorized,
            "404" => Fault::NotFound,
            "503" => Fault::Unavailable,
            "504" => Fault::GatewayTimeout,
            "truncated" => Fault::Truncated,
            "reset" => Fault::Reset,
            other => {
                return Err(format!(
                    "unknown fault `{other}`: expected server-fault (500), client-fault (400), \
                     401, 404, 503, 504, truncated or reset"
                ));
            }
        })
    }
}

/// The faults the error rate draws from, in equal shares.
const VIRTA_MIX: [Fault; 4] = [
    Fault::ServerFault,
    Fault::Unavailable,
    Fault::GatewayTimeout,
    Fault::Reset,
];
const KOSKI_MIX: [Fault; 4] = [
    Fault::Unavailable,
    Fault::ServerFault,
    Fault::Truncated,
    Fault::Reset,
];

/// A scheduled fault: requests `from..=to` (1-based, counted per service) get `fault`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct FaultRule {
    /// The service whose requests are counted.
    pub service: Service,
    /// First request number hit (1-based).
    pub from: u64,
    /// Last request number hit; `None` means every request from `from` on.
    pub to: Option<u64>,
    /// The answer they get.
    pub fault: Fault,
}

impl FaultRule {
    fn applies(&self, service: Service, number: u64) -> bool {
        self.service == service && number >= self.from && self.to.is_none_or(|to| number <= to)
    }
}

impl FromStr for FaultRule {
    type Err = String;

    /// `virta:1-3=503`, `koski:*=truncated`, `virta:5=reset`, `koski:10-=504`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let usage = "expected SERVICE:REQUESTS=FAULT, e.g. virta:1-3=503 or koski:*=truncated";
        let (service, rest) = text.split_once(':').ok_or_else(|| usage.to_owned())?;
        let (range, fault) = rest.split_once('=').ok_or_else(|| usage.to_owned())?;
        let service = match service {
            "virta" => Service::Virta,
            "koski" => Service::Koski,
            other => return Err(format!("unknown service `{other}` in `{text}`: {usage}")),
        };
        let number = |n: &str| {
            n.parse::<u64>()
                .ok()
                .filter(|&n| n > 0)
                .ok_or_else(|| format!("bad request number `{n}` in `{text}` (numbers start at 1)"))
        };
        let (from, to) = match range {
            "*" => (1, None),
            _ => match range.split_once('-') {
                Some((from, "")) => (number(from)?, None),
                Some((from, to)) => (number(from)?, Some(number(to)?)),
                None => {
                    let n = number(range)?;
                    (n, Some(n))
                }
            },
        };
        if to.is_some_and(|to| to < from) {
            return Err(format!("empty request range in `{text}`"));
        }
        Ok(FaultRule {
            service,
            from,
            to,
            fault: fault.parse()?,
        })
    }
}

impl TryFrom<String> for FaultRule {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

/// A fault for one learner, for deterministic tests: "the first N attempts for X fail with K"
/// or "X always gets K". Set through [`crate::StandIn::identity_fault`], never on a command line
/// (an identity code there would show in process listings).
#[derive(Clone)]
pub struct IdentityFault {
    service: Service,
    identity: String,
    first: Option<u32>,
    fault: Fault,
}

impl IdentityFault {
    /// Every request to `service` that asks for `identity` (henkilötunnus or OID) gets `fault`.
    pub fn always(service: Service, identity: impl Into<String>, fault: Fault) -> Self {
        IdentityFault {
            service,
            identity: identity.into(),
            first: None,
            fault,
        }
    }

    /// The first `attempts` requests to `service` for `identity` get `fault`; later ones are
    /// answered normally.
    pub fn first(
        attempts: u32,
        service: Service,
        identity: impl Into<String>,
        fault: Fault,
    ) -> Self {
        IdentityFault {
            first: Some(attempts),
            ..IdentityFault::always(service, identity, fault)
        }
    }
}

// Manual: the identity is shown only as its digest.
impl fmt::Debug for IdentityFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdentityFault")
            .field("service", &self.service)
            .field("identity", &identity_digest(&self.identity))
            .field("first", &self.first)
            .field("fault", &self.fault)
            .finish()
    }
}

/// The running fault plan: request counters and per-identity attempt counters.
pub(crate) struct Injector {
    rules: Vec<FaultRule>,
    identity_faults: Vec<IdentityFault>,
    error_rate: f64,
    seed: u64,
    latency_ms: u64,
    latency_jitter_ms: u64,
    virta_requests: AtomicU64,
    koski_requests: AtomicU64,
    all_requests: AtomicU64,
    /// Attempts so far per (service, identity), for `IdentityFault::first`.
    attempts: Mutex<HashMap<(Service, String), u32>>,
}

/// One request's place in the plan.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ticket {
    pub(crate) service: Service,
    /// 1-based number of this request among the service's requests.
    pub(crate) number: u64,
    /// How long to wait before answering.
    pub(crate) delay_ms: u64,
}

impl Injector {
    pub(crate) fn new(config: &crate::Config, identity_faults: Vec<IdentityFault>) -> Self {
        Injector {
            rules: config.faults.clone(),
            identity_faults,
            error_rate: config.error_rate,
            seed: config.seed,
            latency_ms: config.latency_ms,
            latency_jitter_ms: config.latency_jitter_ms,
            virta_requests: AtomicU64::new(0),
            koski_requests: AtomicU64::new(0),
            all_requests: AtomicU64::new(0),
            attempts: Mutex::new(HashMap::new()),
        }
    }

    /// Numbers a request on arrival and draws its delay.
    pub(crate) fn arrive(&self, service: Service) -> Ticket {
        let counter = match service {
            Service::Virta => &self.virta_requests,
            Service::Koski => &self.koski_requests,
        };
        let number = counter.fetch_add(1, Ordering::Relaxed) + 1;
        let overall = self.all_requests.fetch_add(1, Ordering::Relaxed) + 1;
        let jitter = match self.latency_jitter_ms {
            0 => 0,
            max => mix(self.seed, 0x6a69_7474_6572, overall) % (max + 1),
        };
        Ticket {
            service,
            number,
            delay_ms: self.latency_ms.saturating_add(jitter),
        }
    }

    /// The fault this request gets, if any. Counts an attempt for each identity asked for.
    pub(crate) fn decide(&self, ticket: Ticket, identities: &[String]) -> Option<Fault> {
        if let Some(fault) = self.identity_fault(ticket.service, identities) {
            return Some(fault);
        }
        if let Some(rule) = self
            .rules
            .iter()
            .find(|rule| rule.applies(ticket.service, ticket.number))
        {
            return Some(rule.fault);
        }
        if self.error_rate > 0.0 {
            let salt = match ticket.service {
                Service::Virta => 0x0076_6972_7461,
                Service::Koski => 0x006b_6f73_6b69,
            };
            let draw = mix(self.seed, salt, ticket.number);
            // The top 53 bits as a number in [0, 1).
            let share = (draw >> 11) as f64 / (1u64 << 53) as f64;
            if share < self.error_rate {
                let mix_of = match ticket.service {
                    Service::Virta => &VIRTA_MIX,
                    Service::Koski => &KOSKI_MIX,
                };
                let pick = mix(self.seed, salt ^ 0x006d_6978, ticket.number) % mix_of.len() as u64;
                return mix_of.get(usize::try_from(pick).unwrap_or(0)).copied();
            }
        }
        None
    }

    fn identity_fault(&self, service: Service, identities: &[String]) -> Option<Fault> {
        if self.identity_faults.is_empty() {
            return None;
        }
        let mut attempts = self.attempts.lock().unwrap_or_else(|e| e.into_inner());
        let mut chosen = None;
        for identity in identities {
            let seen = attempts.entry((service, identity.clone())).or_insert(0);
            *seen += 1;
            let attempt = *seen;
            let hit = self.identity_faults.iter().find(|f| {
                f.service == service
                    && f.identity == *identity
                    && f.first.is_none_or(|n| attempt <= n)
            });
            if chosen.is_none() {
                chosen = hit.map(|f| f.fault);
            }
        }
        chosen
    }
}

/// SplitMix64 of (seed, salt, n): a fixed, well-spread draw per request number.
fn mix(seed: u64, salt: u64, n: u64) -> u64 {
    let mut z = seed ^ salt.rotate_left(17) ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
