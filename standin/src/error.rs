//! Why a stand-in could not start: a bad knob, an unreadable or malformed data file, or a port
//! that cannot be bound. Texts taken from data files are redacted (DESIGN.md invariant 5).

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;

/// A `Result` whose error is this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// Why [`crate::StandIn::start`] failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A configuration value is out of range.
    #[error("config `{key}`: {message}")]
    Config {
        /// The config key (`error_rate`, ...).
        key: &'static str,
        /// What is wrong and what would work.
        message: String,
    },
    /// A data folder or file cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The folder or file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// A recorded VIRTA response cannot be served.
    #[error("{}: {message}", path.display())]
    Virta {
        /// The recording.
        path: PathBuf,
        /// What is wrong with it (identity codes redacted).
        message: String,
    },
    /// A KOSKI oppija document cannot be served.
    #[error("{}:{line}:{column}: {message}", path.display())]
    Koski {
        /// The document.
        path: PathBuf,
        /// 1-based line (0 when not about one place).
        line: usize,
        /// 1-based column (0 when not about one place).
        column: usize,
        /// What is wrong with it, e.g. "`henkilö.oid` must be a string" (identity codes redacted).
        message: String,
    },
    /// The listening socket cannot be opened.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The I/O error.
        source: io::Error,
    },
}
