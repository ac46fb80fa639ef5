-- revision: a1
-- message: create accounts

-- +upgrade
CREATE TABLE accounts (id bigserial PRIMARY KEY, email text NOT NULL UNIQUE);

-- +downgrade
DROP TABLE accounts;
