//! Helpers for the end-to-end tests: a temporary workspace per test and the real binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `../shared` beside the repository, or None (tests then say what they skipped).
pub fn shared() -> Option<PathBuf> {
    let p = repo().join("../shared");
    p.join("specs/elmo-1.7.0/schema.xsd").is_file().then_some(p)
}

/// The `rikastin` binary next to this test executable (`make test` builds it first).
pub fn binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let debug = exe.parent().and_then(Path::parent).expect("target/debug");
    let bin = debug.join("rikastin");
    assert!(
        bin.is_file(),
        "{} is missing: run `cargo build --bins` (make test does)",
        bin.display()
    );
    bin
}

/// A folder of its own for one test, with a pipeline.yaml over the given recordings.
pub struct TestDir {
    /// Deleted on drop.
    pub dir: tempfile::TempDir,
}

impl TestDir {
    /// A config whose cache is in the temporary folder, reading `recorded` and the repo's mappings.
    pub fn with_recordings(recorded: &Path) -> Self {
        Self::with(recorded, &repo().join("mappings"))
    }

    /// The embedded default: VIRTA and KOSKI recordings, catalogues and DS texts, with the
    /// cache in a temporary folder.
    pub fn embedded() -> Self {
        let t = Self::with_recordings(&repo().join("data/recorded/virta/OpiskelijanKaikkiTiedot"));
        let koski = format!(
            "    names_dir: {}\n  koski:\n    recorded_dir: {}\nenrichment:\n  catalogues_dir: {}\n  ds_dir: {}\n",
            repo()
                .join("data/recorded/virta/OpiskelijanTiedot")
                .display(),
            repo().join("data/recorded/koski/oppija").display(),
            repo().join("data/catalogues").display(),
            repo().join("data/ds").display()
        );
        let mut yaml = std::fs::read_to_string(t.config()).expect("config written");
        yaml.push_str(&koski);
        std::fs::write(t.config(), yaml).expect("write config");
        t
    }

    /// Same, with another mapping folder.
    pub fn with(recorded: &Path, mappings: &Path) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let yaml = format!(
            "mappings: {}\ncache:\n  sqlite_path: cache/cache.sqlite\nlearner_key:\n  secret_file: {}\nsources:\n  virta:\n    recorded_dir: {}\n",
            mappings.display(),
            repo().join("data/learner-key.secret").display(),
            recorded.display()
        );
        std::fs::write(dir.path().join("pipeline.yaml"), yaml).expect("write config");
        Self { dir }
    }

    /// The config file.
    pub fn config(&self) -> PathBuf {
        self.dir.path().join("pipeline.yaml")
    }

    /// A path inside the folder.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs `rikastin ARGS` with `--config` appended where the command takes one.
    pub fn rikastin(&self, args: &[&str]) -> Run {
        let mut cmd = Command::new(binary());
        cmd.args(args);
        if matches!(args.first(), Some(&"run" | &"show" | &"list")) {
            cmd.arg("--config").arg(self.config());
        }
        cmd.env_remove("RIKASTIN_LEARNER_KEY_SECRET");
        Run::of(cmd.output().expect("run rikastin"), args)
    }
}

/// A finished command.
pub struct Run {
    /// Exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// For messages.
    pub args: String,
}

impl Run {
    /// The outcome of a command that ran `rikastin ARGS`.
    pub fn of(out: Output, args: &[&str]) -> Self {
        Self {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            args: args.join(" "),
        }
    }

    /// Asserts the exit code, printing both streams in full when it differs.
    pub fn expect(self, code: i32) -> Self {
        assert_eq!(
            self.code, code,
            "rikastin {}\n--- stdout\n{}\n--- stderr\n{}",
            self.args, self.stdout, self.stderr
        );
        self
    }
}

/// Runs `../shared/tools/validate-elmo` on the files; returns its output when it fails.
pub fn validate_elmo(files: &[PathBuf]) -> Result<(), String> {
    let shared = shared().expect("checked by the caller");
    let out = Command::new(shared.join("tools/validate-elmo"))
        .args(files)
        .output()
        .map_err(|e| format!("cannot run validate-elmo: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// True when xmllint is installed.
pub fn have_xmllint() -> bool {
    Command::new("xmllint").arg("--version").output().is_ok()
}
