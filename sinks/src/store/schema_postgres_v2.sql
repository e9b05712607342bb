-- Rikastin snapshot cache on PostgreSQL, migration 2 (schema_version.version = 2): dead letters.
-- PostgresStore applies it after schema_postgres.sql, to new and version-1 schemas alike; the
-- table and its meaning are those of SQLite's schema_v5.sql. docs/cache.md shows it.

CREATE TABLE dead_letter (
    learner_key      text COLLATE "C" PRIMARY KEY CHECK (learner_key ~ '^[0-9a-f]{64}$'),
    source           text NOT NULL CHECK (source <> ''),       -- 'virta', 'koski', 'virta+koski', 'target'
    phase            text NOT NULL CHECK (phase <> ''),        -- 'fetch', 'parse', 'map', 'lint', 'store'
    error_class      text NOT NULL CHECK (error_class <> ''),  -- e.g. 'exhausted', 'invalid', 'lint'
    attempts         integer NOT NULL CHECK (attempts >= 1),   -- consecutive failures
    first_failed_at  text NOT NULL,     -- the first failure since the last success
    last_failed_at   text NOT NULL,     -- the latest failure
    last_error       text NOT NULL,     -- the latest failure's reason, redacted
    run_id           text COLLATE "C" NOT NULL REFERENCES run (run_id)  -- the latest failure's run
);

UPDATE schema_version SET version = 2;
