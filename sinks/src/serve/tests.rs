//! The read API's pure parts: ETags, selection parsing, content negotiation, the EMREX envelope
//! and token checks. The routes over real HTTP are tested in `tests/e2e/serve.rs`.

use std::io::Read;
use std::num::NonZeroU32;

use axum::http::{HeaderMap, HeaderValue, header};
use base64::Engine;

use super::document::{emrex_envelope, etag};
use super::*;

fn request(select: Option<&[&str]>, format: Format, transcript: bool) -> DocumentRequest {
    DocumentRequest {
        select: select.map(|ids| ids.iter().map(|s| (*s).to_owned()).collect()),
        format,
        transcript,
        if_none_match: None,
    }
}

#[test]
fn etag_is_the_same_for_the_same_content_and_shape_and_differs_otherwise() {
    let hash = "a".repeat(64);
    let full = etag(&hash, &request(None, Format::Elmo, true));
    assert!(
        full.starts_with('"') && full.ends_with('"'),
        "a quoted strong tag: {full}"
    );
    assert_eq!(full, etag(&hash, &request(None, Format::Elmo, true)));
    // The order and repetition of selected ids do not change what is sent.
    assert_eq!(
        etag(&hash, &request(Some(&["B", "A"]), Format::Elmo, true)),
        etag(&hash, &request(Some(&["A", "B", "A"]), Format::Elmo, true)),
    );
    let others = [
        etag(&"b".repeat(64), &request(None, Format::Elmo, true)),
        etag(&hash, &request(None, Format::Emrex, true)),
        etag(&hash, &request(None, Format::Elmo, false)),
        etag(&hash, &request(Some(&["A"]), Format::Elmo, true)),
        etag(&hash, &request(Some(&["AB"]), Format::Elmo, true)),
        etag(&hash, &request(Some(&["A", "B"]), Format::Elmo, true)),
    ];
    for (i, other) in others.iter().enumerate() {
        assert_ne!(&full, other, "shape {i}");
        for later in &others[i + 1..] {
            assert_ne!(other, later);
        }
    }
}

#[test]
fn select_is_ids_separated_by_commas_and_never_empty() {
    assert_eq!(
        parse_select(" TKT10021, hy-att-1 ,,").unwrap(),
        ["TKT10021", "hy-att-1"]
    );
    for empty in ["", ",", " , "] {
        let problem = parse_select(empty).unwrap_err();
        assert_eq!(problem.status, StatusCode::BAD_REQUEST);
        assert!(
            problem.detail.contains("names no ids"),
            "{}",
            problem.detail
        );
    }
}

#[test]
fn only_the_emrex_media_type_asks_for_the_envelope() {
    let mut headers = HeaderMap::new();
    assert_eq!(Format::from_accept(&headers), Format::Elmo);
    headers.insert(header::ACCEPT, HeaderValue::from_static("application/xml"));
    assert_eq!(Format::from_accept(&headers), Format::Elmo);
    headers.append(
        header::ACCEPT,
        HeaderValue::from_static("text/plain, application/vnd.emrex.elmo+base64;q=0.9"),
    );
    assert_eq!(Format::from_accept(&headers), Format::Emrex);
}

#[test]
fn envelope_is_base64_of_gzip_of_the_bytes() {
    let signed = b"<elmo>signed</elmo>".repeat(50);
    let envelope = emrex_envelope(&signed);
    assert!(
        envelope.iter().all(|b| b.is_ascii_graphic()),
        "one line of base64"
    );
    let zipped = base64::engine::general_purpose::STANDARD
        .decode(&envelope)
        .unwrap();
    let mut back = Vec::new();
    flate2::read::GzDecoder::new(&zipped[..])
        .read_to_end(&mut back)
        .unwrap();
    assert_eq!(back, signed);
}

fn limit() -> RateLimit {
    RateLimit {
        per_second: NonZeroU32::new(1).unwrap(),
        burst: NonZeroU32::new(1).unwrap(),
    }
}

#[test]
fn a_token_is_known_by_its_hash_only() {
    // printf %s demo | sha256sum
    let tokens = Tokens::new(
        &[Token {
            name: "ncp".to_owned(),
            sha256: "2a97516c354b68848cdbd8f54a226a0a55b21ed138e207ad6c5cbb9c00aa5aea".to_owned(),
        }],
        limit(),
    )
    .unwrap();
    assert_eq!(tokens.caller("demo"), Some("ncp"));
    for wrong in [
        "Demo",
        "demo ",
        "",
        "2a97516c354b68848cdbd8f54a226a0a55b21ed138e207ad6c5cbb9c00aa5aea",
    ] {
        assert_eq!(tokens.caller(wrong), None, "{wrong:?}");
    }
}

#[test]
fn a_hash_that_is_not_sha256_hex_is_refused_naming_the_token() {
    let err = Tokens::new(
        &[Token {
            name: "ncp-test".to_owned(),
            sha256: "demo".to_owned(),
        }],
        limit(),
    )
    .err()
    .expect("refused");
    assert!(
        err.contains("\"ncp-test\"") && err.contains("64 hex"),
        "{err}"
    );
}

#[test]
fn a_learner_key_that_is_not_one_is_refused_without_quoting_it() {
    // A synthetic identity code, where a key should be.
    let problem = parse_key("010190-123M").unwrap_err();
    assert_eq!(problem.status, StatusCode::BAD_REQUEST);
    assert!(!problem.detail.contains("010190"), "{}", problem.detail);
}
