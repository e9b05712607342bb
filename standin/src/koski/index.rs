//! The KOSKI document folder, indexed by `henkilö.oid` and `henkilö.hetu`. Documents are kept
//! as their bytes and served unchanged; only `henkilö` is read (as plain JSON values, so the
//! stand-in does not depend on the KOSKI model).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use axum::body::Bytes;
use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// Upstream's mock VIRTA client throws for this hetu (koski.md §2.8 item 6): its oppija answer
/// is always 503 `unavailable.virta`.
pub(crate) const VIRTA_FAILING_HETU: &str = "250390-680P";

/// One oppija document.
#[derive(Debug)]
pub(crate) struct Document {
    /// The file, served as it is.
    pub(crate) bytes: Bytes,
    /// `henkilö`, for `POST /koski/api/henkilo/hetu`.
    pub(crate) henkilo: Map<String, Value>,
    /// Whether fetching this learner makes KOSKI's VIRTA call fail.
    pub(crate) virta_fails: bool,
}

impl Document {
    pub(crate) fn string(&self, key: &str) -> Option<&str> {
        self.henkilo.get(key).and_then(Value::as_str)
    }
}

/// Every document, by OID and by hetu.
#[derive(Debug, Default)]
pub(crate) struct KoskiIndex {
    documents: Vec<Document>,
    names: Vec<PathBuf>,
    by_oid: HashMap<String, usize>,
    by_hetu: HashMap<String, usize>,
}

impl KoskiIndex {
    /// Reads every `*.json` in `dir` (sorted by name).
    pub(crate) fn load(dir: &Path) -> Result<Self> {
        let mut index = KoskiIndex::default();
        for (path, bytes) in crate::read_files(dir, "json")? {
            index.add(&path, bytes)?;
        }
        Ok(index)
    }

    /// Indexes one document; `path` names it in errors.
    pub(crate) fn add(&mut self, path: &Path, bytes: Vec<u8>) -> Result<()> {
        let fail = |line: usize, column: usize, message: &str| Error::Koski {
            path: path.to_owned(),
            line,
            column,
            message: rikastin_sources::redact(message),
        };
        let value: Value = serde_json::from_slice(&bytes)
            .map_err(|e| fail(e.line(), e.column(), &e.to_string()))?;
        let Value::Object(mut root) = value else {
            return Err(fail(
                0,
                0,
                "expected an oppija object {\"henkilö\": .., \"opiskeluoikeudet\": [..]}",
            ));
        };
        if !root.get("opiskeluoikeudet").is_some_and(Value::is_array) {
            return Err(fail(0, 0, "`opiskeluoikeudet` must be an array"));
        }
        let Some(Value::Object(henkilo)) = root.remove("henkilö") else {
            return Err(fail(0, 0, "`henkilö` must be an object"));
        };
        let field = |key: &str| match henkilo.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(fail(0, 0, &format!("`henkilö.{key}` must be a string"))),
        };
        let oid = field("oid")?;
        let hetu = field("hetu")?;
        if oid.is_none() && hetu.is_none() {
            return Err(fail(
                0,
                0,
                "`henkilö` has neither `oid` nor `hetu` to serve it by",
            ));
        }
        let at = self.documents.len();
        if let Some(oid) = &oid
            && let Some(&other) = self.by_oid.get(oid)
        {
            return Err(fail(
                0,
                0,
                &format!("`henkilö.oid` is also in {}", self.name(other)),
            ));
        }
        if let Some(hetu) = &hetu
            && let Some(&other) = self.by_hetu.get(hetu)
        {
            return Err(fail(
                0,
                0,
                &format!("`henkilö.hetu` is also in {}", self.name(other)),
            ));
        }
        let virta_fails = hetu.as_deref() == Some(VIRTA_FAILING_HETU);
        if let Some(oid) = oid {
            self.by_oid.insert(oid, at);
        }
        if let Some(hetu) = hetu {
            self.by_hetu.insert(hetu, at);
        }
        self.names.push(path.to_owned());
        self.documents.push(Document {
            bytes: Bytes::from(bytes),
            henkilo,
            virta_fails,
        });
        Ok(())
    }

    fn name(&self, at: usize) -> String {
        self.names
            .get(at)
            .and_then(|p| p.file_name())
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
    }

    pub(crate) fn by_oid(&self, oid: &str) -> Option<&Document> {
        self.by_oid.get(oid).and_then(|&at| self.documents.get(at))
    }

    pub(crate) fn by_hetu(&self, hetu: &str) -> Option<&Document> {
        self.by_hetu
            .get(hetu)
            .and_then(|&at| self.documents.get(at))
    }

    pub(crate) fn len(&self) -> usize {
        self.documents.len()
    }
}
