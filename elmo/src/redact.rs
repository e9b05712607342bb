//! Keeps Finnish identity codes (henkilötunnus) out of messages and Debug output.
//!
//! DESIGN.md invariant 5: no henkilötunnus in logs or error messages. Anything that echoes
//! input text goes through [`redact`] first.

use std::borrow::Cow;

/// Length of a henkilötunnus: DDMMYY, century sign, NNN, check character.
const HETU_LEN: usize = 11;

/// Replaces every substring shaped like a henkilötunnus with `***`.
pub fn redact(text: &str) -> Cow<'_, str> {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() < HETU_LEN || !(0..=chars.len() - HETU_LEN).any(|i| is_hetu(&chars[i..])) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if i + HETU_LEN <= chars.len() && is_hetu(&chars[i..]) {
            out.push_str("***");
            i += HETU_LEN;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    Cow::Owned(out)
}

/// Redacts and shortens a value for an error message.
pub(crate) fn for_message(text: &str) -> String {
    const MAX: usize = 40;
    let redacted = redact(text);
    if redacted.chars().count() <= MAX {
        redacted.into_owned()
    } else {
        let mut short: String = redacted.chars().take(MAX).collect();
        short.push('…');
        short
    }
}

/// DDMMYY C NNN K, where C is a century sign (`+`, `-`, `A`-`F`, `U`-`Y`) and K a check
/// character; the shape is enough, we never validate the checksum.
fn is_hetu(c: &[char]) -> bool {
    c.len() >= HETU_LEN
        && c[..6].iter().all(char::is_ascii_digit)
        && matches!(c[6], '+' | '-' | 'A'..='F' | 'U'..='Y')
        && c[7..10].iter().all(char::is_ascii_digit)
        && (c[10].is_ascii_digit() || c[10].is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_identity_codes_and_keeps_the_rest() {
        assert_eq!(redact("id 010190-123A here"), "id *** here");
        assert_eq!(redact("010190A123B,020202Y9876"), "***,***");
        assert_eq!(redact("2024-01-01"), "2024-01-01");
        assert_eq!(redact("x131052-308T"), "x***");
        assert_eq!(redact("KH50_005"), "KH50_005");
    }
}
