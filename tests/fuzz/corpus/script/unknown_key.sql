-- revision: a
-- colour: blue
-- +upgrade
SELECT 1;
