//! `rikastin explain`: the provenance stored with a snapshot, as a person reads it: for each
//! result, every generated field with its source and the rule that put it there.

use std::fmt::Write;

use serde::Deserialize;

use crate::enrich::ResultProvenance;

/// The provenance JSON the run stores beside each snapshot.
#[derive(Debug, Deserialize)]
pub struct StoredProvenance {
    /// Per result, in document order.
    pub results: Vec<ResultProvenance>,
    /// Per passed degree.
    #[serde(default)]
    pub diploma_supplements: Vec<serde_json::Value>,
}

/// Renders the provenance; `los` keeps only the results with that identifier (a value, or
/// `type:value`). Errors when the JSON is not ours or the identifier matches nothing.
pub fn render(json: &str, los: Option<&str>) -> Result<String, String> {
    let stored: StoredProvenance = serde_json::from_str(json).map_err(|e| {
        format!("the stored provenance is unreadable ({e}); `rikastin run` rewrites it")
    })?;
    let matches = |r: &ResultProvenance| {
        los.is_none_or(|id| {
            r.ids
                .iter()
                .any(|full| full == id || full.split_once(':').is_some_and(|(_, v)| v == id))
        })
    };
    let shown: Vec<&ResultProvenance> = stored.results.iter().filter(|r| matches(r)).collect();
    if shown.is_empty() {
        return Err(match los {
            Some(id) => format!("no result with the identifier {id:?} in this snapshot"),
            None => "the snapshot has no results".into(),
        });
    }
    let mut out = String::new();
    for r in &shown {
        let _ = writeln!(out, "[{}] {}", r.institution, r.title);
        let _ = writeln!(out, "    ids: {}", r.ids.join(", "));
        let fields = || {
            r.from
                .iter()
                .flat_map(|o| o.fields.iter().map(move |f| (f, o)))
        };
        let width = fields().map(|(f, _)| f.len()).max().unwrap_or(0);
        for (field, o) in fields() {
            // A catalogue field's rule is its key in the precedence list.
            let rule = if o.source == "catalogue" {
                format!("{}.{field}", o.rule)
            } else {
                o.rule.to_string()
            };
            let _ = writeln!(
                out,
                "    {field:<width$}  {:<9}  {}  ({rule})",
                o.source, o.at
            );
        }
    }
    if los.is_none() {
        for ds in &stored.diploma_supplements {
            if let Ok(ds) = serde_json::from_value::<DsSummary>(ds.clone()) {
                let _ = writeln!(
                    out,
                    "Diploma Supplement for {} ({} {}): {}{}",
                    ds.los_title,
                    ds.institution,
                    ds.degree_code,
                    ds.file.as_deref().unwrap_or("not attached"),
                    match (&ds.reason, ds.missing.is_empty()) {
                        (Some(why), _) => format!(" — {why}"),
                        (None, true) => String::new(),
                        (None, false) => format!(" — missing: {}", ds.missing.join("; ")),
                    }
                );
            }
        }
    }
    Ok(out)
}

/// The parts of a stored `DsOutcome` that `explain` shows.
#[derive(Deserialize)]
struct DsSummary {
    los_title: String,
    institution: String,
    degree_code: String,
    file: Option<String>,
    reason: Option<String>,
    missing: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const JSON: &str = r#"{"results":[
        {"institution":"01901","ids":["local:A1","koulutusmoduulitunniste:TKT10021"],"title":"Cloud",
         "from":[{"source":"virta","at":"VIRTA Opintosuoritus (01901, a1)","rule":"mappings/virta.yaml attainments","fields":["title","date"]},
                 {"source":"catalogue","at":"data/catalogues/01901.csv:7 (2012-08-01..)","rule":"mappings/enrichment.yaml catalogue.precedence","fields":["description","url"]}]},
        {"institution":"01901","ids":["local:B2"],"title":"Other","from":[]}],
        "diploma_supplements":[{"los_title":"LuK","institution":"01901","degree_code":"KH50","file":null,"reason":"no programme file","missing":[],"provenance":[]}]}"#;

    #[test]
    fn every_field_shows_its_source_and_rule() {
        let text = render(JSON, None).unwrap();
        assert!(text.contains("[01901] Cloud"), "{text}");
        assert!(
            text.contains("data/catalogues/01901.csv:7 (2012-08-01..)"),
            "{text}"
        );
        assert!(
            text.contains("(mappings/enrichment.yaml catalogue.precedence.description)"),
            "{text}"
        );
        assert!(
            text.contains("(mappings/enrichment.yaml catalogue.precedence.url)"),
            "{text}"
        );
        assert!(
            text.contains("date         virta      VIRTA Opintosuoritus (01901, a1)  (mappings/virta.yaml attainments)"),
            "{text}"
        );
        assert!(text.contains("not attached — no programme file"), "{text}");
    }

    #[test]
    fn los_selects_by_value_or_type_and_value() {
        for id in ["TKT10021", "koulutusmoduulitunniste:TKT10021"] {
            let text = render(JSON, Some(id)).unwrap();
            assert!(text.contains("Cloud") && !text.contains("Other"), "{text}");
        }
        assert!(render(JSON, Some("nope")).unwrap_err().contains("\"nope\""));
        assert!(render("{", None).is_err());
    }
}
