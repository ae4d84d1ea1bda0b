-- Data quality: how reports came out, which checks fail most, which agencies' figures break
-- their own identities.
-- e.g. SELECT * FROM quality_checks LIMIT 10;
CREATE OR REPLACE VIEW quality_status AS
SELECT status, count(*) AS documents
FROM (SELECT status FROM reports UNION ALL SELECT 'failed' AS status FROM failures)
GROUP BY status;

CREATE OR REPLACE VIEW quality_checks AS
SELECT kind, rule, name, count(*) AS reports_failing
FROM checks WHERE NOT ok
GROUP BY ALL;

CREATE OR REPLACE VIEW quality_inconsistent AS
SELECT r.agency, r.report_year, r.province, r.level, count(*) AS identities_broken,
       string_agg(c.name || ': ' || c.detail, '; ' ORDER BY c.name) AS details
FROM checks c JOIN reports r USING (sha256)
WHERE NOT c.ok AND c.kind = 'identity'
GROUP BY r.sha256, r.agency, r.report_year, r.province, r.level;
