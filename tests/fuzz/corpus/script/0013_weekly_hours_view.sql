-- revision: 0013
-- down_revision: 0012
-- message: weekly hours report

-- +upgrade
CREATE SCHEMA reports;
CREATE VIEW reports.weekly_hours AS
SELECT te.user_id,
       t.project_id,
       te.category,
       date_trunc('week', te.started_at) AS week,
       sum(entry_hours(te.started_at, te.ended_at)) AS hours
FROM time_entries AS te
JOIN tasks AS t ON t.id = te.task_id
WHERE te.ended_at IS NOT NULL
GROUP BY te.user_id, t.project_id, te.category, date_trunc('week', te.started_at);

-- +downgrade
DROP VIEW reports.weekly_hours;
DROP SCHEMA reports;
