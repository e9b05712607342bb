//! One document response: read the snapshot, answer 304 if the caller has it, else cut the
//! selection, attach the transcript, sign, and wrap it for EMREX if asked (elmo.md §5).

use std::io::Write;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use flate2::Compression;
use flate2::write::GzEncoder;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::{Problem, Server};
use crate::{LearnerKey, SnapshotMeta, Store};

/// What the response body is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// The signed ELMO XML (`application/xml`).
    Elmo,
    /// base64 of the gzipped signed XML, the value of the EMREX `elmo` form parameter
    /// (`text/plain`).
    Emrex,
}

impl Format {
    /// `Accept: application/vnd.emrex.elmo+base64` asks for [`Format::Emrex`]; anything else
    /// gets XML.
    pub fn from_accept(headers: &HeaderMap) -> Format {
        let emrex = headers
            .get_all(header::ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.contains(EMREX_MEDIA_TYPE));
        if emrex { Format::Emrex } else { Format::Elmo }
    }
}

/// The media type that asks for the EMREX envelope by content negotiation.
pub const EMREX_MEDIA_TYPE: &str = "application/vnd.emrex.elmo+base64";

/// One request for a learner's document.
#[derive(Debug, Clone)]
pub struct DocumentRequest {
    /// LOS or LOI ids to keep (see `elmo::select`); `None` sends everything.
    pub select: Option<Vec<String>>,
    /// XML or the EMREX envelope.
    pub format: Format,
    /// Whether to attach the PDF transcript.
    pub transcript: bool,
    /// The caller's `If-None-Match`.
    pub if_none_match: Option<String>,
}

/// A response body with what the headers say about it.
#[derive(Debug)]
pub struct Served {
    /// The signed document (or its envelope); empty for 304.
    pub body: Bytes,
    /// Quoted strong ETag over the unsigned content and the request's shape.
    pub etag: String,
    /// The snapshot's freshness.
    pub meta: SnapshotMeta,
    /// 200, or 304 when the caller already has this ETag.
    pub status: StatusCode,
    /// The body's format.
    pub format: Format,
}

/// Builds the response for `key`. The metadata comes first, without the document: a caller
/// that has the ETag gets 304, and a body signed before for the same ETag is sent again. Only
/// otherwise is the document read, cut, signed and kept.
pub(super) fn respond(
    server: &Server,
    store: &dyn Store,
    key: &LearnerKey,
    request: &DocumentRequest,
) -> Result<Served, Problem> {
    let meta = store
        .get_snapshot_meta(key)
        .map_err(|e| server.cache_failed(e))?
        .ok_or_else(not_found)?;
    if meta.results == 0 {
        return Err(Problem::no_results());
    }
    let etag = etag(&meta.content_hash, request);
    if request
        .if_none_match
        .as_deref()
        .is_some_and(|inm| inm.trim() == "*" || inm.split(',').any(|t| t.trim() == etag))
    {
        return Ok(Served {
            body: Bytes::new(),
            etag,
            meta,
            status: StatusCode::NOT_MODIFIED,
            format: request.format,
        });
    }
    if let Some(body) = server.signed.get(key.as_str(), &etag) {
        server.metrics.signed_cache(true);
        return Ok(Served {
            body,
            etag,
            meta,
            status: StatusCode::OK,
            format: request.format,
        });
    }
    server.metrics.signed_cache(false);
    // A run may have stored a new version since the metadata was read: the document and its
    // own metadata are read together, and the ETag follows them.
    let snapshot = store
        .get_snapshot(key)
        .map_err(|e| server.cache_failed(e))?
        .ok_or_else(not_found)?;
    let etag = self::etag(&snapshot.meta.content_hash, request);
    let unsigned = if request.select.is_none() && !request.transcript {
        // The stored bytes as they are: no parse, no rewrite.
        snapshot.elmo_xml
    } else {
        let mut doc = elmo::read(&snapshot.elmo_xml)
            .map_err(|e| Problem::internal(format!("cached document of {key}: {e}")))?;
        if let Some(ids) = &request.select {
            doc = elmo::select(&doc, ids).map_err(|e| Problem::bad_request(e.to_string()))?;
        }
        if request.transcript {
            let issued = doc.generated_date.date();
            let attachment = server
                .transcript
                .attachment(&doc, issued)
                .map_err(|e| Problem::internal(format!("transcript of {key}: {e}")))?;
            doc.attachments.push(attachment);
        }
        elmo::write(&doc)
    };
    let signing = std::time::Instant::now();
    let signed = server.signer.sign(&unsigned);
    server.metrics.signed(signing.elapsed());
    let signed =
        signed.map_err(|e| Problem::internal(format!("signing the document of {key}: {e}")))?;
    let body = Bytes::from(match request.format {
        Format::Elmo => signed,
        Format::Emrex => emrex_envelope(&signed),
    });
    server.signed.put(key.as_str(), &etag, body.clone());
    Ok(Served {
        body,
        etag,
        meta: snapshot.meta,
        status: StatusCode::OK,
        format: request.format,
    })
}

fn not_found() -> Problem {
    Problem::not_found("no snapshot for this learner")
}

/// base64(gzip(signed XML)): the EMREX `elmo` parameter (elmo.md §5).
pub fn emrex_envelope(signed: &[u8]) -> Vec<u8> {
    let mut gz = GzEncoder::new(Vec::with_capacity(signed.len() / 4), Compression::default());
    gz.write_all(signed).expect("writing to a Vec cannot fail");
    let zipped = gz.finish().expect("writing to a Vec cannot fail");
    base64::engine::general_purpose::STANDARD
        .encode(zipped)
        .into_bytes()
}

/// Strong, because signing is deterministic (RSA PKCS#1 v1.5): the same unsigned content and
/// request give the same bytes.
pub(super) fn etag(content_hash: &str, request: &DocumentRequest) -> String {
    let mut h = Sha256::new();
    h.update(content_hash.as_bytes());
    if let Some(ids) = &request.select {
        let mut ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        ids.sort_unstable();
        ids.dedup();
        for id in ids {
            h.update(b"\x1f");
            h.update(id.as_bytes());
        }
    }
    h.update([request.transcript as u8, request.format as u8]);
    format!("\"{}\"", &hex::encode(h.finalize())[..32])
}

impl IntoResponse for Served {
    fn into_response(self) -> Response {
        let content_type = match self.format {
            Format::Elmo => "application/xml",
            Format::Emrex => "text/plain; charset=us-ascii",
        };
        let mut response = (self.status, self.body).into_response();
        let h = response.headers_mut();
        if self.status == StatusCode::OK {
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        }
        put(h, header::ETAG, &self.etag);
        // Personal data: a shared cache must not keep it, the caller may revalidate by ETag.
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-cache"),
        );
        put(h, X_CHECKED_AT.clone(), &self.meta.checked_at);
        put(h, X_UPDATED_AT.clone(), &self.meta.updated_at);
        let sources: Vec<String> = self
            .meta
            .sources
            .iter()
            .map(|s| {
                let whole = if s.complete { "complete" } else { "partial" };
                format!("{}={};{whole}", s.source, s.fetched_at)
            })
            .collect();
        put(h, X_SOURCES.clone(), &sources.join(", "));
        // The document says the same in its `extension` (rk:completeness); the header lets a
        // caller decide before reading the body.
        let whole = self.meta.sources.iter().all(|s| s.complete);
        put(
            h,
            X_COMPLETENESS.clone(),
            if whole { "full" } else { "partial" },
        );
        if let Some(since) = &self.meta.stale_since {
            put(h, X_STALE_SINCE.clone(), since);
        }
        response
    }
}

/// `full` when every source answered completely when the document was built, else `partial`.
static X_COMPLETENESS: HeaderName = HeaderName::from_static("x-rikastin-completeness");
/// When the document was last confirmed by a run.
static X_CHECKED_AT: HeaderName = HeaderName::from_static("x-rikastin-checked-at");
/// When the document last changed.
static X_UPDATED_AT: HeaderName = HeaderName::from_static("x-rikastin-updated-at");
/// Each source: `name=fetched_at;complete|partial`, comma-separated.
static X_SOURCES: HeaderName = HeaderName::from_static("x-rikastin-sources");
/// Present when the latest refresh failed and this is the last good document.
static X_STALE_SINCE: HeaderName = HeaderName::from_static("x-rikastin-stale-since");

fn put(headers: &mut HeaderMap, name: HeaderName, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        headers.insert(name, v);
    }
}
