//! The KOSKI client's reading of statuses and bodies, against a scripted loopback server.

use super::*;
use crate::http::script::{reply, serve};

const OPPIJA: &str = r#"{"henkilö": {"oid": "1.2.246.562.24.00000000001", "etunimet": "Testi", "kutsumanimi": "Testi", "sukunimi": "Henkilö"}, "opiskeluoikeudet": []}"#;
const OID: &str = "1.2.246.562.24.00000000001";

fn client(url: &str) -> KoskiClient {
    let config = HttpConfig {
        requests_per_sec: 1000.0,
        burst: 100,
        max_retries: 2,
        backoff_initial_ms: 1,
        backoff_max_ms: 10,
        ..HttpConfig::new(format!("{url}/koski"))
    };
    let login = KoskiLogin {
        username: "rikastin".into(),
        password: "demo".into(),
        password_source: "RIKASTIN_KOSKI_PASSWORD".into(),
    };
    KoskiClient::new(config, login).unwrap()
}

#[tokio::test]
async fn an_answer_is_parsed_and_the_request_carries_basic_auth_and_the_oid() {
    let s = serve(vec![reply("200 OK", "", OPPIJA)]).await;
    let got = client(&s.url).oppija(OID, "t").await.unwrap();
    assert_eq!(got.oppija.unwrap().opiskeluoikeudet.len(), 0);
    let seen = s.seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    let request = &seen[0].1;
    assert!(
        request.starts_with(&format!("GET /koski/api/oppija/{OID} HTTP/1.1")),
        "{request}"
    );
    // rikastin:demo in base64.
    assert!(
        request.contains("authorization: Basic cmlrYXN0aW46ZGVtbw=="),
        "{request}"
    );
}

#[tokio::test]
async fn not_found_is_no_data_not_an_error() {
    let body = r#"[{"key":"notFound.oppijaaEiLöydyTaiEiOikeuksia","message":"Oppijaa ei löydy"}]"#;
    let s = serve(vec![reply("404 Not Found", "", body)]).await;
    let got = client(&s.url).oppija(OID, "t").await.unwrap();
    assert!(got.oppija.is_none());
}

#[tokio::test]
async fn unavailable_virta_and_a_truncated_body_are_retried() {
    let unavailable = r#"[{"key":"unavailable.virta","message":"Korkeakoulutuksen opiskeluoikeuksia ei juuri nyt saada haettua."}]"#;
    let s = serve(vec![
        reply("503 Service Unavailable", "", unavailable),
        reply("200 OK", "", &OPPIJA[..OPPIJA.len() / 2]),
        reply("200 OK", "", OPPIJA),
    ])
    .await;
    let got = client(&s.url).oppija(OID, "t").await.unwrap();
    assert!(got.oppija.is_some());
    assert_eq!(s.seen.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn unauthorised_stops_the_run_naming_the_user_and_where_the_password_came_from() {
    let body = r#"[{"key":"unauthorized.loginFail","message":"Sisäänkirjautuminen epäonnistui"}]"#;
    let s = serve(vec![reply("401 Unauthorized", "", body)]).await;
    let err = client(&s.url).oppija(OID, "t").await.unwrap_err();
    assert!(err.stops_run());
    let text = err.to_string();
    assert!(
        text.contains("rikastin")
            && text.contains("RIKASTIN_KOSKI_PASSWORD")
            && text.contains("unauthorized.loginFail"),
        "{text}"
    );
    assert!(!text.contains("demo"), "the password must not show: {text}");
}

#[tokio::test]
async fn a_bad_request_is_not_retried() {
    let body =
        r#"[{"key":"badRequest.queryParam.virheellinenHenkilöOid","message":"Virheellinen oid"}]"#;
    let s = serve(vec![reply("400 Bad Request", "", body)]).await;
    let err = client(&s.url).oppija("1.2.3", "t").await.unwrap_err();
    assert!(matches!(err, FetchError::Invalid { .. }), "{err}");
    assert_eq!(s.seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn the_bearer_route_names_the_token_when_refused() {
    let s = serve(vec![
        reply("200 OK", "", OPPIJA),
        reply("401 Unauthorized", "", r#"{"error":"invalid_token"}"#),
    ])
    .await;
    let c = client(&s.url);
    assert!(
        c.oppija_by_token("t0k3n", "t")
            .await
            .unwrap()
            .oppija
            .is_some()
    );
    let err = c.oppija_by_token("t0k3n", "t").await.unwrap_err();
    assert!(err.to_string().contains("bearer token"), "{err}");
    assert!(!err.to_string().contains("t0k3n"));
}
