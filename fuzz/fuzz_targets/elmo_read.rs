//! The ELMO reader on any bytes; what it accepts is written back and linted, as `rikastin serve`
//! and `rikastin lint` do with a cached or given document.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match elmo::read(data) {
        Ok(doc) => {
            let _ = elmo::write(&doc);
            for finding in elmo::lint(&doc) {
                let _ = format!("{finding:?}");
            }
        }
        Err(err) => {
            let _ = err.to_string();
        }
    }
});
