//! `pipeline.yaml`: where the job reads, what it writes, and where its secret comes from.
//!
//! Relative paths are relative to the folder of the config file, so `rikastin run --config
//! data/pipeline.yaml` works from any directory. Every key is documented in docs/config.md.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::yaml::{ConfigError, YamlFile};

/// The file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineFile {
    /// Folder of the mapping files (`virta.yaml`, `institutions.yaml`).
    pub mappings: PathBuf,
    /// The snapshot cache.
    pub cache: CacheSection,
    /// The secret behind learner keys.
    pub learner_key: LearnerKeySection,
    /// Where records come from.
    pub sources: SourcesSection,
}

/// `cache`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheSection {
    /// The SQLite file; created with its folder when missing.
    pub sqlite_path: PathBuf,
}

/// `learner_key`: the HMAC secret. Never inline in YAML (DESIGN.md invariant 5).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LearnerKeySection {
    /// Environment variable holding the secret; wins over `secret_file` when set.
    #[serde(default)]
    pub secret_env: Option<String>,
    /// File holding the secret.
    #[serde(default)]
    pub secret_file: Option<PathBuf>,
}

/// `sources`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourcesSection {
    /// VIRTA.
    pub virta: VirtaSection,
}

/// `sources.virta`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VirtaSection {
    /// Folder of recorded `OpiskelijanKaikkiTiedot` responses, one file per learner.
    pub recorded_dir: PathBuf,
}

/// The config with paths resolved; nothing opened yet.
#[derive(Debug)]
pub struct Config {
    /// The config file.
    pub file: PathBuf,
    /// Mapping folder.
    pub mappings: PathBuf,
    /// SQLite cache file.
    pub sqlite_path: PathBuf,
    /// Secret source.
    pub learner_key: LearnerKeySection,
    /// VIRTA recordings folder.
    pub virta_recorded_dir: PathBuf,
}

impl Config {
    /// Reads and checks the file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let yaml = YamlFile::read(path)?;
        let raw: PipelineFile = yaml.parse()?;
        let base = path.parent().unwrap_or(Path::new("."));
        if raw.learner_key.secret_env.is_none() && raw.learner_key.secret_file.is_none() {
            return Err(yaml.invalid(
                "learner_key",
                "learner_key:",
                "give `secret_env` (an environment variable) or `secret_file`".into(),
            ));
        }
        let learner_key = LearnerKeySection {
            secret_env: raw.learner_key.secret_env,
            secret_file: raw.learner_key.secret_file.map(|f| resolve(base, &f)),
        };
        Ok(Self {
            file: path.to_owned(),
            mappings: resolve(base, &raw.mappings),
            sqlite_path: resolve(base, &raw.cache.sqlite_path),
            learner_key,
            virta_recorded_dir: resolve(base, &raw.sources.virta.recorded_dir),
        })
    }
}

/// `path` relative to `base`, with `dir/..` folded away so that messages show `var/cache.sqlite`
/// rather than `data/../var/cache.sqlite`. Lexical only: a `..` after a symlink is kept as is.
fn resolve(base: &Path, path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for part in base.join(path).components() {
        match part {
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                if !out.is_symlink() {
                    out.pop();
                } else {
                    out.push(part);
                }
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    if out.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_are_folded_against_the_config_folder() {
        assert_eq!(
            resolve(Path::new("data"), Path::new("../var/c.sqlite")),
            Path::new("var/c.sqlite")
        );
        assert_eq!(resolve(Path::new(""), Path::new("../m")), Path::new("../m"));
        assert_eq!(
            resolve(Path::new("a/b"), Path::new("./../../x")),
            Path::new("x")
        );
        assert_eq!(
            resolve(Path::new("a"), Path::new("/abs/p")),
            Path::new("/abs/p")
        );
        assert_eq!(resolve(Path::new("a"), Path::new("..")), Path::new("."));
    }

    #[test]
    fn the_embedded_default_loads() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/pipeline.yaml");
        let config = Config::load(&path).unwrap();
        assert!(config.sqlite_path.ends_with("var/cache.sqlite"));
        assert!(
            config.virta_recorded_dir.is_dir(),
            "{:?}",
            config.virta_recorded_dir
        );
        assert!(config.mappings.join("virta.yaml").is_file());
    }

    /// docs/config.md shows the embedded default; it must stay loadable and equal to it.
    #[test]
    fn the_documented_config_is_the_embedded_default() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let doc = std::fs::read_to_string(root.join("docs/config.md")).unwrap();
        let start = doc.find("```yaml\n").unwrap() + 8;
        let block = &doc[start..start + doc[start..].find("```").unwrap()];
        let yaml = YamlFile::from_text("docs/config.md".into(), block.into());
        let documented: PipelineFile = yaml.parse().unwrap();
        let actual: PipelineFile = YamlFile::read(&root.join("data/pipeline.yaml"))
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(format!("{documented:?}"), format!("{actual:?}"));
    }

    #[test]
    fn an_inline_secret_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.yaml");
        std::fs::write(
            &path,
            "mappings: m\ncache: { sqlite_path: c }\nlearner_key: { secret: hunter2 }\nsources: { virta: { recorded_dir: r } }\n",
        )
        .unwrap();
        let err = Config::load(&path).unwrap_err().to_string();
        assert!(err.contains("p.yaml:3"), "{err}");
        assert!(err.contains("unknown field `secret`"), "{err}");
    }
}
