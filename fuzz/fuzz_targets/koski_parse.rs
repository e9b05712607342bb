//! The KOSKI JSON parsers on any bytes: an oppija answer and the lenient error-body reader.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match rikastin_sources::koski::parse(data, "fuzz.json") {
        Ok(oppija) => {
            let _ = format!("{oppija:?}");
        }
        // Formatting redacts identity codes and quotes the input: that must not panic either.
        Err(err) => {
            let _ = err.to_string();
        }
    }
    for body in rikastin_sources::koski::parse_errors(data) {
        let _ = format!("{body:?} {}", body.is_unavailable());
    }
});
