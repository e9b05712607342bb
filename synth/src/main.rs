//! `rikastin-synth`: writes seeded synthetic VIRTA responses, one file per learner.
//!
//! Run with: `cargo run -p rikastin-synth -- --learners 24 --seed 2026
//! --out data/recorded/virta/OpiskelijanKaikkiTiedot --secret-file data/learner-key.secret`
//! --names-out data/recorded/virta/OpiskelijanTiedot` (and `--catalogues-out data/catalogues` for
//! the demo course catalogues).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use rikastin_sinks::LearnerSecret;
use rikastin_synth::{
    DEFAULT_LEARNERS, DEFAULT_SEED, Options, Quirk, Quirks, generate, write_catalogue_files,
};

/// Writes synthetic VIRTA OpiskelijanKaikkiTiedot SOAP responses, one `<learner key>.xml` per
/// learner, and with --names-out the OpiskelijanTiedot answers that carry the names. The same
/// seed and count always give byte-identical files. The first 12 learners of every seed are fixed
/// scenarios (see data/recorded/README.md), each showing its own real-data quirks; the rest are
/// random but realistic, and show quirks only when --quirk asks.
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
    #[arg(
        long,
        required_unless_present = "catalogues_out",
        requires = "secret_file"
    )]
    out: Option<PathBuf>,
    /// File holding the learner-key secret (at least 16 bytes), the same one the cache uses, so
    /// file names match the cache's learner keys. Never put the secret on the command line.
    #[arg(long, required_unless_present = "catalogues_out", requires = "out")]
    secret_file: Option<PathBuf>,
    /// Also write a targets CSV of the same learners, for `rikastin targets add` (it holds the
    /// synthetic identity codes).
    #[arg(long)]
    targets_csv: Option<PathBuf>,
    /// Also write the OpiskelijanTiedot answers (name, sex, nationality, mother tongue, home
    /// municipality, enrolment date) into this folder, `<learner key>.<institution code>.xml`
    /// per learner and institution. OpiskelijanKaikkiTiedot answers never carry names, as in
    /// VIRTA (virta.md §2.7).
    #[arg(long, requires = "out")]
    names_out: Option<PathBuf>,
    /// A real-data quirk random learners may show (repeat for more). Off by default, so bulk
    /// data stays as it is; the fixed scenarios show theirs anyway (data/recorded/README.md).
    #[arg(long = "quirk", value_enum)]
    quirks: Vec<Quirk>,
    /// The chance, in percent, that a random learner shows each --quirk.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(0..=100))]
    quirk_percent: u32,
    /// Also (or only) write the demo course catalogues of the generator's institutions into
    /// this folder (`data/catalogues`); they do not depend on the seed.
    #[arg(long)]
    catalogues_out: Option<PathBuf>,
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
    if let Some(dir) = &cli.catalogues_out {
        let written = write_catalogue_files(dir)
            .with_context(|| format!("writing the demo catalogues to {}", dir.display()))?;
        println!(
            "wrote {} catalogue files to {}",
            written.len(),
            dir.display()
        );
    }
    let (Some(out), Some(secret_file)) = (&cli.out, &cli.secret_file) else {
        return Ok(());
    };
    let secret = LearnerSecret::from_file(secret_file)
        .with_context(|| format!("reading the learner-key secret {}", secret_file.display()))?;
    let options = Options {
        learners: cli.learners,
        seed: cli.seed,
        out_dir: out.clone(),
        targets_csv: cli.targets_csv.clone(),
        names_out: cli.names_out.clone(),
        quirks: Quirks::of(&cli.quirks),
        quirk_percent: cli.quirk_percent,
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
        out.display()
    );
    if let Some(dir) = &cli.names_out {
        println!(
            "wrote {} OpiskelijanTiedot answers to {}",
            summary.names_files,
            dir.display()
        );
    }
    Ok(())
}
