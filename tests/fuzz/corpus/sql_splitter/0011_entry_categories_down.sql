
ALTER TABLE time_entries DROP COLUMN category;
DROP TABLE entry_categories;
