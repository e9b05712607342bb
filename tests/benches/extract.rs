//! `make bench-extract`: live extraction throughput and tail latency against the stand-in VIRTA,
//! for set request rates and server latencies.
//!
//! The figure is a whole `rikastin run` over HTTP (fetch, parse, map, lint, write, store). The
//! floor, measured in the same run against the same stand-in and the same learners, is the
//! HTTP policy alone: the same SOAP requests (single or `...Lista` of the same batch size)
//! through the same rate limit and in-flight cap, with the answers thrown away. The ratio says
//! what the pipeline costs on top of the network.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use rikastin_sources::http::{HttpConfig, HttpSource, Verdict};
use rikastin_sources::virta::client::envelope;
use rikastin_sources::virta::{Kutsuja, VirtaQuery, lista_envelope};
use rikastin_standin::{Config, StandIn};
use rikastin_tests::{binary, repo};

const LEARNERS: usize = 400;
const IN_FLIGHT: usize = 16;
/// (server latency ms, requests per second, learners per VIRTA call). 5 requests/s is the
/// production default (docs/config.md); at that pace the Lista form is what makes a run fast.
const CASES: [(u64, u32, usize); 6] = [
    (0, 400, 1),
    (50, 100, 1),
    (50, 400, 1),
    (50, 5, 1),
    (50, 5, 50),
    (50, 100, 50),
];

fn main() {
    let data = tempfile::tempdir().unwrap();
    let recordings = data.path().join("virta");
    let csv = data.path().join("targets.csv");
    let synth = Command::new(binary().with_file_name("rikastin-synth"))
        .args(["--learners", &LEARNERS.to_string(), "--seed", "77"])
        .arg("--out")
        .arg(&recordings)
        .arg("--secret-file")
        .arg(repo().join("data/learner-key.secret"))
        .arg("--targets-csv")
        .arg(&csv)
        .output()
        .expect("rikastin-synth");
    assert!(synth.status.success());
    let targets = std::fs::read_to_string(&csv).unwrap();
    // The header, then one learner per row.
    let rows: Vec<&str> = targets.lines().collect();
    let identities: Vec<String> = rows
        .iter()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_owned())
        .collect();

    println!(
        "bench-extract: {LEARNERS} learners (40 for single calls under 50 requests/s), {IN_FLIGHT} in flight, release build"
    );
    println!(
        "| latency ms | limit req/s | batch | run learners/s | run fetch p50/p99 ms | floor learners/s | floor p50/p99 ms | ratio |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    for (latency_ms, rate, batch) in CASES {
        // At 5 requests/s, single calls for every learner would take minutes: ask fewer.
        let learners = if batch == 1 && rate < 50 {
            40
        } else {
            LEARNERS
        };
        let standin = runtime
            .block_on(
                StandIn::new(Config {
                    virta_dir: Some(recordings.clone()),
                    latency_ms,
                    ..Config::default()
                })
                .start("127.0.0.1:0".parse().unwrap()),
            )
            .unwrap();
        let http = HttpConfig {
            requests_per_sec: rate as f64,
            burst: 1,
            max_in_flight: IN_FLIGHT,
            ..HttpConfig::new(standin.virta_url())
        };
        let (floor_rate, floor_p50, floor_p99) =
            runtime.block_on(floor(http.clone(), identities[..learners].to_vec(), batch));
        let subset = data.path().join("subset.csv");
        std::fs::write(&subset, rows[..=learners].join("\n") + "\n").unwrap();
        let (run_rate, p50, p99) =
            full_run(data.path(), &standin.virta_url(), &http, batch, &subset);
        println!(
            "| {latency_ms} | {rate} | {batch} | {run_rate:.0} | {p50}/{p99} | {floor_rate:.0} | {floor_p50}/{floor_p99} | {:.2} |",
            run_rate / floor_rate
        );
        runtime.block_on(standin.stop());
    }
}

/// The HTTP policy alone: every learner's SOAP request, `batch` learners per call, answers
/// discarded. Each learner's latency is its call's.
async fn floor(http: HttpConfig, identities: Vec<String>, batch: usize) -> (f64, u32, u32) {
    let source = Arc::new(HttpSource::new("virta", http).unwrap());
    let kutsuja = Kutsuja {
        jarjestelma: "rikastin".into(),
        tunnus: "demo".into(),
        avain: "salaisuus".into(),
        avain_source: "bench".into(),
    };
    let clock = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for chunk in identities.chunks(batch) {
        let queries: Vec<VirtaQuery> = chunk.iter().map(|h| VirtaQuery::Henkilotunnus(h)).collect();
        let body = match queries.as_slice() {
            [one] => envelope(&kutsuja, *one),
            many => lista_envelope(&kutsuja, many),
        };
        let (source, learners) = (source.clone(), chunk.len());
        tasks.spawn(async move {
            let start = Instant::now();
            source
                .call(
                    |c| c.post(source.endpoint()).body(body.clone()),
                    |answer| Verdict::Done(answer.body.len()),
                )
                .await
                .unwrap();
            vec![start.elapsed().as_millis() as u32; learners]
        });
    }
    let mut took: Vec<u32> = tasks.join_all().await.concat();
    let rate = took.len() as f64 / clock.elapsed().as_secs_f64();
    took.sort_unstable();
    let at = |q: f64| took[((q * took.len() as f64).ceil() as usize).max(1) - 1];
    (rate, at(0.5), at(0.99))
}

/// `rikastin targets add` + `rikastin run` over HTTP; learners/s and fetch percentiles from
/// the run's own report.
fn full_run(
    dir: &Path,
    endpoint: &str,
    http: &HttpConfig,
    batch: usize,
    csv: &Path,
) -> (f64, u32, u32) {
    let _ = std::fs::remove_file(dir.join("cache.sqlite"));
    std::fs::write(dir.join("avain"), "salaisuus\n").unwrap();
    let yaml = format!(
        "mappings: {}\ncache:\n  sqlite_path: cache.sqlite\nlearner_key:\n  secret_file: {}\nsources:\n  virta:\n    http:\n      endpoint: {endpoint}\n      requests_per_sec: {}\n      burst: {}\n      max_in_flight: {}\n    batch_size: {batch}\n    credentials:\n      jarjestelma: rikastin\n      tunnus: demo\n      avain_file: avain\n",
        repo().join("mappings").display(),
        repo().join("data/learner-key.secret").display(),
        http.requests_per_sec,
        http.burst,
        http.max_in_flight
    );
    let config = dir.join("pipeline.yaml");
    std::fs::write(&config, yaml).unwrap();
    let rikastin = |args: &[&str]| {
        let out = Command::new(binary())
            .args(args)
            .arg("--config")
            .arg(&config)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    rikastin(&["targets", "add", csv.to_str().unwrap()]);
    let report = dir.join("report.json");
    rikastin(&["run", "--report-json", report.to_str().unwrap()]);
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    let learners = json["learners"].as_f64().unwrap();
    let secs = json["elapsed_ms"].as_f64().unwrap() / 1000.0;
    let p = |k: &str| json["fetch_ms"][k].as_u64().unwrap() as u32;
    (learners / secs, p("p50"), p("p99"))
}
