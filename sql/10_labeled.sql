-- Cells and the wide tables with the report they come from: who, where, which year, status.

-- Long form with the official Chinese labels and units.
-- e.g. SELECT agency, report_year, value FROM cells_labeled WHERE key = 'applications.granted.total';
CREATE OR REPLACE VIEW cells_labeled AS
SELECT r.agency, r.agency_normalized, r.report_year, r.province, r.city, r.county, r.division_code,
       r.level, r.status AS report_status, c.*, d.number, d.row_label, d.col_label
FROM cells c
JOIN reports r USING (sha256)
LEFT JOIN dictionary d ON d.template = c.template AND d.key = c.key;

-- Wide forms: one row per report × official row, one column per column code.
-- e.g. SELECT agency, natural_person, total FROM applications_wide WHERE row = 'new_received';
CREATE OR REPLACE VIEW disclosure_wide AS
SELECT r.agency, r.report_year, r.province, r.city, r.county, r.level, r.status AS report_status, t.*
FROM disclosure t JOIN reports r USING (sha256);
CREATE OR REPLACE VIEW applications_wide AS
SELECT r.agency, r.report_year, r.province, r.city, r.county, r.level, r.status AS report_status, t.*
FROM applications t JOIN reports r USING (sha256);
CREATE OR REPLACE VIEW appeals_wide AS
SELECT r.agency, r.report_year, r.province, r.city, r.county, r.level, r.status AS report_status, t.*
FROM appeals t JOIN reports r USING (sha256);
