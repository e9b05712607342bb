//! The signing key and its certificate chain, read once from PEM files and checked against each
//! other and against the clock, so a bad pair stops the server at start, not at the first request.

use std::path::Path;
use std::time::SystemTime;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{KeyPair, RSA_PKCS1_SHA256, RsaKeyPair};
use x509_cert::Certificate;
use x509_cert::der::pem::{self, PemLabel};
use x509_cert::der::{Decode, Encode};
use x509_cert::spki::ObjectIdentifier;

use super::SignError;

/// `rsaEncryption` (RFC 8017), the only key type the signature profile allows (RSA-SHA256).
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// The certificate the documents are signed under, as the server logs it at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningCertificate {
    subject: String,
    issuer: String,
    not_before: SystemTime,
    not_after: SystemTime,
    not_after_text: String,
    chain_len: usize,
}

impl SigningCertificate {
    /// The subject of the signing certificate (RFC 4514, e.g. `CN=…,O=…,C=FI`).
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The issuer of the signing certificate (RFC 4514).
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Start of the signing certificate's validity.
    pub fn not_before(&self) -> SystemTime {
        self.not_before
    }

    /// End of the signing certificate's validity: rotate the key before this (docs/signing.md).
    pub fn not_after(&self) -> SystemTime {
        self.not_after
    }

    /// [`Self::not_after`] as RFC 3339 UTC, e.g. `2036-11-20T18:38:26Z`, for log lines.
    pub fn not_after_rfc3339(&self) -> &str {
        &self.not_after_text
    }

    /// How many certificates go into `KeyInfo/X509Data`: the signing certificate first, then any
    /// intermediates given after it in the certificate file.
    pub fn chain_len(&self) -> usize {
        self.chain_len
    }
}

impl std::fmt::Display for SigningCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "subject \"{}\", issuer \"{}\", valid until {}",
            self.subject, self.issuer, self.not_after_text
        )
    }
}

/// The private key, parsed once into aws-lc's form. It implements kryptering's `Signer`, which
/// bergshamra calls with the canonical `SignedInfo`; bergshamra's own software-key path would
/// import the PKCS#8 bytes again on every signature.
pub(super) struct RsaSha256Key {
    key: RsaKeyPair,
    rng: SystemRandom,
}

impl kryptering::Signer for RsaSha256Key {
    fn algorithm(&self) -> kryptering::SignatureAlgorithm {
        kryptering::SignatureAlgorithm::RsaPkcs1v15(kryptering::HashAlgorithm::Sha256)
    }

    fn sign(&self, data: &[u8]) -> kryptering::Result<Vec<u8>> {
        let mut signature = vec![0; self.key.public_modulus_len()];
        self.key
            .sign(&RSA_PKCS1_SHA256, &self.rng, data, &mut signature)
            .map_err(|_| kryptering::Error::Crypto("RSA-SHA256 signing failed".into()))?;
        Ok(signature)
    }
}

/// What [`super::Signer::from_pem_files`] builds from the two files.
pub(super) struct Credentials {
    pub key: RsaSha256Key,
    /// DER of each certificate, signing certificate first.
    pub chain: Vec<Vec<u8>>,
    pub certificate: SigningCertificate,
}

/// Loads and checks the key and certificate chain; `now` is the time validity is checked at.
pub(super) fn load_at(
    key_path: &Path,
    cert_path: &Path,
    now: SystemTime,
) -> Result<Credentials, SignError> {
    let key = read_key(key_path)?;
    let certs = read_certificates(cert_path)?;
    let leaf = &certs[0];

    let spki = &leaf.tbs_certificate.subject_public_key_info;
    if spki.algorithm.oid != RSA_ENCRYPTION {
        return Err(SignError::KeyCertificateMismatch {
            key: key_path.to_path_buf(),
            cert: cert_path.to_path_buf(),
            reason: format!(
                "the first certificate holds a {} key, not RSA",
                spki.algorithm.oid
            ),
        });
    }
    // Both sides are the DER `RSAPublicKey` (RFC 8017): the same bytes for the same key.
    if spki.subject_public_key.raw_bytes() != key.public_key().as_ref() {
        return Err(SignError::KeyCertificateMismatch {
            key: key_path.to_path_buf(),
            cert: cert_path.to_path_buf(),
            reason: format!(
                "the first certificate (subject \"{}\") is for another key; the key's own \
                 certificate must come first, followed by any intermediates",
                leaf.tbs_certificate.subject
            ),
        });
    }

    for (index, cert) in certs.iter().enumerate() {
        let validity = &cert.tbs_certificate.validity;
        let subject = cert.tbs_certificate.subject.to_string();
        if now < validity.not_before.to_system_time() {
            return Err(SignError::CertificateNotYetValid {
                path: cert_path.to_path_buf(),
                index,
                subject,
                not_before: validity.not_before.to_date_time().to_string(),
            });
        }
        if now > validity.not_after.to_system_time() {
            return Err(SignError::CertificateExpired {
                path: cert_path.to_path_buf(),
                index,
                subject,
                not_after: validity.not_after.to_date_time().to_string(),
            });
        }
    }

    let mut chain = Vec::with_capacity(certs.len());
    for cert in &certs {
        chain.push(cert.to_der().map_err(|e| SignError::NotACertificate {
            path: cert_path.to_path_buf(),
            reason: format!("cannot encode it again as DER: {e}"),
        })?);
    }
    let validity = &leaf.tbs_certificate.validity;
    let certificate = SigningCertificate {
        subject: leaf.tbs_certificate.subject.to_string(),
        issuer: leaf.tbs_certificate.issuer.to_string(),
        not_before: validity.not_before.to_system_time(),
        not_after: validity.not_after.to_system_time(),
        not_after_text: validity.not_after.to_date_time().to_string(),
        chain_len: certs.len(),
    };
    Ok(Credentials {
        key: RsaSha256Key {
            key,
            rng: SystemRandom::new(),
        },
        chain,
        certificate,
    })
}

fn read_key(path: &Path) -> Result<RsaKeyPair, SignError> {
    let mut bytes = std::fs::read(path).map_err(|source| SignError::Read {
        path: path.to_path_buf(),
        what: "signing key",
        source,
    })?;
    let parsed = parse_key(path, &bytes);
    wipe(&mut bytes);
    parsed
}

fn parse_key(path: &Path, bytes: &[u8]) -> Result<RsaKeyPair, SignError> {
    let not_a_key = |reason: String| SignError::NotAKey {
        path: path.to_path_buf(),
        reason,
    };
    let block = pem_block(bytes).ok_or_else(|| SignError::NotPem {
        path: path.to_path_buf(),
        what: "signing key",
    })?;
    let (label, mut der) = pem::decode_vec(&bytes[block])
        .map_err(|e| not_a_key(format!("its first PEM block does not decode: {e}")))?;
    let rejected = |e: aws_lc_rs::error::KeyRejected| {
        not_a_key(format!("aws-lc rejects it as an RSA key: {e}"))
    };
    let parsed = match label {
        "PRIVATE KEY" => RsaKeyPair::from_pkcs8(&der).map_err(rejected),
        "RSA PRIVATE KEY" => RsaKeyPair::from_der(&der).map_err(rejected),
        "ENCRYPTED PRIVATE KEY" => Err(not_a_key(
            "it is encrypted; give the unencrypted key in a file only the server can read \
             (`openssl pkey -in FILE -out KEY.pem` decrypts it)"
                .into(),
        )),
        other => Err(not_a_key(format!("its first PEM block is a {other}"))),
    };
    wipe(&mut der);
    let key = parsed?;
    let bits = key.public_modulus_len() * 8;
    if bits < 2048 {
        return Err(not_a_key(format!(
            "the RSA key has {bits} bits; at least 2048 are needed"
        )));
    }
    Ok(key)
}

/// Overwrites a buffer that held key material before it is freed (aws-lc keeps its own copy).
fn wipe(buffer: &mut [u8]) {
    buffer.fill(0);
    // Keeps the compiler from dropping the writes as dead stores before the free.
    std::hint::black_box(&buffer);
}

fn read_certificates(path: &Path) -> Result<Vec<Certificate>, SignError> {
    let bytes = std::fs::read(path).map_err(|source| SignError::Read {
        path: path.to_path_buf(),
        what: "certificate",
        source,
    })?;
    let mut certs = Vec::new();
    let mut rest = &bytes[..];
    while let Some(block) = pem_block(rest) {
        let number = certs.len() + 1;
        let (label, der) =
            pem::decode_vec(&rest[block.clone()]).map_err(|e| SignError::NotACertificate {
                path: path.to_path_buf(),
                reason: format!("PEM block {number} does not decode: {e}"),
            })?;
        if label != Certificate::PEM_LABEL {
            return Err(SignError::NotACertificate {
                path: path.to_path_buf(),
                reason: format!(
                    "PEM block {number} is a {label}; expected only CERTIFICATE blocks"
                ),
            });
        }
        let cert = Certificate::from_der(&der).map_err(|e| SignError::NotACertificate {
            path: path.to_path_buf(),
            reason: format!("certificate {number} is not X.509: {e}"),
        })?;
        certs.push(cert);
        rest = &rest[block.end..];
    }
    if certs.is_empty() {
        return Err(SignError::NotPem {
            path: path.to_path_buf(),
            what: "certificate",
        });
    }
    Ok(certs)
}

/// Where the first `-----BEGIN …-----` … `-----END …-----` block is, leaving out anything before
/// it (such as the `Bag Attributes` lines openssl writes).
fn pem_block(input: &[u8]) -> Option<std::ops::Range<usize>> {
    const BEGIN: &[u8] = b"-----BEGIN ";
    const END: &[u8] = b"-----END ";
    let start = find(input, BEGIN)?;
    let end_marker = start + find(&input[start..], END)? + END.len();
    let end = end_marker + find(&input[end_marker..], b"-----")? + b"-----".len();
    Some(start..end)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
