//! The read API the NCP calls: the cached, unsigned document of one learner, cut to the results
//! the student picked, with a PDF transcript, signed as the response is made (DESIGN.md
//! invariant 7, "sign last"). Routes, status codes and headers are in `docs/openapi.yaml`.

mod auth;
mod document;
mod metrics;
mod signed;
#[cfg(test)]
mod tests;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{MatchedPath, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router, middleware};
use serde::Deserialize;

pub use auth::{RateLimit, Token, Tokens};
pub use document::{DocumentRequest, Format, Served};

use crate::{Error, Identity, LearnerKey, LearnerSecret, Signer, Store, Transcript};

/// Opens one handle on the cache; the server keeps the handles it opened for later requests.
pub type OpenStore = Box<dyn Fn() -> Result<Box<dyn Store>, Error> + Send + Sync>;

/// Everything the server needs, built once at start and shared by every request.
pub struct Server {
    stores: StorePool,
    signer: Signer,
    transcript: Transcript,
    tokens: Tokens,
    secret: LearnerSecret,
    /// Whether a response carries the PDF transcript when the request does not say.
    transcript_by_default: bool,
    metrics: metrics::Metrics,
    /// Signed bodies by learner and ETag, sent again without signing.
    signed: signed::SignedCache,
}

impl Server {
    /// A server over the cache that `open` opens, signing with `signer`.
    pub fn new(
        open: OpenStore,
        signer: Signer,
        transcript: Transcript,
        tokens: Tokens,
        secret: LearnerSecret,
        transcript_by_default: bool,
        signed_cache_bytes: usize,
    ) -> Server {
        Server {
            stores: StorePool {
                open,
                idle: Mutex::new(Vec::new()),
            },
            signer,
            transcript,
            tokens,
            secret,
            transcript_by_default,
            metrics: metrics::Metrics::new(),
            signed: signed::SignedCache::new(signed_cache_bytes),
        }
    }

    /// The routes, behind bearer-token auth, a per-token rate limit and the access log.
    /// `/health` and `/metrics` need no token: neither says anything about a learner.
    pub fn router(self) -> Router {
        let server = Arc::new(self);
        Router::new()
            .route("/v1/learners/{key}/elmo", get(elmo))
            .route("/v1/learners/{key}/refresh", post(refresh))
            .route("/v1/learners/lookup", post(lookup))
            // route_layer: an unknown path is 404 without spending the caller's rate.
            .route_layer(middleware::from_fn_with_state(
                server.clone(),
                auth::authorise,
            ))
            .route("/health", get(|| async { "ok\n" }))
            .route("/metrics", get(metrics))
            .layer(middleware::from_fn_with_state(server.clone(), access_log))
            .with_state(server)
    }

    /// Runs one request's blocking work (cache read, selection, PDF, signing) on a pooled
    /// store handle, off the async workers.
    async fn with_store<T: Send + 'static>(
        self: &Arc<Self>,
        work: impl FnOnce(&Server, &mut dyn Store) -> T + Send + 'static,
    ) -> Result<T, Problem> {
        let server = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut store = server.stores.take().map_err(|e| server.cache_failed(e))?;
            let out = work(&server, store.as_mut());
            server.stores.give_back(store);
            Ok(out)
        })
        .await
        .map_err(|e| Problem::internal(format!("request worker failed: {e}")))?
    }

    /// A 500 for a cache that could not be opened or read, counted for `/metrics`.
    fn cache_failed(&self, e: impl std::fmt::Display) -> Problem {
        self.metrics.cache_error();
        Problem::internal(format!("cache: {e}"))
    }
}

/// Serves `router` on `listener` until `shutdown` resolves; requests under way are finished.
pub async fn run(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Cache handles opened so far and not in use. Opening one costs a schema check (and for
/// PostgreSQL a connection), so they are kept; there are never more than concurrent requests.
struct StorePool {
    open: OpenStore,
    idle: Mutex<Vec<Box<dyn Store>>>,
}

impl StorePool {
    fn take(&self) -> Result<Box<dyn Store>, Error> {
        let idle = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        match idle {
            Some(store) => Ok(store),
            None => (self.open)(),
        }
    }

    fn give_back(&self, store: Box<dyn Store>) {
        self.idle
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(store);
    }
}

/// `?select=ID,ID&format=elmo|emrex&transcript=true|false`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ElmoQuery {
    select: Option<String>,
    format: Option<Format>,
    transcript: Option<bool>,
}

async fn elmo(
    State(server): State<Arc<Server>>,
    Path(key): Path<String>,
    query: Result<Query<ElmoQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> Response {
    let Query(query) = match query {
        Ok(q) => q,
        Err(e) => return Problem::bad_request(e.body_text()).into_response(),
    };
    let key = match parse_key(&key) {
        Ok(key) => key,
        Err(problem) => return problem.into_response(),
    };
    let select = match query.select.as_deref().map(parse_select).transpose() {
        Ok(select) => select,
        Err(problem) => return problem.into_response(),
    };
    let format = query
        .format
        .unwrap_or_else(|| Format::from_accept(&headers));
    let request = DocumentRequest {
        select,
        format,
        transcript: query.transcript.unwrap_or(server.transcript_by_default),
        if_none_match: headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    };
    let served = server
        .with_store(move |server, store| document::respond(server, store, &key, &request))
        .await;
    match served {
        Ok(Ok(served)) => {
            if served.status == StatusCode::OK {
                server.metrics.document(served.format);
            }
            served.into_response()
        }
        Ok(Err(problem)) | Err(problem) => problem.into_response(),
    }
}

async fn refresh(State(server): State<Arc<Server>>, Path(key): Path<String>) -> Response {
    let key = match parse_key(&key) {
        Ok(key) => key,
        Err(problem) => return problem.into_response(),
    };
    let now = now_utc();
    let queued = server
        .with_store(move |_, store| store.request_refresh(&key, &now))
        .await;
    match queued {
        Ok(Ok(true)) => (
            StatusCode::ACCEPTED,
            Json(serde_json::json!({ "queued": true })),
        )
            .into_response(),
        Ok(Ok(false)) => Problem::not_found(
            "this learner is not a refresh target; add the learner with `rikastin targets add`",
        )
        .into_response(),
        Ok(Err(e)) => server.cache_failed(e).into_response(),
        Err(problem) => problem.into_response(),
    }
}

/// The body of `POST /v1/learners/lookup`: one identity, never in a URL.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LookupBody {
    henkilotunnus: Option<String>,
    oppijanumero: Option<String>,
}

async fn lookup(State(server): State<Arc<Server>>, body: Bytes) -> Response {
    // The body is never echoed, not even in a parse error: it holds an identity code.
    let Ok(body) = serde_json::from_slice::<LookupBody>(&body) else {
        return Problem::bad_request(
            "expected a JSON object with exactly one of `henkilotunnus` or `oppijanumero`",
        )
        .into_response();
    };
    let key = match (&body.henkilotunnus, &body.oppijanumero) {
        (Some(hetu), None) => LearnerKey::derive(
            &server.secret,
            // Upper-cased as `rikastin targets add` does, so both derive the same key.
            Identity::Henkilotunnus(&hetu.trim().to_ascii_uppercase()),
        ),
        (None, Some(oid)) => LearnerKey::derive(&server.secret, Identity::Oppijanumero(oid.trim())),
        _ => {
            return Problem::bad_request(
                "expected exactly one of `henkilotunnus` or `oppijanumero`",
            )
            .into_response();
        }
    };
    let found = server
        .with_store(move |_, store| {
            let meta = store.get_snapshot(&key).map(|s| s.map(|s| s.meta));
            meta.map(|m| (key, m))
        })
        .await;
    match found {
        Ok(Ok((key, Some(meta)))) => Json(serde_json::json!({
            "key": key.as_str(),
            "elmo": format!("/v1/learners/{key}/elmo"),
            "checked_at": meta.checked_at,
            "stale_since": meta.stale_since,
        }))
        .into_response(),
        Ok(Ok((_, None))) => Problem::not_found("no snapshot for this learner").into_response(),
        Ok(Err(e)) => server.cache_failed(e).into_response(),
        Err(problem) => problem.into_response(),
    }
}

fn parse_key(raw: &str) -> Result<LearnerKey, Problem> {
    // The error never quotes the path segment: someone may have put an identity code there.
    raw.parse::<LearnerKey>()
        .map_err(|e| Problem::bad_request(e.to_string()))
}

fn parse_select(raw: &str) -> Result<Vec<String>, Problem> {
    let ids: Vec<String> = raw
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if ids.is_empty() {
        return Err(Problem::bad_request(
            "`select` names no ids; expected LOS or LOI ids separated by commas",
        ));
    }
    Ok(ids)
}

fn now_utc() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// An error response: `application/problem+json` (RFC 9457) with a status and what was wrong.
#[derive(Debug)]
pub struct Problem {
    status: StatusCode,
    detail: String,
    /// The RFC 9457 `type`, for a problem a client acts on by kind (docs/openapi.yaml).
    kind: Option<&'static str>,
}

/// The problem type of a learner whose snapshot has no result to send: the NCP answers the
/// EMREX client `NCP_NO_RESULTS` (issue 19).
pub const NO_RESULTS_TYPE: &str = "urn:rikastin:problem:no-results";

impl Problem {
    /// The detail is redacted: a 400 may quote what the request sent, which can be an identity
    /// code (issue 19), and DESIGN.md invariant 5 allows none in any error body.
    fn new(status: StatusCode, detail: impl Into<String>) -> Problem {
        Problem {
            status,
            detail: elmo::redact(&detail.into()).into_owned(),
            kind: None,
        }
    }
    /// 422 with [`NO_RESULTS_TYPE`]: the learner is known, but has nothing to transfer.
    fn no_results() -> Problem {
        Problem {
            kind: Some(NO_RESULTS_TYPE),
            ..Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "the learner's snapshot has no results to send (NCP_NO_RESULTS)",
            )
        }
    }
    fn bad_request(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, detail)
    }
    fn not_found(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::NOT_FOUND, detail)
    }
    fn internal(detail: impl Into<String>) -> Problem {
        tracing::error!(target: "rikastin::serve", "{}", detail.into());
        // The client learns only that it failed; the log line has the detail.
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the server could not build this response; the log says why",
        )
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let mut body = serde_json::json!({
            "title": self.status.canonical_reason().unwrap_or("error"),
            "status": self.status.as_u16(),
            "detail": self.detail,
        });
        if let Some(kind) = self.kind {
            body["type"] = kind.into();
        }
        let mut response = (self.status, body.to_string()).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        response
    }
}

/// `GET /metrics`: the counters in Prometheus text format.
async fn metrics(State(server): State<Arc<Server>>) -> Response {
    let mut response = server.metrics.render(server.signed.usage()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

/// The request path as logged: percent-decoded where that spells a character, then with every
/// identity-code look-alike replaced by `***`.
fn redact_path(path: &str) -> String {
    let mut decoded = Vec::with_capacity(path.len());
    let bytes = path.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                decoded.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                decoded.push(b);
                i += 1;
            }
        }
    }
    elmo::redact(&String::from_utf8_lossy(&decoded)).into_owned()
}

/// One line per request: who (token name), what, how it ended and how long it took. The path
/// holds only learner keys; bodies and query values other than ids are never logged. The same
/// request is counted for `/metrics` by its route's template, never by its path.
async fn access_log(
    State(server): State<Arc<Server>>,
    request: axum::extract::Request,
    next: middleware::Next,
) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    // A caller may put an identity code where a learner key belongs, percent-encoded or not:
    // the log keeps neither (issue 19, DESIGN.md invariant 5).
    let path = redact_path(request.uri().path());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let response = next.run(request).await;
    server.metrics.request(
        route.as_deref(),
        response.status().as_u16(),
        started.elapsed(),
    );
    let caller = response
        .extensions()
        .get::<auth::Caller>()
        .map_or("-", |c| c.0.as_str())
        .to_owned();
    tracing::info!(
        target: "rikastin::access",
        caller,
        %method,
        path,
        status = response.status().as_u16(),
        ms = format_args!("{:.2}", started.elapsed().as_secs_f64() * 1000.0),
    );
    response
}
