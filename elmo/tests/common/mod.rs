//! Helpers shared by the integration tests: test documents, ../shared, and the XSD validator.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// A document from `tests/documents/`.
pub fn document(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/documents")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Every `.xml` file in `tests/documents/`, by name.
pub fn documents() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/documents");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("tests/documents exists")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".xml"))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|n| {
            let bytes = document(&n);
            (n, bytes)
        })
        .collect()
}

/// The shared folder beside the workspace, if it is there.
pub fn shared() -> Option<PathBuf> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared"));
    dir.is_dir().then_some(dir)
}

/// The official ELMO 1.7.0 example, or `None` (with a note) when ../shared is missing.
pub fn official_example() -> Option<Vec<u8>> {
    let Some(shared) = shared() else {
        eprintln!("skipped: ../shared is missing, so the official ELMO example is not available");
        return None;
    };
    Some(
        std::fs::read(shared.join("specs/elmo-1.7.0/example.xml"))
            .expect("example.xml is readable"),
    )
}

/// Validates `xml` with `../shared/tools/validate-elmo`. `None` (with a note) when the
/// validator or xmllint is missing; otherwise `Err` with the validator's output when invalid.
pub fn validate(name: &str, xml: &[u8]) -> Option<Result<(), String>> {
    let Some(shared) = shared() else {
        eprintln!("skipped validating {name}: ../shared is missing");
        return None;
    };
    if Command::new("xmllint").arg("--version").output().is_err() {
        eprintln!(
            "skipped validating {name}: xmllint is not installed (Debian package libxml2-utils)"
        );
        return None;
    }
    let dir = std::env::temp_dir().join(format!("elmo-validate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join(name.replace('/', "_"));
    std::fs::write(&file, xml).expect("write temp file");
    let output = Command::new(shared.join("tools/validate-elmo"))
        .arg(&file)
        .output()
        .expect("run validate-elmo");
    let _ = std::fs::remove_file(&file);
    if output.status.success() {
        Some(Ok(()))
    } else {
        Some(Err(format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )))
    }
}
