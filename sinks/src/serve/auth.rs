//! Who may call the read API: bearer tokens, kept in config only as SHA-256 hashes, each with
//! its own rate limit so one caller cannot starve the others.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use sha2::{Digest, Sha256};

use super::{Problem, Server};

/// One caller's token as configured: a name for the access log and the token's SHA-256.
#[derive(Debug, Clone)]
pub struct Token {
    /// Who calls with it, e.g. `ncp-production`; shown in the access log.
    pub name: String,
    /// Lower-case hex SHA-256 of the token (`printf %s TOKEN | sha256sum`).
    pub sha256: String,
}

/// Requests per second and burst allowed to each token.
#[derive(Debug, Clone, Copy)]
pub struct RateLimit {
    /// Sustained requests per second.
    pub per_second: NonZeroU32,
    /// Requests allowed at once after a quiet spell.
    pub burst: NonZeroU32,
}

/// The accepted tokens and their limiter.
pub struct Tokens {
    by_hash: HashMap<[u8; 32], String>,
    limiter: DefaultKeyedRateLimiter<String>,
}

impl Tokens {
    /// Accepts `tokens`, each limited to `limit`. A hash that is not 64 hex characters is an
    /// error naming the token.
    pub fn new(tokens: &[Token], limit: RateLimit) -> Result<Tokens, String> {
        let mut by_hash = HashMap::new();
        for token in tokens {
            let mut hash = [0u8; 32];
            hex::decode_to_slice(token.sha256.trim(), &mut hash).map_err(|_| {
                format!(
                    "token {:?}: sha256 is not 64 hex characters; expected the output of \
                     `printf %s TOKEN | sha256sum`",
                    token.name
                )
            })?;
            by_hash.insert(hash, token.name.clone());
        }
        let quota = Quota::per_second(limit.per_second).allow_burst(limit.burst);
        Ok(Tokens {
            by_hash,
            limiter: RateLimiter::keyed(quota),
        })
    }

    /// The name of the caller whose token this is.
    pub(super) fn caller(&self, token: &str) -> Option<&str> {
        let hash: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        self.by_hash.get(&hash).map(String::as_str)
    }
}

/// The authorised caller's name, put on the response for the access log.
#[derive(Debug, Clone)]
pub(super) struct Caller(pub String);

/// 401 without a known bearer token, 429 over the caller's rate.
pub(super) async fn authorise(
    State(server): State<Arc<Server>>,
    request: Request,
    next: Next,
) -> Response {
    let bearer = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let Some(name) = bearer.and_then(|t| server.tokens.caller(t.trim())) else {
        let mut response = Problem::new(
            StatusCode::UNAUTHORIZED,
            "expected `Authorization: Bearer TOKEN` with a token this server accepts",
        )
        .into_response();
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"rikastin\""),
        );
        return response;
    };
    let caller = Caller(name.to_owned());
    if let Err(not_until) = server.tokens.limiter.check_key(&caller.0) {
        server.metrics.rate_limited();
        let wait = not_until.wait_time_from(governor::clock::Clock::now(
            &governor::clock::DefaultClock::default(),
        ));
        let mut response = Problem::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "over this token's rate limit; retry in {} ms",
                wait.as_millis()
            ),
        )
        .into_response();
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
        response.extensions_mut().insert(caller);
        return response;
    }
    let mut response = next.run(request).await;
    response.extensions_mut().insert(caller);
    response
}
