//! Rikastin's sources: typed study records read from the national registers.
//! VIRTA (SOAP) and KOSKI (REST) answers are fetched over [`http`] with one shared policy for
//! pace and retries, or read from a folder of recorded answers ([`RecordedFolder`]).

pub mod catalogue;
pub mod http;
pub mod koski;
pub mod virta;
pub mod yaml_limits;

mod error;
mod recorded;

pub use error::{Error, ErrorKind, Result, redact};
pub use recorded::{RecordedFolder, Recording};

/// A file of `../shared/samples/<kind>/`, or `None` (with a note) when `../shared` is not
/// beside the workspace.
#[cfg(test)]
fn shared_sample(kind: &str, name: &str) -> Option<Vec<u8>> {
    let path = format!(
        "{}/../../shared/samples/{kind}/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(_) => {
            eprintln!("skipped: shared sample {name} not found (../shared is missing)");
            None
        }
    }
}
