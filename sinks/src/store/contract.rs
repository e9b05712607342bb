//! The store contract: every test here runs against both stores, once in `on_sqlite` and once
//! in `on_postgres` (the [`contract!`] list at the end), so the two cannot drift apart.
//!
//! The PostgreSQL half needs a server: `RIKASTIN_TEST_POSTGRES_URL` names it, and each test gets
//! a schema of its own, so the tests run in parallel. `make test` and `scripts/with-postgres`
//! start a throwaway cluster and set the variable; without it these tests fail, on purpose, so
//! a green run always means both stores were tested.

use std::io::Read;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::sleep;
use std::time::Duration;

use flate2::read::GzDecoder;
use sha2::{Digest, Sha256};
use tempfile::TempDir;
use tokio::runtime::Runtime;

use super::*;
use crate::{Error, LearnerSecret, TargetIdentity, TargetSeal};

/// The variable that names the test server.
pub(super) const POSTGRES_URL_ENV: &str = "RIKASTIN_TEST_POSTGRES_URL";

/// A cache for one test, on either store; removed when dropped.
pub(super) enum Backend {
    /// A SQLite file in a temporary folder.
    Sqlite { _dir: TempDir, path: PathBuf },
    /// A schema of its own on the test server.
    Postgres(Box<PgSchema>),
}

impl Backend {
    pub(super) fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("cache.sqlite");
        Self::Sqlite { _dir: dir, path }
    }

    pub(super) fn postgres() -> Self {
        Self::Postgres(Box::new(PgSchema::new()))
    }

    /// A new connection to this test's cache.
    pub(super) fn open(&self) -> Box<dyn Store> {
        self.opener()()
    }

    /// Opens connections to this test's cache from any thread.
    pub(super) fn opener(&self) -> impl Fn() -> Box<dyn Store> + Send + Sync + 'static {
        let (path, url) = match self {
            Self::Sqlite { path, .. } => (Some(path.clone()), None),
            Self::Postgres(pg) => (None, Some(pg.store_url())),
        };
        move || -> Box<dyn Store> {
            match (&path, &url) {
                (Some(path), _) => Box::new(SqliteStore::open(path).expect("open SQLite cache")),
                (_, Some(url)) => {
                    Box::new(PostgresStore::open(url, "from the test").expect("open PG cache"))
                }
                _ => unreachable!(),
            }
        }
    }

    /// Opens the store with runs `r1`, `r2` and `r3` begun.
    pub(super) fn store(&self) -> Box<dyn Store> {
        let mut store = self.open();
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

    /// The stored blob, `updated_at` and `checked_at`, read past the store.
    pub(super) fn raw_row(&self, key: &LearnerKey) -> (Vec<u8>, String, String) {
        match self {
            Self::Sqlite { path, .. } => rusqlite::Connection::open(path)
                .expect("raw connection")
                .query_row(
                    "SELECT elmo_gz, updated_at, checked_at FROM snapshot WHERE learner_key = ?1",
                    [key.as_str()],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                )
                .expect("raw row"),
            Self::Postgres(pg) => {
                let row = pg.query_one(
                    "SELECT elmo_gz, updated_at, checked_at FROM snapshot WHERE learner_key = $1",
                    &[&key.as_str()],
                );
                (row.get(0), row.get(1), row.get(2))
            }
        }
    }

    /// How many source freshness rows there are, read past the store.
    pub(super) fn count_sources(&self) -> i64 {
        match self {
            Self::Sqlite { path, .. } => rusqlite::Connection::open(path)
                .expect("raw connection")
                .query_row("SELECT count(*) FROM snapshot_source", [], |r| r.get(0))
                .expect("count"),
            Self::Postgres(pg) => pg
                .query_one("SELECT count(*) FROM snapshot_source", &[])
                .get(0),
        }
    }

    /// Overwrites a target's sealed identity past the store, as a hand edit or a bad copy would.
    pub(super) fn set_sealed_identity(&self, key: &LearnerKey, sealed: &[u8]) {
        match self {
            Self::Sqlite { path, .. } => {
                rusqlite::Connection::open(path)
                    .expect("raw connection")
                    .execute(
                        "UPDATE target SET sealed_identity = ?2 WHERE learner_key = ?1",
                        rusqlite::params![key.as_str(), sealed],
                    )
                    .expect("update");
            }
            Self::Postgres(pg) => {
                pg.query_opt(
                    "UPDATE target SET sealed_identity = $2 WHERE learner_key = $1",
                    &[&key.as_str(), &sealed],
                );
            }
        }
    }
}

/// A schema of its own on the test server, dropped with the value.
pub(super) struct PgSchema {
    url: String,
    schema: String,
    runtime: Runtime,
    client: tokio_postgres::Client,
}

impl PgSchema {
    fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let url = server_url();
        // Unique across the parallel tests of this process and across test processes.
        let schema = format!(
            "t{}_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos())
        );
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let (client, connection) = runtime
            .block_on(tokio_postgres::connect(&url, tokio_postgres::NoTls))
            .unwrap_or_else(|e| panic!("cannot reach the test server {POSTGRES_URL_ENV}: {e}"));
        runtime.spawn(connection);
        // The raw queries of the tests then find this test's tables unqualified.
        runtime
            .block_on(client.batch_execute(&format!(
                "CREATE SCHEMA {schema}; SET search_path TO {schema}"
            )))
            .expect("create test schema");
        Self {
            url,
            schema,
            runtime,
            client,
        }
    }

    /// The server URL with this schema first on the search path.
    pub(super) fn store_url(&self) -> String {
        let glue = if self.url.contains('?') { '&' } else { '?' };
        format!(
            "{}{glue}options=-c%20search_path%3D{}",
            self.url, self.schema
        )
    }

    pub(super) fn execute(&self, sql: &str) {
        self.runtime
            .block_on(self.client.batch_execute(sql))
            .expect("raw statement");
    }

    fn query_opt(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Option<tokio_postgres::Row> {
        self.runtime
            .block_on(self.client.query_opt(sql, params))
            .expect("raw query")
    }

    fn query_one(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> tokio_postgres::Row {
        self.query_opt(sql, params).expect("one row")
    }
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        let _ = self.runtime.block_on(
            self.client
                .batch_execute(&format!("DROP SCHEMA {} CASCADE", self.schema)),
        );
    }
}

/// The test server's URL, or a failure that says how to get one: a skipped store is a silent
/// hole in the contract.
pub(super) fn server_url() -> String {
    std::env::var(POSTGRES_URL_ENV).unwrap_or_else(|_| {
        panic!(
            "{POSTGRES_URL_ENV} is not set: the PostgreSQL store tests need a server. Run them \
             with `make test`, or `scripts/with-postgres cargo test -p rikastin-sinks`, which \
             start a throwaway cluster and set it"
        )
    })
}

/// A learner key made of `prefix` padded with zeros.
pub(super) fn key(prefix: &str) -> LearnerKey {
    format!("{prefix:0<64}").parse().expect("test key")
}

/// A content hash (64 hex) numbered `n`.
pub(super) fn hash(n: u32) -> String {
    format!("{n:064x}")
}

pub(super) fn virta(fetched_at: &str, complete: bool) -> Vec<SourceFreshness> {
    vec![SourceFreshness {
        source: "virta".to_owned(),
        fetched_at: fetched_at.to_owned(),
        complete,
    }]
}

pub(super) fn new_snapshot<'a>(
    learner_key: &'a LearnerKey,
    elmo_xml: &'a [u8],
    content_hash: &'a str,
    run_id: &'a str,
    sources: &'a [SourceFreshness],
) -> NewSnapshot<'a> {
    NewSnapshot {
        learner_key,
        elmo_xml,
        elmo_gz: None,
        content_hash,
        generated_date: "2025-01-31T12:00:00Z",
        elmo_version: "1.7.0",
        run_id,
        sources,
        results: 2,
        detail: None,
    }
}

fn hash_of(store: &dyn Store, key: &LearnerKey) -> Option<String> {
    store
        .get_snapshot(key)
        .expect("get")
        .map(|s| s.meta.content_hash)
}

/// Synthetic identity codes: individual numbers 002–899, check characters computed
/// (DDMMYYNNN mod 31 into `0123456789ABCDEFHJKLMNPRSTUVWXY`).
pub(super) const HETU_A: &str = "010190-123M";
pub(super) const HETU_B: &str = "311299-002K";
pub(super) const OID_C: &str = "1.2.246.562.24.00000000042";

pub(super) fn test_secret() -> LearnerSecret {
    LearnerSecret::from_bytes(b"rikastin-test-secret-0123456789".to_vec()).expect("test secret")
}

fn hetu_identity(hetu: &str) -> TargetIdentity {
    TargetIdentity::new(Some(hetu.to_owned()), None).expect("identity")
}

/// A target for `key`, sealed with a throwaway identity (the store never opens it).
pub(super) fn plain_target<'a>(key: &'a LearnerKey, added_at: &'a str) -> NewTarget<'a> {
    NewTarget {
        learner_key: key,
        sealed_identity: &[1; 40],
        added_at,
    }
}

fn due_keys(store: &dyn Store, now: &str, refresh: u64, retry: u64) -> Vec<LearnerKey> {
    store
        .due_targets(now, refresh, retry, None)
        .expect("due_targets")
        .into_iter()
        .map(|t| t.learner_key)
        .collect()
}

fn failing_batch_leaves_every_snapshot_as_it_was(backend: &Backend) {
    let mut store = backend.store();
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
    let before = store.list_snapshots().unwrap();

    // The last item names a run that was never begun: A's rewrite, B's check and C's insert
    // before it must all be rolled back.
    let err = store
        .put_snapshots(&[
            new_snapshot(&a, b"<a2/>", &h2, "r2", &newer),
            new_snapshot(&b, b"<b/>", &h1, "r2", &newer),
            new_snapshot(&c, b"<c/>", &h1, "r2", &newer),
            new_snapshot(&c, b"<c/>", &h1, "no-such-run", &newer),
        ])
        .expect_err("the batch must fail");
    assert_eq!(store.list_snapshots().unwrap(), before, "after: {err}");
    assert_eq!(backend.count_sources(), 2);
    assert!(
        matches!(&err, Error::UnknownRun { run_id, .. } if run_id == "no-such-run"),
        "{err}"
    );
    let shown = err.to_string();
    assert!(shown.contains("batch item 3"), "{shown}");
    assert!(
        shown.contains(&store.location()),
        "errors name the cache: {shown}"
    );
    assert!(store.get_snapshot(&c).unwrap().is_none());
    assert_eq!(hash_of(&*store, &a), Some(h1.clone()));
}

fn created_then_unchanged_on_same_hash_then_written_on_new_hash(backend: &Backend) {
    let mut store = backend.store();
    let k = key("a1");
    let (h1, h2) = (hash(1), hash(2));
    let sources1 = virta("2025-01-31T10:00:00Z", true);

    let first = new_snapshot(&k, b"<elmo>v1</elmo>", &h1, "r1", &sources1);
    assert_eq!(
        store.put_snapshots(&[first]).unwrap(),
        [WriteOutcome::Created]
    );
    let (blob1, updated1, checked1) = backend.raw_row(&k);

    // The store's clock has millisecond resolution: make sure it moves.
    sleep(Duration::from_millis(20));
    let sources2 = virta("2025-02-01T10:00:00Z", true);
    // Different bytes (say, another generatedDate), same content hash: not rewritten.
    let again = new_snapshot(&k, b"<elmo>v1 again</elmo>", &h1, "r2", &sources2);
    assert_eq!(
        store.put_snapshots(&[again]).unwrap(),
        [WriteOutcome::Unchanged]
    );
    let (blob2, updated2, checked2) = backend.raw_row(&k);
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
    let (blob3, updated3, checked3) = backend.raw_row(&k);
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

fn one_batch_reports_each_outcome_in_order(backend: &Backend) {
    let mut store = backend.store();
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

fn changed_document_from_incomplete_source_never_replaces_the_stored_one(backend: &Backend) {
    let mut store = backend.store();
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

fn bad_items_are_refused_with_what_was_expected(backend: &Backend) {
    let mut store = backend.store();
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

fn get_round_trips_the_exact_bytes_and_metadata(backend: &Backend) {
    let mut store = backend.store();
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
    // The metadata alone is the same, without the document.
    assert_eq!(store.get_snapshot_meta(&k).unwrap().as_ref(), Some(m));
    assert_eq!(store.get_snapshot_meta(&key("f")).unwrap(), None);

    // docs/cache.md: SELECT elmo_gz, then gunzip, gives the document.
    let (blob, _, _) = backend.raw_row(&k);
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

    // A document compressed by the caller is stored as given: the same blob the store makes.
    let (k2, gz) = (key("5f"), super::gzip_document(&xml).unwrap());
    let mut item = new_snapshot(&k2, &xml, &h, "r1", &sources);
    item.elmo_gz = Some(&gz);
    store.put_snapshots(&[item]).unwrap();
    assert_eq!(backend.raw_row(&k2).0, blob);
    assert_eq!(
        store.get_snapshot(&k2).unwrap().expect("stored").elmo_xml,
        xml
    );

    assert!(store.get_snapshot(&key("ff")).unwrap().is_none());
}

fn find_keys_by_prefix_sorted_and_limited(backend: &Backend) {
    let mut store = backend.store();
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

fn list_is_sorted_by_key_with_each_learners_sources(backend: &Backend) {
    let mut store = backend.store();
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

fn run_record_round_trips(backend: &Backend) {
    let mut store = backend.open();
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

fn a_requested_refresh_is_due_until_an_attempt_answers_it(backend: &Backend) {
    let mut store = backend.store();
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
    assert!(due_keys(&*store, "2025-01-01T00:10:00Z", 3600, 600).is_empty());

    assert!(
        store
            .request_refresh(&fresh, "2025-01-01T00:05:00Z")
            .unwrap()
    );
    assert_eq!(
        due_keys(&*store, "2025-01-01T00:10:00Z", 3600, 600),
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
        due_keys(&*store, "2025-01-01T00:10:00Z", 3600, 600),
        [fresh.clone(), other.clone()]
    );
    // An attempt after the request answers it, whatever its outcome.
    store
        .record_attempt(&fresh, "2025-01-01T00:08:00Z", "ok", None)
        .unwrap();
    store
        .record_attempt(&other, "2025-01-01T00:08:00Z", "failed", Some("virta: 503"))
        .unwrap();
    assert!(due_keys(&*store, "2025-01-01T00:10:00Z", 3600, 600).is_empty());

    // Not a target: nothing to queue. A bad time is refused.
    assert!(
        !store
            .request_refresh(&key("c"), "2025-01-01T00:05:00Z")
            .unwrap()
    );
    assert!(store.request_refresh(&fresh, "soon").is_err());
}

fn due_after_exactly_refresh_after_and_not_a_millisecond_before(backend: &Backend) {
    let mut store = backend.store();
    let (ok, no_data, never) = (key("a"), key("b"), key("c"));
    store
        .add_targets(&[
            plain_target(&never, "2025-01-01T00:00:00Z"),
            plain_target(&ok, "2025-01-01T00:00:00Z"),
            plain_target(&no_data, "2025-01-01T00:00:00Z"),
        ])
        .unwrap();
    assert_eq!(
        due_keys(&*store, "2025-01-01T00:00:00Z", 3600, 600),
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
        due_keys(&*store, "2025-01-01T00:59:59.999Z", 3600, 600),
        std::slice::from_ref(&never)
    );
    // Exactly refresh_after, written three ways: the same instant.
    for now in [
        "2025-01-01T01:00:00Z",
        "2025-01-01T01:00:00.000Z",
        "2025-01-01T03:00:00+02:00",
    ] {
        assert_eq!(
            due_keys(&*store, now, 3600, 600),
            [ok.clone(), no_data.clone(), never.clone()],
            "{now}"
        );
    }
    // A clock behind the last success: nothing is due but the never-tried target.
    assert_eq!(
        due_keys(&*store, "2024-12-31T00:00:00Z", 3600, 600),
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

fn failed_attempt_waits_out_the_retry_window(backend: &Backend) {
    let mut store = backend.store();
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
    assert!(due_keys(&*store, "2025-01-01T02:09:59.999Z", 3600, 600).is_empty());
    assert_eq!(
        due_keys(&*store, "2025-01-01T02:10:00Z", 3600, 600),
        [never_ok.clone(), once_ok.clone()]
    );

    // A success resets the policy to refresh_after.
    store
        .record_attempt(&once_ok, "2025-01-01T02:10:00Z", "ok", None)
        .unwrap();
    assert_eq!(
        due_keys(&*store, "2025-01-01T02:30:00Z", 3600, 600),
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

fn re_adding_replaces_the_sealed_identity_and_keeps_history(backend: &Backend) {
    let mut store = backend.store();
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

fn bad_target_input_is_refused_with_what_was_expected(backend: &Backend) {
    let mut store = backend.store();
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

fn mark_stale_keeps_the_document_and_a_complete_put_clears_the_mark(backend: &Backend) {
    let mut store = backend.store();
    let k = key("a");
    let (h1, h2) = (hash(1), hash(2));
    let complete = virta("2025-01-31T10:00:00Z", true);
    let partial = virta("2025-02-01T10:00:00Z", false);
    store
        .put_snapshots(&[new_snapshot(&k, b"<elmo>v1</elmo>", &h1, "r1", &complete)])
        .unwrap();
    let before = backend.raw_row(&k);
    let meta_before = store.get_snapshot(&k).unwrap().unwrap().meta;

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
    assert_eq!(backend.raw_row(&k), before, "byte for byte");
    let meta = store.get_snapshot(&k).unwrap().unwrap().meta;
    assert_eq!(
        SnapshotMeta {
            stale_since: None,
            stale_reason: None,
            ..meta.clone()
        },
        meta_before,
        "every other column as it was"
    );
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

fn sealed_targets_round_trip_through_the_store_and_fail_when_moved_or_altered(backend: &Backend) {
    let mut store = backend.store();
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
    let (a, b) = (&due[0].learner_key, &due[1].learner_key);
    let of_b = store.get_target(b).unwrap().unwrap().sealed_identity;
    backend.set_sealed_identity(a, &of_b);
    let moved = store.get_target(a).unwrap().unwrap().sealed_identity;
    assert!(matches!(seal.open(a, &moved), Err(Error::SealOpen { .. })));
    let mut flipped = of_b;
    flipped[20] ^= 1;
    backend.set_sealed_identity(b, &flipped);
    let altered = store.get_target(b).unwrap().unwrap().sealed_identity;
    assert_eq!(altered, flipped);
    let err = seal.open(b, &altered).unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(
        !shown.contains(HETU_A) && !shown.contains(HETU_B),
        "{shown}"
    );
}

fn the_detail_is_written_with_the_snapshot_and_follows_each_confirmation(backend: &Backend) {
    let mut store = backend.open();
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
    let put = |store: &mut dyn Store, provenance: &str| {
        let mut s = new_snapshot(&key, b"<elmo/>", &hash, "r1", &sources);
        s.detail = Some(SnapshotDetail {
            provenance_json: provenance,
            coverage_json: "[{\"matched\":true}]",
        });
        store.put_snapshots(&[s]).unwrap()
    };
    put(&mut *store, "{\"v\":1}");
    assert_eq!(
        store.get_provenance(&key).unwrap().as_deref(),
        Some("{\"v\":1}")
    );
    // Unchanged document, new provenance: the detail follows.
    assert_eq!(put(&mut *store, "{\"v\":2}"), vec![WriteOutcome::Unchanged]);
    assert_eq!(
        store.get_provenance(&key).unwrap().as_deref(),
        Some("{\"v\":2}")
    );
    let mut seen = Vec::new();
    store
        .for_each_coverage(&mut |j| seen.push(j.to_owned()))
        .unwrap();
    assert_eq!(seen, vec!["[{\"matched\":true}]".to_owned()]);
}

/// Version `i` of one learner's snapshot: every part of it says `i`, so a reader can tell a
/// whole version from a mix of two.
struct Version {
    xml: Vec<u8>,
    hash: String,
    generated_date: String,
    sources: Vec<SourceFreshness>,
}

impl Version {
    fn new(i: u32) -> Self {
        // Sizes vary, so a mix of two documents could not pass as one.
        let mut xml = format!("<elmo v=\"{i}\">").into_bytes();
        for _ in 0..(i % 7) * 50 {
            xml.extend_from_slice(format!("<x>{i}</x>").as_bytes());
        }
        xml.extend_from_slice(b"</elmo>");
        Self {
            hash: hex::encode(Sha256::digest(&xml)),
            xml,
            generated_date: format!("2025-01-01T00:00:00.{i:03}Z"),
            sources: vec![
                SourceFreshness {
                    source: "koski".to_owned(),
                    fetched_at: format!("v{i}"),
                    complete: true,
                },
                SourceFreshness {
                    source: "virta".to_owned(),
                    fetched_at: format!("v{i}"),
                    complete: true,
                },
            ],
        }
    }

    fn put(&self, store: &mut dyn Store, key: &LearnerKey, i: u32) {
        let mut item = new_snapshot(key, &self.xml, &self.hash, "r1", &self.sources);
        item.generated_date = &self.generated_date;
        item.results = i;
        store.put_snapshots(&[item]).expect("put a version");
    }
}

/// Checks that a snapshot read is one whole version, and returns which.
fn whole_version(snapshot: &Snapshot) -> u32 {
    let m = &snapshot.meta;
    let i = m.results;
    let expected = Version::new(i);
    assert_eq!(
        hex::encode(Sha256::digest(&snapshot.elmo_xml)),
        m.content_hash,
        "the document does not match its hash"
    );
    assert!(
        snapshot.elmo_xml == expected.xml
            && m.content_hash == expected.hash
            && m.generated_date == expected.generated_date
            && m.sources == expected.sources,
        "a torn read: metadata of version {i}, document {} bytes, sources {:?}",
        snapshot.elmo_xml.len(),
        m.sources
    );
    i
}

/// DESIGN.md invariant 2, seen from the read side: readers on their own connections, looping
/// while a writer replaces the snapshot again and again, only ever see whole versions.
fn concurrent_readers_never_see_a_torn_snapshot(backend: &Backend) {
    const VERSIONS: u32 = 120;
    const READERS: usize = 3;
    let mut writer = backend.store();
    let k = key("70");
    Version::new(0).put(&mut *writer, &k, 0);
    let done = AtomicBool::new(false);
    let open = backend.opener();
    std::thread::scope(|scope| {
        let readers: Vec<_> = (0..READERS)
            .map(|_| {
                scope.spawn(|| {
                    let reader = open();
                    let mut seen = std::collections::BTreeSet::new();
                    let mut reads = 0;
                    while !done.load(Ordering::Acquire) || reads == 0 {
                        let snapshot = reader.get_snapshot(&k).expect("read").expect("stored");
                        seen.insert(whole_version(&snapshot));
                        let listed = reader.list_snapshots().expect("list");
                        assert_eq!(listed.len(), 1);
                        assert_eq!(
                            listed[0].sources,
                            Version::new(listed[0].results).sources,
                            "a torn list"
                        );
                        reads += 1;
                    }
                    (reads, seen.len())
                })
            })
            .collect();
        for i in 1..=VERSIONS {
            Version::new(i).put(&mut *writer, &k, i);
        }
        done.store(true, Ordering::Release);
        for reader in readers {
            let (reads, versions) = reader.join().expect("a reader failed");
            assert!(
                reads > 0 && versions > 0,
                "{reads} reads, {versions} versions"
            );
        }
    });
    let last = writer.get_snapshot(&k).unwrap().unwrap();
    assert_eq!(whole_version(&last), VERSIONS);
}

/// The read API calls the store from `spawn_blocking`, the pipeline from `block_in_place`:
/// both inside a tokio runtime, which a store with its own runtime must survive, and the
/// store may be dropped on a runtime thread.
fn works_from_blocking_threads_inside_a_tokio_runtime(backend: &Backend) {
    let mut store = backend.store();
    let k = key("b1");
    let h = hash(1);
    store
        .put_snapshots(&[new_snapshot(&k, b"<elmo/>", &h, "r1", &[])])
        .unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("runtime");
    let open = backend.opener();
    runtime.block_on(async move {
        let (store, opened) = tokio::task::spawn_blocking(move || {
            let opened = open();
            assert_eq!(hash_of(&*store, &k), Some(hash(1)));
            assert_eq!(opened.count_targets().unwrap(), 0);
            (store, opened)
        })
        .await
        .expect("spawn_blocking");
        let count = tokio::task::block_in_place(|| store.list_snapshots().unwrap().len());
        assert_eq!(count, 1);
        // Dropped here, on a runtime thread.
        drop((store, opened));
    });
    drop(runtime);
    sleep(Duration::from_millis(1));
}

/// DESIGN.md invariant 5: a database error never quotes what was being stored (PostgreSQL
/// would put the failing value or row in its DETAIL).
fn database_errors_never_quote_the_stored_data(backend: &Backend) {
    let mut store = backend.store();
    let k = key("e1");
    let h = hash(1);
    let mut item = new_snapshot(&k, b"<elmo/>", &h, "r1", &[]);
    item.detail = Some(SnapshotDetail {
        provenance_json: "{\"id\": 010190-123M",
        coverage_json: "[]",
    });
    let err = store.put_snapshots(&[item]).unwrap_err();
    let shown = anyhow_like(&err);
    assert!(!shown.contains("010190"), "{shown}");
    assert!(
        shown.contains(k.as_str()),
        "the error names the learner: {shown}"
    );
    assert!(store.get_snapshot(&k).unwrap().is_none());
}

/// The error and every source under it, as `anyhow`'s `{:#}` prints them.
fn anyhow_like(err: &(dyn std::error::Error + 'static)) -> String {
    let mut shown = err.to_string();
    let mut next = err.source();
    while let Some(e) = next {
        shown.push_str(&format!(": {e}"));
        next = e.source();
    }
    shown
}

/// A dead letter of learner `key` in run `run_id`: VIRTA gave up after its retries.
fn virta_exhausted<'a>(
    key: &'a LearnerKey,
    failed_at: &'a str,
    run_id: &'a str,
) -> NewDeadLetter<'a> {
    NewDeadLetter {
        learner_key: key,
        source: "virta",
        phase: "fetch",
        error_class: "exhausted",
        error: "virta failed 4 times; last: HTTP 503",
        failed_at,
        run_id,
    }
}

fn dead_letter_keys(store: &dyn Store, prefix: &str) -> Vec<LearnerKey> {
    store
        .list_dead_letters(prefix)
        .expect("list_dead_letters")
        .into_iter()
        .map(|d| d.learner_key)
        .collect()
}

fn a_dead_letter_counts_failures_in_a_row_until_a_success_deletes_it(backend: &Backend) {
    let mut store = backend.store();
    let (a, b) = (key("a"), key("b"));
    store
        .add_targets(&[
            plain_target(&a, "2025-01-01T00:00:00Z"),
            plain_target(&b, "2025-01-01T00:00:00Z"),
        ])
        .unwrap();
    store
        .record_dead_letter(&virta_exhausted(&a, "2025-01-01T01:00:00Z", "r1"))
        .unwrap();
    let first = store.list_dead_letters("").unwrap();
    assert_eq!(
        first,
        [DeadLetter {
            learner_key: a.clone(),
            source: "virta".into(),
            phase: "fetch".into(),
            error_class: "exhausted".into(),
            attempts: 1,
            first_failed_at: "2025-01-01T01:00:00Z".into(),
            last_failed_at: "2025-01-01T01:00:00Z".into(),
            last_error: "virta failed 4 times; last: HTTP 503".into(),
            run_id: "r1".into(),
        }]
    );

    // The next failure counts one more and takes the latest source, class, reason and run;
    // the first failure's time stays.
    store
        .record_dead_letter(&NewDeadLetter {
            source: "koski",
            error_class: "invalid",
            error: "koski rejected the request: HTTP 400",
            ..virta_exhausted(&a, "2025-01-02T01:00:00Z", "r2")
        })
        .unwrap();
    store
        .record_dead_letter(&virta_exhausted(&b, "2025-01-02T01:00:00Z", "r2"))
        .unwrap();
    let letters = store.list_dead_letters("").unwrap();
    assert_eq!(letters.len(), 2);
    let again = &letters[0];
    assert_eq!(again.learner_key, a);
    assert_eq!(again.attempts, 2);
    assert_eq!(
        (
            again.first_failed_at.as_str(),
            again.last_failed_at.as_str()
        ),
        ("2025-01-01T01:00:00Z", "2025-01-02T01:00:00Z")
    );
    assert_eq!(
        (again.source.as_str(), again.error_class.as_str()),
        ("koski", "invalid")
    );
    assert_eq!(again.last_error, "koski rejected the request: HTTP 400");
    assert_eq!(again.run_id, "r2");
    assert_eq!(letters[1].learner_key, b);

    // A failed attempt leaves it; a success (ok or no-data) deletes it, and only its own.
    store
        .record_attempt(
            &a,
            "2025-01-02T02:00:00Z",
            "dead-letter",
            Some("virta: 503"),
        )
        .unwrap();
    assert_eq!(dead_letter_keys(&*store, ""), [a.clone(), b.clone()]);
    store
        .record_attempt(&a, "2025-01-03T00:00:00Z", "ok", None)
        .unwrap();
    assert_eq!(dead_letter_keys(&*store, ""), std::slice::from_ref(&b));
    store
        .record_attempt(&b, "2025-01-03T00:00:00Z", "no-data", None)
        .unwrap();
    assert!(store.list_dead_letters("").unwrap().is_empty());

    // After a success a new failure starts a new count.
    store
        .record_dead_letter(&virta_exhausted(&a, "2025-01-04T00:00:00Z", "r3"))
        .unwrap();
    let fresh = &store.list_dead_letters("").unwrap()[0];
    assert_eq!(
        (fresh.attempts, fresh.first_failed_at.as_str()),
        (1, "2025-01-04T00:00:00Z")
    );
}

fn dead_letters_are_listed_and_cleared_by_key_prefix(backend: &Backend) {
    let mut store = backend.store();
    let (a1, a2, b) = (key("a1"), key("a2"), key("b"));
    for k in [&b, &a2, &a1] {
        store
            .record_dead_letter(&virta_exhausted(k, "2025-01-01T00:00:00Z", "r1"))
            .unwrap();
    }
    assert_eq!(
        dead_letter_keys(&*store, ""),
        [a1.clone(), a2.clone(), b.clone()]
    );
    assert_eq!(dead_letter_keys(&*store, "A"), [a1.clone(), a2.clone()]);
    assert_eq!(
        dead_letter_keys(&*store, a2.as_str()),
        std::slice::from_ref(&a2)
    );
    assert!(dead_letter_keys(&*store, "c").is_empty());
    let err = store.list_dead_letters("010190-123M").unwrap_err();
    assert!(
        matches!(err, Error::InvalidKeyPrefix { .. }) && !err.to_string().contains("010190"),
        "{err}"
    );

    assert_eq!(store.clear_dead_letters("a2").unwrap(), 1);
    assert_eq!(dead_letter_keys(&*store, ""), [a1.clone(), b.clone()]);
    assert_eq!(store.clear_dead_letters("c").unwrap(), 0);
    assert!(store.clear_dead_letters("not hex").is_err());
    assert_eq!(dead_letter_keys(&*store, ""), [a1.clone(), b.clone()]);
    assert_eq!(store.clear_dead_letters("").unwrap(), 2);
    assert!(store.list_dead_letters("").unwrap().is_empty());
}

fn bad_dead_letter_input_is_refused_with_what_was_expected(backend: &Backend) {
    let mut store = backend.store();
    let a = key("a");
    let err = store
        .record_dead_letter(&virta_exhausted(&a, "yesterday", "r1"))
        .unwrap_err();
    let shown = err.to_string();
    assert!(
        matches!(
            err,
            Error::InvalidTargetInput {
                field: "failed_at",
                ..
            }
        ) && shown.contains("RFC 3339")
            && shown.contains(a.as_str()),
        "{shown}"
    );
    let err = store
        .record_dead_letter(&NewDeadLetter {
            error_class: "",
            ..virta_exhausted(&a, "2025-01-01T00:00:00Z", "r1")
        })
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidTargetInput {
                field: "error_class",
                ..
            }
        ),
        "{err}"
    );
    let err = store
        .record_dead_letter(&virta_exhausted(&a, "2025-01-01T00:00:00Z", "no-such-run"))
        .unwrap_err();
    assert!(
        matches!(&err, Error::UnknownRun { run_id, .. } if run_id == "no-such-run"),
        "{err}"
    );
    assert!(store.list_dead_letters("").unwrap().is_empty());
}

fn runs_are_listed_newest_first(backend: &Backend) {
    let mut store = backend.open();
    assert!(store.list_runs(10).unwrap().is_empty());
    // Begun out of order, with offsets and fractions: the order is by instant.
    for (run_id, started_at) in [
        ("middle", "2025-01-31T12:00:00Z"),
        ("newest", "2025-01-31T14:00:00.500+02:00"),
        ("oldest", "2025-01-30T23:59:59.999Z"),
        ("no-time", "unknown"),
        ("tie-b", "2025-01-31T11:00:00Z"),
        ("tie-a", "2025-01-31T11:00:00.000Z"),
    ] {
        store
            .begin_run(&RunStart {
                run_id,
                started_at,
                config_label: "test",
            })
            .unwrap();
    }
    store
        .finish_run("middle", "2025-01-31T12:05:00Z", "ok", r#"{"learners":3}"#)
        .unwrap();
    let ids = |runs: Vec<RunRecord>| runs.into_iter().map(|r| r.run_id).collect::<Vec<_>>();
    assert_eq!(
        ids(store.list_runs(10).unwrap()),
        ["newest", "middle", "tie-b", "tie-a", "oldest", "no-time"]
    );
    let latest = store.list_runs(2).unwrap();
    assert_eq!(ids(latest.clone()), ["newest", "middle"]);
    assert_eq!(Some(&latest[1]), store.get_run("middle").unwrap().as_ref());
    assert_eq!(latest[1].summary_json.as_deref(), Some(r#"{"learners":3}"#));
    assert!(store.list_runs(0).unwrap().is_empty());
}

/// Instantiates each contract test once per store.
fn a_stored_snapshot_checks_its_target_off_in_the_same_transaction(backend: &Backend) {
    let mut store = backend.store();
    let (target, other) = (key("a"), key("b"));
    store
        .add_targets(&[plain_target(&target, "2025-01-01T00:00:00Z")])
        .unwrap();
    store
        .record_dead_letter(&virta_exhausted(&target, "2025-01-01T01:00:00Z", "r1"))
        .unwrap();
    let sources = virta("2025-01-31T12:00:00Z", true);
    let h = hash(1);
    store
        .put_snapshots(&[
            new_snapshot(&target, b"<elmo/>", &h, "r1", &sources),
            new_snapshot(&other, b"<elmo/>", &h, "r1", &sources),
        ])
        .unwrap();
    let row = store.get_target(&target).unwrap().expect("target");
    assert_eq!(row.last_outcome.as_deref(), Some("ok"));
    assert_eq!(row.last_attempt_at.as_deref(), Some("2025-01-31T12:00:00Z"));
    assert_eq!(row.last_success_at.as_deref(), Some("2025-01-31T12:00:00Z"));
    assert_eq!(row.attempts, 1);
    assert!(
        store.list_dead_letters("").unwrap().is_empty(),
        "the stored snapshot ends the dead letter"
    );
    // A learner that is not a target gets no row.
    assert!(store.get_target(&other).unwrap().is_none());
    // A refused batch checks nothing off.
    let bad = "not a hash";
    assert!(
        store
            .put_snapshots(&[new_snapshot(&target, b"<elmo/>", bad, "r2", &sources)])
            .is_err()
    );
    assert_eq!(store.get_target(&target).unwrap().unwrap().attempts, 1);
}

fn a_snapshot_from_partial_answers_leaves_its_target_due_and_its_dead_letter(backend: &Backend) {
    let mut store = backend.store();
    let target = key("a");
    store
        .add_targets(&[plain_target(&target, "2025-01-01T00:00:00Z")])
        .unwrap();
    store
        .record_dead_letter(&virta_exhausted(&target, "2025-01-31T12:00:00Z", "r1"))
        .unwrap();
    store
        .record_attempt(
            &target,
            "2025-01-31T12:00:00Z",
            "dead-letter",
            Some("koski: 503"),
        )
        .unwrap();
    let mut partial = virta("2025-01-31T12:00:00Z", true);
    partial.push(SourceFreshness {
        source: "koski".into(),
        fetched_at: "2025-01-31T12:00:00Z".into(),
        complete: false,
    });
    store
        .put_snapshots(&[new_snapshot(&target, b"<elmo/>", &hash(1), "r1", &partial)])
        .unwrap();
    let row = store.get_target(&target).unwrap().expect("target");
    assert_eq!(row.last_outcome.as_deref(), Some("partial"));
    assert_eq!(row.last_error.as_deref(), Some("koski: 503"));
    assert_eq!(
        row.last_success_at, None,
        "not a success: due after the retry wait"
    );
    assert_eq!(store.list_dead_letters("").unwrap().len(), 1);
    // Complete answers finish it: checked off, and no longer a dead letter.
    let complete = virta("2025-02-01T12:00:00Z", true);
    store
        .put_snapshots(&[new_snapshot(&target, b"<elmo/>", &hash(2), "r2", &complete)])
        .unwrap();
    let row = store.get_target(&target).unwrap().expect("target");
    assert_eq!(row.last_outcome.as_deref(), Some("ok"));
    assert!(row.last_success_at.is_some());
    assert!(store.list_dead_letters("").unwrap().is_empty());
}

fn an_interrupted_run_is_found_with_what_it_committed(backend: &Backend) {
    let mut store = backend.store();
    let begin = |store: &mut Box<dyn Store>, run_id: &str, started_at: &str, label: &str| {
        store
            .begin_run(&RunStart {
                run_id,
                started_at,
                config_label: label,
            })
            .unwrap();
    };
    begin(&mut store, "old", "2025-02-01T00:00:00Z", "nightly");
    begin(&mut store, "killed", "2025-02-02T00:00:00Z", "nightly");
    begin(
        &mut store,
        "other-shard",
        "2025-02-03T00:00:00Z",
        "nightly --shard 1/2",
    );
    store
        .finish_run("old", "2025-02-01T01:00:00Z", "ok", "{}")
        .unwrap();
    let sources = virta("2025-02-02T00:00:00Z", true);
    let (a, b, c) = (key("a"), key("b"), key("c"));
    let h = hash(7);
    store
        .put_snapshots(&[
            new_snapshot(&a, b"<elmo/>", &h, "killed", &sources),
            new_snapshot(&b, b"<elmo/>", &h, "killed", &sources),
            new_snapshot(&c, b"<elmo/>", &h, "old", &sources),
        ])
        .unwrap();
    let run = store
        .unfinished_run("nightly")
        .unwrap()
        .expect("unfinished");
    assert_eq!(run.run_id, "killed");
    assert_eq!(run.started_at, "2025-02-02T00:00:00Z");
    assert_eq!(store.keys_checked_in("killed").unwrap(), [a, b]);
    assert!(store.keys_checked_in("nobody").unwrap().is_empty());
    store
        .finish_run("killed", "2025-02-02T01:00:00Z", "ok", "{}")
        .unwrap();
    assert!(store.unfinished_run("nightly").unwrap().is_none());
}

fn a_run_lock_is_held_until_its_store_is_dropped(backend: &Backend) {
    let mut first = backend.open();
    first.lock_run("run-shard-0-of-2").unwrap();
    let mut second = backend.open();
    let err = second.lock_run("run-shard-0-of-2").unwrap_err();
    assert!(matches!(err, Error::Locked { .. }), "{err}");
    assert!(
        err.to_string().contains("another run holds the lock"),
        "{err}"
    );
    // Another shard is free.
    second.lock_run("run-shard-1-of-2").unwrap();
    drop(first);
    backend.open().lock_run("run-shard-0-of-2").unwrap();
}

macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod on_sqlite {
            $(
                #[test]
                fn $name() {
                    super::$name(&super::Backend::sqlite());
                }
            )*
        }
        mod on_postgres {
            $(
                #[test]
                fn $name() {
                    super::$name(&super::Backend::postgres());
                }
            )*
        }
    };
}

contract!(
    created_then_unchanged_on_same_hash_then_written_on_new_hash,
    one_batch_reports_each_outcome_in_order,
    failing_batch_leaves_every_snapshot_as_it_was,
    changed_document_from_incomplete_source_never_replaces_the_stored_one,
    bad_items_are_refused_with_what_was_expected,
    get_round_trips_the_exact_bytes_and_metadata,
    find_keys_by_prefix_sorted_and_limited,
    list_is_sorted_by_key_with_each_learners_sources,
    run_record_round_trips,
    a_requested_refresh_is_due_until_an_attempt_answers_it,
    due_after_exactly_refresh_after_and_not_a_millisecond_before,
    failed_attempt_waits_out_the_retry_window,
    re_adding_replaces_the_sealed_identity_and_keeps_history,
    bad_target_input_is_refused_with_what_was_expected,
    mark_stale_keeps_the_document_and_a_complete_put_clears_the_mark,
    sealed_targets_round_trip_through_the_store_and_fail_when_moved_or_altered,
    the_detail_is_written_with_the_snapshot_and_follows_each_confirmation,
    concurrent_readers_never_see_a_torn_snapshot,
    database_errors_never_quote_the_stored_data,
    works_from_blocking_threads_inside_a_tokio_runtime,
    a_stored_snapshot_checks_its_target_off_in_the_same_transaction,
    a_snapshot_from_partial_answers_leaves_its_target_due_and_its_dead_letter,
    an_interrupted_run_is_found_with_what_it_committed,
    a_run_lock_is_held_until_its_store_is_dropped,
    a_dead_letter_counts_failures_in_a_row_until_a_success_deletes_it,
    dead_letters_are_listed_and_cleared_by_key_prefix,
    bad_dead_letter_input_is_refused_with_what_was_expected,
    runs_are_listed_newest_first,
);

// ---- PostgreSQL only: what SQLite's tests check on the file (tests.rs) ----

#[test]
fn postgres_location_and_errors_never_show_the_password() {
    let pg = PgSchema::new();
    pg.execute("CREATE ROLE pw_user LOGIN PASSWORD 'hunter2-secret'");
    pg.execute(&format!("GRANT ALL ON SCHEMA {} TO pw_user", pg.schema));
    let url = pg
        .store_url()
        .replacen("://rikastin@", "://pw_user:hunter2-secret@", 1);
    let opened = PostgresStore::open(&url, "from the test");
    pg.execute("DROP OWNED BY pw_user; DROP ROLE pw_user");
    let store = opened.expect("open with a password in the URL");
    let location = store.location();
    assert!(
        location.starts_with("postgresql://pw_user@127.0.0.1:") || location.contains("pw_user@"),
        "{location}"
    );
    assert!(
        !format!("{location} {store:?}").contains("hunter2"),
        "{location}"
    );

    let err = PostgresStore::open("postgresql://u:hunter2-secret@[::1", "from RIKASTIN_PG")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("from RIKASTIN_PG") && !err.contains("hunter2"),
        "{err}"
    );
}

#[test]
fn postgres_newer_schema_version_is_refused() {
    let pg = PgSchema::new();
    drop(PostgresStore::open(&pg.store_url(), "t").expect("create"));
    pg.execute("UPDATE schema_version SET version = 99");
    let err = PostgresStore::open(&pg.store_url(), "t").unwrap_err();
    assert!(
        matches!(
            err,
            Error::NewerSchema { found: 99, known, .. }
                if known == i64::from(PostgresStore::SCHEMA_VERSION)
        ),
        "{err}"
    );
    assert!(err.to_string().contains("newer"), "{err}");
}

#[test]
fn postgres_schema_refuses_a_learner_key_that_is_not_lower_hex() {
    let pg = PgSchema::new();
    drop(PostgresStore::open(&pg.store_url(), "t").expect("create"));
    let padded = format!("{:0<64}", "010190-123A");
    let err = pg
        .runtime
        .block_on(pg.client.execute(
            "INSERT INTO target (learner_key, sealed_identity, added_at) VALUES ($1, '\\x01', 't')",
            &[&padded],
        ))
        .unwrap_err();
    assert_eq!(
        err.code(),
        Some(&tokio_postgres::error::SqlState::CHECK_VIOLATION),
        "{err}"
    );
}

#[test]
fn postgres_two_processes_opening_an_empty_schema_create_it_once() {
    let pg = PgSchema::new();
    let url = pg.store_url();
    std::thread::scope(|scope| {
        let opens: Vec<_> = (0..4)
            .map(|_| scope.spawn(|| PostgresStore::open(&url, "t").map(drop)))
            .collect();
        for open in opens {
            open.join().unwrap().expect("every opener succeeds");
        }
    });
    let versions: i64 = pg
        .query_one("SELECT count(*) FROM schema_version", &[])
        .get(0);
    assert_eq!(versions, 1);
}

#[test]
fn postgres_version_1_schema_is_migrated_and_keeps_its_data() {
    let pg = PgSchema::new();
    // A schema as a version-1 build left it, with a run in it.
    pg.execute(include_str!("schema_postgres.sql"));
    pg.execute(
        "INSERT INTO run (run_id, started_at, config_label) \
         VALUES ('r0', '2024-12-01T00:00:00Z', 'old')",
    );
    let mut store = PostgresStore::open(&pg.store_url(), "t").expect("migrate version 1");
    let version: i32 = pg
        .query_one("SELECT version FROM schema_version", &[])
        .get(0);
    assert_eq!(version, PostgresStore::SCHEMA_VERSION);
    assert_eq!(store.get_run("r0").unwrap().unwrap().config_label, "old");
    let k = key("a");
    store
        .record_dead_letter(&virta_exhausted(&k, "2025-01-01T00:00:00Z", "r0"))
        .unwrap();
    drop(store);
    let store = PostgresStore::open(&pg.store_url(), "t").expect("reopen at the new version");
    assert_eq!(dead_letter_keys(&store, ""), [k]);
}
