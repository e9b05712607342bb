//! How long signing one ELMO document takes, and where the time goes: min, median and p99 over
//! 200 runs of `Signer::sign`, then of its parts. The serve budget is p99 ≤ 5 ms per response.
//!
//! Wall-clock time includes waiting for a core when the machine is busy; "CPU" is the time the
//! thread actually ran (`CLOCK_THREAD_CPUTIME_ID`), close to what a signature costs on an idle
//! core. The load average is printed with the figures.
//!
//! Run with (release, from the workspace root; the default document is the largest golden file,
//! 79 results):
//!
//!     cargo run --release -p rikastin-sinks --example sign_timing [-- ELMO_FILE]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use bergshamra_dsig::DsigContext;
use bergshamra_keys::KeysManager;
use rikastin_sinks::Signer;

const RUNS: usize = 200;
const WARM_UP: usize = 20;

const TEMPLATE_HEAD: &str = concat!(
    r#"<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>"#,
    r#"<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>"#,
    r#"<ds:SignatureMethod Algorithm=""#
);
const TEMPLATE_TAIL: &str = concat!(
    r#""/><ds:Reference URI=""><ds:Transforms>"#,
    r#"<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>"#,
    r#"<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>"#,
    r#"<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>"#,
    "<ds:DigestValue></ds:DigestValue></ds:Reference></ds:SignedInfo>",
    "<ds:SignatureValue></ds:SignatureValue>"
);
const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
const HMAC_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let file = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            root.join(
                "tests/golden/fc1664abafeb38acf862e20c71b4b1d85f5de78c2432c7a3d5ab656462006aaa.xml",
            )
        });
    let unsigned = std::fs::read(&file)?;
    let text = std::str::from_utf8(&unsigned)?;
    let key_file = root.join("data/signing/demo-key.pem");
    let cert_file = root.join("data/signing/demo-cert.pem");

    let started = Instant::now();
    let signer = Signer::from_pem_files(&key_file, &cert_file)?;
    let loaded = started.elapsed();
    let signed = signer.sign(&unsigned)?;
    println!(
        "document: {} ({} bytes, {} results; {} bytes signed)",
        file.file_name().unwrap_or_default().to_string_lossy(),
        unsigned.len(),
        text.matches("<learningOpportunityInstance").count(),
        signed.len()
    );
    println!(
        "signer loaded in {loaded:?}; load average: {}",
        load_average()
    );
    println!(
        "\n{:<56} {:>9} {:>9} {:>9}   {:>9} {:>9}",
        "", "min", "median", "p99", "CPU med", "CPU p99"
    );

    report("Signer::sign, the whole call", || {
        signer.sign(&unsigned).map(drop).map_err(|e| e.to_string())
    });

    // Its parts: one parse of the document with the template in it, bergshamra's work on the
    // parsed tree (ID map, exclusive C14N of the document into SHA-256, C14N of SignedInfo), and
    // one RSA signature.
    let at = text.rfind("</elmo>").ok_or("not an ELMO document")?;
    let rsa_template = template(text, at, RSA_SHA256, "");
    report("  parse: uppsala, document + template", || {
        uppsala::parse(&rsa_template)
            .map(drop)
            .map_err(|e| e.to_string())
    });

    let hmac_key = bergshamra_keys::loader::load_hmac_key(b"timing-only-hmac-key-32-bytes!!!")?;
    let mut keys = KeysManager::new();
    keys.add_key(hmac_key);
    let hmac_ctx = DsigContext::new(keys);
    let hmac_template = template(text, at, HMAC_SHA256, "");
    let mut doc = uppsala::parse(&hmac_template)?;
    let sig = doc
        .children(doc.document_element().ok_or("no root")?)
        .into_iter()
        .rev()
        .find(|&id| doc.element(id).is_some())
        .ok_or("no signature")?;
    report(
        "  C14N + SHA-256 on the tree (HMAC in place of RSA)",
        || {
            bergshamra_dsig::sign::sign_document_node(&hmac_ctx, &mut doc, sig)
                .map_err(|e| e.to_string())
        },
    );

    let key = demo_key(&key_file)?;
    let rng = SystemRandom::new();
    let signed_info = vec![b'x'; 1000];
    report("  RSA-2048 PKCS#1 v1.5 SHA-256 over 1 KB", || {
        let mut out = vec![0; key.public_modulus_len()];
        key.sign(&RSA_PKCS1_SHA256, &rng, &signed_info, &mut out)
            .map_err(|e| e.to_string())
    });

    // For comparison: bergshamra's text entry point with its own software key, the obvious way
    // to use the library. It parses the document three times, imports the PKCS#8 key again on
    // every signature and parses three more times to fill KeyInfo. Signer avoids all of that.
    let mut rsa_key = bergshamra_keys::loader::load_rsa_private_pem(&std::fs::read(&key_file)?)?;
    rsa_key.x509_chain = vec![demo_cert_der(&cert_file)?];
    let mut keys = KeysManager::new();
    keys.add_key(rsa_key);
    let software_ctx = DsigContext::new(keys);
    let text_template = template(
        text,
        at,
        RSA_SHA256,
        "<ds:KeyInfo><ds:X509Data/></ds:KeyInfo>",
    );
    report("(compare) bergshamra::sign::sign, software key", || {
        bergshamra_dsig::sign::sign(&software_ctx, &text_template)
            .map(drop)
            .map_err(|e| e.to_string())
    });
    Ok(())
}

/// Runs `f` WARM_UP + RUNS times and prints min, median and p99 of the timed runs, wall-clock and
/// on-CPU.
fn report(label: &str, mut f: impl FnMut() -> Result<(), String>) {
    for _ in 0..WARM_UP {
        f().expect(label);
    }
    let mut wall = Vec::with_capacity(RUNS);
    let mut cpu = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let cpu_start = on_cpu();
        let start = Instant::now();
        f().expect(label);
        wall.push(start.elapsed());
        cpu.push(on_cpu().saturating_sub(cpu_start));
    }
    wall.sort();
    cpu.sort();
    let at = |times: &[Duration], q: f64| {
        times[((times.len() as f64 * q).ceil() as usize).clamp(1, times.len()) - 1]
    };
    println!(
        "{label:<56} {:>9} {:>9} {:>9}   {:>9} {:>9}",
        ms(wall[0]),
        ms(at(&wall, 0.5)),
        ms(at(&wall, 0.99)),
        ms(at(&cpu, 0.5)),
        ms(at(&cpu, 0.99))
    );
}

/// CPU time of this thread (`CLOCK_THREAD_CPUTIME_ID`): excludes the time it waited for a core.
fn on_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant libc defines.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

/// The unsigned document with a signature template before `</elmo>` (at byte `at`).
fn template(text: &str, at: usize, signature_method: &str, key_info: &str) -> String {
    format!(
        "{}{TEMPLATE_HEAD}{signature_method}{TEMPLATE_TAIL}{key_info}</ds:Signature>{}",
        &text[..at],
        &text[at..]
    )
}

fn demo_key(path: &Path) -> Result<RsaKeyPair, Box<dyn std::error::Error>> {
    let pem = std::fs::read(path)?;
    let (_, der) = x509_cert::der::pem::decode_vec(&pem).map_err(|e| e.to_string())?;
    Ok(RsaKeyPair::from_pkcs8(&der)?)
}

fn demo_cert_der(path: &Path) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    let pem = std::fs::read(path)?;
    let (_, der) = x509_cert::der::pem::decode_vec(&pem).map_err(|e| e.to_string())?;
    Ok(der)
}
