//! Tests of the SQLite store, each against a real file in a temporary folder.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::thread::sleep;
use std::time::Duration;

use flate2::read::GzDecoder;
use rusqlite::Connection;
use tempfile::TempDir;

use super::*;
use crate::Error;

/// A test cache: its folder lives as long as the value.
struct Cache {
    _dir: TempDir,
    path: PathBuf,
}

impl Cache {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("cache.sqlite");
        Self { _dir: dir, path }
    }

    /// Opens the store with runs `r1`, `r2` and `r3` begun.
    fn store(&self) -> SqliteStore {
        let mut store = SqliteStore::open(&self.path).expect("open cache");
        for run_id in ["r1", "r2", "r3"] {
            store
                .begin_run(&RunStart {
                    run_id,
                    started_at: "2025-01-31T12:00:00Z",
                    config_label: "test",
                })
                .expect("begin run");
        }
        store
    }

    /// A second, plain SQLite connection to the same file, as an NCP engineer would open it.
    fn raw(&self) -> Connection {
        Connection::open(&self.path).expect("raw connection")
    }
}

/// A learner key made of `prefix` padded with zeros.
fn key(prefix: &str) -> LearnerKey {
    format!("{prefix:0<64}").parse().expect("test key")
}

/// A content hash (64 hex) numbered `n`.
fn hash(n: u32) -> String {
    format!("{n:064x}")
}

fn virta(fetched_at: &str, complete: bool) -> Vec<SourceFreshness> {
    vec![SourceFreshness {
        source: "virta".to_owned(),
        fetched_at: fetched_at.to_owned(),
        complete,
    }]
}

fn new_snapshot<'a>(
    learner_key: &'a LearnerKey,
    elmo_xml: &'a [u8],
    content_hash: &'a str,
    run_id: &'a str,
    sources: &'a [SourceFreshness],
) -> NewSnapshot<'a> {
    NewSnapshot {
        learner_key,
        elmo_xml,
        content_hash,
        generated_date: "2025-01-31T12:00:00Z",
        elmo_version: "1.7.0",
        run_id,
        sources,
        results: 2,
        detail: None,
    }
}

/// The stored blob and timestamps, read directly.
fn raw_row(raw: &Connection, key: &LearnerKey) -> (Vec<u8>, String, String) {
    raw.query_row(
        "SELECT elmo_gz, updated_at, checked_at FROM snapshot WHERE learner_key = ?1",
        [key.as_str()],
        |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
    )
    .expect("raw row")
}

fn hash_of(store: &SqliteStore, key: &LearnerKey) -> Option<String> {
    store
        .get_snapshot(key)
        .expect("get")
        .map(|s| s.meta.content_hash)
}

#[test]
fn created_then_unchanged_on_same_hash_then_written_on_new_hash() {
    let cache = Cache::new();
    let mut store = cache.store();
    let k = key("a1");
    let (h1, h2) = (hash(1), hash(2));
    let sources1 = virta("2025-01-31T10:00:00Z", true);

    let first = new_snapshot(&k, b"<elmo>v1</elmo>", &h1, "r1", &sources1);
    assert_eq!(
        store.put_snapshots(&[first]).unwrap(),
        [WriteOutcome::Created]
    );
    let (blob1, updated1, checked1) = raw_row(&cache.raw(), &k);

    // The store's clock has millisecond resolution: make sure it moves.
    sleep(Duration::from_millis(20));
    let sources2 = virta("2025-02-01T10:00:00Z", true);
    // Different bytes (say, another generatedDate), same content hash: not rewritten.
    let again = new_snapshot(&k, b"<elmo>v1 again</elmo>", &h1, "r2", &sources2);
    assert_eq!(
        store.put_snapshots(&[again]).unwrap(),
        [WriteOutcome::Unchanged]
    );
    let (blob2, updated2, checked2) = raw_row(&cache.raw(), &k);
    assert_eq!(
        blob2, blob1,
        "an unchanged snapshot's blob must not be rewritten"
    );
    assert_eq!(
        updated2, updated1,
        "updated_at must not move when unchanged"
    );
    assert!(
        checked2 > checked1,
        "checked_at must move: {checked1} -> {checked2}"
    );
    let snap = store.get_snapshot(&k).unwrap().unwrap();
    assert_eq!(snap.elmo_xml, b"<elmo>v1</elmo>");
    assert_eq!(snap.meta.run_id, "r1");
    assert_eq!(snap.meta.checked_run_id, "r2");
    assert_eq!(
        snap.meta.sources, sources2,
        "freshness is updated when unchanged"
    );

    sleep(Duration::from_millis(20));
    let changed = new_snapshot(&k, b"<elmo>v2</elmo>", &h2, "r3", &sources2);
    assert_eq!(
        store.put_snapshots(&[changed]).unwrap(),
        [WriteOutcome::Written]
    );
    let (blob3, updated3, checked3) = raw_row(&cache.raw(), &k);
    assert_ne!(blob3, blob1);
    assert!(
        updated3 > updated2 && checked3 == updated3,
        "{updated3} {checked3}"
    );
    let snap = store.get_snapshot(&k).unwrap().unwrap();
    assert_eq!(snap.elmo_xml, b"<elmo>v2</elmo>");
    assert_eq!(snap.meta.content_hash, h2);
    assert_eq!(
        (snap.meta.run_id.as_str(), snap.meta.checked_run_id.as_str()),
        ("r3", "r3")
    );
    assert_eq!(
        snap.meta.created_at, updated1,
        "created_at stays the first write's"
    );
}

#[test]
fn one_batch_reports_each_outcome_in_order() {
    let cache = Cache::new();
    let mut store = cache.store();
    let (a, b, c) = (key("a"), key("b"), key("c"));
    let (h1, h2) = (hash(1), hash(2));
    let src = virta("2025-01-31T10:00:00Z", true);
    store
        .put_snapshots(&[
            new_snapshot(&a, b"<a/>", &h1, "r1", &src),
            new_snapshot(&b, b"<b/>", &h1, "r1", &src),
        ])
        .unwrap();
    let outcomes = store
        .put_snapshots(&[
            new_snapshot(&a, b"<a/>", &h1, "r2", &src),
            new_snapshot(&b, b"<b2/>", &h2, "r2", &src),
            new_snapshot(&c, b"<c/>", &h1, "r2", &src),
        ])
        .unwrap();
    use WriteOutcome::*;
    assert_eq!(outcomes, [Unchanged, Written, Created]);
}

/// Stores A and B, then runs `batch`, which must fail, and checks nothing changed.
fn assert_failing_batch_changes_nothing(
    cache: &Cache,
    store: &mut SqliteStore,
    batch: &[NewSnapshot<'_>],
) -> Error {
    let before = store.list_snapshots().unwrap();
    let err = store.put_snapshots(batch).expect_err("the batch must fail");
    assert_eq!(store.list_snapshots().unwrap(), before, "after: {err}");
    let raw_count: i64 = cache
        .raw()
        .query_row("SELECT count(*) FROM snapshot_source", [], |r| r.get(0))
        .unwrap();
    assert_eq!(raw_count, before.len() as i64);
    err
}

#[test]
fn failing_batch_leaves_every_snapshot_as_it_was() {
    let cache = Cache::new();
    let mut store = cache.store();
    let (a, b, c) = (key("a"), key("b"), key("c"));
    let (h1, h2) = (hash(1), hash(2));
    let src = virta("2025-01-31T10:00:00Z", true);
    let newer = virta("2025-02-01T10:00:00Z", true);
    store
        .put_snapshots(&[
            new_snapshot(&a, b"<a/>", &h1, "r1", &src),
            new_snapshot(&b, b"<b/>", &h1, "r1", &src),
        ])
        .unwrap();

    // The last item names a run that was never begun: A's rewrite, B's check and C's insert
    // before it must all be rolled back.
    let err = assert_failing_batch_changes_nothing(
        &cache,
        &mut store,
        &[
            new_snapshot(&a, b"<a2/>", &h2, "r2", &newer),
            new_snapshot(&b, b"<b/>", &h1, "r2", &newer),
            new_snapshot(&c, b"<c/>", &h1, "r2", &newer),
            new_snapshot(&c, b"<c/>", &h1, "no-such-run", &newer),
        ],
    );
    assert!(
        matches!(&err, Error::UnknownRun { run_id, .. } if run_id == "no-such-run"),
        "{err}"
    );
    assert!(err.to_string().contains("batch item 3"), "{err}");
    assert!(store.get_snapshot(&c).unwrap().is_none());
    assert_eq!(hash_of(&store, &a), Some(h1.clone()));

    // An error from SQLite itself, injected by a trigger, after earlier items were written.
    cache
        .raw()
        .execute_batch(&format!(
            "CREATE TRIGGER fail_c BEFORE INSERT ON snapshot WHEN NEW.learner_key = '{c}' \
             BEGIN SELECT RAISE(ABORT, 'injected failure'); END;"
        ))
        .unwrap();
    let err = assert_failing_batch_changes_nothing(
        &cache,
        &mut store,
        &[
            new_snapshot(&a, b"<a2/>", &h2, "r2", &newer),
            new_snapshot(&b, b"<b/>", &h1, "r2", &newer),
            new_snapshot(&c, b"<c/>", &h1, "r2", &newer),
        ],
    );
    let shown = err.to_string();
    assert!(
        shown.contains("injected failure") && shown.contains("batch item 2"),
        "{shown}"
    );
    assert!(
        shown.contains("cache.sqlite"),
        "errors name the cache file: {shown}"
    );
}

#[test]
fn changed_document_from_incomplete_source_never_replaces_the_stored_one() {
    let cache = Cache::new();
    let mut store = cache.store();
    let a = key("a");
    let (h1, h2) = (hash(1), hash(2));
    let partial = virta("2025-02-01T10:00:00Z", false);
    store
        .put_snapshots(&[new_snapshot(&a, b"<a/>", &h1, "r1", &virta("t", true))])
        .unwrap();

    let err = store
        .put_snapshots(&[new_snapshot(&a, b"<less/>", &h2, "r2", &partial)])
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidSnapshot { item: 0, .. }),
        "{err}"
    );
    assert_eq!(store.get_snapshot(&a).unwrap().unwrap().elmo_xml, b"<a/>");

    // The same content from an incomplete answer is only recorded as such.
    let outcome = store
        .put_snapshots(&[new_snapshot(&a, b"<a/>", &h1, "r2", &partial)])
        .unwrap();
    assert_eq!(outcome, [WriteOutcome::Unchanged]);
    assert_eq!(
        store.get_snapshot(&a).unwrap().unwrap().meta.sources,
        partial
    );
}

#[test]
fn bad_items_are_refused_with_what_was_expected() {
    let cache = Cache::new();
    let mut store = cache.store();
    let a = key("a");
    let src = virta("t", true);

    let short_hash = "abc";
    let err = store
        .put_snapshots(&[new_snapshot(&a, b"<a/>", short_hash, "r1", &src)])
        .unwrap_err();
    assert!(err.to_string().contains("64 lower-case hex"), "{err}");

    let twice = [src[0].clone(), src[0].clone()];
    let err = store
        .put_snapshots(&[new_snapshot(&a, b"<a/>", &hash(1), "r1", &twice)])
        .unwrap_err();
    assert!(err.to_string().contains("listed twice"), "{err}");
    assert!(store.list_snapshots().unwrap().is_empty());
}

#[test]
fn get_round_trips_the_exact_bytes_and_metadata() {
    let cache = Cache::new();
    let mut store = cache.store();
    let k = key("5e");
    // A BOM, CRLF, non-ASCII text and a repeated body: bytes must come back unchanged.
    let mut xml = b"\xEF\xBB\xBF<?xml version=\"1.0\"?>\r\n<elmo>".to_vec();
    for _ in 0..200 {
        xml.extend_from_slice(
            "<title xml:lang=\"fi\">Tietorakenteet ja algoritmit ÄÖå</title>\r\n".as_bytes(),
        );
    }
    xml.extend_from_slice(b"</elmo>");
    let h = hash(7);
    let sources = vec![
        SourceFreshness {
            source: "virta".into(),
            fetched_at: "2025-01-31T10:00:00Z".into(),
            complete: true,
        },
        SourceFreshness {
            source: "catalogue".into(),
            fetched_at: "2025-01-30T08:00:00Z".into(),
            complete: true,
        },
    ];
    let mut item = new_snapshot(&k, &xml, &h, "r1", &sources);
    item.results = 42;
    store.put_snapshots(&[item]).unwrap();

    let snap = store.get_snapshot(&k).unwrap().expect("stored");
    assert_eq!(snap.elmo_xml, xml);
    let m = &snap.meta;
    assert_eq!(m.learner_key, k);
    assert_eq!(m.content_hash, h);
    assert_eq!(m.generated_date, "2025-01-31T12:00:00Z");
    assert_eq!(m.elmo_version, "1.7.0");
    assert_eq!(m.results, 42);
    let mut sorted = sources.clone();
    sorted.sort_by(|a, b| a.source.cmp(&b.source));
    assert_eq!(m.sources, sorted, "sources come back sorted by name");

    // docs/cache.md: SELECT elmo_gz, then gunzip, gives the document.
    let blob: Vec<u8> = cache
        .raw()
        .query_row(
            "SELECT elmo_gz FROM snapshot WHERE learner_key = ?1",
            [k.as_str()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(m.compressed_bytes, blob.len() as u64);
    assert!(
        blob.len() < xml.len() / 4,
        "gzip: {} of {}",
        blob.len(),
        xml.len()
    );
    let mut gunzipped = Vec::new();
    GzDecoder::new(blob.as_slice())
        .read_to_end(&mut gunzipped)
        .unwrap();
    assert_eq!(gunzipped, xml);

    assert!(store.get_snapshot(&key("ff")).unwrap().is_none());
}

#[test]
fn debug_output_never_shows_the_document() {
    let k = key("a");
    let xml = b"<identifier type=\"nationalIdentifier\">010190-123A</identifier>";
    let h = hash(1);
    let item = new_snapshot(&k, xml, &h, "r1", &[]);
    let snap = Snapshot {
        meta: SnapshotMeta {
            learner_key: k.clone(),
            content_hash: h.clone(),
            generated_date: String::new(),
            elmo_version: String::new(),
            run_id: String::new(),
            checked_run_id: String::new(),
            created_at: String::new(),
            updated_at: String::new(),
            checked_at: String::new(),
            results: 0,
            sources: Vec::new(),
            compressed_bytes: 0,
            stale_since: None,
            stale_reason: None,
        },
        elmo_xml: xml.to_vec(),
    };
    let shown = format!("{item:?} {snap:?}");
    assert!(!shown.contains("010190-123A"), "{shown}");
    assert!(shown.contains(&format!("<{} bytes>", xml.len())), "{shown}");
}

#[test]
fn find_keys_by_prefix_sorted_and_limited() {
    let cache = Cache::new();
    let mut store = cache.store();
    let keys = [
        key("3fa9"),
        key("3fb0"),
        key("3fa2"),
        key("3fa21"),
        key("0"),
    ];
    let h = hash(1);
    let batch: Vec<_> = keys
        .iter()
        .map(|k| new_snapshot(k, b"<e/>", &h, "r1", &[]))
        .collect();
    store.put_snapshots(&batch).unwrap();

    assert_eq!(
        store.find_keys("3fa", 10).unwrap(),
        [key("3fa2"), key("3fa21"), key("3fa9")]
    );
    assert_eq!(
        store.find_keys("3FA2", 10).unwrap(),
        [key("3fa2"), key("3fa21")]
    );
    assert_eq!(
        store.find_keys("3fa", 2).unwrap(),
        [key("3fa2"), key("3fa21")]
    );
    assert_eq!(store.find_keys("", 10).unwrap().len(), 5);
    assert_eq!(
        store.find_keys(key("3fb0").as_str(), 10).unwrap(),
        [key("3fb0")]
    );
    assert!(store.find_keys("4", 10).unwrap().is_empty());
    assert!(store.find_keys("3fa", 0).unwrap().is_empty());

    // A typed identity code is refused without being repeated.
    let err = store.find_keys("010190-123A", 10).unwrap_err();
    assert!(matches!(err, Error::InvalidKeyPrefix { .. }));
    assert!(!err.to_string().contains("010190-123A"), "{err}");
    assert!(store.find_keys("%", 10).is_err());
}

#[test]
fn list_is_sorted_by_key_with_each_learners_sources() {
    let cache = Cache::new();
    let mut store = cache.store();
    let (a, b, c) = (key("a"), key("b"), key("c"));
    let h = hash(1);
    let src_b = virta("2025-01-02T00:00:00Z", true);
    let src_c = vec![
        SourceFreshness {
            source: "virta".into(),
            fetched_at: "2025-01-03T00:00:00Z".into(),
            complete: true,
        },
        SourceFreshness {
            source: "ds".into(),
            fetched_at: "2025-01-04T00:00:00Z".into(),
            complete: true,
        },
    ];
    store
        .put_snapshots(&[
            new_snapshot(&c, b"<c/>", &h, "r1", &src_c),
            new_snapshot(&a, b"<a/>", &h, "r1", &[]),
            new_snapshot(&b, b"<b/>", &h, "r1", &src_b),
        ])
        .unwrap();

    let list = store.list_snapshots().unwrap();
    let listed: Vec<_> = list.iter().map(|m| m.learner_key.clone()).collect();
    assert_eq!(listed, [a, b, c.clone()]);
    assert!(list[0].sources.is_empty());
    assert_eq!(list[1].sources, src_b);
    assert_eq!(
        list[2]
            .sources
            .iter()
            .map(|s| s.source.as_str())
            .collect::<Vec<_>>(),
        ["ds", "virta"]
    );
    assert!(list.iter().all(|m| m.compressed_bytes > 0));
    assert_eq!(list[2], store.get_snapshot(&c).unwrap().unwrap().meta);
}

#[test]
fn cache_file_is_in_wal_mode_at_the_current_schema_version() {
    let cache = Cache::new();
    let _store = cache.store();
    let raw = cache.raw();
    let mode: String = raw
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let version: i64 = raw
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, SqliteStore::SCHEMA_VERSION);
}

#[test]
fn reopening_keeps_data_and_does_not_migrate_again() {
    let cache = Cache::new();
    let k = key("a");
    let h = hash(1);
    {
        let mut store = cache.store();
        store
            .put_snapshots(&[new_snapshot(&k, b"<kept/>", &h, "r1", &[])])
            .unwrap();
    }
    let store = SqliteStore::open(&cache.path).expect("reopen");
    assert_eq!(
        store.get_snapshot(&k).unwrap().unwrap().elmo_xml,
        b"<kept/>"
    );
    assert!(store.get_run("r1").unwrap().is_some());
}

#[test]
fn open_creates_parent_folders() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("var").join("cache").join("rikastin.sqlite");
    SqliteStore::open(&path).expect("open in new folders");
    assert!(path.is_file());
}

#[test]
fn newer_schema_version_is_refused() {
    let cache = Cache::new();
    drop(cache.store());
    cache.raw().pragma_update(None, "user_version", 99).unwrap();

    let err = SqliteStore::open(&cache.path).unwrap_err();
    assert!(
        matches!(
            err,
            Error::NewerSchema {
                found: 99,
                known: SqliteStore::SCHEMA_VERSION,
                ..
            }
        ),
        "{err:?}"
    );
    let shown = err.to_string();
    assert!(
        shown.contains("99") && shown.contains(&path_text(&cache.path)),
        "{shown}"
    );
}

fn path_text(path: &Path) -> String {
    format!("{path:?}").trim_matches('"').to_owned()
}

#[test]
fn run_record_round_trips() {
    let cache = Cache::new();
    let mut store = SqliteStore::open(&cache.path).unwrap();
    let start = RunStart {
        run_id: "2025-01-31T12:00:00Z-7f3a",
        started_at: "2025-01-31T12:00:00Z",
        config_label: "virta-nightly",
    };
    store.begin_run(&start).unwrap();
    let open = store.get_run(start.run_id).unwrap().unwrap();
    assert_eq!(
        open,
        RunRecord {
            run_id: start.run_id.into(),
            started_at: start.started_at.into(),
            config_label: start.config_label.into(),
            finished_at: None,
            outcome: None,
            summary_json: None,
        }
    );

    let summary = r#"{"written":3,"unchanged":10,"dead_letters":[]}"#;
    store
        .finish_run(start.run_id, "2025-01-31T12:05:00Z", "ok", summary)
        .unwrap();
    let done = store.get_run(start.run_id).unwrap().unwrap();
    assert_eq!(done.finished_at.as_deref(), Some("2025-01-31T12:05:00Z"));
    assert_eq!(done.outcome.as_deref(), Some("ok"));
    assert_eq!(done.summary_json.as_deref(), Some(summary));

    assert!(matches!(
        store.begin_run(&start),
        Err(Error::RunExists { .. })
    ));
    assert!(matches!(
        store.finish_run(start.run_id, "t", "ok", "{}"),
        Err(Error::RunFinished { .. })
    ));
    assert!(matches!(
        store.finish_run("missing", "t", "ok", "{}"),
        Err(Error::UnknownRun { .. })
    ));
    store
        .begin_run(&RunStart {
            run_id: "r9",
            ..start
        })
        .unwrap();
    assert!(matches!(
        store.finish_run("r9", "t", "ok", "{not json"),
        Err(Error::InvalidRun { .. })
    ));
    assert!(store.get_run("missing").unwrap().is_none());
}

#[test]
fn schema_refuses_a_learner_key_that_is_not_lower_hex() {
    let cache = Cache::new();
    drop(cache.store());
    // Even a hand-written row cannot put an identity code where a learner key belongs.
    let padded = format!("{:0<64}", "010190-123A");
    let err = cache
        .raw()
        .execute(
            "INSERT INTO snapshot (learner_key, content_hash, generated_date, elmo_version, \
             results, elmo_gz, run_id, checked_run_id, created_at, updated_at, checked_at) \
             VALUES (?1, ?2, 'd', '1.7.0', 0, x'00', 'r1', 'r1', 't', 't', 't')",
            [padded.as_str(), hash(1).as_str()],
        )
        .unwrap_err();
    assert!(err.to_string().contains("CHECK constraint failed"), "{err}");
}

#[test]
fn cache_doc_shows_the_schema_unchanged() {
    // docs/cache.md shows schema.sql and each migration; this keeps the files the single source.
    let doc_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/cache.md");
    let doc = std::fs::read_to_string(doc_path).expect("docs/cache.md is part of the repository");
    for (name, schema) in [
        ("schema.sql", include_str!("schema.sql")),
        ("schema_v2.sql", include_str!("schema_v2.sql")),
        ("schema_v3.sql", include_str!("schema_v3.sql")),
        ("schema_v4.sql", include_str!("schema_v4.sql")),
    ] {
        assert!(
            doc.contains(&format!("```sql\n{schema}```")),
            "docs/cache.md must show sinks/src/store/{name} verbatim in a ```sql block"
        );
    }
}

// ---- Schema version 2: refresh targets and stale marks ----

use crate::{LearnerSecret, TargetIdentity, TargetSeal};

/// Synthetic identity codes: individual numbers 002–899, check characters computed
/// (DDMMYYNNN mod 31 into `0123456789ABCDEFHJKLMNPRSTUVWXY`).
const HETU_A: &str = "010190-123M";
const HETU_B: &str = "311299-002K";
const OID_C: &str = "1.2.246.562.24.00000000042";

fn test_secret() -> LearnerSecret {
    LearnerSecret::from_bytes(b"rikastin-test-secret-0123456789".to_vec()).expect("test secret")
}

fn hetu_identity(hetu: &str) -> TargetIdentity {
    TargetIdentity::new(Some(hetu.to_owned()), None).expect("identity")
}

/// A target for `key`, sealed with a throwaway identity (the store never opens it).
fn plain_target<'a>(key: &'a LearnerKey, added_at: &'a str) -> NewTarget<'a> {
    NewTarget {
        learner_key: key,
        sealed_identity: &[1; 40],
        added_at,
    }
}

fn due_keys(store: &SqliteStore, now: &str, refresh: u64, retry: u64) -> Vec<LearnerKey> {
    store
        .due_targets(now, refresh, retry, None)
        .expect("due_targets")
        .into_iter()
        .map(|t| t.learner_key)
        .collect()
}

#[test]
fn version_1_file_is_migrated_and_keeps_its_snapshots() {
    let cache = Cache::new();
    let k = key("a1");
    let xml = b"<elmo>kept across the migration</elmo>";
    {
        // A file as a version-1 build left it.
        let raw = cache.raw();
        raw.execute_batch(include_str!("schema.sql")).unwrap();
        raw.pragma_update(None, "user_version", 1).unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut gz, xml).unwrap();
        let blob = gz.finish().unwrap();
        raw.execute_batch(
            "INSERT INTO run (run_id, started_at, config_label) \
             VALUES ('r0', '2024-12-01T00:00:00Z', 'old');",
        )
        .unwrap();
        raw.execute(
            "INSERT INTO snapshot (learner_key, content_hash, generated_date, elmo_version, \
             results, elmo_gz, run_id, checked_run_id, created_at, updated_at, checked_at) \
             VALUES (?1, ?2, 'd', '1.7.0', 1, ?3, 'r0', 'r0', 't1', 't2', 't3')",
            rusqlite::params![k.as_str(), hash(5), blob],
        )
        .unwrap();
    }

    let mut store = SqliteStore::open(&cache.path).expect("migrate version 1");
    let version: i64 = cache
        .raw()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, SqliteStore::SCHEMA_VERSION);
    let snap = store.get_snapshot(&k).unwrap().expect("kept");
    assert_eq!(snap.elmo_xml, xml);
    assert_eq!(snap.meta.content_hash, hash(5));
    assert_eq!(
        (snap.meta.created_at.as_str(), snap.meta.updated_at.as_str()),
        ("t1", "t2")
    );
    assert_eq!(
        (snap.meta.stale_since, snap.meta.stale_reason),
        (None, None)
    );
    assert_eq!(store.count_targets().unwrap(), 0);

    // The stale columns come with their check: a mark always has a reason.
    let err = cache
        .raw()
        .execute("UPDATE snapshot SET stale_since = 't'", [])
        .unwrap_err();
    assert!(err.to_string().contains("CHECK constraint failed"), "{err}");

    // The new parts work on the migrated file.
    assert!(
        store
            .mark_stale(&k, "2025-01-01T00:00:00Z", "virta: 503")
            .unwrap()
    );
    store
        .add_targets(&[plain_target(&k, "2025-01-01T00:00:00Z")])
        .unwrap();
    drop(store);
    let store = SqliteStore::open(&cache.path).expect("reopen at version 2");
    assert_eq!(store.count_targets().unwrap(), 1);
    assert_eq!(
        store
            .get_snapshot(&k)
            .unwrap()
            .unwrap()
            .meta
            .stale_reason
            .as_deref(),
        Some("virta: 503")
    );
}

#[test]
fn a_requested_refresh_is_due_until_an_attempt_answers_it() {
    let cache = Cache::new();
    let mut store = cache.store();
    let (fresh, other) = (key("a"), key("b"));
    store
        .add_targets(&[
            plain_target(&fresh, "2025-01-01T00:00:00Z"),
            plain_target(&other, "2025-01-01T00:00:00Z"),
        ])
        .unwrap();
    for k in [&fresh, &other] {
        store
            .record_attempt(k, "2025-01-01T00:00:00Z", "ok", None)
            .unwrap();
    }
    assert!(due_keys(&store, "2025-01-01T00:10:00Z", 3600, 600).is_empty());

    assert!(
        store
            .request_refresh(&fresh, "2025-01-01T00:05:00Z")
            .unwrap()
    );
    assert_eq!(
        due_keys(&store, "2025-01-01T00:10:00Z", 3600, 600),
        std::slice::from_ref(&fresh),
        "requested: due although the last success is minutes old"
    );
    // Even a failed last attempt before the request does not hold it back.
    store
        .record_attempt(&other, "2025-01-01T00:06:00Z", "failed", Some("virta: 503"))
        .unwrap();
    store
        .request_refresh(&other, "2025-01-01T00:07:00Z")
        .unwrap();
    assert_eq!(
        due_keys(&store, "2025-01-01T00:10:00Z", 3600, 600),
        [fresh.clone(), other.clone()]
    );
    // An attempt after the request answers it, whatever its outcome.
    store
        .record_attempt(&fresh, "2025-01-01T00:08:00Z", "ok", None)
        .unwrap();
    store
        .record_attempt(&other, "2025-01-01T00:08:00Z", "failed", Some("virta: 503"))
        .unwrap();
    assert!(due_keys(&store, "2025-01-01T00:10:00Z", 3600, 600).is_empty());

    // Not a target: nothing to queue. A bad time is refused.
    assert!(
        !store
            .request_refresh(&key("c"), "2025-01-01T00:05:00Z")
            .unwrap()
    );
    assert!(store.request_refresh(&fresh, "soon").is_err());
}

#[test]
fn due_after_exactly_refresh_after_and_not_a_millisecond_before() {
    let cache = Cache::new();
    let mut store = cache.store();
    let (ok, no_data, never) = (key("a"), key("b"), key("c"));
    store
        .add_targets(&[
            plain_target(&never, "2025-01-01T00:00:00Z"),
            plain_target(&ok, "2025-01-01T00:00:00Z"),
            plain_target(&no_data, "2025-01-01T00:00:00Z"),
        ])
        .unwrap();
    assert_eq!(
        due_keys(&store, "2025-01-01T00:00:00Z", 3600, 600),
        [ok.clone(), no_data.clone(), never.clone()],
        "never attempted: due, in learner-key order"
    );
    store
        .record_attempt(&ok, "2025-01-01T00:00:00Z", "ok", None)
        .unwrap();
    store
        .record_attempt(&no_data, "2025-01-01T00:00:00.000Z", "no-data", None)
        .unwrap();

    assert_eq!(
        due_keys(&store, "2025-01-01T00:59:59.999Z", 3600, 600),
        std::slice::from_ref(&never)
    );
    // Exactly refresh_after, written three ways: the same instant.
    for now in [
        "2025-01-01T01:00:00Z",
        "2025-01-01T01:00:00.000Z",
        "2025-01-01T03:00:00+02:00",
    ] {
        assert_eq!(
            due_keys(&store, now, 3600, 600),
            [ok.clone(), no_data.clone(), never.clone()],
            "{now}"
        );
    }
    // A clock behind the last success: nothing is due but the never-tried target.
    assert_eq!(
        due_keys(&store, "2024-12-31T00:00:00Z", 3600, 600),
        std::slice::from_ref(&never)
    );
    // Limit keeps the order.
    let first = store
        .due_targets("2025-01-01T01:00:00Z", 3600, 600, Some(2))
        .unwrap();
    assert_eq!(first.len(), 2);
    assert_eq!(first[0].learner_key, ok);
    assert!(
        store
            .due_targets("2025-01-01T01:00:00Z", 3600, 600, Some(0))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn failed_attempt_waits_out_the_retry_window() {
    let cache = Cache::new();
    let mut store = cache.store();
    let (never_ok, once_ok) = (key("a"), key("b"));
    store
        .add_targets(&[
            plain_target(&never_ok, "2025-01-01T00:00:00Z"),
            plain_target(&once_ok, "2025-01-01T00:00:00Z"),
        ])
        .unwrap();
    store
        .record_attempt(&once_ok, "2025-01-01T00:00:00Z", "ok", None)
        .unwrap();
    // Both fail at 02:00; once_ok's success is older than refresh_after by then.
    for k in [&never_ok, &once_ok] {
        store
            .record_attempt(k, "2025-01-01T02:00:00Z", "dead-letter", Some("virta: 503"))
            .unwrap();
    }
    assert!(due_keys(&store, "2025-01-01T02:09:59.999Z", 3600, 600).is_empty());
    assert_eq!(
        due_keys(&store, "2025-01-01T02:10:00Z", 3600, 600),
        [never_ok.clone(), once_ok.clone()]
    );

    // A success resets the policy to refresh_after.
    store
        .record_attempt(&once_ok, "2025-01-01T02:10:00Z", "ok", None)
        .unwrap();
    assert_eq!(
        due_keys(&store, "2025-01-01T02:30:00Z", 3600, 600),
        std::slice::from_ref(&never_ok)
    );
    let record = store.get_target(&once_ok).unwrap().unwrap();
    assert_eq!(record.attempts, 3);
    assert_eq!(
        record.last_success_at.as_deref(),
        Some("2025-01-01T02:10:00Z")
    );
    assert_eq!(record.last_outcome.as_deref(), Some("ok"));
    assert_eq!(record.last_error, None);
    let record = store.get_target(&never_ok).unwrap().unwrap();
    assert_eq!(record.last_success_at, None);
    assert_eq!(record.last_error.as_deref(), Some("virta: 503"));
}

#[test]
fn re_adding_replaces_the_sealed_identity_and_keeps_history() {
    let cache = Cache::new();
    let mut store = cache.store();
    let (a, b) = (key("a"), key("b"));
    let outcome = store
        .add_targets(&[
            plain_target(&a, "2025-01-01T00:00:00Z"),
            plain_target(&b, "2025-01-01T00:00:00Z"),
        ])
        .unwrap();
    assert_eq!(
        outcome,
        AddOutcome {
            added: 2,
            already_present: 0
        }
    );
    store
        .record_attempt(&a, "2025-01-02T00:00:00Z", "ok", None)
        .unwrap();

    let resealed = NewTarget {
        sealed_identity: &[2; 50],
        ..plain_target(&a, "2025-02-01T00:00:00Z")
    };
    let c = key("c");
    let outcome = store
        .add_targets(&[
            resealed,
            plain_target(&c, "2025-02-01T00:00:00Z"),
            plain_target(&c, "2025-02-01T00:00:00Z"),
        ])
        .unwrap();
    assert_eq!(
        outcome,
        AddOutcome {
            added: 1,
            already_present: 2
        }
    );
    assert_eq!(store.count_targets().unwrap(), 3);
    let record = store.get_target(&a).unwrap().unwrap();
    assert_eq!(record.sealed_identity, resealed.sealed_identity);
    assert_eq!(record.added_at, "2025-01-01T00:00:00Z");
    assert_eq!(record.attempts, 1);
    assert_eq!(
        record.last_success_at.as_deref(),
        Some("2025-01-02T00:00:00Z")
    );
}

#[test]
fn bad_target_input_is_refused_with_what_was_expected() {
    let cache = Cache::new();
    let mut store = cache.store();
    let (a, b) = (key("a"), key("b"));

    // One bad item: nothing of the batch is added, and the error names the item and field.
    let err = store
        .add_targets(&[
            plain_target(&a, "2025-01-01T00:00:00Z"),
            plain_target(&b, "yesterday"),
        ])
        .unwrap_err();
    let shown = err.to_string();
    assert!(
        matches!(
            err,
            Error::InvalidTargetInput {
                field: "added_at",
                ..
            }
        ),
        "{shown}"
    );
    assert!(
        shown.contains("item 1") && shown.contains(b.as_str()),
        "{shown}"
    );
    assert!(
        shown.contains("RFC 3339") && !shown.contains("yesterday"),
        "{shown}"
    );
    assert_eq!(store.count_targets().unwrap(), 0);

    let empty = NewTarget {
        sealed_identity: &[],
        ..plain_target(&a, "2025-01-01T00:00:00Z")
    };
    let err = store.add_targets(&[empty]).unwrap_err();
    assert!(err.to_string().contains("sealed_identity"), "{err}");

    // A date SQLite cannot read, in the right shape.
    let err = store
        .due_targets("2025-13-01T00:00:00Z", 1, 1, None)
        .unwrap_err();
    assert!(err.to_string().contains("not a real date"), "{err}");
    assert!(store.due_targets("now", 1, 1, None).is_err());

    let err = store
        .record_attempt(&a, "2025-01-01T00:00:00Z", "ok", None)
        .unwrap_err();
    assert!(
        matches!(&err, Error::UnknownTarget { learner_key, .. } if learner_key == a.as_str()),
        "{err}"
    );
    store
        .add_targets(&[plain_target(&a, "2025-01-01T00:00:00Z")])
        .unwrap();
    let err = store
        .record_attempt(&a, "2025-01-01T00:00:00Z", "unchanged", None)
        .unwrap_err();
    let shown = err.to_string();
    assert!(
        shown.contains("outcome") && shown.contains("ok, no-data") && shown.contains("dead-letter"),
        "{shown}"
    );
    let err = store
        .mark_stale(&a, "2025-01-01", "virta: 503")
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidTargetInput { field: "at", .. }),
        "{err}"
    );
    assert_eq!(store.get_target(&a).unwrap().unwrap().attempts, 0);
}

/// Every column of a snapshot row except the stale mark, as SQLite holds it.
fn row_without_stale_mark(raw: &Connection, key: &LearnerKey) -> Vec<rusqlite::types::Value> {
    raw.query_row(
        "SELECT learner_key, content_hash, generated_date, elmo_version, results, elmo_gz, \
         run_id, checked_run_id, created_at, updated_at, checked_at FROM snapshot \
         WHERE learner_key = ?1",
        [key.as_str()],
        |row| (0..11).map(|i| row.get(i)).collect(),
    )
    .expect("snapshot row")
}

#[test]
fn mark_stale_keeps_the_document_and_a_complete_put_clears_the_mark() {
    let cache = Cache::new();
    let mut store = cache.store();
    let k = key("a");
    let (h1, h2) = (hash(1), hash(2));
    let complete = virta("2025-01-31T10:00:00Z", true);
    let partial = virta("2025-02-01T10:00:00Z", false);
    store
        .put_snapshots(&[new_snapshot(&k, b"<elmo>v1</elmo>", &h1, "r1", &complete)])
        .unwrap();
    let before = row_without_stale_mark(&cache.raw(), &k);

    assert!(
        store
            .mark_stale(&k, "2025-02-01T10:00:00Z", "virta: timeout")
            .unwrap()
    );
    assert!(
        store
            .mark_stale(&k, "2025-02-02T10:00:00Z", "virta: 503")
            .unwrap()
    );
    assert_eq!(
        row_without_stale_mark(&cache.raw(), &k),
        before,
        "byte for byte"
    );
    let meta = store.get_snapshot(&k).unwrap().unwrap().meta;
    assert_eq!(
        meta.stale_since.as_deref(),
        Some("2025-02-01T10:00:00Z"),
        "first failure"
    );
    assert_eq!(
        meta.stale_reason.as_deref(),
        Some("virta: 503"),
        "latest reason"
    );
    assert_eq!(store.list_snapshots().unwrap()[0], meta);
    assert!(
        !store
            .mark_stale(&key("b"), "2025-02-01T10:00:00Z", "x")
            .unwrap()
    );

    // Same content from an incomplete answer: still stale.
    let outcome = store
        .put_snapshots(&[new_snapshot(&k, b"<elmo>v1</elmo>", &h1, "r2", &partial)])
        .unwrap();
    assert_eq!(outcome, [WriteOutcome::Unchanged]);
    assert!(
        store
            .get_snapshot(&k)
            .unwrap()
            .unwrap()
            .meta
            .stale_since
            .is_some()
    );

    // Same content from complete answers: fresh again, document untouched.
    let outcome = store
        .put_snapshots(&[new_snapshot(&k, b"<elmo>v1</elmo>", &h1, "r2", &complete)])
        .unwrap();
    assert_eq!(outcome, [WriteOutcome::Unchanged]);
    let snap = store.get_snapshot(&k).unwrap().unwrap();
    assert_eq!(
        (snap.meta.stale_since, snap.meta.stale_reason),
        (None, None)
    );
    assert_eq!(snap.elmo_xml, b"<elmo>v1</elmo>");

    // A written document clears the mark too.
    store
        .mark_stale(&k, "2025-02-03T10:00:00Z", "koski: 503")
        .unwrap();
    let outcome = store
        .put_snapshots(&[new_snapshot(&k, b"<elmo>v2</elmo>", &h2, "r3", &complete)])
        .unwrap();
    assert_eq!(outcome, [WriteOutcome::Written]);
    assert_eq!(
        store.get_snapshot(&k).unwrap().unwrap().meta.stale_since,
        None
    );
}

#[test]
fn sealed_targets_round_trip_through_the_store_and_fail_when_moved_or_altered() {
    let cache = Cache::new();
    let mut store = cache.store();
    let secret = test_secret();
    let seal = TargetSeal::new(&secret);
    let ids = [
        hetu_identity(HETU_A),
        TargetIdentity::new(Some(HETU_B.to_owned()), Some(OID_C.to_owned())).unwrap(),
        TargetIdentity::new(None, Some(OID_C.to_owned())).unwrap(),
    ];
    let sealed: Vec<(LearnerKey, Vec<u8>)> = ids
        .iter()
        .map(|id| {
            let learner_key = id.learner_key(&secret);
            let bytes = seal.seal(&learner_key, id);
            (learner_key, bytes)
        })
        .collect();
    let targets: Vec<NewTarget<'_>> = sealed
        .iter()
        .map(|(learner_key, bytes)| NewTarget {
            learner_key,
            sealed_identity: bytes,
            added_at: "2025-01-01T00:00:00Z",
        })
        .collect();
    store.add_targets(&targets).unwrap();

    let due = store
        .due_targets("2025-01-01T00:00:00Z", 60, 60, None)
        .unwrap();
    assert_eq!(due.len(), 3);
    for target in &due {
        let opened = seal
            .open(&target.learner_key, &target.sealed_identity)
            .unwrap();
        assert_eq!(opened.learner_key(&secret), target.learner_key);
        assert!(ids.contains(&opened));
    }

    let other = TargetSeal::new(
        &LearnerSecret::from_bytes(b"a-rotated-secret-of-enough-bytes".to_vec()).unwrap(),
    );
    let err = other
        .open(&due[0].learner_key, &due[0].sealed_identity)
        .unwrap_err();
    assert!(
        err.to_string().contains(due[0].learner_key.as_str()),
        "{err}"
    );

    // Moved to another row, or altered in the file: neither opens.
    let raw = cache.raw();
    let (a, b) = (&due[0].learner_key, &due[1].learner_key);
    raw.execute(
        "UPDATE target SET sealed_identity = (SELECT sealed_identity FROM target \
         WHERE learner_key = ?2) WHERE learner_key = ?1",
        [a.as_str(), b.as_str()],
    )
    .unwrap();
    let moved = store.get_target(a).unwrap().unwrap().sealed_identity;
    assert!(matches!(seal.open(a, &moved), Err(Error::SealOpen { .. })));
    let mut flipped = store.get_target(b).unwrap().unwrap().sealed_identity;
    flipped[20] ^= 1;
    raw.execute(
        "UPDATE target SET sealed_identity = ?2 WHERE learner_key = ?1",
        rusqlite::params![b.as_str(), flipped],
    )
    .unwrap();
    let altered = store.get_target(b).unwrap().unwrap().sealed_identity;
    assert_eq!(altered, flipped);
    let err = seal.open(b, &altered).unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(
        !shown.contains(HETU_A) && !shown.contains(HETU_B),
        "{shown}"
    );
}

#[test]
fn cache_files_hold_no_identity_code_in_clear() {
    let cache = Cache::new();
    let secret = test_secret();
    let seal = TargetSeal::new(&secret);
    {
        let mut store = cache.store();
        let id = TargetIdentity::new(Some(HETU_A.to_owned()), Some(OID_C.to_owned())).unwrap();
        let learner_key = id.learner_key(&secret);
        store
            .add_targets(&[NewTarget {
                sealed_identity: &seal.seal(&learner_key, &id),
                learner_key: &learner_key,
                added_at: "2025-01-01T00:00:00Z",
            }])
            .unwrap();
        store
            .record_attempt(
                &learner_key,
                "2025-01-01T00:01:00Z",
                "failed",
                Some("virta: ***"),
            )
            .unwrap();
    }
    // The main file and, while any is left, its write-ahead log.
    let mut bytes = Vec::new();
    for suffix in ["", "-wal"] {
        let path = PathBuf::from(format!("{}{suffix}", cache.path.display()));
        if let Ok(content) = std::fs::read(&path) {
            bytes.extend(content);
        }
    }
    assert!(bytes.len() > 4096, "read the cache: {} bytes", bytes.len());
    for needle in [HETU_A, OID_C, "010190123"] {
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
            "an identity value is in the cache files in clear"
        );
    }
}

#[test]
fn the_detail_is_written_with_the_snapshot_and_follows_each_confirmation() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(&dir.path().join("c.sqlite")).unwrap();
    let key = key("d");
    store
        .begin_run(&RunStart {
            run_id: "r1",
            started_at: "2025-01-31T12:00:00Z",
            config_label: "t",
        })
        .unwrap();
    let hash = "a".repeat(64);
    let sources = virta("2025-01-31T12:00:00Z", true);
    let put = |store: &mut SqliteStore, provenance: &str| {
        let mut s = new_snapshot(&key, b"<elmo/>", &hash, "r1", &sources);
        s.detail = Some(SnapshotDetail {
            provenance_json: provenance,
            coverage_json: "[{\"matched\":true}]",
        });
        store.put_snapshots(&[s]).unwrap()
    };
    put(&mut store, "{\"v\":1}");
    assert_eq!(
        store.get_provenance(&key).unwrap().as_deref(),
        Some("{\"v\":1}")
    );
    // Unchanged document, new provenance: the detail follows.
    assert_eq!(put(&mut store, "{\"v\":2}"), vec![WriteOutcome::Unchanged]);
    assert_eq!(
        store.get_provenance(&key).unwrap().as_deref(),
        Some("{\"v\":2}")
    );
    let mut seen = Vec::new();
    store
        .for_each_coverage(|j| seen.push(j.to_owned()))
        .unwrap();
    assert_eq!(seen, vec!["[{\"matched\":true}]".to_owned()]);
}
