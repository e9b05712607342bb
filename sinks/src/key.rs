//! Learner keys: the only way a learner is named in the cache, a keyed hash of their identifier.
//!
//! DESIGN.md invariant 5: the cache never holds an identity code. A plain SHA-256 of a
//! henkilötunnus would not do, because the space of identity codes is small (date of birth,
//! three digits and a check character) and can be hashed in full in minutes; a leaked cache could
//! then be joined back to people. HMAC-SHA256 with a secret that lives outside the cache means a
//! leaked cache file alone cannot be joined to anyone.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::{Error, Result};

/// The secret for keyed learner hashes. Debug prints `LearnerSecret(***)`.
///
/// The bytes are used as given: a secret file holding 64 hex characters gives a 64-byte key
/// (the hex text itself), not 32 decoded bytes. Changing the secret changes every learner key, so
/// a cache is tied to one secret.
#[derive(Clone)]
pub struct LearnerSecret(Vec<u8>);

impl LearnerSecret {
    /// The fewest bytes a secret may have. RFC 2104 asks for at least the hash output (32 bytes)
    /// for full strength; 16 is the floor below which we refuse outright.
    pub const MIN_BYTES: usize = 16;

    /// A secret from raw bytes. Error if empty or shorter than [`Self::MIN_BYTES`].
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self> {
        Self::checked(bytes, || "given as bytes".to_owned())
    }

    /// Reads a secret file, trimming trailing whitespace and newlines (an editor's final newline
    /// must not change every learner key).
    pub fn from_file(path: &Path) -> Result<Self> {
        let mut bytes = std::fs::read(path).map_err(|source| Error::SecretFile {
            path: path.to_owned(),
            source,
        })?;
        let kept = bytes.trim_ascii_end().len();
        bytes.truncate(kept);
        Self::checked(bytes, || format!("in file {path:?}"))
    }

    /// The secret's bytes, for deriving other keys from it inside this crate (the target seal).
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.0
    }

    fn checked(bytes: Vec<u8>, origin: impl FnOnce() -> String) -> Result<Self> {
        if bytes.len() < Self::MIN_BYTES {
            return Err(Error::SecretTooShort {
                origin: origin(),
                len: bytes.len(),
                min: Self::MIN_BYTES,
            });
        }
        Ok(Self(bytes))
    }
}

impl fmt::Debug for LearnerSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LearnerSecret(***)")
    }
}

/// Which identifier a learner is known by. Debug never shows the value.
#[derive(Clone, Copy)]
pub enum Identity<'a> {
    /// Finnish personal identity code (henkilötunnus), e.g. `010190-123A`.
    Henkilotunnus(&'a str),
    /// Learner number (oppijanumero), the national OID, e.g. `1.2.246.562.24.00000000001`.
    Oppijanumero(&'a str),
    /// A student's key in one VIRTA institution (virta.md: `opiskelija/@avain`).
    VirtaOpiskelija {
        /// The institution's code (myöntäjä, "granter"), e.g. `01901`.
        myontaja: &'a str,
        /// The institution's own key for the student (avain, "key").
        avain: &'a str,
    },
}

impl Identity<'_> {
    /// The label that goes before `:` in the hashed message; stable, part of the key format.
    fn label(&self) -> &'static str {
        match self {
            Identity::Henkilotunnus(_) => "henkilotunnus",
            Identity::Oppijanumero(_) => "oppijanumero",
            Identity::VirtaOpiskelija { .. } => "virta-opiskelija",
        }
    }
}

impl fmt::Debug for Identity<'_> {
    // DESIGN.md invariant 5: an Identity must be safe to log by accident.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Identity::Henkilotunnus(_) => f.write_str("Henkilotunnus(***)"),
            Identity::Oppijanumero(_) => f.write_str("Oppijanumero(***)"),
            Identity::VirtaOpiskelija { .. } => f.write_str("VirtaOpiskelija(***)"),
        }
    }
}

/// A learner's key in the cache: lower-case hex of HMAC-SHA256(secret, label ":" value), 64 chars,
/// labels `henkilotunnus`, `oppijanumero`, `virta-opiskelija` (value `myontaja:avain`).
///
/// Display and Debug show the hex; [`FromStr`] accepts exactly 64 lower-case hex characters.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LearnerKey(String);

impl LearnerKey {
    /// Length of a key in hex characters.
    pub const LEN: usize = 64;

    /// The key of `id` under `secret`.
    pub fn derive(secret: &LearnerSecret, id: Identity<'_>) -> Self {
        // HMAC takes a key of any length, so this cannot fail; the secret's floor is checked
        // when the LearnerSecret is made.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&secret.0)
            .expect("HMAC-SHA256 accepts keys of any length");
        mac.update(id.label().as_bytes());
        mac.update(b":");
        match id {
            Identity::Henkilotunnus(value) | Identity::Oppijanumero(value) => {
                mac.update(value.as_bytes())
            }
            Identity::VirtaOpiskelija { myontaja, avain } => {
                mac.update(myontaja.as_bytes());
                mac.update(b":");
                mac.update(avain.as_bytes());
            }
        }
        Self(hex::encode(mac.finalize().into_bytes()))
    }

    /// The 64 lower-case hex characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LearnerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for LearnerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LearnerKey({})", self.0)
    }
}

impl FromStr for LearnerKey {
    type Err = Error;

    /// Accepts exactly 64 lower-case hex characters. The error never repeats the input: whoever
    /// typed it may have pasted an identity code.
    fn from_str(s: &str) -> Result<Self> {
        if s.len() != Self::LEN {
            return Err(Error::InvalidLearnerKey {
                reason: format!("it is {} bytes long", s.len()),
            });
        }
        if let Some(pos) = s.bytes().position(|b| !is_lower_hex(b)) {
            return Err(Error::InvalidLearnerKey {
                reason: format!("byte {} is not a lower-case hex digit", pos + 1),
            });
        }
        Ok(Self(s.to_owned()))
    }
}

/// `0-9` or `a-f`.
pub(crate) fn is_lower_hex(b: u8) -> bool {
    b.is_ascii_digit() || (b'a'..=b'f').contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"rikastin-test-secret-0123456789";

    fn secret() -> LearnerSecret {
        LearnerSecret::from_bytes(SECRET.to_vec()).expect("31-byte test secret")
    }

    // Vectors computed independently with Python's hmac module:
    // hmac.new(SECRET, b"henkilotunnus:010190-123A", hashlib.sha256).hexdigest()
    #[test]
    fn derive_matches_fixed_hmac_vectors() {
        let s = secret();
        let cases = [
            (
                Identity::Henkilotunnus("010190-123A"),
                "2a110dacc52855bbc20c539aaa03c57f65d2cba9bc550bd7fab635d3351e9379",
            ),
            (
                Identity::Oppijanumero("1.2.246.562.24.00000000001"),
                "5560cb7c8e0164e266be8640abb8c642a8a01ef508bf5590d03e6ad268ecefdb",
            ),
            (
                Identity::VirtaOpiskelija {
                    myontaja: "01901",
                    avain: "OPISK-42",
                },
                "b07039294d50599adebaeb8cfaa35471fc899b0e5529a24b4085a4c66e1b6952",
            ),
        ];
        for (id, want) in cases {
            let key = LearnerKey::derive(&s, id);
            assert_eq!(key.as_str(), want, "{id:?}");
            assert_eq!(key.to_string(), want);
        }
    }

    #[test]
    fn labels_separate_identifier_kinds() {
        let s = secret();
        let a = LearnerKey::derive(&s, Identity::Henkilotunnus("x"));
        let b = LearnerKey::derive(&s, Identity::Oppijanumero("x"));
        assert_ne!(a, b);
    }

    #[test]
    fn another_secret_gives_another_key() {
        let other = LearnerSecret::from_bytes(b"another-secret-of-enough-bytes".to_vec()).unwrap();
        let id = Identity::Henkilotunnus("010190-123A");
        assert_ne!(
            LearnerKey::derive(&secret(), id),
            LearnerKey::derive(&other, id)
        );
    }

    #[test]
    fn short_or_empty_secret_is_refused() {
        for bytes in [Vec::new(), b"fifteen-bytes!!".to_vec()] {
            let err = LearnerSecret::from_bytes(bytes).unwrap_err();
            assert!(
                matches!(err, Error::SecretTooShort { min: 16, .. }),
                "{err}"
            );
        }
        assert!(LearnerSecret::from_bytes(b"sixteen-bytes!!!".to_vec()).is_ok());
    }

    #[test]
    fn secret_file_trailing_newline_is_trimmed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("learner-key.secret");
        std::fs::write(&path, [SECRET, b" \r\n\n"].concat()).unwrap();
        let from_file = LearnerSecret::from_file(&path).unwrap();
        let id = Identity::Henkilotunnus("010190-123A");
        assert_eq!(
            LearnerKey::derive(&from_file, id),
            LearnerKey::derive(&secret(), id)
        );
    }

    #[test]
    fn secret_file_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.secret");
        let err = LearnerSecret::from_file(&missing).unwrap_err();
        assert!(err.to_string().contains("missing.secret"), "{err}");

        let short = dir.path().join("short.secret");
        std::fs::write(&short, "abc\n").unwrap();
        let err = LearnerSecret::from_file(&short).unwrap_err();
        assert!(
            matches!(err, Error::SecretTooShort { len: 3, .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("short.secret"), "{err}");
    }

    #[test]
    fn debug_output_hides_secret_and_identity() {
        let s = secret();
        assert_eq!(format!("{s:?}"), "LearnerSecret(***)");
        let shown = format!(
            "{:?} {:?}",
            Identity::Henkilotunnus("010190-123A"),
            Identity::VirtaOpiskelija {
                myontaja: "01901",
                avain: "OPISK-42"
            }
        );
        assert!(
            !shown.contains("010190-123A") && !shown.contains("OPISK-42"),
            "{shown}"
        );
    }

    #[test]
    fn from_str_accepts_exactly_64_lower_hex() {
        let key = LearnerKey::derive(&secret(), Identity::Oppijanumero("1"));
        let parsed: LearnerKey = key.as_str().parse().unwrap();
        assert_eq!(parsed, key);

        let upper = key.as_str().to_ascii_uppercase();
        assert!(upper.parse::<LearnerKey>().is_err());
        assert!(key.as_str()[..63].parse::<LearnerKey>().is_err());
        assert!(format!("{key}0").parse::<LearnerKey>().is_err());
        assert!(
            format!("{}g", &key.as_str()[..63])
                .parse::<LearnerKey>()
                .is_err()
        );
    }

    #[test]
    fn parse_error_never_echoes_the_input() {
        let err = "010190-123A".parse::<LearnerKey>().unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("010190-123A"), "{shown}");
        assert!(shown.contains("64"), "{shown}");
    }
}
