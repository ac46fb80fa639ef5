
DROP TABLE time_entries;
