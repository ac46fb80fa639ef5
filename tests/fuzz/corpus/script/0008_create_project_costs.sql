-- revision: 0008
-- down_revision: 0007
-- message: add project costs table

-- +upgrade
CREATE TABLE project_costs (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    incurred_on date NOT NULL,
    description text NOT NULL,
    amount numeric(12, 2) NOT NULL,
    billable boolean NOT NULL DEFAULT false,
    CONSTRAINT project_costs_amount_check CHECK (amount >= 0)
);
CREATE INDEX project_costs_project_id_idx ON project_costs (project_id, incurred_on);

-- +downgrade
DROP TABLE project_costs;
