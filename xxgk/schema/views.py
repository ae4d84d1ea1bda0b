"""The analysts' views of the DuckDB file (`sql/*.sql`): what each view is, what each column
holds.

The DuckDB file carries these as comments (`COMMENT ON VIEW`, `COMMENT ON COLUMN`), beside the
datasets' own descriptions from `xxgk.schema.datasets`. A column a view passes through from a
dataset takes that dataset's description word for word, so the two cannot disagree; only what
a view computes is described here. Every column of every view is listed, in the view's order
(`tests/test_database.py` holds the views to it).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from xxgk.schema import TABLES
from xxgk.schema.datasets import datasets


@dataclass(frozen=True)
class View:
    name: str
    description: str
    columns: dict[str, str]   # column → description, in the view's order


def _from(dataset: str, *names: str) -> dict[str, str]:
    """Columns passed through from a dataset, with the dataset's descriptions."""
    d = datasets()[dataset]
    return {n: d.column(n).description for n in names}


def _all(dataset: str) -> dict[str, str]:
    return {c.name: c.description for c in datasets()[dataset].columns}


REPORT_STATUS = {"report_status": "The report's `status` (from `reports`): "
                                  + datasets()["reports"].column("status").description}
APPS_READ = " Null unless the applications table was read whole (`applications_table` = 'read')."
APPEALS_READ = " Null unless the appeals table was read whole (`appeals_table` = 'read')."

# What report_headline computes, per report. The regional views sum these.
HEADLINE = {
    "new_received": "Requests newly received in the year (本年新收政府信息公开申请数量: applications row "
                    "new_received, column total)." + APPS_READ,
    "carried_over": "Requests carried over from the year before (上年结转政府信息公开申请数量: row carried_over)."
                    + APPS_READ,
    "received": "Every request the agency had to handle in the year: new_received + carried_over." + APPS_READ,
    "processed": "Requests processed in the year (（七）总计: row total_processed)." + APPS_READ,
    "granted": "Requests granted in full (（一）予以公开: row granted)." + APPS_READ,
    "granted_rate": "granted / processed (null when processed is 0 or unknown).",
    "partly_granted": "Requests partly granted (（二）部分公开: row partially_granted)." + APPS_READ,
    "refused_not_disclosable": "Requests refused as not disclosable (（三）不予公开: the eight denied_* rows "
                               "summed)." + APPS_READ,
    "refused_unavailable": "Requests the agency could not answer (（四）无法提供: the unavailable_* rows summed)."
                           + APPS_READ,
    "refused_not_processed": "Requests not processed (（五）不予处理: the rejected_* rows summed)." + APPS_READ,
    "other_outcome": "Requests otherwise handled (（六）其他处理: row other, or the other_* rows of the 2021 form, "
                     "summed)." + APPS_READ,
    "carried_forward": "Requests carried forward to the next year (结转下年度继续办理: row carried_forward)."
                       + APPS_READ,
    "reviews": "Administrative reviews of the agency's disclosure decisions (行政复议, 总计)." + APPEALS_READ,
    "reviews_corrected": "Reviews whose result corrected the agency (行政复议 结果纠正)." + APPEALS_READ,
    "reviews_decided": "Reviews decided: upheld + corrected + other (结果维持 + 结果纠正 + 其他结果), what the "
                       "correction rate divides by; pending cases are not decided." + APPEALS_READ,
    "review_correction_rate": "reviews_corrected / reviews_decided (null when none was decided).",
    "lawsuits": "Administrative lawsuits over the agency's disclosure decisions (行政诉讼, 总计), brought directly "
                "and after a review together." + APPEALS_READ,
    "lawsuits_corrected": "Lawsuits whose result corrected the agency (行政诉讼 结果纠正), both kinds together."
                          + APPEALS_READ,
    "lawsuits_decided": "Lawsuits decided: upheld + corrected + other, both kinds together; what the correction "
                        "rate divides by." + APPEALS_READ,
    "lawsuit_correction_rate": "lawsuits_corrected / lawsuits_decided (null when none was decided).",
}
RATES = {"granted_rate": ("granted", "processed"), "review_correction_rate": ("reviews_corrected", "reviews_decided"),
         "lawsuit_correction_rate": ("lawsuits_corrected", "lawsuits_decided")}


def _headline(*names: str) -> dict[str, str]:
    return {n: HEADLINE[n] for n in names}


def _summed(*names: str) -> dict[str, str]:
    """report_headline's figures summed over the reports of a row (one per agency and year)."""
    out = {}
    for n in names:
        if n in RATES:
            num, den = RATES[n]
            out[n] = (f"sum({num}) / sum({den}) over the row's reports: the rate of the sums, not a mean of "
                      "the reports' rates (null when the denominator is 0 or unknown).")
        else:
            what = HEADLINE[n].removesuffix(APPS_READ).removesuffix(APPEALS_READ)
            out[n] = f"Sum of `{n}` (report_headline) over the row's reports whose table was read whole: {what}"
    return out


GROUP_COUNTS = {
    "reports": "Reports behind the row's figures: one per agency and year (agency_year).",
    "reports_all_checks_passed": "Of those, the reports with status `ok`: every table read, every check passed.",
    "reports_left_out": "Of those, the reports whose applications or appeals table was cut off, missing or "
                        "misread: their figures are left out of the sums (null in report_headline), so the sums "
                        "cover fewer reports than `reports`.",
}
REPORT_PLACE = ("agency", "agency_normalized", "agency_key", "report_year", "province", "city", "county",
                "division_code", "level")
HEADLINE_FIGURES = tuple(HEADLINE)
WIDE_PLACE = ("agency", "report_year", "province", "city", "county", "level")
YOY = {
    "previous_year": "The year compared with: report_year - 1 (a row only where the agency has a report for both).",
    "received_change": "received this year minus the year before.",
    "new_received_change": "new_received this year minus the year before.",
    "processed_change": "processed this year minus the year before.",
    "granted_change": "granted this year minus the year before.",
    "granted_rate_change": "granted_rate this year minus the year before (a difference of rates, in points of 1).",
    "reviews_change": "reviews this year minus the year before.",
    "lawsuits_change": "lawsuits this year minus the year before.",
    "carried_over": "This year's 上年结转 (carried_over): the requests this year's report says came over from last "
                    "year.",
    "previous_carried_forward": "Last year's 结转下年度 (carried_forward): the requests last year's report says "
                                "it passed on.",
    "carry_over_consistent": "carried_over = previous_carried_forward: the two reports agree (null when either "
                             "figure is unknown).",
}


def _views() -> tuple[View, ...]:
    headline_columns = {**_from("reports", "sha256", *REPORT_PLACE, "status", "template", "applications_table",
                                "appeals_table"), **_headline(*HEADLINE_FIGURES)}
    wide = tuple(View(f"{t}_wide", f"The `{t}` dataset with the report each row comes from: "
                      f"{datasets()[t].description} Agency, place, year and the report's status added from "
                      "`reports`.",
                      {**_from("reports", *WIDE_PLACE), **REPORT_STATUS, **_all(t)}) for t in TABLES)
    return (
        View("cells_labeled", "Long form, every cell of every report, with the official Chinese labels and units "
             "(`dictionary`) and the report's agency, place, year and status (`reports`). "
             "e.g. SELECT agency, report_year, value FROM cells_labeled WHERE key = 'applications.granted.total'.",
             {**_from("reports", "agency", "agency_normalized", "report_year", "province", "city", "county",
                      "division_code", "level"), **REPORT_STATUS, **_all("cells"),
              **_from("dictionary", "number", "row_label", "col_label")}),
        *wide,
        View("report_headline", "The figures analysts ask for, one row per report: requests received, processed, "
             "granted and the granted rate, partly granted, refusals by group, carried forward, reviews and "
             "lawsuits with their correction rates. Figures come only from tables read whole; a table cut off, "
             "missing or misread leaves its figures null.", headline_columns),
        View("agency_year", "report_headline with one report per agency and year (`agency_key`): when an agency's "
             "report arrived twice, the one with status `ok`, else the first by sha256. The views that sum "
             "figures (region_year, province_year, level_year, agency_yoy) read this one.", headline_columns),
        View("region_year", "The headline figures summed per province, city, county, level and year (a city's own "
             "agencies, not its districts'), with the number of reports behind each row, how many passed every "
             "check and how many were left out of the sums.",
             {**_from("reports", "province", "city", "county", "level", "report_year"), **GROUP_COUNTS,
              **_summed("new_received", "carried_over", "received", "processed", "granted", "granted_rate",
                        "partly_granted", "refused_not_disclosable", "refused_unavailable", "refused_not_processed",
                        "other_outcome", "carried_forward", "reviews", "reviews_corrected", "review_correction_rate",
                        "lawsuits", "lawsuits_corrected", "lawsuit_correction_rate")}),
        View("province_year", "The headline figures summed per province and year, every level together, with the "
             "number of reports behind each row.",
             {**_from("reports", "province", "report_year"), **GROUP_COUNTS,
              **_summed("received", "processed", "granted", "granted_rate", "reviews", "lawsuits")}),
        View("agency_yoy", "Year over year per agency (agency_year against itself a year before): the change in "
             "each headline figure, and the carry-over check, this year's 上年结转 against last year's 结转下年度.",
             {**_from("reports", "agency_key", "agency", "province", "city", "county", "level", "report_year"),
              **YOY}),
        View("quality_status", "Documents by status: ok and warning (in `reports`) and failed (in `failures`).",
             {"status": "ok, warning or failed (every input that did not become a report, from `failures`).",
              "documents": "How many documents have that status."}),
        View("quality_checks", "The checks that fail most: failed checks counted by kind, rule and name.",
             {**_from("checks", "kind", "rule", "name"),
              "reports_failing": "How many reports fail this check."}),
        View("quality_inconsistent", "Reports whose figures break their own identities (failed checks of kind "
             "identity), one row per report.",
             {**_from("reports", "agency", "report_year", "province", "level"),
              "identities_broken": "How many of the report's identity checks failed.",
              "details": "Each failed identity as `name: detail` (the numbers that do not add up), joined by '; '."}),
        View("level_year", "The headline figures per administrative level and year: every agency of one level "
             "together (all county governments, all city departments...), never a city with its districts; one "
             "report per agency and year (agency_year). `xxgk report` draws its charts from this view.",
             {**_from("reports", "level", "report_year"), **GROUP_COUNTS,
              "applications_left_out": "Of the reports, those whose applications table was cut off, missing or "
                                       "misread: their request figures are not in the sums.",
              "appeals_left_out": "Of the reports, those whose appeals table was cut off, missing or misread: their "
                                  "review and lawsuit figures are not in the sums.",
              **_summed("new_received", "carried_over", "received", "processed", "granted", "granted_rate",
                        "partly_granted", "refused_not_disclosable", "refused_unavailable", "refused_not_processed",
                        "other_outcome", "carried_forward", "reviews", "reviews_corrected", "reviews_decided",
                        "review_correction_rate", "lawsuits", "lawsuits_corrected", "lawsuits_decided",
                        "lawsuit_correction_rate")}),
    )


@cache
def views() -> dict[str, View]:
    """Every analyst view of `sql/*.sql` by name (the dataset views are `datasets()`)."""
    return {v.name: v for v in _views()}


def descriptions() -> dict[str, tuple[str, dict[str, str]]]:
    """Every relation of the DuckDB file by name: (its description, column → description). The
    datasets' tables (schema `release`) and their views of the same name share an entry."""
    out = {d.name: (d.description, {c.name: c.description for c in d.columns}) for d in datasets().values()}
    out.update({v.name: (v.description, dict(v.columns)) for v in views().values()})
    return out
