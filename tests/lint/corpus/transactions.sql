-- case: BEGIN and COMMIT in a transactional revision
-- expect: transaction-nesting, transaction-nesting
BEGIN;
CREATE TABLE fresh (id bigint);
COMMIT;

-- case: BEGIN and COMMIT in a non-transactional revision
-- transactional: false
-- expect: none
BEGIN;
CREATE TABLE IF NOT EXISTS fresh (id bigint);
COMMIT;

-- case: BEGIN without COMMIT
-- transactional: false
-- expect: ban-uncommitted-transaction
BEGIN;
CREATE TABLE IF NOT EXISTS fresh (id bigint);

-- case: START TRANSACTION and ROLLBACK in a transactional revision
-- expect: transaction-nesting, transaction-nesting
START TRANSACTION;
ROLLBACK;

-- case: SAVEPOINT is fine
-- expect: none
SAVEPOINT before_change;
RELEASE SAVEPOINT before_change;

-- case: ACCESS EXCLUSIVE without lock_timeout when pgrevise sets none
-- runner_lock_timeout: false
-- expect: require-lock-timeout
ALTER TABLE t ADD COLUMN note text;

-- case: ACCESS EXCLUSIVE after SET lock_timeout
-- runner_lock_timeout: false
-- expect: none
SET lock_timeout = '5s';
ALTER TABLE t ADD COLUMN note text;

-- case: SET LOCAL lock_timeout counts
-- runner_lock_timeout: false
-- expect: none
SET LOCAL lock_timeout TO 2000;
ALTER TABLE t ADD COLUMN note text;

-- case: lock_timeout turned off again
-- runner_lock_timeout: false
-- expect: require-lock-timeout, ban-drop-table
SET lock_timeout = '5s';
SET lock_timeout = 0;
DROP TABLE IF EXISTS t_old CASCADE;

-- case: lock_timeout reset
-- runner_lock_timeout: false
-- expect: require-lock-timeout
SET lock_timeout = '5s';
RESET lock_timeout;
TRUNCATE t;

-- case: SHARE lock does not need a lock_timeout under this rule
-- runner_lock_timeout: false
-- expect: require-concurrent-index-creation
CREATE INDEX i ON t (a);

-- case: a new table needs no lock_timeout
-- runner_lock_timeout: false
-- expect: none
CREATE TABLE fresh (id bigint);
ALTER TABLE fresh ADD COLUMN note text;

-- case: statement timeout rule, turned on
-- enable: require-statement-timeout
-- expect: require-statement-timeout
ALTER TABLE t ADD COLUMN note text;

-- case: statement timeout set first
-- enable: require-statement-timeout
-- expect: none
SET statement_timeout = '1min';
ALTER TABLE t ADD COLUMN note text;

-- case: both timeouts, turned on
-- enable: require-timeout-settings
-- expect: require-timeout-settings
SET lock_timeout = '5s';
ALTER TABLE t ADD COLUMN note text;

-- case: both timeouts set
-- enable: require-timeout-settings
-- expect: none
SET lock_timeout = '5s';
SET statement_timeout = '1min';
ALTER TABLE t ADD COLUMN note text;

-- case: enum value added in a transaction on 11
-- version: 11
-- expect: adding-enum-value-in-transaction
ALTER TYPE mood ADD VALUE 'curious' AFTER 'happy';

-- case: enum value added in a transaction on 12
-- version: 12
-- expect: none
ALTER TYPE mood ADD VALUE 'curious' AFTER 'happy';

-- case: enum value added outside a transaction on 11
-- version: 11
-- transactional: false
-- expect: none
ALTER TYPE mood ADD VALUE IF NOT EXISTS 'curious' BEFORE 'sad';

-- case: new enum value used in the same transaction
-- expect: adding-enum-value-in-transaction
ALTER TYPE mood ADD VALUE 'curious' AFTER 'happy';
UPDATE people SET current_mood = 'curious' WHERE id = 1;

-- case: new enum value used in a non-transactional revision
-- transactional: false
-- expect: none
ALTER TYPE mood ADD VALUE IF NOT EXISTS 'curious' AFTER 'happy';
UPDATE people SET current_mood = 'curious' WHERE id = 1;

-- case: enum value without a position
-- expect: require-enum-value-ordering
ALTER TYPE mood ADD VALUE 'curious';

-- case: ALTER SYSTEM in a transaction
-- expect: transaction-mode-mismatch
ALTER SYSTEM SET work_mem = '64MB';

-- case: CREATE DATABASE in a transaction
-- expect: transaction-mode-mismatch
CREATE DATABASE reports;

-- case: a plain query
-- expect: none
-- lock: ROW EXCLUSIVE on t
SELECT 1;
INSERT INTO t SELECT * FROM u;
