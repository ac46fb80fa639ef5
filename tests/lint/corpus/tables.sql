-- case: drop a table
-- expect: ban-drop-table
-- lock: ACCESS EXCLUSIVE on t
DROP TABLE t;

-- case: drop tables IF EXISTS with schemas
-- expect: ban-drop-table, ban-drop-table
-- lock: ACCESS EXCLUSIVE on app.a, ACCESS EXCLUSIVE on "B"
DROP TABLE IF EXISTS app.a, "B" CASCADE;

-- case: drop a view is fine
-- expect: none
-- lock: ACCESS EXCLUSIVE on v
DROP VIEW v;

-- case: drop a database
-- expect: ban-drop-database, transaction-mode-mismatch
DROP DATABASE old_app;

-- case: drop a database in a non-transactional revision
-- transactional: false
-- expect: ban-drop-database
DROP DATABASE IF EXISTS old_app;

-- case: rename a table
-- expect: renaming-table
-- lock: ACCESS EXCLUSIVE on t
ALTER TABLE t RENAME TO t_old;

-- case: rename a view is not a table rename
-- expect: none
ALTER VIEW v RENAME TO w;

-- case: truncate
-- expect: none
-- lock: ACCESS EXCLUSIVE on t
TRUNCATE t;

-- case: truncate cascade
-- expect: ban-truncate-cascade
-- lock: ACCESS EXCLUSIVE on t, ACCESS EXCLUSIVE on u
TRUNCATE TABLE t, u CASCADE;

-- case: truncate ONLY a parent
-- expect: none
-- lock: ACCESS EXCLUSIVE on parent
TRUNCATE ONLY parent RESTRICT;

-- case: VACUUM FULL
-- transactional: false
-- expect: prefer-repack
-- lock: ACCESS EXCLUSIVE on t, rewrites
VACUUM FULL t;

-- case: VACUUM (FULL, ANALYZE)
-- transactional: false
-- expect: prefer-repack
VACUUM (FULL, ANALYZE) t;

-- case: plain VACUUM in a non-transactional revision
-- transactional: false
-- expect: none
-- lock: SHARE UPDATE EXCLUSIVE on t, scans
VACUUM (ANALYZE) t;

-- case: VACUUM in a transactional revision
-- expect: transaction-mode-mismatch
VACUUM t;

-- case: ANALYZE is fine anywhere
-- expect: none
-- lock: SHARE UPDATE EXCLUSIVE on t
ANALYZE t;

-- case: CLUSTER
-- expect: prefer-repack
-- lock: ACCESS EXCLUSIVE on t, rewrites
CLUSTER t USING t_pkey;

-- case: LOCK TABLE default mode
-- expect: ban-lock-table
-- lock: ACCESS EXCLUSIVE on t
LOCK TABLE t;

-- case: LOCK TABLE in SHARE MODE
-- expect: ban-lock-table
-- lock: SHARE on t
LOCK TABLE t IN SHARE MODE;

-- case: LOCK several tables in ROW EXCLUSIVE MODE
-- expect: ban-lock-table
-- lock: ROW EXCLUSIVE on a, ROW EXCLUSIVE on app.b
LOCK a, app.b IN ROW EXCLUSIVE MODE;

-- case: trigger on an existing table
-- expect: adding-trigger
-- lock: SHARE ROW EXCLUSIVE on t
CREATE TRIGGER t_audit AFTER INSERT OR UPDATE ON t FOR EACH ROW EXECUTE FUNCTION audit();

-- case: trigger on a table created here
-- expect: none
CREATE TABLE fresh (id bigint);
CREATE TRIGGER fresh_audit AFTER INSERT ON fresh FOR EACH ROW EXECUTE FUNCTION audit();

-- case: drop a trigger
-- expect: none
-- lock: ACCESS EXCLUSIVE on t
DROP TRIGGER t_audit ON t;

-- case: create a partition of a partitioned table
-- expect: none
-- lock: ACCESS EXCLUSIVE on measurements
CREATE TABLE measurements_2026 PARTITION OF measurements FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');

-- case: attach a partition
-- expect: none
-- lock: SHARE UPDATE EXCLUSIVE on measurements, ACCESS EXCLUSIVE on measurements_2025, scans
ALTER TABLE measurements ATTACH PARTITION measurements_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');

-- case: attach a partition on 11
-- version: 11
-- expect: none
-- lock: ACCESS EXCLUSIVE on measurements, ACCESS EXCLUSIVE on measurements_2025, scans
ALTER TABLE measurements ATTACH PARTITION measurements_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');

-- case: detach a partition without CONCURRENTLY
-- expect: none
-- lock: ACCESS EXCLUSIVE on measurements, ACCESS EXCLUSIVE on measurements_2020
ALTER TABLE measurements DETACH PARTITION measurements_2020;

-- case: detach without CONCURRENTLY on 14
-- version: 14
-- expect: require-concurrent-partition-detach
ALTER TABLE measurements DETACH PARTITION measurements_2020;

-- case: detach CONCURRENTLY on 14
-- version: 14
-- transactional: false
-- expect: none
-- lock: SHARE UPDATE EXCLUSIVE on measurements, SHARE UPDATE EXCLUSIVE on measurements_2020
ALTER TABLE measurements DETACH PARTITION measurements_2020 CONCURRENTLY;

-- case: detach CONCURRENTLY in a transactional revision
-- version: 15
-- expect: transaction-mode-mismatch
ALTER TABLE measurements DETACH PARTITION measurements_2020 CONCURRENTLY;

-- case: refresh a materialized view
-- expect: none
-- lock: ACCESS EXCLUSIVE on mv, rewrites
REFRESH MATERIALIZED VIEW mv;

-- case: refresh concurrently
-- expect: none
-- lock: EXCLUSIVE on mv, rewrites
REFRESH MATERIALIZED VIEW CONCURRENTLY mv;

-- case: comment on a table
-- expect: none
-- lock: SHARE UPDATE EXCLUSIVE on app.t
COMMENT ON TABLE app.t IS 'orders';

-- case: table without a schema, rule turned on
-- enable: require-table-schema
-- expect: require-table-schema
CREATE TABLE plain (id bigint);

-- case: table with a schema, rule turned on
-- enable: require-table-schema
-- expect: none
CREATE TABLE public.plain (id bigint);

-- case: set a table UNLOGGED rewrites
-- expect: none
-- lock: ACCESS EXCLUSIVE on t, rewrites
ALTER TABLE t SET UNLOGGED;

-- case: move to another tablespace rewrites
-- expect: none
-- lock: ACCESS EXCLUSIVE on t, rewrites
ALTER TABLE t SET TABLESPACE fast;

-- case: a long table name
-- expect: identifier-too-long
CREATE TABLE a_table_name_that_is_much_longer_than_the_sixty_three_bytes_the_server_keeps (id bigint);

-- case: insert, update, delete
-- expect: none
-- lock: ROW EXCLUSIVE on t
INSERT INTO t (a) VALUES (1);
UPDATE t SET a = 2 WHERE a = 1;
DELETE FROM t WHERE a = 2;

-- case: update assigning a column twice
-- expect: ban-duplicate-column-assignments
UPDATE t SET a = 1, a = 2;

-- case: rule on a table
-- expect: none
-- lock: ACCESS EXCLUSIVE on t
CREATE RULE t_log AS ON INSERT TO t DO ALSO (INSERT INTO log VALUES (1); INSERT INTO log VALUES (2));
