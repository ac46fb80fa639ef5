
CREATE VIEW reports.project_profitability AS
SELECT p.id AS project_id,
       p.name,
       coalesce(h.hours, 0) AS hours_logged,
       coalesce(h.hours, 0) * p.hourly_rate AS labour_value,
       coalesce(c.total, 0) AS costs,
       coalesce(i.invoiced, 0) AS invoiced
FROM projects AS p
LEFT JOIN (SELECT project_id, sum(hours) AS hours
           FROM reports.weekly_hours GROUP BY project_id) AS h ON h.project_id = p.id
LEFT JOIN (SELECT project_id, sum(total) AS total
           FROM reports.project_costs_monthly GROUP BY project_id) AS c ON c.project_id = p.id
LEFT JOIN (SELECT t.project_id, sum(l.quantity * l.unit_price) AS invoiced
           FROM invoice_lines AS l
           JOIN invoices AS inv ON inv.id = l.invoice_id AND inv.status IN ('issued', 'paid')
           JOIN time_entries AS te ON te.id = l.time_entry_id
           JOIN tasks AS t ON t.id = te.task_id
           GROUP BY t.project_id) AS i ON i.project_id = p.id;

