//! The read API's pure parts: ETags, selection parsing, content negotiation, the EMREX envelope
//! and token checks; and `/metrics`, through the router without a socket. The routes over real
//! HTTP are tested in `tests/e2e/serve.rs`.

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

/// A router over a SQLite cache in a temporary folder that holds one learner's document, with
/// two tokens (`ncp`, `greedy`) allowed 3 requests at once. The folder lives as long as the value.
struct TestServer {
    _dir: tempfile::TempDir,
    router: Router,
    key: LearnerKey,
}

/// `printf %s demo | sha256sum` and `printf %s greedy | sha256sum`.
const DEMO_SHA256: &str = "2a97516c354b68848cdbd8f54a226a0a55b21ed138e207ad6c5cbb9c00aa5aea";
const GREEDY_SHA256: &str = "370aed697dc503aecee7d8faad5de775f4f7019c86e672e8d93f3df590527058";

fn test_server(cache_opens: bool, signed_cache_bytes: usize) -> TestServer {
    let workspace = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let dir = tempfile::tempdir().expect("temp dir");
    let secret = LearnerSecret::from_bytes(b"serve-metrics-test-secret".to_vec()).unwrap();
    let key = LearnerKey::derive(
        &secret,
        Identity::Oppijanumero("1.2.246.562.24.00000000001"),
    );
    let path = dir.path().join("cache.sqlite");
    let mut store = crate::SqliteStore::open(&path).expect("open cache");
    store
        .begin_run(&crate::RunStart {
            run_id: "r1",
            started_at: "2025-01-31T12:00:00Z",
            config_label: "test",
        })
        .unwrap();
    let elmo = std::fs::read(workspace.join("elmo/tests/documents/minimal.xml")).unwrap();
    let sources = [crate::SourceFreshness {
        source: "virta".to_owned(),
        fetched_at: "2025-01-31T12:00:00Z".to_owned(),
        complete: true,
    }];
    store
        .put_snapshots(&[crate::NewSnapshot {
            learner_key: &key,
            elmo_xml: &elmo,
            elmo_gz: None,
            content_hash: &"a".repeat(64),
            generated_date: "2025-01-15T10:00:00+02:00",
            elmo_version: "1.7.0",
            run_id: "r1",
            sources: &sources,
            // A document with results: one without gets the no-results problem.
            results: 1,
            detail: None,
        }])
        .unwrap();
    // A folder is no SQLite file: every open fails as a broken cache would.
    let open_path = if cache_opens {
        path
    } else {
        dir.path().to_owned()
    };
    let open: OpenStore =
        Box::new(move || Ok(Box::new(crate::SqliteStore::open(&open_path)?) as Box<dyn Store>));
    let signing = workspace.join("data/signing");
    let signer = Signer::from_pem_files(
        &signing.join("demo-key.pem"),
        &signing.join("demo-cert.pem"),
    )
    .unwrap();
    let token = |name: &str, sha256: &str| Token {
        name: name.to_owned(),
        sha256: sha256.to_owned(),
    };
    let tokens = Tokens::new(
        &[token("ncp", DEMO_SHA256), token("greedy", GREEDY_SHA256)],
        RateLimit {
            per_second: NonZeroU32::new(1).unwrap(),
            burst: NonZeroU32::new(3).unwrap(),
        },
    )
    .unwrap();
    let transcript = Transcript::new().unwrap();
    let router = Server::new(
        open,
        signer,
        transcript,
        tokens,
        secret,
        false,
        signed_cache_bytes,
    )
    .router();
    TestServer {
        _dir: dir,
        router,
        key,
    }
}

/// Sends one request; `token` goes in `Authorization: Bearer`. Answers the status and body.
async fn send(
    router: &Router,
    method: &str,
    uri: &str,
    token: Option<&str>,
) -> (StatusCode, String) {
    use tower::ServiceExt;
    let mut request = axum::http::Request::builder().method(method).uri(uri);
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let response = router
        .clone()
        .oneshot(request.body(axum::body::Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// The sample lines of `/metrics` whose name and labels start with `prefix`, as "line value".
fn samples<'a>(metrics: &'a str, prefix: &str) -> Vec<&'a str> {
    metrics
        .lines()
        .filter(|l| !l.starts_with('#') && l.starts_with(prefix))
        .collect()
}

#[tokio::test]
async fn metrics_count_requests_documents_signing_and_rate_limits_without_a_token() {
    // No cache of signed bodies: every document request signs.
    let s = test_server(true, 0);
    let elmo = format!("/v1/learners/{}/elmo", s.key);
    let (status, _) = send(&s.router, "GET", &elmo, Some("demo")).await;
    assert_eq!(status, StatusCode::OK);
    let emrex = format!("{elmo}?format=emrex");
    assert_eq!(
        send(&s.router, "GET", &emrex, Some("demo")).await.0,
        StatusCode::OK
    );
    let unknown = format!("/v1/learners/{}/elmo", "0".repeat(64));
    assert_eq!(
        send(&s.router, "GET", &unknown, Some("demo")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        send(&s.router, "GET", &elmo, None).await.0,
        StatusCode::UNAUTHORIZED
    );
    // A path that matches no route: counted as `other`, and the path is never a label.
    assert_eq!(
        send(&s.router, "GET", "/v1/010190-123M", Some("demo"))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    // Three at once are allowed, the fourth is over the rate; `ncp`'s own budget is untouched.
    for expected in [200, 200, 200, 429] {
        let (status, _) = send(&s.router, "GET", "/health", None).await;
        assert_eq!(status, StatusCode::OK, "/health has no token and no limit");
        let refresh = format!("/v1/learners/{}/refresh", s.key);
        let (status, _) = send(&s.router, "POST", &refresh, Some("greedy")).await;
        // Not a refresh target: 404, which still spends the token's rate.
        let expected = if expected == 200 { 404 } else { expected };
        assert_eq!(status.as_u16(), expected);
    }

    let (status, metrics) = send(&s.router, "GET", "/metrics", None).await;
    assert_eq!(status, StatusCode::OK, "{metrics}");
    for line in [
        "rikastin_serve_requests_total{route=\"/v1/learners/{key}/elmo\",status=\"2xx\"} 2",
        "rikastin_serve_requests_total{route=\"/v1/learners/{key}/elmo\",status=\"4xx\"} 2",
        "rikastin_serve_requests_total{route=\"/v1/learners/{key}/refresh\",status=\"4xx\"} 4",
        "rikastin_serve_requests_total{route=\"/health\",status=\"2xx\"} 4",
        "rikastin_serve_requests_total{route=\"other\",status=\"4xx\"} 1",
        "rikastin_serve_request_duration_seconds_count{route=\"/v1/learners/{key}/elmo\"} 4",
        "rikastin_serve_request_duration_seconds_bucket{route=\"/health\",le=\"+Inf\"} 4",
        "rikastin_serve_documents_total{format=\"elmo\"} 1",
        "rikastin_serve_documents_total{format=\"emrex\"} 1",
        "rikastin_serve_signing_duration_seconds_count 2",
        "rikastin_serve_rate_limited_total 1",
        "rikastin_serve_cache_errors_total 0",
    ] {
        assert!(
            metrics.lines().any(|l| l == line),
            "missing `{line}` in\n{metrics}"
        );
    }
    assert!(
        !metrics.contains(s.key.as_str()) && !metrics.contains("010190"),
        "a label holds a path:\n{metrics}"
    );
    // Every sample line is `name{labels} number`, as Prometheus parses it.
    for line in samples(&metrics, "rikastin_") {
        let value = line.rsplit(' ').next().unwrap();
        assert!(value.parse::<f64>().is_ok(), "{line}");
    }
    // The scrape itself is counted by the next one.
    let (_, again) = send(&s.router, "GET", "/metrics", None).await;
    assert_eq!(
        samples(&again, "rikastin_serve_requests_total{route=\"/metrics\""),
        ["rikastin_serve_requests_total{route=\"/metrics\",status=\"2xx\"} 1"]
    );
}

#[tokio::test]
async fn metrics_count_cache_errors() {
    let s = test_server(false, 0);
    let elmo = format!("/v1/learners/{}/elmo", s.key);
    let (status, body) = send(&s.router, "GET", &elmo, Some("demo")).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
    let (_, metrics) = send(&s.router, "GET", "/metrics", None).await;
    for line in [
        "rikastin_serve_cache_errors_total 1",
        "rikastin_serve_requests_total{route=\"/v1/learners/{key}/elmo\",status=\"5xx\"} 1",
        "rikastin_serve_documents_total{format=\"elmo\"} 0",
    ] {
        assert!(
            metrics.lines().any(|l| l == line),
            "missing `{line}` in\n{metrics}"
        );
    }
}

#[tokio::test]
async fn a_signed_body_is_sent_again_for_the_same_etag_and_signed_anew_for_new_content() {
    let s = test_server(true, 1 << 20);
    let elmo = format!("/v1/learners/{}/elmo", s.key);
    let (status, first) = send(&s.router, "GET", &elmo, Some("demo")).await;
    assert_eq!(status, StatusCode::OK);
    let (_, second) = send(&s.router, "GET", &elmo, Some("demo")).await;
    assert_eq!(first, second, "the kept bytes, exactly");
    // Another shape of the same document is another body.
    let emrex = format!("{elmo}?format=emrex");
    assert_eq!(
        send(&s.router, "GET", &emrex, Some("demo")).await.0,
        StatusCode::OK
    );
    let counts = |metrics: &str| -> Vec<String> {
        [
            "rikastin_serve_signing_duration_seconds_count",
            "rikastin_serve_signed_cache_lookups_total{result=\"hit\"}",
            "rikastin_serve_signed_cache_lookups_total{result=\"miss\"}",
            "rikastin_serve_signed_cache_entries",
            "rikastin_serve_documents_total{format=\"elmo\"}",
        ]
        .iter()
        .map(|name| {
            samples(metrics, name)[0]
                .rsplit(' ')
                .next()
                .unwrap()
                .to_owned()
        })
        .collect()
    };
    let (_, metrics) = send(&s.router, "GET", "/metrics", None).await;
    assert_eq!(counts(&metrics), ["2", "1", "2", "2", "2"], "{metrics}");

    // A run stores new content: its ETag is new, so the document is signed again.
    let mut store = crate::SqliteStore::open(&s._dir.path().join("cache.sqlite")).unwrap();
    let mut current = store.get_snapshot(&s.key).unwrap().unwrap();
    current.meta.content_hash = "b".repeat(64);
    store
        .put_snapshots(&[crate::NewSnapshot {
            learner_key: &s.key,
            elmo_xml: &current.elmo_xml,
            elmo_gz: None,
            content_hash: &current.meta.content_hash,
            generated_date: "2025-02-01T10:00:00+02:00",
            elmo_version: "1.7.0",
            run_id: "r1",
            sources: &current.meta.sources,
            results: 1,
            detail: None,
        }])
        .unwrap();
    // (`demo` has spent its burst of 3; the other token asks.)
    assert_eq!(
        send(&s.router, "GET", &elmo, Some("greedy")).await.0,
        StatusCode::OK
    );
    let (_, metrics) = send(&s.router, "GET", "/metrics", None).await;
    assert_eq!(counts(&metrics), ["3", "1", "3", "3", "3"], "{metrics}");
}

#[test]
fn no_identity_code_reaches_the_access_log_or_an_error_body() {
    // As sent, percent-encoded, and with a 2023-reform century letter.
    for path in [
        "/v1/learners/131052-308T/elmo",
        "/v1/learners/131052%2D308T/elmo",
        "/v1/learners/010105A123B/elmo",
    ] {
        let logged = redact_path(path);
        assert!(
            logged.contains("***") && !logged.contains("308T") && !logged.contains("123B"),
            "{logged}"
        );
    }
    assert_eq!(
        redact_path("/v1/learners/fc1664ab/elmo"),
        "/v1/learners/fc1664ab/elmo"
    );
    let problem = Problem::bad_request("no result with the id 131052-308T");
    assert!(
        !problem.detail.contains("131052-308T"),
        "{}",
        problem.detail
    );
}
