
ALTER TABLE users ADD COLUMN full_name text;
UPDATE users SET full_name = btrim(first_name || ' ' || last_name);
ALTER TABLE users ALTER COLUMN full_name SET NOT NULL;
ALTER TABLE users DROP COLUMN first_name, DROP COLUMN last_name;
