//! `rikastin serve` on the embedded default, over real HTTP: signatures checked by `xmlsec1`,
//! documents by the official XSD, the EMREX envelope decoded, auth, ETags, lookup, refresh,
//! and docs/openapi.yaml against what the server does.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use base64::Engine;
use rikastin_tests::{TestDir, repo, shared, validate_elmo};

use super::live::{HELSINKI, hetu_of};

/// The demo token of data/serve-token.
const TOKEN: &str = "rikastin-demo-token";

/// A cache built from the embedded default and `rikastin serve` over it on a free port.
struct Serving {
    dir: TestDir,
    child: Child,
    base: String,
    runtime: tokio::runtime::Runtime,
    client: reqwest::Client,
}

impl Serving {
    fn start() -> Serving {
        Serving::start_with("  rate_limit: { per_second: 1000, burst: 1000 }\n")
    }

    /// Runs the embedded default into a fresh cache, then serves it with `extra` in the
    /// `serve` section.
    fn start_with(extra: &str) -> Serving {
        let dir = TestDir::embedded();
        let data = repo().join("data");
        let token_hash = sha256_hex(TOKEN);
        let serve = format!(
            "serve:\n  signing:\n    key_file: {}\n    cert_file: {}\n  tokens:\n    - {{ name: test-ncp, sha256: {token_hash} }}\n{extra}",
            data.join("signing/demo-key.pem").display(),
            data.join("signing/demo-cert.pem").display(),
        );
        let mut yaml = std::fs::read_to_string(dir.config()).unwrap();
        yaml.push_str(&serve);
        std::fs::write(dir.config(), yaml).unwrap();
        dir.rikastin(&["run", "--now", "2025-06-01T12:00:00Z"])
            .expect(0);
        let mut child = Command::new(rikastin_tests::binary())
            .args(["serve", "--listen", "127.0.0.1:0", "--config"])
            .arg(dir.config())
            .env_remove("RIKASTIN_LEARNER_KEY_SECRET")
            .env("RIKASTIN_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start rikastin serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let base = line
            .trim()
            .strip_prefix("rikastin serve: listening on ")
            .unwrap_or_else(|| {
                let mut err = String::new();
                child.stderr.take().unwrap().read_to_string(&mut err).ok();
                panic!("rikastin serve did not start: {line:?}\n{err}")
            })
            .to_owned();
        Serving {
            dir,
            child,
            base,
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
            client: reqwest::Client::new(),
        }
    }

    fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        self.runtime.block_on(async {
            let r = request.send().await.expect("request");
            let status = r.status().as_u16();
            let headers = r.headers().clone();
            let body = r.bytes().await.unwrap().to_vec();
            Answer {
                status,
                headers,
                body,
            }
        })
    }

    fn get(&self, path: &str) -> Answer {
        self.send(
            self.client
                .get(format!("{}{path}", self.base))
                .bearer_auth(TOKEN),
        )
    }

    fn post_json(&self, path: &str, body: &str) -> Answer {
        self.send(
            self.client
                .post(format!("{}{path}", self.base))
                .bearer_auth(TOKEN)
                .header("content-type", "application/json")
                .body(body.to_owned()),
        )
    }

    /// Makes the embedded default's learners refresh targets (`rikastin targets add`).
    fn add_demo_targets(&self) {
        self.dir
            .rikastin(&[
                "targets",
                "add",
                repo().join("data/targets.csv").to_str().unwrap(),
                "--config",
                self.dir.config().to_str().unwrap(),
            ])
            .expect(0);
    }

    /// Stops the server and returns what it logged.
    fn stop(mut self) -> String {
        self.child.kill().ok();
        let mut log = String::new();
        if let Some(mut err) = self.child.stderr.take() {
            err.read_to_string(&mut log).ok();
        }
        self.child.wait().ok();
        log
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    fn expect(self, status: u16) -> Answer {
        assert_eq!(self.status, status, "body: {}", self.text());
        self
    }
}

fn sha256_hex(s: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(s.as_bytes()))
}

fn elmo_path(key: &str) -> String {
    format!("/v1/learners/{key}/elmo")
}

/// `xmlsec1 --verify` with the demo CA as the only trust anchor, accepting only the same-document
/// reference `URI=""` that our profile uses (docs/signing.md).
fn xmlsec_verifies(file: &Path) -> Result<(), String> {
    let out = Command::new("xmlsec1")
        .args([
            "--verify",
            "--enabled-reference-uris",
            "empty",
            "--trusted-pem",
        ])
        .arg(repo().join("data/signing/demo-ca.pem"))
        .arg(file)
        .output()
        .expect("xmlsec1 is needed for the signature tests: apt-get install xmlsec1");
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// Checks a signed document with both independent tools and returns it parsed.
fn check_signed(dir: &TestDir, name: &str, xml: &[u8]) -> elmo::Elmo {
    let file = dir.path(name);
    std::fs::write(&file, xml).unwrap();
    xmlsec_verifies(&file).unwrap_or_else(|e| panic!("xmlsec1 refused {name}: {e}"));
    assert!(shared().is_some(), "../shared is needed for the XSD check");
    validate_elmo(std::slice::from_ref(&file))
        .unwrap_or_else(|e| panic!("{name} is not XSD-valid: {e}"));
    let text = String::from_utf8_lossy(xml);
    let body = text
        .trim_end()
        .strip_suffix("</elmo>")
        .expect("ends with </elmo>");
    assert!(
        body.trim_end().ends_with("</ds:Signature>") || body.trim_end().ends_with("</Signature>"),
        "ds:Signature is not the last child of elmo"
    );
    elmo::read(xml).expect("elmo::read reads the signed document")
}

fn loi_ids(doc: &elmo::Elmo) -> BTreeSet<String> {
    fn walk(forest: &[elmo::Los], out: &mut BTreeSet<String>) {
        for los in forest {
            // A result has its date; an ancestor kept only to hold a selected part keeps its
            // status (every LOI must have one) but not its date, grade or credits.
            if los.specifies.instance.date.is_some() {
                out.extend(
                    los.specifies
                        .instance
                        .identifiers
                        .iter()
                        .map(|i| i.value.clone()),
                );
            }
            walk(&los.has_part, out);
        }
    }
    let mut out = BTreeSet::new();
    for r in &doc.reports {
        walk(&r.los, &mut out);
    }
    out
}

#[test]
fn a_full_document_is_signed_valid_and_carries_the_transcript() {
    let s = Serving::start();
    let answer = s.get(&elmo_path(HELSINKI)).expect(200);
    assert_eq!(answer.header("content-type"), Some("application/xml"));
    assert!(
        answer
            .header("x-rikastin-sources")
            .unwrap()
            .contains("virta=")
    );
    // Built from complete answers: the header and the signed document both say so.
    assert_eq!(answer.header("x-rikastin-completeness"), Some("full"));
    assert!(
        answer
            .text()
            .contains(r#"<rk:completeness xmlns:rk="urn:rikastin:completeness:1" status="full"/>"#)
    );
    let doc = check_signed(&s.dir, "full.xml", &answer.body);
    let transcript = doc
        .attachments
        .iter()
        .find(|a| a.kind == Some(elmo::AttachmentType::EmrexTranscript))
        .expect("an EMREX transcript attachment");
    assert_eq!(transcript.contents.len(), 2, "Finnish and English");
    assert!(
        transcript.contents[0]
            .value
            .starts_with("data:application/pdf;base64,")
    );

    // One byte changed in the signed content: both a grade and the signature value fail.
    let text = answer.text();
    let tampered = text.replacen("<resultLabel>", "<resultLabel>9", 1);
    assert_ne!(tampered, text);
    let file = s.dir.path("tampered.xml");
    std::fs::write(&file, tampered).unwrap();
    assert!(
        xmlsec_verifies(&file).is_err(),
        "a changed grade still verified"
    );
}

#[test]
fn without_the_transcript_the_stored_document_is_signed_as_it_is() {
    let s = Serving::start();
    let answer = s
        .get(&format!("{}?transcript=false", elmo_path(HELSINKI)))
        .expect(200);
    let doc = check_signed(&s.dir, "plain.xml", &answer.body);
    assert!(doc.attachments.is_empty());
    let stored = s.dir.rikastin(&["show", HELSINKI]).expect(0);
    let unsigned = elmo::read(stored.stdout.as_bytes()).unwrap();
    assert_eq!(loi_ids(&doc), loi_ids(&unsigned));
}

#[test]
fn a_selection_is_signed_and_holds_only_the_selected_results() {
    let s = Serving::start();
    let full = elmo::read(
        &s.get(&format!("{}?transcript=false", elmo_path(HELSINKI)))
            .body,
    )
    .unwrap();
    let all = loi_ids(&full);
    let picked: Vec<&String> = all.iter().take(2).collect();
    let query = format!("?select={},{}", picked[0], picked[1]);
    let answer = s
        .get(&format!("{}{query}", elmo_path(HELSINKI)))
        .expect(200);
    let doc = check_signed(&s.dir, "selected.xml", &answer.body);
    let got = loi_ids(&doc);
    assert_eq!(
        got,
        picked
            .iter()
            .map(|s| s.to_string())
            .collect::<BTreeSet<_>>(),
        "only the two picked results carry a result"
    );
    assert!(all.len() > 2);
    assert_eq!(doc.attachments.len(), 1, "the transcript of the selection");
}

#[test]
fn selecting_ids_that_do_not_exist_is_400_naming_them() {
    let s = Serving::start();
    let answer = s
        .get(&format!("{}?select=NOPE-1,NOPE-2", elmo_path(HELSINKI)))
        .expect(400);
    assert_eq!(
        answer.header("content-type"),
        Some("application/problem+json")
    );
    let text = answer.text();
    assert!(text.contains("NOPE-1") && text.contains("NOPE-2"), "{text}");
}

#[test]
fn the_emrex_envelope_decodes_to_a_valid_signed_document() {
    let s = Serving::start();
    for answer in [
        s.get(&format!("{}?format=emrex", elmo_path(HELSINKI))),
        s.send(
            s.client
                .get(format!("{}{}", s.base, elmo_path(HELSINKI)))
                .bearer_auth(TOKEN)
                .header("accept", "application/vnd.emrex.elmo+base64"),
        ),
    ] {
        let answer = answer.expect(200);
        let zipped = base64::engine::general_purpose::STANDARD
            .decode(answer.text().trim())
            .expect("base64");
        let mut xml = Vec::new();
        flate2::read::GzDecoder::new(&zipped[..])
            .read_to_end(&mut xml)
            .expect("gzip");
        check_signed(&s.dir, "emrex.xml", &xml);
    }
}

#[test]
fn etag_and_if_none_match_answer_304_until_the_request_changes() {
    let s = Serving::start();
    let first = s.get(&elmo_path(HELSINKI)).expect(200);
    let etag = first.header("etag").unwrap().to_owned();
    let again = s.send(
        s.client
            .get(format!("{}{}", s.base, elmo_path(HELSINKI)))
            .bearer_auth(TOKEN)
            .header("if-none-match", &etag),
    );
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    let other = s.get(&format!("{}?transcript=false", elmo_path(HELSINKI)));
    assert_ne!(
        other.header("etag").unwrap(),
        etag,
        "another shape, another tag"
    );
    assert_eq!(
        s.get(&elmo_path(HELSINKI)).body,
        first.body,
        "signing is deterministic, so the tag is strong"
    );
}

#[test]
fn no_token_or_a_wrong_one_is_401_and_an_unknown_learner_404() {
    let s = Serving::start();
    let url = format!("{}{}", s.base, elmo_path(HELSINKI));
    let none = s.send(s.client.get(&url));
    assert_eq!(none.status, 401);
    assert!(
        none.header("www-authenticate")
            .unwrap()
            .starts_with("Bearer")
    );
    assert_eq!(s.send(s.client.get(&url).bearer_auth("guess")).status, 401);
    s.get(&elmo_path(&"0".repeat(64))).expect(404);
    s.get("/v1/learners/not-a-key/elmo").expect(400);
}

#[test]
fn lookup_takes_the_identity_code_in_the_body_and_never_logs_it() {
    let s = Serving::start();
    let hetu = hetu_of(&format!("{HELSINKI}.xml"));
    let found = s
        .post_json(
            "/v1/learners/lookup",
            &format!("{{\"henkilotunnus\":\"{hetu}\"}}"),
        )
        .expect(200);
    let json: serde_json::Value = serde_json::from_slice(&found.body).unwrap();
    assert_eq!(json["key"], HELSINKI);
    s.get(json["elmo"].as_str().unwrap()).expect(200);
    let missing = s
        .post_json(
            "/v1/learners/lookup",
            "{\"oppijanumero\":\"1.2.246.562.24.99999999999\"}",
        )
        .expect(404);
    assert!(
        !missing.text().contains("99999999999"),
        "the identity is not echoed"
    );
    s.post_json("/v1/learners/lookup", &format!("{{\"hetu\":\"{hetu}\"}}"))
        .expect(400);
    // The metrics count the lookups by route only.
    let metrics = s.get("/metrics").expect(200).text();
    assert!(
        metrics.contains("route=\"/v1/learners/lookup\",status=\"2xx\"} 1"),
        "{metrics}"
    );
    assert!(
        !metrics.contains(&hetu) && !metrics.contains(HELSINKI),
        "an identity code or a learner key reached a metric:\n{metrics}"
    );
    let log = s.stop();
    assert!(
        log.contains("/v1/learners/lookup"),
        "the access log has the request"
    );
    assert!(
        !log.contains(&hetu),
        "an identity code reached the server's log"
    );
}

#[test]
fn refresh_queues_a_target_and_refuses_a_learner_that_is_not_one() {
    let s = Serving::start();
    s.add_demo_targets();
    let answer = s
        .post_json(&format!("/v1/learners/{HELSINKI}/refresh"), "")
        .expect(202);
    assert_eq!(answer.text(), "{\"queued\":true}");
    s.post_json(&format!("/v1/learners/{}/refresh", "0".repeat(64)), "")
        .expect(404);
}

#[test]
fn each_token_has_its_rate_limit() {
    let s = Serving::start_with("  rate_limit: { per_second: 1, burst: 2 }\n");
    let statuses: Vec<u16> = (0..4)
        .map(|_| s.get("/v1/learners/lookup-nothing/elmo").status)
        .collect();
    assert_eq!(&statuses[..2], [400, 400], "within the burst");
    let limited = s.get("/v1/learners/lookup-nothing/elmo");
    assert_eq!(limited.status, 429);
    assert!(limited.header("retry-after").is_some());
}

/// Every path, method and status in docs/openapi.yaml is provoked here and answered as
/// documented, with the documented media type; and nothing undocumented is served.
#[test]
fn openapi_document_matches_the_running_server() {
    let spec: serde_json::Value =
        yaml_serde::from_str(&std::fs::read_to_string(repo().join("docs/openapi.yaml")).unwrap())
            .expect("docs/openapi.yaml is YAML");
    let s = Serving::start_with("  rate_limit: { per_second: 1, burst: 30 }\n");
    s.add_demo_targets();
    let key = HELSINKI;
    let none = "0".repeat(64);
    let etag = s.get(&elmo_path(key)).header("etag").unwrap().to_owned();
    let hetu = hetu_of(&format!("{HELSINKI}.xml"));
    let url = |p: &str| format!("{}{p}", s.base);
    // (path template, method, status) → the request that provokes it.
    let cases: Vec<(&str, &str, u16, reqwest::RequestBuilder)> = vec![
        (
            "/v1/learners/{key}/elmo",
            "get",
            200,
            s.client.get(url(&elmo_path(key))).bearer_auth(TOKEN),
        ),
        (
            "/v1/learners/{key}/elmo",
            "get",
            304,
            s.client
                .get(url(&elmo_path(key)))
                .bearer_auth(TOKEN)
                .header("if-none-match", &etag),
        ),
        (
            "/v1/learners/{key}/elmo",
            "get",
            400,
            s.client
                .get(url(&format!("{}?select=x", elmo_path(key))))
                .bearer_auth(TOKEN),
        ),
        (
            "/v1/learners/{key}/elmo",
            "get",
            401,
            s.client.get(url(&elmo_path(key))),
        ),
        (
            "/v1/learners/{key}/elmo",
            "get",
            404,
            s.client.get(url(&elmo_path(&none))).bearer_auth(TOKEN),
        ),
        (
            "/v1/learners/{key}/elmo",
            "get",
            422,
            s.client
                .get(url(&elmo_path(
                    "9f52da2404b807f6d307b77da2d51ca5f34ae09752c10441fe960b34fa41e784",
                )))
                .bearer_auth(TOKEN),
        ),
        (
            "/v1/learners/{key}/refresh",
            "post",
            202,
            s.client
                .post(url(&format!("/v1/learners/{key}/refresh")))
                .bearer_auth(TOKEN),
        ),
        (
            "/v1/learners/{key}/refresh",
            "post",
            400,
            s.client
                .post(url("/v1/learners/x/refresh"))
                .bearer_auth(TOKEN),
        ),
        (
            "/v1/learners/{key}/refresh",
            "post",
            401,
            s.client.post(url(&format!("/v1/learners/{key}/refresh"))),
        ),
        (
            "/v1/learners/{key}/refresh",
            "post",
            404,
            s.client
                .post(url(&format!("/v1/learners/{none}/refresh")))
                .bearer_auth(TOKEN),
        ),
        (
            "/v1/learners/lookup",
            "post",
            200,
            s.client
                .post(url("/v1/learners/lookup"))
                .bearer_auth(TOKEN)
                .body(format!("{{\"henkilotunnus\":\"{hetu}\"}}")),
        ),
        (
            "/v1/learners/lookup",
            "post",
            400,
            s.client
                .post(url("/v1/learners/lookup"))
                .bearer_auth(TOKEN)
                .body("{}"),
        ),
        (
            "/v1/learners/lookup",
            "post",
            401,
            s.client.post(url("/v1/learners/lookup")),
        ),
        (
            "/v1/learners/lookup",
            "post",
            404,
            s.client
                .post(url("/v1/learners/lookup"))
                .bearer_auth(TOKEN)
                .body("{\"oppijanumero\":\"1.2.246.562.24.1\"}"),
        ),
        ("/health", "get", 200, s.client.get(url("/health"))),
        ("/metrics", "get", 200, s.client.get(url("/metrics"))),
    ];
    let mut provoked = BTreeSet::new();
    for (path, method, status, request) in cases {
        let answer = s.send(request);
        assert_eq!(answer.status, status, "{method} {path}: {}", answer.text());
        let documented = &spec["paths"][path][method]["responses"][status.to_string()];
        assert!(
            !documented.is_null(),
            "{method} {path} answers {status}, which docs/openapi.yaml does not list"
        );
        let documented = resolve(&spec, documented);
        if let (Some(content), Some(ct)) =
            (documented.get("content"), answer.header("content-type"))
        {
            let media = ct.split(';').next().unwrap();
            assert!(
                content.get(media).is_some(),
                "{method} {path} {status}: {media} is not documented"
            );
        }
        if let Some(headers) = documented.get("headers").and_then(|h| h.as_object()) {
            for name in headers.keys().filter(|n| !n.contains("Stale")) {
                assert!(
                    answer.header(name).is_some(),
                    "{method} {path} {status}: header {name} is documented but missing"
                );
            }
        }
        provoked.insert((path.to_owned(), method.to_owned(), status.to_string()));
    }
    // 429: the burst of 30 is spent by now or soon.
    let limited = (0..40)
        .map(|_| s.get(&elmo_path(&none)).status)
        .find(|&st| st == 429);
    assert_eq!(limited, Some(429), "the rate limit never answered 429");
    for path in [
        "/v1/learners/{key}/elmo",
        "/v1/learners/{key}/refresh",
        "/v1/learners/lookup",
    ] {
        let method = if path.ends_with("elmo") {
            "get"
        } else {
            "post"
        };
        provoked.insert((path.to_owned(), method.to_owned(), "429".to_owned()));
    }
    let mut documented = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for status in op["responses"].as_object().unwrap().keys() {
                documented.insert((path.clone(), method.clone(), status.clone()));
            }
        }
    }
    assert_eq!(
        documented, provoked,
        "docs/openapi.yaml and the cases above differ"
    );
    // Nothing undocumented is served.
    s.get("/v1/learners").expect(404);
    s.get("/v2/anything").expect(404);
}

/// Follows one `$ref` into `#/components/...`.
fn resolve<'a>(spec: &'a serde_json::Value, node: &'a serde_json::Value) -> &'a serde_json::Value {
    match node.get("$ref").and_then(|r| r.as_str()) {
        Some(r) => r
            .trim_start_matches("#/")
            .split('/')
            .fold(spec, |n, part| &n[part]),
        None => node,
    }
}

/// A learner whose snapshot has no result (learner 7: a study right and registrations only)
/// gets its own problem type, not a 200 with an empty report: the NCP must answer the EMREX
/// client NCP_NO_RESULTS (issue 19).
#[test]
fn a_learner_without_results_is_told_apart_from_one_with_some() {
    let s = Serving::start();
    let no_results = "9f52da2404b807f6d307b77da2d51ca5f34ae09752c10441fe960b34fa41e784";
    let answer = s.get(&elmo_path(no_results)).expect(422);
    let problem: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(
        problem["type"], "urn:rikastin:problem:no-results",
        "{problem}"
    );
    assert_eq!(
        answer.header("content-type"),
        Some("application/problem+json")
    );
    s.get(&elmo_path(HELSINKI)).expect(200);
}
