//! `rikastin mappings test`: cases declared in YAML, like Vector's unit tests. Each case names
//! its fixtures (a VIRTA recording, a KOSKI answer, catalogues, DS texts) and a golden ELMO
//! document; the mappings in force must build exactly that document, or the case fails with a
//! readable diff.

use std::path::{Path, PathBuf};

use elmo::DateTime;
use serde::Deserialize;

use crate::enrich::Enrichment;
use crate::enrich::catalogue::Catalogues;
use crate::enrich::ds::DsLibrary;
use crate::learners;
use crate::mapping::Mappings;
use crate::run::assemble;
use crate::yaml::YamlFile;

/// One case file. Paths are relative to the case file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// What the case shows.
    pub name: String,
    /// A recorded VIRTA answer for one learner.
    #[serde(default)]
    pub virta: Option<PathBuf>,
    /// A folder of recorded `OpiskelijanTiedot` answers (the names), read for `virta` as a
    /// recorded run reads `sources.virta.names_dir`.
    #[serde(default)]
    pub names: Option<PathBuf>,
    /// A recorded KOSKI oppija answer for the same learner.
    #[serde(default)]
    pub koski: Option<PathBuf>,
    /// A catalogue folder to join.
    #[serde(default)]
    pub catalogues: Option<PathBuf>,
    /// A DS folder.
    #[serde(default)]
    pub ds: Option<PathBuf>,
    /// generatedDate of the document.
    pub now: String,
    /// The golden ELMO document.
    pub expect: PathBuf,
}

/// How one case went.
#[derive(Debug)]
pub struct Outcome {
    /// The case file.
    pub file: PathBuf,
    /// Its name.
    pub name: String,
    /// `None` when it passed; else what went wrong (a diff, or an error).
    pub failure: Option<String>,
}

/// Runs every `*.yaml` case in `dir` against `mappings`. With `update`, a golden file that
/// differs is rewritten instead (review the diff by eye before committing).
pub fn run_all(dir: &Path, mappings: &Mappings, update: bool) -> Result<Vec<Outcome>, String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|file| run_one(&file, mappings, update))
        .collect()
}

fn run_one(file: &Path, mappings: &Mappings, update: bool) -> Result<Outcome, String> {
    let yaml = YamlFile::read(file).map_err(|e| e.to_string())?;
    let case: Case = yaml.parse().map_err(|e| e.to_string())?;
    let base = file.parent().unwrap_or(Path::new("."));
    let outcome = |failure| Outcome {
        file: file.to_owned(),
        name: case.name.clone(),
        failure,
    };
    let built = match build(&case, base, mappings) {
        Ok(xml) => xml,
        Err(e) => return Ok(outcome(Some(e))),
    };
    let golden_path = base.join(&case.expect);
    let golden = std::fs::read_to_string(&golden_path).unwrap_or_default();
    if golden == built {
        return Ok(outcome(None));
    }
    if update {
        std::fs::write(&golden_path, &built)
            .map_err(|e| format!("{}: {e}", golden_path.display()))?;
        return Ok(outcome(None));
    }
    Ok(outcome(Some(format!(
        "{} differs from what the mappings build:\n{}",
        golden_path.display(),
        diff(&golden, &built)
    ))))
}

fn build(case: &Case, base: &Path, mappings: &Mappings) -> Result<String, String> {
    let now: DateTime = case
        .now
        .parse()
        .map_err(|e| format!("now {:?}: {e}", case.now))?;
    let read = |p: &PathBuf| {
        let path = base.join(p);
        std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))
    };
    let mut virta = match &case.virta {
        Some(p) => Some(
            rikastin_sources::virta::parse(&read(p)?, &p.display().to_string())
                .map_err(|e| e.to_string())?,
        ),
        None => None,
    };
    if let (Some(answer), Some(dir), Some(p)) = (&mut virta, &case.names, &case.virta) {
        let folder =
            rikastin_sources::RecordedFolder::open(&base.join(dir)).map_err(|e| e.to_string())?;
        let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        crate::run::recorded::join_recorded_names(&folder, stem, answer).map_err(|f| f.error)?;
    }
    let oppija = match &case.koski {
        Some(p) => Some(
            rikastin_sources::koski::parse(&read(p)?, &p.display().to_string())
                .map_err(|e| e.to_string())?,
        ),
        None => None,
    };
    let enrichment = Enrichment {
        catalogues: match &case.catalogues {
            Some(dir) => Some(
                Catalogues::load(&base.join(dir), &mappings.enrichment.catalogue)
                    .map_err(|e| e.to_string())?,
            ),
            None => None,
        },
        ds: match &case.ds {
            Some(dir) => Some(DsLibrary::load(&base.join(dir)).map_err(|e| e.to_string())?),
            None => None,
        },
    };
    let groups = virta.as_ref().map(learners::group).unwrap_or_default();
    if groups.len() > 1 {
        return Err("the VIRTA fixture holds more than one learner; a case is one learner".into());
    }
    let records = groups
        .into_iter()
        .next()
        .map(|g| g.records)
        .unwrap_or_default();
    let assembled = assemble(
        &records,
        oppija.as_ref(),
        mappings,
        &enrichment,
        &now,
        virta.is_some(),
    )
    .map_err(|e| e.to_string())?;
    let errors: Vec<String> = elmo::lint(&assembled.elmo)
        .into_iter()
        .filter(|f| f.severity == elmo::Severity::Error)
        .map(|f| format!("{} {} at {}", f.code, f.message, f.path))
        .collect();
    if !errors.is_empty() {
        return Err(format!("lint errors: {}", errors.join("; ")));
    }
    String::from_utf8(elmo::write(&assembled.elmo)).map_err(|e| e.to_string())
}

/// A line diff with three lines of context around each change: `-` golden, `+` built.
pub fn diff(golden: &str, built: &str) -> String {
    let a: Vec<&str> = golden.lines().collect();
    let b: Vec<&str> = built.lines().collect();
    // Longest common subsequence table; golden files are small enough for O(n·m).
    let mut lcs = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut ops: Vec<(char, usize, &str)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            ops.push((' ', i + 1, a[i]));
            i += 1;
            j += 1;
        } else if j < b.len() && (i == a.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
            ops.push(('+', j + 1, b[j]));
            j += 1;
        } else {
            ops.push(('-', i + 1, a[i]));
            i += 1;
        }
    }
    let changed: Vec<usize> = (0..ops.len()).filter(|&k| ops[k].0 != ' ').collect();
    let near = |k: usize| changed.iter().any(|&c| c.abs_diff(k) <= 3);
    let mut out = String::new();
    let mut gap = false;
    for (k, (op, line, text)) in ops.iter().enumerate() {
        if near(k) {
            if gap {
                out.push_str("   ...\n");
            }
            gap = false;
            out.push_str(&format!("{op} {line:>5} | {text}\n"));
        } else {
            gap = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_diff_shows_changed_lines_with_context_and_line_numbers() {
        let golden = "a\nb\nc\nd\ne\nf\ng\nh\ni\n";
        let built = "a\nb\nc\nd\nE\nf\ng\nh\ni\n";
        let d = diff(golden, built);
        assert!(d.contains("-     5 | e"), "{d}");
        assert!(d.contains("+     5 | E"), "{d}");
        assert!(d.contains("      2 | b"), "{d}");
        assert!(!d.contains("| a"), "only three lines of context: {d}");
    }

    #[test]
    fn equal_texts_have_no_changes() {
        assert!(!diff("x\ny\n", "x\ny\n").contains(['+', '-']));
    }
}
