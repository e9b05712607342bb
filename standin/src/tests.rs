//! Pure tests of the fault plan and the request log.

use std::time::Duration;

use crate::Config;
use crate::faults::{Fault, FaultRule, IdentityFault, Injector, Service};
use crate::stats::{Outcome, RequestRecord, Route, Stats, identity_digest};

#[test]
fn fault_rules_parse_every_range_form() {
    let rule: FaultRule = "virta:1-3=503".parse().expect("range");
    assert_eq!(
        (rule.service, rule.from, rule.to, rule.fault),
        (Service::Virta, 1, Some(3), Fault::Unavailable)
    );
    let rule: FaultRule = "koski:*=truncated".parse().expect("star");
    assert_eq!(
        (rule.from, rule.to, rule.fault),
        (1, None, Fault::Truncated)
    );
    let rule: FaultRule = "virta:5=reset".parse().expect("single");
    assert_eq!((rule.from, rule.to), (5, Some(5)));
    let rule: FaultRule = "koski:10-=500".parse().expect("open");
    assert_eq!(
        (rule.from, rule.to, rule.fault),
        (10, None, Fault::ServerFault)
    );
    for bad in [
        "virta:0=503",
        "virta:3-1=503",
        "ytr:1=503",
        "virta:1=418",
        "virta=503",
        "virta:1",
    ] {
        assert!(bad.parse::<FaultRule>().is_err(), "`{bad}` must be refused");
    }
}

fn injector(config: Config, identity_faults: Vec<IdentityFault>) -> Injector {
    Injector::new(&config, identity_faults)
}

fn draw(injector: &Injector, service: Service, n: usize) -> Vec<Option<Fault>> {
    (0..n)
        .map(|_| {
            let ticket = injector.arrive(service);
            injector.decide(ticket, &[])
        })
        .collect()
}

#[test]
fn error_rate_with_a_seed_is_repeatable_and_near_the_rate() {
    let config = Config {
        error_rate: 0.2,
        seed: 7,
        ..Config::default()
    };
    let first = draw(&injector(config.clone(), vec![]), Service::Virta, 2000);
    let second = draw(&injector(config.clone(), vec![]), Service::Virta, 2000);
    assert_eq!(first, second, "same seed, same faults");
    let faults = first.iter().flatten().count();
    assert!(
        (300..=500).contains(&faults),
        "about 20 % of 2000, got {faults}"
    );
    for fault in first.iter().flatten() {
        assert!(matches!(
            fault,
            Fault::ServerFault | Fault::Unavailable | Fault::GatewayTimeout | Fault::Reset
        ));
    }
    let other = draw(
        &injector(Config { seed: 8, ..config }, vec![]),
        Service::Virta,
        2000,
    );
    assert_ne!(first, other, "another seed, other faults");
}

#[test]
fn koski_mix_includes_truncation() {
    let config = Config {
        error_rate: 1.0,
        ..Config::default()
    };
    let faults = draw(&injector(config, vec![]), Service::Koski, 200);
    assert!(
        faults.iter().all(Option::is_some),
        "rate 1.0 faults everything"
    );
    assert!(faults.contains(&Some(Fault::Truncated)));
    assert!(!faults.contains(&Some(Fault::GatewayTimeout)));
}

#[test]
fn schedule_counts_requests_per_service() {
    let config = Config {
        faults: vec!["virta:2-3=503".parse().expect("rule")],
        ..Config::default()
    };
    let injector = injector(config, vec![]);
    // KOSKI requests in between do not move VIRTA's count.
    let koski = draw(&injector, Service::Koski, 5);
    assert!(koski.iter().all(Option::is_none));
    let virta = draw(&injector, Service::Virta, 4);
    assert_eq!(
        virta,
        [
            None,
            Some(Fault::Unavailable),
            Some(Fault::Unavailable),
            None
        ]
    );
}

#[test]
fn identity_faults_come_first_and_count_attempts() {
    let config = Config {
        faults: vec!["virta:*=504".parse().expect("rule")],
        ..Config::default()
    };
    let learner = "1.2.246.562.24.00000000001".to_owned();
    let faults = vec![IdentityFault::first(
        2,
        Service::Virta,
        learner.clone(),
        Fault::Reset,
    )];
    let injector = injector(config, faults);
    let ask = |who: &str| {
        let ticket = injector.arrive(Service::Virta);
        injector.decide(ticket, &[who.to_owned()])
    };
    assert_eq!(ask(&learner), Some(Fault::Reset));
    assert_eq!(
        ask("1.2.246.562.24.00000000002"),
        Some(Fault::GatewayTimeout),
        "others follow the schedule"
    );
    assert_eq!(ask(&learner), Some(Fault::Reset));
    assert_eq!(
        ask(&learner),
        Some(Fault::GatewayTimeout),
        "after two attempts the schedule applies again"
    );
}

#[test]
fn identity_fault_debug_shows_a_digest_only() {
    let fault = IdentityFault::always(Service::Virta, "010203-123N", Fault::ClientFault);
    let shown = format!("{fault:?}");
    assert!(!shown.contains("010203"), "identity code in Debug output");
    assert!(shown.contains(&identity_digest("010203-123N")));
}

#[test]
fn jitter_stays_within_bounds_and_repeats() {
    let config = Config {
        latency_ms: 10,
        latency_jitter_ms: 5,
        seed: 3,
        ..Config::default()
    };
    let delays = |inj: &Injector| {
        (0..100)
            .map(|_| inj.arrive(Service::Koski).delay_ms)
            .collect::<Vec<_>>()
    };
    let a = delays(&injector(config.clone(), vec![]));
    assert!(a.iter().all(|d| (10..=15).contains(d)));
    assert!(a.iter().any(|&d| d != a[0]), "jitter varies");
    assert_eq!(a, delays(&injector(config, vec![])));
}

fn record(stats: &Stats, route: Route, at_ms: u64, outcome: Outcome, identity: &str) {
    stats.record(RequestRecord {
        route,
        operation: "test".to_owned(),
        at: Duration::from_millis(at_ms),
        outcome,
        status: Some(200),
        identities: vec![identity_digest(identity)],
    });
}

#[test]
fn stats_count_routes_attempts_and_windows() {
    let stats = Stats::new();
    for (i, at) in [0u64, 100, 200, 950, 1000, 1050, 1100]
        .into_iter()
        .enumerate()
    {
        let who = if i % 2 == 0 { "a" } else { "b" };
        record(&stats, Route::Virta, at, Outcome::Ok, who);
    }
    record(&stats, Route::Koski, 500, Outcome::Unavailable, "a");
    assert_eq!(stats.count(Route::Virta), 7);
    assert_eq!(stats.count(Route::Koski), 1);
    assert_eq!(stats.count_outcome(Route::Koski, Outcome::Unavailable), 1);
    assert_eq!(stats.attempts_for("a"), 5);
    assert_eq!(stats.attempts_for("b"), 3);
    assert_eq!(stats.attempts_for("c"), 0);
    // [950, 1050) holds 950 and 1000; [950, 1150) holds four.
    assert_eq!(
        stats.max_requests_in_any_window(Route::Virta, Duration::from_millis(100)),
        2
    );
    assert_eq!(
        stats.max_requests_in_any_window(Route::Virta, Duration::from_millis(200)),
        4
    );
    assert_eq!(
        stats.max_requests_in_any_window(Route::Virta, Duration::from_secs(2)),
        7
    );
    assert!(stats.summary().contains("virta: 7 requests (ok 7)"));
    let json = stats.to_json().to_string();
    assert!(json.contains(&identity_digest("a")));
    assert!(json.contains("\"koski\":{\"503\":1}"));
    stats.clear();
    assert_eq!(stats.count(Route::Virta), 0);
}

#[test]
fn identity_digest_is_16_hex_characters_of_sha256() {
    // SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
    assert_eq!(identity_digest("abc"), "ba7816bf8f01cfea");
}

#[test]
fn config_debug_hides_secrets() {
    let config = Config {
        virta_avain: "very-secret".to_owned(),
        koski_password: "also-secret".to_owned(),
        koski_bearer: vec![
            "tok-123=1.2.246.562.24.00000000001"
                .parse()
                .expect("bearer"),
        ],
        ..Config::default()
    };
    let shown = format!("{config:?}");
    assert!(
        !shown.contains("very-secret")
            && !shown.contains("also-secret")
            && !shown.contains("tok-123")
    );
}

#[test]
fn config_reads_from_json_with_defaults() {
    let config: Config = serde_json::from_str(
        r#"{"latency_ms": 50, "error_rate": 0.2, "faults": ["virta:1-3=503"], "no_data": "no-virta", "quirks": ["empty-sections"]}"#,
    )
    .expect("config");
    assert_eq!(config.latency_ms, 50);
    assert_eq!(config.faults.len(), 1);
    assert_eq!(config.no_data, crate::NoData::NoVirta);
    assert_eq!(config.virta_avain, crate::DEFAULT_VIRTA_AVAIN);
    assert!(
        serde_json::from_str::<Config>(r#"{"latency": 5}"#).is_err(),
        "unknown keys are refused"
    );
}
