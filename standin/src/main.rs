//! `rikastin-standin`: the stand-in VIRTA and KOSKI servers as a program, for `make run-live`.
//! Prints `listening on http://ADDR` on stdout once ready, logs requests (no identities) to
//! stderr, and on SIGTERM or Ctrl-C stops and prints the request counts to stderr.
//!
//! Run with: `cargo run -p rikastin-standin -- --virta-dir data/recorded/virta/OpiskelijanKaikkiTiedot`

use std::io::{IsTerminal as _, Write as _};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Parser;
use rikastin_standin::{Config, StandIn};

/// Stand-in VIRTA (SOAP 1.1) and KOSKI (REST) servers that answer from recorded files.
///
/// VIRTA: POST /luku/OpiskelijanTiedot (alias /luku106/...), GET /luku/opiskelijatiedot.wsdl.
/// KOSKI: GET /koski/api/oppija/{oid}, POST /koski/api/omadata-oauth2/resource-server,
/// POST /koski/api/henkilo/hetu. Request log as JSON: GET /_standin/stats.
///
/// Prints one line, `listening on http://ADDR`, to stdout when ready. Stops on SIGTERM or
/// Ctrl-C and prints the request counts to stderr. Exit codes: 0 after a clean stop, 2 when
/// it cannot start (bad data file, port in use, bad flag).
#[derive(Debug, Parser)]
#[command(name = "rikastin-standin", version)]
struct Cli {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,

    /// Also write the chosen port to this file once listening.
    #[arg(long, value_name = "FILE")]
    port_file: Option<PathBuf>,

    #[command(flatten)]
    config: Config,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rikastin-standin: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let running = StandIn::new(cli.config).start(cli.listen).await?;
        if let Some(path) = &cli.port_file {
            std::fs::write(path, format!("{}\n", running.addr.port()))
                .with_context(|| format!("cannot write the port to {}", path.display()))?;
        }
        let mut stdout = std::io::stdout();
        writeln!(stdout, "listening on {}", running.url())?;
        stdout.flush()?;
        shutdown_signal().await;
        let stats = running.stats.clone();
        running.stop().await;
        eprint!("{}", stats.summary());
        Ok(())
    })
}

/// Ctrl-C, or SIGTERM on Unix (what `kill` and process supervisors send).
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
