-- The headline figures summed per region, level and year, with how many reports stand behind
-- each figure, how many of them passed every check, and how many were left out of the sums
-- (`reports_left_out`: their applications or appeals table was cut off, missing or misread).
-- e.g. SELECT * FROM region_year WHERE province = '江苏省' ORDER BY report_year;
CREATE OR REPLACE VIEW region_year AS
SELECT province, city, county, level, report_year,
       count(*)                                   AS reports,
       count(*) FILTER (status = 'ok')            AS reports_all_checks_passed,
       count(*) FILTER (applications_table <> 'read' OR appeals_table <> 'read') AS reports_left_out,
       sum(new_received) AS new_received, sum(carried_over) AS carried_over, sum(received) AS received,
       sum(processed) AS processed, sum(granted) AS granted,
       sum(granted) / nullif(sum(processed), 0)   AS granted_rate,
       sum(partly_granted) AS partly_granted, sum(refused_not_disclosable) AS refused_not_disclosable,
       sum(refused_unavailable) AS refused_unavailable, sum(refused_not_processed) AS refused_not_processed,
       sum(other_outcome) AS other_outcome, sum(carried_forward) AS carried_forward,
       sum(reviews) AS reviews, sum(reviews_corrected) AS reviews_corrected,
       sum(reviews_corrected) / nullif(sum(reviews_decided), 0) AS review_correction_rate,
       sum(lawsuits) AS lawsuits, sum(lawsuits_corrected) AS lawsuits_corrected,
       sum(lawsuits_corrected) / nullif(sum(lawsuits_decided), 0) AS lawsuit_correction_rate
FROM agency_year
GROUP BY province, city, county, level, report_year;

-- The same per province and year (all levels together).
CREATE OR REPLACE VIEW province_year AS
SELECT province, report_year, count(*) AS reports, count(*) FILTER (status = 'ok') AS reports_all_checks_passed,
       count(*) FILTER (applications_table <> 'read' OR appeals_table <> 'read') AS reports_left_out,
       sum(received) AS received, sum(processed) AS processed, sum(granted) AS granted,
       sum(granted) / nullif(sum(processed), 0) AS granted_rate,
       sum(reviews) AS reviews, sum(lawsuits) AS lawsuits
FROM agency_year GROUP BY province, report_year;
