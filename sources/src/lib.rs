//! Rikastin's sources: typed study records read from the national registers.
//! Today: VIRTA responses parsed into records ([`virta::parse()`]) and a folder of recorded
//! responses as the transport ([`RecordedFolder`]); KOSKI, catalogues and DS come later.

pub mod virta;

mod error;
mod recorded;

pub use error::{Error, ErrorKind, Result, redact};
pub use recorded::{RecordedFolder, Recording};
