
DROP VIEW reports.weekly_hours;
DROP SCHEMA reports;
