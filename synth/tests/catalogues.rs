//! The demo course catalogues in `data/catalogues/` are exactly what the generator makes.

use std::collections::BTreeMap;
use std::path::Path;

use rikastin_synth::catalogue_files;

const CATALOGUES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/catalogues");

#[test]
fn checked_in_catalogues_are_exactly_what_the_generator_makes() {
    let regenerate =
        "regenerate with: cargo run -p rikastin-synth -- --catalogues-out data/catalogues";
    let expected: BTreeMap<String, String> = catalogue_files()
        .into_iter()
        .map(|f| (f.name, f.contents))
        .collect();
    let mut actual = BTreeMap::new();
    for entry in std::fs::read_dir(Path::new(CATALOGUES)).expect("data/catalogues") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name != "README.md" {
            actual.insert(
                name,
                std::fs::read_to_string(&path).expect("UTF-8 catalogue"),
            );
        }
    }
    assert_eq!(
        actual.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "the files in data/catalogues differ from the generator's; {regenerate}"
    );
    for (name, contents) in &expected {
        assert!(
            actual[name] == *contents,
            "{name} was edited by hand or the generator changed; {regenerate}"
        );
    }
}

#[test]
fn the_generator_gives_the_same_bytes_every_time() {
    assert_eq!(catalogue_files(), catalogue_files());
}
