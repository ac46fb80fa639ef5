-- case: foreign key without NOT VALID
-- expect: adding-foreign-key-constraint, constraint-missing-not-valid
-- lock: SHARE ROW EXCLUSIVE on orders, SHARE ROW EXCLUSIVE on customers, scans
ALTER TABLE orders ADD CONSTRAINT orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id);

-- case: foreign key NOT VALID
-- expect: none
-- lock: SHARE ROW EXCLUSIVE on orders, SHARE ROW EXCLUSIVE on customers
ALTER TABLE orders ADD CONSTRAINT orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;

-- case: validate a constraint
-- expect: none
-- lock: SHARE UPDATE EXCLUSIVE on orders, scans
ALTER TABLE orders VALIDATE CONSTRAINT orders_customer;

-- case: foreign key to a schema-qualified table
-- expect: adding-foreign-key-constraint, constraint-missing-not-valid
-- lock: SHARE ROW EXCLUSIVE on app.orders, SHARE ROW EXCLUSIVE on billing.customers, scans
ALTER TABLE app.orders ADD FOREIGN KEY (customer_id) REFERENCES billing.customers (id);

-- case: column added with REFERENCES
-- expect: adding-foreign-key-constraint
-- lock: ACCESS EXCLUSIVE on orders, SHARE ROW EXCLUSIVE on customers, scans
ALTER TABLE orders ADD COLUMN customer_id bigint REFERENCES customers (id);

-- case: foreign key in a new table
-- expect: none
-- lock: SHARE ROW EXCLUSIVE on customers
CREATE TABLE invoices (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers (id));

-- case: table-level foreign key in a new table
-- expect: none
-- lock: SHARE ROW EXCLUSIVE on customers
CREATE TABLE invoices (id bigint, customer_id bigint, FOREIGN KEY (customer_id) REFERENCES customers (id));

-- case: CHECK without NOT VALID
-- expect: constraint-missing-not-valid
-- lock: ACCESS EXCLUSIVE on t, scans
ALTER TABLE t ADD CONSTRAINT positive CHECK (amount > 0);

-- case: CHECK NOT VALID
-- expect: none
-- lock: ACCESS EXCLUSIVE on t
ALTER TABLE t ADD CONSTRAINT positive CHECK (amount > 0) NOT VALID;

-- case: NOT VALID then VALIDATE then SET NOT NULL skips the scan from 12
-- expect: none
ALTER TABLE t ADD CONSTRAINT owner_not_null CHECK (owner_id IS NOT NULL) NOT VALID;
ALTER TABLE t VALIDATE CONSTRAINT owner_not_null;
ALTER TABLE t ALTER COLUMN owner_id SET NOT NULL;

-- case: the same on 11 still scans
-- version: 11
-- expect: adding-not-nullable-field
ALTER TABLE t ADD CONSTRAINT owner_not_null CHECK (owner_id IS NOT NULL) NOT VALID;
ALTER TABLE t VALIDATE CONSTRAINT owner_not_null;
ALTER TABLE t ALTER COLUMN owner_id SET NOT NULL;

-- case: a CHECK on another column does not help
-- expect: adding-not-nullable-field
ALTER TABLE t ADD CONSTRAINT other_not_null CHECK (other_id IS NOT NULL) NOT VALID;
ALTER TABLE t VALIDATE CONSTRAINT other_not_null;
ALTER TABLE t ALTER COLUMN owner_id SET NOT NULL;

-- case: a CHECK left NOT VALID does not help
-- expect: adding-not-nullable-field
ALTER TABLE t ADD CONSTRAINT owner_not_null CHECK (owner_id IS NOT NULL) NOT VALID;
ALTER TABLE t ALTER COLUMN owner_id SET NOT NULL;

-- case: UNIQUE constraint building its index
-- expect: disallowed-unique-constraint
-- lock: ACCESS EXCLUSIVE on t, scans
ALTER TABLE t ADD CONSTRAINT t_ref UNIQUE (ref);

-- case: UNIQUE constraint using an index built concurrently
-- expect: none
-- lock: ACCESS EXCLUSIVE on t
ALTER TABLE t ADD CONSTRAINT t_ref UNIQUE USING INDEX t_ref_idx;

-- case: column added UNIQUE
-- expect: disallowed-unique-constraint
ALTER TABLE t ADD COLUMN ref text UNIQUE;

-- case: primary key building its index
-- expect: adding-serial-primary-key-field
ALTER TABLE t ADD PRIMARY KEY (id);

-- case: primary key using an index
-- expect: none
ALTER TABLE t ADD CONSTRAINT t_pkey PRIMARY KEY USING INDEX t_id_idx;

-- case: serial primary key column added
-- expect: adding-field-with-default, adding-serial-primary-key-field, prefer-bigint-over-int, prefer-identity
ALTER TABLE t ADD COLUMN id serial PRIMARY KEY;

-- case: drop and re-add the primary key with an index
-- expect: none
ALTER TABLE t DROP CONSTRAINT t_pkey, ADD CONSTRAINT t_pkey PRIMARY KEY USING INDEX t_new_idx;

-- case: exclusion constraint
-- expect: none
-- lock: ACCESS EXCLUSIVE on bookings, scans
ALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);

-- case: constraints on a table created here
-- expect: none
CREATE TABLE fresh (id bigint, ref text);
ALTER TABLE fresh ADD CONSTRAINT fresh_ref UNIQUE (ref);
ALTER TABLE fresh ADD CONSTRAINT fresh_pos CHECK (id > 0);

-- case: domain with a CHECK
-- expect: ban-create-domain-with-constraint
CREATE DOMAIN positive_int AS bigint CHECK (VALUE > 0);

-- case: domain without constraints
-- expect: none
CREATE DOMAIN label AS text;

-- case: domain NOT NULL only
-- expect: none
CREATE DOMAIN label AS text NOT NULL;

-- case: ALTER DOMAIN ADD CONSTRAINT
-- expect: ban-alter-domain-with-add-constraint
ALTER DOMAIN positive_int ADD CONSTRAINT positive CHECK (VALUE > 0);

-- case: ALTER DOMAIN other forms
-- expect: none
ALTER DOMAIN positive_int DROP CONSTRAINT positive;

-- case: disable a trigger
-- expect: none
-- lock: SHARE ROW EXCLUSIVE on t
ALTER TABLE t DISABLE TRIGGER audit;
