-- revision: 0009
-- down_revision: 0008
-- message: create invoices and invoice lines

-- +upgrade
CREATE TABLE invoices (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id bigint NOT NULL REFERENCES clients (id),
    number text,
    issued_on date,
    due_on date,
    status text NOT NULL DEFAULT 'draft',
    currency char(3) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT invoices_number_key UNIQUE (number),
    CONSTRAINT invoices_status_check CHECK (status IN ('draft', 'issued', 'paid', 'void')),
    CONSTRAINT invoices_due_check CHECK (due_on IS NULL OR due_on >= issued_on)
);
CREATE INDEX invoices_client_id_idx ON invoices (client_id);

CREATE TABLE invoice_lines (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    invoice_id bigint NOT NULL REFERENCES invoices (id) ON DELETE CASCADE,
    position integer NOT NULL,
    description text NOT NULL,
    quantity numeric(10, 2) NOT NULL,
    unit_price numeric(10, 2) NOT NULL,
    time_entry_id bigint REFERENCES time_entries (id) ON DELETE SET NULL,
    project_cost_id bigint REFERENCES project_costs (id) ON DELETE SET NULL,
    CONSTRAINT invoice_lines_position_key UNIQUE (invoice_id, position)
);
CREATE INDEX invoice_lines_time_entry_id_idx ON invoice_lines (time_entry_id);

-- +downgrade
DROP TABLE invoice_lines;
DROP TABLE invoices;
