//! The generator's errors. None of them carries an identity code: files are named by learner key.

use std::path::PathBuf;

/// What can go wrong while generating.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// More learners asked for than there are distinct synthetic identity codes.
    #[error(
        "--learners {requested} is more than the {max} distinct identity codes one seed can give"
    )]
    TooManyLearners {
        /// Learners asked for.
        requested: u64,
        /// The most there can be.
        max: u64,
    },
    /// The output folder could not be created.
    #[error("cannot create output folder {path}: {source}")]
    CreateDir {
        /// The folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A learner file could not be written.
    #[error("cannot write learner file {path}: {source}")]
    Write {
        /// The file (named by learner key, never by identity code).
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// The generator's result type.
pub type Result<T> = std::result::Result<T, Error>;
