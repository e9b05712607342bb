//! The read API's own figures for Prometheus, served at `GET /metrics`: requests by route and
//! status class, latency, documents served, signing time, rate-limited requests and cache errors.
//! A few atomics and a text formatter; nothing here blocks a request. Routes are labelled by
//! their template, never by the path a caller sent, so no learner key, identity code or caller
//! name reaches a label (DESIGN.md invariant 5).

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use super::Format;

/// The `route` label: the routes' templates, and `other` for paths that match none (404).
const ROUTES: [&str; 6] = [
    "/v1/learners/{key}/elmo",
    "/v1/learners/{key}/refresh",
    "/v1/learners/lookup",
    "/health",
    "/metrics",
    "other",
];

/// The `status` label.
const CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];

/// Request latency, seconds: a 304 takes well under a millisecond, a signed document with its
/// PDF some tens of milliseconds, a slow cache seconds.
const LATENCY_BOUNDS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Signing time, seconds: one RSA-2048 signature and the canonicalisation around it.
const SIGNING_BOUNDS: &[f64] = &[0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25];

/// Everything counted since the server started.
pub(super) struct Metrics {
    requests: [[AtomicU64; CLASSES.len()]; ROUTES.len()],
    latency: [Histogram; ROUTES.len()],
    /// By [`Format`]: `elmo`, `emrex`.
    documents: [AtomicU64; 2],
    signing: Histogram,
    rate_limited: AtomicU64,
    cache_errors: AtomicU64,
    /// Documents sent from the cache of signed bodies, and those signed afresh.
    signed_hits: AtomicU64,
    signed_misses: AtomicU64,
}

impl Metrics {
    pub(super) fn new() -> Metrics {
        Metrics {
            requests: Default::default(),
            latency: std::array::from_fn(|_| Histogram::new(LATENCY_BOUNDS)),
            documents: Default::default(),
            signing: Histogram::new(SIGNING_BOUNDS),
            rate_limited: AtomicU64::new(0),
            cache_errors: AtomicU64::new(0),
            signed_hits: AtomicU64::new(0),
            signed_misses: AtomicU64::new(0),
        }
    }

    /// One answered request. `route` is the matched route's template, `None` when none matched.
    pub(super) fn request(&self, route: Option<&str>, status: u16, took: Duration) {
        let r = route
            .and_then(|route| ROUTES.iter().position(|known| *known == route))
            .unwrap_or(ROUTES.len() - 1);
        let class = usize::from(status / 100).clamp(1, CLASSES.len()) - 1;
        self.requests[r][class].fetch_add(1, Relaxed);
        self.latency[r].observe(took);
    }

    /// A signed document (200) went out.
    pub(super) fn document(&self, format: Format) {
        let i = match format {
            Format::Elmo => 0,
            Format::Emrex => 1,
        };
        self.documents[i].fetch_add(1, Relaxed);
    }

    pub(super) fn signed(&self, took: Duration) {
        self.signing.observe(took);
    }

    /// A document body was found in the cache of signed bodies (`hit`) or had to be signed.
    pub(super) fn signed_cache(&self, hit: bool) {
        let counter = if hit {
            &self.signed_hits
        } else {
            &self.signed_misses
        };
        counter.fetch_add(1, Relaxed);
    }

    pub(super) fn rate_limited(&self) {
        self.rate_limited.fetch_add(1, Relaxed);
    }

    pub(super) fn cache_error(&self) {
        self.cache_errors.fetch_add(1, Relaxed);
    }

    /// The Prometheus text exposition format (version 0.0.4). `signed_cache` is the cache of
    /// signed bodies' entries and bytes.
    pub(super) fn render(&self, signed_cache: (usize, usize)) -> String {
        let mut out = String::new();
        header(
            &mut out,
            "rikastin_serve_requests_total",
            "Requests answered, by route and status class.",
            "counter",
        );
        for (route, by_class) in ROUTES.iter().zip(&self.requests) {
            for (class, n) in CLASSES.iter().zip(by_class) {
                let n = n.load(Relaxed);
                // Only the classes a route has answered: most pairs stay empty for ever.
                if n > 0 {
                    let _ = writeln!(
                        out,
                        "rikastin_serve_requests_total{{route=\"{route}\",status=\"{class}\"}} {n}"
                    );
                }
            }
        }
        header(
            &mut out,
            "rikastin_serve_request_duration_seconds",
            "Time from a request's arrival to its response, by route.",
            "histogram",
        );
        for (route, h) in ROUTES.iter().zip(&self.latency) {
            h.render(
                &mut out,
                "rikastin_serve_request_duration_seconds",
                &format!("route=\"{route}\","),
            );
        }
        header(
            &mut out,
            "rikastin_serve_documents_total",
            "Signed documents sent (200), by format.",
            "counter",
        );
        for (format, n) in ["elmo", "emrex"].iter().zip(&self.documents) {
            let _ = writeln!(
                out,
                "rikastin_serve_documents_total{{format=\"{format}\"}} {}",
                n.load(Relaxed)
            );
        }
        header(
            &mut out,
            "rikastin_serve_signing_duration_seconds",
            "Time to sign one document (XML-DSig).",
            "histogram",
        );
        self.signing
            .render(&mut out, "rikastin_serve_signing_duration_seconds", "");
        header(
            &mut out,
            "rikastin_serve_rate_limited_total",
            "Requests refused with 429 because their token was over its rate limit.",
            "counter",
        );
        let _ = writeln!(
            out,
            "rikastin_serve_rate_limited_total {}",
            self.rate_limited.load(Relaxed)
        );
        header(
            &mut out,
            "rikastin_serve_cache_errors_total",
            "Requests that failed because the cache could not be opened or read.",
            "counter",
        );
        let _ = writeln!(
            out,
            "rikastin_serve_cache_errors_total {}",
            self.cache_errors.load(Relaxed)
        );
        header(
            &mut out,
            "rikastin_serve_signed_cache_lookups_total",
            "Document requests answered from the cache of signed bodies (hit) or signed afresh (miss).",
            "counter",
        );
        for (result, n) in [("hit", &self.signed_hits), ("miss", &self.signed_misses)] {
            let _ = writeln!(
                out,
                "rikastin_serve_signed_cache_lookups_total{{result=\"{result}\"}} {}",
                n.load(Relaxed)
            );
        }
        header(
            &mut out,
            "rikastin_serve_signed_cache_bytes",
            "Bytes of signed bodies held (serve.signed_cache_mb bounds it).",
            "gauge",
        );
        let _ = writeln!(out, "rikastin_serve_signed_cache_bytes {}", signed_cache.1);
        header(
            &mut out,
            "rikastin_serve_signed_cache_entries",
            "Signed bodies held.",
            "gauge",
        );
        let _ = writeln!(
            out,
            "rikastin_serve_signed_cache_entries {}",
            signed_cache.0
        );
        out
    }
}

fn header(out: &mut String, name: &str, help: &str, kind: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

/// A Prometheus histogram: a count per bucket (not cumulative until rendered) and the sum.
struct Histogram {
    bounds: &'static [f64],
    /// One per bound, and the last for `+Inf`.
    buckets: Vec<AtomicU64>,
    sum_micros: AtomicU64,
}

impl Histogram {
    fn new(bounds: &'static [f64]) -> Histogram {
        Histogram {
            bounds,
            buckets: (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect(),
            sum_micros: AtomicU64::new(0),
        }
    }

    fn observe(&self, took: Duration) {
        let secs = took.as_secs_f64();
        let i = self
            .bounds
            .iter()
            .position(|bound| secs <= *bound)
            .unwrap_or(self.bounds.len());
        self.buckets[i].fetch_add(1, Relaxed);
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        self.sum_micros.fetch_add(micros, Relaxed);
    }

    /// `labels` is empty or ends in a comma, to go before `le`.
    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let mut cumulative = 0;
        let les = self
            .bounds
            .iter()
            .map(f64::to_string)
            .chain(["+Inf".into()]);
        for (le, n) in les.zip(&self.buckets) {
            cumulative += n.load(Relaxed);
            let _ = writeln!(out, "{name}_bucket{{{labels}le=\"{le}\"}} {cumulative}");
        }
        let labels = labels.trim_end_matches(',');
        let braced = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        let sum = self.sum_micros.load(Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum{braced} {sum}");
        let _ = writeln!(out, "{name}_count{braced} {cumulative}");
    }
}
