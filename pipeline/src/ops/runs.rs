//! `rikastin runs list|show`: the runs recorded in the cache and the summary each one stored
//! ([`crate::run::Summary`] as JSON), read back for a person.
//!
//! The stored summary is read leniently: a field that an older or newer Rikastin did not write
//! counts as empty, so `runs show` still explains old runs.

use std::collections::BTreeMap;
use std::fmt::Write;

use rikastin_sinks::RunRecord;
use serde::Deserialize;

use super::{Column, key_prefix, one_line, short_time, table};

/// The parts of a stored run summary that `runs list` and `runs show` print.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StoredSummary {
    /// Wall-clock time of the run, in milliseconds.
    pub elapsed_ms: u64,
    /// Time to fetch one learner over HTTP (live runs).
    pub fetch_ms: Option<StoredPercentiles>,
    /// Recordings read (recorded runs).
    pub recordings: usize,
    /// Targets asked for over HTTP (live runs).
    pub targets: usize,
    /// Recordings or targets no source had data for.
    pub no_data: usize,
    /// Old snapshots kept and marked stale.
    pub stale: usize,
    /// Answers per source.
    pub fetched: BTreeMap<String, usize>,
    /// Why the run stopped early.
    pub stopped: Option<String>,
    /// Learners stored.
    pub learners: usize,
    /// Results written.
    pub results: usize,
    /// Snapshots created.
    pub created: usize,
    /// Snapshots whose content changed.
    pub updated: usize,
    /// Snapshots confirmed unchanged.
    pub unchanged: usize,
    /// Attainments kept out, by reason.
    pub excluded: BTreeMap<String, usize>,
    /// The learners and recordings that failed.
    pub failures: Vec<StoredFailure>,
}

/// A distribution in milliseconds.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StoredPercentiles {
    /// Median.
    pub p50: u32,
    /// 95th percentile.
    pub p95: u32,
    /// 99th percentile.
    pub p99: u32,
    /// Largest.
    pub max: u32,
}

/// One failure of a stored summary.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StoredFailure {
    /// The recording, or `target`.
    pub recording: String,
    /// The learner key, when known.
    pub learner: Option<String>,
    /// The phase that failed.
    pub phase: String,
    /// Why, redacted.
    pub error: String,
    /// The class of a fetch failure.
    pub class: Option<String>,
    /// The source that failed (live runs).
    pub source: Option<String>,
}

impl StoredSummary {
    /// Reads the summary a run stored; `None` when the JSON is not a summary at all.
    pub fn parse(json: &str) -> Option<Self> {
        serde_json::from_str(json).ok()
    }
}

/// `runs list`: one line per run, newest first.
pub fn render_list(runs: &[RunRecord]) -> String {
    if runs.is_empty() {
        return "no runs recorded yet: `rikastin run` records one\n".to_owned();
    }
    let columns = [
        ("RUN", false),
        ("STARTED", false),
        ("FINISHED", false),
        ("OUTCOME", false),
        ("LEARNERS", true),
        ("CREATED", true),
        ("UPDATED", true),
        ("UNCHANGED", true),
        ("NO DATA", true),
        ("FAILED", true),
    ]
    .map(|(heading, right)| Column { heading, right });
    let rows: Vec<Vec<String>> = runs
        .iter()
        .map(|run| {
            let mut row = vec![
                run.run_id.clone(),
                short_time(&run.started_at),
                run.finished_at.as_deref().map_or("-".into(), short_time),
                run.outcome.clone().unwrap_or_else(|| "unfinished".into()),
            ];
            match run.summary_json.as_deref().and_then(StoredSummary::parse) {
                Some(s) => row.extend(
                    [
                        s.learners,
                        s.created,
                        s.updated,
                        s.unchanged,
                        s.no_data,
                        s.failures.len(),
                    ]
                    .map(|n| n.to_string()),
                ),
                None => row.extend(std::iter::repeat_n("-".to_owned(), 6)),
            }
            row
        })
        .collect();
    let mut out = table(&columns, &rows);
    out.push_str("\n`rikastin runs show RUN` explains one run.\n");
    out
}

/// `runs show`: one run's summary: when, how long and how fast, the counts by outcome, and
/// the failures, grouped by source, phase and class, then one by one (at most `max_failures`
/// of them; 0 for all).
pub fn render_show(run: &RunRecord, max_failures: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "run {}", run.run_id);
    let _ = writeln!(out, "  config        {}", run.config_label);
    let _ = writeln!(out, "  started       {}", short_time(&run.started_at));
    let (Some(finished), Some(json)) = (&run.finished_at, &run.summary_json) else {
        let _ = writeln!(
            out,
            "  finished      -   (under way, or the process died before it could record an end)"
        );
        return out;
    };
    let outcome = run.outcome.as_deref().unwrap_or("-");
    let _ = writeln!(
        out,
        "  finished      {}   (outcome: {outcome})",
        short_time(finished)
    );
    let Some(s) = StoredSummary::parse(json) else {
        let _ = writeln!(
            out,
            "  the stored summary is not one this Rikastin can read:\n{json}"
        );
        return out;
    };
    let secs = s.elapsed_ms as f64 / 1000.0;
    let handled = s.learners + s.failures.len() + s.no_data;
    let _ = write!(out, "  took          {secs:.1} s");
    if secs > 0.0 {
        let _ = write!(
            out,
            "   ({:.1} learners stored/s, {:.1} handled/s",
            s.learners as f64 / secs,
            handled as f64 / secs
        );
        if let Some(p) = &s.fetch_ms {
            let _ = write!(
                out,
                "; fetch per learner p50 {} ms, p95 {} ms, p99 {} ms, max {} ms",
                p.p50, p.p95, p.p99, p.max
            );
        }
        out.push(')');
    }
    out.push('\n');
    if let Some(why) = &s.stopped {
        let _ = writeln!(out, "  STOPPED       {why}");
    }

    out.push_str("\ncounts by outcome\n");
    let mut count = |label: &str, n: usize, note: &str| {
        let _ = writeln!(out, "  {label:<18}{n:>7}{note}");
    };
    if s.targets > 0 || s.recordings == 0 {
        let fetched: Vec<String> = s.fetched.iter().map(|(k, n)| format!("{k} {n}")).collect();
        let answers = if fetched.is_empty() {
            String::new()
        } else {
            format!("   (answers: {})", fetched.join(", "))
        };
        count("targets asked", s.targets, &answers);
    } else {
        count("recordings read", s.recordings, "");
    }
    count("created", s.created, "");
    count("updated", s.updated, "");
    count("unchanged", s.unchanged, "   (not rewritten)");
    count("no data", s.no_data, "   (no source knows the learner)");
    count("failed", s.failures.len(), "");
    count("stale", s.stale, "   (old snapshot kept, marked stale)");
    count("results written", s.results, "");
    count(
        "records excluded",
        s.excluded.values().sum(),
        if s.excluded.is_empty() {
            ""
        } else {
            ", by reason:"
        },
    );
    for (reason, n) in &s.excluded {
        let _ = writeln!(out, "    {n:>6}  {reason}");
    }

    if !s.failures.is_empty() {
        render_failures(&mut out, &s.failures, max_failures);
    }
    out
}

fn render_failures(out: &mut String, failures: &[StoredFailure], max: usize) {
    let source = |f: &StoredFailure| f.source.clone().unwrap_or_else(|| f.recording.clone());
    let class = |f: &StoredFailure| f.class.clone().unwrap_or_else(|| f.phase.clone());
    let mut kinds: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for f in failures {
        *kinds
            .entry((source(f), f.phase.clone(), class(f)))
            .or_default() += 1;
    }
    let _ = writeln!(
        out,
        "\nfailures ({}), by source, phase and class",
        failures.len()
    );
    for ((source, phase, class), n) in &kinds {
        let _ = writeln!(out, "  {n:>6}  {source} {phase} {class}");
    }
    let shown = if max == 0 {
        failures.len()
    } else {
        max.min(failures.len())
    };
    let columns = [
        ("LEARNER", false),
        ("SOURCE", false),
        ("PHASE", false),
        ("CLASS", false),
        ("REASON", false),
    ]
    .map(|(heading, right)| Column { heading, right });
    let rows: Vec<Vec<String>> = failures[..shown]
        .iter()
        .map(|f| {
            vec![
                f.learner.as_deref().map_or("-", key_prefix).to_owned(),
                source(f),
                f.phase.clone(),
                class(f),
                one_line(&f.error),
            ]
        })
        .collect();
    out.push('\n');
    for line in table(&columns, &rows).lines() {
        let _ = writeln!(out, "  {line}");
    }
    if shown < failures.len() {
        let _ = writeln!(
            out,
            "  ... and {} more (--failures 0 shows them all)",
            failures.len() - shown
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(summary: Option<&str>) -> RunRecord {
        RunRecord {
            run_id: "20261202T101500Z-00042".into(),
            started_at: "2026-12-02T10:15:00Z".into(),
            config_label: "pipeline.yaml".into(),
            finished_at: summary.map(|_| "2026-12-02T10:15:04.5+00:00".into()),
            outcome: summary.map(|_| "failures".into()),
            summary_json: summary.map(str::to_owned),
        }
    }

    const SUMMARY: &str = r#"{"run_id":"x","elapsed_ms":4000,"config":"c","recordings":0,
        "targets":24,"no_data":1,"stale":1,"fetched":{"virta":22},"learners":20,"results":900,
        "created":2,"updated":3,"unchanged":15,"excluded":{"duplicate":2},
        "fetch_ms":{"p50":10,"p95":20,"p99":30,"max":40},
        "failures":[
          {"recording":"target","learner":"fc1664abafeb38acf862e20c71b4b1d85f5de78c2432c7a3d5ab656462006aaa",
           "phase":"fetch","error":"virta failed 4 times; last: HTTP 503","class":"exhausted","source":"virta"},
          {"recording":"target","learner":"476d8a6e0000000000000000000000000000000000000000000000000000aaaa",
           "phase":"lint","error":"E-ECTS-TWICE ...","source":"virta+koski"},
          {"recording":"target","learner":"5555555555550000000000000000000000000000000000000000000000000000",
           "phase":"fetch","error":"virta rejected the request: Validation error","class":"invalid","source":"virta"}
        ]}"#;

    #[test]
    fn show_explains_counts_timing_and_each_failure() {
        let text = render_show(&run(Some(SUMMARY)), 2);
        for expected in [
            "run 20261202T101500Z-00042",
            "finished      2026-12-02T10:15:04Z   (outcome: failures)",
            "took          4.0 s   (5.0 learners stored/s, 6.0 handled/s; fetch per learner p50 10 ms",
            "targets asked          24   (answers: virta 22)",
            "unchanged              15",
            "failed                  3",
            "stale                   1",
            "records excluded        2, by reason:",
            "failures (3), by source, phase and class",
            "1  virta fetch exhausted",
            "1  virta+koski lint lint",
            "fc1664abafeb  virta        fetch  exhausted  virta failed 4 times; last: HTTP 503",
            "476d8a6e0000  virta+koski  lint   lint       E-ECTS-TWICE ...",
            "... and 1 more (--failures 0 shows them all)",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
        }
        assert!(!text.contains("fc1664abafeb3"), "only key prefixes: {text}");
        assert!(render_show(&run(Some(SUMMARY)), 0).contains("555555555555  virta"));
    }

    #[test]
    fn show_of_an_unfinished_run_says_so() {
        let text = render_show(&run(None), 0);
        assert!(text.contains("under way, or the process died"), "{text}");
    }

    #[test]
    fn list_has_a_line_per_run_with_its_counts() {
        let text = render_list(&[run(Some(SUMMARY)), run(None)]);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("RUN  "), "{text}");
        assert!(
            lines[1]
                .ends_with("failures          20        2        3         15        1       3"),
            "{text}"
        );
        assert!(lines[2].contains("unfinished"), "{text}");
        assert!(render_list(&[]).starts_with("no runs recorded yet"));
    }
}
