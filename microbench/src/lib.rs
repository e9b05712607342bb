//! Inputs for the criterion micro-benchmarks of `make bench` (`benches/hot_path.rs`): one
//! synthetic learner's VIRTA answer, and the embedded default's mappings and enrichment, loaded
//! the way `rikastin run` loads them.

use std::path::{Path, PathBuf};

use rikastin::enrich::Enrichment;
use rikastin::enrich::catalogue::Catalogues;
use rikastin::enrich::ds::DsLibrary;
use rikastin::mapping::Mappings;

/// The seed of the benchmark learners (the same as `make bench`'s rebuild set).
pub const SEED: u64 = 7;

/// The workspace root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("microbench/ sits in the workspace")
        .to_owned()
}

/// The VIRTA answer of the first bulk learner of [`SEED`] with `results` attainments or more
/// (the fixed scenarios are skipped: they are small on purpose), and its attainment count.
pub fn virta_answer(results: usize) -> (Vec<u8>, usize) {
    for index in 12..100_000 {
        let learner = rikastin_synth::Learner::generate(SEED, index).expect("a valid index");
        if learner.attainments() >= results {
            let mut out = Vec::new();
            learner
                .write_response(&mut out)
                .expect("writing into a Vec cannot fail");
            return (out, learner.attainments());
        }
    }
    panic!("no synthetic learner of seed {SEED} has {results} results");
}

/// The embedded default's rules and the institutions' data.
pub fn rules() -> (Mappings, Enrichment) {
    let repo = repo();
    let mappings = Mappings::load(&repo.join("mappings")).expect("mappings/ loads");
    let catalogues = Catalogues::load(
        &repo.join("data/catalogues"),
        &mappings.enrichment.catalogue,
    )
    .expect("data/catalogues loads");
    let ds = DsLibrary::load(&repo.join("data/ds")).expect("data/ds loads");
    let enrichment = Enrichment {
        catalogues: Some(catalogues),
        ds: Some(ds),
    };
    (mappings, enrichment)
}
