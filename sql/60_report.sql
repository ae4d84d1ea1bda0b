-- The headline figures per administrative level and year: every agency of one level together
-- (all county governments, all city departments...), never a city with its districts. One
-- report per agency and year (agency_year). `reports` stand behind each figure; a report whose
-- applications table (`applications_left_out`) or appeals table (`appeals_left_out`) was cut
-- off, missing or misread is counted there and its figures are not in the sums;
-- `reports_left_out` counts either, as in region_year. The `*_decided` columns are the cases
-- the correction rates divide by. `xxgk report` draws its charts from this view.
-- e.g. SELECT level, report_year, reports, applications_left_out, received, granted_rate FROM level_year;
CREATE OR REPLACE VIEW level_year AS
SELECT level, report_year,
       count(*)                                   AS reports,
       count(*) FILTER (status = 'ok')            AS reports_all_checks_passed,
       count(*) FILTER (applications_table <> 'read' OR appeals_table <> 'read') AS reports_left_out,
       count(*) FILTER (applications_table IS DISTINCT FROM 'read') AS applications_left_out,
       count(*) FILTER (appeals_table IS DISTINCT FROM 'read')      AS appeals_left_out,
       sum(new_received) AS new_received, sum(carried_over) AS carried_over, sum(received) AS received,
       sum(processed) AS processed, sum(granted) AS granted,
       sum(granted) / nullif(sum(processed), 0)   AS granted_rate,
       sum(partly_granted) AS partly_granted, sum(refused_not_disclosable) AS refused_not_disclosable,
       sum(refused_unavailable) AS refused_unavailable, sum(refused_not_processed) AS refused_not_processed,
       sum(other_outcome) AS other_outcome, sum(carried_forward) AS carried_forward,
       sum(reviews) AS reviews, sum(reviews_corrected) AS reviews_corrected, sum(reviews_decided) AS reviews_decided,
       sum(reviews_corrected) / nullif(sum(reviews_decided), 0) AS review_correction_rate,
       sum(lawsuits) AS lawsuits, sum(lawsuits_corrected) AS lawsuits_corrected,
       sum(lawsuits_decided) AS lawsuits_decided,
       sum(lawsuits_corrected) / nullif(sum(lawsuits_decided), 0) AS lawsuit_correction_rate
FROM agency_year
GROUP BY level, report_year;
