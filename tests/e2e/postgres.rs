//! The embedded default with its cache on PostgreSQL: `rikastin run` writes the snapshots to the
//! server, and `list` and `show` read them back from it, as they do from SQLite.
//!
//! Needs the server named by `RIKASTIN_TEST_POSTGRES_URL`; `make test` starts one
//! (`scripts/with-postgres`). Without it the test fails, so a green run has tested PostgreSQL.

use std::process::Command;

use rikastin_tests::{Run, TestDir};

/// The variable the config names for the cache URL: the URL never goes into the YAML.
const URL_VAR: &str = "RIKASTIN_E2E_CACHE_URL";

/// A schema of its own on the test server, dropped at the end.
struct Schema {
    name: String,
    url: String,
    runtime: tokio::runtime::Runtime,
    client: tokio_postgres::Client,
}

impl Schema {
    fn new() -> Self {
        let server = std::env::var("RIKASTIN_TEST_POSTGRES_URL").unwrap_or_else(|_| {
            panic!(
                "RIKASTIN_TEST_POSTGRES_URL is not set: this test needs a PostgreSQL server. Run \
                 it with `make test`, or `scripts/with-postgres cargo test -p rikastin-tests`"
            )
        });
        let name = format!("e2e_{}", std::process::id());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let (client, connection) = runtime
            .block_on(tokio_postgres::connect(&server, tokio_postgres::NoTls))
            .expect("connect to the test server");
        runtime.spawn(connection);
        runtime
            .block_on(client.batch_execute(&format!(
                "DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}; \
                 SET search_path TO {name}"
            )))
            .expect("create the test schema");
        let glue = if server.contains('?') { '&' } else { '?' };
        let url = format!("{server}{glue}options=-c%20search_path%3D{name}");
        Self {
            name,
            url,
            runtime,
            client,
        }
    }

    fn count(&self, table: &str) -> i64 {
        self.runtime
            .block_on(
                self.client
                    .query_one(&format!("SELECT count(*) FROM {table}"), &[]),
            )
            .expect("count")
            .get(0)
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        let _ = self.runtime.block_on(
            self.client
                .batch_execute(&format!("DROP SCHEMA {} CASCADE", self.name)),
        );
    }
}

/// `rikastin ARGS --config CONFIG`, with the cache URL in the environment.
fn rikastin(t: &TestDir, schema: &Schema, args: &[&str]) -> Run {
    let out = Command::new(rikastin_tests::binary())
        .args(args)
        .arg("--config")
        .arg(t.config())
        .env(URL_VAR, &schema.url)
        .env_remove("RIKASTIN_LEARNER_KEY_SECRET")
        .output()
        .expect("run rikastin");
    Run::of(out, args)
}

#[test]
fn a_run_with_a_postgres_cache_writes_the_snapshots_there_and_reads_them_back() {
    let schema = Schema::new();
    // The embedded default (data/pipeline.yaml, paths made absolute), cache swapped.
    let t = TestDir::embedded();
    let yaml = std::fs::read_to_string(t.config()).expect("config");
    let sqlite = "  sqlite_path: cache/cache.sqlite\n";
    assert!(yaml.contains(sqlite), "{yaml}");
    let yaml = yaml.replace(sqlite, &format!("  postgres:\n    url_env: {URL_VAR}\n"));
    std::fs::write(t.config(), yaml).expect("write config");

    let first = rikastin(&t, &schema, &["run", "--now", "2026-11-23T10:00:00Z"]).expect(0);
    let created: i64 = first
        .stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("snapshots"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no snapshot count in:\n{}", first.stdout));
    assert!(created >= 24, "{}", first.stdout);
    assert!(
        first
            .stdout
            .contains(&format!("PostgreSQL (URL in ${URL_VAR})")),
        "the summary names the cache: {}",
        first.stdout
    );
    assert!(!t.path("cache").exists(), "nothing may go to a SQLite file");
    assert_eq!(schema.count("snapshot"), created);
    assert_eq!(schema.count("run"), 1);

    // Read back through the CLI: every learner listed, a document shown whole.
    let listed = rikastin(&t, &schema, &["list"]).expect(0).stdout;
    assert_eq!(listed.lines().count() as i64, created, "{listed}");
    let key = &listed.lines().next().expect("a learner")[..12];
    let shown = rikastin(&t, &schema, &["show", key]).expect(0).stdout;
    assert!(
        shown.contains("<generatedDate>2026-11-23T10:00:00Z</generatedDate>")
            && shown.trim_end().ends_with("</elmo>"),
        "{shown}"
    );

    // Same inputs and date again: nothing rewritten (DESIGN.md invariant 3), on PostgreSQL too.
    let second = rikastin(&t, &schema, &["run", "--now", "2026-11-23T10:00:00Z"]).expect(0);
    assert!(
        second
            .stdout
            .contains(&format!("0 created, 0 updated, {created} unchanged")),
        "{}",
        second.stdout
    );
    assert_eq!(schema.count("run"), 2);
}
