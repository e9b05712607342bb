//! The shared HTTP policy against a scripted loopback server: what is retried, what is not,
//! Retry-After, the rate limit and the VIRTA client's classification.

use std::sync::Arc;
use std::time::Duration;

use super::script::{reply, serve};
use super::*;
use crate::virta::{Kutsuja, VirtaClient, VirtaQuery};

fn fault(code: &str, string: &str) -> String {
    format!(
        r#"<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Header/><SOAP-ENV:Body><SOAP-ENV:Fault><faultcode>SOAP-ENV:{code}</faultcode><faultstring xml:lang="en">{string}</faultstring><detail><spring-ws:ValidationError xmlns:spring-ws="http://springframework.org/spring-ws">cvc-pattern-valid: Value '010203-9123' is not facet-valid</spring-ws:ValidationError></detail></SOAP-ENV:Fault></SOAP-ENV:Body></SOAP-ENV:Envelope>"#
    )
}

const EMPTY_VIRTA: &str = r#"<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Header/><SOAP-ENV:Body><virtaluku:OpiskelijanKaikkiTiedotResponse xmlns:virtaluku="http://tietovaranto.csc.fi/luku"><virta:Virta xmlns:virta="urn:mace:funet.fi:virta/2015/09/01"/></virtaluku:OpiskelijanKaikkiTiedotResponse></SOAP-ENV:Body></SOAP-ENV:Envelope>"#;

fn fast(url: &str) -> HttpConfig {
    HttpConfig {
        requests_per_sec: 1000.0,
        burst: 100,
        max_retries: 3,
        backoff_initial_ms: 1,
        backoff_max_ms: 20,
        timeout_ms: 2_000,
        ..HttpConfig::new(url)
    }
}

fn client(config: HttpConfig) -> VirtaClient {
    let kutsuja = Kutsuja {
        jarjestelma: "rikastin".into(),
        tunnus: "test".into(),
        avain: "salaisuus".into(),
        avain_source: "RIKASTIN_VIRTA_AVAIN".into(),
    };
    VirtaClient::new(config, kutsuja).unwrap()
}

/// A synthetic identity code (individual number 123) used only as request input.
const HETU: &str = "010203A123N";

#[tokio::test]
async fn server_errors_and_resets_are_retried_until_an_answer() {
    let s = serve(vec![
        reply("503 Service Unavailable", "", ""),
        None,
        reply("500 Internal Server Error", "", &fault("Server", "Oops")),
        reply("200 OK", "", EMPTY_VIRTA),
    ])
    .await;
    let got = client(fast(&s.url))
        .opiskelijan_kaikki_tiedot(VirtaQuery::Henkilotunnus(HETU), "t")
        .await
        .unwrap();
    assert!(got.virta.opiskelijat.is_empty());
    assert_eq!(s.seen.lock().unwrap().len(), 4);
}

#[tokio::test]
async fn a_client_fault_is_not_retried_and_its_text_names_no_identity_code() {
    let s = serve(vec![reply(
        "500 Internal Server Error",
        "",
        &fault("Client", "Validation error"),
    )])
    .await;
    let err = client(fast(&s.url))
        .opiskelijan_kaikki_tiedot(VirtaQuery::Henkilotunnus(HETU), "t")
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::Invalid { .. }), "{err}");
    assert!(err.to_string().contains("Validation error"), "{err}");
    assert!(!err.to_string().contains("9123"), "{err}");
    assert!(!err.stops_run());
    assert_eq!(s.seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn unauthorised_stops_the_run_and_names_the_credential() {
    let s = serve(vec![reply("401 Unauthorized", "", "")]).await;
    let err = client(fast(&s.url))
        .opiskelijan_kaikki_tiedot(VirtaQuery::Oppijanumero("1.2.246.562.24.00000000001"), "t")
        .await
        .unwrap_err();
    assert!(err.stops_run());
    let text = err.to_string();
    assert!(
        text.contains("RIKASTIN_VIRTA_AVAIN") && text.contains("401"),
        "{text}"
    );
    assert!(
        !text.contains("salaisuus"),
        "the password itself must not show: {text}"
    );
    assert_eq!(s.seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn an_access_fault_stops_the_run_too() {
    let s = serve(vec![reply(
        "500 Internal Server Error",
        "",
        &fault("Client", "Access denied"),
    )])
    .await;
    let err = client(fast(&s.url))
        .opiskelijan_kaikki_tiedot(VirtaQuery::Henkilotunnus(HETU), "t")
        .await
        .unwrap_err();
    assert!(err.stops_run(), "{err}");
}

#[tokio::test]
async fn retries_are_bounded() {
    let s = serve(vec![reply("504 Gateway Timeout", "", "")]).await;
    let err = client(HttpConfig {
        max_retries: 2,
        ..fast(&s.url)
    })
    .opiskelijan_kaikki_tiedot(VirtaQuery::Henkilotunnus(HETU), "t")
    .await
    .unwrap_err();
    assert!(
        matches!(err, FetchError::Exhausted { attempts: 3, .. }),
        "{err}"
    );
    assert_eq!(s.seen.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let s = serve(vec![
        reply("503 Service Unavailable", "Retry-After: 1\r\n", ""),
        reply("200 OK", "", EMPTY_VIRTA),
    ])
    .await;
    client(HttpConfig {
        backoff_max_ms: 5_000,
        ..fast(&s.url)
    })
    .opiskelijan_kaikki_tiedot(VirtaQuery::Henkilotunnus(HETU), "t")
    .await
    .unwrap();
    let seen = s.seen.lock().unwrap();
    let gap = seen[1].0 - seen[0].0;
    assert!(gap >= Duration::from_millis(950), "waited only {gap:?}");
}

#[tokio::test]
async fn a_cut_body_is_retried() {
    let cut = &EMPTY_VIRTA[..EMPTY_VIRTA.len() / 2];
    let truncated = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{cut}",
        EMPTY_VIRTA.len()
    );
    let s = serve(vec![
        Some(truncated.into_bytes()),
        reply("200 OK", "", EMPTY_VIRTA),
    ])
    .await;
    client(fast(&s.url))
        .opiskelijan_kaikki_tiedot(VirtaQuery::Henkilotunnus(HETU), "t")
        .await
        .unwrap();
    assert_eq!(s.seen.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn the_rate_limit_spaces_requests() {
    let s = serve(vec![reply("200 OK", "", EMPTY_VIRTA)]).await;
    let c = Arc::new(client(HttpConfig {
        requests_per_sec: 20.0,
        burst: 1,
        max_in_flight: 8,
        ..fast(&s.url)
    }));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..11 {
        let c = c.clone();
        tasks.spawn(async move {
            c.opiskelijan_kaikki_tiedot(VirtaQuery::Henkilotunnus(HETU), "t")
                .await
                .unwrap();
        });
    }
    tasks.join_all().await;
    let seen = s.seen.lock().unwrap();
    let span = seen.iter().map(|s| s.0).max().unwrap() - seen.iter().map(|s| s.0).min().unwrap();
    // 11 requests at 20/s with a burst of 1: ten gaps of 50 ms.
    assert!(
        span >= Duration::from_millis(480),
        "11 requests in {span:?}"
    );
}

#[tokio::test]
async fn the_envelope_is_the_documented_request() {
    let s = serve(vec![reply("200 OK", "", EMPTY_VIRTA)]).await;
    client(fast(&s.url))
        .opiskelijan_kaikki_tiedot(VirtaQuery::Oppijanumero("1.2.246.562.24.00000000001"), "t")
        .await
        .unwrap();
    let body = s.seen.lock().unwrap()[0].1.clone();
    assert!(
        body.contains(
            r#"<OpiskelijanKaikkiTiedotRequest xmlns="http://tietovaranto.csc.fi/luku">"#
        )
    );
    assert!(body.contains("<Kutsuja><jarjestelma>rikastin</jarjestelma><tunnus>test</tunnus><avain>salaisuus</avain></Kutsuja>"));
    assert!(body.contains("<Hakuehdot><kansallinenOppijanumero>1.2.246.562.24.00000000001</kansallinenOppijanumero></Hakuehdot>"));
}

#[test]
fn config_checks_name_the_key() {
    let bad = |c: HttpConfig| c.validate().unwrap_err();
    assert!(bad(HttpConfig::new("ftp://x")).starts_with("endpoint"));
    assert!(bad(HttpConfig::new("not a url")).starts_with("endpoint"));
    assert!(
        bad(HttpConfig {
            requests_per_sec: 0.0,
            ..HttpConfig::new("http://x")
        })
        .starts_with("requests_per_sec")
    );
    assert!(
        bad(HttpConfig {
            max_in_flight: 0,
            ..HttpConfig::new("http://x")
        })
        .starts_with("max_in_flight")
    );
}

/// A gzip answer of a few kilobytes that inflates past the cap, and one announced too large:
/// refused with the source and the limit, not retried, never held whole (issue 19).
#[tokio::test]
async fn an_answer_over_max_body_mb_is_refused_naming_the_source_and_the_limit() {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&vec![b' '; 3 * 1024 * 1024]).unwrap();
    let gz = gz.finish().unwrap();
    assert!(gz.len() < 64 * 1024);
    let mut bomb = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        gz.len()
    )
    .into_bytes();
    bomb.extend_from_slice(&gz);
    let announced = "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 2097152\r\nConnection: close\r\n\r\n";
    for answer in [bomb, announced.as_bytes().to_vec()] {
        let s = serve(vec![Some(answer), reply("200 OK", "", EMPTY_VIRTA)]).await;
        let err = client(HttpConfig {
            max_body_mb: 1,
            ..fast(&s.url)
        })
        .opiskelijan_kaikki_tiedot(VirtaQuery::Henkilotunnus(HETU), "t")
        .await
        .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("max_body_mb (1 MB) of sources.virta.http"),
            "{text}"
        );
        assert_eq!(s.seen.lock().unwrap().len(), 1, "not retried");
    }
}
