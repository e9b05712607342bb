//! The HTTP side shared by both services: start and stop, the router, per-request bookkeeping
//! (arrival, latency, fault decision, stats, log line) and connections that can be reset.

use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::connect_info::Connected;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::serve::{IncomingStream, Listener};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::faults::{Fault, IdentityFault, Injector, Service, Ticket};
use crate::koski::{self, KoskiIndex};
use crate::stats::{Outcome, RequestRecord, Route, Stats, identity_digest};
use crate::virta::{self, NamesIndex, VirtaIndex, Wsdl};

/// Requests are small (a Lista request of 200 identities is about 10 kB).
const MAX_BODY_BYTES: usize = 1 << 20;

/// A stand-in VIRTA and KOSKI, configured but not yet listening.
///
/// ```no_run
/// # async fn demo() -> Result<(), rikastin_standin::Error> {
/// use rikastin_standin::{Config, StandIn};
/// let config = Config { latency_ms: 50, ..Config::default() };
/// let running = StandIn::new(config).start("127.0.0.1:0".parse().unwrap()).await?;
/// println!("VIRTA at {}", running.virta_url());
/// running.stop().await;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct StandIn {
    config: Config,
    identity_faults: Vec<IdentityFault>,
}

impl StandIn {
    /// A stand-in with this configuration.
    pub fn new(config: Config) -> Self {
        StandIn {
            config,
            identity_faults: Vec::new(),
        }
    }

    /// Adds a per-learner fault (tests only; see [`IdentityFault`]). Per-learner faults come
    /// before the fault schedule and the error rate.
    pub fn identity_fault(mut self, fault: IdentityFault) -> Self {
        self.identity_faults.push(fault);
        self
    }

    /// Loads the data, binds `bind` (port 0 picks a free port) and serves until
    /// [`Running::stop`]. Must be called inside a tokio runtime.
    pub async fn start(self, bind: SocketAddr) -> Result<Running> {
        let config = self.config;
        if !(0.0..=1.0).contains(&config.error_rate) {
            return Err(Error::Config {
                key: "error_rate",
                message: format!(
                    "{} is not a share between 0.0 and 1.0 (e.g. 0.2)",
                    config.error_rate
                ),
            });
        }
        let virta = match &config.virta_dir {
            Some(dir) => VirtaIndex::load(dir)?,
            None => VirtaIndex::default(),
        };
        let virta_names = match &config.virta_names_dir {
            Some(dir) => NamesIndex::load(dir)?,
            None => NamesIndex::default(),
        };
        let koski = match &config.koski_dir {
            Some(dir) => KoskiIndex::load(dir)?,
            None => KoskiIndex::default(),
        };
        let listener = TcpListener::bind(bind)
            .await
            .map_err(|source| Error::Bind { addr: bind, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| Error::Bind { addr: bind, source })?;
        let wsdl = config
            .wsdl
            .as_deref()
            .and_then(|path| load_wsdl(path, addr));
        tracing::info!(
            virta_recordings = virta.len(),
            virta_names = virta_names.len(),
            koski_documents = koski.len(),
            wsdl = wsdl.is_some(),
            "stand-in data loaded"
        );
        let stats = Stats::new();
        let state = Arc::new(Shared {
            injector: Injector::new(&config, self.identity_faults),
            config,
            virta,
            virta_names,
            koski,
            wsdl,
            stats: stats.clone(),
        });
        let app = router(state).into_make_service_with_connect_info::<Peer>();
        let (shutdown, stopped) = oneshot::channel::<()>();
        let serve = axum::serve(ResettableListener(listener), app).with_graceful_shutdown(async {
            let _ = stopped.await;
        });
        let task = tokio::spawn(async move {
            if let Err(e) = serve.await {
                tracing::error!(error = %e, "stand-in server stopped");
            }
        });
        Ok(Running {
            addr,
            stats,
            shutdown: Some(shutdown),
            task: Some(task),
        })
    }
}

/// Reads the WSDL; a missing or unreadable file only disables the WSDL route.
fn load_wsdl(path: &Path, addr: SocketAddr) -> Option<Wsdl> {
    match std::fs::read_to_string(path) {
        Ok(text) => Some(Wsdl::new(&text, addr)),
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "no WSDL: GET /luku/opiskelijatiedot.wsdl answers 404");
            None
        }
    }
}

/// A listening stand-in. Dropping it stops the server too, without waiting.
#[derive(Debug)]
pub struct Running {
    /// The address it listens on.
    pub addr: SocketAddr,
    /// Its request log.
    pub stats: Stats,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Running {
    /// Stops accepting, lets requests in flight finish, and waits for the server to end.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// `http://ADDR`, the base of every route.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The VIRTA SOAP endpoint, `http://ADDR/luku/OpiskelijanTiedot`.
    pub fn virta_url(&self) -> String {
        format!("{}/luku/OpiskelijanTiedot", self.url())
    }

    /// The VIRTA WSDL, `http://ADDR/luku/opiskelijatiedot.wsdl`.
    pub fn virta_wsdl_url(&self) -> String {
        format!("{}/luku/opiskelijatiedot.wsdl", self.url())
    }

    /// The KOSKI base URL, `http://ADDR/koski` (the API is under `/koski/api/...`).
    pub fn koski_url(&self) -> String {
        format!("{}/koski", self.url())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// Everything the handlers share.
pub(crate) struct Shared {
    pub(crate) config: Config,
    pub(crate) virta: VirtaIndex,
    /// The `OpiskelijanTiedot` recordings.
    pub(crate) virta_names: NamesIndex,
    pub(crate) koski: KoskiIndex,
    pub(crate) wsdl: Option<Wsdl>,
    pub(crate) injector: Injector,
    pub(crate) stats: Stats,
}

pub(crate) type AppState = Arc<Shared>;

fn router(state: AppState) -> Router {
    Router::new()
        .route("/luku/OpiskelijanTiedot", post(virta::soap))
        .route("/luku106/OpiskelijanTiedot", post(virta::soap))
        .route("/luku/opiskelijatiedot.wsdl", get(virta::wsdl))
        .route("/luku106/opiskelijatiedot.wsdl", get(virta::wsdl))
        .route("/koski/api/oppija/{oid}", get(koski::oppija))
        .route(
            "/koski/api/omadata-oauth2/resource-server",
            post(koski::omadata),
        )
        .route("/koski/api/henkilo/hetu", post(koski::henkilo_hetu))
        .route("/_standin/stats", get(stats))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

async fn stats(State(state): State<AppState>) -> Response {
    axum::Json(state.stats.to_json()).into_response()
}

/// A request under way: where it went, when it came and its place in the fault plan.
pub(crate) struct Call {
    route: Route,
    at: Duration,
    ticket: Ticket,
}

impl Shared {
    /// Notes a request's arrival and waits out the configured latency.
    pub(crate) async fn arrive(&self, route: Route, service: Service) -> Call {
        let at = self.stats.elapsed();
        let ticket = self.injector.arrive(service);
        if ticket.delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(ticket.delay_ms)).await;
        }
        Call { route, at, ticket }
    }

    /// The injected fault for this request, if any (counts an attempt per identity).
    pub(crate) fn fault(&self, call: &Call, identities: &[String]) -> Option<Fault> {
        self.injector.decide(call.ticket, identities)
    }

    /// Sends `reply`, cut in half or replaced by a reset when `fault` says so, and records it.
    pub(crate) fn finish(
        &self,
        call: Call,
        operation: &str,
        identities: &[String],
        reply: Reply,
        fault: Option<Fault>,
        peer: &Peer,
    ) -> Response {
        let (outcome, status, response) = match fault {
            Some(Fault::Reset) => {
                peer.reset();
                (
                    Outcome::Reset,
                    None,
                    StatusCode::INTERNAL_SERVER_ERROR.into_response(),
                )
            }
            Some(Fault::Truncated) => {
                let status = reply.status;
                (Outcome::Truncated, Some(status.as_u16()), reply.truncated())
            }
            _ => (
                reply.outcome,
                Some(reply.status.as_u16()),
                reply.into_response(),
            ),
        };
        tracing::info!(
            route = call.route.as_str(),
            operation,
            n = call.ticket.number,
            outcome = outcome.as_str(),
            status,
            "request"
        );
        self.stats.record(RequestRecord {
            route: call.route,
            operation: operation.to_owned(),
            at: call.at,
            outcome,
            status,
            identities: identities.iter().map(|i| identity_digest(i)).collect(),
        });
        response
    }

    /// Records a request that took no part in the fault plan (the WSDL).
    pub(crate) fn record_plain(&self, route: Route, operation: &str, reply: Reply) -> Response {
        self.stats.record(RequestRecord {
            route,
            operation: operation.to_owned(),
            at: self.stats.elapsed(),
            outcome: reply.outcome,
            status: Some(reply.status.as_u16()),
            identities: Vec::new(),
        });
        reply.into_response()
    }
}

/// An answer before it is sent: status, headers, body and how to count it.
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
    pub(crate) body: Bytes,
    pub(crate) outcome: Outcome,
}

impl Reply {
    pub(crate) fn new(
        status: StatusCode,
        content_type: &'static str,
        body: impl Into<Bytes>,
        outcome: Outcome,
    ) -> Self {
        Reply {
            status,
            headers: vec![(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
            body: body.into(),
            outcome,
        }
    }

    pub(crate) fn header(mut self, name: HeaderName, value: &'static str) -> Self {
        self.headers.push((name, HeaderValue::from_static(value)));
        self
    }

    /// The same status and headers, and the first half of the body as a stream that ends
    /// early: the client reads a cut document with no length to tell it so.
    fn truncated(self) -> Response {
        let half = self.body.slice(..self.body.len() / 2);
        let body = Body::from_stream(Body::from(half).into_data_stream());
        let mut response = (self.status, body).into_response();
        for (name, value) in self.headers {
            response.headers_mut().insert(name, value);
        }
        response
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let mut response = (self.status, self.body).into_response();
        for (name, value) in self.headers {
            response.headers_mut().insert(name, value);
        }
        response
    }
}

/// A TCP listener whose connections a handler can reset.
struct ResettableListener(TcpListener);

/// A connection's peer, and the switch that resets the connection (see [`Fault::Reset`]).
#[derive(Debug, Clone)]
pub(crate) struct Peer {
    addr: SocketAddr,
    reset: Arc<AtomicBool>,
}

impl Peer {
    /// From now on the connection fails every read and write, and closes with a TCP reset
    /// (SO_LINGER 0), so the client sees "connection reset" instead of a response.
    pub(crate) fn reset(&self) {
        tracing::debug!(peer = %self.addr, "resetting connection");
        self.reset.store(true, Ordering::SeqCst);
    }
}

impl Connected<IncomingStream<'_, ResettableListener>> for Peer {
    fn connect_info(stream: IncomingStream<'_, ResettableListener>) -> Self {
        stream.remote_addr().clone()
    }
}

impl Listener for ResettableListener {
    type Io = Conn;
    type Addr = Peer;

    async fn accept(&mut self) -> (Conn, Peer) {
        loop {
            match self.0.accept().await {
                Ok((stream, addr)) => {
                    let _ = stream.set_nodelay(true);
                    let reset = Arc::new(AtomicBool::new(false));
                    let peer = Peer {
                        addr,
                        reset: reset.clone(),
                    };
                    return (Conn { stream, reset }, peer);
                }
                // Out of file descriptors and the like: back off, as axum's own listener does.
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<Peer> {
        Ok(Peer {
            addr: self.0.local_addr()?,
            reset: Arc::new(AtomicBool::new(false)),
        })
    }
}

/// A TCP stream that fails with `ConnectionReset` once its peer's switch is set.
pub(crate) struct Conn {
    stream: TcpStream,
    reset: Arc<AtomicBool>,
}

impl Conn {
    fn check(&self) -> io::Result<()> {
        if self.reset.load(Ordering::SeqCst) {
            // Linger 0: closing sends RST, not FIN.
            let _ = self.stream.set_zero_linger();
            return Err(io::ErrorKind::ConnectionReset.into());
        }
        Ok(())
    }
}

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Err(e) = this.check() {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut this.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if let Err(e) = this.check() {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut this.stream).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Err(e) = this.check() {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut this.stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Err(e) = this.check() {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut this.stream).poll_shutdown(cx)
    }
}
