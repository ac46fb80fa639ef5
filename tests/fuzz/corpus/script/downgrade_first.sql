-- revision: a
-- +downgrade
SELECT 1;
-- +upgrade
SELECT 2;
