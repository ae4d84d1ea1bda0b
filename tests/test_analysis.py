"""Who and where each agency is, and the analysts' views, on the real sample reports."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CORPUS, SAMPLES, extracted, make_inbox, q
from xxgk.flows.run import run_flow
from xxgk.transform.regions import place_of, read_overrides

pytestmark = pytest.mark.slow  # Prefect and the whole pipeline

XXGK = Path(sys.executable).with_name("xxgk")


@pytest.mark.parametrize("name,province,city,county,code,level", [
    ("dev/seed_000.txt", "河南省", "信阳市", None, "411500", None),            # text: 信阳市上天梯…
    ("dev/seed_001.txt", "河南省", "驻马店市", None, "411700", "city_department"),
    ("dev/seed_002.txt", None, None, None, None, None),                       # 高新区: which one?
    ("dev/seed_003.txt", "河南省", "南阳市", "卧龙区", "411303", "county"),
    ("dev/seed_004.txt", None, None, None, None, "county_department"),        # 区政务服务办
    ("real/001_huaian_hongze_qu_2023_pdftext.txt", "江苏省", "淮安市", "洪泽区", "320813", "county"),
    ("real/002_huaian_hongze_qu_2024_pdftext.txt", "江苏省", "淮安市", "洪泽区", "320813", "county"),
    ("real/003_huaian_shi_2024_pdftext.txt", "江苏省", "淮安市", None, "320800", "city"),
    ("real/012_suqian_shuyang_xian_2025_ocrmd.txt", None, None, None, None, "county"),  # OCR: 沐阳县
    ("real/013_shanghai_kewei_2024_pdf2md.md", "上海市", None, None, "310000", "province_department"),
    ("real/014_shanghai_shizhengfu_bangongting_2025_pdf2md.md", "上海市", None, None, "310000", "province_department"),
    ("real/015_suqian_shuyang_fagaiju_2023_crawlhtml.html", "江苏省", "宿迁市", "沭阳县", "321322", "county_department"),
])
def test_where_each_corpus_agency_sits(name, province, city, county, code, level):
    r = extracted(CORPUS / name)
    p = place_of(r.agency, hint=r.place_hint)
    assert (p.province, p.city, p.county, p.division_code, p.level) == (province, city, county, code, level)


def test_ambiguous_county_names_are_not_guessed():
    assert place_of("朝阳区人民政府").province is None
    assert place_of("北京市朝阳区人民政府").division_code == "110105"
    assert place_of("长春市朝阳区人民政府").division_code == "220104"


def test_names_are_normalised():
    assert place_of("信息来源：洪泽区人民政府（淮安市洪泽区人民政府办公室编制）").agency_normalized == "洪泽区人民政府"
    assert place_of("淮安市 洪泽区人民政府").agency_key == place_of("洪泽区人民政府").agency_key == "320813/county"


def test_a_sites_lists_region_places_an_agency_only_when_nothing_else_does():
    office = extracted(CORPUS / "dev" / "seed_004.txt")  # 区政务服务办: no place in its name nor text
    p = place_of(office.agency, hint=office.place_hint, region="江苏省淮安市洪泽区")
    assert (p.province, p.city, p.county, p.division_code, p.level, p.place_source, p.agency_key) == (
        "江苏省", "淮安市", "洪泽区", "320813", "county_department", "list", "320813/county_department/区政务服务办")
    # the name, then the text, come first
    assert place_of("沭阳县发展和改革局", region="江苏省淮安市洪泽区").county == "沭阳县"
    seed = extracted(CORPUS / "dev" / "seed_000.txt")
    assert place_of(seed.agency, hint=seed.place_hint, region="江苏省淮安市洪泽区").city == "信阳市"
    # a region that determines no place places nothing
    assert place_of("财政局", region="朝阳区").province is None
    # placed, its level unknown: division and name tell it from the same name elsewhere
    assert place_of("财政局", region="宿迁市").agency_key == "321300/财政局"
    # unplaced: one agency per name and site (or folder), never one per name
    assert place_of("区政务服务办", "http://www.a.gov.cn/nb/2020.html").agency_key == "区政务服务办@www.a.gov.cn"
    assert place_of("区政务服务办", "http://WWW.A.gov.cn/nb/2021.html").agency_key == "区政务服务办@www.a.gov.cn"
    assert place_of("区政务服务办", "http://www.b.gov.cn/nb/2020.html").agency_key == "区政务服务办@www.b.gov.cn"
    assert place_of("区政务服务办", "reports/a/2020.txt").agency_key == "区政务服务办@reports/a"
    # a region coarser than the name's level places it, but tells no district's office from another's
    a, b = (place_of("区政务服务办", f"http://{host}/nb/2020.html", region="江苏省淮安市")
            for host in ("www.hongze.gov.cn:8080", "www.qingjiangpu.gov.cn"))
    assert (a.city, a.division_code, a.place_source) == ("淮安市", "320800", "list")
    assert (a.agency_key, b.agency_key) == ("区政务服务办@www.hongze.gov.cn", "区政务服务办@www.qingjiangpu.gov.cn")


def test_overrides_win(tmp_path):
    f = tmp_path / "places.csv"
    f.write_text("match,province,city,county,division_code,level\n"
                 "http://www.example.gov.cn/gaoxin/,河南省,安阳市,,410500,county\n", encoding="utf-8")
    p = place_of("高新区", "http://www.example.gov.cn/gaoxin/2020.html", read_overrides(f))
    assert (p.province, p.city, p.division_code, p.level, p.place_source) == ("河南省", "安阳市", "410500", "county", "override")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("analysis")
    inbox = make_inbox(root / "in", {p.name: p for p in SAMPLES})
    run_flow(str(inbox), None, str(root / "data"), runner="thread")
    return root / "data"


def test_report_headline(data):
    (row,) = q(data, """SELECT received, processed, granted, granted_rate, partly_granted, refused_not_disclosable,
                               refused_unavailable, refused_not_processed, other_outcome, carried_forward,
                               reviews, reviews_corrected, review_correction_rate, lawsuits, lawsuits_corrected,
                               lawsuit_correction_rate
                        FROM report_headline WHERE agency = '卧龙区人民政府'""")
    assert row == pytest.approx((56, 55, 21, 21 / 55, 7, 4, 20, 3, 0, 1, 9, 1, 1 / 7, 6, 1, 0.5))


def test_region_and_province_views(data):
    assert q(data, """SELECT reports, reports_all_checks_passed, received, processed, granted
                      FROM province_year WHERE province = '江苏省' AND report_year = 2024""") == [(2, 1, 3248, 3145, 1412)]
    assert q(data, """SELECT level, reports, received FROM region_year
                      WHERE city = '淮安市' AND report_year = 2024 ORDER BY level""") == [("city", 1, 3153), ("county", 1, 95)]
    assert q(data, "SELECT count(*) FROM province_year WHERE province IS NULL") == [(2,)]  # unknown stays unknown


def test_year_over_year_and_carry_over(data):
    rows = q(data, """SELECT agency_key, report_year, previous_year, received_change, processed_change,
                             granted_change, carried_over, previous_carried_forward, carry_over_consistent
                      FROM agency_yoy""")
    assert rows == [("320813/county", 2024, 2023, 74, 74, 50, 0, 0, True)]


def test_quality_views(data):
    assert dict(q(data, "SELECT status, documents FROM quality_status")) == {"ok": 6, "warning": 6}
    assert q(data, "SELECT agency, report_year, identities_broken FROM quality_inconsistent ORDER BY agency") == [
        ("区政务服务办", 2020, 2), ("洪泽区人民政府", 2023, 2)]
    top = q(data, "SELECT name, reports_failing FROM quality_checks ORDER BY reports_failing DESC, name LIMIT 2")
    assert top == [("inferred:other_split", 2), ("report_year", 2)]


def test_wide_and_labeled_views(data):
    assert q(data, """SELECT natural_person, total FROM applications_wide
                      WHERE agency = '淮安市人民政府' AND row = 'other_unpaid_fee'""") == [(6, 6)]
    assert q(data, """SELECT prior_items, change, decisions FROM disclosure_wide
                      WHERE agency = '卧龙区人民政府' AND row = 'licensing'""") == [(1282, -584, 1849)]
    assert q(data, """SELECT upheld, corrected, other, pending, total FROM appeals_wide
                      WHERE agency = '淮安市人民政府' AND row = 'litigation_direct'""") == [(13, 4, 8, 1, 26)]
    assert q(data, """SELECT row_label, col_label, value FROM cells_labeled
                      WHERE county = '沭阳县' AND key = 'appeals.review.pending'""") == [("行政复议", "尚未审结", 1)]


def run(*args):
    return subprocess.run([str(XXGK), *map(str, args)], capture_output=True, text=True, timeout=120)


def test_query_command(data):
    p = run("query", "--data", data, "--csv",
            "SELECT agency, received FROM report_headline WHERE province = '上海市' ORDER BY received")
    assert p.returncode == 0
    assert p.stdout.splitlines() == ["agency,received", "上海市科委,36", "上海市人民政府办公厅,1484"]
    p = run("query", "--data", data, "--json", "SELECT count(*) AS n FROM reports")
    assert json.loads(p.stdout) == [{"n": 12}]
    p = run("query", "--data", data, "SELECT nonsense")
    assert p.returncode != 0 and "nonsense" in p.stderr


def test_query_gives_exact_numbers_in_every_format(data):
    """Counts come out as integers, amounts with every decimal, times as ISO 8601: in the
    table view, CSV and JSON alike (pandas once turned them into 3.986e+06 and 69.0)."""
    sql = """SELECT (SELECT sum(received) FROM report_headline) AS received,
                    (SELECT amount FROM cells WHERE amount BETWEEN 14584 AND 14585) AS amount,
                    (SELECT min(extracted_at) FROM reports) AS at"""
    csv_out = run("query", "--data", data, "--csv", sql).stdout.splitlines()
    assert csv_out[0] == "received,amount,at"
    received, amount, at = csv_out[1].split(",")
    assert received == "5633" and amount == "14584.9972" and at[:2] == "20" and "T" in at
    (record,) = json.loads(run("query", "--data", data, "--json", sql).stdout)
    assert record["received"] == 5633 and isinstance(record["received"], int)
    assert record["amount"] == 14584.9972 and record["at"] == at
    table = run("query", "--data", data, sql).stdout
    assert "5633" in table and "14584.9972" in table and "e+" not in table
    big = run("query", "--data", data, "--csv", "SELECT 3985758 * 1 AS n, 517645 AS m").stdout
    assert big.splitlines() == ["n,m", "3985758,517645"]


def test_version():
    p = run("--version")
    assert p.returncode == 0 and p.stdout.startswith("xxgk, version ") and "parser" in p.stdout


def test_stats_command(data):
    p = run("stats", "--data", data, "--region", "江苏省", "--json")
    by_year = {r["year"]: r for r in json.loads(p.stdout)}
    assert sorted(by_year) == [2023, 2024]
    assert (by_year[2024]["reports"], by_year[2024]["received"], by_year[2024]["reviews"]) == (2, 3248, 353)
    p = run("stats", "--data", data, "--year", "2020")
    assert "received" in p.stdout and "69" in p.stdout


def test_report_page_is_self_contained_and_renders(data, tmp_path):
    out = tmp_path / "report.html"
    p = run("report", "--data", data, "--out", out)
    assert p.returncode == 0, p.stderr
    page = out.read_text(encoding="utf-8")
    assert "<script src=\"http" not in page and "plotly" in page  # plotly.js inlined: opens offline
    for title in ("依申请公开：收到与办理结果", "各省收到的申请", "不予公开、无法提供、不予处理的理由", "数据质量"):
        assert title in page
    assert ("<td>淮安市人民政府</td><td>2024</td><td>江苏省</td><td class=\"n\">3153</td><td class=\"n\">3050</td>"
            "<td class=\"n\">1362</td>") in page

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=8000"]
    dom = subprocess.run([chromium, *flags, "--dump-dom", out.as_uri()], capture_output=True, text=True,
                         timeout=120).stdout
    assert dom.count('class="main-svg"') >= 4  # every chart drawn by plotly.js in the browser
    shot = tmp_path / "report.png"
    subprocess.run([chromium, *flags, "--window-size=1200,2400", f"--screenshot={shot}", out.as_uri()],
                   capture_output=True, timeout=120)
    assert shot.stat().st_size > 20_000


def test_two_unplaced_agencies_of_one_name_are_two_in_agency_year(tmp_path):
    """Two districts' 区政务服务办, neither placed by its name or text, filed in two folders: both
    reports count in the per-agency views (keyed by name and folder), not one of them."""
    office = (CORPUS / "dev" / "seed_004.txt").read_bytes()
    for district, note in (("hongze", "洪泽"), ("shuyang", "沭阳")):
        (tmp_path / "in" / district).mkdir(parents=True)
        (tmp_path / "in" / district / "2020.txt").write_bytes(office + f"\n（{note}）\n".encode())
    run_flow(str(tmp_path / "in"), None, str(tmp_path / "data"), runner="thread")
    rows = q(tmp_path / "data", "SELECT agency, agency_key, report_year FROM agency_year ORDER BY agency_key")
    assert [(a, y) for a, _, y in rows] == [("区政务服务办", 2020)] * 2 and rows[0][1] != rows[1][1]
