
-- Reads billing's project_costs (0008), hence the dependency across branches.
CREATE VIEW reports.project_costs_monthly AS
SELECT project_id,
       date_trunc('month', incurred_on)::date AS month,
       sum(amount) AS total,
       coalesce(sum(amount) FILTER (WHERE billable), 0) AS billable_total
FROM project_costs
GROUP BY project_id, date_trunc('month', incurred_on)::date;

