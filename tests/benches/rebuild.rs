//! `make bench` (a): a full rebuild from recorded answers, beside its floor.
//!
//! The figure is one `rikastin run` over a folder of synthetic VIRTA answers into a fresh SQLite
//! cache (read, parse, map, enrich, lint, write, hash, gzip, store): learners/s, MB/s in (VIRTA
//! XML read) and out (ELMO XML written, before gzip), CPU time and the process's peak RSS.
//!
//! The floor, measured in the same run on the same bytes with the same two cores, is what any
//! rebuild must do: read and parse every input file (quick-xml events, no model), gzip every
//! document the run wrote (at the store's level) and insert the blobs into SQLite, 256 per
//! transaction. Reading and gzipping use every core; SQLite takes one writer.
//!
//! `BENCH_LEARNERS` (default 100000) sets the size of the set; it is generated once into
//! `target/release/../bench-data/` and reused.

mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{
    Measured, config, env_number, last_run, mib, recordings, rikastin_run, synthetic_set,
};

/// The level the cache store gzips documents at (sinks/src/store/sqlite.rs).
const STORE_GZIP_LEVEL: u32 = 6;
/// Learners per transaction, as the job writes them.
const BATCH: usize = 256;

fn main() {
    let learners = env_number("BENCH_LEARNERS", 100_000);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let set = synthetic_set(learners);
    let files = recordings(&set.dir);
    assert_eq!(files.len() as u64, learners, "{}", set.dir.display());

    let work = common::bench_dir().join(format!("rebuild-n{learners}"));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    let cache = work.join("cache.sqlite");
    let yaml = config(&work, &set.dir, &cache);

    println!(
        "bench-rebuild: {learners} learners, {:.1} results each, {:.0} MiB of VIRTA XML, {threads} cores, release build",
        set.attainments as f64 / learners as f64,
        mib(set.bytes)
    );
    // The input floor first: it also brings the files into the page cache for the run.
    let parse = parse_floor(&files, threads);
    let run = rikastin_run(&yaml);
    let summary = last_run(&cache);
    assert_eq!(
        summary["learners"].as_u64(),
        Some(learners),
        "every learner stored: {summary}"
    );
    let floor_out = output_floor(&cache, &work.join("floor.sqlite"), threads);
    let floor = parse + floor_out.gzip + floor_out.insert;

    let rate = |d: Duration| learners as f64 / d.as_secs_f64();
    let mbs = |bytes: u64, d: Duration| mib(bytes) / d.as_secs_f64();
    let Measured {
        wall,
        cpu,
        peak_rss,
    } = run;
    println!(
        "| what | seconds | learners/s | MiB/s in | MiB/s out | CPU s | peak RSS MiB | ratio to floor |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    println!(
        "| rikastin run (full rebuild) | {:.1} | {:.0} | {:.1} | {:.1} | {:.1} | {:.0} | {:.2} |",
        wall.as_secs_f64(),
        rate(wall),
        mbs(set.bytes, wall),
        mbs(floor_out.xml_bytes, wall),
        cpu.as_secs_f64(),
        mib(peak_rss),
        rate(wall) / rate(floor)
    );
    println!(
        "| floor: parse input ({threads} threads) | {:.1} | {:.0} | {:.1} | | | | |",
        parse.as_secs_f64(),
        rate(parse),
        mbs(set.bytes, parse)
    );
    println!(
        "| floor: gzip output, level {STORE_GZIP_LEVEL} ({threads} threads) | {:.1} | {:.0} | | {:.1} | | | |",
        floor_out.gzip.as_secs_f64(),
        rate(floor_out.gzip),
        mbs(floor_out.xml_bytes, floor_out.gzip)
    );
    println!(
        "| floor: insert into SQLite ({BATCH} a transaction) | {:.1} | {:.0} | | | | | |",
        floor_out.insert.as_secs_f64(),
        rate(floor_out.insert)
    );
    println!(
        "| floor: all three | {:.1} | {:.0} | {:.1} | {:.1} | | | 1.00 |",
        floor.as_secs_f64(),
        rate(floor),
        mbs(set.bytes, floor),
        mbs(floor_out.xml_bytes, floor)
    );
    println!(
        "bench-rebuild: {:.0} MiB of ELMO XML out ({:.0} MiB gzipped); cache file {:.0} MiB",
        mib(floor_out.xml_bytes),
        mib(floor_out.gz_bytes),
        mib(std::fs::metadata(&cache).map_or(0, |m| m.len()))
    );
    let _ = std::fs::remove_file(work.join("floor.sqlite"));
}

/// Reads every file and walks its XML events with quick-xml, on `threads` threads.
fn parse_floor(files: &[PathBuf], threads: usize) -> Duration {
    let next = AtomicUsize::new(0);
    let clock = Instant::now();
    let events: usize = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let (mut bytes, mut buf, mut events) = (Vec::new(), Vec::new(), 0);
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(file) = files.get(i) else {
                            return events;
                        };
                        bytes.clear();
                        std::fs::File::open(file)
                            .and_then(|mut f| f.read_to_end(&mut bytes))
                            .unwrap();
                        events += xml_events(&bytes, &mut buf);
                    }
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).sum()
    });
    assert!(events > 0);
    clock.elapsed()
}

/// Walks a document's events, attribute values unescaped and text decoded, building nothing.
fn xml_events(bytes: &[u8], buf: &mut Vec<u8>) -> usize {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut n = 0;
    loop {
        buf.clear();
        match reader.read_event_into(buf).expect("well-formed input") {
            Event::Eof => return n,
            Event::Start(e) | Event::Empty(e) => {
                for a in e.attributes() {
                    let _ = std::hint::black_box(
                        a.expect("a well-formed attribute")
                            .normalized_value(quick_xml::XmlVersion::Implicit1_0),
                    );
                }
            }
            Event::Text(t) => {
                std::hint::black_box(t.xml10_content());
            }
            _ => {}
        }
        n += 1;
    }
}

/// The output side of the floor.
struct OutputFloor {
    gzip: Duration,
    insert: Duration,
    xml_bytes: u64,
    gz_bytes: u64,
}

/// Gzips every document of `cache` again and inserts the blobs into a fresh SQLite file, in
/// batches. Reading and gunzipping the run's output is not timed.
fn output_floor(cache: &Path, floor_path: &Path, threads: usize) -> OutputFloor {
    let _ = std::fs::remove_file(floor_path);
    let mut floor_db = rusqlite::Connection::open(floor_path).unwrap();
    floor_db.pragma_update(None, "journal_mode", "wal").unwrap();
    floor_db
        .execute_batch(
            "CREATE TABLE snapshot (learner_key TEXT PRIMARY KEY, elmo_gz BLOB NOT NULL)",
        )
        .unwrap();
    let source = rusqlite::Connection::open(cache).unwrap();
    let mut select = source
        .prepare("SELECT learner_key, elmo_gz FROM snapshot ORDER BY learner_key")
        .unwrap();
    let mut rows = select.query([]).unwrap();
    let mut out = OutputFloor {
        gzip: Duration::ZERO,
        insert: Duration::ZERO,
        xml_bytes: 0,
        gz_bytes: 0,
    };
    let mut batch: Vec<(String, Vec<u8>)> = Vec::with_capacity(BATCH);
    let mut flush = |batch: &mut Vec<(String, Vec<u8>)>, out: &mut OutputFloor| {
        let clock = Instant::now();
        let zipped = gzip_all(batch, threads);
        out.gzip += clock.elapsed();
        out.gz_bytes += zipped.iter().map(|z| z.len() as u64).sum::<u64>();
        let clock = Instant::now();
        let tx = floor_db.transaction().unwrap();
        {
            let mut insert = tx
                .prepare_cached("INSERT INTO snapshot (learner_key, elmo_gz) VALUES (?1, ?2)")
                .unwrap();
            for ((key, _), gz) in batch.iter().zip(&zipped) {
                insert.execute(rusqlite::params![key, gz]).unwrap();
            }
        }
        tx.commit().unwrap();
        out.insert += clock.elapsed();
        batch.clear();
    };
    while let Some(row) = rows.next().unwrap() {
        let key: String = row.get(0).unwrap();
        let gz: Vec<u8> = row.get(1).unwrap();
        let mut xml = Vec::with_capacity(gz.len() * 8);
        flate2::read::GzDecoder::new(gz.as_slice())
            .read_to_end(&mut xml)
            .unwrap();
        out.xml_bytes += xml.len() as u64;
        batch.push((key, xml));
        if batch.len() == BATCH {
            flush(&mut batch, &mut out);
        }
    }
    if !batch.is_empty() {
        flush(&mut batch, &mut out);
    }
    out
}

/// Gzips each document, `threads` at a time, in order.
fn gzip_all(docs: &[(String, Vec<u8>)], threads: usize) -> Vec<Vec<u8>> {
    let per = docs.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let parts: Vec<_> = docs
            .chunks(per)
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|(_, xml)| {
                            let mut gz = flate2::write::GzEncoder::new(
                                Vec::with_capacity(xml.len() / 4),
                                flate2::Compression::new(STORE_GZIP_LEVEL),
                            );
                            gz.write_all(xml).unwrap();
                            gz.finish().unwrap()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        parts.into_iter().flat_map(|p| p.join().unwrap()).collect()
    })
}
