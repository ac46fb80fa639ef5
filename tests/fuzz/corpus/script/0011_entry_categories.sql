-- revision: 0011
-- down_revision: 0006
-- message: categorise time entries
-- branch_labels: reporting

-- +upgrade
-- Reference data plus a backfill: existing entries become 'dev'.
CREATE TABLE entry_categories (
    code text PRIMARY KEY,
    label text NOT NULL,
    billable_by_default boolean NOT NULL
);
INSERT INTO entry_categories (code, label, billable_by_default) VALUES
    ('dev', 'Development', true),
    ('meeting', 'Meetings; calls', true),
    ('support', 'Support', true),
    ('admin', 'Administration -- internal', false);

ALTER TABLE time_entries ADD COLUMN category text REFERENCES entry_categories (code);
UPDATE time_entries SET category = 'dev' WHERE category IS NULL;
ALTER TABLE time_entries ALTER COLUMN category SET DEFAULT 'dev', ALTER COLUMN category SET NOT NULL;

-- +downgrade
ALTER TABLE time_entries DROP COLUMN category;
DROP TABLE entry_categories;
