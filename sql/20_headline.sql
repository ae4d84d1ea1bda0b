-- The figures analysts ask for, per report.
-- requests received (new + carried over), processed, granted rate (予以公开 / （七）总计),
-- partly granted, refusals by reason group, carried forward, reviews and lawsuits with their
-- correction rates (结果纠正 / decided, decided = 维持 + 纠正 + 其他). Figures come only from
-- tables read whole (`applications_table`/`appeals_table` = 'read'); others leave them null.
-- e.g. SELECT agency, report_year, received, granted_rate FROM report_headline ORDER BY received DESC;
CREATE OR REPLACE VIEW report_headline AS
WITH app AS (
    SELECT sha256,
           max(total) FILTER (row = 'new_received')                    AS new_received,
           max(total) FILTER (row = 'carried_over')                    AS carried_over,
           max(total) FILTER (row = 'total_processed')                 AS processed,
           max(total) FILTER (row = 'granted')                         AS granted,
           max(total) FILTER (row = 'partially_granted')               AS partly_granted,
           sum(total) FILTER (row LIKE 'denied\_%' ESCAPE '\')         AS refused_not_disclosable,  -- 不予公开
           sum(total) FILTER (row LIKE 'unavailable\_%' ESCAPE '\')    AS refused_unavailable,      -- 无法提供
           sum(total) FILTER (row LIKE 'rejected\_%' ESCAPE '\')       AS refused_not_processed,    -- 不予处理
           sum(total) FILTER (row = 'other' OR row LIKE 'other\_%' ESCAPE '\') AS other_outcome,   -- 其他处理
           max(total) FILTER (row = 'carried_forward')                 AS carried_forward
    FROM applications JOIN reports USING (sha256)
    WHERE applications_table = 'read'  -- never figures from a table cut off or misread
    GROUP BY sha256
), app_peals AS (
    SELECT sha256,
           max(total) FILTER (row = 'review')                                   AS reviews,
           max(corrected) FILTER (row = 'review')                               AS reviews_corrected,
           max(upheld + corrected + other) FILTER (row = 'review')              AS reviews_decided,
           sum(total) FILTER (row LIKE 'litigation\_%' ESCAPE '\')              AS lawsuits,
           sum(corrected) FILTER (row LIKE 'litigation\_%' ESCAPE '\')          AS lawsuits_corrected,
           sum(upheld + corrected + other) FILTER (row LIKE 'litigation\_%' ESCAPE '\') AS lawsuits_decided
    FROM appeals JOIN reports USING (sha256)
    WHERE appeals_table = 'read'
    GROUP BY sha256
)
SELECT r.sha256, r.agency, r.agency_normalized, r.agency_key, r.report_year, r.province, r.city, r.county,
       r.division_code, r.level, r.status, r.template, r.applications_table, r.appeals_table,
       a.new_received, a.carried_over, a.new_received + a.carried_over AS received,
       a.processed, a.granted, a.granted / nullif(a.processed, 0) AS granted_rate,
       a.partly_granted, a.refused_not_disclosable, a.refused_unavailable, a.refused_not_processed,
       a.other_outcome, a.carried_forward,
       p.reviews, p.reviews_corrected, p.reviews_decided,
       p.reviews_corrected / nullif(p.reviews_decided, 0) AS review_correction_rate,
       p.lawsuits, p.lawsuits_corrected, p.lawsuits_decided,
       p.lawsuits_corrected / nullif(p.lawsuits_decided, 0) AS lawsuit_correction_rate
FROM reports r
LEFT JOIN app a USING (sha256)
LEFT JOIN app_peals p USING (sha256);

-- One report per agency and year (the best read one when an agency's report arrived twice).
-- agency_key: where the agency sits and its level (and a department's own name), or its
-- normalised name @ its site when that is unknown, so 洪泽区人民政府 and 淮安市洪泽区人民政府 are one
-- agency, and two sites' 区政务服务办 are two.
CREATE OR REPLACE VIEW agency_year AS
SELECT * FROM report_headline
QUALIFY row_number() OVER (PARTITION BY coalesce(agency_key, sha256), report_year  -- an unknown agency is its own
                           ORDER BY status = 'ok' DESC, sha256) = 1;
