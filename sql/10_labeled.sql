-- Cells with their Chinese labels and units, and each report's agency and year beside them.
CREATE OR REPLACE VIEW cells_labeled AS
SELECT r.agency, r.report_year, r.status AS report_status, c.*,
       d.number, d.row_label, d.col_label, d.unit
FROM cells c
JOIN reports r USING (sha256)
LEFT JOIN dictionary d ON d.template = c.template AND d.key = c.key;
