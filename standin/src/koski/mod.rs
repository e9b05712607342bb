//! The KOSKI stand-in: `GET /koski/api/oppija/{oid}` with HTTP Basic, the OmaData OAuth2
//! resource-server call with a bearer token, and `POST /koski/api/henkilo/hetu`, with KOSKI's
//! error bodies (koski.md §2.2, §2.5, §2.7, §2.8).

mod index;

#[cfg(test)]
mod tests;

use axum::body::Bytes;
use axum::extract::connect_info::ConnectInfo;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use base64::Engine as _;
use serde_json::{Value, json};

pub(crate) use index::KoskiIndex;

use crate::faults::{Fault, Service};
use crate::server::{AppState, Peer, Reply, Shared};
use crate::stats::{Outcome, Route};

/// KOSKI's content type for JSON, errors included (koski.md §2.7).
const KOSKI_JSON: &str = "application/json;charset=utf-8";
/// The scopes every configured bearer token carries.
const TOKEN_SCOPE: &str = "HENKILOTIEDOT_KAIKKI_TIEDOT OPISKELUOIKEUDET_KAIKKI_TIEDOT";

/// `[{"key": .., "message": ..}]`, KOSKI's error body.
fn error(status: StatusCode, key: &str, message: &str, outcome: Outcome) -> Reply {
    let body = json!([{ "key": key, "message": message }]).to_string();
    Reply::new(status, KOSKI_JSON, body, outcome)
}

fn unavailable_virta() -> Reply {
    error(
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable.virta",
        "Korkeakoulutuksen opiskeluoikeuksia ei juuri nyt saada haettua. Yritä myöhemmin uudelleen.",
        Outcome::Unavailable,
    )
}

fn not_found(oid: Option<&str>) -> Reply {
    let message = match oid.filter(|oid| is_oid(oid)) {
        Some(oid) => {
            format!("Oppijaa {oid} ei löydy tai käyttäjällä ei ole oikeuksia tietojen katseluun.")
        }
        None => "Oppijaa ei löydy tai käyttäjällä ei ole oikeuksia tietojen katseluun.".to_owned(),
    };
    error(
        StatusCode::NOT_FOUND,
        "notFound.oppijaaEiLöydyTaiEiOikeuksia",
        &message,
        Outcome::NotFound,
    )
}

fn login_fail() -> Reply {
    error(
        StatusCode::UNAUTHORIZED,
        "unauthorized.loginFail",
        "Sisäänkirjautuminen epäonnistui.",
        Outcome::Unauthorized,
    )
    .header(header::WWW_AUTHENTICATE, "Basic realm=\"koski\"")
}

/// An injected fault, in KOSKI's wire format.
fn forced(fault: Fault, oid: Option<&str>) -> Reply {
    match fault {
        Fault::ClientFault => error(
            StatusCode::BAD_REQUEST,
            "badRequest",
            "Virheellinen pyyntö.",
            Outcome::BadRequest,
        ),
        Fault::Unauthorized => login_fail(),
        Fault::NotFound => not_found(oid),
        Fault::Unavailable => unavailable_virta(),
        Fault::GatewayTimeout => crate::virta::gateway_timeout(),
        Fault::ServerFault | Fault::Truncated | Fault::Reset => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internalError",
            "Järjestelmässä tapahtui odottamaton virhe. Yritä myöhemmin uudelleen.",
            Outcome::InternalError,
        ),
    }
}

/// Whether a fault replaces the answer (truncation and resets act on the answer instead).
fn replaces_answer(fault: Option<Fault>) -> Option<Fault> {
    fault.filter(|f| !matches!(f, Fault::Truncated | Fault::Reset))
}

/// KOSKI's oppija OID: `1.2.246.562.(24|98|198).<11 digits>` (koski.md §3.1).
fn is_oid(text: &str) -> bool {
    let Some(rest) = text.strip_prefix("1.2.246.562.") else {
        return false;
    };
    let Some((class, number)) = rest.split_once('.') else {
        return false;
    };
    matches!(class, "24" | "98" | "198")
        && number.len() == 11
        && number.bytes().all(|b| b.is_ascii_digit())
}

/// HTTP Basic against the configured user: `None` when accepted, else the 401.
fn check_basic(state: &Shared, headers: &HeaderMap) -> Option<Reply> {
    let Some(credentials) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
    else {
        return Some(
            error(
                StatusCode::UNAUTHORIZED,
                "unauthorized.notAuthenticated",
                "Käyttäjä ei ole tunnistautunut.",
                Outcome::Unauthorized,
            )
            .header(header::WWW_AUTHENTICATE, "Basic realm=\"koski\""),
        );
    };
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(credentials.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok());
    let accepted = decoded
        .as_deref()
        .and_then(|d| d.split_once(':'))
        .is_some_and(|(user, password)| {
            user == state.config.koski_user && password == state.config.koski_password
        });
    (!accepted).then(login_fail)
}

/// The document served for `oid`, or why not.
fn oppija_reply(state: &Shared, oid: &str) -> Reply {
    if !is_oid(oid) {
        let message = format!(
            "Virheellinen oid: {}. Esimerkki oikeasta muodosta: 1.2.246.562.24.00000000001.",
            rikastin_sources::redact(oid)
        );
        return error(
            StatusCode::BAD_REQUEST,
            "badRequest.queryParam.virheellinenHenkilöOid",
            &message,
            Outcome::BadRequest,
        );
    }
    let Some(document) = state.koski.by_oid(oid) else {
        return not_found(Some(oid));
    };
    // KOSKI asks VIRTA for every known learner, so its failure fails the whole answer.
    if state.config.virta_unavailable || document.virta_fails {
        return unavailable_virta();
    }
    Reply::new(
        StatusCode::OK,
        KOSKI_JSON,
        document.bytes.clone(),
        Outcome::Ok,
    )
}

/// `GET /koski/api/oppija/{oid}` with HTTP Basic.
pub(crate) async fn oppija(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    Path(oid): Path<String>,
    headers: HeaderMap,
) -> Response {
    let call = state.arrive(Route::Koski, Service::Koski).await;
    let identities = vec![oid.clone()];
    let fault = state.fault(&call, &identities);
    let reply = match replaces_answer(fault) {
        Some(fault) => forced(fault, Some(&oid)),
        None => check_basic(&state, &headers).unwrap_or_else(|| oppija_reply(&state, &oid)),
    };
    state.finish(call, "oppija", &identities, reply, fault, &peer)
}

/// `POST /koski/api/omadata-oauth2/resource-server` with `Authorization: Bearer <token>`:
/// the oppija document plus `tokenInfo` (koski.md §2.5).
pub(crate) async fn omadata(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    headers: HeaderMap,
) -> Response {
    let call = state.arrive(Route::Koski, Service::Koski).await;
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let learner = token.and_then(|token| {
        state
            .config
            .koski_bearer
            .iter()
            .find(|b| b.token == token)
            .map(|b| b.oid.clone())
    });
    let identities: Vec<String> = learner.iter().cloned().collect();
    let fault = state.fault(&call, &identities);
    let reply = match (replaces_answer(fault), learner) {
        (Some(fault), learner) => forced(fault, learner.as_deref()),
        (None, None) => {
            let (error, description) = match token {
                None => ("invalid_request", "Bearer token missing"),
                Some(_) => ("invalid_token", "Token is invalid or has expired"),
            };
            let body = json!({ "error": error, "error_description": description }).to_string();
            Reply::new(
                StatusCode::UNAUTHORIZED,
                "application/json",
                body,
                Outcome::Unauthorized,
            )
            .header(header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"")
        }
        (None, Some(learner)) => omadata_reply(&state, &learner),
    };
    state.finish(call, "omadata-oauth2", &identities, reply, fault, &peer)
}

fn omadata_reply(state: &Shared, learner: &str) -> Reply {
    let document = state
        .koski
        .by_oid(learner)
        .or_else(|| state.koski.by_hetu(learner));
    let Some(document) = document else {
        return not_found(Some(learner));
    };
    if state.config.virta_unavailable || document.virta_fails {
        return unavailable_virta();
    }
    let expires = chrono::Utc::now() + chrono::Duration::hours(1);
    let token_info = json!({
        "scope": TOKEN_SCOPE,
        "expirationTime": expires.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    });
    // Splice `tokenInfo` in before the closing brace, leaving the document's bytes as they are.
    let text = String::from_utf8_lossy(&document.bytes);
    let body = match text.trim_end().strip_suffix('}') {
        Some(head) => format!("{head},\"tokenInfo\":{token_info}}}"),
        None => text.into_owned(),
    };
    Reply::new(StatusCode::OK, KOSKI_JSON, body, Outcome::Ok)
}

/// `POST /koski/api/henkilo/hetu` `{"hetu": ".."}`: the person, or `[]` (koski.md §2.2).
pub(crate) async fn henkilo_hetu(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let call = state.arrive(Route::Koski, Service::Koski).await;
    let parsed: Option<Value> = serde_json::from_slice(&body).ok();
    let hetu = parsed
        .as_ref()
        .and_then(|v| v.get("hetu"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let identities: Vec<String> = hetu.iter().cloned().collect();
    let fault = state.fault(&call, &identities);
    let reply = match replaces_answer(fault) {
        Some(fault) => forced(fault, None),
        None => check_basic(&state, &headers)
            .unwrap_or_else(|| henkilo_reply(&state, parsed.is_some(), hetu.as_deref())),
    };
    state.finish(call, "henkilo-hetu", &identities, reply, fault, &peer)
}

fn henkilo_reply(state: &Shared, parsed: bool, hetu: Option<&str>) -> Reply {
    if !parsed {
        return error(
            StatusCode::BAD_REQUEST,
            "badRequest.format.json",
            "Epäkelpo JSON-dokumentti",
            Outcome::BadRequest,
        );
    }
    // The message never repeats the value: it may be an identity code.
    let Some(hetu) = hetu.filter(|h| hetu_shaped(h)) else {
        return error(
            StatusCode::BAD_REQUEST,
            "badRequest.validation.henkilötiedot.hetu",
            "Virheellinen hetu",
            Outcome::BadRequest,
        );
    };
    let found = state.koski.by_hetu(hetu).map(|document| {
        let mut person = serde_json::Map::new();
        for key in ["oid", "hetu", "etunimet", "kutsumanimi", "sukunimi"] {
            if let Some(value) = document.string(key) {
                person.insert(key.to_owned(), Value::String(value.to_owned()));
            }
        }
        Value::Object(person)
    });
    let body = Value::Array(found.into_iter().collect()).to_string();
    Reply::new(StatusCode::OK, KOSKI_JSON, body, Outcome::Ok)
}

/// `DDMMYY`, a century sign, three digits and a check character. KOSKI also takes the test
/// range 900-999 here, unlike VIRTA's schema.
fn hetu_shaped(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 11
        && b[..6].iter().all(u8::is_ascii_digit)
        && b"+-ABCDEFXYWVU".contains(&b[6])
        && b[7..10].iter().all(u8::is_ascii_digit)
        && b[10].is_ascii_alphanumeric()
}
