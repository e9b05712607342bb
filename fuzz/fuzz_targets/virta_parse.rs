//! The VIRTA parser on any bytes: a SOAP envelope, a bare `Virta`, an `Opintosuoritukset` list,
//! or garbage. It must answer with records or an error, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match rikastin_sources::virta::parse(data, "fuzz.xml") {
        Ok(virta) => {
            let _ = format!("{virta:?}");
        }
        // Formatting redacts identity codes and quotes the input: that must not panic either.
        Err(err) => {
            let _ = err.to_string();
        }
    }
});
