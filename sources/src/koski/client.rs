//! The KOSKI REST client: `GET /koski/api/oppija/{oid}` with HTTP Basic, and the OmaData
//! resource-server call with a learner's bearer token (koski.md §2.2, §2.5, §2.7).
//!
//! 404 means KOSKI has nothing on the learner, which is an answer, not an error. 401/403 stop
//! the run. 503 (`unavailable.virta`, `unavailable.ytr`), 5xx and a truncated body are retried:
//! KOSKI streams, so an interrupted answer arrives as a 200 with cut JSON.

use std::fmt;

use super::{Oppija, parse, parse_errors};
use crate::http::{Answer, FetchError, HttpConfig, HttpSource, Verdict};

/// HTTP Basic credentials of a KOSKI service user.
#[derive(Clone)]
pub struct KoskiLogin {
    /// User name.
    pub username: String,
    /// Password.
    pub password: String,
    /// Where the password came from, named when KOSKI refuses it.
    pub password_source: String,
}

impl fmt::Debug for KoskiLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KoskiLogin")
            .field("username", &self.username)
            .field("password", &"***")
            .finish()
    }
}

/// A KOSKI endpoint (`https://host/koski`) with its credentials.
pub struct KoskiClient {
    http: HttpSource,
    login: KoskiLogin,
}

/// KOSKI's answer for one learner.
#[derive(Debug)]
pub struct FetchedOppija {
    /// The record; `None` when KOSKI has nothing (404).
    pub oppija: Option<Oppija>,
    /// Bytes received.
    pub bytes: usize,
}

impl KoskiClient {
    /// A client for `config.endpoint`, the API base ending in `/koski`.
    pub fn new(config: HttpConfig, login: KoskiLogin) -> Result<Self, FetchError> {
        Ok(Self {
            http: HttpSource::new("koski", config)?,
            login,
        })
    }

    /// `GET {base}/api/oppija/{oid}`. `origin` labels parse errors (use the learner key).
    pub async fn oppija(&self, oid: &str, origin: &str) -> Result<FetchedOppija, FetchError> {
        let url = format!(
            "{}/api/oppija/{}",
            self.http.endpoint().trim_end_matches('/'),
            // An OID is digits and dots; anything else must not reshape the path.
            oid.replace(|c: char| !(c.is_ascii_digit() || c == '.'), "")
        );
        self.http
            .call(
                |client| {
                    client
                        .get(&url)
                        .basic_auth(&self.login.username, Some(&self.login.password))
                        .header("Accept", "application/json")
                },
                |answer| self.classify(answer, origin, "the service user"),
            )
            .await
    }

    /// `POST {base}/api/omadata-oauth2/resource-server` with the learner's OmaData token.
    pub async fn oppija_by_token(
        &self,
        token: &str,
        origin: &str,
    ) -> Result<FetchedOppija, FetchError> {
        let url = format!(
            "{}/api/omadata-oauth2/resource-server",
            self.http.endpoint().trim_end_matches('/')
        );
        self.http
            .call(
                |client| client.post(&url).bearer_auth(token),
                |answer| self.classify(answer, origin, "the learner's OmaData bearer token"),
            )
            .await
    }

    fn classify(&self, answer: Answer, origin: &str, credential: &str) -> Verdict<FetchedOppija> {
        let status = answer.status.as_u16();
        let keys = || {
            let errors = parse_errors(&answer.body);
            if errors.is_empty() {
                format!("HTTP {status}")
            } else {
                let keys: Vec<&str> = errors.iter().map(|e| e.key.as_str()).collect();
                format!("HTTP {status} {}", keys.join(", "))
            }
        };
        match status {
            200 => match parse(&answer.body, origin) {
                Ok(oppija) => Verdict::Done(FetchedOppija {
                    oppija: Some(oppija),
                    bytes: answer.body.len(),
                }),
                Err(e) if e.is_retryable() => Verdict::Transient {
                    reason: e.to_string(),
                    retry_after: answer.retry_after(),
                },
                Err(e) => Verdict::Fatal(FetchError::Unreadable {
                    service: "koski",
                    detail: e.to_string(),
                }),
            },
            404 => Verdict::Done(FetchedOppija {
                oppija: None,
                bytes: answer.body.len(),
            }),
            401 | 403 => Verdict::Fatal(FetchError::Rejected {
                service: "koski",
                credential: if credential.starts_with("the service") {
                    format!(
                        "sources.koski.credentials (user `{}`, password from {})",
                        self.login.username, self.login.password_source
                    )
                } else {
                    credential.to_owned()
                },
                detail: keys(),
            }),
            500.. => Verdict::Transient {
                reason: keys(),
                retry_after: answer.retry_after(),
            },
            _ => Verdict::Fatal(FetchError::Invalid {
                service: "koski",
                detail: keys(),
            }),
        }
    }
}

#[cfg(test)]
mod tests;
