
-- Data migration: the first word becomes first_name, the rest (possibly empty) last_name.
ALTER TABLE users ADD COLUMN first_name text, ADD COLUMN last_name text NOT NULL DEFAULT '';
UPDATE users
SET first_name = split_part(btrim(full_name), ' ', 1),
    last_name = btrim(substr(btrim(full_name), length(split_part(btrim(full_name), ' ', 1)) + 1));
ALTER TABLE users ALTER COLUMN first_name SET NOT NULL;
ALTER TABLE users DROP COLUMN full_name;

