-- case: index without CONCURRENTLY on an existing table
-- expect: require-concurrent-index-creation
-- lock: SHARE on t, scans
CREATE INDEX i ON t (a);

-- case: concurrent index in a non-transactional revision
-- transactional: false
-- expect: none
-- lock: SHARE UPDATE EXCLUSIVE on t, scans
CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);

-- case: concurrent index in a transactional revision
-- expect: ban-concurrent-index-creation-in-transaction
CREATE INDEX CONCURRENTLY i ON t (a);

-- case: concurrent index inside an explicit BEGIN of a non-transactional revision
-- transactional: false
-- expect: ban-concurrent-index-creation-in-transaction
BEGIN;
CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);
COMMIT;

-- case: index on a table the revision creates
-- expect: prefer-bigint-over-int
CREATE TABLE fresh (id int);
CREATE INDEX fresh_id ON fresh (id);

-- case: unique index on a schema-qualified quoted table
-- expect: require-concurrent-index-creation
-- lock: SHARE on app."Orders", scans
CREATE UNIQUE INDEX "Orders_ref" ON app."Orders" (ref);

-- case: index on ONLY a partitioned table
-- expect: require-concurrent-index-creation
-- lock: SHARE on measurements, scans
CREATE INDEX m_at ON ONLY measurements (at);

-- case: partial index with an expression
-- expect: require-concurrent-index-creation
CREATE INDEX lower_email ON users (lower(email)) WHERE deleted_at IS NULL;

-- case: drop index without CONCURRENTLY
-- expect: require-concurrent-index-deletion
-- lock: ACCESS EXCLUSIVE on i
DROP INDEX i;

-- case: drop index IF EXISTS with a schema
-- expect: require-concurrent-index-deletion
-- lock: ACCESS EXCLUSIVE on app.i
DROP INDEX IF EXISTS app.i;

-- case: drop index concurrently in a non-transactional revision
-- transactional: false
-- expect: none
-- lock: SHARE UPDATE EXCLUSIVE on i
DROP INDEX CONCURRENTLY IF EXISTS i;

-- case: drop index concurrently in a transactional revision
-- expect: transaction-mode-mismatch
DROP INDEX CONCURRENTLY i;

-- case: reindex an index without CONCURRENTLY
-- expect: require-concurrent-reindex
-- lock: ACCESS EXCLUSIVE on i, scans
REINDEX INDEX i;

-- case: reindex a table without CONCURRENTLY
-- expect: require-concurrent-reindex
-- lock: SHARE on t, scans
REINDEX TABLE t;

-- case: reindex concurrently where it can run
-- transactional: false
-- expect: none
-- lock: SHARE UPDATE EXCLUSIVE on t, scans
REINDEX TABLE CONCURRENTLY t;

-- case: reindex concurrently in a transactional revision
-- expect: transaction-mode-mismatch
REINDEX INDEX CONCURRENTLY i;

-- case: REINDEX on PostgreSQL 11 has no CONCURRENTLY to prefer
-- version: 11
-- expect: none
REINDEX TABLE t;

-- case: rename an index (SHARE UPDATE EXCLUSIVE from 12)
-- expect: none
-- lock: SHARE UPDATE EXCLUSIVE on i
ALTER INDEX i RENAME TO j;

-- case: rename an index on 11
-- version: 11
-- expect: none
-- lock: ACCESS EXCLUSIVE on i
ALTER INDEX i RENAME TO j;

-- case: rename an index without a lock timeout
-- runner_lock_timeout: false
-- expect: none
ALTER INDEX i RENAME TO j;

-- case: non-transactional revision without IF NOT EXISTS
-- transactional: false
-- expect: prefer-robust-stmts
CREATE INDEX CONCURRENTLY i ON t (a);

-- case: non-transactional drop without IF EXISTS
-- transactional: false
-- expect: prefer-robust-stmts
DROP INDEX CONCURRENTLY i;

-- case: CREATE INDEX inside a function body is text, not a statement
-- expect: none
CREATE FUNCTION make_index() RETURNS void LANGUAGE plpgsql AS $body$
BEGIN
  EXECUTE 'CREATE INDEX i ON t (a)';
  DROP INDEX j;
END
$body$;

-- case: index on a temporary table created here
-- expect: none
CREATE TEMPORARY TABLE scratch (id bigint);
CREATE INDEX scratch_id ON scratch (id);
