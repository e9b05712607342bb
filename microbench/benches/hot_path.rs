//! `make bench` (d): criterion micro-benchmarks of the per-learner hot path of a rebuild, on one
//! synthetic learner of about 60 results (the issue 7 size): the VIRTA parser, the mapping
//! engine (map, merge and enrich), the semantic lint, the ELMO writer and the gzip the store
//! applies. Run alone with `cargo bench -p rikastin-microbench`.

use std::hint::black_box;
use std::io::Write;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rikastin::learners;
use rikastin::run::{assemble, content_hash};
use rikastin_microbench::{rules, virta_answer};

fn hot_path(c: &mut Criterion) {
    let (answer, results) = virta_answer(60);
    let (mappings, enrichment) = rules();
    let now: elmo::DateTime = "2026-11-23T10:00:00Z".parse().expect("a valid date");
    let virta = rikastin_sources::virta::parse(&answer, "bench").expect("the answer parses");
    let groups = learners::group(&virta);
    let records = &groups[0].records;
    let assembled =
        assemble(records, None, &mappings, &enrichment, &now, true).expect("the learner maps");
    let xml = elmo::write(&assembled.elmo);
    eprintln!(
        "hot_path: one learner, {results} results, {} bytes of VIRTA in, {} bytes of ELMO out",
        answer.len(),
        xml.len()
    );

    let mut group = c.benchmark_group("learner");
    group.throughput(Throughput::Bytes(answer.len() as u64));
    group.bench_function("virta_parse", |b| {
        b.iter(|| rikastin_sources::virta::parse(black_box(&answer), "bench").unwrap())
    });
    group.throughput(Throughput::Elements(results as u64));
    group.bench_function("map_and_enrich", |b| {
        b.iter(|| assemble(black_box(records), None, &mappings, &enrichment, &now, true).unwrap())
    });
    group.bench_function("lint", |b| {
        b.iter(|| elmo::lint(black_box(&assembled.elmo)))
    });
    group.throughput(Throughput::Bytes(xml.len() as u64));
    group.bench_function("elmo_write", |b| {
        b.iter(|| elmo::write(black_box(&assembled.elmo)))
    });
    group.bench_function("content_hash", |b| {
        b.iter(|| content_hash(black_box(&xml), &now))
    });
    for level in [1, 6] {
        group.bench_function(format!("gzip_level_{level}"), |b| {
            b.iter(|| {
                let mut gz = flate2::write::GzEncoder::new(
                    Vec::with_capacity(xml.len() / 4),
                    flate2::Compression::new(level),
                );
                gz.write_all(black_box(&xml)).unwrap();
                gz.finish().unwrap()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, hot_path);
criterion_main!(benches);
