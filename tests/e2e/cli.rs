//! The command line: help, exit codes, errors that say where, and no identity codes anywhere.

use std::path::Path;

use rikastin_tests::{TestDir, repo, shared};

use crate::checks::input_attainments;

fn recorded() -> std::path::PathBuf {
    repo().join("data/recorded/virta/OpiskelijanKaikkiTiedot")
}

#[test]
fn every_command_has_help() {
    let t = TestDir::with_recordings(&recorded());
    for cmd in [
        &["--help"][..],
        &["run", "--help"],
        &["show", "--help"],
        &["list", "--help"],
        &["lint", "--help"],
        &["validate", "--help"],
        &["mappings", "check", "--help"],
    ] {
        let mut c = std::process::Command::new(rikastin_tests::binary());
        let out = c.args(cmd).output().unwrap();
        assert!(out.status.success(), "{cmd:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Usage: rikastin"),
            "{cmd:?}"
        );
    }
    let help = t.rikastin(&["--help"]).expect(0).stdout;
    assert!(help.contains("Exit codes:"), "{help}");
}

#[test]
fn lint_reports_what_the_official_example_breaks() {
    let Some(shared) = shared() else {
        eprintln!("skipped: ../shared is missing");
        return;
    };
    let example = shared.join("specs/elmo-1.7.0/example.xml");
    let t = TestDir::with_recordings(&recorded());
    let out = t
        .rikastin(&["lint", example.to_str().unwrap()])
        .expect(1)
        .stdout;
    // The example writes the credit scheme as `ECTS`; the predefined value is `ects`.
    assert!(out.contains("ECTS"), "{out}");
    assert!(out.contains("credit"), "{out}");
}

#[test]
fn validate_accepts_the_official_example_and_rejects_a_broken_document() {
    let Some(shared) = shared() else {
        eprintln!("skipped: ../shared is missing");
        return;
    };
    if !rikastin_tests::have_xmllint() {
        eprintln!("skipped: xmllint is not installed");
        return;
    }
    let schema = shared.join("specs/elmo-1.7.0/schema.xsd");
    let example = shared.join("specs/elmo-1.7.0/example.xml");
    let t = TestDir::with_recordings(&recorded());
    t.rikastin(&[
        "validate",
        example.to_str().unwrap(),
        "--schema",
        schema.to_str().unwrap(),
    ])
    .expect(0);
    let broken = t.path("broken.xml");
    let text = std::fs::read_to_string(&example)
        .unwrap()
        .replacen("<url>", "<uri>", 1)
        .replacen("</url>", "</uri>", 1);
    std::fs::write(&broken, text).unwrap();
    t.rikastin(&[
        "validate",
        broken.to_str().unwrap(),
        "--schema",
        schema.to_str().unwrap(),
    ])
    .expect(1);
}

#[test]
fn an_unknown_config_key_stops_the_run_with_file_line_and_column() {
    let t = TestDir::with_recordings(&recorded());
    let text = std::fs::read_to_string(t.config())
        .unwrap()
        .replace("sqlite_path:", "sqlite_pth:");
    std::fs::write(t.config(), text).unwrap();
    let run = t.rikastin(&["run"]).expect(2);
    assert!(run.stderr.contains("pipeline.yaml:3:3"), "{}", run.stderr);
    assert!(
        run.stderr.contains("unknown field `sqlite_pth`"),
        "{}",
        run.stderr
    );
    assert!(
        !t.path("cache").exists(),
        "nothing is opened before the config is good"
    );
}

#[test]
fn a_bad_mapping_rule_stops_the_run_before_anything_is_read() {
    let maps = tempfile::tempdir().unwrap();
    for f in ["virta.yaml", "institutions.yaml"] {
        std::fs::copy(repo().join("mappings").join(f), maps.path().join(f)).unwrap();
    }
    let virta = maps.path().join("virta.yaml");
    let text = std::fs::read_to_string(&virta)
        .unwrap()
        .replace("los_type: Module", "los_type: Modul");
    std::fs::write(&virta, text).unwrap();
    let t = TestDir::with(&recorded(), maps.path());
    let run = t.rikastin(&["run"]).expect(2);
    assert!(run.stderr.contains("virta.yaml:"), "{}", run.stderr);
    assert!(
        run.stderr.contains("attainments[3].los_type"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("unknown LOS type `Modul`"),
        "{}",
        run.stderr
    );
    assert!(!t.path("cache").exists());
}

#[test]
fn a_broken_recording_fails_its_learner_only_and_says_where() {
    let dir = tempfile::tempdir().unwrap();
    let mut names: Vec<_> = std::fs::read_dir(recorded())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    for p in names.iter().take(3) {
        std::fs::copy(p, dir.path().join(p.file_name().unwrap())).unwrap();
    }
    // Cut the third recording in the middle of an attainment.
    let victim = dir.path().join(names[2].file_name().unwrap());
    let text = std::fs::read_to_string(&victim).unwrap();
    let cut = text.find("<virta:SuoritusPvm>").expect("an attainment");
    std::fs::write(&victim, format!("{}</virta:Opintosuoritus>", &text[..cut])).unwrap();

    let t = TestDir::with_recordings(dir.path());
    let run = t.rikastin(&["run"]).expect(1);
    assert!(run.stdout.contains("2 created"), "{}", run.stdout);
    let name = victim.file_stem().unwrap().to_string_lossy().into_owned();
    let failure = run
        .stdout
        .lines()
        .find(|l| l.contains("Parse"))
        .expect("a parse failure line");
    // The recording, the line and column, the element path and what went wrong: a cut
    // document is broken XML, which no record-level rule can read past.
    assert!(failure.contains(&format!("{name}:")), "{failure}");
    assert!(
        failure.contains("/Opiskelija[1]/Opintosuoritukset: malformed XML"),
        "{failure}"
    );
    assert!(failure.contains("unexpected end of document"), "{failure}");
}

#[test]
fn an_empty_run_is_an_error_unless_allowed() {
    let empty = tempfile::tempdir().unwrap();
    let t = TestDir::with_recordings(empty.path());
    let run = t.rikastin(&["run"]).expect(2);
    assert!(run.stderr.contains("no snapshot"), "{}", run.stderr);
    t.rikastin(&["run", "--allow-empty"]).expect(0);
}

#[test]
fn show_needs_a_known_key_and_says_so() {
    let t = TestDir::with_recordings(&recorded());
    t.rikastin(&["run"]).expect(0);
    let run = t.rikastin(&["show", "ffffffffffff0000"]).expect(2);
    assert!(run.stderr.contains("no learner"), "{}", run.stderr);
    let run = t.rikastin(&["show", "010190-123A"]).expect(2);
    assert!(run.stderr.contains("not a learner key"), "{}", run.stderr);
}

/// DESIGN.md invariant 5: no identity code in any output, trace logging on, nor in the cache.
#[test]
fn no_identity_code_appears_in_output_logs_or_the_cache() {
    let hetus = identity_codes(&recorded());
    assert!(
        hetus.len() >= 20,
        "the default has identity codes to look for"
    );
    let t = TestDir::with_recordings(&recorded());
    let mut outputs = Vec::new();
    let run = std::process::Command::new(rikastin_tests::binary())
        .args(["run", "--config"])
        .arg(t.config())
        .env("RIKASTIN_LOG", "trace")
        .output()
        .unwrap();
    outputs.push(String::from_utf8_lossy(&run.stdout).into_owned());
    outputs.push(String::from_utf8_lossy(&run.stderr).into_owned());
    let list = t.rikastin(&["list"]).expect(0).stdout;
    for key in list.lines().filter_map(|l| l.split_whitespace().next()) {
        outputs.push(t.rikastin(&["show", key]).expect(0).stdout);
    }
    outputs.push(list);
    let cache = std::fs::read(t.path("cache/cache.sqlite")).unwrap();
    let cache = String::from_utf8_lossy(&cache);
    for hetu in &hetus {
        for out in &outputs {
            assert!(
                !out.contains(hetu.as_str()),
                "an identity code leaked into the output"
            );
        }
        assert!(
            !cache.contains(hetu.as_str()),
            "an identity code is in the cache file"
        );
    }
    let names: Vec<String> = std::fs::read_dir(recorded())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for hetu in &hetus {
        assert!(
            names.iter().all(|n| !n.contains(hetu.as_str())),
            "an identity code in a file name"
        );
    }
    let _ = input_attainments(Path::new(&recorded()));
}

fn identity_codes(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for part in text.split("Henkilotunnus>").skip(1).step_by(2) {
            if let Some(end) = part.find('<') {
                out.push(part[..end].to_owned());
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// `rikastin show … | head`: a reader that goes away ends the command quietly with 0, as
/// `rg | head` does (issue 19), never a panic (101) or "Broken pipe".
#[test]
fn a_closed_pipe_ends_show_and_explain_quietly() {
    use std::io::Read;
    let t = TestDir::embedded();
    t.rikastin(&["run"]).expect(0);
    let key = "fc1664abafeb38acf862e20c71b4b1d85f5de78c2432c7a3d5ab656462006aaa";
    for command in ["show", "explain"] {
        let mut child = std::process::Command::new(rikastin_tests::binary())
            .args([command, "--config", t.config().to_str().unwrap(), key])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = [0u8; 16];
        child
            .stdout
            .as_mut()
            .unwrap()
            .read_exact(&mut first)
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{command}: {stderr}");
        assert!(
            !stderr.contains("Broken pipe") && !stderr.contains("panicked"),
            "{command}: {stderr}"
        );
    }
}

/// A missing file is named once with its cause said once (issue 19: the cause came twice).
#[test]
fn a_missing_config_says_its_cause_once() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("none.yaml");
    let out = std::process::Command::new(rikastin_tests::binary())
        .args(["run", "--config", missing.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("none.yaml: cannot read"), "{stderr}");
    assert_eq!(
        stderr.matches("No such file or directory").count(),
        1,
        "{stderr}"
    );
}

/// The cache, the run report and the metrics file are the owner's alone (issue 19).
#[test]
fn files_a_run_creates_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let t = TestDir::embedded();
    let (report, metrics) = (t.path("report.json"), t.path("run.prom"));
    t.rikastin(&[
        "run",
        "--report-json",
        report.to_str().unwrap(),
        "--metrics-textfile",
        metrics.to_str().unwrap(),
    ])
    .expect(0);
    for file in [t.path("cache/cache.sqlite"), report, metrics] {
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", file.display());
    }
}

/// Each command's --help lists only its own exit codes, and completions are generated (issue 19).
#[test]
fn help_lists_each_commands_own_exit_codes_and_completions_exist() {
    let help = |args: &[&str]| {
        let out = std::process::Command::new(rikastin_tests::binary())
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    for command in ["lint", "serve", "validate"] {
        let text = help(&[command, "--help"]);
        assert!(text.contains("Exit codes:"), "{command}: {text}");
        assert!(
            !text.contains("--max-failed") && !text.contains("--max-changes"),
            "{command}: {text}"
        );
    }
    assert!(help(&["run", "--help"]).contains("--max-failed allows"));
    let bash = help(&["completions", "bash"]);
    assert!(
        bash.contains("_rikastin()") && bash.contains("deadletter"),
        "{bash}"
    );
}
