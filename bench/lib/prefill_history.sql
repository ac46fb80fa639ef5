-- Pre-fills pgrevise's history table with copies of one of its rows, for bench/history.sh.
--   psql -v schema=public -v table=alembic_version_history -v rows=50000 -f prefill_history.sql
-- The table's columns are read from the catalog, so this follows whatever src/db/ defines: columns that get
-- their value from a sequence, an identity or a generated expression are left to it; timestamps are moved back
-- one second per copy so the copies are older than every real step.
\set ON_ERROR_STOP on
SELECT format(
           'INSERT INTO %I.%I (%s) SELECT %s FROM (SELECT * FROM %I.%I LIMIT 1) AS h, generate_series(1, %s) AS g',
           :'schema', :'table',
           string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position),
           string_agg(CASE WHEN data_type LIKE 'timestamp%' OR data_type = 'date'
                           THEN format('h.%I - g * interval ''1 second''', column_name)
                           ELSE format('h.%I', column_name) END, ', ' ORDER BY ordinal_position),
           :'schema', :'table', :'rows')
FROM information_schema.columns
WHERE table_schema = :'schema'
  AND table_name = :'table'
  AND is_identity = 'NO'
  AND is_generated = 'NEVER'
  AND coalesce(column_default, '') NOT LIKE '%nextval(%'
  AND coalesce(column_default, '') NOT LIKE '%gen_random_uuid()%'
\gexec
ANALYZE :"schema".:"table";
