
DROP VIEW reports.project_costs_monthly;
