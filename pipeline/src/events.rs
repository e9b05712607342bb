//! The run's own log events, in one file to audit for DESIGN.md invariant 5: each carries the
//! run id, the config, counts and timings, never a learner key, an identity code or a failure's
//! reason (those are in the cache's run record and `rikastin runs show`). They go to the target
//! `rikastin::run` at info, which the JSON log shows by default (`console::default_filter`).

use crate::run::{Job, Summary};

/// The log target of the run's start and end.
pub const RUN_TARGET: &str = "rikastin::run";

/// The run is about to read its first recording or ask for its first target.
pub fn run_started(job: &Job, over_http: bool) {
    tracing::info!(
        target: RUN_TARGET,
        run_id = %job.run_id,
        config = %job.config_label,
        sources = if over_http { "http" } else { "recorded" },
        resumed_committed = job.resumed.as_ref().map(|done| done.len()),
        "run started"
    );
}

/// The run has ended and recorded itself in the cache: the summary's counts, as the printed
/// summary and `--metrics-textfile` give them.
pub fn run_finished(summary: &Summary) {
    let fetch = summary.fetch_ms;
    tracing::info!(
        target: RUN_TARGET,
        run_id = %summary.run_id,
        outcome = outcome(summary),
        elapsed_ms = summary.elapsed_ms,
        recordings = summary.recordings,
        targets = summary.targets,
        learners = summary.learners,
        created = summary.created,
        updated = summary.updated,
        unchanged = summary.unchanged,
        no_data = summary.no_data,
        stale = summary.stale,
        partial = summary.partial,
        failed = summary.failures.len(),
        results = summary.results,
        excluded = summary.excluded.values().sum::<usize>(),
        fetch_p50_ms = fetch.map(|p| p.p50),
        fetch_p99_ms = fetch.map(|p| p.p99),
        stopped = summary.stopped.as_deref(),
        "run finished"
    );
}

/// `ok`, `failures` or `stopped`, as the run is recorded in the cache (`runs list`).
fn outcome(summary: &Summary) -> &'static str {
    if summary.stopped.is_some() {
        "stopped"
    } else if summary.failures.is_empty() {
        "ok"
    } else {
        "failures"
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::run::{Failure, Phase};

    /// What a JSON subscriber writes, shared with the test.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_end_of_a_run_is_one_json_line_of_counts_without_keys_or_reasons() {
        let key = "fc1664abafeb38acf862e20c71b4b1d85f5de78c2432c7a3d5ab656462006aaa";
        let mut summary = Summary::default();
        summary.run_id = "20261202T160208Z-26462".to_owned();
        summary.elapsed_ms = 1200;
        summary.targets = 24;
        summary.learners = 22;
        summary.created = 22;
        summary.failures.push(Failure {
            recording: "target".to_owned(),
            learner: Some(key.to_owned()),
            phase: Phase::Fetch,
            error: "koski rejected the request: HTTP 400 badRequest".to_owned(),
            class: Some("invalid"),
            source: Some("koski".into()),
            exclusions: None,
        });
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .flatten_event(true)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, || run_finished(&summary));
        let out = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        let line: serde_json::Value = serde_json::from_str(out.trim()).expect(&out);
        assert_eq!(line["target"], "rikastin::run");
        assert_eq!(line["level"], "INFO");
        assert_eq!(line["message"], "run finished");
        assert_eq!(line["run_id"], "20261202T160208Z-26462");
        assert_eq!(line["outcome"], "failures");
        assert_eq!(line["learners"], 22);
        assert_eq!(line["failed"], 1);
        assert_eq!(line["elapsed_ms"], 1200);
        assert!(!out.contains(&key[..12]), "a learner key: {out}");
        assert!(!out.contains("badRequest"), "a failure's reason: {out}");
    }
}
