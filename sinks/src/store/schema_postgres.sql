-- Rikastin snapshot cache on PostgreSQL, schema version 1: the SQLite cache's schema.sql to
-- schema_v4.sql in one file. PostgresStore applies it to an empty schema, then each migration
-- after it (schema_postgres_v2.sql, ...), and records the version in schema_version;
-- docs/cache.md shows them. The tables and their meaning are those of the SQLite cache, so the
-- same contract holds for both. Learners appear only as learner keys, never identity codes.
--
-- Timestamps are kept as the RFC 3339 text the caller gave (the store's own clock writes
-- 2025-01-31T12:00:00.000Z), so they read back byte for byte on both stores; the store compares
-- them as instants (`::timestamptz`), never as text. Keys and source names sort with the "C"
-- collation, byte order, as SQLite's BINARY does, whatever the database's locale.

CREATE TABLE schema_version (
    single   boolean PRIMARY KEY DEFAULT true CHECK (single),  -- at most one row
    version  integer NOT NULL
);

CREATE TABLE run (
    run_id        text COLLATE "C" PRIMARY KEY,
    started_at    text NOT NULL,
    config_label  text NOT NULL,       -- which configuration ran, e.g. "virta-nightly"
    finished_at   text,                -- NULL while the run is under way (or if it died)
    outcome       text,                -- e.g. "ok", "dead-letters", "failed"; NULL until finished
    summary_json  text CHECK (summary_json IS NULL OR summary_json::json IS NOT NULL),
    CHECK ((finished_at IS NULL) = (outcome IS NULL)),
    CHECK ((finished_at IS NULL) = (summary_json IS NULL))
);

CREATE TABLE snapshot (
    learner_key     text COLLATE "C" PRIMARY KEY CHECK (learner_key ~ '^[0-9a-f]{64}$'),
    content_hash    text NOT NULL CHECK (content_hash ~ '^[0-9a-f]{64}$'),
    generated_date  text NOT NULL,     -- the document's own generatedDate
    elmo_version    text NOT NULL,     -- e.g. "1.7.0"; the namespace does not say (elmo.md §8 rule 18)
    results         bigint NOT NULL CHECK (results >= 0),  -- learningOpportunityInstances in it
    elmo_gz         bytea NOT NULL,    -- gzip of the unsigned ELMO XML, exactly as the pipeline built it
    run_id          text COLLATE "C" NOT NULL REFERENCES run (run_id),  -- wrote this document
    checked_run_id  text COLLATE "C" NOT NULL REFERENCES run (run_id),  -- last built the same content
    created_at      text NOT NULL,     -- first snapshot for this learner
    updated_at      text NOT NULL,     -- the document last changed
    checked_at      text NOT NULL,     -- the document was last confirmed (changed or unchanged)
    stale_since     text,              -- the first failed refresh since the last good one
    stale_reason    text,              -- the latest failure's redacted reason
    CHECK ((stale_since IS NULL) = (stale_reason IS NULL))
);

CREATE TABLE snapshot_source (
    learner_key  text COLLATE "C" NOT NULL REFERENCES snapshot (learner_key) ON DELETE CASCADE,
    source       text COLLATE "C" NOT NULL CHECK (source <> ''),  -- "virta", "koski", "catalogue", "ds"
    fetched_at   text NOT NULL,
    complete     boolean NOT NULL,
    PRIMARY KEY (learner_key, source)
);

CREATE TABLE snapshot_detail (
    learner_key      text COLLATE "C" PRIMARY KEY REFERENCES snapshot (learner_key) ON DELETE CASCADE,
    provenance_json  text NOT NULL CHECK (provenance_json::json IS NOT NULL),
    coverage_json    text NOT NULL CHECK (coverage_json::json IS NOT NULL)  -- a JSON array, no identities
);

-- The identity a source call needs is sealed (ChaCha20-Poly1305, see docs/cache.md), never in clear.
CREATE TABLE target (
    learner_key           text COLLATE "C" PRIMARY KEY CHECK (learner_key ~ '^[0-9a-f]{64}$'),
    sealed_identity       bytea NOT NULL CHECK (length(sealed_identity) > 0),
    added_at              text NOT NULL,  -- first added; a re-add replaces only sealed_identity
    last_attempt_at       text,           -- NULL until the first refresh attempt
    last_success_at       text,           -- the last attempt with outcome 'ok' or 'no-data'
    last_outcome          text,           -- 'ok', 'no-data', 'dead-letter', 'stale' or 'failed'
    last_error            text,           -- redacted reason of the last attempt, if any
    attempts              integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    refresh_requested_at  text,           -- set by the read API; due until an attempt after it
    CHECK ((last_attempt_at IS NULL) = (last_outcome IS NULL))
);

CREATE INDEX snapshot_run ON snapshot (run_id);
CREATE INDEX snapshot_checked_run ON snapshot (checked_run_id);

INSERT INTO schema_version (version) VALUES (1);
