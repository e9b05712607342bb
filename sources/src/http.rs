//! The HTTP plumbing every networked source shares, written once: one client with timeouts, a
//! rate limit, a cap on requests in flight, and retries with exponential backoff and jitter.
//!
//! A source supplies two things: how to build its request, and a `classify` function that turns
//! a response into a [`Verdict`] (done, try again, or give up). Everything else lives here, so
//! VIRTA and KOSKI retry, pace and time out the same way.

use std::num::NonZeroU32;
use std::time::Duration;

use backon::BackoffBuilder;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::Deserialize;
use tokio::sync::Semaphore;

/// `sources.<name>.http` in pipeline.yaml: where a source lives and how hard we may press it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpConfig {
    /// The service URL, e.g. `https://ws.tietovaranto.csc.fi/luku/OpiskelijanTiedot`.
    pub endpoint: String,
    /// Whole-request timeout, connect to last byte. A timed-out request is retried.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// Time allowed for the TCP (and TLS) connection.
    #[serde(default = "default_connect_timeout_ms")]
    pub connect_timeout_ms: u64,
    /// Steady rate of requests, retries included. VIRTA publishes no quota; a few per second
    /// is what its other clients use (virta.md §7).
    #[serde(default = "default_requests_per_sec")]
    pub requests_per_sec: f64,
    /// Requests that may go at once after a quiet spell, above the steady rate.
    #[serde(default = "default_burst")]
    pub burst: u32,
    /// Requests in flight at any moment.
    #[serde(default = "default_max_in_flight")]
    pub max_in_flight: usize,
    /// Retries after the first attempt for a transient failure (5xx, SOAP Server fault,
    /// timeout, reset, truncated body). 0 tries once.
    #[serde(default = "default_max_retries")]
    pub max_retries: usize,
    /// First backoff delay; it doubles on each retry, with jitter, up to `backoff_max_ms`.
    #[serde(default = "default_backoff_initial_ms")]
    pub backoff_initial_ms: u64,
    /// Longest backoff delay, and the most a `Retry-After` header may make us wait.
    #[serde(default = "default_backoff_max_ms")]
    pub backoff_max_ms: u64,
    /// The largest answer read, in megabytes, as sent (`Content-Length`) and as decompressed:
    /// a 1 MB gzip answer may inflate to gigabytes. A larger one fails the learner's refresh,
    /// naming the source and the limit, and is not retried. Real answers are 50–200 KB.
    #[serde(default = "default_max_body_mb")]
    pub max_body_mb: u64,
}

const fn default_timeout_ms() -> u64 {
    30_000
}
const fn default_connect_timeout_ms() -> u64 {
    5_000
}
const fn default_requests_per_sec() -> f64 {
    5.0
}
const fn default_burst() -> u32 {
    1
}
const fn default_max_in_flight() -> usize {
    4
}
const fn default_max_retries() -> usize {
    3
}
const fn default_backoff_initial_ms() -> u64 {
    200
}
const fn default_backoff_max_ms() -> u64 {
    10_000
}
const fn default_max_body_mb() -> u64 {
    64
}

impl HttpConfig {
    /// A config with every default, for `endpoint`.
    pub fn new(endpoint: impl Into<String>) -> Self {
        Self {
            endpoint: endpoint.into(),
            timeout_ms: default_timeout_ms(),
            connect_timeout_ms: default_connect_timeout_ms(),
            requests_per_sec: default_requests_per_sec(),
            burst: default_burst(),
            max_in_flight: default_max_in_flight(),
            max_retries: default_max_retries(),
            backoff_initial_ms: default_backoff_initial_ms(),
            backoff_max_ms: default_backoff_max_ms(),
            max_body_mb: default_max_body_mb(),
        }
    }

    /// Checks the values without opening anything; the message names the key.
    pub fn validate(&self) -> Result<(), String> {
        let url = reqwest::Url::parse(&self.endpoint)
            .map_err(|e| format!("endpoint: not a URL ({e}), e.g. `https://host/path`"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err("endpoint: must start with http:// or https://".into());
        }
        if !(self.requests_per_sec.is_finite() && self.requests_per_sec > 0.0) {
            return Err("requests_per_sec: must be a number above 0".into());
        }
        if self.burst == 0 {
            return Err("burst: must be at least 1".into());
        }
        if self.max_in_flight == 0 {
            return Err("max_in_flight: must be at least 1".into());
        }
        if self.timeout_ms == 0 || self.connect_timeout_ms == 0 {
            return Err("timeout_ms and connect_timeout_ms: must be above 0".into());
        }
        if self.backoff_initial_ms > self.backoff_max_ms {
            return Err("backoff_initial_ms: must not exceed backoff_max_ms".into());
        }
        if self.max_body_mb == 0 {
            return Err("max_body_mb: must be at least 1".into());
        }
        Ok(())
    }
}

/// Why a fetch gave up. None of these texts carries an identity code: the sources redact what
/// the services echo back.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// The service refused our credentials (HTTP 401/403 or an access fault). The run stops:
    /// every other learner would fail the same way.
    #[error("{service} refused the credentials ({detail}); check {credential}")]
    Rejected {
        /// `virta` or `koski`.
        service: &'static str,
        /// Which setting holds the credential, e.g. `sources.virta.credentials.avain_env`.
        credential: String,
        /// Status and what the service said.
        detail: String,
    },
    /// The service said the request itself is wrong (a SOAP Client fault, HTTP 400). Retrying
    /// cannot help; the learner is dead-lettered with the text.
    #[error("{service} rejected the request: {detail}")]
    Invalid {
        /// `virta` or `koski`.
        service: &'static str,
        /// The fault or error text, redacted.
        detail: String,
    },
    /// Every attempt failed transiently.
    #[error("{service} failed {attempts} times; last: {last}")]
    Exhausted {
        /// `virta` or `koski`.
        service: &'static str,
        /// Attempts made.
        attempts: usize,
        /// The last failure.
        last: String,
    },
    /// A complete answer that we cannot read (not truncated: malformed).
    #[error("{service} answered with data we cannot read: {detail}")]
    Unreadable {
        /// `virta` or `koski`.
        service: &'static str,
        /// Where and what, from the parser.
        detail: String,
    },
    /// The client could not be built (TLS backend, bad endpoint).
    #[error("{service}: cannot set up the HTTP client: {detail}")]
    Setup {
        /// `virta` or `koski`.
        service: &'static str,
        /// Why.
        detail: String,
    },
}

impl FetchError {
    /// True when the whole run should stop rather than go on with the next learner.
    pub fn stops_run(&self) -> bool {
        matches!(self, Self::Rejected { .. } | Self::Setup { .. })
    }

    /// The service that failed: `virta` or `koski`.
    pub fn service(&self) -> &'static str {
        match self {
            Self::Rejected { service, .. }
            | Self::Invalid { service, .. }
            | Self::Exhausted { service, .. }
            | Self::Unreadable { service, .. }
            | Self::Setup { service, .. } => service,
        }
    }

    /// A short class for reports and dead letters: `rejected`, `invalid`, `exhausted`,
    /// `unreadable`, `setup`.
    pub fn class(&self) -> &'static str {
        match self {
            Self::Rejected { .. } => "rejected",
            Self::Invalid { .. } => "invalid",
            Self::Exhausted { .. } => "exhausted",
            Self::Unreadable { .. } => "unreadable",
            Self::Setup { .. } => "setup",
        }
    }
}

/// What a source makes of one response.
pub enum Verdict<T> {
    /// The answer.
    Done(T),
    /// Worth another attempt; `retry_after` is the server's own `Retry-After`, when it sent one.
    Transient {
        /// What happened, for the last-error text.
        reason: String,
        /// The server's requested wait.
        retry_after: Option<Duration>,
    },
    /// Give up on this learner (or the run, see [`FetchError::stops_run`]).
    Fatal(FetchError),
}

/// A response as `classify` sees it: the whole body is read first, so a connection cut in the
/// middle of the body is a transient failure here rather than a parse error later.
pub struct Answer {
    /// HTTP status.
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// The whole body.
    pub body: Vec<u8>,
}

impl Answer {
    /// `Retry-After` in seconds (the HTTP-date form is rare for these services and ignored).
    pub fn retry_after(&self) -> Option<Duration> {
        let value = self
            .headers
            .get(reqwest::header::RETRY_AFTER)?
            .to_str()
            .ok()?;
        value.trim().parse::<u64>().ok().map(Duration::from_secs)
    }
}

/// One upstream service: a pooled client, its pace and its retry policy. Cheap to share behind
/// an `Arc`; every learner's requests go through the same limiter.
pub struct HttpSource {
    service: &'static str,
    client: reqwest::Client,
    limiter: DefaultDirectRateLimiter,
    in_flight: Semaphore,
    config: HttpConfig,
    /// Set when the service refused our credentials: later calls fail at once with the same
    /// error instead of sending requests that must fail too.
    refused: std::sync::OnceLock<FetchError>,
}

impl HttpSource {
    /// Builds the client for `service` (`virta`, `koski`) from a checked config.
    pub fn new(service: &'static str, config: HttpConfig) -> Result<Self, FetchError> {
        let setup = |detail: String| FetchError::Setup { service, detail };
        config.validate().map_err(setup)?;
        let client = reqwest::Client::builder()
            .timeout(Duration::from_millis(config.timeout_ms))
            .connect_timeout(Duration::from_millis(config.connect_timeout_ms))
            .user_agent(concat!("rikastin/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| setup(e.to_string()))?;
        let period = Duration::from_secs_f64(1.0 / config.requests_per_sec);
        let burst = NonZeroU32::new(config.burst).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(period)
            .ok_or_else(|| setup("requests_per_sec is too high".into()))?
            .allow_burst(burst);
        Ok(Self {
            service,
            client,
            limiter: RateLimiter::direct(quota),
            in_flight: Semaphore::new(config.max_in_flight),
            config,
            refused: std::sync::OnceLock::new(),
        })
    }

    /// The configured endpoint.
    pub fn endpoint(&self) -> &str {
        &self.config.endpoint
    }

    /// The service name given to [`HttpSource::new`].
    pub fn service(&self) -> &'static str {
        self.service
    }

    /// Sends the request that `build` makes until `classify` is content, a fatal verdict comes,
    /// or the retries run out. Each attempt waits for the rate limiter and a free slot; the
    /// backoff sleep holds neither, so other learners go on meanwhile.
    pub async fn call<T>(
        &self,
        build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
        classify: impl Fn(Answer) -> Verdict<T>,
    ) -> Result<T, FetchError> {
        let max_delay = Duration::from_millis(self.config.backoff_max_ms);
        let mut backoff = backon::ExponentialBuilder::new()
            .with_min_delay(Duration::from_millis(self.config.backoff_initial_ms))
            .with_max_delay(max_delay)
            .with_max_times(self.config.max_retries)
            .with_jitter()
            .build();
        let mut attempts = 0;
        loop {
            attempts += 1;
            let (reason, retry_after) = match self.attempt(&build).await {
                Ok(answer) => match classify(answer) {
                    Verdict::Done(value) => return Ok(value),
                    Verdict::Fatal(error) => {
                        if let FetchError::Rejected { .. } = error {
                            let _ = self.refused.set(error.clone());
                        }
                        return Err(error);
                    }
                    Verdict::Transient {
                        reason,
                        retry_after,
                    } => (reason, retry_after),
                },
                Err(NoAnswer::Transient(reason)) => (reason, None),
                Err(NoAnswer::Refused(error) | NoAnswer::Fatal(error)) => return Err(error),
            };
            let Some(delay) = backoff.next() else {
                return Err(FetchError::Exhausted {
                    service: self.service,
                    attempts,
                    last: reason,
                });
            };
            // The server knows its own load better than our schedule does, up to our ceiling.
            let delay = retry_after.map_or(delay, |r| r.min(max_delay).max(delay));
            tracing::debug!(service = self.service, attempts, ?delay, %reason, "retrying");
            tokio::time::sleep(delay).await;
        }
    }

    /// One request: wait for a slot and the limiter, send, read the whole body.
    async fn attempt(
        &self,
        build: &impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> Result<Answer, NoAnswer> {
        let refused = || self.refused.get().cloned().map(NoAnswer::Refused);
        if let Some(e) = refused() {
            return Err(e);
        }
        let _slot = self
            .in_flight
            .acquire()
            .await
            .map_err(|_| NoAnswer::Transient("the source is shutting down".to_owned()))?;
        self.limiter.until_ready().await;
        // Waiting may have taken a while; another learner may have been refused meanwhile.
        if let Some(e) = refused() {
            return Err(e);
        }
        let response = build(&self.client)
            .send()
            .await
            .map_err(|e| NoAnswer::Transient(transport_failure(&e)))?;
        let status = response.status();
        let headers = response.headers().clone();
        let limit = self.config.max_body_mb.saturating_mul(1024 * 1024);
        let too_large = || {
            NoAnswer::Fatal(FetchError::Unreadable {
                service: self.service,
                detail: format!(
                    "the answer is larger than max_body_mb ({} MB) of sources.{}.http",
                    self.config.max_body_mb, self.service
                ),
            })
        };
        // As sent: refuse before reading a byte of a body announced too large.
        if response.content_length().is_some_and(|n| n > limit) {
            return Err(too_large());
        }
        // As decompressed: read chunk by chunk and stop at the limit, never holding more.
        let mut response = response;
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if (body.len() + chunk.len()) as u64 > limit {
                        return Err(too_large());
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => {
                    return Err(NoAnswer::Transient(format!(
                        "HTTP {status}, body cut off: {}",
                        transport_failure(&e)
                    )));
                }
            }
        }
        Ok(Answer {
            status,
            headers,
            body,
        })
    }
}

/// Why an attempt brought no answer.
enum NoAnswer {
    /// The transport failed; worth another attempt.
    Transient(String),
    /// The service refused our credentials earlier; do not send.
    Refused(FetchError),
    /// The answer cannot be used, and asking again would give the same (e.g. too large).
    Fatal(FetchError),
}

/// A transport error in words, without the URL (a KOSKI URL carries the learner's OID).
fn transport_failure(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else if error.is_body() || error.is_decode() {
        "body could not be read"
    } else {
        "request failed"
    };
    // The source chain says "connection reset" and the like; the URL is stripped off.
    let mut detail = String::new();
    let mut cause = std::error::Error::source(error);
    while let Some(c) = cause {
        detail = c.to_string();
        cause = c.source();
    }
    if detail.is_empty() {
        kind.to_owned()
    } else {
        format!("{kind}: {}", crate::redact(&detail))
    }
}

#[cfg(test)]
pub(crate) mod script;
#[cfg(test)]
mod tests;
