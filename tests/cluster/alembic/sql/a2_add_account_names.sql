-- revision: a2
-- down_revision: a1
-- message: add account names

-- +upgrade
ALTER TABLE accounts ADD COLUMN display_name text NOT NULL DEFAULT '';

-- +downgrade
ALTER TABLE accounts DROP COLUMN display_name;
