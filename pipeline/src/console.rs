//! What goes to stderr besides the messages: log lines, as text for a person or as JSON for a
//! log collector, and a progress bar when a person is watching. The two share the terminal, so
//! a log line clears the bar, is written, and the bar is drawn again below it.

use std::io::{self, IsTerminal, Write};
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressState, ProgressStyle};
use tracing_subscriber::EnvFilter;

/// How log lines are written to stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One readable line per event, for a person at a terminal.
    Text,
    /// One JSON object per line, for cron mail, journald and container log collectors.
    Json,
}

/// The filter when `RIKASTIN_LOG` is not set: warnings and errors only, and under JSON also the
/// run's start and end (`rikastin::run`), so an unattended run leaves one line with its summary.
/// A person at a terminal sees the progress bar and the printed summary instead.
pub fn default_filter(format: LogFormat) -> &'static str {
    match format {
        LogFormat::Text => "warn",
        LogFormat::Json => "warn,rikastin::run=info",
    }
}

/// The HTML sanitiser's tokenizer logs every token at trace level (43k lines for the demo):
/// `RIKASTIN_LOG=trace` means our trace, so those crates stay at `warn` unless named.
const NOISY: [&str; 3] = ["html5ever", "markup5ever", "ammonia"];

/// `directives` with [`NOISY`] crates held at `warn` unless a directive names them.
pub fn quiet_dependencies(directives: &str) -> String {
    let mut out = directives.trim().to_owned();
    for krate in NOISY {
        if !directives.contains(krate) {
            out.push_str(&format!(",{krate}=warn"));
        }
    }
    out
}

/// Sets up the log for the whole process. `format` is `--log-format`; without it, text on a
/// terminal and JSON otherwise. `RIKASTIN_LOG` (tracing's EnvFilter syntax) replaces the default
/// filter.
pub fn init_logs(format: Option<LogFormat>) {
    let terminal = io::stderr().is_terminal();
    let format = format.unwrap_or(if terminal {
        LogFormat::Text
    } else {
        LogFormat::Json
    });
    let filter = match std::env::var("RIKASTIN_LOG") {
        Ok(directives) if !directives.trim().is_empty() => {
            EnvFilter::builder().parse_lossy(quiet_dependencies(&directives))
        }
        _ => EnvFilter::new(default_filter(format)),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| BelowTheBar);
    match format {
        LogFormat::Text => builder.with_ansi(terminal).init(),
        // Fields at the top level of each object, so `jq .run_id` finds them.
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
}

/// The progress bar on screen, if any; log lines are written around it.
static BAR: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// stderr, with the progress bar lifted while a log line is written.
struct BelowTheBar;

impl Write for BelowTheBar {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let bar = BAR.lock().unwrap_or_else(|p| p.into_inner());
        match bar.as_ref() {
            Some(bar) => bar.suspend(|| io::stderr().write(buf)),
            None => io::stderr().write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        io::stderr().flush()
    }
}

/// A progress bar of `done/total` things with their rate and the time left, drawn on stderr
/// only when stderr is a terminal; elsewhere (cron, containers, pipes) it draws nothing. The
/// bar appears at the first update, so a run that fails before it starts leaves no trace.
pub struct Progress {
    what: &'static str,
    bar: Option<ProgressBar>,
    /// Drawn on a terminal, and not yet at its end.
    live: bool,
}

impl Progress {
    /// A bar counting `what`, e.g. `"targets"`.
    pub fn new(what: &'static str) -> Progress {
        Progress {
            what,
            bar: None,
            live: io::stderr().is_terminal(),
        }
    }

    /// `done` of `total` are handled.
    pub fn update(&mut self, done: usize, total: usize) {
        if !self.live {
            return;
        }
        let bar = self.bar.get_or_insert_with(|| {
            let bar = ProgressBar::new(total as u64).with_style(style(self.what));
            bar.enable_steady_tick(Duration::from_millis(250));
            *BAR.lock().unwrap_or_else(|p| p.into_inner()) = Some(bar.clone());
            bar
        });
        bar.set_length(total as u64);
        bar.set_position(done as u64);
        if done >= total {
            self.stop();
        }
    }

    /// Leaves the bar as it is on screen, ends its line (indicatif leaves the cursor on it)
    /// and lets log lines go straight to stderr again.
    fn stop(&mut self) {
        self.live = false;
        if let Some(bar) = self.bar.take() {
            *BAR.lock().unwrap_or_else(|p| p.into_inner()) = None;
            bar.abandon();
            eprintln!();
        }
    }
}

impl Drop for Progress {
    /// A run that stopped early leaves its bar where it got to.
    fn drop(&mut self) {
        self.stop();
    }
}

/// `  ████░░░░ 120/400 targets  14.2/s  8s elapsed, ETA 20s`
fn template(what: &str) -> String {
    format!("  {{bar:30}} {{pos}}/{{len}} {what}  {{rate}}  {{elapsed}} elapsed, ETA {{eta}}")
}

fn style(what: &str) -> ProgressStyle {
    ProgressStyle::with_template(&template(what))
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        // indicatif's own `per_sec` shows four decimals; one is enough to judge a run.
        .with_key(
            "rate",
            |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:.1}/s", state.per_sec());
            },
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bar_off_a_terminal_draws_nothing_and_registers_nothing() {
        let mut progress = Progress {
            what: "targets",
            bar: None,
            live: false,
        };
        progress.update(1, 2);
        progress.update(2, 2);
        assert!(progress.bar.is_none());
        assert!(BAR.lock().unwrap().is_none());
    }

    #[test]
    fn the_bar_template_is_one_indicatif_accepts() {
        for what in ["targets", "recordings"] {
            ProgressStyle::with_template(&template(what)).expect("a valid template");
        }
    }
}

#[cfg(test)]
mod quiet_tests {
    use super::quiet_dependencies;

    #[test]
    fn trace_means_our_trace_not_the_tokenizer_s() {
        assert_eq!(
            quiet_dependencies("trace"),
            "trace,html5ever=warn,markup5ever=warn,ammonia=warn"
        );
        // Named on purpose, they are left as asked.
        assert!(
            quiet_dependencies("html5ever=trace").starts_with("html5ever=trace,markup5ever=warn")
        );
    }
}
