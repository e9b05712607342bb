//! Writes a whole set: one `<learner key>.xml` per learner, streamed, so a set of 1.3 million
//! learners never sits in memory; and, when asked, the `OpiskelijanTiedot` answers with the
//! names, `<learner key>.<institution code>.xml` per learner and institution.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use rikastin_sinks::LearnerSecret;

use crate::{Error, Learner, Quirks, Result};

/// The seed of the embedded default in `data/recorded/`.
pub const DEFAULT_SEED: u64 = 2026;
/// The number of learners in the embedded default.
pub const DEFAULT_LEARNERS: u64 = 24;

/// What to generate, and where.
#[derive(Debug, Clone)]
pub struct Options {
    /// How many learners (indices `0..learners`).
    pub learners: u64,
    /// The seed; the same seed and count give byte-identical files.
    pub seed: u64,
    /// The folder for the files; created if missing. Other files in it are left alone.
    pub out_dir: PathBuf,
    /// Also write the learners as a targets CSV (`rikastin targets add`): the header
    /// `henkilotunnus,oppijanumero`, then one row per learner. It holds identity codes, so it
    /// belongs beside the synthetic recordings, never in a log.
    pub targets_csv: Option<PathBuf>,
    /// Also write the `OpiskelijanTiedot` answers (names, sex, nationality, ...) into this
    /// folder: `<learner key>.<institution code>.xml`, one per learner and institution.
    pub names_out: Option<PathBuf>,
    /// Quirks random learners may show (the fixed scenarios show their own whatever this says).
    pub quirks: Quirks,
    /// The chance, in 100, that a random learner shows each of `quirks`.
    pub quirk_percent: u32,
}

/// What a run wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Files written.
    pub learners: u64,
    /// Attainments (Opintosuoritus) over all files.
    pub attainments: u64,
    /// Bytes written (the OpiskelijanKaikkiTiedot answers only).
    pub bytes: u64,
    /// `OpiskelijanTiedot` answers written.
    pub names_files: u64,
}

/// Generates `options.learners` learners into `options.out_dir`, each file named by the
/// learner's key under `secret`. `progress` is called after each file with the count so far.
pub fn generate(
    options: &Options,
    secret: &LearnerSecret,
    mut progress: impl FnMut(u64),
) -> Result<Summary> {
    for dir in std::iter::once(&options.out_dir).chain(&options.names_out) {
        fs::create_dir_all(dir).map_err(|source| Error::CreateDir {
            path: dir.clone(),
            source,
        })?;
    }
    let mut summary = Summary::default();
    let mut targets = match &options.targets_csv {
        Some(path) => {
            let create = || -> std::io::Result<BufWriter<File>> {
                let mut f = BufWriter::new(File::create(path)?);
                f.write_all(b"henkilotunnus,oppijanumero\n")?;
                Ok(f)
            };
            Some((
                path,
                create().map_err(|source| Error::Write {
                    path: path.clone(),
                    source,
                })?,
            ))
        }
        None => None,
    };
    let mut buf = Vec::with_capacity(256 * 1024);
    for index in 0..options.learners {
        let learner =
            Learner::generate_with(options.seed, index, options.quirks, options.quirk_percent)?;
        let key = learner.key(secret);
        buf.clear();
        // Writing into a Vec cannot fail; the file write below reports real errors.
        let _ = learner.write_response(&mut buf);
        write_file(&options.out_dir.join(format!("{}.xml", key.as_str())), &buf)?;
        summary.bytes += buf.len() as u64;
        if let Some(dir) = &options.names_out {
            for code in learner.names_institutions() {
                buf.clear();
                let _ = learner.write_names(code, &mut buf);
                write_file(&dir.join(format!("{}.{code}.xml", key.as_str())), &buf)?;
                summary.names_files += 1;
            }
        }
        if let Some((path, csv)) = &mut targets {
            let row = format!(
                "{},{}\n",
                learner.henkilotunnus().as_str(),
                learner.oppijanumero().unwrap_or("")
            );
            csv.write_all(row.as_bytes())
                .map_err(|source| Error::Write {
                    path: path.to_path_buf(),
                    source,
                })?;
        }
        summary.learners += 1;
        summary.attainments += learner.attainments() as u64;
        progress(summary.learners);
    }
    if let Some((path, mut csv)) = targets {
        csv.flush().map_err(|source| Error::Write {
            path: path.clone(),
            source,
        })?;
    }
    Ok(summary)
}

/// Writes one whole file.
fn write_file(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    let write = || -> std::io::Result<()> {
        let mut f = BufWriter::new(File::create(path)?);
        f.write_all(bytes)?;
        f.flush()
    };
    write().map_err(|source| Error::Write {
        path: path.to_path_buf(),
        source,
    })
}
