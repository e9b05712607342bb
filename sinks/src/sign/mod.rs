//! Signs an unsigned ELMO document for the read API (DESIGN.md invariant 7, elmo.md §4): one
//! enveloped XML-DSig over the whole document, appended as the last child of `elmo`.
//!
//! The profile (docs/signing.md): one `Reference URI=""` with the transforms enveloped-signature
//! and exclusive C14N, `CanonicalizationMethod` exclusive C14N, SHA-256 digest, RSA-SHA256, and
//! the certificate chain in `KeyInfo/X509Data`. Canonicalisation and digests are bergshamra's.
//!
//! The document's own bytes are kept as they came from the cache: the signature template is
//! spliced in before `</elmo>`, the result is parsed once, bergshamra signs that tree in place,
//! and the two computed values are written into the template text. Nothing is serialised again
//! and nothing touches the bytes after signing. (bergshamra's text entry point would parse the
//! document three times, and its tree entry point would re-serialise it.)

mod credentials;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use base64::Engine as _;
use bergshamra_dsig::DsigContext;
use bergshamra_keys::KeysManager;

pub use credentials::SigningCertificate;

/// The ELMO namespace of every version (elmo.md §1.3); the root must be `elmo` in it.
const ELMO_NS: &str = "https://github.com/emrex-eu/elmo-schemas/tree/v1";
/// The XML-DSig namespace of `ds:Signature`.
const DSIG_NS: &str = "http://www.w3.org/2000/09/xmldsig#";

/// `ds:Signature` up to the digest value. Exclusive C14N, unlike fi-ncp's inclusive one: the
/// canonical `SignedInfo` then does not depend on namespace declarations outside it (here the
/// ELMO default namespace of `elmo`); docs/signing.md says more.
const SIGNATURE_HEAD: &str = concat!(
    r#"<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">"#,
    "<ds:SignedInfo>",
    r#"<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>"#,
    r#"<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>"#,
    r#"<ds:Reference URI="">"#,
    "<ds:Transforms>",
    r#"<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>"#,
    r#"<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>"#,
    "</ds:Transforms>",
    r#"<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>"#,
    "<ds:DigestValue>",
);
/// Between the digest value and the signature value.
const SIGNATURE_MIDDLE: &str =
    "</ds:DigestValue></ds:Reference></ds:SignedInfo><ds:SignatureValue>";
/// After the signature value; `KeyInfo` follows.
const SIGNATURE_VALUE_END: &str = "</ds:SignatureValue>";

/// Signs ELMO documents with one RSA key. Build it once at server start with
/// [`Signer::from_pem_files`]; [`Signer::sign`] takes `&self` and can be shared across threads.
pub struct Signer {
    ctx: DsigContext,
    /// `<ds:KeyInfo>…</ds:KeyInfo></ds:Signature>`, built once from the certificate chain.
    /// `KeyInfo` is outside `SignedInfo`, so it is complete before signing.
    key_info: String,
    certificate: SigningCertificate,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key stays out of every log line.
        f.debug_struct("Signer")
            .field("certificate", &self.certificate)
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// Reads the RSA private key (PKCS#8 `BEGIN PRIVATE KEY`, or PKCS#1 `BEGIN RSA PRIVATE KEY`,
    /// unencrypted, at least 2048 bits) and its certificate (PEM; the key's own certificate
    /// first, then any intermediates), checks that they match and that every certificate is
    /// valid now. The key is parsed here once.
    pub fn from_pem_files(key: &Path, cert: &Path) -> Result<Signer, SignError> {
        let credentials = credentials::load_at(key, cert, std::time::SystemTime::now())?;
        let engine = base64::engine::general_purpose::STANDARD;
        let mut key_info = String::from("<ds:KeyInfo><ds:X509Data>");
        for der in &credentials.chain {
            key_info.push_str("<ds:X509Certificate>");
            key_info.push_str(&engine.encode(der));
            key_info.push_str("</ds:X509Certificate>");
        }
        key_info.push_str("</ds:X509Data></ds:KeyInfo></ds:Signature>");
        // bergshamra calls the key through kryptering's Signer hook, so its key manager stays
        // empty: it would only fill KeyInfo, which is already complete.
        let ctx = DsigContext::new(KeysManager::new()).with_hsm_signer(Box::new(credentials.key));
        Ok(Signer {
            ctx,
            key_info,
            certificate: credentials.certificate,
        })
    }

    /// The certificate documents are signed under, for the start-up log line.
    pub fn certificate(&self) -> &SigningCertificate {
        &self.certificate
    }

    /// Signs an unsigned ELMO document: returns it with `ds:Signature` as the last child of
    /// `elmo`. Every byte of `unsigned` is kept, in order; the signature is the only addition.
    /// Refuses a document that already holds a `ds:Signature` anywhere.
    pub fn sign(&self, unsigned: &[u8]) -> Result<Vec<u8>, SignError> {
        let text = std::str::from_utf8(unsigned).map_err(|e| SignError::NotUtf8 {
            byte: e.valid_up_to(),
        })?;
        // The last end tag is the root's in every document the ELMO writer makes. If the guess
        // is wrong, or the document is bad, a parse of the document alone says why, or where
        // `</elmo>` really is.
        if let Some(at) = text.rfind("</") {
            match self.sign_at(text, at) {
                Ok(signed) => return Ok(signed),
                Err(Attempt::Refused(e)) => return Err(e),
                Err(Attempt::Misplaced) => {}
            }
        }
        let at = signature_position(text)?;
        self.sign_at(text, at).map_err(|attempt| match attempt {
            Attempt::Refused(e) => e,
            Attempt::Misplaced => {
                SignError::Dsig("the signature template did not land in elmo".into())
            }
        })
    }

    /// Signs with the signature inserted at byte `at`, which must be the start of `</elmo>`.
    fn sign_at(&self, text: &str, at: usize) -> Result<Vec<u8>, Attempt> {
        let mut template = String::with_capacity(text.len() + 1024 + self.key_info.len());
        template.push_str(&text[..at]);
        template.push_str(SIGNATURE_HEAD);
        template.push_str(SIGNATURE_MIDDLE);
        template.push_str(SIGNATURE_VALUE_END);
        template.push_str(&self.key_info);
        template.push_str(&text[at..]);

        let mut doc = uppsala::parse(&template).map_err(|_| Attempt::Misplaced)?;
        let root = doc.document_element().ok_or(Attempt::Misplaced)?;
        if !is_elmo(&doc, root) {
            return Err(Attempt::Misplaced);
        }
        let ours = doc
            .children_iter(root)
            .rev()
            .find(|&id| doc.element(id).is_some())
            .filter(|&id| is_signature(&doc, id))
            .filter(|&id| doc.node_range(id).is_some_and(|r| r.start == at))
            .ok_or(Attempt::Misplaced)?;
        if doc
            .children_iter(root)
            .any(|id| id != ours && is_signature(&doc, id))
        {
            return Err(Attempt::Refused(SignError::AlreadySigned));
        }
        // bergshamra would sign ours (it is given the node), but a signature further down (such
        // as a Diploma Supplement's own, elmo.md §4.1) is not ours to vouch for either way. A
        // ds:Signature needs its namespace declared, so without the URI in the text there is
        // none, and the walk over every node is skipped.
        if text.contains(DSIG_NS)
            && doc
                .descendants(root)
                .into_iter()
                .any(|id| id != ours && is_signature(&doc, id))
        {
            return Err(Attempt::Refused(SignError::NestedSignature));
        }

        bergshamra_dsig::sign::sign_document_node(&self.ctx, &mut doc, ours)
            .map_err(|e| Attempt::Refused(SignError::Dsig(e.to_string())))?;
        let value_of = |name: &str| {
            doc.descendants(ours)
                .into_iter()
                .find(|&id| doc.element(id).is_some_and(|e| &*e.name.local_name == name))
                .map(|id| doc.text_content_deep(id))
                .filter(|value| !value.is_empty())
                .ok_or_else(|| Attempt::Refused(SignError::Dsig(format!("no {name} was computed"))))
        };
        let digest = value_of("DigestValue")?;
        let signature = value_of("SignatureValue")?;
        drop(doc);

        // The same template text with the two values in: what was signed is what goes out.
        let mut signed = Vec::with_capacity(template.len() + digest.len() + signature.len());
        signed.extend_from_slice(&text.as_bytes()[..at]);
        signed.extend_from_slice(SIGNATURE_HEAD.as_bytes());
        signed.extend_from_slice(digest.as_bytes());
        signed.extend_from_slice(SIGNATURE_MIDDLE.as_bytes());
        signed.extend_from_slice(signature.as_bytes());
        signed.extend_from_slice(SIGNATURE_VALUE_END.as_bytes());
        signed.extend_from_slice(self.key_info.as_bytes());
        signed.extend_from_slice(&text.as_bytes()[at..]);
        Ok(signed)
    }
}

/// Why one try of [`Signer::sign_at`] did not give a signed document.
enum Attempt {
    /// The template did not end up as the last child of `elmo`: the guessed place was wrong or
    /// the document is bad. [`signature_position`] tells which.
    Misplaced,
    /// The document must not be signed, or signing failed.
    Refused(SignError),
}

fn is_elmo(doc: &uppsala::Document<'_>, id: uppsala::NodeId) -> bool {
    doc.element(id).is_some_and(|e| {
        &*e.name.local_name == "elmo" && e.name.namespace_uri.as_deref() == Some(ELMO_NS)
    })
}

fn is_signature(doc: &uppsala::Document<'_>, id: uppsala::NodeId) -> bool {
    doc.element(id).is_some_and(|e| {
        &*e.name.local_name == "Signature" && e.name.namespace_uri.as_deref() == Some(DSIG_NS)
    })
}

/// The byte offset of the root's end tag `</elmo>`, from a parse of the document alone; or
/// why the document cannot be signed.
fn signature_position(text: &str) -> Result<usize, SignError> {
    let doc = uppsala::parse(text).map_err(|e| SignError::NotXml(e.to_string()))?;
    let root = doc
        .document_element()
        .ok_or_else(|| SignError::NotElmo("the document has no root element".into()))?;
    if !is_elmo(&doc, root) {
        let element = doc.element(root).expect("document_element is an element");
        let ns = element.name.namespace_uri.as_deref();
        return Err(SignError::NotElmo(format!(
            "the root element is `{}` in namespace {}; expected `elmo` in {ELMO_NS}",
            &*element.name.local_name,
            ns.map_or_else(|| "(none)".to_string(), |n| format!("`{n}`"))
        )));
    }
    if doc.children_iter(root).any(|id| is_signature(&doc, id)) {
        return Err(SignError::AlreadySigned);
    }
    if doc
        .descendants(root)
        .into_iter()
        .any(|id| is_signature(&doc, id))
    {
        return Err(SignError::NestedSignature);
    }
    let range = doc
        .node_range(root)
        .ok_or_else(|| SignError::NotElmo("the root element has no position".into()))?;
    let end_tag = text[range.clone()]
        .rfind("</")
        .ok_or_else(|| SignError::NotElmo("the root element `elmo` is empty".into()))?;
    Ok(range.start + end_tag)
}

/// Why a signing key could not be loaded or a document could not be signed. No variant carries
/// document content, so no identity code can reach a log line through it (invariant 5).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// A key or certificate file could not be read.
    #[error("cannot read {what} file {path:?}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// `signing key` or `certificate`.
        what: &'static str,
        /// The I/O failure.
        source: std::io::Error,
    },

    /// A key or certificate file holds no PEM block at all.
    #[error("{what} file {path:?} is not PEM: expected a `-----BEGIN …-----` block")]
    NotPem {
        /// The file.
        path: PathBuf,
        /// `signing key` or `certificate`.
        what: &'static str,
    },

    /// The key file holds PEM, but not a usable RSA private key.
    #[error(
        "signing key file {path:?} holds no usable RSA private key: {reason}; expected an \
         unencrypted PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1 (`BEGIN RSA PRIVATE KEY`) RSA key"
    )]
    NotAKey {
        /// The key file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },

    /// The certificate file holds PEM, but not only X.509 certificates.
    #[error("certificate file {path:?}: {reason}")]
    NotACertificate {
        /// The certificate file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },

    /// The certificate is not the key's own.
    #[error("signing key {key:?} and certificate file {cert:?} do not match: {reason}")]
    KeyCertificateMismatch {
        /// The key file.
        key: PathBuf,
        /// The certificate file.
        cert: PathBuf,
        /// Which certificate and why.
        reason: String,
    },

    /// A certificate of the chain has expired.
    #[error(
        "certificate file {path:?}: certificate {} (subject \"{subject}\") expired at \
         {not_after}; install a new key and certificate (docs/signing.md, key rotation)",
        index + 1
    )]
    CertificateExpired {
        /// The certificate file.
        path: PathBuf,
        /// Its position in the file, 0 for the signing certificate.
        index: usize,
        /// Its subject.
        subject: String,
        /// Its notAfter, RFC 3339.
        not_after: String,
    },

    /// A certificate of the chain is not valid yet.
    #[error(
        "certificate file {path:?}: certificate {} (subject \"{subject}\") is not valid before \
         {not_before}; check the clock or wait",
        index + 1
    )]
    CertificateNotYetValid {
        /// The certificate file.
        path: PathBuf,
        /// Its position in the file, 0 for the signing certificate.
        index: usize,
        /// Its subject.
        subject: String,
        /// Its notBefore, RFC 3339.
        not_before: String,
    },

    /// The document is not UTF-8 (the ELMO writer writes only UTF-8).
    #[error("the document is not UTF-8 (first bad byte at offset {byte})")]
    NotUtf8 {
        /// Offset of the first invalid byte.
        byte: usize,
    },

    /// The document is not well-formed XML.
    #[error("the document is not well-formed XML: {0}")]
    NotXml(String),

    /// The document is XML, but its root is not ELMO's `elmo`.
    #[error("the document is not ELMO: {0}")]
    NotElmo(String),

    /// The document already has a `ds:Signature` under `elmo`.
    #[error(
        "the document is already signed (a ds:Signature is a child of elmo); only unsigned \
         documents are signed, because signing twice would sign the first signature"
    )]
    AlreadySigned,

    /// The document has a `ds:Signature` deeper down (e.g. in a Diploma Supplement).
    #[error(
        "the document holds a ds:Signature below elmo (such as a signed Diploma Supplement); \
         this signer only signs documents without signatures"
    )]
    NestedSignature,

    /// bergshamra could not sign (the message is bergshamra's).
    #[error("XML-DSig signing failed: {0}")]
    Dsig(String),
}
