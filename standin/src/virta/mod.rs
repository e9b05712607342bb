//! The VIRTA stand-in: SOAP 1.1 at `/luku/OpiskelijanTiedot` (alias `/luku106/...`), answering
//! `OpiskelijanKaikkiTiedot`, `OpiskelijanKaikkiTiedotLista` and `OpiskelijanTiedot` (the names,
//! per institution) from recorded responses, with
//! the real service's validation faults, credential check and "nobody found" forms
//! (virta.md §2, §9), and the WSDL with the stand-in's own address.

mod index;
mod request;
mod soap;

#[cfg(test)]
mod tests;

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::connect_info::ConnectInfo;
use axum::extract::{OriginalUri, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use quick_xml::NsReader;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;

pub(crate) use index::{NamesIndex, VirtaIndex};
use request::{EnvelopeError, Operation, Rejection, Request};

use crate::config::{AuthFailure, Quirk};
use crate::faults::{Fault, Service};
use crate::server::{AppState, Peer, Reply, Shared};
use crate::stats::{Outcome, Route};

const TEXT_XML: &str = "text/xml; charset=UTF-8";
const WSDL_SOAP_NS: &str = "http://schemas.xmlsoap.org/wsdl/soap/";

/// The WSDL, rewritten once for each path prefix, and the organisation codes it enumerates.
#[derive(Debug)]
pub(crate) struct Wsdl {
    luku: String,
    luku106: String,
    /// `OrganisaatioKoodiTyyppi`: `organisaatio` must be one of these (empty: not checked).
    organisations: Vec<String>,
}

impl Wsdl {
    pub(crate) fn new(text: &str, addr: SocketAddr) -> Self {
        Wsdl {
            luku: rewrite_address(text, &format!("http://{addr}/luku/OpiskelijanTiedot")),
            luku106: rewrite_address(text, &format!("http://{addr}/luku106/OpiskelijanTiedot")),
            organisations: request::organisation_codes(text),
        }
    }
}

/// Replaces the `location` of every `soap:address` with `url`, as Spring-WS does when it
/// serves its WSDL (virta.md §2.1: the file says `https://localhost/...`).
pub(crate) fn rewrite_address(wsdl: &str, url: &str) -> String {
    let mut reader = NsReader::from_str(wsdl);
    let mut spans = Vec::new();
    loop {
        let before = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = match reader.read_resolved_event() {
            Ok((_, Event::Eof)) | Err(_) => break,
            Ok((ns, event)) => {
                let is_soap = matches!(ns, ResolveResult::Bound(n) if n.as_ref() == WSDL_SOAP_NS);
                (is_soap, event)
            }
        };
        let after = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        if let (true, Event::Empty(start) | Event::Start(start)) = event
            && start.local_name().as_ref() == "address"
            && let Some(tag) = wsdl.get(before..after)
            && let Some((from, to)) = location_value(tag)
        {
            spans.push((before + from, before + to));
        }
    }
    let mut out = String::with_capacity(wsdl.len() + 64);
    let mut done = 0;
    for (from, to) in spans {
        out.push_str(wsdl.get(done..from).unwrap_or(""));
        out.push_str(url);
        done = to;
    }
    out.push_str(wsdl.get(done..).unwrap_or(""));
    out
}

/// The byte range of the `location` attribute's value inside a start tag.
fn location_value(tag: &str) -> Option<(usize, usize)> {
    let mut search = 0;
    while let Some(i) = tag.get(search..)?.find("location") {
        let at = search + i;
        search = at + "location".len();
        // Must be a whole attribute name: preceded by whitespace.
        if !tag[..at].ends_with(char::is_whitespace) {
            continue;
        }
        let rest = tag[search..].trim_start();
        let Some(rest) = rest.strip_prefix('=') else {
            continue;
        };
        let rest = rest.trim_start();
        let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        let start = tag.len() - rest.len() + 1;
        let len = tag[start..].find(quote)?;
        return Some((start, start + len));
    }
    None
}

/// `GET /luku/opiskelijatiedot.wsdl` (and `/luku106/...`).
pub(crate) async fn wsdl(State(state): State<AppState>, OriginalUri(uri): OriginalUri) -> Response {
    let reply = match &state.wsdl {
        Some(wsdl) => {
            let text = if uri.path().starts_with("/luku106/") {
                &wsdl.luku106
            } else {
                &wsdl.luku
            };
            Reply::new(StatusCode::OK, TEXT_XML, text.clone(), Outcome::Ok)
        }
        None => Reply::new(
            StatusCode::NOT_FOUND,
            "text/plain; charset=UTF-8",
            "no WSDL configured",
            Outcome::NotFound,
        ),
    };
    state.record_plain(Route::VirtaWsdl, "wsdl", reply)
}

/// `POST /luku/OpiskelijanTiedot`: dispatch on the payload's root element; SOAPAction is
/// ignored, as Spring-WS does (virta.md §2.2).
pub(crate) async fn soap(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    body: Bytes,
) -> Response {
    let call = state.arrive(Route::Virta, Service::Virta).await;
    let payload = request::payload(&body);
    let (operation, identities) = match &payload {
        Ok(node) => (
            node.local
                .strip_suffix("Request")
                .unwrap_or(&node.local)
                .to_owned(),
            request::identities(node),
        ),
        Err(_) => ("unknown".to_owned(), Vec::new()),
    };
    let fault = state.fault(&call, &identities);
    let reply = match fault {
        Some(
            fault @ (Fault::ServerFault
            | Fault::ClientFault
            | Fault::Unauthorized
            | Fault::NotFound
            | Fault::Unavailable
            | Fault::GatewayTimeout),
        ) => forced(&state, fault, &identities),
        Some(Fault::Truncated | Fault::Reset) | None => answer(&state, payload),
    };
    state.finish(call, &operation, &identities, reply, fault, &peer)
}

/// What the real service would answer.
fn answer(state: &Shared, payload: Result<request::Node, EnvelopeError>) -> Reply {
    let payload = match payload {
        Ok(payload) => payload,
        // Spring-WS answers a body that is not a SOAP message with a bare 400.
        Err(EnvelopeError::Malformed(_)) => {
            return Reply::new(
                StatusCode::BAD_REQUEST,
                "text/plain; charset=UTF-8",
                "Bad Request",
                Outcome::BadRequest,
            );
        }
        Err(EnvelopeError::VersionMismatch) => {
            let body = soap::fault(
                "SOAP-ENV:VersionMismatch",
                "Invalid SOAP Envelope namespace: expected http://schemas.xmlsoap.org/soap/envelope/",
                None,
            );
            return fault_reply(body, Outcome::ClientFault);
        }
        Err(EnvelopeError::NoPayload) => {
            let body = soap::fault("SOAP-ENV:Client", "No payload in the SOAP Body", None);
            return fault_reply(body, Outcome::ClientFault);
        }
    };
    let organisations = state
        .wsdl
        .as_ref()
        .map(|w| w.organisations.as_slice())
        .filter(|codes| !codes.is_empty());
    let request = match request::validate(&payload, organisations) {
        Ok(request) => request,
        Err(Rejection::Invalid(messages)) => {
            return fault_reply(soap::validation_fault(&messages), Outcome::ClientFault);
        }
        Err(Rejection::Unserved(name)) => {
            let text = format!(
                "No endpoint mapping found for [{{{}}}]{name} in this stand-in",
                rikastin_sources::virta::LUKU_NS
            );
            return fault_reply(
                soap::fault("SOAP-ENV:Client", &text, None),
                Outcome::ClientFault,
            );
        }
    };
    let config = &state.config;
    if request.jarjestelma != config.virta_jarjestelma
        || request.tunnus != config.virta_tunnus
        || request.avain != config.virta_avain
    {
        return auth_failure(config.auth_failure);
    }
    lookup(state, &request)
}

/// The recorded data for the request's learners, filtered by `organisaatio`.
fn lookup(state: &Shared, request: &Request) -> Reply {
    if request.operation == Operation::Tiedot {
        return lookup_names(state, request);
    }
    let index = &state.virta;
    let mut files: Vec<usize> = Vec::new();
    for identity in &request.identities {
        for &file in index.find(identity) {
            if !files.contains(&file) {
                files.push(file);
            }
        }
    }
    let empty_sections = state.config.quirks.contains(&Quirk::EmptySections);
    // The recording is already the full answer: send it byte for byte.
    if let ([file], Operation::KaikkiTiedot, None, false) = (
        files.as_slice(),
        request.operation,
        &request.organisaatio,
        empty_sections,
    ) && let Some(recording) = index.recordings.get(*file)
        && !recording.opiskelijat.is_empty()
    {
        return Reply::new(
            StatusCode::OK,
            TEXT_XML,
            recording.bytes.clone(),
            Outcome::Ok,
        );
    }
    let organisaatio = request.organisaatio.as_deref();
    let slices: Vec<_> = files
        .iter()
        .filter_map(|&file| index.recordings.get(file))
        .flat_map(|recording| recording.opiskelijat.iter())
        .filter(|slice| slice.serves(organisaatio))
        .collect();
    let outcome = if slices.is_empty() {
        Outcome::NoData
    } else {
        Outcome::Ok
    };
    let body = soap::answer(
        request.operation.response(),
        &slices,
        state.config.no_data,
        empty_sections,
    );
    Reply::new(StatusCode::OK, TEXT_XML, body, outcome)
}

/// `OpiskelijanTiedot`: the names recordings of the learner at `organisaatio`, or an empty
/// `virta:Opiskelijat`.
fn lookup_names(state: &Shared, request: &Request) -> Reply {
    let index = &state.virta_names;
    let organisaatio = request.organisaatio.as_deref().unwrap_or("");
    let mut files: Vec<usize> = Vec::new();
    for identity in &request.identities {
        for &file in index.find(identity) {
            if !files.contains(&file) {
                files.push(file);
            }
        }
    }
    let slices: Vec<_> = files
        .iter()
        .filter_map(|&file| index.recordings.get(file))
        .filter(|recording| recording.serves(organisaatio))
        .flat_map(|recording| recording.opiskelijat.iter())
        .collect();
    let outcome = if slices.is_empty() {
        Outcome::NoData
    } else {
        Outcome::Ok
    };
    Reply::new(
        StatusCode::OK,
        TEXT_XML,
        soap::names_answer(&slices),
        outcome,
    )
}

/// Faults are HTTP 500 in SOAP 1.1 (virta.md §2.8).
fn fault_reply(body: String, outcome: Outcome) -> Reply {
    Reply::new(StatusCode::INTERNAL_SERVER_ERROR, TEXT_XML, body, outcome)
}

fn auth_failure(mode: AuthFailure) -> Reply {
    match mode {
        AuthFailure::Http401 => Reply::new(
            StatusCode::UNAUTHORIZED,
            "text/plain; charset=UTF-8",
            "Unauthorized",
            Outcome::Unauthorized,
        ),
        AuthFailure::Fault => fault_reply(
            soap::fault("SOAP-ENV:Client", "Access denied", None),
            Outcome::AuthFault,
        ),
    }
}

/// An injected fault, in VIRTA's wire format.
fn forced(state: &Shared, fault: Fault, identities: &[String]) -> Reply {
    match fault {
        Fault::ClientFault => {
            let message = match identities.first() {
                Some(identity) => {
                    let element = if request::hetu_matches(identity) {
                        "henkilotunnus"
                    } else {
                        "kansallinenOppijanumero"
                    };
                    format!(
                        "cvc-type.3.1.3: The value '{identity}' of element '{element}' is not valid."
                    )
                }
                None => {
                    "cvc-complex-type.2.4.b: The content of element 'Hakuehdot' is not complete."
                        .to_owned()
                }
            };
            fault_reply(soap::validation_fault(&[message]), Outcome::ClientFault)
        }
        Fault::Unauthorized => auth_failure(state.config.auth_failure),
        Fault::NotFound => Reply::new(
            StatusCode::NOT_FOUND,
            "text/plain; charset=UTF-8",
            "",
            Outcome::NotFound,
        ),
        Fault::Unavailable => Reply::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "text/html; charset=UTF-8",
            "<html><body><h1>503 Service Unavailable</h1></body></html>",
            Outcome::Unavailable,
        )
        .header(header::RETRY_AFTER, "1"),
        Fault::GatewayTimeout => gateway_timeout(),
        // Server faults, and anything without a VIRTA form of its own.
        Fault::ServerFault | Fault::Truncated | Fault::Reset => fault_reply(
            soap::fault("SOAP-ENV:Server", "Internal error", None),
            Outcome::ServerFault,
        ),
    }
}

/// What a proxy in front of either service sends when the service is too slow.
pub(crate) fn gateway_timeout() -> Reply {
    Reply::new(
        StatusCode::GATEWAY_TIMEOUT,
        "text/html; charset=UTF-8",
        "<html><body><h1>504 Gateway Time-out</h1></body></html>",
        Outcome::GatewayTimeout,
    )
}
