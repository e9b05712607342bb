//! The `rikastin-standin` program: the ready line, the port file, `--help`, and a clean stop
//! on SIGTERM with a summary.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::*;

const BIN: &str = env!("CARGO_BIN_EXE_rikastin-standin");

#[test]
fn help_describes_every_flag() {
    let output = Command::new(BIN).arg("--help").output().expect("runs");
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for flag in [
        "--listen",
        "--port-file",
        "--virta-dir",
        "--koski-dir",
        "--wsdl",
        "--virta-jarjestelma",
        "--virta-tunnus",
        "--virta-avain",
        "--auth-failure",
        "--no-data",
        "--quirks",
        "--koski-user",
        "--koski-password",
        "--koski-bearer",
        "--virta-unavailable",
        "--latency-ms",
        "--latency-jitter-ms",
        "--error-rate",
        "--seed",
        "--fault",
    ] {
        assert!(help.contains(flag), "--help does not mention {flag}");
    }
    assert!(help.contains("STANDIN_VIRTA_AVAIN") && help.contains("STANDIN_KOSKI_PASSWORD"));
}

#[test]
fn bad_flag_values_are_refused() {
    let output = Command::new(BIN)
        .args(["--fault", "virta:0=503"])
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let output = Command::new(BIN)
        .args(["--error-rate", "2"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("error_rate"));
}

#[cfg(unix)]
#[test]
fn prints_the_ready_line_serves_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().expect("temp dir");
    let port_file = dir.path().join("port");
    let mut child = Command::new(BIN)
        .args(["--listen", "127.0.0.1:0", "--virta-dir"])
        .arg(recorded_virta())
        .arg("--port-file")
        .arg(&port_file)
        .env("STANDIN_VIRTA_AVAIN", "ympariston-avain")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("ready line");
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .expect("`listening on URL`")
        .to_owned();
    assert!(url.starts_with("http://127.0.0.1:"));
    let port = std::fs::read_to_string(&port_file).expect("port file");
    assert!(url.ends_with(&format!(":{}", port.trim())));

    let learner = learner(HAAGA_HELIA);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let endpoint = format!("{url}/luku/OpiskelijanTiedot");
    let (with_env, _, _) = runtime.block_on(post_soap(
        &endpoint,
        single(
            "ympariston-avain",
            &format!("<henkilotunnus>{}</henkilotunnus>", learner.hetu),
        ),
    ));
    let (with_default, _, _) = runtime.block_on(post_soap(&endpoint, by_hetu(&learner.hetu)));
    assert_eq!(
        (with_env, with_default),
        (200, 401),
        "the avain comes from the environment"
    );

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let output = child.wait_with_output().expect("exits");
    assert!(output.status.success(), "a clean stop on SIGTERM");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("virta: 2 requests (ok 1, 401 1)"),
        "summary missing from stderr"
    );
    assert!(
        !stderr.contains(&learner.hetu),
        "an identity code in the log"
    );
}
