//! Loading YAML files into typed structs, failing closed with file:line:column and the YAML path.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

/// A configuration or mapping file that could not be used (DESIGN.md invariant 6: these stop
/// the run before anything is fetched).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{file}: cannot read: {source}")]
    Io {
        /// The file.
        file: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The YAML is malformed, has an unknown key or a value of the wrong type.
    #[error("{}: {message}", Position { file, line: *line, column: *column, yaml_path })]
    Syntax {
        /// The file.
        file: PathBuf,
        /// 1-based line, 0 when unknown.
        line: usize,
        /// 1-based column, 0 when unknown.
        column: usize,
        /// Where in the document, e.g. `attainments[2].when`.
        yaml_path: String,
        /// What was wrong and what was expected.
        message: String,
    },
    /// A value is well-formed but refers to something that does not exist or is out of range.
    #[error("{}: {message}", Position { file, line: *line, column: 0, yaml_path })]
    Invalid {
        /// The file.
        file: PathBuf,
        /// 1-based line of the key, 0 when unknown.
        line: usize,
        /// Where in the document.
        yaml_path: String,
        /// What was wrong and what was expected.
        message: String,
    },
}

struct Position<'a> {
    file: &'a Path,
    line: usize,
    column: usize,
    yaml_path: &'a str,
}

impl fmt::Display for Position<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
            if self.column > 0 {
                write!(f, ":{}", self.column)?;
            }
        }
        if !self.yaml_path.is_empty() && self.yaml_path != "." {
            write!(f, " (at `{}`)", self.yaml_path)?;
        }
        Ok(())
    }
}

/// A YAML file read into memory, kept so that later checks can point at the line of a key.
pub struct YamlFile {
    /// Where it came from.
    pub path: PathBuf,
    text: String,
}

impl YamlFile {
    /// Reads the file.
    pub fn read(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            file: path.to_owned(),
            source,
        })?;
        Ok(Self {
            path: path.to_owned(),
            text,
        })
    }

    /// A YAML text that did not come from a file of its own (e.g. a block in the docs).
    pub fn from_text(path: PathBuf, text: String) -> Self {
        Self { path, text }
    }

    /// Deserializes the whole file into `T` (whose structs deny unknown fields).
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, ConfigError> {
        // Size, aliases and nesting are checked before anything is built (issue 19).
        if let Err(e) = rikastin_sources::yaml_limits::check(&self.text) {
            return Err(ConfigError::Syntax {
                file: self.path.clone(),
                line: e.line,
                column: e.column,
                yaml_path: String::new(),
                message: e.message,
            });
        }
        let de = yaml_serde::Deserializer::from_str(&self.text);
        serde_path_to_error::deserialize(de).map_err(|err| {
            let yaml_path = err.path().to_string();
            let inner = err.into_inner();
            let (mut line, mut column) = inner
                .location()
                .map(|l| (l.line(), l.column()))
                .unwrap_or((0, 0));
            // A repeated key is reported at the map; point at the repetition instead.
            if let Some(at) = self.repeated_key_line(&inner.to_string()) {
                (line, column) = (at, 0);
            }
            ConfigError::Syntax {
                file: self.path.clone(),
                line,
                column,
                yaml_path,
                message: strip_location(&inner.to_string()),
            }
        })
    }

    /// An error about the value at `yaml_path`, pointing at the first line that holds `key`
    /// (a best effort: yaml_serde keeps no spans for values that deserialized fine).
    pub fn invalid(&self, yaml_path: &str, key: &str, message: String) -> ConfigError {
        ConfigError::Invalid {
            file: self.path.clone(),
            line: self.line_of(key),
            yaml_path: yaml_path.to_owned(),
            message,
        }
    }

    /// For a [`unique_keys`] error, the 1-based line of the key's second occurrence.
    fn repeated_key_line(&self, message: &str) -> Option<usize> {
        let key = message.split("duplicate key `").nth(1)?.split('`').next()?;
        let is_key = |l: &str| {
            let t = l.trim_start();
            t.starts_with(&format!("{key}:"))
                || t.starts_with(&format!("\"{key}\":"))
                || t.starts_with(&format!("'{key}':"))
        };
        self.text
            .lines()
            .enumerate()
            .filter(|(_, l)| is_key(l))
            .nth(1)
            .map(|(i, _)| i + 1)
    }

    fn line_of(&self, key: &str) -> usize {
        if key.is_empty() {
            return 0;
        }
        self.text
            .lines()
            .position(|l| {
                let t = l.trim_start().trim_start_matches("- ");
                t.starts_with(key)
                    || t.starts_with(&format!("\"{key}\""))
                    || t.contains(&format!(" {key}"))
            })
            .map_or(0, |i| i + 1)
    }
}

/// yaml_serde appends " at line L column C"; we print the position ourselves, first.
fn strip_location(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// `#[serde(deserialize_with = "unique_keys")]` for a map whose keys must not repeat: YAML lets
/// a later key silently win over an earlier one (issue 19: two entries for one institution in
/// institutions.yaml, and `mappings check` said ok). The error gets the key's file:line:column.
pub fn unique_keys<'de, D, K, V>(
    deserializer: D,
) -> Result<std::collections::BTreeMap<K, V>, D::Error>
where
    D: serde::Deserializer<'de>,
    K: serde::Deserialize<'de> + Ord + fmt::Display,
    V: serde::Deserialize<'de>,
{
    struct Visitor<K, V>(std::marker::PhantomData<(K, V)>);
    impl<'de, K, V> serde::de::Visitor<'de> for Visitor<K, V>
    where
        K: serde::Deserialize<'de> + Ord + fmt::Display,
        V: serde::Deserialize<'de>,
    {
        type Value = std::collections::BTreeMap<K, V>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a map whose keys are all different")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out = std::collections::BTreeMap::new();
            while let Some(key) = map.next_key::<K>()? {
                if out.contains_key(&key) {
                    return Err(serde::de::Error::custom(format!(
                        "duplicate key `{key}`: each may be given once"
                    )));
                }
                let value = map.next_value()?;
                out.insert(key, value);
            }
            Ok(out)
        }
    }
    deserializer.deserialize_map(Visitor(std::marker::PhantomData))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        level: String,
    }
    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        items: Vec<Inner>,
    }

    fn file(text: &str) -> YamlFile {
        YamlFile::from_text("mappings/x.yaml".into(), text.into())
    }

    #[test]
    fn unknown_key_names_file_line_column_and_path() {
        let err = file("items:\n  - level: a\n  - lavel: b\n")
            .parse::<Outer>()
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("mappings/x.yaml:3:5 (at `items[1]"),
            "{err}"
        );
        assert!(
            err.contains("unknown field `lavel`, expected `level`"),
            "{err}"
        );
    }

    #[test]
    fn wrong_type_names_the_path() {
        let err = file("items: 3\n").parse::<Outer>().unwrap_err().to_string();
        assert!(err.contains("mappings/x.yaml:1:8"), "{err}");
        assert!(err.contains("`items`"), "{err}");
    }

    #[test]
    fn invalid_points_at_the_key_line() {
        let f = file("a: 1\ncredit:\n  place: sideways\n");
        let err = f
            .invalid("credit.place", "place:", "expected leaves or roots".into())
            .to_string();
        assert_eq!(
            err,
            "mappings/x.yaml:3 (at `credit.place`): expected leaves or roots"
        );
    }

    #[test]
    fn an_alias_bomb_stops_before_any_value_is_built() {
        let bomb = "items:\n  - &a {level: x}\n  - *a\n";
        let err = file(bomb).parse::<Outer>().unwrap_err().to_string();
        assert!(
            err.starts_with("mappings/x.yaml:3:5: YAML aliases"),
            "{err}"
        );
    }
}
