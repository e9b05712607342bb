-- Rikastin snapshot cache, migration 5 (PRAGMA user_version = 5): dead letters.
-- SqliteStore applies it after schema_v4.sql; docs/cache.md shows it.

-- One row per learner whose latest refresh failed: where, why, since when and how often in a
-- row. A later success for the learner (an attempt recorded as 'ok' or 'no-data') deletes the
-- row in the same transaction. Learners appear only by key and the error is redacted, so the
-- table holds no identity code.
CREATE TABLE dead_letter (
    learner_key      TEXT PRIMARY KEY NOT NULL
                     CHECK (length(learner_key) = 64 AND learner_key NOT GLOB '*[^0-9a-f]*'),
    source           TEXT NOT NULL CHECK (source <> ''),       -- 'virta', 'koski', 'virta+koski', 'target'
    phase            TEXT NOT NULL CHECK (phase <> ''),        -- 'fetch', 'parse', 'map', 'lint', 'store'
    error_class      TEXT NOT NULL CHECK (error_class <> ''),  -- e.g. 'exhausted', 'invalid', 'lint'
    attempts         INTEGER NOT NULL CHECK (attempts >= 1),   -- consecutive failures
    first_failed_at  TEXT NOT NULL,     -- the first failure since the last success
    last_failed_at   TEXT NOT NULL,     -- the latest failure
    last_error       TEXT NOT NULL,     -- the latest failure's reason, redacted
    run_id           TEXT NOT NULL REFERENCES run (run_id)     -- the run of the latest failure
);
