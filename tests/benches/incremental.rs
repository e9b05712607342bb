//! `make bench` (b): an incremental run, `BENCH_CHANGED` changed learners (default 10000)
//! into a cache that already holds `BENCH_CACHED` learners (default: `BENCH_LEARNERS`, else
//! 100000; the figure is 1 M, which needs about 7 GB of recordings a 100 k learners).
//!
//! The cache is the full rebuild of the synthetic set of that size (the one `make bench` (a)
//! just wrote, when there is one). Every k-th recording gets one course name changed, so each
//! of those learners' documents changes; the run reads only those recordings and updates
//! their snapshots. The figure is the whole `rikastin run` process: startup (rules,
//! catalogues, opening the cache), the learners, and closing the run.

mod common;

use std::path::Path;

use common::{config, env_number, last_run, mib, recordings, rikastin_run, synthetic_set};

fn main() {
    let learners = env_number("BENCH_LEARNERS", 100_000);
    let cached = env_number("BENCH_CACHED", learners);
    let changed = env_number("BENCH_CHANGED", 10_000).min(cached);
    let set = synthetic_set(cached);
    let files = recordings(&set.dir);
    assert_eq!(files.len() as u64, cached, "{}", set.dir.display());

    let work = common::bench_dir().join(format!("incremental-n{cached}"));
    std::fs::create_dir_all(&work).unwrap();
    let base = base_cache(cached, &set.dir, &work);

    // Every k-th learner changes, so the changed rows are spread over the whole cache.
    let changed_dir = work.join("changed");
    let _ = std::fs::remove_dir_all(&changed_dir);
    std::fs::create_dir_all(&changed_dir).unwrap();
    // A learner whose results have no Finnish name (a few bulk ones) is passed over for the
    // next one that has.
    let step = (cached / changed) as usize;
    let name = "<virta:Nimi kieli=\"fi\">";
    let mut written = 0;
    for k in 0..changed as usize {
        for file in &files[k * step..((k + 1) * step).min(files.len())] {
            let xml = std::fs::read_to_string(file).unwrap();
            if !xml.contains(name) {
                continue;
            }
            let edited = xml.replacen(name, &format!("{name}Uudistettu "), 1);
            std::fs::write(changed_dir.join(file.file_name().unwrap()), edited).unwrap();
            written += 1;
            break;
        }
    }
    assert_eq!(written, changed, "learners with a course name to change");

    let cache = work.join("cache.sqlite");
    let _ = std::fs::remove_file(work.join("cache.sqlite-wal"));
    std::fs::copy(&base, &cache).unwrap();
    let yaml = config(&work, &changed_dir, &cache);
    let run = rikastin_run(&yaml);
    let summary = last_run(&cache);
    assert_eq!(
        summary["updated"].as_u64(),
        Some(changed),
        "every changed learner updated: {summary}"
    );

    println!(
        "bench-incremental: {changed} changed learners into a cache of {cached} ({:.1} results each, {:.0} MiB of VIRTA XML), release build",
        set.attainments as f64 / cached as f64,
        mib(set.bytes)
    );
    println!("| cached | changed | seconds | learners/s | CPU s | peak RSS MiB | cache MiB |");
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    println!(
        "| {cached} | {changed} | {:.1} | {:.0} | {:.1} | {:.0} | {:.0} |",
        run.wall.as_secs_f64(),
        changed as f64 / run.wall.as_secs_f64(),
        run.cpu.as_secs_f64(),
        mib(run.peak_rss),
        mib(std::fs::metadata(&cache).map_or(0, |m| m.len()))
    );
}

/// A cache holding the full rebuild of the set: the rebuild bench's when it wrote one of this
/// size, else one built here once and kept.
fn base_cache(cached: u64, recordings: &Path, work: &Path) -> std::path::PathBuf {
    let from_rebuild = common::bench_dir()
        .join(format!("rebuild-n{cached}"))
        .join("cache.sqlite");
    let complete =
        |cache: &Path| cache.is_file() && last_run(cache)["learners"].as_u64() == Some(cached);
    if complete(&from_rebuild) {
        return from_rebuild;
    }
    let own = work.join("base.sqlite");
    if !complete(&own) {
        eprintln!("bench: building a cache of {cached} learners (once)");
        let _ = std::fs::remove_file(&own);
        let run = rikastin_run(&config(work, recordings, &own));
        eprintln!("bench: built in {:.0} s", run.wall.as_secs_f64());
    }
    own
}
