-- Year over year per agency: the change in each headline figure, and the carry-over check:
-- this year's 上年结转 (carried_over) must equal last year's 结转下年度 (carried_forward).
-- e.g. SELECT agency, report_year, received_change, carry_over_consistent FROM agency_yoy;
CREATE OR REPLACE VIEW agency_yoy AS
SELECT cur.agency_key, cur.agency, cur.province, cur.city, cur.county, cur.level,
       cur.report_year, prev.report_year AS previous_year,
       cur.received - prev.received           AS received_change,
       cur.new_received - prev.new_received   AS new_received_change,
       cur.processed - prev.processed         AS processed_change,
       cur.granted - prev.granted             AS granted_change,
       cur.granted_rate - prev.granted_rate   AS granted_rate_change,
       cur.reviews - prev.reviews             AS reviews_change,
       cur.lawsuits - prev.lawsuits           AS lawsuits_change,
       cur.carried_over                       AS carried_over,
       prev.carried_forward                   AS previous_carried_forward,
       cur.carried_over = prev.carried_forward AS carry_over_consistent
FROM agency_year cur
JOIN agency_year prev ON prev.agency_key = cur.agency_key AND prev.report_year = cur.report_year - 1;
