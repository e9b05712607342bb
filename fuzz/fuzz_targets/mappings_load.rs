//! The mapping loader (`Mappings::load`) on any text in its four YAML files.
//!
//! The input is split at NUL bytes (which YAML text cannot hold) into `virta.yaml`,
//! `institutions.yaml`, `koski.yaml` and `enrichment.yaml`, in that order; a file the input runs
//! out before keeps the real text of `mappings/`. Each part is read lossily as UTF-8 (a non-UTF-8
//! file is refused before parsing). `Mappings::load` reads a folder and there is no in-memory
//! entry point, so each case is written to a scratch folder in `$TMPDIR`.
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rikastin::mapping::Mappings;

const FILES: [&str; 4] = [
    "virta.yaml",
    "institutions.yaml",
    "koski.yaml",
    "enrichment.yaml",
];

/// The scratch folder, and the real text of each file.
fn setup() -> &'static (tempfile::TempDir, [String; 4]) {
    static SETUP: OnceLock<(tempfile::TempDir, [String; 4])> = OnceLock::new();
    SETUP.get_or_init(|| {
        let real = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../mappings"));
        let texts = FILES
            .map(|name| std::fs::read_to_string(real.join(name)).expect("mappings/ is readable"));
        let scratch = tempfile::Builder::new()
            .prefix("rikastin-fuzz-mappings-")
            .tempdir()
            .expect("a scratch folder");
        (scratch, texts)
    })
}

fuzz_target!(|data: &[u8]| {
    let (scratch, real) = setup();
    let dir: PathBuf = scratch.path().to_owned();
    let mut parts = data.split(|b| *b == 0);
    for (name, real) in FILES.iter().zip(real) {
        let text = match parts.next() {
            Some(part) => String::from_utf8_lossy(part),
            None => real.into(),
        };
        std::fs::write(dir.join(name), text.as_bytes()).expect("scratch folder writable");
    }
    match Mappings::load(&dir) {
        Ok(mappings) => {
            let _ = format!("{mappings:?}");
        }
        Err(err) => {
            let _ = err.to_string();
        }
    }
});
