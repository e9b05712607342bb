//! `rikastin-synth`: writes seeded synthetic VIRTA responses, one file per learner.
//!
//! Run with: `cargo run -p rikastin-synth -- --learners 24 --seed 2026
//! --out data/recorded/virta/OpiskelijanKaikkiTiedot --secret-file data/learner-key.secret`

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use rikastin_sinks::LearnerSecret;
use rikastin_synth::{DEFAULT_LEARNERS, DEFAULT_SEED, Options, generate};

/// Writes synthetic VIRTA OpiskelijanKaikkiTiedot SOAP responses, one `<learner key>.xml` per
/// learner. The same seed and count always give byte-identical files. The first 12 learners of
/// every seed are fixed scenarios (see data/recorded/README.md); the rest are random but realistic.
#[derive(Debug, Parser)]
#[command(name = "rikastin-synth", version)]
struct Cli {
    /// How many learners to write (indices 0..N). Up to about 12.5 million per seed.
    #[arg(long, default_value_t = DEFAULT_LEARNERS)]
    learners: u64,
    /// Seed of the generator; the embedded default uses 2026.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    seed: u64,
    /// Folder for the files; created if missing. Existing files with other names are left alone.
    #[arg(long)]
    out: PathBuf,
    /// File holding the learner-key secret (at least 16 bytes), the same one the cache uses, so
    /// file names match the cache's learner keys. Never put the secret on the command line.
    #[arg(long)]
    secret_file: PathBuf,
    /// Also write a targets CSV of the same learners, for `rikastin targets add` (it holds the
    /// synthetic identity codes).
    #[arg(long)]
    targets_csv: Option<PathBuf>,
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rikastin-synth: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let secret = LearnerSecret::from_file(&cli.secret_file).with_context(|| {
        format!(
            "reading the learner-key secret {}",
            cli.secret_file.display()
        )
    })?;
    let options = Options {
        learners: cli.learners,
        seed: cli.seed,
        out_dir: cli.out.clone(),
        targets_csv: cli.targets_csv.clone(),
    };
    let step = (cli.learners / 20).max(10_000);
    let summary = generate(&options, &secret, |done| {
        if done % step == 0 {
            eprintln!("rikastin-synth: {done} of {} learners", cli.learners);
        }
    })?;
    // Counts and the folder only: never an identity code (DESIGN.md invariant 5).
    println!(
        "wrote {} learner files ({} attainments, {} bytes) to {}",
        summary.learners,
        summary.attainments,
        summary.bytes,
        cli.out.display()
    );
    Ok(())
}
