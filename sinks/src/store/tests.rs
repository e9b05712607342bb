//! Tests of what is SQLite's own: the file, WAL, migrations, CHECKs, a failure injected by a
//! trigger. The behaviour both stores share is tested in `contract.rs`, on both.

use std::path::{Path, PathBuf};

use rusqlite::Connection;
use tempfile::TempDir;

use super::contract::{HETU_A, OID_C, hash, key, new_snapshot, plain_target, test_secret, virta};
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

fn hash_of(store: &SqliteStore, key: &LearnerKey) -> Option<String> {
    store
        .get_snapshot(key)
        .expect("get")
        .map(|s| s.meta.content_hash)
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
        ("schema_v5.sql", include_str!("schema_v5.sql")),
        ("schema_postgres.sql", include_str!("schema_postgres.sql")),
        (
            "schema_postgres_v2.sql",
            include_str!("schema_postgres_v2.sql"),
        ),
    ] {
        assert!(
            doc.contains(&format!("```sql\n{schema}```")),
            "docs/cache.md must show sinks/src/store/{name} verbatim in a ```sql block"
        );
    }
}

// ---- Schema version 2: refresh targets and stale marks ----

use crate::{TargetIdentity, TargetSeal};

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
    store
        .record_dead_letter(&NewDeadLetter {
            learner_key: &k,
            source: "virta",
            phase: "fetch",
            error_class: "exhausted",
            error: "virta: 503",
            failed_at: "2025-01-01T00:00:00Z",
            run_id: "r0",
        })
        .unwrap();
    drop(store);
    let store = SqliteStore::open(&cache.path).expect("reopen at the new version");
    assert_eq!(store.count_targets().unwrap(), 1);
    assert_eq!(store.list_dead_letters("").unwrap().len(), 1);
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
