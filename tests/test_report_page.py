"""`xxgk report` does not mislead: its figures are the views' figures, one report per agency and
year, per administrative level (a city's own report never summed with its districts'), each
with the number of reports behind it and left out, on a continuous year axis with gaps, and the
checks named in Chinese. The page carries its figures as JSON (`id="xxgk-data"`: each section's
rows and each chart's plotly traces); they are compared here with `xxgk query` answers.

The corpus: the bundled samples (淮安市人民政府 2024, a city, and 淮安市洪泽区人民政府 2023/2024, one
of its districts; 2021 and 2022 without any report), plus 卧龙区's report received twice, a copy
for 宛城区 cut inside its appeals table and one for 镇平县 cut inside its applications table.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from conftest import CORPUS, SAMPLES, make_inbox
from xxgk.flows.run import run_flow
from xxgk.schema.checks import CHECK_KINDS, CHECK_RULES
from xxgk.transform.report_page import LEVELS, MIN_PROCESSED

pytestmark = pytest.mark.slow  # Prefect and the whole pipeline, then Chromium

XXGK = Path(sys.executable).with_name("xxgk")
YEARS = list(range(2020, 2026))
HAN = re.compile(r"[\u4e00-\u9fff]")


def xq(data: Path, sql: str) -> list[dict]:
    """`xxgk query --json` on the published database: the answer an analyst gets."""
    p = subprocess.run([str(XXGK), "query", "--data", str(data), "--json", sql], capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("report_page")
    inbox = make_inbox(root / "in", {p.name: p for p in SAMPLES})
    text = (CORPUS / "dev" / "seed_003.txt").read_text(encoding="utf-8")  # 卧龙区人民政府 2020
    lines = text.splitlines(keepends=True)
    (inbox / "seed_003_again.txt").write_text(text + "\n", encoding="utf-8")  # the same report, other bytes
    (inbox / "wancheng_appeals_cut.txt").write_text("".join(lines[:380]).replace("卧龙", "宛城"), encoding="utf-8")
    (inbox / "zhenping_applications_cut.txt").write_text("".join(lines[:280]).replace("卧龙区", "镇平县"),
                                                         encoding="utf-8")
    run_flow(str(inbox), None, str(root / "data"), runner="thread")
    return root / "data"


@pytest.fixture(scope="module")
def page(data, tmp_path_factory):
    """`xxgk report --data DATA`, run from a folder that has a ./data of its own to be tempted by."""
    cwd = tmp_path_factory.mktemp("elsewhere")
    p = subprocess.run([str(XXGK), "report", "--data", str(data)], cwd=cwd, capture_output=True, text=True,
                       timeout=300)
    assert p.returncode == 0, p.stderr
    text = (data / "processed" / "report.html").read_text(encoding="utf-8")
    (block,) = re.findall(r'<script type="application/json" id="xxgk-data">(.*?)</script>', text, re.S)
    return SimpleNamespace(stdout=p.stdout, cwd=cwd, html=text, data=json.loads(block))


def section(page, key) -> dict:
    return page.data["sections"][key]


def traces(page, key, i=0) -> list[dict]:
    return page.data["charts"][section(page, key)["charts"][i]]["data"]


def by_level_name() -> dict:
    return {name: code for code, name in LEVELS.items()}


def test_the_corpus_holds_what_the_page_must_handle(data):
    assert xq(data, "SELECT count(*) AS n FROM reports WHERE agency = '卧龙区人民政府'") == [{"n": 2}]
    assert xq(data, "SELECT count(*) AS n FROM agency_year WHERE agency = '卧龙区人民政府'") == [{"n": 1}]
    assert xq(data, """SELECT agency, applications_table, appeals_table FROM agency_year
                       WHERE agency IN ('宛城区人民政府', '镇平县人民政府') ORDER BY agency""") == [
        {"agency": "宛城区人民政府", "applications_table": "read", "appeals_table": "cut"},
        {"agency": "镇平县人民政府", "applications_table": "cut", "appeals_table": "missing"}]
    assert xq(data, """SELECT level, received FROM agency_year WHERE city = '淮安市' AND report_year = 2024
                       ORDER BY level""") == [{"level": "city", "received": 3153}, {"level": "county", "received": 95}]


def test_the_page_goes_under_the_data_folder(data, page):
    assert page.stdout.strip() == str(data / "processed" / "report.html")
    assert not (page.cwd / "data").exists()  # not ./data of wherever it ran


def test_the_page_is_self_contained(page):
    from plotly.offline import get_plotlyjs

    assert get_plotlyjs() in page.html  # plotly.js inlined: the page opens offline
    rest = page.html.replace(get_plotlyjs(), "")
    assert not re.search(r"<(script|link|img)\b[^>]*\b(src|href)=", rest)  # and loads nothing else


def test_figures_per_level_and_year_are_the_views(data, page):
    """Per level and year, the figures, the reports behind them and those left out equal the
    region view summed over the places of one level (never across levels)."""
    rows = {(r["level"], r["report_year"]): r for r in section(page, "requests")["rows"]}
    views = xq(data, """SELECT level, report_year, sum(reports) AS reports, sum(reports_left_out) AS reports_left_out,
                               sum(reports_all_checks_passed) AS reports_all_checks_passed,
                               sum(received) AS received, sum(processed) AS processed, sum(granted) AS granted,
                               sum(partly_granted) AS partly_granted,
                               sum(refused_not_disclosable) AS refused_not_disclosable,
                               sum(refused_unavailable) AS refused_unavailable,
                               sum(refused_not_processed) AS refused_not_processed,
                               sum(other_outcome) AS other_outcome, sum(carried_forward) AS carried_forward,
                               sum(reviews) AS reviews, sum(lawsuits) AS lawsuits
                        FROM region_year GROUP BY ALL""")
    assert set(rows) == {(v["level"], v["report_year"]) for v in views}
    for v in views:
        row = rows[v["level"], v["report_year"]]
        assert {k: row[k] for k in v} == pytest.approx(v), (v["level"], v["report_year"])
    left = xq(data, """SELECT level, report_year,
                              count(*) FILTER (applications_table <> 'read') AS applications_left_out,
                              count(*) FILTER (appeals_table <> 'read') AS appeals_left_out
                       FROM agency_year GROUP BY ALL""")
    for v in left:
        row = rows[v["level"], v["report_year"]]
        assert (row["applications_left_out"], row["appeals_left_out"]) == (v["applications_left_out"],
                                                                            v["appeals_left_out"])
    # the city and its district stay apart; their sum (3153 + 95) is nowhere
    assert (rows["city", 2024]["received"], rows["county", 2024]["received"]) == (3153, 95)
    assert 3248 not in {r["received"] for r in rows.values()}
    # 卧龙区 once, 宛城区 summed but for its cut appeals table, 镇平县 left out of the applications sums
    county = rows["county", 2020]
    assert (county["reports"], county["applications_left_out"], county["appeals_left_out"],
            county["reports_left_out"], county["received"], county["reviews"]) == (3, 1, 2, 2, 56 + 56, 9)
    assert "县级政府：6 份报告（1 份未计入）" in json.dumps(page.data["charts"], ensure_ascii=False)


def test_the_charts_draw_those_figures_on_continuous_years(page):
    assert page.data["years"] == YEARS
    assert page.data["summary"]["years_without_reports"] == [2021, 2022]
    rows = {(r["level"], r["report_year"]): r for r in section(page, "requests")["rows"]}
    codes = by_level_name()
    lines = [t for t in traces(page, "requests") if t["type"] == "scatter"]
    assert {codes[t["customdata"][0][0]] for t in lines} == {lv for lv, _ in rows}
    for t in lines:
        level = codes[t["customdata"][0][0]]
        assert t["x"] == YEARS and t["connectgaps"] is False
        assert t["y"] == [rows[level, y]["received"] if (level, y) in rows else None for y in YEARS]
        assert [c[1] for c in t["customdata"]] == [rows[level, y]["reports"] if (level, y) in rows else 0
                                                   for y in YEARS]
    for t in traces(page, "requests"):
        if t["name"] == "予以公开":
            level = codes[t["customdata"][0][0]]
            assert t["y"] == [rows[level, y]["granted"] if (level, y) in rows else None for y in YEARS]
    county = next(t for t in lines if t["customdata"][0][0] == "县级政府")
    assert county["y"][:4] == [112, None, None, 21]  # 2021 and 2022: a gap, not a line across it


def test_provinces_per_level(data, page):
    rows = {(r["province"], r["level"], r["report_year"]): r for r in section(page, "provinces")["rows"]}
    views = xq(data, """SELECT province, level, report_year, sum(reports) AS reports, sum(received) AS received,
                               sum(processed) AS processed, sum(granted) AS granted
                        FROM region_year GROUP BY ALL""")
    assert set(rows) == {(v["province"], v["level"], v["report_year"]) for v in views}
    for v in views:
        row = rows[v["province"], v["level"], v["report_year"]]
        assert {k: row[k] for k in v} == pytest.approx(v)
    assert rows["江苏省", "city", 2024]["received"] == 3153 and rows["江苏省", "county", 2024]["received"] == 95
    codes = by_level_name()
    for t in traces(page, "provinces"):
        level = codes[t["customdata"][0][0]]
        province = None if t["name"] == "（省份不明）" else t["name"]
        assert t["x"] == YEARS and t["connectgaps"] is False
        assert t["y"] == [rows[province, level, y]["received"] if (province, level, y) in rows else None
                          for y in YEARS]


def test_refusals_count_one_report_per_agency_and_year(data, page):
    """The refusal chart sums the same reports as the others: its totals per level are the
    region view's refusals, not every document's (卧龙区 arrived twice)."""
    rows = section(page, "refusals")["rows"]
    mine: dict = {}
    for r in rows:
        mine[r["level"]] = mine.get(r["level"], 0) + r["n"]
    views = xq(data, """SELECT level, sum(coalesce(refused_not_disclosable, 0) + coalesce(refused_unavailable, 0)
                                   + coalesce(refused_not_processed, 0)) AS n
                        FROM region_year GROUP BY level""")
    assert mine == {v["level"]: pytest.approx(v["n"]) for v in views}
    cells = xq(data, """SELECT level, row, sum(total) AS n FROM applications_wide
                        WHERE sha256 IN (SELECT sha256 FROM agency_year WHERE applications_table = 'read')
                          AND (row LIKE 'denied%' OR row LIKE 'unavailable%' OR row LIKE 'rejected%')
                        GROUP BY ALL""")
    assert {(r["level"], r["row"]): r["n"] for r in rows} == {(c["level"], c["row"]): c["n"] for c in cells}
    (every_document,) = xq(data, """SELECT sum(total) AS n FROM applications_wide WHERE level = 'county'
                                    AND (row LIKE 'denied%' OR row LIKE 'unavailable%' OR row LIKE 'rejected%')""")
    assert every_document["n"] > mine["county"]  # what the old chart counted
    (heat,) = traces(page, "refusals")
    assert "县级政府<br>6 份报告<br>1 份未计入" in heat["x"]
    assert all(HAN.search(label) for label in heat["y"])  # the official row labels


def test_granted_rate_histogram(data, page):
    counts = xq(data, f"""SELECT level, least(floor(granted * 20 / processed), 19)::int AS bin, count(*) AS n
                          FROM agency_year WHERE applications_table = 'read' AND processed >= {MIN_PROCESSED}
                            AND granted BETWEEN 0 AND processed
                          GROUP BY ALL""")
    codes = by_level_name()
    drawn = {(codes[t["name"]], i): n for t in traces(page, "granted_rates") for i, n in enumerate(t["y"]) if n}
    assert drawn == {(c["level"], c["bin"]): c["n"] for c in counts}
    assert len(section(page, "granted_rates")["rows"]) == sum(c["n"] for c in counts)
    title = page.data["charts"][section(page, "granted_rates")["charts"][0]]["layout"]["title"]["text"]
    assert f"{sum(c['n'] for c in counts)} 份报告" in title and f"办理 ≥ {MIN_PROCESSED} 件" in title


def test_applicant_types(data, page):
    views = xq(data, """SELECT level, sum(natural_person) AS natural_person, sum(commercial) AS commercial,
                               sum(research) AS research, sum(social_welfare) AS social_welfare,
                               sum(legal_service) AS legal_service, sum(other_org) AS other_org, sum(total) AS total
                        FROM applications_wide WHERE row = 'new_received'
                          AND sha256 IN (SELECT sha256 FROM agency_year WHERE applications_table = 'read')
                        GROUP BY level""")
    rows = {r["level"]: r for r in section(page, "applicants")["rows"]}
    for v in views:
        assert {k: rows[v["level"]][k] for k in v} == pytest.approx(v)
    reports = xq(data, """SELECT level, count(*) AS reports,
                                 count(*) FILTER (applications_table <> 'read') AS applications_left_out
                          FROM agency_year GROUP BY level""")
    assert {r["level"]: (r["reports"], r["applications_left_out"]) for r in rows.values()} == {
        r["level"]: (r["reports"], r["applications_left_out"]) for r in reports}
    shares = [t["x"] for t in traces(page, "applicants")]
    for i in range(len(rows)):  # each level's bar is its own 100 %
        assert sum(s[i] or 0 for s in shares) == pytest.approx(1)


def test_correction_rates(data, page):
    views = xq(data, """SELECT level, report_year, sum(reviews_corrected) AS reviews_corrected,
                               sum(reviews_decided) AS reviews_decided,
                               sum(reviews_corrected) / nullif(sum(reviews_decided), 0) AS review_correction_rate,
                               sum(lawsuits_corrected) / nullif(sum(lawsuits_decided), 0) AS lawsuit_correction_rate
                        FROM agency_year GROUP BY ALL""")
    rows = {(r["level"], r["report_year"]): r for r in section(page, "corrections")["rows"]}
    for v in views:
        assert {k: rows[v["level"], v["report_year"]][k] for k in v} == pytest.approx(v)
    codes = by_level_name()
    review, lawsuit = [], []
    for t in traces(page, "corrections"):
        (review if t["xaxis"] == "x" else lawsuit).append(t)
    for key, drawn in (("review_correction_rate", review), ("lawsuit_correction_rate", lawsuit)):
        for t in drawn:
            level = codes[t["name"]]
            assert t["x"] == YEARS and t["connectgaps"] is False
            assert t["y"] == pytest.approx([rows[level, y][key] if (level, y) in rows else None for y in YEARS])
    assert rows["city", 2024]["review_correction_rate"] == pytest.approx(64 / 314)


def test_an_agency_over_the_years(page):
    rows = section(page, "trend")["rows"]
    assert [(r["agency_key"], r["report_year"], r["received"]) for r in rows] == [
        ("320813/county", 2023, 21), ("320813/county", 2024, 95)]  # 洪泽区, under both its names
    received, rate = traces(page, "trend")
    assert received["x"] == YEARS and received["y"] == [None, None, None, 21, 95, None]
    assert received["connectgaps"] is False and rate["y"][3:5] == pytest.approx([0, 50 / 95])


def test_checks_are_named_in_chinese(data, page):
    for rule in ("row_sum", "outcomes_sum", "balance", "appeal_sum", "short_row", "rows", "stray", "label", "row",
                 "conflict", "other_split", "table", "section", "cut", "unit", "template", "report_year",
                 "template_year", "inferred"):
        assert HAN.search(CHECK_RULES[rule]), rule
    for kind in ("identity", "inferred", "layout", "unit", "metadata"):
        assert HAN.search(CHECK_KINDS[kind]), kind
    views = xq(data, """SELECT c.kind, c.rule, count(DISTINCT c.sha256) AS reports
                        FROM checks c JOIN agency_year USING (sha256) WHERE NOT c.ok GROUP BY ALL""")
    rows = section(page, "quality")["rows"]
    assert {(r["kind"], r["rule"]): r["reports"] for r in rows} == {(v["kind"], v["rule"]): v["reports"] for v in views}
    assert all(HAN.search(r["name"]) and not re.search("[A-Za-z]", r["name"]) for r in rows)
    assert {"行合计不符", "推算值", "表格被截断"} <= {r["name"] for r in rows}
    (bars,) = traces(page, "quality")
    assert set(bars["y"]) == {r["name"] for r in rows}
    assert {c[0] for c in bars["customdata"]} == {f"{r['kind']} / {r['rule']}" for r in rows}  # the code in the hover
    status = {s["status"]: (s["documents"], s["agency_years"]) for s in section(page, "quality")["status"]}
    assert status == {"ok": (7, 6), "warning": (8, 8)}
    assert "<td>通过全部检查</td>" in page.html


def test_the_page_renders_legibly_in_chromium(data, page, tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    url = (data / "processed" / "report.html").as_uri()
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=10000"]
    dom = subprocess.run([chromium, *flags, "--dump-dom", url], capture_output=True, text=True, timeout=120).stdout
    assert dom.count('class="main-svg"') >= 2 * len(page.data["charts"])  # every chart drawn by plotly.js
    svg_text = " ".join(re.findall(r"<text[^>]*>([^<]*)</text>", dom))
    for label in ("县级政府", "市级政府", "行合计不符", "予以公开", "自然人", "2021", "2022"):
        assert label in svg_text, label  # drawn: Chinese labels and the years without reports
    shot = tmp_path / "report.png"
    subprocess.run([chromium, *flags, "--window-size=1200,8000", f"--screenshot={shot}", url],
                   capture_output=True, timeout=120)
    assert shot.stat().st_size > 100_000
