
-- CREATE INDEX CONCURRENTLY cannot run inside a transaction block, so this revision runs statement by
-- statement. Every statement is idempotent, so a run interrupted half-way can be retried safely.
CREATE INDEX CONCURRENTLY IF NOT EXISTS time_entries_user_started_idx
    ON time_entries (user_id, started_at);
CREATE INDEX CONCURRENTLY IF NOT EXISTS time_entries_closed_started_idx
    ON time_entries (started_at) WHERE ended_at IS NOT NULL;
COMMENT ON INDEX time_entries_user_started_idx IS 'timesheets; one user''s week at a time';
CREATE OR REPLACE FUNCTION entry_hours(started timestamptz, ended timestamptz) RETURNS numeric
LANGUAGE sql IMMUTABLE
AS $fn$
    -- hours between two instants; rounded to two decimals
    SELECT round((extract(epoch FROM ended - started) / 3600.0)::numeric, 2);
$fn$;

