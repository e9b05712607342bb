//! Shared helpers for the HTTP tests: data locations, known learners, SOAP requests, a client.
//! Identity codes stay in variables; no helper prints one.

#![allow(dead_code)] // each test binary uses a different subset

use std::path::{Path, PathBuf};

use rikastin_standin::{Config, Running, StandIn};

pub const LUKU: &str = "http://tietovaranto.csc.fi/luku";

/// The workspace root (tests find data relative to it).
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The embedded default's recorded VIRTA answers.
pub fn recorded_virta() -> PathBuf {
    workspace().join("data/recorded/virta/OpiskelijanKaikkiTiedot")
}

/// The embedded default's recorded VIRTA `OpiskelijanTiedot` answers (the names).
pub fn recorded_names() -> PathBuf {
    workspace().join("data/recorded/virta/OpiskelijanTiedot")
}

/// The shared WSDL, when the shared folder sits next to the workspace.
pub fn shared_wsdl() -> Option<PathBuf> {
    let path = workspace().join("../shared/specs/virta/opiskelijatiedot.wsdl");
    path.is_file().then_some(path)
}

/// One recorded learner: the file's bytes and its identities.
pub struct Learner {
    pub bytes: Vec<u8>,
    pub hetu: String,
    pub oid: Option<String>,
    pub institutions: usize,
}

/// The recorded learner in `file` (a name under `recorded_virta()`).
pub fn learner(file: &str) -> Learner {
    let bytes = std::fs::read(recorded_virta().join(file)).expect("recorded learner");
    let virta = rikastin_sources::virta::parse(&bytes, file).expect("recording parses");
    let first = &virta.opiskelijat[0];
    Learner {
        hetu: first
            .henkilotunnus
            .as_ref()
            .expect("recording has a hetu")
            .expose()
            .to_owned(),
        oid: first.kansallinen_oppijanumero.clone(),
        institutions: virta.opiskelijat.len(),
        bytes,
    }
}

/// Learner 0: University of Helsinki, with an oppijanumero.
pub const HELSINKI: &str = "fc1664abafeb38acf862e20c71b4b1d85f5de78c2432c7a3d5ab656462006aaa.xml";
/// Learner 6: Lahti UAS (02470), then Aalto (10076).
pub const TWO_INSTITUTIONS: &str =
    "4d80b486b2cb27a6f135584d502d8880bc4799e6275098695742055f95c88a04.xml";
/// Learner 1: Haaga-Helia.
pub const HAAGA_HELIA: &str =
    "82e2d904bf932ced7ca175ca5952bc53dd7da7421be4ba524471c447d7f340ea.xml";

/// A stand-in serving the recorded VIRTA folder, with `config`'s other settings.
pub async fn start(config: Config) -> Running {
    StandIn::new(config)
        .start("127.0.0.1:0".parse().expect("address"))
        .await
        .expect("stand-in starts")
}

pub fn virta_config() -> Config {
    Config {
        virta_dir: Some(recorded_virta()),
        wsdl: shared_wsdl(),
        ..Config::default()
    }
}

/// `OpiskelijanKaikkiTiedotRequest` with the default credentials (`avain` given).
pub fn single(avain: &str, hakuehdot: &str) -> String {
    request("OpiskelijanKaikkiTiedotRequest", avain, hakuehdot)
}

pub fn by_hetu(hetu: &str) -> String {
    single(
        "salaisuus",
        &format!("<henkilotunnus>{hetu}</henkilotunnus>"),
    )
}

pub fn by_oid(oid: &str) -> String {
    single(
        "salaisuus",
        &format!("<kansallinenOppijanumero>{oid}</kansallinenOppijanumero>"),
    )
}

/// A request in the default namespace, as virta.md §2.6 shows it.
pub fn request(operation: &str, avain: &str, hakuehdot: &str) -> String {
    format!(
        r#"<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/">
  <SOAP-ENV:Body>
    <{operation} xmlns="{LUKU}">
      <Kutsuja><jarjestelma>rikastin</jarjestelma><tunnus>demo</tunnus><avain>{avain}</avain></Kutsuja>
      <Hakuehdot>{hakuehdot}</Hakuehdot>
    </{operation}>
  </SOAP-ENV:Body>
</SOAP-ENV:Envelope>"#
    )
}

/// A plain HTTP client without retries or pooling surprises.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("client")
}

/// Posts a SOAP request; returns status, content type and body.
pub async fn post_soap(url: &str, body: String) -> (u16, String, String) {
    let response = client()
        .post(url)
        .header("Content-Type", "text/xml; charset=UTF-8")
        .body(body)
        .send()
        .await
        .expect("response");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let text = response.text().await.expect("body");
    (status, content_type, text)
}

/// Number of `virta:Opiskelija` elements an answer carries (via the real parser).
pub fn opiskelijat(body: &str) -> usize {
    rikastin_sources::virta::parse(body.as_bytes(), "answer")
        .map(|v| v.opiskelijat.len())
        .unwrap_or(usize::MAX)
}
