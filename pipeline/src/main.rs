//! The `rikastin` command line: a thin layer over the pipeline library.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use rikastin::config::{Config, Transport};
use rikastin::enrich::Enrichment;
use rikastin::enrich::catalogue::Catalogues;
use rikastin::enrich::ds::DsLibrary;
use rikastin::mapping::Mappings;
use rikastin::ops;
use rikastin::run::live::Live;
use rikastin::run::recorded::Recorded;
use rikastin::run::{Job, Shard, Summary};
use rikastin_sinks::{LearnerSecret, NewTarget, Store, TargetSeal};
use rikastin_sources::koski::{KoskiClient, KoskiLogin};
use rikastin_sources::virta::{Kutsuja, VirtaClient};
use rikastin_sources::{RecordedFolder, redact};

const EXIT_CODES: &str = "\
Exit codes:
  0  done: every learner was written or unchanged, or fewer failed than
     --max-failed allows; also a run over HTTP with nothing due
  1  done, but more learners failed than --max-failed allows (default: none;
     see the summary and `rikastin deadletter list`)
  2  could not do the job: bad configuration, unreadable input, cache error,
     or a run that wrote nothing (unless --allow-empty)
  3  a source refused our credentials (HTTP 401/403): the run stopped at once;
     the message names the credential to fix
  4  another run holds this cache's lock for the same shard: nothing was done
  5  the plan changes more snapshots than --max-changes allows: nothing was
     written (`rikastin plan` lists them; --confirm-changes runs anyway)
  6  a source was unavailable: every learner's request to it ran out of
     retries, and no snapshot was written";

/// `lint`, `validate`, `catalogue check`, `mappings test`: a file is checked.
const CHECK_EXIT_CODES: &str = "\
Exit codes:
  0  the file is clean (warnings are shown, but do not fail it)
  1  the file has errors (each named with where it is)
  2  the file could not be read, or the configuration is bad";

/// `serve`: the read API runs until it is stopped.
const SERVE_EXIT_CODES: &str = "\
Exit codes:
  0  stopped cleanly
  2  could not start, or stopped on an error: bad configuration, an unreadable key,
     certificate or cache, or the address is in use";

/// `targets add`: every row is checked before anything is added.
const TARGETS_EXIT_CODES: &str = "\
Exit codes:
  0  every row was added (or was there already)
  1  a row is bad (each named by line): nothing was added
  2  the configuration, the secret or the cache could not be read";

const PLAN_EXIT_CODES: &str = "\
Exit codes:
  0  planned; nothing was written (whether or not anything would change)
  1  planned, but some learners failed to build (see the summary)
  2  could not plan: bad configuration, unreadable input, or a cache error
  3  a source refused our credentials (HTTP 401/403)";

const OPS_EXIT_CODES: &str = "\
Exit codes:
  0  done (also when there is nothing to list, retry or clear)
  1  retry only: done, but some dead letters are of learners that are no
     longer targets (`deadletter clear` removes them)
  2  could not do the job: bad configuration, no cache yet, a cache error, or a
     wrong argument (a KEY that is not 4 to 64 hex digits or matches no dead
     letter, a RUN that is not in the cache); nothing was changed";

/// Rikastin enriches Finnish study records (VIRTA, KOSKI) into ELMO 1.7 snapshots for EMREX.
#[derive(Parser)]
#[command(name = "rikastin", version, after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
    /// How log lines on stderr are written: `text` for a person, `json` (one object per line)
    /// for cron, journald and containers. Default: text when stderr is a terminal, else json.
    /// Logs show warnings and errors (and under json the run's start and end) unless
    /// RIKASTIN_LOG sets a filter, e.g. `info` or `rikastin=debug`. Never an identity code.
    #[arg(
        long,
        global = true,
        env = "RIKASTIN_LOG_FORMAT",
        value_name = "FORMAT"
    )]
    log_format: Option<rikastin::console::LogFormat>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Build ELMO snapshots and store them in the cache: for every recorded learner when the
    /// sources are recorded folders, or for the due targets (see `targets add`) when they are
    /// HTTP services.
    #[command(after_help = EXIT_CODES)]
    Run(RunArgs),
    /// Build every snapshot a run would, compare each with the stored one and print what would
    /// change, per learner (results added, removed or changed; grades; texts) and in total.
    /// Writes nothing to the cache. The same as `run --dry-run`.
    #[command(after_help = PLAN_EXIT_CODES)]
    Plan {
        /// The pipeline configuration.
        #[arg(long, default_value = "data/pipeline.yaml")]
        config: PathBuf,
        /// generatedDate to build with (it never counts as a change).
        #[arg(long)]
        now: Option<String>,
        /// Plan only shard INDEX of COUNT of the targets (runs over HTTP).
        #[arg(long, value_name = "INDEX/COUNT")]
        shard: Option<rikastin::run::Shard>,
        /// Also write the plan, every learner and change, as JSON to this file.
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
    },
    /// Print a learner's stored ELMO document (unsigned). LEARNER is a learner key or a
    /// unique prefix of one (see `rikastin list`).
    Show {
        /// Learner key or unique prefix.
        learner: String,
        /// The pipeline configuration (to find the cache).
        #[arg(long, default_value = "data/pipeline.yaml")]
        config: PathBuf,
    },
    /// List the learners in the cache: key, results, generatedDate.
    List {
        /// The pipeline configuration (to find the cache).
        #[arg(long, default_value = "data/pipeline.yaml")]
        config: PathBuf,
    },
    /// Print a completion script for SHELL (bash, zsh, fish, elvish, powershell) to stdout,
    /// e.g. `rikastin completions bash > /etc/bash_completion.d/rikastin`. Exit 0.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Check an ELMO file against the rules the XSD cannot enforce (elmo/LINT.md).
    #[command(after_help = CHECK_EXIT_CODES)]
    Lint {
        /// The ELMO XML file.
        file: PathBuf,
    },
    /// Validate an ELMO file against the official ELMO 1.7.0 XSD, with xmllint.
    #[command(after_help = CHECK_EXIT_CODES)]
    Validate {
        /// The ELMO XML file.
        file: PathBuf,
        /// The ELMO XSD; a catalog.xml beside it resolves the imported schemas offline.
        #[arg(
            long,
            env = "RIKASTIN_ELMO_XSD",
            default_value = "../shared/specs/elmo-1.7.0/schema.xsd"
        )]
        schema: PathBuf,
    },
    /// Work with the mapping rules.
    Mappings {
        #[command(subcommand)]
        command: MappingsCmd,
    },
    /// Whom a run over HTTP refreshes.
    Targets {
        #[command(subcommand)]
        command: TargetsCmd,
    },
    /// Where each field of a learner's stored document came from: the VIRTA or KOSKI record,
    /// the catalogue file, line and version, the DS file, and the rule that put it there.
    Explain {
        /// Learner key or unique prefix.
        learner: String,
        /// Only the result with this LOS identifier (a value, or `type:value`).
        #[arg(long)]
        los: Option<String>,
        /// The pipeline configuration (to find the cache).
        #[arg(long, default_value = "data/pipeline.yaml")]
        config: PathBuf,
    },
    /// Course catalogues, as an institution supplies them.
    Catalogue {
        #[command(subcommand)]
        command: CatalogueCmd,
    },
    /// Reports over the whole cache.
    Report {
        #[command(subcommand)]
        command: ReportCmd,
    },
    /// The dead letters: learners whose latest refresh failed, each with the source, phase and
    /// class of the failure, how many times in a row it failed, and the latest reason (never an
    /// identity code). A learner stays on the list until a refresh of it succeeds.
    Deadletter {
        #[command(subcommand)]
        command: DeadletterCmd,
    },
    /// The runs recorded in the cache, and what each one did.
    Runs {
        #[command(subcommand)]
        command: RunsCmd,
    },
    /// Serve the cached documents to the NCP over HTTP: signed, cut to a selection, with a
    /// PDF transcript, or as the EMREX envelope (docs/serve.md, docs/openapi.yaml). Runs until
    /// Ctrl-C or SIGTERM, then finishes the requests under way.
    #[command(after_help = SERVE_EXIT_CODES)]
    Serve {
        /// The pipeline configuration (cache, secret and the `serve` section).
        #[arg(long, default_value = "data/pipeline.yaml")]
        config: PathBuf,
        /// Listen here instead of `serve.listen`, e.g. `127.0.0.1:0` for any free port.
        #[arg(long)]
        listen: Option<String>,
    },
}

#[derive(Subcommand)]
enum DeadletterCmd {
    /// List the dead letters, by learner key: key prefix, source, phase, class, failures in a
    /// row, first and last failure, the latest reason; then the totals by kind.
    #[command(after_help = OPS_EXIT_CODES)]
    List {
        /// Write a JSON array instead, one object per learner with the whole learner key and
        /// every stored column.
        #[arg(long)]
        json: bool,
        /// The pipeline configuration (to find the cache).
        #[arg(long, default_value = "data/pipeline.yaml")]
        config: PathBuf,
    },
    /// Have the next `rikastin run` refresh these learners whatever the staleness policy says,
    /// as the read API's refresh request does. The dead letter stays until the refresh
    /// succeeds; if it fails again, its attempts go up.
    #[command(after_help = OPS_EXIT_CODES)]
    Retry {
        #[command(flatten)]
        which: WhichDeadLetters,
        /// The pipeline configuration (to find the cache).
        #[arg(long, default_value = "data/pipeline.yaml")]
        config: PathBuf,
    },
    /// Remove dead letters without refreshing anyone, e.g. once the cause is understood. The
    /// learners stay targets; a later failure lists them again.
    #[command(after_help = OPS_EXIT_CODES)]
    Clear {
        #[command(flatten)]
        which: WhichDeadLetters,
        /// The pipeline configuration (to find the cache).
        #[arg(long, default_value = "data/pipeline.yaml")]
        config: PathBuf,
    },
}

/// The dead letters `deadletter retry` and `clear` take: KEYs or `--all`, one of the two.
#[derive(clap::Args)]
#[group(required = true, multiple = false)]
struct WhichDeadLetters {
    /// Learner keys, or prefixes of at least 4 hex digits as `deadletter list` shows them; a
    /// prefix takes every dead letter it starts.
    #[arg(value_name = "KEY")]
    keys: Vec<String>,
    /// Every dead letter.
    #[arg(long)]
    all: bool,
}

#[derive(Subcommand)]
enum RunsCmd {
    /// The latest runs, newest first: run id, start, end, outcome, and the learners stored,
    /// created, updated, unchanged, with no data and failed.
    #[command(after_help = OPS_EXIT_CODES)]
    List {
        /// How many runs to show.
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// The pipeline configuration (to find the cache).
        #[arg(long, default_value = "data/pipeline.yaml")]
        config: PathBuf,
    },
    /// One run's stored summary: when and how long, throughput, counts by outcome, and each
    /// failure with its learner key prefix, source, phase, class and reason.
    #[command(after_help = OPS_EXIT_CODES)]
    Show {
        /// The run id, as `runs list` and the summary printed by `rikastin run` show it.
        #[arg(value_name = "RUN")]
        run_id: String,
        /// Show at most this many failures one by one (0: all); the totals by kind count
        /// them all.
        #[arg(long, default_value_t = 50)]
        failures: usize,
        /// The pipeline configuration (to find the cache).
        #[arg(long, default_value = "data/pipeline.yaml")]
        config: PathBuf,
    },
}

#[derive(Subcommand)]
enum CatalogueCmd {
    /// Validate a catalogue file, count the cached results of the institution it would enrich,
    /// and show one enriched course as ELMO. Changes nothing.
    #[command(after_help = CHECK_EXIT_CODES)]
    Check {
        /// The catalogue (`.csv`, `.json`, `.yaml`, OOAPI v5 `.json`; docs/catalogue.md).
        file: PathBuf,
        /// The institution's VIRTA code (Myontaja), e.g. 01901.
        #[arg(long)]
        institution: String,
        /// The pipeline configuration (mappings and cache).
        #[arg(long, default_value = "data/pipeline.yaml")]
        config: PathBuf,
    },
}

#[derive(Subcommand)]
enum ReportCmd {
    /// Coverage per institution and year: descriptions, learning outcomes, Diploma Supplements,
    /// and unmatched course codes. Writes coverage.html and coverage.json.
    Coverage {
        /// The folder for the page and the JSON.
        #[arg(long, default_value = "var/coverage")]
        out: PathBuf,
        /// The pipeline configuration (to find the cache).
        #[arg(long, default_value = "data/pipeline.yaml")]
        config: PathBuf,
    },
}

#[derive(Subcommand)]
enum TargetsCmd {
    /// Add learners from a CSV with a header line and the columns `henkilotunnus` and/or
    /// `oppijanumero`. Identity codes are stored sealed (encrypted with a key derived from the
    /// learner-key secret), never in clear. Every bad row is reported by line; nothing is added
    /// unless every row is good.
    #[command(after_help = TARGETS_EXIT_CODES)]
    Add {
        /// The CSV file.
        file: PathBuf,
        /// The pipeline configuration (cache and secret).
        #[arg(long, default_value = "data/pipeline.yaml")]
        config: PathBuf,
    },
    /// How many targets there are and how many are due now.
    Status {
        /// The pipeline configuration.
        #[arg(long, default_value = "data/pipeline.yaml")]
        config: PathBuf,
    },
}

#[derive(Subcommand)]
enum MappingsCmd {
    /// Load and cross-check every mapping file; report the first problem with file:line.
    Check {
        /// The pipeline configuration (names the mapping folder).
        #[arg(long, default_value = "data/pipeline.yaml")]
        config: PathBuf,
    },
    /// Run the cases in mappings/tests/*.yaml: each builds one learner's document from its
    /// fixtures and compares it with its golden ELMO, printing a diff when they differ.
    #[command(after_help = CHECK_EXIT_CODES)]
    Test {
        /// The pipeline configuration (names the mapping folder).
        #[arg(long, default_value = "data/pipeline.yaml")]
        config: PathBuf,
        /// Folder of the cases; default: `tests` in the mapping folder.
        #[arg(long)]
        cases: Option<PathBuf>,
        /// Rewrite golden files that differ (then review the diff by eye).
        #[arg(long)]
        update: bool,
    },
}

/// `rikastin run`: what to build, and when the run counts as failed.
#[derive(clap::Args)]
struct RunArgs {
    /// The pipeline configuration.
    #[arg(long, default_value = "data/pipeline.yaml")]
    config: PathBuf,
    /// generatedDate for this run (xs:dateTime with a zone); default: now, in UTC.
    /// Same inputs and the same --now give byte-identical documents.
    #[arg(long)]
    now: Option<String>,
    /// Also write the full run report, per learner, as JSON to this file.
    #[arg(long)]
    report_json: Option<PathBuf>,
    /// Exit 0 even when the run produced no snapshot at all.
    #[arg(long)]
    allow_empty: bool,
    /// Refresh only shard INDEX of COUNT of the targets (e.g. 0/4, 0-based), split by a
    /// stable hash of the learner key, so that COUNT processes cover every target once. Runs
    /// over HTTP only. One run per shard and cache at a time (exit 4 otherwise).
    #[arg(long, value_name = "INDEX/COUNT")]
    shard: Option<rikastin::run::Shard>,
    /// After the run, write its counts and timings in Prometheus text format to FILE
    /// (atomically), for node_exporter's textfile collector. No learner key or identity.
    #[arg(long, value_name = "FILE")]
    metrics_textfile: Option<PathBuf>,
    /// Write nothing: print what the run would change, as `rikastin plan` does.
    #[arg(long)]
    dry_run: bool,
    /// Plan first, and write nothing if the run would change more than N stored snapshots
    /// (exit 5). New learners' first snapshots replace nothing and are not counted. Over
    /// HTTP the sources are asked twice, once for the plan and once for the run.
    #[arg(long, value_name = "N")]
    max_changes: Option<usize>,
    /// Run even when the plan changes more than --max-changes snapshots.
    #[arg(long, requires = "max_changes")]
    confirm_changes: bool,
    /// Believe a source that now answers "no records" for a learner whose snapshot has results
    /// from it, and replace the snapshot. Without it such a learner keeps its snapshot, marked
    /// stale, and is dead-lettered (docs/operations.md, never degrade). Runs over HTTP only.
    #[arg(long)]
    accept_empty: bool,
    /// Commit the built snapshots at least this often (and at 256 learners): a crash loses
    /// at most about this much work.
    #[arg(long, value_name = "MS", default_value = "2000")]
    commit_interval_ms: u64,
    /// How many failed learners the run tolerates before it exits 1: a count (`10`) or a share
    /// of the learners it tried (`0.5%`). Failed learners are in the summary and the dead
    /// letters either way.
    #[arg(long, value_name = "N|P%", default_value = "0")]
    max_failed: rikastin::run::FailureThreshold,
}

/// mimalloc rather than glibc's malloc: a rebuild allocates and frees each learner's model on
/// every core, and glibc spent a quarter of the run's CPU doing it (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    rikastin::console::init_logs(cli.log_format);
    quiet_on_closed_pipe();
    match dispatch(cli) {
        Ok(code) => code,
        // `rikastin show … | head`: the reader went away, which is not our failure (as `rg | head`).
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("rikastin: {}", describe(&err));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes, each said once: a library error that already quotes its cause
/// (`file: cannot read: No such file or directory`) is not followed by the cause again.
fn describe(err: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

/// Whether an error is a write to a pipe whose reader has gone.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// `print!` panics when stdout is a closed pipe (`rikastin explain … | head` exited 101): such a
/// panic ends the process quietly with 0; any other panic is reported as before.
fn quiet_on_closed_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.contains("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}

fn dispatch(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Cmd::Run(args) => run(&args),
        Cmd::Plan {
            config,
            now,
            shard,
            json,
        } => plan(&config, now.as_deref(), shard, json.as_deref()),
        Cmd::Show { learner, config } => show(&config, &learner),
        Cmd::List { config } => list(&config),
        Cmd::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "rikastin",
                &mut std::io::stdout(),
            );
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Lint { file } => lint(&file),
        Cmd::Validate { file, schema } => validate(&file, &schema),
        Cmd::Mappings {
            command: MappingsCmd::Check { config },
        } => {
            let config = Config::load(&config)?;
            let maps = Mappings::load(&config.mappings)?;
            for f in &maps.files {
                println!("ok  {}", f.display());
            }
            println!(
                "{} attainment rules, {} grading schemes, {} institutions",
                maps.virta.attainments.len(),
                maps.virta.grading_schemes.len(),
                maps.institutions.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Mappings {
            command:
                MappingsCmd::Test {
                    config,
                    cases,
                    update,
                },
        } => mappings_test(&config, cases.as_deref(), update),
        Cmd::Explain {
            learner,
            los,
            config,
        } => explain(&config, &learner, los.as_deref()),
        Cmd::Catalogue {
            command:
                CatalogueCmd::Check {
                    file,
                    institution,
                    config,
                },
        } => catalogue_check(&config, &file, &institution),
        Cmd::Report {
            command: ReportCmd::Coverage { out, config },
        } => report_coverage(&config, &out),
        Cmd::Targets {
            command: TargetsCmd::Add { file, config },
        } => targets_add(&config, &file),
        Cmd::Targets {
            command: TargetsCmd::Status { config },
        } => targets_status(&config),
        Cmd::Serve { config, listen } => serve(&config, listen.as_deref()),
        Cmd::Deadletter { command } => deadletter(command),
        Cmd::Runs {
            command: RunsCmd::List { limit, config },
        } => {
            let store = open_store(&config)?;
            print!("{}", ops::runs::render_list(&store.list_runs(limit)?));
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Runs {
            command:
                RunsCmd::Show {
                    run_id,
                    failures,
                    config,
                },
        } => {
            let store = open_store(&config)?;
            let Some(run) = store.get_run(&run_id)? else {
                bail!(
                    "no run {:?} in {}; `rikastin runs list` shows the run ids",
                    echo(&run_id),
                    store.location()
                );
            };
            print!("{}", ops::runs::render_show(&run, failures));
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn deadletter(command: DeadletterCmd) -> Result<ExitCode> {
    match command {
        DeadletterCmd::List { json, config } => {
            let letters = open_store(&config)?.list_dead_letters("")?;
            if json {
                println!("{}", ops::deadletters::to_json(&letters));
            } else {
                print!("{}", ops::deadletters::render(&letters));
            }
            Ok(ExitCode::SUCCESS)
        }
        DeadletterCmd::Retry { which, config } => {
            let mut store = open_store(&config)?;
            let letters = chosen_dead_letters(&*store, &which)?;
            let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            let mut gone = 0;
            for d in &letters {
                let prefix = ops::key_prefix(d.learner_key.as_str());
                if store.request_refresh(&d.learner_key, &at)? {
                    println!(
                        "retry  {prefix}  ({} {} {}, {} in a row)",
                        d.source, d.phase, d.error_class, d.attempts
                    );
                } else {
                    gone += 1;
                    eprintln!(
                        "rikastin: learner {prefix} is no longer a target, so no run will \
                         refresh it; `rikastin deadletter clear {prefix}` removes its dead letter"
                    );
                }
            }
            println!(
                "{} of {} dead letters marked: the next `rikastin run` refreshes them whatever \
                 the staleness policy says",
                letters.len() - gone,
                letters.len()
            );
            Ok(if gone == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        DeadletterCmd::Clear { which, config } => {
            let mut store = open_store(&config)?;
            let cleared = if which.all {
                store.clear_dead_letters("")?
            } else {
                let mut cleared = 0;
                for d in chosen_dead_letters(&*store, &which)? {
                    cleared += store.clear_dead_letters(d.learner_key.as_str())?;
                    println!("cleared  {}", ops::key_prefix(d.learner_key.as_str()));
                }
                cleared
            };
            println!("{cleared} dead letters cleared");
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// An argument as an error may repeat it: `***` if it looks like an identity code in any case
/// (a henkilötunnus can be all hex digits, e.g. with the separator `A`), else as given.
fn echo(arg: &str) -> String {
    let upper = arg.to_ascii_uppercase();
    if redact(&upper) == upper {
        arg.to_owned()
    } else {
        "***".to_owned()
    }
}

/// The dead letters that the KEYs (whole keys or prefixes) or `--all` name, sorted by key.
/// Every KEY is checked before anything is changed, and each must name at least one dead
/// letter. A KEY is shown back only through [`echo`]: a mistyped identity code must not reach
/// the terminal.
fn chosen_dead_letters(
    store: &dyn Store,
    which: &WhichDeadLetters,
) -> Result<Vec<rikastin_sinks::DeadLetter>> {
    if which.all {
        return Ok(store.list_dead_letters("")?);
    }
    let keys = &which.keys;
    for (n, key) in keys.iter().enumerate() {
        if !(4..=64).contains(&key.len()) || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
            bail!(
                "KEY {} is not a learner key: give 4 to 64 hex digits of one, as `rikastin \
                 deadletter list` shows them",
                n + 1
            );
        }
    }
    let mut chosen = std::collections::BTreeMap::new();
    for (n, key) in keys.iter().enumerate() {
        let found = store.list_dead_letters(key)?;
        if found.is_empty() {
            bail!(
                "KEY {} ({}) matches no dead letter; `rikastin deadletter list` shows them",
                n + 1,
                echo(key)
            );
        }
        for d in found {
            chosen.insert(d.learner_key.to_string(), d);
        }
    }
    Ok(chosen.into_values().collect())
}

fn serve(config_path: &Path, listen: Option<&str>) -> Result<ExitCode> {
    use rikastin_sinks::serve::{RateLimit, Server, Token, Tokens};
    let config = Config::load(config_path)?;
    let Some(settings) = config.serve.clone() else {
        bail!(
            "{}: no `serve` section; the read API needs signing keys and tokens (docs/serve.md)",
            config_path.display()
        );
    };
    let secret = load_secret(&config)?;
    let signer = rikastin_sinks::Signer::from_pem_files(
        &settings.signing.key_file,
        &settings.signing.cert_file,
    )
    .context("serve.signing")?;
    let transcript = rikastin_sinks::Transcript::new().context("the PDF transcript's fonts")?;
    let tokens: Vec<Token> = settings
        .tokens
        .iter()
        .map(|t| Token {
            name: t.name.clone(),
            sha256: t.sha256.clone(),
        })
        .collect();
    let limit = RateLimit {
        per_second: settings.rate_limit.per_second.try_into()?,
        burst: settings.rate_limit.burst.try_into()?,
    };
    let tokens = Tokens::new(&tokens, limit)
        .map_err(|e| anyhow::anyhow!("{}: serve.tokens: {e}", config_path.display()))?;
    // Opened once here so that a bad cache path fails at start, not on the first request.
    let first = config.cache.open()?;
    drop(first);
    let cache = config.cache.clone();
    let open = Box::new(move || cache.open());
    let server = Server::new(
        open,
        signer,
        transcript,
        tokens,
        secret,
        settings.transcript,
        settings.signed_cache_mb.saturating_mul(1 << 20),
    );
    let listen = listen.unwrap_or(&settings.listen).to_owned();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        let addr = listener.local_addr()?;
        // One line on stdout that scripts and tests wait for.
        println!("rikastin serve: listening on http://{addr}");
        std::io::stdout().flush()?;
        rikastin_sinks::serve::run(listener, server.router(), shutdown_signal())
            .await
            .context("serving")
    })?;
    eprintln!("rikastin serve: stopped");
    Ok(ExitCode::SUCCESS)
}

/// Ctrl-C or SIGTERM (what systemd and Kubernetes send).
async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("installing a SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

/// What `run` and `plan` load before the first record is read (invariant 6).
struct Prepared {
    config: Config,
    mappings: Mappings,
    secret: LearnerSecret,
    now: elmo::DateTime,
    live: bool,
}

fn prepare(config_path: &Path, now: Option<&str>, shard: Option<Shard>) -> Result<Prepared> {
    let config = Config::load(config_path)?;
    let mappings = Mappings::load(&config.mappings)?;
    let secret = load_secret(&config)?;
    let now: elmo::DateTime = match now {
        Some(s) => s.parse().with_context(|| format!("--now {s:?}"))?,
        None => chrono::Utc::now()
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
            .parse()
            .context("the clock gave an invalid date-time")?,
    };
    let live = matches!(config.virta, Transport::Http { .. });
    if shard.is_some() && !live {
        bail!(
            "--shard splits the targets of a run over HTTP; {} reads recorded folders",
            config.file.display()
        );
    }
    Ok(Prepared {
        config,
        mappings,
        secret,
        now,
        live,
    })
}

fn new_run_id() -> String {
    format!(
        "{}-{:05}",
        chrono::Utc::now().format("%Y%m%dT%H%M%SZ"),
        std::process::id() % 100_000
    )
}

fn run(args: &RunArgs) -> Result<ExitCode> {
    if args.dry_run {
        return plan(&args.config, args.now.as_deref(), args.shard, None);
    }
    let shard = args.shard;
    let Prepared {
        config,
        mappings,
        secret,
        now,
        live,
    } = prepare(&args.config, args.now.as_deref(), shard)?;
    let mut store = config.cache.open()?;
    match store.lock_run(&Shard::lock_name(shard)) {
        Err(e @ rikastin_sinks::Error::Locked { .. }) => {
            eprintln!("rikastin: {e}");
            return Ok(ExitCode::from(4));
        }
        other => other?,
    }
    let config_label = match shard {
        Some(s) => format!("{} --shard {s}", config.file.display()),
        None => config.file.display().to_string(),
    };
    // We hold the lock, so an unfinished run of this label is not running: it was killed.
    // Resume it with its own id and date, so its documents match the ones it committed.
    let unfinished = if live {
        store.unfinished_run(&config_label)?
    } else {
        None
    };
    let (run_id, now, resumed) = match unfinished {
        Some(run) => {
            let done = store.keys_checked_in(&run.run_id)?;
            eprintln!(
                "rikastin: resuming run {} (started {}), which stopped after committing {} learners",
                run.run_id,
                run.started_at,
                done.len()
            );
            let now = run
                .started_at
                .parse()
                .with_context(|| format!("run {}: started_at {:?}", run.run_id, run.started_at))?;
            (run.run_id, now, Some(done.into_iter().collect()))
        }
        None => (new_run_id(), now, None),
    };
    let enrichment = std::sync::Arc::new(load_enrichment(&config, &mappings)?);
    let mappings = std::sync::Arc::new(mappings);
    if let Some(limit) = args.max_changes.filter(|_| !args.confirm_changes) {
        // The guard's plan reads the cache through a second handle; the lock stays held.
        let job = Job {
            config_label: config_label.clone(),
            enrichment: enrichment.clone(),
            mappings: mappings.clone(),
            secret: secret.clone(),
            store: config.cache.open()?,
            now: now.clone(),
            run_id: run_id.clone(),
            learner_detail: false,
            shard,
            resumed: resumed.clone(),
            dry_run: true,
            accept_empty: args.accept_empty,
            commit_interval: std::time::Duration::from_millis(args.commit_interval_ms),
        };
        let planned = execute(job, &config, &secret)?;
        if let Some(why) = &planned.stopped {
            eprintln!("rikastin: the plan stopped: {why}");
            return Ok(ExitCode::from(3));
        }
        if planned.updated > limit {
            print!("{}", rikastin::plan::render(&planned.plan, 20));
            eprintln!(
                "rikastin: the run would change {} stored snapshots, more than --max-changes {limit}; \
                 nothing was written. `rikastin plan` lists every change; --confirm-changes runs anyway",
                planned.updated
            );
            return Ok(ExitCode::from(5));
        }
    }
    let job = Job {
        config_label,
        enrichment,
        mappings,
        secret: secret.clone(),
        store,
        now,
        run_id,
        learner_detail: args.report_json.is_some(),
        shard,
        resumed,
        dry_run: false,
        accept_empty: args.accept_empty,
        commit_interval: std::time::Duration::from_millis(args.commit_interval_ms),
    };
    rikastin::events::run_started(&job, live);
    let summary = execute(job, &config, &secret)?;
    rikastin::events::run_finished(&summary);
    if let Some(path) = &args.report_json {
        let json = serde_json::to_vec_pretty(&summary)?;
        rikastin::run::metrics::write_private(path, &json)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    if let Some(path) = &args.metrics_textfile {
        let finished = chrono::Utc::now().timestamp().max(0) as u64;
        rikastin::run::metrics::write_atomically(
            path,
            &rikastin::run::metrics::textfile(&summary, finished),
        )
        .with_context(|| format!("--metrics-textfile {}", path.display()))?;
    }
    print_summary(&summary, &config);
    if let Some(why) = &summary.stopped {
        eprintln!("rikastin: the run stopped: {why}");
        return Ok(ExitCode::from(3));
    }
    if summary.source_unavailable() {
        eprintln!(
            "rikastin: a source was unavailable: every request ran out of retries and no snapshot was written"
        );
        return Ok(ExitCode::from(6));
    }
    // A scheduled run with nothing due did its job: a quiet night is not a failure.
    if live && summary.targets == 0 {
        return Ok(ExitCode::SUCCESS);
    }
    if summary.learners == 0 && !args.allow_empty {
        eprintln!(
            "rikastin: the run produced no snapshot (DESIGN.md invariant 4); pass --allow-empty if that is expected"
        );
        return Ok(ExitCode::from(2));
    }
    let tried = summary.learners + summary.failures.len();
    Ok(if args.max_failed.allows(summary.failures.len(), tried) {
        if !summary.failures.is_empty() {
            eprintln!(
                "rikastin: {} of {tried} learners failed, within --max-failed {}",
                summary.failures.len(),
                args.max_failed
            );
        }
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `rikastin plan` and `run --dry-run`: the run without a single write.
fn plan(
    config_path: &Path,
    now: Option<&str>,
    shard: Option<Shard>,
    json: Option<&Path>,
) -> Result<ExitCode> {
    let Prepared {
        config,
        mappings,
        secret,
        now,
        ..
    } = prepare(config_path, now, shard)?;
    let store = config.cache.open()?;
    let config_label = config.file.display().to_string();
    let enrichment = load_enrichment(&config, &mappings)?;
    let job = Job {
        config_label,
        enrichment: enrichment.into(),
        mappings: mappings.into(),
        secret: secret.clone(),
        store,
        now,
        run_id: "plan".into(),
        learner_detail: false,
        shard,
        resumed: None,
        dry_run: true,
        accept_empty: false,
        commit_interval: std::time::Duration::from_secs(2),
    };
    let summary = execute(job, &config, &secret)?;
    if let Some(path) = json {
        let json = serde_json::to_vec_pretty(&summary)?;
        std::fs::write(path, json).with_context(|| format!("--json {}", path.display()))?;
    }
    print!("{}", rikastin::plan::render(&summary.plan, usize::MAX));
    print_summary(&summary, &config);
    println!(
        "plan: {} snapshots would change ({} created, {} updated), {} unchanged, {} learners failed; nothing was written",
        summary.created + summary.updated,
        summary.created,
        summary.updated,
        summary.unchanged,
        summary.failures.len()
    );
    if let Some(why) = &summary.stopped {
        eprintln!("rikastin: the plan stopped: {why}");
        return Ok(ExitCode::from(3));
    }
    Ok(if summary.failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Runs the job over the configured sources: the recorded folders, or the due targets over
/// HTTP.
fn execute(job: Job, config: &Config, secret: &LearnerSecret) -> Result<Summary> {
    // A bar with rate and ETA on a terminal; nothing under cron or in a container.
    let progress = |what: &'static str| {
        let mut bar = rikastin::console::Progress::new(what);
        move |done: usize, total: usize| bar.update(done, total)
    };
    Ok(match &config.virta {
        Transport::Recorded(dir) => {
            let in_config = |key: &str| format!("{key} in {}", config.file.display());
            let virta = RecordedFolder::open(dir)
                .with_context(|| in_config("sources.virta.recorded_dir"))?;
            let koski = match &config.koski {
                Some(Transport::Recorded(dir)) => Some(
                    RecordedFolder::open(dir)
                        .with_context(|| in_config("sources.koski.recorded_dir"))?
                        .with_extension("json"),
                ),
                _ => None,
            };
            let virta_names = match &config.virta_names_dir {
                Some(dir) => Some(
                    RecordedFolder::open(dir)
                        .with_context(|| in_config("sources.virta.names_dir"))?,
                ),
                None => None,
            };
            let input = Recorded {
                virta,
                virta_names,
                koski,
            };
            job.run_recorded(input, progress("recordings"))?
        }
        Transport::Http { .. } => {
            let live = live_sources(config, secret)?;
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .context("starting the async runtime")?
                .block_on(job.run_live(live, progress("targets")))?
        }
    })
}

/// Loads the catalogues and DS texts before anything is fetched. Bad catalogue rows are
/// reported and left out (the institution fixes them; `rikastin catalogue check` shows them);
/// a DS file that does not load stops the run like any other configuration error.
fn load_enrichment(config: &Config, mappings: &Mappings) -> Result<Enrichment> {
    let catalogues = match &config.catalogues_dir {
        Some(dir) => {
            let c = Catalogues::load(dir, &mappings.enrichment.catalogue).with_context(|| {
                format!("enrichment.catalogues_dir in {}", config.file.display())
            })?;
            for p in &c.problems {
                eprintln!("warning: {p}");
            }
            Some(c)
        }
        None => None,
    };
    let ds = match &config.ds_dir {
        Some(dir) => Some(DsLibrary::load(dir)?),
        None => None,
    };
    Ok(Enrichment { catalogues, ds })
}

/// Opens the HTTP clients, reading their passwords now so that a missing one fails before any
/// request is made.
fn live_sources(config: &Config, secret: &LearnerSecret) -> Result<Live> {
    let Transport::Http { http, credentials } = &config.virta else {
        bail!("sources.virta is not an HTTP source");
    };
    let (avain, avain_source) = credentials.avain.read().map_err(anyhow::Error::msg)?;
    let virta = VirtaClient::new(
        http.clone(),
        Kutsuja {
            jarjestelma: credentials.jarjestelma.clone(),
            tunnus: credentials.tunnus.clone(),
            avain,
            avain_source,
        },
    )?;
    let koski = match &config.koski {
        Some(Transport::Http { http, credentials }) => {
            let (password, password_source) =
                credentials.password.read().map_err(anyhow::Error::msg)?;
            Some(KoskiClient::new(
                http.clone(),
                KoskiLogin {
                    username: credentials.username.clone(),
                    password,
                    password_source,
                },
            )?)
        }
        _ => None,
    };
    Ok(Live {
        virta,
        koski,
        seal: TargetSeal::new(secret),
        policy: config.targets.clone(),
        batch_size: config.virta_batch_size,
        opiskelijan_tiedot: config.virta_opiskelijan_tiedot,
    })
}

fn targets_add(config_path: &Path, file: &Path) -> Result<ExitCode> {
    let config = Config::load(config_path)?;
    let secret = load_secret(&config)?;
    let read = match rikastin::targets::read_targets(file) {
        Ok(read) => read,
        Err(e) => {
            eprintln!("rikastin: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    for warning in &read.warnings {
        eprintln!("warning: {warning}");
    }
    let seal = TargetSeal::new(&secret);
    let added_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let rows: Vec<(rikastin_sinks::LearnerKey, Vec<u8>)> = read
        .rows
        .iter()
        .map(|row| {
            let key = rikastin::targets::learner_key_of(&secret, &row.identity);
            let sealed = seal.seal(&key, &row.identity);
            (key, sealed)
        })
        .collect();
    let targets: Vec<NewTarget<'_>> = rows
        .iter()
        .map(|(key, sealed)| NewTarget {
            learner_key: key,
            sealed_identity: sealed,
            added_at: &added_at,
        })
        .collect();
    let mut store = config.cache.open()?;
    let outcome = store.add_targets(&targets)?;
    println!(
        "{}: {} rows; {} targets added, {} already present (identity re-sealed); {} targets in {}",
        file.display(),
        read.rows.len(),
        outcome.added,
        outcome.already_present,
        store.count_targets()?,
        store.location()
    );
    Ok(ExitCode::SUCCESS)
}

fn targets_status(config_path: &Path) -> Result<ExitCode> {
    let config = Config::load(config_path)?;
    let store = open_store(config_path)?;
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let due = store.due_targets(
        &now,
        config.targets.refresh_after_hours * 3600,
        config.targets.retry_after_minutes * 60,
        None,
    )?;
    println!(
        "{} targets, {} due now (refresh after {} h, retry failures after {} min)",
        store.count_targets()?,
        due.len(),
        config.targets.refresh_after_hours,
        config.targets.retry_after_minutes
    );
    Ok(ExitCode::SUCCESS)
}

fn load_secret(config: &Config) -> Result<LearnerSecret> {
    let section = &config.learner_key;
    if let Some(var) = &section.secret_env
        && let Ok(value) = std::env::var(var)
    {
        return LearnerSecret::from_bytes(value.trim().as_bytes().to_vec())
            .with_context(|| format!("the secret in ${var}"));
    }
    match &section.secret_file {
        Some(file) => Ok(LearnerSecret::from_file(file)?),
        None => bail!(
            "learner_key.secret_env names ${} but it is not set, and no secret_file is given",
            section.secret_env.as_deref().unwrap_or("")
        ),
    }
}

fn print_summary(s: &Summary, config: &Config) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "run {}  ({})", s.run_id, s.config);
    if let Some(n) = s.resumed_committed {
        let _ = writeln!(
            out,
            "  resumed          {n:>7}   (committed before the interruption, not asked again)"
        );
    }
    if matches!(config.virta, Transport::Http { .. }) && s.targets == 0 && s.stopped.is_none() {
        let _ = writeln!(out, "  nothing due      (no target needed a refresh)");
    }
    if s.targets > 0 || s.stopped.is_some() {
        let fetched: Vec<String> = s.fetched.iter().map(|(k, n)| format!("{k} {n}")).collect();
        let _ = writeln!(
            out,
            "  targets          {:>7}   ({} with no data; answers: {})",
            s.targets,
            s.no_data,
            if fetched.is_empty() {
                "none".into()
            } else {
                fetched.join(", ")
            }
        );
        let _ = writeln!(
            out,
            "  stale            {:>7}   (old snapshot kept, a source failed)",
            s.stale
        );
        let _ = writeln!(
            out,
            "  partial          {:>7}   (new learner stored from partial answers, still a dead letter)",
            s.partial
        );
    } else {
        let _ = writeln!(
            out,
            "  recordings       {:>7}   ({} with no data)",
            s.recordings, s.no_data
        );
    }
    let _ = writeln!(out, "  learners         {:>7}", s.learners);
    let _ = writeln!(out, "  results          {:>7}", s.results);
    let _ = writeln!(
        out,
        "  snapshots        {:>7} created, {} updated, {} unchanged (not rewritten)",
        s.created, s.updated, s.unchanged
    );
    let _ = writeln!(out, "  excluded records {:>7}", s.excluded_total());
    for (reason, n) in &s.excluded {
        let _ = writeln!(out, "    {n:>6}  {reason}");
    }
    if !s.quirks.is_empty() {
        // Departures from the source's schema, read by a rule of docs/virta.md.
        let _ = writeln!(
            out,
            "  source quirks    {:>7}",
            s.quirks.values().sum::<usize>()
        );
        for (kind, n) in &s.quirks {
            let _ = writeln!(out, "    {n:>6}  {kind}");
        }
    }
    let _ = writeln!(out, "  failed           {:>7}", s.failures.len());
    for f in &s.failures {
        let who = f
            .learner
            .as_deref()
            .map(|k| &k[..12.min(k.len())])
            .unwrap_or("-");
        let _ = writeln!(
            out,
            "    {} [{who}] {:?}: {}",
            f.recording, f.phase, f.error
        );
    }
    if let Some(why) = &s.stopped {
        let _ = writeln!(out, "  STOPPED          {why}");
    }
    let secs = s.elapsed_ms as f64 / 1000.0;
    let rate = if secs > 0.0 {
        s.learners as f64 / secs
    } else {
        0.0
    };
    let _ = write!(
        out,
        "  time             {secs:>7.1} s  ({rate:.0} learners/s"
    );
    if let Some(p) = &s.fetch_ms {
        let _ = write!(
            out,
            "; fetch per learner p50 {} ms, p99 {} ms, max {} ms",
            p.p50, p.p99, p.max
        );
    }
    let _ = writeln!(out, ")");
    let _ = writeln!(out, "  cache            {}", config.cache);
}

fn open_store(config_path: &Path) -> Result<Box<dyn Store>> {
    let config = Config::load(config_path)?;
    if !config.cache.may_exist() {
        bail!("no cache at {} yet: run `rikastin run` first", config.cache);
    }
    Ok(config.cache.open()?)
}

fn show(config_path: &Path, learner: &str) -> Result<ExitCode> {
    let store = open_store(config_path)?;
    let key = find_learner(&*store, learner)?;
    let snapshot = store
        .get_snapshot(&key)?
        .with_context(|| format!("learner {key} vanished from the cache"))?;
    std::io::stdout().write_all(&snapshot.elmo_xml)?;
    Ok(ExitCode::SUCCESS)
}

fn explain(config_path: &Path, learner: &str, los: Option<&str>) -> Result<ExitCode> {
    let store = open_store(config_path)?;
    let key = find_learner(&*store, learner)?;
    let Some(json) = store.get_provenance(&key)? else {
        bail!("learner {key} has no stored provenance: run `rikastin run` again to record it");
    };
    println!("learner {key}");
    print!(
        "{}",
        rikastin::explain::render(&json, los).map_err(anyhow::Error::msg)?
    );
    Ok(ExitCode::SUCCESS)
}

fn mappings_test(config_path: &Path, cases: Option<&Path>, update: bool) -> Result<ExitCode> {
    let config = Config::load(config_path)?;
    let mappings = Mappings::load(&config.mappings)?;
    let dir = cases.map_or_else(|| config.mappings.join("tests"), Path::to_owned);
    let outcomes =
        rikastin::mapping::cases::run_all(&dir, &mappings, update).map_err(anyhow::Error::msg)?;
    let mut failed = 0;
    for o in &outcomes {
        match &o.failure {
            None => println!("ok    {}  {}", o.file.display(), o.name),
            Some(why) => {
                failed += 1;
                println!("FAIL  {}  {}\n{why}", o.file.display(), o.name);
            }
        }
    }
    println!("{} cases, {failed} failed", outcomes.len());
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Each problem, but of those with the same field and message only the first `keep`, then one
/// line that counts the rest and says where the last one is.
fn problem_lines(problems: &[rikastin_sources::catalogue::Problem], keep: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen: Vec<(&str, &str, usize, u32)> = Vec::new();
    for p in problems {
        let kind = (p.column_or_field.as_str(), p.message.as_str());
        match seen.iter_mut().find(|(f, m, _, _)| (*f, *m) == kind) {
            Some((_, _, n, last)) => {
                *n += 1;
                *last = p.line;
                if *n <= keep {
                    out.push(p.to_string());
                }
            }
            None => {
                seen.push((kind.0, kind.1, 1, p.line));
                out.push(p.to_string());
            }
        }
    }
    for (field, message, n, last) in seen {
        if n > keep {
            out.push(format!(
                "… and {} more rows with field {field}: {message} (the last at line {last})",
                n - keep
            ));
        }
    }
    out
}

fn catalogue_check(config_path: &Path, file: &Path, institution: &str) -> Result<ExitCode> {
    let config = Config::load(config_path)?;
    let mappings = Mappings::load(&config.mappings)?;
    let store = if config.cache.may_exist() {
        Some(config.cache.open()?)
    } else {
        None
    };
    let report = rikastin::enrich::check::check(
        file,
        institution,
        &mappings.enrichment.catalogue,
        store.as_deref(),
    )
    .map_err(anyhow::Error::msg)?;
    // The same problem on many rows (a wrong --institution: every row) is said a few times,
    // then counted: 209 identical lines hid the one that mattered (issue 19).
    for line in problem_lines(&report.problems, 3) {
        println!("{line}");
    }
    println!(
        "{}: {} course versions read, {} problems",
        file.display(),
        report.courses,
        report.problems.len()
    );
    match &store {
        None => println!("no cache at {}: nothing to join against", config.cache),
        Some(_) => {
            println!(
                "would enrich {} of the {} cached results of {institution} that have a course code",
                report.would_enrich, report.examined
            );
            if !report.unmatched.is_empty() {
                let top: Vec<String> = report
                    .unmatched
                    .iter()
                    .take(10)
                    .map(|(code, n)| format!("{code} ({n})"))
                    .collect();
                println!(
                    "cached course codes it has no version for: {}",
                    top.join(", ")
                );
            }
        }
    }
    if let Some(example) = &report.example {
        println!("\none enriched result, as it would read in ELMO:\n{example}");
    }
    Ok(if report.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn report_coverage(config_path: &Path, out: &Path) -> Result<ExitCode> {
    let store = open_store(config_path)?;
    let mut rows = Vec::new();
    let mut unreadable = 0;
    type Rows = Vec<rikastin::enrich::CoverageRow>;
    store.for_each_coverage(&mut |json| match serde_json::from_str::<Rows>(json) {
        Ok(r) => rows.extend(r),
        Err(_) => unreadable += 1,
    })?;
    if unreadable > 0 {
        eprintln!(
            "warning: {unreadable} snapshots have unreadable coverage rows; run again to rebuild them"
        );
    }
    let coverage = rikastin::report::coverage::coverage(&rows)?;
    let written = rikastin::report::coverage::write(&coverage, out)?;
    for path in &written {
        println!("wrote {}", path.display());
    }
    println!("{} results from the cache", rows.len());
    Ok(ExitCode::SUCCESS)
}

/// A learner key from a full key or a unique prefix of one.
fn find_learner(store: &dyn Store, learner: &str) -> Result<rikastin_sinks::LearnerKey> {
    // Echoed only redacted: someone may paste an identity code here, and one with the century
    // sign A can be all hex digits.
    let shown = rikastin_sources::redact(learner);
    if learner.len() < 4 || !learner.bytes().all(|b| b.is_ascii_hexdigit()) {
        bail!(
            "{shown:?} is not a learner key: give at least 4 hex digits of one (see `rikastin list`)"
        );
    }
    let keys = store.find_keys(&learner.to_ascii_lowercase(), 2)?;
    match keys.as_slice() {
        [] => bail!("no learner with a key starting {shown} in the cache"),
        [one] => Ok(one.clone()),
        _ => bail!("{shown} is the start of more than one learner key; give more digits"),
    }
}

fn list(config_path: &Path) -> Result<ExitCode> {
    let store = open_store(config_path)?;
    let mut out = std::io::stdout().lock();
    for meta in store.list_snapshots()? {
        writeln!(
            out,
            "{}  {:>4} results  {}",
            meta.learner_key, meta.results, meta.generated_date
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

fn lint(file: &Path) -> Result<ExitCode> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let doc = elmo::read(&bytes).with_context(|| format!("{}", file.display()))?;
    let findings = elmo::lint(&doc);
    let mut errors = 0;
    for f in &findings {
        if f.severity == elmo::Severity::Error {
            errors += 1;
        }
        println!(
            "{}: {:?} {} {} (at {})",
            file.display(),
            f.severity,
            f.code,
            f.message,
            f.path
        );
    }
    println!(
        "{}: {} findings, {errors} errors",
        file.display(),
        findings.len()
    );
    Ok(if errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn validate(file: &Path, schema: &Path) -> Result<ExitCode> {
    if !schema.is_file() {
        bail!(
            "the ELMO XSD is not at {} (give --schema or set RIKASTIN_ELMO_XSD)",
            schema.display()
        );
    }
    let catalog = schema.with_file_name("catalog.xml");
    let status = Command::new("xmllint")
        .args(["--nonet", "--noout", "--schema"])
        .arg(schema)
        .arg(file)
        .env("XML_CATALOG_FILES", &catalog)
        .status();
    match status {
        Ok(s) if s.success() => Ok(ExitCode::SUCCESS),
        Ok(_) => Ok(ExitCode::from(1)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            bail!("xmllint is not installed; on Debian or Ubuntu: apt-get install libxml2-utils")
        }
        Err(e) => Err(e).context("running xmllint"),
    }
}
