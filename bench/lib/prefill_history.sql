-- Pre-fills pgrevise's history table with copies of one of its finished rows, for bench/history.sh.
--   psql -v schema=public -v table=alembic_version_history -v rows=50000 -f prefill_history.sql
-- The table's columns are read from the catalog, so this follows whatever src/db/history.cpp defines: columns that
-- get their value from a sequence, an identity or a generated expression are left to it; timestamps are moved back
-- one second per copy so the copies are older than every real step; a run_id column gets one run per copy (as if
-- each had been its own run); when there is a result column, a row that is not 'running' is copied.
\set ON_ERROR_STOP on
SELECT format(
           'INSERT INTO %I.%I (%s) SELECT %s FROM (SELECT * FROM %I.%I %s LIMIT 1) AS h, generate_series(1, %s) AS g',
           :'schema', :'table',
           string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position),
           string_agg(CASE WHEN data_type LIKE 'timestamp%' OR data_type = 'date'
                               THEN format('h.%I - g * interval ''1 second''', column_name)
                           WHEN column_name = 'run_id' AND data_type IN ('text', 'character varying')
                               THEN format('h.%I || ''-'' || g', column_name)
                           ELSE format('h.%I', column_name) END, ', ' ORDER BY ordinal_position),
           :'schema', :'table',
           CASE WHEN bool_or(column_name = 'result') THEN 'WHERE result <> ''running''' ELSE '' END,
           :'rows')
FROM information_schema.columns
WHERE table_schema = :'schema'
  AND table_name = :'table'
  AND is_identity = 'NO'
  AND is_generated = 'NEVER'
  AND coalesce(column_default, '') NOT LIKE '%nextval(%'
  AND coalesce(column_default, '') NOT LIKE '%gen_random_uuid()%'
\gexec
ANALYZE :"schema".:"table";
