//! The mapping loader (`Mappings::load`) with one of its four YAML files replaced by any text.
//!
//! `Mappings::load` reads a folder, and there is no in-memory entry point, so each case is
//! written to a scratch folder (in `$TMPDIR`) beside the real `mappings/` files. The first byte
//! chooses the file (`virta.yaml`, `institutions.yaml`, `koski.yaml`, `enrichment.yaml`); the rest
//! is its text, read lossily as UTF-8 (a non-UTF-8 file is refused before parsing).
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rikastin::mapping::Mappings;

const FILES: [&str; 4] = [
    "virta.yaml",
    "institutions.yaml",
    "koski.yaml",
    "enrichment.yaml",
];

/// One folder per file that is fuzzed, each holding the real versions of the other three, so
/// that one write sets up a case.
fn folders() -> &'static [PathBuf; 4] {
    static FOLDERS: OnceLock<(tempfile::TempDir, [PathBuf; 4])> = OnceLock::new();
    &FOLDERS
        .get_or_init(|| {
            let real = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../mappings"));
            let scratch = tempfile::Builder::new()
                .prefix("rikastin-fuzz-mappings-")
                .tempdir()
                .expect("a scratch folder");
            let folders = FILES.map(|fuzzed| {
                let dir = scratch.path().join(fuzzed.trim_end_matches(".yaml"));
                std::fs::create_dir(&dir).expect("a scratch folder");
                for name in FILES {
                    std::fs::copy(real.join(name), dir.join(name)).expect("mappings/ readable");
                }
                dir
            });
            (scratch, folders)
        })
        .1
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let which = usize::from(selector) % FILES.len();
    let dir = &folders()[which];
    let text = String::from_utf8_lossy(rest);
    std::fs::write(dir.join(FILES[which]), text.as_bytes()).expect("scratch folder writable");
    match Mappings::load(dir) {
        Ok(mappings) => {
            let _ = format!("{mappings:?}");
        }
        Err(err) => {
            let _ = err.to_string();
        }
    }
});
