-- revision: 0016
-- down_revision: 0015
-- message: mark invoiced time entries

-- +upgrade
-- Data migration: entries already billed on an issued or paid invoice get that invoice's date.
ALTER TABLE time_entries ADD COLUMN invoiced_at timestamptz;
UPDATE time_entries AS te
SET invoiced_at = inv.issued_on::timestamptz
FROM invoice_lines AS l
JOIN invoices AS inv ON inv.id = l.invoice_id
WHERE l.time_entry_id = te.id
  AND inv.status IN ('issued', 'paid');
CREATE INDEX time_entries_uninvoiced_idx ON time_entries (task_id) WHERE invoiced_at IS NULL;

-- +downgrade
DROP INDEX time_entries_uninvoiced_idx;
ALTER TABLE time_entries DROP COLUMN invoiced_at;
