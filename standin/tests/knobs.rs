//! Fault and latency knobs over real HTTP: latency, the seeded error rate, the schedule,
//! per-learner faults, connection resets, and the stats a test reads back.

mod common;

use std::time::{Duration, Instant};

use common::*;
use rikastin_standin::{
    Config, Fault, IdentityFault, Outcome, Route, Service, StandIn, identity_digest,
};

#[tokio::test]
async fn latency_applies_to_every_request() {
    let running = start(Config {
        latency_ms: 150,
        ..virta_config()
    })
    .await;
    let learner = learner(HAAGA_HELIA);
    for _ in 0..2 {
        let began = Instant::now();
        let (status, _, _) = post_soap(&running.virta_url(), by_hetu(&learner.hetu)).await;
        assert_eq!(status, 200);
        assert!(
            began.elapsed() >= Duration::from_millis(150),
            "answered before the latency"
        );
    }
    let began = Instant::now();
    let status = client()
        .get(format!(
            "{}/api/oppija/1.2.246.562.24.00000000011",
            running.koski_url()
        ))
        .send()
        .await
        .expect("response")
        .status();
    assert_eq!(status, 401);
    assert!(
        began.elapsed() >= Duration::from_millis(150),
        "KOSKI waits too"
    );
    running.stop().await;
}

/// The outcome of each of `n` sequential VIRTA requests.
async fn outcomes(config: Config, n: usize) -> Vec<String> {
    let running = start(config).await;
    let learner = learner(HAAGA_HELIA);
    let mut seen = Vec::new();
    for _ in 0..n {
        let sent = client()
            .post(running.virta_url())
            .body(by_hetu(&learner.hetu))
            .send()
            .await;
        seen.push(match sent {
            Ok(response) => response.status().as_u16().to_string(),
            Err(_) => "error".to_owned(),
        });
    }
    let recorded: Vec<String> = running
        .stats
        .requests()
        .iter()
        .map(|r| r.outcome.as_str().to_owned())
        .collect();
    running.stop().await;
    assert_eq!(recorded.len(), n);
    seen.into_iter()
        .zip(recorded)
        .map(|(wire, log)| format!("{wire}/{log}"))
        .collect()
}

#[tokio::test]
async fn error_rate_with_a_seed_gives_the_same_sequence_twice() {
    let config = || Config {
        error_rate: 0.3,
        seed: 2026,
        ..virta_config()
    };
    let first = outcomes(config(), 40).await;
    let second = outcomes(config(), 40).await;
    assert_eq!(first, second);
    let faults = first.iter().filter(|o| !o.ends_with("/ok")).count();
    assert!(
        (4..=22).contains(&faults),
        "about 30 % of 40 faulted, got {faults}: {first:?}"
    );
    assert!(
        first.iter().all(|o| [
            "200/ok",
            "500/server-fault",
            "503/503",
            "504/504",
            "error/reset"
        ]
        .contains(&o.as_str())),
        "{first:?}"
    );
}

#[tokio::test]
async fn schedule_gives_503_with_retry_after_then_recovers() {
    let config = Config {
        faults: vec!["virta:1-2=503".parse().expect("rule")],
        ..virta_config()
    };
    let running = start(config).await;
    let learner = learner(HAAGA_HELIA);
    for _ in 0..2 {
        let response = client()
            .post(running.virta_url())
            .body(by_hetu(&learner.hetu))
            .send()
            .await
            .expect("response");
        assert_eq!(response.status(), 503);
        assert_eq!(
            response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok()),
            Some("1")
        );
    }
    let (status, _, _) = post_soap(&running.virta_url(), by_hetu(&learner.hetu)).await;
    assert_eq!(status, 200);
    assert_eq!(running.stats.attempts_for(&learner.hetu), 3);
    assert_eq!(
        running
            .stats
            .count_outcome(Route::Virta, Outcome::Unavailable),
        2
    );
    running.stop().await;
}

#[tokio::test]
async fn reset_drops_the_connection_without_a_response() {
    let config = Config {
        faults: vec![
            "virta:1=reset".parse().expect("rule"),
            "koski:1=reset".parse().expect("rule"),
        ],
        ..virta_config()
    };
    let running = start(config).await;
    let learner = learner(HAAGA_HELIA);
    let sent = client()
        .post(running.virta_url())
        .body(by_hetu(&learner.hetu))
        .send()
        .await;
    assert!(sent.is_err(), "a reset connection gives no response");
    let sent = client()
        .get(format!(
            "{}/api/oppija/1.2.246.562.24.00000000011",
            running.koski_url()
        ))
        .send()
        .await;
    assert!(sent.is_err());
    let (status, _, _) = post_soap(&running.virta_url(), by_hetu(&learner.hetu)).await;
    assert_eq!(status, 200, "the next connection is served");
    let records = running.stats.requests();
    assert_eq!(records[0].outcome, Outcome::Reset);
    assert_eq!(records[0].status, None);
    running.stop().await;
}

#[tokio::test]
async fn gateway_timeout_and_server_fault_shapes() {
    let config = Config {
        faults: vec![
            "virta:1=504".parse().expect("rule"),
            "virta:2=server-fault".parse().expect("rule"),
        ],
        ..virta_config()
    };
    let running = start(config).await;
    let (status, _, _) = post_soap(&running.virta_url(), by_hetu("010203-123N")).await;
    assert_eq!(status, 504);
    let (status, _, body) = post_soap(&running.virta_url(), by_hetu("010203-123N")).await;
    assert_eq!(status, 500);
    assert!(body.contains("<faultcode>SOAP-ENV:Server</faultcode>"));
    running.stop().await;
}

#[tokio::test]
async fn identity_faults_make_tests_deterministic() {
    let flaky = learner(HELSINKI);
    let broken = learner(TWO_INSTITUTIONS);
    let running = StandIn::new(virta_config())
        .identity_fault(IdentityFault::first(
            2,
            Service::Virta,
            flaky.hetu.clone(),
            Fault::Unavailable,
        ))
        .identity_fault(IdentityFault::always(
            Service::Virta,
            broken.hetu.clone(),
            Fault::ClientFault,
        ))
        .start("127.0.0.1:0".parse().expect("address"))
        .await
        .expect("starts");
    let mut flaky_statuses = Vec::new();
    for _ in 0..3 {
        flaky_statuses.push(
            post_soap(&running.virta_url(), by_hetu(&flaky.hetu))
                .await
                .0,
        );
    }
    assert_eq!(flaky_statuses, [503, 503, 200]);
    for _ in 0..2 {
        let (status, _, body) = post_soap(&running.virta_url(), by_hetu(&broken.hetu)).await;
        assert_eq!(status, 500);
        assert!(body.contains("Validation error"));
    }
    let other = learner(HAAGA_HELIA);
    assert_eq!(
        post_soap(&running.virta_url(), by_hetu(&other.hetu))
            .await
            .0,
        200
    );
    assert_eq!(running.stats.attempts_for(&flaky.hetu), 3);
    assert_eq!(running.stats.attempts_for(&broken.hetu), 2);
    assert_eq!(running.stats.attempts_for(&other.hetu), 1);
    running.stop().await;
}

#[tokio::test]
async fn stats_endpoint_shows_digests_not_identities() {
    let running = start(virta_config()).await;
    let learner = learner(HAAGA_HELIA);
    post_soap(&running.virta_url(), by_hetu(&learner.hetu)).await;
    let body = client()
        .get(format!("{}/_standin/stats", running.url()))
        .send()
        .await
        .expect("response")
        .text()
        .await
        .expect("body");
    assert!(
        !body.contains(&learner.hetu),
        "an identity code in the stats"
    );
    assert!(body.contains(&identity_digest(&learner.hetu)));
    let value: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(value["counts"]["virta"]["ok"], 1);
    assert_eq!(value["requests"][0]["operation"], "OpiskelijanKaikkiTiedot");
    assert!(value["requests"][0]["at_ms"].as_f64().is_some());
    running.stop().await;
}

#[tokio::test]
async fn rate_can_be_measured_from_arrival_times() {
    let running = start(virta_config()).await;
    let learner = learner(HAAGA_HELIA);
    // Ten requests 30 ms apart: any 100 ms window holds at most four.
    for _ in 0..10 {
        post_soap(&running.virta_url(), by_hetu(&learner.hetu)).await;
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    let times = running.stats.times(Route::Virta);
    assert_eq!(times.len(), 10);
    assert!(
        times
            .windows(2)
            .all(|w| w[1] - w[0] >= Duration::from_millis(30))
    );
    let busiest = running
        .stats
        .max_requests_in_any_window(Route::Virta, Duration::from_millis(100));
    assert!((1..=4).contains(&busiest), "got {busiest}");
    running.stop().await;
}

#[tokio::test]
async fn bad_config_and_data_refuse_to_start() {
    let err = StandIn::new(Config {
        error_rate: 1.5,
        ..Config::default()
    })
    .start("127.0.0.1:0".parse().expect("address"))
    .await
    .expect_err("error_rate above 1");
    assert!(err.to_string().contains("error_rate"));

    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("rikki.xml"),
        "<virta:Virta xmlns:virta=\"urn:mace:funet.fi:virta/2015/09/01\"><virta:Opiskelija>",
    )
    .expect("file");
    let err = StandIn::new(Config {
        virta_dir: Some(dir.path().to_owned()),
        ..Config::default()
    })
    .start("127.0.0.1:0".parse().expect("address"))
    .await
    .expect_err("a broken recording");
    assert!(
        err.to_string().contains("rikki.xml"),
        "the error names the file: {err}"
    );
}
