-- Rikastin snapshot cache, schema version 1 (PRAGMA user_version = 1).
-- This file is the single source of the schema: SqliteStore applies it as migration 1, and
-- docs/cache.md shows it. Timestamps are RFC 3339 UTC text, e.g. 2025-01-31T12:00:00.000Z.
-- Learners appear only as learner keys: lower-case hex HMAC-SHA256, never identity codes.

-- One row per job run. Snapshots point to the run that wrote them and the run that last
-- confirmed them.
CREATE TABLE run (
    run_id        TEXT PRIMARY KEY NOT NULL,
    started_at    TEXT NOT NULL,
    config_label  TEXT NOT NULL,       -- which configuration ran, e.g. "virta-nightly"
    finished_at   TEXT,                -- NULL while the run is under way (or if it died)
    outcome       TEXT,                -- e.g. "ok", "dead-letters", "failed"; NULL until finished
    summary_json  TEXT CHECK (summary_json IS NULL OR json_valid(summary_json)),
    CHECK ((finished_at IS NULL) = (outcome IS NULL)),
    CHECK ((finished_at IS NULL) = (summary_json IS NULL))
);

-- One row per learner: the current unsigned ELMO document, gzipped.
CREATE TABLE snapshot (
    learner_key     TEXT PRIMARY KEY NOT NULL
                    CHECK (length(learner_key) = 64 AND learner_key NOT GLOB '*[^0-9a-f]*'),
    content_hash    TEXT NOT NULL
                    CHECK (length(content_hash) = 64 AND content_hash NOT GLOB '*[^0-9a-f]*'),
    generated_date  TEXT NOT NULL,     -- the document's own generatedDate
    elmo_version    TEXT NOT NULL,     -- e.g. "1.7.0"; the namespace does not say (elmo.md §8 rule 18)
    results         INTEGER NOT NULL CHECK (results >= 0),  -- learningOpportunityInstances in it
    elmo_gz         BLOB NOT NULL,     -- gzip of the unsigned ELMO XML, exactly as the pipeline built it
    run_id          TEXT NOT NULL REFERENCES run (run_id),  -- the run that wrote this document
    checked_run_id  TEXT NOT NULL REFERENCES run (run_id),  -- the last run that built the same content
    created_at      TEXT NOT NULL,     -- first snapshot for this learner
    updated_at      TEXT NOT NULL,     -- the document last changed
    checked_at      TEXT NOT NULL      -- the document was last confirmed (changed or unchanged)
);

-- Per learner and source: when the source answered for the current snapshot, and whether its
-- answer was complete.
CREATE TABLE snapshot_source (
    learner_key  TEXT NOT NULL REFERENCES snapshot (learner_key) ON DELETE CASCADE,
    source       TEXT NOT NULL CHECK (source <> ''),  -- "virta", "koski", "catalogue", "ds"
    fetched_at   TEXT NOT NULL,
    complete     INTEGER NOT NULL CHECK (complete IN (0, 1)),
    PRIMARY KEY (learner_key, source)
) WITHOUT ROWID;

CREATE INDEX snapshot_run ON snapshot (run_id);
CREATE INDEX snapshot_checked_run ON snapshot (checked_run_id);
