-- revision: 0007
-- down_revision: 0006
-- message: add hourly rates to projects
-- branch_labels: billing

-- +upgrade
-- Data migration: every existing project starts at its client's default rate.
ALTER TABLE projects ADD COLUMN hourly_rate numeric(10, 2);
UPDATE projects AS p
SET hourly_rate = c.default_hourly_rate
FROM clients AS c
WHERE c.id = p.client_id;
ALTER TABLE projects ALTER COLUMN hourly_rate SET NOT NULL;
ALTER TABLE projects ADD COLUMN billable boolean NOT NULL DEFAULT true;

-- +downgrade
ALTER TABLE projects DROP COLUMN billable, DROP COLUMN hourly_rate;
