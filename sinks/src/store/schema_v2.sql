-- Rikastin snapshot cache, migration 2 (PRAGMA user_version = 2): refresh targets and stale marks.
-- SqliteStore applies it after schema.sql, to new files and to version-1 files alike; docs/cache.md
-- shows it. Like schema.sql it holds no identity code in clear.

-- One row per learner to refresh. The identity the source call needs is sealed with
-- ChaCha20-Poly1305 (key derived from the learner secret, associated data = learner_key), so this
-- table holds no identity code in clear; a new secret makes the sealed values unreadable.
CREATE TABLE target (
    learner_key      TEXT PRIMARY KEY NOT NULL
                     CHECK (length(learner_key) = 64 AND learner_key NOT GLOB '*[^0-9a-f]*'),
    sealed_identity  BLOB NOT NULL      -- format byte 1, 12-byte nonce, ciphertext and 16-byte tag
                     CHECK (typeof(sealed_identity) = 'blob' AND length(sealed_identity) > 0),
    added_at         TEXT NOT NULL,     -- first added; a re-add replaces only sealed_identity
    last_attempt_at  TEXT,              -- NULL until the first refresh attempt
    last_success_at  TEXT,              -- the last attempt with outcome 'ok' or 'no-data'
    last_outcome     TEXT,              -- 'ok', 'no-data', 'dead-letter', 'stale' or 'failed'
    last_error       TEXT,              -- redacted reason of the last attempt, if any
    attempts         INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),  -- all attempts recorded
    CHECK ((last_attempt_at IS NULL) = (last_outcome IS NULL))
);

-- Never degrade (DESIGN.md invariant 1): when a learner's source fails, the snapshot stays byte
-- for byte and is only marked stale. A later put built from complete answers clears the mark.
ALTER TABLE snapshot ADD COLUMN stale_since TEXT;   -- the first failed refresh since the last good one
ALTER TABLE snapshot ADD COLUMN stale_reason TEXT   -- the latest failure's redacted reason
    CHECK ((stale_since IS NULL) = (stale_reason IS NULL));
