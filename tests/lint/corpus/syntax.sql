-- case: a function body with DDL text is not linted as DDL
-- expect: none
CREATE OR REPLACE FUNCTION cleanup() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  ALTER TABLE t DROP COLUMN legacy;
  DROP TABLE old_stuff;
  CREATE INDEX i ON t (a);
END;
$$;

-- case: a DO block with DDL text
-- expect: none
DO $do$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'x') THEN
    EXECUTE 'DROP TABLE y';
  END IF;
END
$do$;

-- case: a SQL-standard function body with semicolons
-- expect: none
CREATE FUNCTION two() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;

-- case: strings and comments holding semicolons and DDL
-- expect: none
INSERT INTO notes (body) VALUES ('DROP TABLE t; -- not a statement'); /* DROP TABLE u; */

-- case: quoted identifiers that look like keywords
-- expect: ban-drop-column
ALTER TABLE "select" DROP COLUMN "from";

-- case: several statements on one line
-- expect: require-concurrent-index-creation, ban-drop-table
CREATE INDEX i ON t (a); DROP TABLE u;

-- case: an ignore comment with a reason
-- expect: none
-- lint: ignore require-concurrent-index-creation the table holds ten rows
CREATE INDEX i ON t (a);

-- case: an ignore comment naming two rules
-- expect: none
-- lint: ignore ban-drop-column,renaming-column both columns were never used
ALTER TABLE t DROP COLUMN a;

-- case: an ignore comment without a reason is not honoured
-- expect: require-concurrent-index-creation, ignore-without-reason
-- lint: ignore require-concurrent-index-creation
CREATE INDEX i ON t (a);

-- case: an ignore comment that matches nothing
-- expect: unused-ignore
-- lint: ignore ban-drop-table just in case
CREATE TABLE fresh (id bigint);

-- case: an ignore comment naming an unknown rule
-- expect: unused-ignore, require-concurrent-index-creation
-- lint: ignore no-such-rule because
CREATE INDEX i ON t (a);

-- case: an ignore applies only to its own statement
-- expect: require-concurrent-index-creation
-- lint: ignore require-concurrent-index-creation first one only
CREATE INDEX i ON t (a);
CREATE INDEX j ON t (b);

-- case: an ignore inside the statement
-- expect: none
CREATE INDEX i -- lint: ignore require-concurrent-index-creation built during the outage window
  ON t (a);

-- case: PostgreSQL 17 syntax the grammar cannot parse
-- expect: unsupported-syntax
MERGE INTO t USING s ON t.a = s.a WHEN MATCHED THEN DELETE RETURNING *;

-- case: newer syntax beside a statement that is linted
-- expect: unsupported-syntax, require-concurrent-index-creation
ALTER TABLE t ALTER COLUMN c SET EXPRESSION AS (a + 1);
CREATE INDEX i ON t (a);

-- case: E-strings and dollar quotes with tags
-- expect: none
INSERT INTO t (a) VALUES (E'it\'s; fine'), ($tag$ DROP TABLE t; $tag$);

-- case: a schema-qualified table whose name needs quotes
-- expect: changing-column-type
-- lock: ACCESS EXCLUSIVE on "Sales"."Order Lines", rewrites
ALTER TABLE "Sales"."Order Lines" ALTER COLUMN "Qty" TYPE bigint;

-- case: ALTER TABLE IF EXISTS ONLY with several subcommands
-- expect: ban-drop-column, renaming-column
ALTER TABLE IF EXISTS ONLY app.t DROP COLUMN IF EXISTS a, ALTER COLUMN b SET DEFAULT 1;
ALTER TABLE app.t RENAME COLUMN c TO d;

-- case: CREATE TABLE AS a new table
-- expect: none
CREATE TABLE snapshot AS SELECT * FROM t;
CREATE INDEX snapshot_a ON snapshot (a);

-- case: a view and a grant
-- expect: none
CREATE VIEW active AS SELECT * FROM t WHERE active;
GRANT SELECT ON active TO reader;
