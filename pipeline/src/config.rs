//! `pipeline.yaml`: where the job reads, what it writes, and where its secret comes from.
//!
//! Relative paths are relative to the folder of the config file, so `rikastin run --config
//! data/pipeline.yaml` works from any directory. Every key is documented in docs/config.md.

use std::path::{Path, PathBuf};

use rikastin_sinks::{PostgresStore, SqliteStore, Store};
use rikastin_sources::http::HttpConfig;
use serde::Deserialize;

use crate::yaml::{ConfigError, YamlFile};

/// The file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineFile {
    /// Folder of the mapping files (`virta.yaml`, `institutions.yaml`).
    pub mappings: PathBuf,
    /// The snapshot cache.
    pub cache: CacheSection,
    /// The secret behind learner keys.
    pub learner_key: LearnerKeySection,
    /// Where records come from.
    pub sources: SourcesSection,
    /// Refresh policy for runs over HTTP.
    #[serde(default)]
    pub targets: Option<TargetsSection>,
    /// What institutions supply; optional.
    #[serde(default)]
    pub enrichment: Option<EnrichmentSection>,
    /// The read API (`rikastin serve`); optional.
    #[serde(default)]
    pub serve: Option<ServeSection>,
}

/// `serve`: the read API the NCP calls (docs/serve.md).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServeSection {
    /// Address and port to listen on, e.g. `127.0.0.1:8480`.
    #[serde(default = "default_listen")]
    pub listen: String,
    /// The key and certificate that sign every response.
    pub signing: SigningSection,
    /// Accepted bearer tokens, stored as SHA-256 hashes.
    pub tokens: Vec<TokenEntry>,
    /// Requests per second and burst, per token.
    #[serde(default)]
    pub rate_limit: RateLimitSection,
    /// Whether responses carry the PDF transcript unless the request says `transcript=false`.
    #[serde(default = "default_true")]
    pub transcript: bool,
    /// Megabytes of signed response bodies kept in memory and sent again for a request of the
    /// same learner, content and shape (its ETag) without signing; 0 keeps none.
    #[serde(default = "default_signed_cache_mb")]
    pub signed_cache_mb: usize,
}

const fn default_signed_cache_mb() -> usize {
    64
}

fn default_listen() -> String {
    "127.0.0.1:8480".into()
}
const fn default_true() -> bool {
    true
}

/// `serve.signing`: PEM files; the key never sits in the YAML.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SigningSection {
    /// PKCS#8 RSA private key (PEM).
    pub key_file: PathBuf,
    /// X.509 certificate of that key, optionally followed by its chain (PEM).
    pub cert_file: PathBuf,
}

/// `serve.tokens[]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenEntry {
    /// Who calls with it; shown in the access log.
    pub name: String,
    /// Lower-case hex SHA-256 of the token: `printf %s TOKEN | sha256sum`.
    pub sha256: String,
}

/// `serve.rate_limit`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitSection {
    /// Sustained requests per second per token.
    pub per_second: u32,
    /// Requests at once after a quiet spell.
    pub burst: u32,
}

impl Default for RateLimitSection {
    fn default() -> Self {
        Self {
            per_second: 50,
            burst: 100,
        }
    }
}

/// `enrichment`: folders of the institutions' data joined onto every document.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrichmentSection {
    /// Folder of course catalogues (`.csv`, `.json`, `.yaml`; docs/catalogue.md).
    #[serde(default)]
    pub catalogues_dir: Option<PathBuf>,
    /// Folder of Diploma Supplement texts (docs/ds.md).
    #[serde(default)]
    pub ds_dir: Option<PathBuf>,
}

/// `cache`: a SQLite file or a PostgreSQL server, exactly one.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheSection {
    /// The SQLite file; created with its folder when missing.
    #[serde(default)]
    pub sqlite_path: Option<PathBuf>,
    /// A PostgreSQL server shared by several hosts or shards (docs/cache.md, On PostgreSQL).
    #[serde(default)]
    pub postgres: Option<PostgresSection>,
}

/// `cache.postgres`: where the connection URL is. The URL holds the password, so it is never
/// written in the YAML itself (DESIGN.md invariant 5): exactly one of the two keys.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostgresSection {
    /// Environment variable holding the URL, e.g. `RIKASTIN_CACHE_URL`.
    #[serde(default)]
    pub url_env: Option<String>,
    /// File holding the URL (trailing newline ignored), e.g. a mounted secret.
    #[serde(default)]
    pub url_file: Option<PathBuf>,
}

/// The snapshot cache, checked but not opened.
#[derive(Debug, Clone)]
pub enum Cache {
    /// A SQLite file (`cache.sqlite_path`).
    Sqlite(PathBuf),
    /// A PostgreSQL server (`cache.postgres`): where its URL is, not the URL.
    Postgres(SecretPlace),
}

impl Cache {
    /// Opens the store: creates the SQLite file, or connects and creates the schema.
    pub fn open(&self) -> Result<Box<dyn Store>, rikastin_sinks::Error> {
        match self {
            Self::Sqlite(path) => Ok(Box::new(SqliteStore::open(path)?)),
            Self::Postgres(place) => {
                let (url, from) =
                    place
                        .read()
                        .map_err(|reason| rikastin_sinks::Error::PostgresUrl {
                            origin: format!("({})", place.key),
                            reason,
                        })?;
                let origin = format!("from {from} ({})", place.key);
                Ok(Box::new(PostgresStore::open(&url, &origin)?))
            }
        }
    }

    /// False only for a SQLite file not created yet, so that a command that reads the cache
    /// can say "run `rikastin run` first" instead of creating an empty one. A server is
    /// assumed to be there: only connecting would tell.
    pub fn may_exist(&self) -> bool {
        match self {
            Self::Sqlite(path) => path.exists(),
            Self::Postgres(_) => true,
        }
    }
}

/// The file, or where the server's URL comes from (never the URL: it holds the password).
impl std::fmt::Display for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "{}", path.display()),
            Self::Postgres(place) => match (&place.env, &place.file) {
                (Some(var), _) => write!(f, "PostgreSQL (URL in ${var})"),
                (_, Some(file)) => write!(f, "PostgreSQL (URL in {})", file.display()),
                (None, None) => write!(f, "PostgreSQL"),
            },
        }
    }
}

/// `learner_key`: the HMAC secret. Never inline in YAML (DESIGN.md invariant 5).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LearnerKeySection {
    /// Environment variable holding the secret; wins over `secret_file` when set.
    #[serde(default)]
    pub secret_env: Option<String>,
    /// File holding the secret.
    #[serde(default)]
    pub secret_file: Option<PathBuf>,
}

/// `sources`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourcesSection {
    /// VIRTA, the higher-education register.
    pub virta: VirtaSection,
    /// KOSKI, every other level; optional.
    #[serde(default)]
    pub koski: Option<KoskiSection>,
}

/// `sources.virta`: recorded answers or the SOAP service, never both.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VirtaSection {
    /// Folder of recorded `OpiskelijanKaikkiTiedot` responses, one file per learner, named by
    /// learner key.
    #[serde(default)]
    pub recorded_dir: Option<PathBuf>,
    /// Folder of recorded `OpiskelijanTiedot` responses (the learner's names), beside
    /// `recorded_dir`: `<learner key>.xml`, or `<learner key>.<institution>.xml` per institution
    /// (data/recorded/README.md). Only with `recorded_dir`.
    #[serde(default)]
    pub names_dir: Option<PathBuf>,
    /// Whether a run over HTTP asks `OpiskelijanTiedot` of each of a learner's institutions for
    /// the names `OpiskelijanKaikkiTiedot` does not carry (virta.md §2.7). Only with `http`;
    /// default true.
    #[serde(default)]
    pub opiskelijan_tiedot: Option<bool>,
    /// The SOAP endpoint and how hard to press it.
    #[serde(default)]
    pub http: Option<HttpConfig>,
    /// The `Kutsuja` block; required with `http`.
    #[serde(default)]
    pub credentials: Option<VirtaCredentials>,
    /// Learners asked about in one `OpiskelijanKaikkiTiedotLista` call (1 to 200; 1 sends the
    /// single-learner `OpiskelijanKaikkiTiedot`). Only with `http`.
    #[serde(default = "default_batch_size")]
    pub batch_size: usize,
}

/// Fewer round trips under VIRTA's request rate, while one answer (about 100 kB a learner)
/// stays well inside `timeout_ms`.
const fn default_batch_size() -> usize {
    50
}

/// `sources.virta.credentials`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VirtaCredentials {
    /// Calling system (`jarjestelma`), as agreed with CSC.
    pub jarjestelma: String,
    /// User name in that system (`tunnus`).
    pub tunnus: String,
    /// Environment variable holding the password (`avain`); wins over `avain_file`.
    #[serde(default)]
    pub avain_env: Option<String>,
    /// File holding the password.
    #[serde(default)]
    pub avain_file: Option<PathBuf>,
}

/// `sources.koski`: recorded answers or the REST API, never both.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KoskiSection {
    /// Folder of recorded `GET /koski/api/oppija/{oid}` answers, named by learner key.
    #[serde(default)]
    pub recorded_dir: Option<PathBuf>,
    /// The API base, e.g. `https://virkailija.opintopolku.fi/koski`.
    #[serde(default)]
    pub http: Option<HttpConfig>,
    /// HTTP Basic credentials; required with `http`.
    #[serde(default)]
    pub credentials: Option<KoskiCredentials>,
}

/// `sources.koski.credentials`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KoskiCredentials {
    /// The service user.
    pub username: String,
    /// Environment variable holding the password; wins over `password_file`.
    #[serde(default)]
    pub password_env: Option<String>,
    /// File holding the password.
    #[serde(default)]
    pub password_file: Option<PathBuf>,
}

/// `targets`: which learners a run over HTTP refreshes.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetsSection {
    /// A learner refreshed less than this long ago is not due.
    #[serde(default = "default_refresh_after_hours")]
    pub refresh_after_hours: u64,
    /// A learner whose last attempt failed waits this long before the next.
    #[serde(default = "default_retry_after_minutes")]
    pub retry_after_minutes: u64,
    /// At most this many learners per run; none means every due target.
    #[serde(default)]
    pub max_per_run: Option<usize>,
}

const fn default_refresh_after_hours() -> u64 {
    24 * 7
}
const fn default_retry_after_minutes() -> u64 {
    60
}

impl Default for TargetsSection {
    fn default() -> Self {
        Self {
            refresh_after_hours: default_refresh_after_hours(),
            retry_after_minutes: default_retry_after_minutes(),
            max_per_run: None,
        }
    }
}

/// Where a source's answers come from.
#[derive(Debug)]
pub enum Transport<C> {
    /// A folder of recorded answers.
    Recorded(PathBuf),
    /// The service over HTTP, with where its password is.
    Http {
        /// Endpoint, pace, retries.
        http: HttpConfig,
        /// Credentials, password not yet read.
        credentials: C,
    },
}

/// A password's place: an environment variable, a file, or both (the variable wins).
#[derive(Debug, Clone)]
pub struct SecretPlace {
    /// The key that names it, for messages, e.g. `sources.virta.credentials`.
    pub key: String,
    /// Environment variable.
    pub env: Option<String>,
    /// File.
    pub file: Option<PathBuf>,
}

impl SecretPlace {
    /// Reads the secret, and says where it came from (for an error that names the credential).
    pub fn read(&self) -> Result<(String, String), String> {
        if let Some(var) = &self.env
            && let Ok(value) = std::env::var(var)
            && !value.is_empty()
        {
            return Ok((value, format!("${var}")));
        }
        if let Some(file) = &self.file {
            let text = std::fs::read_to_string(file)
                .map_err(|e| format!("{}: cannot read {}: {e}", self.key, file.display()))?;
            return Ok((text.trim_end().to_owned(), file.display().to_string()));
        }
        Err(format!(
            "{}: set the environment variable {} or give a file",
            self.key,
            self.env.as_deref().unwrap_or("(none named)")
        ))
    }
}

/// VIRTA credentials, password not yet read.
#[derive(Debug)]
pub struct VirtaLogin {
    /// `jarjestelma`.
    pub jarjestelma: String,
    /// `tunnus`.
    pub tunnus: String,
    /// Where `avain` is.
    pub avain: SecretPlace,
}

/// KOSKI credentials, password not yet read.
#[derive(Debug)]
pub struct KoskiLogin {
    /// User.
    pub username: String,
    /// Where the password is.
    pub password: SecretPlace,
}

/// The config with paths resolved; nothing opened yet.
#[derive(Debug)]
pub struct Config {
    /// The config file.
    pub file: PathBuf,
    /// Mapping folder.
    pub mappings: PathBuf,
    /// The snapshot cache.
    pub cache: Cache,
    /// Secret source.
    pub learner_key: LearnerKeySection,
    /// VIRTA.
    pub virta: Transport<VirtaLogin>,
    /// `sources.virta.batch_size`: learners per VIRTA call over HTTP.
    pub virta_batch_size: usize,
    /// `sources.virta.names_dir`: recorded `OpiskelijanTiedot` answers, when configured.
    pub virta_names_dir: Option<PathBuf>,
    /// `sources.virta.opiskelijan_tiedot`: ask VIRTA for names over HTTP.
    pub virta_opiskelijan_tiedot: bool,
    /// KOSKI, when configured.
    pub koski: Option<Transport<KoskiLogin>>,
    /// Refresh policy for runs over HTTP.
    pub targets: TargetsSection,
    /// Course catalogues folder, when configured.
    pub catalogues_dir: Option<PathBuf>,
    /// Diploma Supplement folder, when configured.
    pub ds_dir: Option<PathBuf>,
    /// The read API, with its paths resolved; `None` when the file has no `serve` section.
    pub serve: Option<ServeSection>,
}

impl Config {
    /// Reads and checks the file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let yaml = YamlFile::read(path)?;
        let raw: PipelineFile = yaml.parse()?;
        let base = path.parent().unwrap_or(Path::new("."));
        if raw.learner_key.secret_env.is_none() && raw.learner_key.secret_file.is_none() {
            return Err(yaml.invalid(
                "learner_key",
                "learner_key:",
                "give `secret_env` (an environment variable) or `secret_file`".into(),
            ));
        }
        let cache = cache(&yaml, base, raw.cache)?;
        let learner_key = LearnerKeySection {
            secret_env: raw.learner_key.secret_env,
            secret_file: raw.learner_key.secret_file.map(|f| resolve(base, &f)),
        };
        let v = raw.sources.virta;
        let virta_batch_size = v.batch_size;
        if !(1..=rikastin_sources::virta::LISTA_MAX).contains(&virta_batch_size) {
            return Err(yaml.invalid(
                "sources.virta.batch_size",
                "batch_size:",
                format!(
                    "must be 1 to {} (VIRTA's limit for one Lista call), not {virta_batch_size}",
                    rikastin_sources::virta::LISTA_MAX
                ),
            ));
        }
        if v.names_dir.is_some() && v.recorded_dir.is_none() {
            return Err(yaml.invalid(
                "sources.virta.names_dir",
                "names_dir:",
                "`names_dir` holds recorded answers and goes with `recorded_dir`".into(),
            ));
        }
        if v.opiskelijan_tiedot.is_some() && v.http.is_none() {
            return Err(yaml.invalid(
                "sources.virta.opiskelijan_tiedot",
                "opiskelijan_tiedot:",
                "`opiskelijan_tiedot` says whether to call VIRTA over `http`; recorded names go in `names_dir`".into(),
            ));
        }
        let virta_names_dir = v.names_dir.as_ref().map(|d| resolve(base, d));
        let virta_opiskelijan_tiedot = v.opiskelijan_tiedot.unwrap_or(true);
        let virta = transport(
            &yaml,
            base,
            "virta",
            v.recorded_dir,
            v.http,
            v.credentials,
            |c| VirtaLogin {
                jarjestelma: c.jarjestelma,
                tunnus: c.tunnus,
                avain: SecretPlace {
                    key: "sources.virta.credentials.avain".into(),
                    env: c.avain_env,
                    file: c.avain_file.map(|f| resolve(base, &f)),
                },
            },
        )?;
        let koski = match raw.sources.koski {
            None => None,
            Some(k) => Some(transport(
                &yaml,
                base,
                "koski",
                k.recorded_dir,
                k.http,
                k.credentials,
                |c| KoskiLogin {
                    username: c.username,
                    password: SecretPlace {
                        key: "sources.koski.credentials.password".into(),
                        env: c.password_env,
                        file: c.password_file.map(|f| resolve(base, &f)),
                    },
                },
            )?),
        };
        if let (Transport::Recorded(_), Some(Transport::Http { .. }))
        | (Transport::Http { .. }, Some(Transport::Recorded(_))) = (&virta, &koski)
        {
            return Err(yaml.invalid(
                "sources.koski",
                "koski:",
                "VIRTA and KOSKI must both be recorded or both be HTTP: a run reads recordings or \
                 refreshes targets, not both"
                    .into(),
            ));
        }
        Ok(Self {
            file: path.to_owned(),
            mappings: resolve(base, &raw.mappings),
            cache,
            learner_key,
            virta,
            virta_batch_size,
            virta_names_dir,
            virta_opiskelijan_tiedot,
            koski,
            targets: raw.targets.unwrap_or_default(),
            catalogues_dir: raw
                .enrichment
                .as_ref()
                .and_then(|e| e.catalogues_dir.as_ref())
                .map(|d| resolve(base, d)),
            ds_dir: raw
                .enrichment
                .as_ref()
                .and_then(|e| e.ds_dir.as_ref())
                .map(|d| resolve(base, d)),
            serve: match raw.serve {
                None => None,
                Some(mut serve) => {
                    if serve.rate_limit.per_second == 0 || serve.rate_limit.burst == 0 {
                        return Err(yaml.invalid(
                            "serve.rate_limit",
                            "rate_limit:",
                            "`per_second` and `burst` must be at least 1".into(),
                        ));
                    }
                    if serve.tokens.is_empty() {
                        return Err(yaml.invalid(
                            "serve.tokens",
                            "tokens:",
                            "give at least one token: the read API refuses anonymous callers"
                                .into(),
                        ));
                    }
                    serve.signing.key_file = resolve(base, &serve.signing.key_file);
                    serve.signing.cert_file = resolve(base, &serve.signing.cert_file);
                    Some(serve)
                }
            },
        })
    }
}

/// Checks that the cache is a SQLite file or a PostgreSQL server, and that the server's URL
/// has exactly one place.
fn cache(yaml: &YamlFile, base: &Path, section: CacheSection) -> Result<Cache, ConfigError> {
    match (section.sqlite_path, section.postgres) {
        (Some(path), None) => Ok(Cache::Sqlite(resolve(base, &path))),
        (None, Some(pg)) => match (pg.url_env, pg.url_file) {
            // A URL pasted where the variable's name belongs would put the password in the
            // YAML and, through "set the variable …" messages, in the logs: refuse it unseen.
            (Some(var), None) if !var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
                Err(yaml.invalid(
                    "cache.postgres.url_env",
                    "url_env:",
                    "expected the name of an environment variable (letters, digits and `_`, \
                     e.g. RIKASTIN_CACHE_URL), not the URL itself; the value is not shown"
                        .into(),
                ))
            }
            (Some(var), None) if !var.is_empty() => Ok(Cache::Postgres(SecretPlace {
                key: "cache.postgres.url_env".into(),
                env: Some(var),
                file: None,
            })),
            (None, Some(file)) => Ok(Cache::Postgres(SecretPlace {
                key: "cache.postgres.url_file".into(),
                env: None,
                file: Some(resolve(base, &file)),
            })),
            (Some(_), Some(_)) => Err(yaml.invalid(
                "cache.postgres",
                "postgres:",
                "give `url_env` or `url_file`, not both: one place for the URL".into(),
            )),
            _ => Err(yaml.invalid(
                "cache.postgres",
                "postgres:",
                "give `url_env` (an environment variable holding the URL, e.g. \
                 RIKASTIN_CACHE_URL) or `url_file`; the URL holds the password, so it is never \
                 written here"
                    .into(),
            )),
        },
        (Some(_), Some(_)) => Err(yaml.invalid(
            "cache",
            "cache:",
            "give `sqlite_path` or `postgres`, not both".into(),
        )),
        (None, None) => Err(yaml.invalid(
            "cache",
            "cache:",
            "give `sqlite_path` (a SQLite file, e.g. ../var/cache.sqlite) or `postgres` (with \
             `url_env` or `url_file`)"
                .into(),
        )),
    }
}

/// Checks that a source has exactly one transport, and that HTTP comes with credentials.
fn transport<C: CredentialKeys, L>(
    yaml: &YamlFile,
    base: &Path,
    name: &str,
    recorded_dir: Option<PathBuf>,
    http: Option<HttpConfig>,
    credentials: Option<C>,
    login: impl FnOnce(C) -> L,
) -> Result<Transport<L>, ConfigError> {
    let at = |key: &str| format!("sources.{name}.{key}");
    match (recorded_dir, http, credentials) {
        (Some(dir), None, None) => Ok(Transport::Recorded(resolve(base, &dir))),
        (None, Some(http), Some(credentials)) => {
            if let Err(message) = http.validate() {
                let key = message.split(':').next().unwrap_or_default().to_owned();
                return Err(yaml.invalid(&at(&format!("http.{key}")), &format!("{key}:"), message));
            }
            if !credentials.has_secret() {
                return Err(yaml.invalid(
                    &at("credentials"),
                    "credentials:",
                    format!(
                        "give `{}` (an environment variable) or `{}`",
                        C::ENV,
                        C::FILE
                    ),
                ));
            }
            Ok(Transport::Http {
                http,
                credentials: login(credentials),
            })
        }
        (None, Some(_), None) => Err(yaml.invalid(
            &at("http"),
            &format!("{name}:"),
            "`http` needs `credentials` beside it".into(),
        )),
        (Some(_), None, Some(_)) => Err(yaml.invalid(
            &at("credentials"),
            "credentials:",
            "`credentials` belong with `http`; recorded answers need none".into(),
        )),
        (Some(_), Some(_), _) => Err(yaml.invalid(
            &at("recorded_dir"),
            "recorded_dir:",
            "give `recorded_dir` or `http`, not both".into(),
        )),
        (None, None, _) => Err(yaml.invalid(
            &format!("sources.{name}"),
            &format!("{name}:"),
            "give `recorded_dir` (recorded answers) or `http` (the live service)".into(),
        )),
    }
}

/// The two ways a credentials section names its secret.
trait CredentialKeys {
    const ENV: &'static str;
    const FILE: &'static str;
    fn has_secret(&self) -> bool;
}

impl CredentialKeys for VirtaCredentials {
    const ENV: &'static str = "avain_env";
    const FILE: &'static str = "avain_file";
    fn has_secret(&self) -> bool {
        self.avain_env.is_some() || self.avain_file.is_some()
    }
}

impl CredentialKeys for KoskiCredentials {
    const ENV: &'static str = "password_env";
    const FILE: &'static str = "password_file";
    fn has_secret(&self) -> bool {
        self.password_env.is_some() || self.password_file.is_some()
    }
}

/// `path` relative to `base`, with `dir/..` folded away so that messages show `var/cache.sqlite`
/// rather than `data/../var/cache.sqlite`. Lexical only: a `..` after a symlink is kept as is.
fn resolve(base: &Path, path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for part in base.join(path).components() {
        match part {
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                if !out.is_symlink() {
                    out.pop();
                } else {
                    out.push(part);
                }
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    if out.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_are_folded_against_the_config_folder() {
        assert_eq!(
            resolve(Path::new("data"), Path::new("../var/c.sqlite")),
            Path::new("var/c.sqlite")
        );
        assert_eq!(resolve(Path::new(""), Path::new("../m")), Path::new("../m"));
        assert_eq!(
            resolve(Path::new("a/b"), Path::new("./../../x")),
            Path::new("x")
        );
        assert_eq!(
            resolve(Path::new("a"), Path::new("/abs/p")),
            Path::new("/abs/p")
        );
        assert_eq!(resolve(Path::new("a"), Path::new("..")), Path::new("."));
    }

    #[test]
    fn the_embedded_default_loads() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/pipeline.yaml");
        let config = Config::load(&path).unwrap();
        let Cache::Sqlite(path) = &config.cache else {
            panic!("the embedded default keeps its cache in SQLite")
        };
        assert!(path.ends_with("var/cache.sqlite"));
        let Transport::Recorded(dir) = &config.virta else {
            panic!("the embedded default reads recordings")
        };
        assert!(dir.is_dir(), "{dir:?}");
        assert!(config.mappings.join("virta.yaml").is_file());
    }

    /// docs/config.md shows the embedded default; it must stay loadable and equal to it.
    #[test]
    fn the_documented_config_is_the_embedded_default() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let doc = std::fs::read_to_string(root.join("docs/config.md")).unwrap();
        let start = doc.find("```yaml\n").unwrap() + 8;
        let block = &doc[start..start + doc[start..].find("```").unwrap()];
        let yaml = YamlFile::from_text("docs/config.md".into(), block.into());
        let documented: PipelineFile = yaml.parse().unwrap();
        let actual: PipelineFile = YamlFile::read(&root.join("data/pipeline.yaml"))
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(format!("{documented:?}"), format!("{actual:?}"));
    }

    fn load_with_cache(cache: &str) -> Result<Config, ConfigError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.yaml");
        std::fs::write(
            &path,
            format!(
                "mappings: m\ncache:\n{cache}learner_key: {{ secret_env: S }}\n\
                 sources: {{ virta: {{ recorded_dir: r }} }}\n"
            ),
        )
        .unwrap();
        Config::load(&path)
    }

    #[test]
    fn the_cache_is_sqlite_or_postgres_with_the_url_kept_out_of_the_yaml() {
        let config = load_with_cache("  postgres:\n    url_env: RIKASTIN_CACHE_URL\n").unwrap();
        let Cache::Postgres(place) = &config.cache else {
            panic!("{:?}", config.cache)
        };
        assert_eq!(place.env.as_deref(), Some("RIKASTIN_CACHE_URL"));
        assert_eq!(
            config.cache.to_string(),
            "PostgreSQL (URL in $RIKASTIN_CACHE_URL)"
        );
        let config = load_with_cache("  postgres: { url_file: pg-url }\n").unwrap();
        let Cache::Postgres(place) = &config.cache else {
            panic!("{:?}", config.cache)
        };
        assert!(place.file.as_ref().unwrap().ends_with("pg-url"));

        for (cache, line, expected) in [
            (
                "  sqlite_path: c\n  postgres: { url_env: U }\n",
                "p.yaml:2",
                "not both",
            ),
            ("  postgres: {}\n", "p.yaml:3", "give `url_env`"),
            (
                "  postgres: { url_env: U, url_file: f }\n",
                "p.yaml:3",
                "not both",
            ),
            (
                "  postgres: { url: \"postgresql://u:hunter2@h/db\" }\n",
                "p.yaml:3",
                "unknown field `url`",
            ),
            (
                "  postgres: { url_env: \"postgresql://u:hunter2@h/db\" }\n",
                "p.yaml:3",
                "not the URL itself",
            ),
            ("  {}\n", "p.yaml", "give `sqlite_path`"),
        ] {
            let err = load_with_cache(cache).unwrap_err().to_string();
            assert!(
                err.contains(line) && err.contains(expected) && !err.contains("hunter2"),
                "{cache}: {err}"
            );
            assert!(err.contains("cache"), "{err}");
        }
    }

    #[test]
    fn a_postgres_url_that_is_not_there_names_the_key_and_not_the_url() {
        let config =
            load_with_cache("  postgres:\n    url_env: RIKASTIN_TEST_UNSET_CACHE_URL_VARIABLE\n")
                .unwrap();
        let err = config.cache.open().unwrap_err().to_string();
        assert!(
            err.contains("cache.postgres.url_env")
                && err.contains("RIKASTIN_TEST_UNSET_CACHE_URL_VARIABLE"),
            "{err}"
        );
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("url");
        std::fs::write(&file, "postgresql://u:hunter2@[::1\n").unwrap();
        let err = Cache::Postgres(SecretPlace {
            key: "cache.postgres.url_file".into(),
            env: None,
            file: Some(file.clone()),
        })
        .open()
        .unwrap_err()
        .to_string();
        assert!(
            err.contains(&file.display().to_string()) && !err.contains("hunter2"),
            "{err}"
        );
    }

    #[test]
    fn an_inline_secret_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.yaml");
        std::fs::write(
            &path,
            "mappings: m\ncache: { sqlite_path: c }\nlearner_key: { secret: hunter2 }\nsources: { virta: { recorded_dir: r } }\n",
        )
        .unwrap();
        let err = Config::load(&path).unwrap_err().to_string();
        assert!(err.contains("p.yaml:3"), "{err}");
        assert!(err.contains("unknown field `secret`"), "{err}");
    }
}
