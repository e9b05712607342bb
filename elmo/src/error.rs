//! The crate's one error type: where in the document, and what was expected there.

use std::fmt;

/// Result of the fallible operations of this crate.
pub type Result<T> = std::result::Result<T, Error>;

/// Where in an XML input something went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
    /// Element path, e.g. `/elmo/report[1]/learningOpportunitySpecification[2]`.
    pub path: String,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}, at {}",
            self.line, self.column, self.path
        )
    }
}

/// Everything that can go wrong when reading ELMO or parsing one of its values.
///
/// Messages never echo a Finnish identity code: echoed values pass through a redactor first.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The bytes are not well-formed XML, or use a feature this reader refuses (DOCTYPE,
    /// an encoding other than UTF-8).
    #[error("{at}: malformed XML: {message}")]
    Syntax {
        /// Where the problem was found.
        at: Location,
        /// What is wrong.
        message: String,
    },
    /// Well-formed XML that is not ELMO 1.x: an unknown, misplaced, missing or surplus element
    /// or attribute, or an element in the wrong namespace.
    #[error("{at}: {message}")]
    Structure {
        /// Where the problem was found.
        at: Location,
        /// What was found and what was expected.
        message: String,
    },
    /// An element or attribute whose text is not a valid value of its type.
    #[error("{at}: {source}")]
    Value {
        /// Where the value was found.
        at: Location,
        /// What is wrong with the value.
        source: ValueError,
    },
    /// A value given to a constructor or `FromStr` is not valid.
    #[error(transparent)]
    InvalidValue(#[from] ValueError),
}

/// A scalar value that does not match its type (xs:date, xs:decimal, an enumeration, ...).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind} {found:?}: expected {expected}")]
pub struct ValueError {
    /// The type that was being parsed, e.g. `xs:date`.
    pub kind: &'static str,
    /// The value as found (redacted, truncated).
    pub found: String,
    /// What a valid value looks like.
    pub expected: String,
}

impl ValueError {
    /// Builds a value error; `found` is redacted and truncated before it is stored.
    pub(crate) fn new(kind: &'static str, found: &str, expected: impl Into<String>) -> Self {
        ValueError {
            kind,
            found: crate::redact::for_message(found),
            expected: expected.into(),
        }
    }
}
