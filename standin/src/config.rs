//! The stand-in's settings: one struct that clap reads from flags (`--help` is built from these
//! doc comments) and serde reads from a file or a test's struct literal.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use serde::Deserialize;

use crate::faults::FaultRule;

/// Default `Kutsuja.jarjestelma` (calling system) the VIRTA stand-in accepts.
pub const DEFAULT_VIRTA_JARJESTELMA: &str = "rikastin";
/// Default `Kutsuja.tunnus` (user in the calling system).
pub const DEFAULT_VIRTA_TUNNUS: &str = "demo";
/// Default `Kutsuja.avain` (interface password); VIRTA's public test service uses the same.
pub const DEFAULT_VIRTA_AVAIN: &str = "salaisuus";
/// Default KOSKI Basic-auth user.
pub const DEFAULT_KOSKI_USER: &str = "rikastin";
/// Default KOSKI Basic-auth password.
pub const DEFAULT_KOSKI_PASSWORD: &str = "demo";

/// Everything a stand-in needs: data folders, credentials, behaviour switches and fault knobs.
///
/// `Config::default()` serves nothing, accepts the default credentials and injects no faults.
#[derive(Clone, clap::Args, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Folder of recorded VIRTA `OpiskelijanKaikkiTiedot` SOAP responses (`*.xml`, one learner
    /// each), served by henkilötunnus or oppijanumero. Without it VIRTA knows nobody.
    #[arg(long, value_name = "DIR", help_heading = "Data")]
    pub virta_dir: Option<PathBuf>,

    /// Folder of recorded VIRTA `OpiskelijanTiedot` SOAP responses (the names), one per learner
    /// and institution: `<learner key>.<institution code>.xml` (or `<learner key>.xml`, served
    /// for any institution). Served by the henkilötunnus or oppijanumero inside each file and the
    /// institution code in its name. Without it `OpiskelijanTiedot` knows nobody.
    #[arg(long, value_name = "DIR", help_heading = "Data")]
    pub virta_names_dir: Option<PathBuf>,

    /// Folder of KOSKI oppija documents (`*.json`, `{"henkilö": .., "opiskeluoikeudet": [..]}`),
    /// served by `henkilö.oid` (and found by `henkilö.hetu`). Without it KOSKI knows nobody.
    #[arg(long, value_name = "DIR", help_heading = "Data")]
    pub koski_dir: Option<PathBuf>,

    /// The VIRTA WSDL served at `GET /luku/opiskelijatiedot.wsdl`, its `soap:address` rewritten
    /// to the stand-in. Its `OrganisaatioKoodiTyyppi` enumeration also checks `organisaatio`.
    /// A missing file only means that route answers 404. `Config::default()` has none; the
    /// program's default is relative to the directory it runs in (the workspace root).
    #[arg(
        long,
        value_name = "FILE",
        default_value = "../shared/specs/virta/opiskelijatiedot.wsdl",
        help_heading = "Data"
    )]
    pub wsdl: Option<PathBuf>,

    /// VIRTA `Kutsuja.jarjestelma` (calling system) that is accepted.
    #[arg(long, env = "STANDIN_VIRTA_JARJESTELMA", default_value = DEFAULT_VIRTA_JARJESTELMA,
          help_heading = "VIRTA")]
    pub virta_jarjestelma: String,

    /// VIRTA `Kutsuja.tunnus` (user name in the calling system) that is accepted.
    #[arg(long, env = "STANDIN_VIRTA_TUNNUS", default_value = DEFAULT_VIRTA_TUNNUS,
          help_heading = "VIRTA")]
    pub virta_tunnus: String,

    /// VIRTA `Kutsuja.avain` (interface password) that is accepted.
    #[arg(long, env = "STANDIN_VIRTA_AVAIN", default_value = DEFAULT_VIRTA_AVAIN,
          hide_env_values = true, help_heading = "VIRTA")]
    pub virta_avain: String,

    /// How VIRTA answers wrong `Kutsuja` credentials; the real format is undocumented
    /// (virta.md §2.8). `http401`: HTTP 401 with a text body. `fault`: HTTP 500 with a
    /// `SOAP-ENV:Client` fault "Access denied".
    #[arg(long, value_enum, default_value_t, help_heading = "VIRTA")]
    pub auth_failure: AuthFailure,

    /// How VIRTA answers "nobody found" (virta.md §2.7). `empty-virta`: the response wrapper
    /// holds an empty `virta:Virta`. `no-virta`: the wrapper has no child at all.
    #[arg(long, value_enum, default_value_t, help_heading = "VIRTA")]
    pub no_data: NoData,

    /// Real-data quirks to reproduce, comma-separated. `empty-sections`: emit an empty
    /// `<virta:Opintosuoritukset/>` for a learner with no attainments at an institution
    /// (schema-invalid, seen in real answers: virta.md §2.7).
    #[arg(long, value_enum, value_delimiter = ',', help_heading = "VIRTA")]
    pub quirks: Vec<Quirk>,

    /// KOSKI Basic-auth user that is accepted.
    #[arg(long, env = "STANDIN_KOSKI_USER", default_value = DEFAULT_KOSKI_USER,
          help_heading = "KOSKI")]
    pub koski_user: String,

    /// KOSKI Basic-auth password that is accepted.
    #[arg(long, env = "STANDIN_KOSKI_PASSWORD", default_value = DEFAULT_KOSKI_PASSWORD,
          hide_env_values = true, help_heading = "KOSKI")]
    pub koski_password: String,

    /// An OmaData OAuth2 bearer token and the learner it opens, as `TOKEN=OID` (an identity
    /// code also works). Repeatable.
    #[arg(
        long = "koski-bearer",
        value_name = "TOKEN=OID",
        help_heading = "KOSKI"
    )]
    pub koski_bearer: Vec<BearerToken>,

    /// KOSKI cannot reach VIRTA: every known learner's oppija answer is 503
    /// `unavailable.virta` (koski.md §2.2).
    #[arg(long, help_heading = "KOSKI")]
    pub virta_unavailable: bool,

    /// Delay added to every request before it is answered, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 0, help_heading = "Faults")]
    pub latency_ms: u64,

    /// Extra delay of 0..=MS milliseconds on top of `--latency-ms`, drawn from `--seed`.
    #[arg(long, value_name = "MS", default_value_t = 0, help_heading = "Faults")]
    pub latency_jitter_ms: u64,

    /// Share of requests (0.0-1.0) answered with a fault drawn from a mix. VIRTA: SOAP Server
    /// fault (500), 503 with `Retry-After: 1`, 504, connection reset. KOSKI: 503
    /// `unavailable.virta`, 500 `internalError`, truncated JSON (200), connection reset.
    #[arg(
        long,
        value_name = "SHARE",
        default_value_t = 0.0,
        help_heading = "Faults"
    )]
    pub error_rate: f64,

    /// Seed for `--error-rate` and `--latency-jitter-ms`: the same seed and the same order of
    /// requests give the same faults.
    #[arg(long, default_value_t = 0, help_heading = "Faults")]
    pub seed: u64,

    /// Explicit faults by request number, `SERVICE:REQUESTS=FAULT`, repeatable. SERVICE is
    /// `virta` or `koski`; REQUESTS is `N`, `N-M`, `N-` or `*` (1-based, counted per service);
    /// FAULT is `server-fault` (or `500`), `client-fault` (or `400`), `401`, `404`, `503`,
    /// `504`, `truncated` or `reset`. Example: `--fault virta:1-3=503 --fault koski:*=truncated`.
    #[arg(
        long = "fault",
        value_name = "SERVICE:REQUESTS=FAULT",
        help_heading = "Faults"
    )]
    pub faults: Vec<FaultRule>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            virta_dir: None,
            virta_names_dir: None,
            koski_dir: None,
            wsdl: None,
            virta_jarjestelma: DEFAULT_VIRTA_JARJESTELMA.to_owned(),
            virta_tunnus: DEFAULT_VIRTA_TUNNUS.to_owned(),
            virta_avain: DEFAULT_VIRTA_AVAIN.to_owned(),
            auth_failure: AuthFailure::default(),
            no_data: NoData::default(),
            quirks: Vec::new(),
            koski_user: DEFAULT_KOSKI_USER.to_owned(),
            koski_password: DEFAULT_KOSKI_PASSWORD.to_owned(),
            koski_bearer: Vec::new(),
            virta_unavailable: false,
            latency_ms: 0,
            latency_jitter_ms: 0,
            error_rate: 0.0,
            seed: 0,
            faults: Vec::new(),
        }
    }
}

// Manual, so that passwords and tokens never reach a log line.
impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("virta_dir", &self.virta_dir)
            .field("virta_names_dir", &self.virta_names_dir)
            .field("koski_dir", &self.koski_dir)
            .field("wsdl", &self.wsdl)
            .field("virta_jarjestelma", &self.virta_jarjestelma)
            .field("virta_tunnus", &self.virta_tunnus)
            .field("virta_avain", &"***")
            .field("auth_failure", &self.auth_failure)
            .field("no_data", &self.no_data)
            .field("quirks", &self.quirks)
            .field("koski_user", &self.koski_user)
            .field("koski_password", &"***")
            .field("koski_bearer", &self.koski_bearer)
            .field("virta_unavailable", &self.virta_unavailable)
            .field("latency_ms", &self.latency_ms)
            .field("latency_jitter_ms", &self.latency_jitter_ms)
            .field("error_rate", &self.error_rate)
            .field("seed", &self.seed)
            .field("faults", &self.faults)
            .finish()
    }
}

/// How VIRTA answers wrong `Kutsuja` credentials (virta.md §2.8: undocumented, so switchable).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuthFailure {
    /// HTTP 401 with a short text body.
    #[default]
    Http401,
    /// HTTP 500 with a `SOAP-ENV:Client` fault whose faultstring is "Access denied".
    Fault,
}

/// How VIRTA answers "nobody found" (virta.md §2.7: both forms are seen, so switchable).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NoData {
    /// The response wrapper holds an empty `virta:Virta` (what fi-ncp expects).
    #[default]
    EmptyVirta,
    /// The response wrapper has no child (hakurekisteri's fixture).
    NoVirta,
}

/// A real-data quirk of VIRTA answers that the stand-in can reproduce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Quirk {
    /// An empty `<virta:Opintosuoritukset/>` where an institution has no attainments.
    EmptySections,
}

/// An OmaData bearer token and the learner it opens (`TOKEN=OID`).
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct BearerToken {
    /// The opaque token the client sends as `Authorization: Bearer <token>`.
    pub token: String,
    /// The learner's oppijanumero (OID); an identity code also works.
    pub oid: String,
}

impl fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BearerToken")
            .field("token", &"***")
            .field("oid", &rikastin_sources::redact(&self.oid))
            .finish()
    }
}

impl FromStr for BearerToken {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.split_once('=') {
            Some((token, oid)) if !token.is_empty() && !oid.is_empty() => Ok(BearerToken {
                token: token.to_owned(),
                oid: oid.to_owned(),
            }),
            _ => Err("expected TOKEN=OID, e.g. demo-token=1.2.246.562.24.00000000001".to_owned()),
        }
    }
}

impl TryFrom<String> for BearerToken {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}
