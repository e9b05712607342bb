//! A run's summary as Prometheus text exposition, for node_exporter's textfile collector
//! (`rikastin run --metrics-textfile`). Counts and timings only: no learner key, no identity.

use std::fmt::Write;

use super::Summary;

/// The metrics of one finished run. `finished_unix` is when it ended, in seconds.
pub fn textfile(summary: &Summary, finished_unix: u64) -> String {
    let mut out = String::new();
    let mut metric = |name: &str, help: &str, kind: &str, samples: &[(&str, f64)]| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        for (labels, value) in samples {
            let _ = writeln!(out, "{name}{labels} {value}");
        }
    };
    let n = |v: usize| v as f64;
    metric(
        "rikastin_run_learners",
        "Learners stored by the last run, by what happened to their snapshot.",
        "gauge",
        &[
            ("{outcome=\"created\"}", n(summary.created)),
            ("{outcome=\"updated\"}", n(summary.updated)),
            ("{outcome=\"unchanged\"}", n(summary.unchanged)),
        ],
    );
    metric(
        "rikastin_run_failed_learners",
        "Learners the last run could not refresh (dead-lettered; old snapshot kept).",
        "gauge",
        &[("", n(summary.failures.len()))],
    );
    metric(
        "rikastin_run_stale_learners",
        "Snapshots the last run marked stale because a source failed.",
        "gauge",
        &[("", n(summary.stale))],
    );
    metric(
        "rikastin_run_partial_learners",
        "New learners the last run stored from partial answers (a source failed).",
        "gauge",
        &[("", n(summary.partial))],
    );
    metric(
        "rikastin_run_no_data_learners",
        "Targets for which no source had data in the last run.",
        "gauge",
        &[("", n(summary.no_data))],
    );
    metric(
        "rikastin_run_targets",
        "Targets the last run asked for over HTTP.",
        "gauge",
        &[("", n(summary.targets))],
    );
    metric(
        "rikastin_run_stopped",
        "1 when the last run stopped early (e.g. refused credentials), else 0.",
        "gauge",
        &[("", if summary.stopped.is_some() { 1.0 } else { 0.0 })],
    );
    metric(
        "rikastin_run_duration_seconds",
        "Wall-clock time of the last run.",
        "gauge",
        &[("", summary.elapsed_ms as f64 / 1000.0)],
    );
    if let Some(p) = summary.fetch_ms {
        metric(
            "rikastin_run_fetch_seconds",
            "Time to fetch one learner over HTTP in the last run, retries included.",
            "gauge",
            &[
                ("{quantile=\"0.5\"}", f64::from(p.p50) / 1000.0),
                ("{quantile=\"0.95\"}", f64::from(p.p95) / 1000.0),
                ("{quantile=\"0.99\"}", f64::from(p.p99) / 1000.0),
            ],
        );
    }
    metric(
        "rikastin_run_finished_timestamp_seconds",
        "When the last run ended (Unix time); alert when it grows old.",
        "gauge",
        &[("", finished_unix as f64)],
    );
    out
}

/// Writes `text` to `path` through a temporary file beside it and a rename, so the collector
/// never reads half a file.
pub fn write_atomically(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    write_private(std::path::Path::new(&tmp), text.as_bytes())?;
    std::fs::rename(&tmp, path)
}

/// Writes `bytes` to `path`, a new file readable by its owner only (0600): run reports and
/// metrics say who was refreshed and when (issue 19).
pub fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    // An existing file keeps its mode on open; it is made private too.
    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    file.write_all(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::{Failure, Percentiles, Phase};

    #[test]
    fn every_count_of_the_summary_is_a_sample() {
        let summary = Summary {
            created: 3,
            updated: 2,
            unchanged: 5,
            stale: 1,
            partial: 4,
            targets: 11,
            elapsed_ms: 2500,
            fetch_ms: Some(Percentiles {
                p50: 120,
                p95: 300,
                p99: 450,
                max: 500,
            }),
            failures: vec![Failure {
                recording: "target".into(),
                learner: None,
                phase: Phase::Fetch,
                error: "virta: HTTP 503".into(),
                class: Some("exhausted"),
                source: Some("virta".into()),
                exclusions: None,
            }],
            ..Summary::default()
        };
        let text = textfile(&summary, 1_764_700_000);
        for line in [
            "rikastin_run_learners{outcome=\"created\"} 3",
            "rikastin_run_learners{outcome=\"updated\"} 2",
            "rikastin_run_learners{outcome=\"unchanged\"} 5",
            "rikastin_run_failed_learners 1",
            "rikastin_run_stale_learners 1",
            "rikastin_run_partial_learners 4",
            "rikastin_run_targets 11",
            "rikastin_run_stopped 0",
            "rikastin_run_duration_seconds 2.5",
            "rikastin_run_fetch_seconds{quantile=\"0.99\"} 0.45",
            "rikastin_run_finished_timestamp_seconds 1764700000",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing `{line}` in\n{text}"
            );
        }
        // Every sample has its HELP and TYPE, as the text format asks.
        let samples = text.lines().filter(|l| !l.starts_with('#')).count();
        let types = text.lines().filter(|l| l.starts_with("# TYPE")).count();
        assert_eq!((samples, types), (14, 10));
    }
}
