-- Rikastin snapshot cache, migration 4 (PRAGMA user_version = 4): refresh on request.
-- SqliteStore applies it after schema_v3.sql; docs/cache.md shows it.

-- Set by `POST /v1/learners/{key}/refresh` (the read API): the next run refreshes this target
-- whatever its staleness policy says, unless a refresh was already attempted after the request.
ALTER TABLE target ADD COLUMN refresh_requested_at TEXT;
