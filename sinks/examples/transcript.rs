//! Renders the PDF transcript of one ELMO document, in Finnish and English, so that a person can
//! look at it (`make transcript-png` turns the PDFs into PNG pages with pdftoppm), and reports
//! what it costs: min, median and p99 of rendering both languages over 100 runs, and the sizes.
//!
//! Run with (from the workspace root; the default document is the largest golden file):
//!
//!     cargo run --release -p rikastin-sinks --example transcript [-- ELMO_FILE [OUT_DIR]]
//!
//! It writes `OUT_DIR/transcript-fi.pdf` and `OUT_DIR/transcript-en.pdf` (default `var/transcript`).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use rikastin_sinks::{Lang, Transcript};

const RUNS: usize = 100;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let mut args = std::env::args().skip(1);
    let file = args.next().map(PathBuf::from).unwrap_or_else(|| {
        root.join(
            "tests/golden/fc1664abafeb38acf862e20c71b4b1d85f5de78c2432c7a3d5ab656462006aaa.xml",
        )
    });
    let out_dir = args
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("var/transcript"));
    let doc = elmo::read(&std::fs::read(&file)?)
        .map_err(|e| format!("{}: not an ELMO document: {e}", file.display()))?;
    let issued: elmo::Date = "2026-12-01".parse()?;

    let started = Instant::now();
    let transcript = Transcript::new()?;
    let fonts = started.elapsed();

    std::fs::create_dir_all(&out_dir)?;
    for lang in Lang::ALL {
        let pdf = transcript.render(&doc, lang, issued)?;
        let path = out_dir.join(format!("transcript-{}.pdf", lang.code()));
        std::fs::write(&path, &pdf)?;
        println!("{}: {} bytes", path.display(), pdf.len());
    }

    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let started = Instant::now();
            for lang in Lang::ALL {
                std::hint::black_box(
                    transcript
                        .render(&doc, lang, issued)
                        .expect("rendered once"),
                );
            }
            started.elapsed()
        })
        .collect();
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "fonts parsed once in {:.1} ms; fi+en rendered over {RUNS} runs: min {:.2} ms, median {:.2} ms, p99 {:.2} ms (budget of a response with a PDF: p99 <= 50 ms)",
        ms(fonts),
        ms(times[0]),
        ms(times[RUNS / 2]),
        ms(times[RUNS * 99 / 100]),
    );
    Ok(())
}
