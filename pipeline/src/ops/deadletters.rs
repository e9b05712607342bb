//! `rikastin deadletter list`: the learners whose latest refresh failed, as a table or as JSON.

use std::collections::BTreeMap;

use rikastin_sinks::DeadLetter;
use serde::Serialize;

use super::{Column, key_prefix, one_line, short_time, table};

/// One dead letter as `deadletter list --json` writes it: the learner's whole key (an HMAC,
/// never an identity code) and every stored column.
#[derive(Debug, Serialize)]
pub struct DeadLetterJson<'a> {
    /// The learner key, 64 hex digits.
    pub learner_key: &'a str,
    /// `virta`, `koski`, `virta+koski` or `target`.
    pub source: &'a str,
    /// The phase that failed.
    pub phase: &'a str,
    /// The class of the failure.
    pub error_class: &'a str,
    /// Failures in a row since the last success.
    pub attempts: u32,
    /// The first failure since the last success (RFC 3339, as stored).
    pub first_failed_at: &'a str,
    /// The latest failure.
    pub last_failed_at: &'a str,
    /// The latest failure's reason, redacted.
    pub last_error: &'a str,
    /// The run of the latest failure.
    pub run_id: &'a str,
}

impl<'a> From<&'a DeadLetter> for DeadLetterJson<'a> {
    fn from(d: &'a DeadLetter) -> Self {
        Self {
            learner_key: d.learner_key.as_str(),
            source: &d.source,
            phase: &d.phase,
            error_class: &d.error_class,
            attempts: d.attempts,
            first_failed_at: &d.first_failed_at,
            last_failed_at: &d.last_failed_at,
            last_error: &d.last_error,
            run_id: &d.run_id,
        }
    }
}

/// The dead letters as a JSON array (pretty, one object per learner).
pub fn to_json(letters: &[DeadLetter]) -> String {
    let rows: Vec<DeadLetterJson<'_>> = letters.iter().map(DeadLetterJson::from).collect();
    serde_json::to_string_pretty(&rows).unwrap_or_else(|_| "[]".to_owned())
}

/// The dead letters as a table, then a line with the totals by source, phase and class.
pub fn render(letters: &[DeadLetter]) -> String {
    if letters.is_empty() {
        return "no dead letters: every target's latest refresh succeeded or is still to come\n"
            .to_owned();
    }
    let columns = [
        ("LEARNER", false),
        ("SOURCE", false),
        ("PHASE", false),
        ("CLASS", false),
        ("ATTEMPTS", true),
        ("FAILING SINCE", false),
        ("LAST FAILED", false),
        ("LAST ERROR", false),
    ]
    .map(|(heading, right)| Column { heading, right });
    let rows: Vec<Vec<String>> = letters
        .iter()
        .map(|d| {
            vec![
                key_prefix(d.learner_key.as_str()).to_owned(),
                d.source.clone(),
                d.phase.clone(),
                d.error_class.clone(),
                d.attempts.to_string(),
                short_time(&d.first_failed_at),
                short_time(&d.last_failed_at),
                one_line(&d.last_error),
            ]
        })
        .collect();
    let mut out = table(&columns, &rows);
    let mut kinds: BTreeMap<(&str, &str, &str), usize> = BTreeMap::new();
    for d in letters {
        *kinds
            .entry((&d.source, &d.phase, &d.error_class))
            .or_default() += 1;
    }
    let kinds: Vec<String> = kinds
        .iter()
        .map(|((source, phase, class), n)| format!("{source} {phase} {class}: {n}"))
        .collect();
    out.push_str(&format!(
        "\n{} dead letter{} ({}). `rikastin deadletter retry KEY...|--all` has the next run \
         refresh them; a success clears them.\n",
        letters.len(),
        if letters.len() == 1 { "" } else { "s" },
        kinds.join(", ")
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn letter(key: char, source: &str, class: &str, attempts: u32) -> DeadLetter {
        DeadLetter {
            learner_key: key.to_string().repeat(64).parse().unwrap(),
            source: source.into(),
            phase: "fetch".into(),
            error_class: class.into(),
            attempts,
            first_failed_at: "2026-12-01T10:00:00Z".into(),
            last_failed_at: "2026-12-02T12:00:00.5+02:00".into(),
            last_error: "virta failed 4 times;\nlast: HTTP 503".into(),
            run_id: "r1".into(),
        }
    }

    #[test]
    fn the_table_shows_key_prefix_source_class_attempts_time_and_error() {
        let text = render(&[
            letter('a', "virta", "exhausted", 2),
            letter('b', "koski", "invalid", 1),
        ]);
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[0].starts_with("LEARNER       SOURCE  PHASE"),
            "{text}"
        );
        assert_eq!(
            lines[1],
            "aaaaaaaaaaaa  virta   fetch  exhausted         2  2026-12-01T10:00:00Z  \
             2026-12-02T10:00:00Z  virta failed 4 times; last: HTTP 503"
        );
        assert!(!text.contains(&"a".repeat(13)), "only a prefix: {text}");
        assert!(
            text.contains("2 dead letters (koski fetch invalid: 1, virta fetch exhausted: 1)"),
            "{text}"
        );
        assert!(render(&[]).starts_with("no dead letters"));
    }

    #[test]
    fn json_has_the_whole_key_and_every_column() {
        let json: serde_json::Value =
            serde_json::from_str(&to_json(&[letter('c', "virta", "exhausted", 3)])).unwrap();
        assert_eq!(json[0]["learner_key"], "c".repeat(64));
        assert_eq!(json[0]["attempts"], 3);
        assert_eq!(json[0]["error_class"], "exhausted");
        assert_eq!(json[0]["run_id"], "r1");
        assert_eq!(to_json(&[]), "[]");
    }
}
