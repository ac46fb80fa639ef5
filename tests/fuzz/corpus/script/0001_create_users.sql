-- revision: 0001
-- message: create users

-- +upgrade
-- full_name is the last column on purpose: 0005 replaces it and its downgrade re-adds it at the end,
-- so the table comes back exactly as it was.
CREATE TABLE users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    full_name text NOT NULL
);
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));

-- +downgrade
DROP TABLE users;
