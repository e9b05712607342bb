//! The crate's one error type: what went wrong, in which input (`origin`), where (line, column,
//! element path), and whether trying again could help.

use std::fmt;

/// A `Result` whose error is this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// An error from reading or parsing a source response.
///
/// It names the input (`origin`: a file name or another label), the position (1-based line and
/// column, 0 when unknown) and the element path (`/Virta/Opiskelija[1]/...`). Every text taken
/// from the input is passed through [`redact`] when the error is built, so a henkilötunnus
/// (Finnish identity code) never reaches `Display` or `Debug` (DESIGN.md invariant 5).
pub struct Error(Box<Inner>);

struct Inner {
    kind: ErrorKind,
    origin: String,
    path: String,
    line: u32,
    column: u32,
}

/// What went wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The bytes are not well-formed XML (or not UTF-8).
    #[error("malformed XML: {message}")]
    Xml {
        /// What the XML reader reported.
        message: String,
    },
    /// The bytes are not the JSON expected (KOSKI): malformed, a value of the wrong type, or a
    /// required field missing.
    #[error("{message}")]
    Json {
        /// What the JSON reader reported (identity codes redacted).
        message: String,
    },
    /// The JSON ends before the document does. KOSKI streams its answers, so an interrupted
    /// stream arrives as HTTP 200 with a cut body (koski.md §2.2): worth trying again.
    #[error("truncated JSON: {message}")]
    Truncated {
        /// What the JSON reader reported.
        message: String,
    },
    /// A required element or attribute is absent.
    #[error("missing required {what} `{name}`")]
    Missing {
        /// `"element"` or `"attribute"`.
        what: &'static str,
        /// The element or attribute name that was expected.
        name: &'static str,
    },
    /// A value does not have the expected form (date, decimal, boolean, ...).
    #[error("expected {expected}, found `{found}`")]
    Invalid {
        /// What a valid value looks like.
        expected: &'static str,
        /// The value found (shortened, identity codes redacted).
        found: String,
    },
    /// An element appeared where a different one was required.
    #[error("expected {expected}, found element `{found}`")]
    Unexpected {
        /// What was expected here.
        expected: &'static str,
        /// The element found.
        found: String,
    },
    /// An element is in the wrong XML namespace. Reading it anyway could lose data silently.
    #[error("element `{element}` is in namespace `{found}`, expected `{expected}`")]
    Namespace {
        /// The element's local name.
        element: String,
        /// The namespace it should be in.
        expected: &'static str,
        /// The namespace it is in (empty when none).
        found: String,
    },
    /// An element that may occur at most once occurred again.
    #[error("element `{element}` may occur only once here")]
    Duplicate {
        /// The repeated element.
        element: &'static str,
    },
    /// Elements are nested deeper than any VIRTA document needs.
    #[error("elements nested deeper than {limit} levels")]
    TooDeep {
        /// The nesting limit.
        limit: usize,
    },
    /// The service answered with a SOAP fault (virta.md §2.8). The fault `detail` is never kept:
    /// it can quote the identity code that was asked for.
    #[error("SOAP fault {code}: {string}")]
    Fault {
        /// `faultcode`, e.g. `SOAP-ENV:Client`.
        code: String,
        /// `faultstring`, e.g. `Validation error`.
        string: String,
    },
    /// Reading a file or folder failed.
    #[error("{operation} failed: {source}")]
    Io {
        /// What was being done, e.g. `reading recording`.
        operation: &'static str,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A recording's file name looks like a henkilötunnus; recordings must be named by the learner
    /// key (DESIGN.md invariant 5). The name itself is deliberately not shown.
    #[error("a recording is named by what looks like an identity code; name it by the learner key")]
    IdentityCodeInName,
    /// A recording is larger than any VIRTA answer should be.
    #[error("recording is larger than {limit} bytes")]
    TooLarge {
        /// The size limit in bytes.
        limit: u64,
    },
}

impl Error {
    /// Builds an error, redacting identity-code look-alikes from every text taken from input.
    pub(crate) fn new(kind: ErrorKind, origin: &str, path: String, line: u32, column: u32) -> Self {
        Self::new_redacting(kind, origin, path, line, column, &[])
    }

    /// As [`Error::new`], also redacting the given known values (identity codes seen in the
    /// document being parsed, whatever their form).
    pub(crate) fn new_redacting(
        kind: ErrorKind,
        origin: &str,
        path: String,
        line: u32,
        column: u32,
        known: &[String],
    ) -> Self {
        let clean = |s: &str| redact_known(&echo(s), known);
        let kind = match kind {
            ErrorKind::Xml { message } => ErrorKind::Xml {
                message: clean(&message),
            },
            ErrorKind::Invalid { expected, found } => ErrorKind::Invalid {
                expected,
                found: clean(&found),
            },
            ErrorKind::Unexpected { expected, found } => ErrorKind::Unexpected {
                expected,
                found: clean(&found),
            },
            ErrorKind::Namespace {
                element,
                expected,
                found,
            } => ErrorKind::Namespace {
                element: clean(&element),
                expected,
                found: clean(&found),
            },
            // Not cut like other echoes: the parser shortens quoted values itself, and the
            // message must keep what was expected.
            ErrorKind::Json { message } => ErrorKind::Json {
                message: redact_known(&redact(&message), known),
            },
            ErrorKind::Truncated { message } => ErrorKind::Truncated {
                message: redact_known(&redact(&message), known),
            },
            ErrorKind::Fault { code, string } => ErrorKind::Fault {
                code: clean(&code),
                string: clean(&string),
            },
            other => other,
        };
        Error(Box::new(Inner {
            kind,
            origin: redact_known(&redact(origin), known),
            path: redact_known(&redact(&path), known),
            line,
            column,
        }))
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.0.kind
    }

    /// The input the error is about: a file name or another label given by the caller.
    pub fn origin(&self) -> &str {
        &self.0.origin
    }

    /// The element path, e.g. `/Virta/Opiskelija[1]/Opintosuoritukset/Opintosuoritus[3]/SuoritusPvm`;
    /// empty when the error is not about an element.
    pub fn path(&self) -> &str {
        &self.0.path
    }

    /// 1-based line in the input, 0 when unknown.
    pub fn line(&self) -> u32 {
        self.0.line
    }

    /// 1-based column (in characters) in the input, 0 when unknown.
    pub fn column(&self) -> u32 {
        self.0.column
    }

    /// Whether the error is a defect of one record's content (a missing, malformed, repeated,
    /// misplaced or wrongly namespaced part) rather than of the document's XML: such a record
    /// is left out with its reason and the rest of the answer is read (issue 17).
    pub fn is_record_defect(&self) -> bool {
        matches!(
            self.0.kind,
            ErrorKind::Missing { .. }
                | ErrorKind::Invalid { .. }
                | ErrorKind::Unexpected { .. }
                | ErrorKind::Duplicate { .. }
                | ErrorKind::Namespace { .. }
        )
    }

    /// Whether the same request could succeed later. Parse errors never do: the same bytes give
    /// the same error. A `Server` fault, interrupted I/O and a truncated JSON body might.
    pub fn is_retryable(&self) -> bool {
        match &self.0.kind {
            // SOAP 1.1: `Client` = our request was wrong, `Server` = their side failed.
            ErrorKind::Fault { code, .. } => code.rsplit(':').next() == Some("Server"),
            ErrorKind::Truncated { .. } => true,
            ErrorKind::Io { source, .. } => matches!(
                source.kind(),
                std::io::ErrorKind::Interrupted
                    | std::io::ErrorKind::TimedOut
                    | std::io::ErrorKind::WouldBlock
            ),
            _ => false,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = &self.0;
        write!(f, "{}", e.origin)?;
        if e.line > 0 {
            write!(f, ":{}:{}", e.line, e.column)?;
        }
        if !e.path.is_empty() {
            write!(f, ": at {}", e.path)?;
        }
        write!(f, ": {}", e.kind)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = &self.0;
        f.debug_struct("Error")
            .field("kind", &e.kind)
            .field("origin", &e.origin)
            .field("path", &e.path)
            .field("line", &e.line)
            .field("column", &e.column)
            .finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.0.kind {
            ErrorKind::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// The longest input text an error repeats; longer texts are cut.
const MAX_ECHO_CHARS: usize = 80;

/// Replaces everything that looks like a henkilötunnus (Finnish identity code) with `***`.
///
/// A henkilötunnus is `DDMMYY`, a century sign (`+-ABCDEFXYWVU`, virta.md §2.5), then an
/// optional three-digit individual number and a check character; the bare form (`290204A`)
/// occurs too. It must stand apart from letters and digits on both sides, so hexadecimal
/// learner keys are not mistaken for one. Use it on any input text bound for a log or message.
pub fn redact(text: &str) -> String {
    redact_up_to(text, usize::MAX)
}

/// Redacts and shortens input text that an error repeats.
fn echo(text: &str) -> String {
    redact_up_to(text, MAX_ECHO_CHARS)
}

fn redact_up_to(text: &str, max_chars: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len().min(max_chars.saturating_add(3)));
    let mut i = 0;
    let mut shown = 0;
    while i < chars.len() {
        if shown >= max_chars {
            out.push('…');
            break;
        }
        if let Some(len) = identity_code_at(&chars, i) {
            out.push_str("***");
            i += len;
        } else {
            out.push(chars[i]);
            i += 1;
        }
        shown += 1;
    }
    out
}

/// Whether `name` contains something that looks like a henkilötunnus.
pub(crate) fn looks_like_identity_code(name: &str) -> bool {
    let chars: Vec<char> = name.chars().collect();
    (0..chars.len()).any(|i| identity_code_at(&chars, i).is_some())
}

/// Length of the identity-code look-alike starting at `chars[at]`, if any.
fn identity_code_at(chars: &[char], at: usize) -> Option<usize> {
    let apart = |i: usize| chars.get(i).is_none_or(|c| !c.is_alphanumeric());
    if at > 0 && !apart(at - 1) {
        return None;
    }
    let c = &chars[at..];
    if c.len() < 7 || !c[..6].iter().all(char::is_ascii_digit) {
        return None;
    }
    let num = |a: usize| (c[a] as u32 - '0' as u32) * 10 + (c[a + 1] as u32 - '0' as u32);
    let (day, month) = (num(0), num(2));
    if !(1..=31).contains(&day) || !(1..=12).contains(&month) || !"+-ABCDEFXYWVU".contains(c[6]) {
        return None;
    }
    let full = c.len() >= 11
        && c[7..10].iter().all(char::is_ascii_digit)
        && (c[10].is_ascii_digit() || c[10].is_ascii_uppercase());
    if full && apart(at + 11) {
        Some(11)
    } else if apart(at + 7) {
        Some(7)
    } else {
        None
    }
}

/// Replaces exact occurrences of known identity codes (those that did not fit the pattern).
fn redact_known(text: &str, known: &[String]) -> String {
    let mut out = text.to_owned();
    for value in known {
        // Very short values would blank out unrelated text; the pattern has caught the real ones.
        if value.chars().count() >= 6 && out.contains(value.as_str()) {
            out = out.replace(value.as_str(), "***");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_identity_codes_standing_apart() {
        assert_eq!(redact("Value '140173-928L' is bad"), "Value '***' is bad");
        assert_eq!(redact("x 290204A, y"), "x ***, y");
        assert_eq!(redact("010203+123X/100869A192W"), "***/***");
        // Dates, decimals and hexadecimal keys are left alone.
        for keep in [
            "2014-11-28",
            "123.000000",
            "a1b2120345Ac9",
            "K373315",
            "100869-192WX",
        ] {
            assert_eq!(redact(keep), keep);
        }
        assert!(looks_like_identity_code("learner-100869-192W"));
        assert!(!looks_like_identity_code(
            "e3b0c44298fc1c149afbf4c8996fb924"
        ));
    }

    #[test]
    fn long_echoes_are_cut() {
        let long = "x".repeat(200);
        assert_eq!(echo(&long).chars().count(), MAX_ECHO_CHARS + 1);
    }
}
