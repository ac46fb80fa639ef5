
DROP INDEX time_entries_uninvoiced_idx;
ALTER TABLE time_entries DROP COLUMN invoiced_at;
