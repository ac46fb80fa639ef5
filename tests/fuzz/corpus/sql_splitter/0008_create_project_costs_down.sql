
DROP TABLE project_costs;
