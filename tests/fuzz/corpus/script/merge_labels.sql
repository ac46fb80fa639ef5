-- revision: m1
-- down_revision: a, b
-- branch_labels: x, y
-- depends_on: c
-- transactional: false
-- +upgrade
SELECT 1;
-- +downgrade
SELECT 2;
