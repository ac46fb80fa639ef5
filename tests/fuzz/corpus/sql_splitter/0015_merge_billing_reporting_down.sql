
DROP VIEW reports.project_profitability;
