//! The course catalogue reader on any text, in each of its formats, then the as-of index built
//! from what it kept.
//!
//! The first byte chooses the reading: bits 0-1 the format (CSV, JSON, YAML, OOAPI JSON), bit 2
//! whether an institution is given (as `rikastin catalogue check --institution` does). The rest
//! is the file's text, read lossily as UTF-8 (`read_catalogue` refuses non-UTF-8 before parsing).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rikastin_sources::catalogue::{
    CatalogueIndex, Format, KeyNormalisation, ReadOptions, parse_catalogue,
};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let format = match selector & 3 {
        0 => Format::Csv,
        1 => Format::Json,
        2 => Format::Yaml,
        _ => Format::Ooapi,
    };
    let options = ReadOptions {
        institution: (selector & 4 != 0).then(|| "01901".to_owned()),
    };
    let text = String::from_utf8_lossy(rest);
    match parse_catalogue("fuzz", &text, format, &options) {
        Ok(catalogue) => {
            for problem in &catalogue.problems {
                let _ = problem.to_string();
            }
            let norm = KeyNormalisation {
                collapse_whitespace: true,
                ..KeyNormalisation::default()
            };
            let (_, problems) = CatalogueIndex::build(catalogue.courses, &norm);
            for problem in &problems {
                let _ = problem.to_string();
            }
        }
        Err(err) => {
            let _ = err.to_string();
        }
    }
});
