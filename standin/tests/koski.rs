//! The KOSKI stand-in over real HTTP: Basic auth, the error bodies (401, 400, 404, 503), the
//! OmaData bearer route, the hetu lookup and truncated bodies. Fixtures are written to a
//! temporary folder; the shared samples are used when they sit next to the workspace.

mod common;

use std::path::PathBuf;

use common::{client, start, workspace};
use rikastin_standin::{BearerToken, Config, Outcome, Route};
use serde_json::Value;

const OID: &str = "1.2.246.562.24.00000000011";
const HETU: &str = "010101-123N";
const FAILING_OID: &str = "1.2.246.562.24.00000000022";

fn fixture() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let doc = format!(
        r#"{{"henkilö": {{"oid": "{OID}", "hetu": "{HETU}", "etunimet": "Aino Maria", "kutsumanimi": "Aino", "sukunimi": "Koe"}},
  "opiskeluoikeudet": [{{"tyyppi": {{"koodiarvo": "ammatillinenkoulutus"}}, "suoritukset": []}}]}}
"#
    );
    std::fs::write(dir.path().join("aino.json"), &doc).expect("fixture");
    // Upstream's mock VIRTA throws for this hetu (koski.md §2.8).
    let failing = format!(
        r#"{{"henkilö": {{"oid": "{FAILING_OID}", "hetu": "250390-680P", "etunimet": "V", "kutsumanimi": "V", "sukunimi": "Virhe"}}, "opiskeluoikeudet": []}}"#
    );
    std::fs::write(dir.path().join("virhe.json"), failing).expect("fixture");
    (dir, doc)
}

fn koski_config(dir: PathBuf) -> Config {
    Config {
        koski_dir: Some(dir),
        koski_bearer: vec![
            BearerToken {
                token: "hyva-token".to_owned(),
                oid: OID.to_owned(),
            },
            BearerToken {
                token: "tyhja-token".to_owned(),
                oid: "1.2.246.562.24.00000000099".to_owned(),
            },
        ],
        ..Config::default()
    }
}

async fn get(url: String, auth: Option<(&str, &str)>) -> (u16, String, String) {
    let mut request = client().get(url);
    if let Some((user, password)) = auth {
        request = request.basic_auth(user, Some(password));
    }
    let response = request.send().await.expect("response");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (status, content_type, response.text().await.expect("body"))
}

/// The `key` of a KOSKI error body `[{"key": .., "message": ..}]`.
fn key(body: &str) -> String {
    let value: Value = serde_json::from_str(body).expect("a JSON error body");
    value[0]["key"].as_str().expect("a key").to_owned()
}

#[tokio::test]
async fn oppija_needs_basic_auth() {
    let (dir, doc) = fixture();
    let running = start(koski_config(dir.path().to_owned())).await;
    let url = format!("{}/api/oppija/{OID}", running.koski_url());

    let (status, content_type, body) = get(url.clone(), None).await;
    assert_eq!(
        (status, key(&body).as_str()),
        (401, "unauthorized.notAuthenticated")
    );
    assert_eq!(content_type, "application/json;charset=utf-8");
    let (status, _, body) = get(url.clone(), Some(("rikastin", "vaara"))).await;
    assert_eq!(
        (status, key(&body).as_str()),
        (401, "unauthorized.loginFail")
    );

    let (status, content_type, body) = get(url, Some(("rikastin", "demo"))).await;
    assert_eq!(status, 200);
    assert_eq!(content_type, "application/json;charset=utf-8");
    assert!(body == doc, "the document as recorded");
    assert_eq!(running.stats.count(Route::Koski), 3);
    assert_eq!(
        running
            .stats
            .count_outcome(Route::Koski, Outcome::Unauthorized),
        2
    );
    assert_eq!(running.stats.attempts_for(OID), 3);
    running.stop().await;
}

#[tokio::test]
async fn oppija_errors_are_koski_shaped() {
    let (dir, _) = fixture();
    let running = start(koski_config(dir.path().to_owned())).await;
    let auth = Some(("rikastin", "demo"));
    let (status, _, body) = get(format!("{}/api/oppija/1.2.3", running.koski_url()), auth).await;
    assert_eq!(
        (status, key(&body).as_str()),
        (400, "badRequest.queryParam.virheellinenHenkilöOid")
    );
    let (status, _, body) = get(
        format!(
            "{}/api/oppija/1.2.246.562.24.00000000099",
            running.koski_url()
        ),
        auth,
    )
    .await;
    assert_eq!(
        (status, key(&body).as_str()),
        (404, "notFound.oppijaaEiLöydyTaiEiOikeuksia")
    );
    let (status, _, body) = get(
        format!("{}/api/oppija/{FAILING_OID}", running.koski_url()),
        auth,
    )
    .await;
    assert_eq!(
        (status, key(&body).as_str()),
        (503, "unavailable.virta"),
        "the hetu that breaks upstream's VIRTA mock"
    );
    running.stop().await;

    let running = start(Config {
        virta_unavailable: true,
        ..koski_config(dir.path().to_owned())
    })
    .await;
    let (status, _, body) = get(format!("{}/api/oppija/{OID}", running.koski_url()), auth).await;
    assert_eq!((status, key(&body).as_str()), (503, "unavailable.virta"));
    // Unknown learners are still 404: KOSKI asks VIRTA only for learners it knows.
    let (status, _, _) = get(
        format!(
            "{}/api/oppija/1.2.246.562.24.00000000099",
            running.koski_url()
        ),
        auth,
    )
    .await;
    assert_eq!(status, 404);
    running.stop().await;
}

#[tokio::test]
async fn omadata_bearer_route_adds_token_info() {
    let (dir, _) = fixture();
    let running = start(koski_config(dir.path().to_owned())).await;
    let url = format!("{}/api/omadata-oauth2/resource-server", running.koski_url());

    let response = client()
        .post(&url)
        .bearer_auth("hyva-token")
        .send()
        .await
        .expect("response");
    assert_eq!(response.status(), 200);
    let value: Value =
        serde_json::from_str(&response.text().await.expect("body")).expect("valid JSON");
    assert_eq!(value["henkilö"]["oid"], OID);
    assert!(value["opiskeluoikeudet"].is_array());
    assert!(
        value["tokenInfo"]["scope"]
            .as_str()
            .is_some_and(|s| s.contains("OPISKELUOIKEUDET_KAIKKI_TIEDOT"))
    );
    assert!(
        value["tokenInfo"]["expirationTime"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z'))
    );

    let response = client()
        .post(&url)
        .bearer_auth("vaara-token")
        .send()
        .await
        .expect("response");
    assert_eq!(response.status(), 401);
    let value: Value =
        serde_json::from_str(&response.text().await.expect("body")).expect("valid JSON");
    assert_eq!(value["error"], "invalid_token");

    let response = client().post(&url).send().await.expect("response");
    assert_eq!(response.status(), 401, "no token");

    let response = client()
        .post(&url)
        .bearer_auth("tyhja-token")
        .send()
        .await
        .expect("response");
    assert_eq!(response.status(), 404, "a token for a learner without data");
    running.stop().await;
}

#[tokio::test]
async fn henkilo_hetu_finds_the_person_or_nobody() {
    let (dir, _) = fixture();
    let running = start(koski_config(dir.path().to_owned())).await;
    let url = format!("{}/api/henkilo/hetu", running.koski_url());
    let post = |body: String| {
        client()
            .post(&url)
            .basic_auth("rikastin", Some("demo"))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let response = post(format!(r#"{{"hetu": "{HETU}"}}"#))
        .await
        .expect("response");
    assert_eq!(response.status(), 200);
    let value: Value = serde_json::from_str(&response.text().await.expect("body")).expect("JSON");
    assert_eq!(value.as_array().map(Vec::len), Some(1));
    assert_eq!(value[0]["oid"], OID);
    assert_eq!(value[0]["kutsumanimi"], "Aino");
    assert!(value[0].get("opiskeluoikeudet").is_none());

    let response = post(r#"{"hetu": "020202-234P"}"#.to_owned())
        .await
        .expect("response");
    assert_eq!(response.status(), 200);
    assert!(
        response.text().await.expect("body") == "[]",
        "nobody has that hetu"
    );

    let response = post("{not json".to_owned()).await.expect("response");
    assert_eq!(response.status(), 400);
    assert_eq!(
        key(&response.text().await.expect("body")),
        "badRequest.format.json"
    );

    let response = client()
        .post(&url)
        .body(format!(r#"{{"hetu": "{HETU}"}}"#))
        .send()
        .await
        .expect("response");
    assert_eq!(response.status(), 401, "Basic auth needed here too");
    assert_eq!(running.stats.attempts_for(HETU), 2);
    running.stop().await;
}

#[tokio::test]
async fn truncated_body_is_not_valid_json() {
    let (dir, doc) = fixture();
    let config = Config {
        faults: vec!["koski:1=truncated".parse().expect("rule")],
        ..koski_config(dir.path().to_owned())
    };
    let running = start(config).await;
    let url = format!("{}/api/oppija/{OID}", running.koski_url());
    let (status, content_type, body) = get(url.clone(), Some(("rikastin", "demo"))).await;
    assert_eq!(status, 200, "KOSKI's broken stream still says 200");
    assert_eq!(content_type, "application/json;charset=utf-8");
    assert!(!body.is_empty() && body.len() < doc.len());
    assert!(doc.starts_with(&body), "the first part of the document");
    assert!(
        serde_json::from_str::<Value>(&body).is_err(),
        "a cut document is not JSON"
    );
    assert_eq!(
        running
            .stats
            .count_outcome(Route::Koski, Outcome::Truncated),
        1
    );

    let (status, _, body) = get(url, Some(("rikastin", "demo"))).await;
    assert_eq!(status, 200);
    assert!(body == doc, "the second request is whole again");
    running.stop().await;
}

#[tokio::test]
async fn shared_samples_are_found_by_hetu() {
    let dir = workspace().join("../shared/samples/koski");
    if !dir.is_dir() {
        eprintln!("skipped: ../shared/samples/koski is not next to the workspace");
        return;
    }
    let running = start(Config {
        koski_dir: Some(dir.clone()),
        ..Config::default()
    })
    .await;
    let mut found = 0;
    for entry in std::fs::read_dir(&dir).expect("samples") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let value: Value =
            serde_json::from_slice(&std::fs::read(&path).expect("sample")).expect("JSON");
        let Some(hetu) = value["henkilö"]["hetu"].as_str() else {
            continue;
        };
        let response = client()
            .post(format!("{}/api/henkilo/hetu", running.koski_url()))
            .basic_auth("rikastin", Some("demo"))
            .body(serde_json::json!({ "hetu": hetu }).to_string())
            .send()
            .await
            .expect("response");
        let people: Value =
            serde_json::from_str(&response.text().await.expect("body")).expect("JSON");
        assert_eq!(
            people.as_array().map(Vec::len),
            Some(1),
            "sample {} is found by its hetu",
            path.display()
        );
        found += 1;
    }
    assert!(found >= 2);
    running.stop().await;
}
