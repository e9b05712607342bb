//! The recorded transport: a folder of recorded responses, one `.xml` file per learner, named by
//! the learner key (STYLE.md §15). It stands in for the network in tests, demos and full rebuilds.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{Error, ErrorKind, Result, looks_like_identity_code};

/// The largest recording read; real answers are 50–200 KB (virta.md §5).
const MAX_RECORDING_BYTES: u64 = 64 * 1024 * 1024;

/// A folder of recorded responses.
#[derive(Debug, Clone)]
pub struct RecordedFolder {
    dir: PathBuf,
    extension: &'static str,
}

/// One recorded response.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Recording {
    /// The learner key: the file name without `.xml`.
    pub name: String,
    /// Where the file is.
    pub path: PathBuf,
}

impl RecordedFolder {
    /// Opens a folder of recordings; fails if it is not a readable directory.
    pub fn open(dir: &Path) -> Result<Self> {
        let meta = fs::metadata(dir).map_err(|e| io_error(dir, "opening recordings folder", e))?;
        if !meta.is_dir() {
            let e = std::io::Error::new(std::io::ErrorKind::NotADirectory, "not a directory");
            return Err(io_error(dir, "opening recordings folder", e));
        }
        Ok(RecordedFolder {
            dir: dir.to_path_buf(),
            extension: "xml",
        })
    }

    /// The same folder, listing `*.{extension}` files instead of `*.xml` (KOSKI answers are JSON).
    pub fn with_extension(mut self, extension: &'static str) -> Self {
        self.extension = extension;
        self
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The recordings (`*.xml` files), sorted by name. Fails on a file whose name looks like an
    /// identity code (DESIGN.md invariant 5), without repeating the name.
    pub fn list(&self) -> Result<Vec<Recording>> {
        let entries =
            fs::read_dir(&self.dir).map_err(|e| io_error(&self.dir, "listing recordings", e))?;
        let mut recordings = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| io_error(&self.dir, "listing recordings", e))?;
            let path = entry.path();
            let Some(name) = recording_name(&path, self.extension) else {
                continue;
            };
            // Follows symbolic links: a folder may link to recordings kept elsewhere.
            let is_file = fs::metadata(&path)
                .map_err(|e| io_error(&self.dir, "listing recordings", e))?
                .is_file();
            if !is_file {
                continue;
            }
            // Learner keys are text; a name that is not would be silently missed otherwise.
            let Some(name) = name.to_str() else {
                let e =
                    std::io::Error::new(std::io::ErrorKind::InvalidData, "file name is not UTF-8");
                return Err(io_error(&self.dir, "listing recordings", e));
            };
            if looks_like_identity_code(name) {
                let origin = self.dir.display().to_string();
                return Err(Error::new(
                    ErrorKind::IdentityCodeInName,
                    &origin,
                    String::new(),
                    0,
                    0,
                ));
            }
            recordings.push(Recording {
                name: name.to_owned(),
                path,
            });
        }
        recordings.sort();
        Ok(recordings)
    }

    /// The recording for one learner key, if the folder holds it.
    pub fn find(&self, name: &str) -> Result<Option<Recording>> {
        Ok(self.list()?.into_iter().find(|r| r.name == name))
    }

    /// The recording in the file `file_name` of this folder, if there is one; for answers that
    /// go with another recording (e.g. `OpiskelijanTiedot` beside `OpiskelijanKaikkiTiedot`),
    /// found by name without listing the folder.
    pub fn get(&self, file_name: &str) -> Option<Recording> {
        let path = self.dir.join(file_name);
        let name = path.file_stem()?.to_str()?.to_owned();
        fs::metadata(&path)
            .is_ok_and(|m| m.is_file())
            .then_some(Recording { name, path })
    }

    /// The recorded bytes.
    pub fn read(&self, rec: &Recording) -> Result<Vec<u8>> {
        let file =
            fs::File::open(&rec.path).map_err(|e| io_error(&rec.path, "reading recording", e))?;
        // Sized from the file's length, so the buffer is not regrown and copied while read.
        let len = file
            .metadata()
            .map_or(0, |m| m.len())
            .min(MAX_RECORDING_BYTES);
        let mut bytes = Vec::with_capacity(len as usize + 1);
        // Read one byte past the limit to tell "exactly the limit" from "too large".
        file.take(MAX_RECORDING_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| io_error(&rec.path, "reading recording", e))?;
        if bytes.len() as u64 > MAX_RECORDING_BYTES {
            let origin = rec.path.display().to_string();
            let kind = ErrorKind::TooLarge {
                limit: MAX_RECORDING_BYTES,
            };
            return Err(Error::new(kind, &origin, String::new(), 0, 0));
        }
        Ok(bytes)
    }
}

/// The learner key of a `*.xml` file name (extension in any case), `None` for other files.
fn recording_name<'p>(path: &'p Path, extension: &str) -> Option<&'p std::ffi::OsStr> {
    let ext = path.extension()?.to_str()?;
    if !ext.eq_ignore_ascii_case(extension) {
        return None;
    }
    path.file_stem()
}

fn io_error(path: &Path, operation: &'static str, source: std::io::Error) -> Error {
    let origin = path.display().to_string();
    Error::new(
        ErrorKind::Io { operation, source },
        &origin,
        String::new(),
        0,
        0,
    )
}
