//! Sealed identities: what a refresh target needs to call its sources, encrypted so the cache
//! never holds an identity code in clear.
//!
//! VIRTA is queried by henkilötunnus (virta.md §2.5), so a target must keep it somewhere, but
//! DESIGN.md invariant 5 keeps it out of the cache as text. Each value is sealed with
//! ChaCha20-Poly1305 under a key derived from the learner secret as
//! HMAC-SHA256(secret, `rikastin/target-seal/v1`), so one secret file serves both the learner keys
//! and the seal. The learner key is the associated data: a sealed value copied to another row
//! does not open. Rotating the secret makes every sealed value unreadable (and changes every
//! learner key), so targets must then be added again.
//!
//! A sealed value is `[format = 1][12-byte random nonce][ciphertext and 16-byte tag]`.

use std::fmt;

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::{Error, Identity, LearnerKey, LearnerSecret, Result};

/// The message HMAC'd with the learner secret to get the seal key. Part of the sealed format.
const KEY_CONTEXT: &[u8] = b"rikastin/target-seal/v1";
/// The first byte of every sealed value this build writes.
const FORMAT: u8 = 1;
const NONCE_BYTES: usize = 12;
const TAG_BYTES: usize = 16;
/// Separates the two fields of the plaintext; it never occurs in UTF-8, so no escaping is needed.
const FIELD_SEPARATOR: u8 = 0xFF;
const HAS_HENKILOTUNNUS: u8 = 0b01;
const HAS_OPPIJANUMERO: u8 = 0b10;

/// Whom a refresh target is about: a henkilötunnus, an oppijanumero, or both.
///
/// At least one should be present: [`TargetIdentity::new`] and [`TargetSeal::open`] never give
/// an identity with neither. Debug never shows the values, and there is no Display
/// (DESIGN.md invariant 5).
#[derive(Clone, PartialEq, Eq)]
pub struct TargetIdentity {
    /// Henkilötunnus (Finnish personal identity code), for the VIRTA query. Never log it.
    pub henkilotunnus: Option<String>,
    /// Oppijanumero, the national learner OID (`1.2.246.562.24.` and 11 digits).
    pub oppijanumero: Option<String>,
}

impl TargetIdentity {
    /// An identity from a henkilötunnus (Finnish personal identity code) and/or an oppijanumero
    /// (the national learner OID). Empty strings count as absent; `None` when both are absent.
    /// The values are not checked here: the targets reader checks them where they enter.
    pub fn new(henkilotunnus: Option<String>, oppijanumero: Option<String>) -> Option<Self> {
        let henkilotunnus = henkilotunnus.filter(|v| !v.is_empty());
        let oppijanumero = oppijanumero.filter(|v| !v.is_empty());
        if henkilotunnus.is_none() && oppijanumero.is_none() {
            return None;
        }
        Some(Self {
            henkilotunnus,
            oppijanumero,
        })
    }

    /// What the learner key is derived from: the henkilötunnus when present, else the
    /// oppijanumero (the rule `pipeline/src/learners.rs` uses for recordings, so a target and its
    /// recorded snapshot share one key).
    pub fn key_identity(&self) -> Identity<'_> {
        match (&self.henkilotunnus, &self.oppijanumero) {
            (Some(hetu), _) => Identity::Henkilotunnus(hetu),
            (None, Some(oid)) => Identity::Oppijanumero(oid),
            // `new` and `open` never build an identity with neither; one built by hand gets
            // the key of an empty oppijanumero, which no real learner has.
            (None, None) => Identity::Oppijanumero(""),
        }
    }

    /// The learner key of this identity under `secret`.
    pub fn learner_key(&self, secret: &LearnerSecret) -> LearnerKey {
        LearnerKey::derive(secret, self.key_identity())
    }
}

impl fmt::Debug for TargetIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = |v: &Option<String>| if v.is_some() { "***" } else { "-" };
        write!(
            f,
            "TargetIdentity {{ henkilotunnus: {}, oppijanumero: {} }}",
            shown(&self.henkilotunnus),
            shown(&self.oppijanumero)
        )
    }
}

/// Seals and opens target identities with a key derived from the learner secret.
/// Debug prints `TargetSeal(***)`.
#[derive(Clone)]
pub struct TargetSeal {
    cipher: ChaCha20Poly1305,
}

impl TargetSeal {
    /// The seal of `secret`: key = HMAC-SHA256(secret, `rikastin/target-seal/v1`).
    pub fn new(secret: &LearnerSecret) -> Self {
        // HMAC takes a key of any length, so this cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.bytes())
            .expect("HMAC-SHA256 accepts keys of any length");
        mac.update(KEY_CONTEXT);
        let key = mac.finalize().into_bytes();
        Self {
            cipher: ChaCha20Poly1305::new(Key::from_slice(&key)),
        }
    }

    /// Seals `identity` for the row of learner `key`, with a fresh random nonce, so sealing the
    /// same identity twice gives different bytes.
    pub fn seal(&self, key: &LearnerKey, identity: &TargetIdentity) -> Vec<u8> {
        let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
        let plaintext = encode(identity);
        let payload = Payload {
            msg: &plaintext,
            aad: key.as_str().as_bytes(),
        };
        // ChaCha20-Poly1305 fails only on messages over 256 GiB; an identity is a few dozen bytes.
        let ciphertext = self
            .cipher
            .encrypt(&nonce, payload)
            .expect("an identity is far below ChaCha20-Poly1305's 256 GiB message limit");
        let mut sealed = Vec::with_capacity(1 + NONCE_BYTES + ciphertext.len());
        sealed.push(FORMAT);
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&ciphertext);
        sealed
    }

    /// Opens a value sealed for learner `key`. Fails, naming the learner, when the secret is not
    /// the one it was sealed with, the bytes were altered, or they belong to another learner.
    pub fn open(&self, key: &LearnerKey, sealed: &[u8]) -> Result<TargetIdentity> {
        let fail = |reason: String| Error::SealOpen {
            learner_key: key.to_string(),
            reason,
        };
        let min = 1 + NONCE_BYTES + TAG_BYTES;
        if sealed.len() < min {
            return Err(fail(format!(
                "it is {} bytes long; expected at least {min} (format byte, 12-byte nonce, \
                 16-byte tag)",
                sealed.len()
            )));
        }
        let (format, rest) = sealed.split_at(1);
        if format[0] != FORMAT {
            return Err(fail(format!(
                "format byte is {}; this build reads format {FORMAT}",
                format[0]
            )));
        }
        let (nonce, ciphertext) = rest.split_at(NONCE_BYTES);
        let payload = Payload {
            msg: ciphertext,
            aad: key.as_str().as_bytes(),
        };
        let plaintext = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), payload)
            .map_err(|_| {
                fail(
                    "authentication failed: the learner secret is not the one it was sealed \
                     with (if the secret was rotated, add the targets again), or the stored \
                     value was altered or belongs to another learner"
                        .to_owned(),
                )
            })?;
        decode(&plaintext).ok_or_else(|| {
            fail(
                "it opened, but does not hold a henkilötunnus or an oppijanumero in the sealed \
                 format"
                    .to_owned(),
            )
        })
    }
}

impl fmt::Debug for TargetSeal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TargetSeal(***)")
    }
}

/// `[flags] henkilotunnus 0xFF oppijanumero`, absent fields empty.
fn encode(identity: &TargetIdentity) -> Vec<u8> {
    let hetu = identity.henkilotunnus.as_deref();
    let oid = identity.oppijanumero.as_deref();
    let mut flags = 0;
    if hetu.is_some() {
        flags |= HAS_HENKILOTUNNUS;
    }
    if oid.is_some() {
        flags |= HAS_OPPIJANUMERO;
    }
    let hetu = hetu.unwrap_or("").as_bytes();
    let oid = oid.unwrap_or("").as_bytes();
    let mut out = Vec::with_capacity(2 + hetu.len() + oid.len());
    out.push(flags);
    out.extend_from_slice(hetu);
    out.push(FIELD_SEPARATOR);
    out.extend_from_slice(oid);
    out
}

fn decode(plaintext: &[u8]) -> Option<TargetIdentity> {
    let (&flags, fields) = plaintext.split_first()?;
    if flags & !(HAS_HENKILOTUNNUS | HAS_OPPIJANUMERO) != 0 {
        return None;
    }
    let at = fields.iter().position(|&b| b == FIELD_SEPARATOR)?;
    let field = |bytes: &[u8], flag: u8| -> Option<Option<String>> {
        let text = std::str::from_utf8(bytes).ok()?;
        match (flags & flag != 0, text.is_empty()) {
            (true, false) => Some(Some(text.to_owned())),
            (false, true) => Some(None),
            _ => None,
        }
    };
    let hetu = field(&fields[..at], HAS_HENKILOTUNNUS)?;
    let oid = field(&fields[at + 1..], HAS_OPPIJANUMERO)?;
    TargetIdentity::new(hetu, oid)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Synthetic: individual number 123, check character computed (010190123 mod 31 = 20 -> M).
    const HETU: &str = "010190-123M";
    const OID: &str = "1.2.246.562.24.00000000001";

    fn secret(text: &[u8]) -> LearnerSecret {
        LearnerSecret::from_bytes(text.to_vec()).expect("test secret")
    }

    fn both() -> TargetIdentity {
        TargetIdentity::new(Some(HETU.into()), Some(OID.into())).unwrap()
    }

    #[test]
    fn every_shape_of_identity_round_trips() {
        let s = secret(b"rikastin-test-secret-0123456789");
        let seal = TargetSeal::new(&s);
        for id in [
            both(),
            TargetIdentity::new(Some(HETU.into()), None).unwrap(),
            TargetIdentity::new(None, Some(OID.into())).unwrap(),
        ] {
            let key = id.learner_key(&s);
            let sealed = seal.seal(&key, &id);
            assert_eq!(seal.open(&key, &sealed).unwrap(), id);
            assert!(
                !sealed.windows(HETU.len()).any(|w| w == HETU.as_bytes()),
                "the code must not be in clear"
            );
        }
    }

    #[test]
    fn sealing_twice_gives_different_bytes() {
        let s = secret(b"rikastin-test-secret-0123456789");
        let seal = TargetSeal::new(&s);
        let key = both().learner_key(&s);
        assert_ne!(seal.seal(&key, &both()), seal.seal(&key, &both()));
    }

    #[test]
    fn wrong_secret_tampering_and_another_row_fail_naming_the_learner() {
        let s = secret(b"rikastin-test-secret-0123456789");
        let seal = TargetSeal::new(&s);
        let key = both().learner_key(&s);
        let sealed = seal.seal(&key, &both());

        let other_seal = TargetSeal::new(&secret(b"another-secret-of-enough-bytes"));
        let mut flipped = sealed.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        let mut flipped_nonce = sealed.clone();
        flipped_nonce[3] ^= 0x80;
        let other_key = TargetIdentity::new(None, Some(OID.into()))
            .unwrap()
            .learner_key(&s);

        for (what, result, named) in [
            ("wrong secret", other_seal.open(&key, &sealed), &key),
            ("tampered tag", seal.open(&key, &flipped), &key),
            ("tampered nonce", seal.open(&key, &flipped_nonce), &key),
            ("another row", seal.open(&other_key, &sealed), &other_key),
        ] {
            let err = result.expect_err(what);
            let shown = format!("{err} {err:?}");
            assert!(matches!(err, Error::SealOpen { .. }), "{what}: {shown}");
            assert!(shown.contains(named.as_str()), "{what}: {shown}");
            assert!(shown.contains("authentication failed"), "{what}: {shown}");
            assert!(!shown.contains(HETU) && !shown.contains(OID), "{shown}");
        }
    }

    #[test]
    fn truncated_or_unknown_format_is_refused() {
        let s = secret(b"rikastin-test-secret-0123456789");
        let seal = TargetSeal::new(&s);
        let key = both().learner_key(&s);
        let sealed = seal.seal(&key, &both());

        let err = seal.open(&key, &sealed[..20]).unwrap_err();
        assert!(err.to_string().contains("20 bytes long"), "{err}");
        let err = seal.open(&key, &[]).unwrap_err();
        assert!(err.to_string().contains("at least 29"), "{err}");
        let mut v2 = sealed;
        v2[0] = 2;
        let err = seal.open(&key, &v2).unwrap_err();
        assert!(err.to_string().contains("format byte is 2"), "{err}");
    }

    #[test]
    fn decode_refuses_what_encode_never_writes() {
        assert!(decode(&[]).is_none());
        assert!(decode(&[0b01]).is_none(), "no separator");
        assert!(decode(&[0b00, FIELD_SEPARATOR]).is_none(), "neither field");
        assert!(
            decode(&[0b01, FIELD_SEPARATOR]).is_none(),
            "flag without value"
        );
        assert!(decode(b"\x00x\xFF").is_none(), "value without flag");
        assert!(
            decode(&[0b100, b'x', FIELD_SEPARATOR]).is_none(),
            "unknown flag"
        );
        assert!(
            decode(&[0b01, 0xC3, FIELD_SEPARATOR]).is_none(),
            "not UTF-8"
        );
        assert_eq!(decode(&encode(&both())), Some(both()));
    }

    #[test]
    fn identity_needs_one_value_and_keys_by_hetu_first() {
        assert!(TargetIdentity::new(None, None).is_none());
        assert!(TargetIdentity::new(Some(String::new()), Some(String::new())).is_none());
        let s = secret(b"rikastin-test-secret-0123456789");
        let hetu_key = LearnerKey::derive(&s, Identity::Henkilotunnus(HETU));
        let oid_key = LearnerKey::derive(&s, Identity::Oppijanumero(OID));
        assert_eq!(both().learner_key(&s), hetu_key);
        let oid_only = TargetIdentity::new(Some(String::new()), Some(OID.into())).unwrap();
        assert_eq!(oid_only.henkilotunnus, None);
        assert_eq!(oid_only.learner_key(&s), oid_key);
    }

    #[test]
    fn debug_never_shows_the_values() {
        let s = secret(b"rikastin-test-secret-0123456789");
        let shown = format!("{:?} {:?}", both(), TargetSeal::new(&s));
        assert!(!shown.contains(HETU) && !shown.contains(OID), "{shown}");
        assert!(shown.contains("henkilotunnus: ***"), "{shown}");
        assert!(shown.contains("TargetSeal(***)"), "{shown}");
    }
}
