//! Reads KOSKI's JSON: an [`Oppija`] answer, and the error body KOSKI sends with 4xx/5xx.
//!
//! Errors say where (`origin:line:col: at /opiskeluoikeudet/0/…`) and what was expected, with
//! every identity code redacted (DESIGN.md invariant 5). A body that ends early is classified
//! retryable: KOSKI streams, and an interrupted stream is an HTTP 200 with a cut body (koski.md §2.2).

use std::fmt;

use serde_json::error::Category;
use serde_path_to_error::Segment;

use super::records::Oppija;
use crate::error::{Error, ErrorKind, redact};

/// Parses one `{"henkilö": …, "opiskeluoikeudet": […]}` answer of `GET /koski/api/oppija/{oid}`
/// or of the OmaData resource server. `origin` names the input in errors (a file name or a
/// request label, never an identity code: it is redacted anyway).
pub fn parse(bytes: &[u8], origin: &str) -> Result<Oppija, Error> {
    if let Some(at) = too_deep(bytes) {
        let (line, column) = position(bytes, at);
        return Err(Error::new_redacting(
            ErrorKind::Json {
                message: format!("arrays and objects nested deeper than {MAX_DEPTH} levels"),
            },
            origin,
            String::new(),
            line,
            column,
            &[],
        ));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let oppija = serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let pointer = json_pointer(err.path());
        json_error(err.into_inner(), origin, pointer, bytes)
    })?;
    // Trailing bytes after the document mean something else was appended: not the answer.
    de.end()
        .map_err(|err| json_error(err, origin, String::new(), bytes))?;
    Ok(oppija)
}

/// The deepest nesting of arrays and objects accepted. A real answer nests about 2 levels per
/// level of `osasuoritukset` plus 9, and stays far below (vocational and HE records go 3 to 6
/// levels deep, koski.md §3.4). The derived deserializer recurses per level and needs much
/// stack in debug builds, so depth is checked before it runs: no input can overflow the stack.
pub const MAX_DEPTH: usize = 32;

/// The offset of the first bracket that opens a container deeper than [`MAX_DEPTH`], if any.
fn too_deep(bytes: &[u8]) -> Option<usize> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// 1-based line and column (in characters) of byte `at`.
fn position(bytes: &[u8], at: usize) -> (u32, u32) {
    let before = &bytes[..at.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(column).unwrap_or(u32::MAX),
    )
}

/// One entry of KOSKI's error body `[{"key": "…", "message": …}]` (koski.md §2.7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KoskiErrorBody {
    /// The category, e.g. `unavailable.virta` or `unauthorized.loginFail`.
    pub key: String,
    /// The message; when KOSKI sent JSON instead of text, that JSON as compact text. Identity
    /// codes are redacted and long messages cut.
    pub message: String,
}

impl KoskiErrorBody {
    /// Whether the key says a service behind KOSKI (VIRTA, YTR) is down for now: a 503 worth
    /// retrying (`unavailable.virta`, `unavailable.ytr`).
    pub fn is_unavailable(&self) -> bool {
        self.key == "unavailable" || self.key.starts_with("unavailable.")
    }
}

impl fmt::Display for KoskiErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            f.write_str(&self.key)
        } else {
            write!(f, "{}: {}", self.key, self.message)
        }
    }
}

/// The longest error message kept from an error body.
const MAX_MESSAGE_CHARS: usize = 300;

/// Reads KOSKI's error body leniently; never fails. Accepts the documented array, a single
/// object, and an OAuth2 error (`{"error": …, "error_description": …}`, koski.md §2.5); anything
/// else (HTML from a proxy, an empty body) gives an empty list.
pub fn parse_errors(bytes: &[u8]) -> Vec<KoskiErrorBody> {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return Vec::new();
    };
    let items = match value {
        serde_json::Value::Array(items) => items,
        object @ serde_json::Value::Object(_) => vec![object],
        _ => return Vec::new(),
    };
    items
        .iter()
        .filter_map(|item| {
            let obj = item.as_object()?;
            let key = obj.get("key").or_else(|| obj.get("error"))?;
            let message = obj.get("message").or_else(|| obj.get("error_description"));
            let text = |v: &serde_json::Value| match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            Some(KoskiErrorBody {
                key: cut(&redact(&text(key)), MAX_MESSAGE_CHARS),
                message: message
                    .map_or_else(String::new, |m| cut(&redact(&text(m)), MAX_MESSAGE_CHARS)),
            })
        })
        .collect()
}

fn json_error(err: serde_json::Error, origin: &str, pointer: String, bytes: &[u8]) -> Error {
    let (line, column) = (err.line(), err.column());
    let message = shorten_quoted(&strip_position(&err.to_string()));
    let kind = match err.classify() {
        Category::Eof => ErrorKind::Truncated { message },
        _ => ErrorKind::Json { message },
    };
    Error::new_redacting(
        kind,
        origin,
        pointer,
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(column).unwrap_or(u32::MAX),
        &hetu_values(bytes),
    )
}

/// The serde path as a JSON Pointer (RFC 6901): `/opiskeluoikeudet/0/suoritukset/1/tyyppi`.
fn json_pointer(path: &serde_path_to_error::Path) -> String {
    let mut out = String::new();
    for segment in path {
        out.push('/');
        match segment {
            Segment::Seq { index } => out.push_str(&index.to_string()),
            Segment::Map { key } => out.push_str(&key.replace('~', "~0").replace('/', "~1")),
            Segment::Enum { variant } => out.push_str(variant),
            Segment::Unknown => out.push('?'),
        }
    }
    out
}

/// serde_json appends " at line L column C"; the error prints the position itself, first.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// The longest quoted input value an error message repeats.
const MAX_QUOTED_CHARS: usize = 60;

/// Cuts a long quoted input value inside a serde message (`invalid type: string "…", expected
/// …`), keeping what was expected.
fn shorten_quoted(message: &str) -> String {
    let (Some(open), Some(close)) = (message.find('"'), message.rfind('"')) else {
        return message.to_owned();
    };
    if close <= open {
        return message.to_owned();
    }
    let quoted = &message[open + 1..close];
    if quoted.chars().count() <= MAX_QUOTED_CHARS {
        return message.to_owned();
    }
    format!(
        "{}\"{}\"{}",
        &message[..open],
        cut(quoted, MAX_QUOTED_CHARS),
        &message[close + 1..]
    )
}

fn cut(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_owned(),
    }
}

/// The values of every `"hetu"` field in the raw bytes, also in a cut or malformed body, so an
/// error can redact them even when they do not look like an identity code.
fn hetu_values(bytes: &[u8]) -> Vec<String> {
    const KEY: &[u8] = b"\"hetu\"";
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(found) = find(&bytes[at..], KEY) {
        let mut i = at + found + KEY.len();
        at = i;
        let skip_ws = |i: &mut usize| {
            while bytes.get(*i).is_some_and(u8::is_ascii_whitespace) {
                *i += 1;
            }
        };
        skip_ws(&mut i);
        if bytes.get(i) != Some(&b':') {
            continue;
        }
        i += 1;
        skip_ws(&mut i);
        if bytes.get(i) != Some(&b'"') {
            continue;
        }
        let start = i + 1;
        let end = bytes[start..]
            .iter()
            .position(|&b| b == b'"')
            .map_or(bytes.len(), |n| start + n);
        if let Ok(value) = std::str::from_utf8(&bytes[start..end]) {
            out.push(value.to_owned());
        }
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
