//! What the rebuild and incremental benches share: the synthetic input, generated once per
//! (seed, learners) into the target folder and reused, and a `rikastin run` whose wall time,
//! CPU time and peak RSS are measured.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use rikastin_tests::{binary, repo};

/// The seed of every bench set.
pub const SEED: u64 = 7;

/// A number from the environment, or the default.
pub fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v
            .replace('_', "")
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v} is not a whole number")),
        Err(_) => default,
    }
}

/// Where bench sets and caches live: `bench-data/` in the cargo target folder, beside the
/// release build this bench runs.
pub fn bench_dir() -> PathBuf {
    let release = binary().parent().expect("target/release").to_owned();
    release
        .parent()
        .expect("the target folder")
        .join("bench-data")
}

/// A synthetic set: one recorded VIRTA answer per learner.
pub struct Set {
    /// `<learner key>.xml` files.
    pub dir: PathBuf,
    /// Attainments over all learners.
    pub attainments: u64,
    /// Bytes over all files.
    pub bytes: u64,
}

/// The set of `learners` learners of [`SEED`], generated on first use. A set is complete when
/// its `complete` stamp exists; one without (an interrupted generation) is made again.
pub fn synthetic_set(learners: u64) -> Set {
    let dir = bench_dir().join(format!("virta-seed{SEED}-n{learners}"));
    let stamp = dir.join("complete");
    if !stamp.is_file() {
        let _ = std::fs::remove_dir_all(&dir);
        let recordings = dir.join("OpiskelijanKaikkiTiedot");
        eprintln!(
            "bench: generating {learners} synthetic learners into {} (once)",
            dir.display()
        );
        let clock = Instant::now();
        let out = Command::new(binary().with_file_name("rikastin-synth"))
            .args([
                "--learners",
                &learners.to_string(),
                "--seed",
                &SEED.to_string(),
            ])
            .arg("--out")
            .arg(&recordings)
            .arg("--secret-file")
            .arg(repo().join("data/learner-key.secret"))
            .output()
            .expect("rikastin-synth");
        assert!(
            out.status.success(),
            "rikastin-synth: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // "wrote N learner files (A attainments, B bytes) to DIR"
        let line = String::from_utf8_lossy(&out.stdout).into_owned();
        eprintln!(
            "bench: generated in {:.0} s: {}",
            clock.elapsed().as_secs_f64(),
            line.trim()
        );
        std::fs::write(&stamp, line).unwrap();
    }
    let line = std::fs::read_to_string(&stamp).unwrap();
    let number_before = |word: &str| -> u64 {
        let words: Vec<&str> = line.split([' ', '(']).collect();
        let at = words.iter().position(|w| w.starts_with(word)).unwrap();
        words[at - 1].parse().unwrap()
    };
    Set {
        dir: dir.join("OpiskelijanKaikkiTiedot"),
        attainments: number_before("attainments"),
        bytes: number_before("bytes"),
    }
}

/// A pipeline.yaml in `dir` that reads `recordings` into `cache`, with the embedded default's
/// mappings, catalogues and Diploma Supplement texts.
pub fn config(dir: &Path, recordings: &Path, cache: &Path) -> PathBuf {
    let data = repo().join("data");
    let yaml = format!(
        "mappings: {}\ncache:\n  sqlite_path: {}\nlearner_key:\n  secret_file: {}\n\
         sources:\n  virta:\n    recorded_dir: {}\n\
         enrichment:\n  catalogues_dir: {}\n  ds_dir: {}\n",
        repo().join("mappings").display(),
        cache.display(),
        data.join("learner-key.secret").display(),
        recordings.display(),
        data.join("catalogues").display(),
        data.join("ds").display(),
    );
    let path = dir.join("pipeline.yaml");
    std::fs::File::create(&path)
        .and_then(|mut f| f.write_all(yaml.as_bytes()))
        .unwrap();
    path
}

/// What one `rikastin run` took.
pub struct Measured {
    /// Wall-clock time of the process, start to exit.
    pub wall: Duration,
    /// User plus system CPU time.
    pub cpu: Duration,
    /// Peak resident set size (the kernel's maxrss of the process), in bytes.
    pub peak_rss: u64,
}

/// Runs `rikastin run --config CONFIG` and measures it. The process is reaped with `wait4`,
/// which reports its own peak RSS and CPU time (not the bench's, not rikastin-synth's).
pub fn rikastin_run(config: &Path) -> Measured {
    let clock = Instant::now();
    // Reaped below with wait4, which std's Child::wait cannot replace: it loses the rusage.
    #[allow(clippy::zombie_processes)]
    let child = Command::new(binary())
        .args(["run", "--config"])
        .arg(config)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("rikastin run");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value; wait4 fills it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our own child, not yet reaped (std's Child never waited for it).
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = clock.elapsed();
    assert_eq!(reaped, pid, "wait4: {}", std::io::Error::last_os_error());
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "rikastin run failed (wait status {status})"
    );
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    Measured {
        wall,
        cpu: time(usage.ru_utime) + time(usage.ru_stime),
        // Linux reports ru_maxrss in kilobytes.
        peak_rss: usage.ru_maxrss as u64 * 1024,
    }
}

/// The counts of the newest finished run in `cache`, from its stored summary; null when none.
pub fn last_run(cache: &Path) -> serde_json::Value {
    let Ok(db) = rusqlite::Connection::open(cache) else {
        return serde_json::Value::Null;
    };
    let json: rusqlite::Result<String> = db.query_row(
        "SELECT summary_json FROM run WHERE summary_json IS NOT NULL \
         ORDER BY started_at DESC, run_id DESC LIMIT 1",
        [],
        |row| row.get(0),
    );
    json.ok()
        .and_then(|j| serde_json::from_str(&j).ok())
        .unwrap_or(serde_json::Value::Null)
}

/// The recordings of a set, sorted by name (the order a run reads them in).
pub fn recordings(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    files.sort();
    files
}

/// `bytes` in mebibytes.
pub fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}
