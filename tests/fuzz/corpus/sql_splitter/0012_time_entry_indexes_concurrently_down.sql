
DROP FUNCTION IF EXISTS entry_hours(timestamptz, timestamptz);
DROP INDEX CONCURRENTLY IF EXISTS time_entries_closed_started_idx;
DROP INDEX CONCURRENTLY IF EXISTS time_entries_user_started_idx;
