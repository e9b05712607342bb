//! The VIRTA SOAP 1.1 client: `OpiskelijanKaikkiTiedot` for one learner, and its `...Lista` form
//! for up to 200 learners, by henkilötunnus or national learner OID (virta.md §2.4–2.8).
//!
//! A `SOAP-ENV:Client` fault means our request was invalid (VIRTA validates the identity code
//! against its pattern), so it is not retried. `Server` faults, 5xx, timeouts, resets and cut
//! bodies are. HTTP 401/403, or a fault that speaks of access, stops the run: the credentials
//! are wrong for every learner alike.

use std::fmt;

use super::parse::{LUKU_NS, SOAP_ENV_NS, parse};
use super::records::Virta;
use crate::ErrorKind;
use crate::http::{Answer, FetchError, HttpConfig, HttpSource, Verdict};

/// `sources.virta.credentials`: the `Kutsuja` block of every request (virta.md §2.5). The
/// password is read from the environment or a file by the caller, never from YAML.
#[derive(Clone)]
pub struct Kutsuja {
    /// Calling system, e.g. `emrexfi`.
    pub jarjestelma: String,
    /// User name in that system.
    pub tunnus: String,
    /// The interface password.
    pub avain: String,
    /// Where the password came from, named in the error when VIRTA refuses it.
    pub avain_source: String,
}

impl fmt::Debug for Kutsuja {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Kutsuja")
            .field("jarjestelma", &self.jarjestelma)
            .field("tunnus", &self.tunnus)
            .field("avain", &"***")
            .finish()
    }
}

/// Whom to ask about.
#[derive(Clone, Copy)]
pub enum VirtaQuery<'a> {
    /// By henkilötunnus (identity code).
    Henkilotunnus(&'a str),
    /// By national learner OID (`kansallinenOppijanumero`).
    Oppijanumero(&'a str),
}

impl fmt::Debug for VirtaQuery<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Henkilotunnus(_) => f.write_str("Henkilotunnus(***)"),
            Self::Oppijanumero(_) => f.write_str("Oppijanumero(***)"),
        }
    }
}

impl VirtaQuery<'_> {
    /// The `Hakuehdot` element that carries it: `(single form, Lista form)`.
    fn elements(&self) -> (&'static str, &'static str) {
        match self {
            Self::Henkilotunnus(_) => ("henkilotunnus", "henkilotunnusLista"),
            Self::Oppijanumero(_) => ("kansallinenOppijanumero", "kansallinenOppijanumeroLista"),
        }
    }

    fn value(&self) -> &str {
        match self {
            Self::Henkilotunnus(v) | Self::Oppijanumero(v) => v,
        }
    }
}

/// Most learners one `OpiskelijanKaikkiTiedotLista` call may name (the schema's maxOccurs).
pub const LISTA_MAX: usize = 200;

/// The answer for one learner, or for every learner of a Lista call.
#[derive(Debug)]
pub struct Fetched {
    /// The records; empty when VIRTA knows nobody by that identity.
    pub virta: Virta,
    /// Bytes received.
    pub bytes: usize,
}

/// A VIRTA endpoint with its credentials.
pub struct VirtaClient {
    http: HttpSource,
    kutsuja: Kutsuja,
}

/// The password check VIRTA fails with has no documented format (virta.md §2.8); these words
/// in a fault string are taken to mean the credentials, not the request, are wrong.
const ACCESS_WORDS: [&str; 5] = ["access", "auth", "denied", "kutsuja", "avain"];

impl VirtaClient {
    /// A client for `config.endpoint`.
    pub fn new(config: HttpConfig, kutsuja: Kutsuja) -> Result<Self, FetchError> {
        Ok(Self {
            http: HttpSource::new("virta", config)?,
            kutsuja,
        })
    }

    /// `OpiskelijanKaikkiTiedot` for one learner. `origin` labels parse errors (use the learner
    /// key, never the identity code).
    pub async fn opiskelijan_kaikki_tiedot(
        &self,
        query: VirtaQuery<'_>,
        origin: &str,
    ) -> Result<Fetched, FetchError> {
        self.post(envelope(&self.kutsuja, query), origin).await
    }

    /// `OpiskelijanKaikkiTiedotLista` for 1 to [`LISTA_MAX`] learners, all asked by the same
    /// kind of identity: the schema allows hetus or OIDs in one call, never both. The answer has
    /// one `Opiskelija` per learner and institution, in no promised order; a Client fault on any
    /// one identity fails the whole call.
    pub async fn opiskelijan_kaikki_tiedot_lista(
        &self,
        queries: &[VirtaQuery<'_>],
        origin: &str,
    ) -> Result<Fetched, FetchError> {
        let kind = queries.first().map(|q| q.elements());
        if queries.len() > LISTA_MAX || queries.iter().any(|q| Some(q.elements()) != kind) {
            return Err(FetchError::Invalid {
                service: "virta",
                detail: format!(
                    "a Lista call takes 1 to {LISTA_MAX} identities of one kind, not {} mixed",
                    queries.len()
                ),
            });
        }
        self.post(lista_envelope(&self.kutsuja, queries), origin)
            .await
    }

    /// `OpiskelijanTiedot` for one learner at one institution (`organisaatio`, mandatory): the
    /// names, gender and citizenship that `OpiskelijanKaikkiTiedot` does not carry (virta.md
    /// §2.7, §6.1). Same policy as every call: rate limit, retries, credentials, faults.
    pub async fn opiskelijan_tiedot(
        &self,
        query: VirtaQuery<'_>,
        organisaatio: &str,
        origin: &str,
    ) -> Result<Fetched, FetchError> {
        self.post(names_envelope(&self.kutsuja, query, organisaatio), origin)
            .await
    }

    async fn post(&self, body: String, origin: &str) -> Result<Fetched, FetchError> {
        self.http
            .call(
                |client| {
                    client
                        .post(self.http.endpoint())
                        .header("Content-Type", "text/xml; charset=UTF-8")
                        .body(body.clone())
                },
                |answer| self.classify(answer, origin),
            )
            .await
    }

    fn classify(&self, answer: Answer, origin: &str) -> Verdict<Fetched> {
        let status = answer.status;
        if status == 401 || status == 403 {
            return Verdict::Fatal(self.rejected(format!("HTTP {status}")));
        }
        match parse(&answer.body, origin) {
            Ok(virta) if status.is_success() => Verdict::Done(Fetched {
                virta,
                bytes: answer.body.len(),
            }),
            Ok(_) => transient(&answer, format!("HTTP {status} without a SOAP fault")),
            Err(e) => match e.kind() {
                ErrorKind::Fault { string, .. } if !e.is_retryable() => {
                    let lower = string.to_lowercase();
                    if ACCESS_WORDS.iter().any(|w| lower.contains(w)) {
                        Verdict::Fatal(self.rejected(format!("HTTP {status}, {}", e.kind())))
                    } else {
                        Verdict::Fatal(FetchError::Invalid {
                            service: "virta",
                            detail: e.kind().to_string(),
                        })
                    }
                }
                ErrorKind::Fault { .. } => transient(&answer, e.kind().to_string()),
                _ if !status.is_success() => transient(&answer, format!("HTTP {status}")),
                _ => Verdict::Fatal(FetchError::Unreadable {
                    service: "virta",
                    detail: e.to_string(),
                }),
            },
        }
    }

    fn rejected(&self, detail: String) -> FetchError {
        FetchError::Rejected {
            service: "virta",
            credential: format!(
                "the Kutsuja credentials (jarjestelma `{}`, tunnus `{}`, avain from {})",
                self.kutsuja.jarjestelma, self.kutsuja.tunnus, self.kutsuja.avain_source
            ),
            detail,
        }
    }
}

fn transient<T>(answer: &Answer, reason: String) -> Verdict<T> {
    Verdict::Transient {
        reason,
        retry_after: answer.retry_after(),
    }
}

/// The request envelope of virta.md §2.6.
pub fn envelope(kutsuja: &Kutsuja, query: VirtaQuery<'_>) -> String {
    let (element, _) = query.elements();
    let hakuehdot = format!("<{element}>{}</{element}>", escape(query.value()));
    request(kutsuja, "OpiskelijanKaikkiTiedotRequest", &hakuehdot)
}

/// The `OpiskelijanTiedot` envelope: one identity and the institution it is asked of.
pub fn names_envelope(kutsuja: &Kutsuja, query: VirtaQuery<'_>, organisaatio: &str) -> String {
    let (element, _) = query.elements();
    let hakuehdot = format!(
        "<{element}>{}</{element}><organisaatio>{}</organisaatio>",
        escape(query.value()),
        escape(organisaatio)
    );
    request(kutsuja, "OpiskelijanTiedotRequest", &hakuehdot)
}

/// The `OpiskelijanKaikkiTiedotLista` envelope: one `...Lista` element per identity.
pub fn lista_envelope(kutsuja: &Kutsuja, queries: &[VirtaQuery<'_>]) -> String {
    let mut hakuehdot = String::with_capacity(queries.len() * 64);
    for query in queries {
        let (_, element) = query.elements();
        hakuehdot += &format!("<{element}>{}</{element}>", escape(query.value()));
    }
    request(kutsuja, "OpiskelijanKaikkiTiedotListaRequest", &hakuehdot)
}

fn request(kutsuja: &Kutsuja, operation: &str, hakuehdot: &str) -> String {
    format!(
        concat!(
            r#"<SOAP-ENV:Envelope xmlns:SOAP-ENV="{soap}"><SOAP-ENV:Body>"#,
            r#"<{op} xmlns="{luku}">"#,
            "<Kutsuja><jarjestelma>{j}</jarjestelma><tunnus>{t}</tunnus><avain>{a}</avain></Kutsuja>",
            "<Hakuehdot>{h}</Hakuehdot>",
            "</{op}></SOAP-ENV:Body></SOAP-ENV:Envelope>"
        ),
        soap = SOAP_ENV_NS,
        luku = LUKU_NS,
        op = operation,
        j = escape(&kutsuja.jarjestelma),
        t = escape(&kutsuja.tunnus),
        a = escape(&kutsuja.avain),
        h = hakuehdot,
    )
}

fn escape(text: &str) -> std::borrow::Cow<'_, str> {
    quick_xml::escape::escape(text)
}
