//! The signer on real ELMO: the golden documents of the embedded default and one built with the
//! `elmo` model, checked by xmlsec1 (the independent verifier), the XSD and `elmo::read`.
//! Tests that need xmlsec1, xmllint or openssl fail with a message when the tool is missing.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, SystemTime};

use super::*;

const ELMO_NS_DECL: &str = r#"xmlns="https://github.com/emrex-eu/elmo-schemas/tree/v1""#;

fn workspace() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn demo(name: &str) -> PathBuf {
    workspace().join("data/signing").join(name)
}

fn demo_signer() -> Signer {
    Signer::from_pem_files(&demo("demo-key.pem"), &demo("demo-cert.pem"))
        .unwrap_or_else(|e| panic!("the demo key pair must load: {e}"))
}

/// Every golden document (tests/golden: enriched documents of the embedded default), by name.
fn golden() -> Vec<(String, Vec<u8>)> {
    let dir = workspace().join("tests/golden");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".xml"))
        .collect();
    names.sort();
    assert!(
        names.len() >= 6,
        "expected the six golden documents in {}",
        dir.display()
    );
    names
        .into_iter()
        .map(|n| {
            let bytes = std::fs::read(dir.join(&n)).expect("golden file is readable");
            (n, bytes)
        })
        .collect()
}

/// The golden document with the most results (79 LOIs in two reports).
fn largest_golden() -> (String, Vec<u8>) {
    golden()
        .into_iter()
        .max_by_key(|(_, bytes)| bytes.len())
        .expect("golden documents")
}

/// A document built with the `elmo` model: names and titles with characters that need escaping
/// or are not ASCII, so C14N has something to do.
fn model_document() -> Vec<u8> {
    use elmo::{Credit, Elmo, Identifier, Issuer, Learner, Los, LosType, Report, Status, Text};
    let now: elmo::DateTime = "2026-11-23T10:00:00+02:00".parse().expect("date-time");
    let learner = Learner {
        given_names: "Åsa Ülla".into(),
        family_name: "Meikäläinen-O'Brien".into(),
        bday: Some("2001-02-03".parse().expect("date")),
        ..Default::default()
    };
    let issuer = Issuer {
        identifiers: vec![Identifier::new("schac", "helsinki.fi")],
        titles: vec![
            Text::lang("fi", "Helsingin yliopisto"),
            Text::lang("en", "University of Helsinki"),
        ],
        url: "https://www.helsinki.fi".into(),
        ..Default::default()
    };
    let mut report = Report::new(issuer, now.clone());
    for (i, (title, grade)) in [
        ("Johdatus ohjelmointiin & algoritmeihin", "5"),
        ("Tietorakenteet <perusteet>", "4"),
        ("Kvanttilaskennan \"alkeet\"", "hyväksytty"),
    ]
    .into_iter()
    .enumerate()
    {
        let mut course = Los {
            titles: vec![Text::lang("fi", title)],
            ..Default::default()
        };
        course.los_type = Some(LosType::Course);
        course
            .identifiers
            .push(Identifier::new("local", format!("C{i}")));
        let loi = &mut course.specifies.instance;
        loi.status = Some(Status::Passed);
        loi.result_label = Some(grade.into());
        loi.date = Some("2025-05-31".parse().expect("date"));
        loi.credits.push(Credit {
            scheme: "ects".into(),
            level: None,
            value: Some("5".parse().expect("decimal")),
        });
        report.los.push(course);
    }
    let mut doc = Elmo::new(now, learner);
    doc.reports.push(report);
    elmo::write(&doc)
}

/// Runs `xmlsec1 --verify` with the demo CA as the only trust anchor. `Ok` with its report when
/// the signature verifies, `Err` with its output when it does not; panics when xmlsec1 cannot run.
fn xmlsec1_verify(signed: &[u8]) -> Result<String, String> {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("signed.xml");
    std::fs::write(&file, signed).expect("write the signed document");
    let out = Command::new("xmlsec1")
        .args(XMLSEC1_VERIFY)
        .arg(demo("demo-ca.pem"))
        .arg(&file)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run xmlsec1 ({e}); these tests need it: apt-get install xmlsec1")
        });
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.success() {
        Ok(report)
    } else {
        Err(report)
    }
}

/// The flags docs/signing.md gives for checking a document by hand (the CA file comes next).
const XMLSEC1_VERIFY: &[&str] = &[
    "--verify",
    "--enabled-reference-uris",
    "empty",
    "--trusted-pem",
];

/// Asserts that xmlsec1 rejects `signed` because the signature is wrong, not for another reason.
fn assert_xmlsec1_rejects(signed: &[u8], what: &str) {
    match xmlsec1_verify(signed) {
        Ok(report) => panic!("xmlsec1 accepted the document after {what}:\n{report}"),
        Err(report) => assert!(
            report.contains("FAIL"),
            "xmlsec1 failed after {what}, but not with a verification failure:\n{report}"
        ),
    }
}

/// Runs `../shared/tools/validate-elmo` (the official ELMO 1.7.0 XSD); panics when it cannot run.
fn xsd_check(name: &str, xml: &[u8]) -> Result<(), String> {
    let tool = workspace().join("../shared/tools/validate-elmo");
    assert!(
        tool.is_file(),
        "{} is missing: these tests need the shared folder beside the workspace",
        tool.display()
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join(name);
    std::fs::write(&file, xml).expect("write the document");
    let out = Command::new(&tool)
        .arg(&file)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", tool.display()));
    assert_ne!(
        out.status.code(),
        Some(2),
        "validate-elmo could not run (is xmllint installed? apt-get install libxml2-utils):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// Replaces the first character after `marker` (which must be found) with another ASCII one.
fn tamper_after(signed: &[u8], marker: &str) -> Vec<u8> {
    let text = std::str::from_utf8(signed).expect("UTF-8");
    let at = text
        .find(marker)
        .unwrap_or_else(|| panic!("`{marker}` is in the document"))
        + marker.len();
    let mut bytes = signed.to_vec();
    assert!(
        bytes[at].is_ascii_alphanumeric(),
        "`{marker}` is followed by a letter or digit"
    );
    bytes[at] = if bytes[at] == b'4' { b'5' } else { b'4' };
    bytes
}

fn element_children<'a>(
    doc: &'a uppsala::Document<'a>,
    id: uppsala::NodeId,
) -> Vec<uppsala::NodeId> {
    doc.children(id)
        .into_iter()
        .filter(|&c| doc.element(c).is_some())
        .collect()
}

fn local_name(doc: &uppsala::Document<'_>, id: uppsala::NodeId) -> String {
    doc.element(id)
        .map(|e| e.name.local_name.to_string())
        .unwrap_or_default()
}

fn attribute(doc: &uppsala::Document<'_>, id: uppsala::NodeId, name: &str) -> Option<String> {
    doc.element(id)?.get_attribute(name).map(str::to_string)
}

#[test]
fn signer_is_shared_across_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<Signer>();
}

#[test]
fn golden_documents_signed_verify_with_xmlsec1() {
    let signer = demo_signer();
    for (name, unsigned) in golden() {
        let signed = signer
            .sign(&unsigned)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        if let Err(report) = xmlsec1_verify(&signed) {
            panic!("{name}: xmlsec1 rejects the signed document:\n{report}");
        }
    }
}

#[test]
fn model_document_signed_verifies_and_reads_back() {
    let unsigned = model_document();
    let signed = demo_signer().sign(&unsigned).expect("sign");
    if let Err(report) = xmlsec1_verify(&signed) {
        panic!("xmlsec1 rejects the signed model document:\n{report}");
    }
    xsd_check("model.xml", &signed).expect("the signed model document is XSD-valid");
    let read = elmo::read(&signed).expect("elmo::read reads the signed document");
    assert!(read.signature.is_some(), "elmo::read keeps ds:Signature");
    let unsigned_read = elmo::read(&unsigned).expect("elmo::read reads the unsigned document");
    assert_eq!(
        read.reports, unsigned_read.reports,
        "signing changes nothing in the reports"
    );
}

#[test]
fn signing_keeps_every_byte_and_appends_the_signature_last() {
    let signer = demo_signer();
    for (name, unsigned) in golden() {
        let signed = signer.sign(&unsigned).expect("sign");
        let text = std::str::from_utf8(&unsigned).expect("UTF-8");
        let at = text.rfind("</elmo>").expect("end tag");
        assert_eq!(
            &signed[..at],
            &unsigned[..at],
            "{name}: bytes before the signature"
        );
        assert!(
            signed.ends_with(&unsigned[at..]),
            "{name}: bytes after the signature"
        );
        let signed_text = std::str::from_utf8(&signed).expect("UTF-8");
        assert!(
            signed_text.ends_with("</ds:KeyInfo></ds:Signature></elmo>\n"),
            "{name}: the signature closes right before </elmo>"
        );

        // The last child node of elmo, text included, is ds:Signature.
        let doc = uppsala::parse(signed_text).expect("the signed document parses");
        let root = doc.document_element().expect("root");
        let last = doc
            .children(root)
            .into_iter()
            .last()
            .expect("elmo has children");
        let element = doc
            .element(last)
            .unwrap_or_else(|| panic!("{name}: the last child of elmo is not an element"));
        assert_eq!(&*element.name.local_name, "Signature", "{name}");
        assert_eq!(
            element.name.namespace_uri.as_deref(),
            Some(DSIG_NS),
            "{name}"
        );
        let signatures = doc
            .descendants(doc.root())
            .into_iter()
            .filter(|&id| local_name(&doc, id) == "Signature")
            .count();
        assert_eq!(signatures, 1, "{name}: exactly one signature");
    }
}

#[test]
fn signed_documents_are_xsd_valid_and_read_by_elmo() {
    let signer = demo_signer();
    for (name, unsigned) in golden() {
        let signed = signer.sign(&unsigned).expect("sign");
        if let Err(report) = xsd_check(&name, &signed) {
            panic!("{name}: the signed document is not XSD-valid:\n{report}");
        }
        let doc = elmo::read(&signed).unwrap_or_else(|e| panic!("{name}: elmo::read: {e}"));
        assert!(
            doc.signature.is_some(),
            "{name}: elmo::read finds ds:Signature"
        );
    }
}

#[test]
fn changed_content_fails_verification() {
    let (name, unsigned) = largest_golden();
    let signed = demo_signer().sign(&unsigned).expect("sign");
    xmlsec1_verify(&signed).unwrap_or_else(|r| panic!("{name}: the untouched copy verifies:\n{r}"));

    assert_xmlsec1_rejects(&tamper_after(&signed, "<resultLabel>"), "changing a grade");
    assert_xmlsec1_rejects(
        &tamper_after(&signed, "<title xml:lang=\"fi\">"),
        "changing a character of a title",
    );
}

#[test]
fn changed_signature_value_fails_verification() {
    let (name, unsigned) = largest_golden();
    let signed = demo_signer().sign(&unsigned).expect("sign");
    xmlsec1_verify(&signed).unwrap_or_else(|r| panic!("{name}: the untouched copy verifies:\n{r}"));

    assert_xmlsec1_rejects(
        &tamper_after(&signed, "<ds:SignatureValue>"),
        "changing a byte of SignatureValue",
    );
}

#[test]
fn signed_info_names_exactly_the_profile() {
    let signed = demo_signer().sign(&model_document()).expect("sign");
    let text = std::str::from_utf8(&signed).expect("UTF-8");
    let doc = uppsala::parse(text).expect("parse");
    let root = doc.document_element().expect("root");
    let signature = *element_children(&doc, root).last().expect("children");
    let parts = element_children(&doc, signature);
    let names: Vec<String> = parts.iter().map(|&p| local_name(&doc, p)).collect();
    assert_eq!(names, ["SignedInfo", "SignatureValue", "KeyInfo"]);

    let signed_info = element_children(&doc, parts[0]);
    let names: Vec<String> = signed_info.iter().map(|&p| local_name(&doc, p)).collect();
    assert_eq!(
        names,
        ["CanonicalizationMethod", "SignatureMethod", "Reference"]
    );
    assert_eq!(
        attribute(&doc, signed_info[0], "Algorithm").as_deref(),
        Some("http://www.w3.org/2001/10/xml-exc-c14n#")
    );
    assert_eq!(
        attribute(&doc, signed_info[1], "Algorithm").as_deref(),
        Some("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256")
    );

    let reference = signed_info[2];
    assert_eq!(attribute(&doc, reference, "URI").as_deref(), Some(""));
    let parts_of_reference = element_children(&doc, reference);
    let names: Vec<String> = parts_of_reference
        .iter()
        .map(|&p| local_name(&doc, p))
        .collect();
    assert_eq!(names, ["Transforms", "DigestMethod", "DigestValue"]);
    let transforms: Vec<String> = element_children(&doc, parts_of_reference[0])
        .into_iter()
        .map(|t| attribute(&doc, t, "Algorithm").unwrap_or_default())
        .collect();
    assert_eq!(
        transforms,
        [
            "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
            "http://www.w3.org/2001/10/xml-exc-c14n#"
        ]
    );
    assert_eq!(
        attribute(&doc, parts_of_reference[1], "Algorithm").as_deref(),
        Some("http://www.w3.org/2001/04/xmlenc#sha256")
    );
    // A SHA-256 digest is 32 bytes: 44 characters of base64.
    assert_eq!(doc.text_content_deep(parts_of_reference[2]).len(), 44);

    // KeyInfo/X509Data holds the demo certificate, byte for byte.
    let x509_data = element_children(&doc, parts[2]);
    assert_eq!(local_name(&doc, x509_data[0]), "X509Data");
    let certs = element_children(&doc, x509_data[0]);
    assert_eq!(certs.len(), 1);
    let pem = std::fs::read(demo("demo-cert.pem")).expect("demo cert");
    let (_, der) = x509_cert::der::pem::decode_vec(&pem).expect("PEM");
    let engine = base64::engine::general_purpose::STANDARD;
    assert_eq!(doc.text_content_deep(certs[0]), engine.encode(der));
}

#[test]
fn already_signed_input_is_refused() {
    let signer = demo_signer();
    let signed = signer.sign(&model_document()).expect("sign");
    let err = signer.sign(&signed).expect_err("signing twice must fail");
    assert!(matches!(err, SignError::AlreadySigned), "{err}");
}

#[test]
fn a_signature_further_down_is_refused() {
    let nested = model_document();
    let text = String::from_utf8(nested).expect("UTF-8");
    let text = text.replacen(
        "</learner>",
        r#"</learner><x:extension xmlns:x="urn:x"><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"/></x:extension>"#,
        1,
    );
    let err = demo_signer().sign(text.as_bytes()).expect_err("must fail");
    assert!(matches!(err, SignError::NestedSignature), "{err}");
}

/// `elmo/tests/documents/prefixed.xml`: ELMO on a prefix, comments, a processing instruction,
/// character references, and a (fake) `ds:Signature` under the root.
fn prefixed_document() -> String {
    let path = workspace().join("elmo/tests/documents/prefixed.xml");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn a_prefixed_root_and_an_end_tag_in_a_trailing_comment_still_sign() {
    let signed_before = prefixed_document();
    let start = signed_before
        .find("<ds:Signature>")
        .expect("the fake signature");
    let end = signed_before.find("</ds:Signature>").expect("its end") + "</ds:Signature>".len();
    // Without its signature, and with a comment after the root that holds an end tag, so the
    // quick guess of where `</e:elmo>` is goes wrong and the signer must find it properly.
    let unsigned = format!(
        "{}{}<!-- not the end: </e:elmo> -->\n",
        &signed_before[..start],
        &signed_before[end..]
    );
    let signed = demo_signer().sign(unsigned.as_bytes()).expect("sign");
    let text = std::str::from_utf8(&signed).expect("UTF-8");
    assert!(
        text.contains("</ds:Signature></e:elmo>\n<!-- trailing comment -->"),
        "the signature is the last child of e:elmo:\n{text}"
    );
    xmlsec1_verify(&signed).unwrap_or_else(|r| panic!("xmlsec1 rejects it:\n{r}"));
    let read = elmo::read(&signed).expect("elmo::read");
    assert!(read.signature.is_some());

    // The same document with its fake signature is refused.
    let err = demo_signer()
        .sign(signed_before.as_bytes())
        .expect_err("already signed");
    assert!(matches!(err, SignError::AlreadySigned), "{err}");
}

#[test]
fn input_that_is_not_elmo_is_refused() {
    let signer = demo_signer();
    let err = signer
        .sign(b"<report xmlns=\"urn:other\"/>")
        .expect_err("not ELMO");
    assert!(matches!(err, SignError::NotElmo(_)), "{err}");
    assert!(err.to_string().contains("`report`"), "{err}");

    let err = signer
        .sign(b"<elmo>no namespace</elmo>")
        .expect_err("no namespace");
    assert!(matches!(err, SignError::NotElmo(_)), "{err}");

    let err = signer
        .sign(format!("<elmo {ELMO_NS_DECL}><learner>").as_bytes())
        .expect_err("not well-formed");
    assert!(matches!(err, SignError::NotXml(_)), "{err}");

    let err = signer.sign(b"<elmo \xff/>").expect_err("not UTF-8");
    assert!(matches!(err, SignError::NotUtf8 { byte: 6 }), "{err}");
}

#[test]
fn mismatched_key_and_certificate_are_refused() {
    // The demo CA certificate is a real certificate, but not the demo key's.
    let err =
        Signer::from_pem_files(&demo("demo-key.pem"), &demo("demo-ca.pem")).expect_err("mismatch");
    assert!(
        matches!(err, SignError::KeyCertificateMismatch { .. }),
        "{err}"
    );
    let message = err.to_string();
    assert!(
        message.contains("demo-key.pem") && message.contains("demo-ca.pem"),
        "{message}"
    );
    assert!(
        message.contains("Rikastin demo CA"),
        "names the certificate: {message}"
    );
}

#[test]
fn files_that_are_not_pem_are_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let junk = dir.path().join("junk.pem");
    std::fs::write(&junk, "this is not a key\n").expect("write");

    let err = Signer::from_pem_files(&junk, &demo("demo-cert.pem")).expect_err("junk key");
    assert!(
        matches!(
            err,
            SignError::NotPem {
                what: "signing key",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("junk.pem"), "{err}");

    let err = Signer::from_pem_files(&demo("demo-key.pem"), &junk).expect_err("junk cert");
    assert!(
        matches!(
            err,
            SignError::NotPem {
                what: "certificate",
                ..
            }
        ),
        "{err}"
    );

    let missing = dir.path().join("missing.pem");
    let err = Signer::from_pem_files(&missing, &demo("demo-cert.pem")).expect_err("missing");
    assert!(matches!(err, SignError::Read { .. }), "{err}");
    assert!(err.to_string().contains("missing.pem"), "{err}");
}

#[test]
fn a_certificate_given_as_the_key_and_a_key_as_the_certificate_are_refused() {
    let err = Signer::from_pem_files(&demo("demo-cert.pem"), &demo("demo-cert.pem"))
        .expect_err("cert as key");
    assert!(matches!(err, SignError::NotAKey { .. }), "{err}");
    assert!(err.to_string().contains("CERTIFICATE"), "{err}");

    let err = Signer::from_pem_files(&demo("demo-key.pem"), &demo("demo-key.pem"))
        .expect_err("key as cert");
    assert!(matches!(err, SignError::NotACertificate { .. }), "{err}");
    assert!(err.to_string().contains("PRIVATE KEY"), "{err}");
}

#[test]
fn a_pkcs1_key_signs_like_its_pkcs8_form() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pkcs1 = dir.path().join("pkcs1.pem");
    let out = Command::new("openssl")
        .args(["rsa", "-traditional", "-in"])
        .arg(demo("demo-key.pem"))
        .arg("-out")
        .arg(&pkcs1)
        .output()
        .unwrap_or_else(|e| panic!("cannot run openssl ({e}); this test needs it"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pem = std::fs::read_to_string(&pkcs1).expect("PKCS#1 key");
    assert!(
        pem.starts_with("-----BEGIN RSA PRIVATE KEY-----"),
        "openssl wrote PKCS#1"
    );

    let signer = Signer::from_pem_files(&pkcs1, &demo("demo-cert.pem")).expect("PKCS#1 loads");
    let unsigned = model_document();
    let signed = signer.sign(&unsigned).expect("sign");
    // RSA PKCS#1 v1.5 is deterministic: the same key gives the same bytes.
    assert_eq!(signed, demo_signer().sign(&unsigned).expect("sign"));
}

#[test]
fn certificate_validity_is_checked_against_the_clock() {
    let (key, cert) = (demo("demo-key.pem"), demo("demo-cert.pem"));
    let year = Duration::from_secs(365 * 24 * 3600);

    let later = SystemTime::now() + 11 * year;
    let err = credentials::load_at(&key, &cert, later)
        .err()
        .expect("expired");
    assert!(
        matches!(err, SignError::CertificateExpired { index: 0, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("expired at 20"), "{err}");

    let earlier = SystemTime::now() - year;
    let err = credentials::load_at(&key, &cert, earlier)
        .err()
        .expect("not yet valid");
    assert!(
        matches!(err, SignError::CertificateNotYetValid { index: 0, .. }),
        "{err}"
    );
}

#[test]
fn the_certificate_summary_names_the_demo_key() {
    let signer = demo_signer();
    let cert = signer.certificate();
    assert!(
        cert.subject()
            .contains("CN=Rikastin demo signing key — not for production"),
        "{}",
        cert.subject()
    );
    assert!(
        cert.issuer().contains("CN=Rikastin demo CA"),
        "{}",
        cert.issuer()
    );
    assert_eq!(cert.chain_len(), 1);
    let life = cert
        .not_after()
        .duration_since(cert.not_before())
        .expect("ordered");
    assert_eq!(life.as_secs() / (24 * 3600), 3650, "valid for 10 years");
    assert!(
        cert.not_after_rfc3339().ends_with('Z'),
        "{}",
        cert.not_after_rfc3339()
    );
    assert!(cert.to_string().contains(cert.not_after_rfc3339()));
    assert!(
        !format!("{signer:?}").contains("PRIVATE"),
        "Debug shows no key"
    );
}

#[test]
fn a_chain_goes_into_key_info_leaf_first() {
    let dir = tempfile::tempdir().expect("temp dir");
    let chain = dir.path().join("chain.pem");
    let mut pem = std::fs::read(demo("demo-cert.pem")).expect("leaf");
    pem.extend(std::fs::read(demo("demo-ca.pem")).expect("CA"));
    std::fs::write(&chain, pem).expect("write");

    let signer = Signer::from_pem_files(&demo("demo-key.pem"), &chain).expect("chain loads");
    assert_eq!(signer.certificate().chain_len(), 2);
    let signed = signer.sign(&model_document()).expect("sign");
    let text = std::str::from_utf8(&signed).expect("UTF-8");
    assert_eq!(text.matches("<ds:X509Certificate>").count(), 2);
    xmlsec1_verify(&signed).unwrap_or_else(|r| panic!("xmlsec1 rejects a chain:\n{r}"));

    // The wrong order (CA first) does not match the key.
    let reversed = dir.path().join("reversed.pem");
    let mut pem = std::fs::read(demo("demo-ca.pem")).expect("CA");
    pem.extend(std::fs::read(demo("demo-cert.pem")).expect("leaf"));
    std::fs::write(&reversed, pem).expect("write");
    let err = Signer::from_pem_files(&demo("demo-key.pem"), &reversed).expect_err("CA first");
    assert!(
        matches!(err, SignError::KeyCertificateMismatch { .. }),
        "{err}"
    );
}

#[test]
fn xmlsec1_rejects_a_document_signed_under_an_untrusted_certificate() {
    // Guards the oracle itself: with the leaf's own CA missing from the trust anchors, xmlsec1
    // must not accept, so the verifications above really check the chain.
    let signed = demo_signer().sign(&model_document()).expect("sign");
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("signed.xml");
    std::fs::write(&file, &signed).expect("write");
    let out = Command::new("xmlsec1")
        .args(["--verify", "--enabled-reference-uris", "empty"])
        .arg(&file)
        .output()
        .unwrap_or_else(|e| panic!("cannot run xmlsec1 ({e}); apt-get install xmlsec1"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "xmlsec1 accepted a signature without a trust anchor:\n{stderr}"
    );
    assert!(
        stderr.contains("unable to get local issuer certificate"),
        "xmlsec1 failed for another reason than the missing trust anchor:\n{stderr}"
    );
}
