-- Rikastin snapshot cache, migration 3 (PRAGMA user_version = 3): what each document was built
-- from. SqliteStore applies it after schema_v2.sql; docs/cache.md shows it.

-- One row per snapshot: where every generated field came from (`rikastin explain`), and one
-- coverage row per result for `rikastin report coverage`. Rewritten with each confirmation of
-- the snapshot, in the same transaction, so it always describes the stored document.
CREATE TABLE snapshot_detail (
    learner_key      TEXT PRIMARY KEY NOT NULL REFERENCES snapshot (learner_key) ON DELETE CASCADE,
    provenance_json  TEXT NOT NULL CHECK (json_valid(provenance_json)),
    coverage_json    TEXT NOT NULL CHECK (json_valid(coverage_json))   -- a JSON array, no identities
);
