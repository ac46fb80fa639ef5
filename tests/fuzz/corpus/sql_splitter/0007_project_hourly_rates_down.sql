
ALTER TABLE projects DROP COLUMN billable, DROP COLUMN hourly_rate;
