"""Discovery from a column URL (`xxgk run --sites FILE`), politeness and incremental crawls,
against a site on 127.0.0.1 modelled on a real CMS column (TRS WCM's `index.html`,
`index_1.html`, 下一页, createPageHTML): report pages with the report as HTML tables, a report
only as a linked PDF, one as a .docx link, a notice, an interpretation, an old report, a
robots.txt that disallows a folder, a 429 and a 503 with Retry-After, ETags and Last-Modified.
The server logs every request and counts the full responses it sends."""
from __future__ import annotations

import contextlib
import hashlib
import os
import subprocess
import sys
import time
from email.utils import formatdate, parsedate_to_datetime
from html import escape
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest

from conftest import CORPUS, gold, q, serve
from xxgk import config
from xxgk.ingest.crawl import USER_AGENT, CrawlSettings, Target, crawl, read_sites
from xxgk.ingest.discover import names_report, read_listing
from xxgk.ingest.politeness import retry_after
from xxgk.ingest.raw_store import ERROR, LINKED, LISTING, STORED, RawStore
from xxgk.ingest.robots import product_token

FIXTURES = Path(__file__).parent / "fixtures"
SHUYANG = CORPUS / "real" / "015_suqian_shuyang_fagaiju_2023_crawlhtml.html"
HONGZE_PDF = CORPUS / "pdf" / "hongze_2024.pdf"
DOCX = FIXTURES / "formats" / "013_shanghai_kewei_2024.docx"
GOLD = {("沭阳县发展和改革局", 2023): gold(SHUYANG.with_suffix(".gold.json")),
        ("淮安市洪泽区人民政府", 2024): gold(HONGZE_PDF.with_suffix(".gold.json")),
        ("上海市科委", 2024): gold(DOCX.with_suffix(".gold.json"))}

COLUMN = "/sygfj/gknb/index.html"
REPORT_PAGE = "/sygfj/gknb/202401/2ecfb31a335f4d689220a3a23e24a986.shtml"  # the report as HTML tables
PDF_PAGE = "/sygfj/gknb/202501/t20250120_1158.shtml"                     # a page that only links its PDF
PDF = "/uploadfiles/P020250120583.pdf"
WORD = "/uploadfiles/2024nb.docx"                                          # listed as a link to the file
NEVER = {"/sygfj/gknb/202401/t20240110_1093.shtml",   # a notice
         "/sygfj/gknb/202401/t20240125_1102.shtml",   # the report's interpretation (解读)
         "/sygfj/gknb/201801/t20180115_0421.shtml",   # a report for 2017, before the standard form
         "/sygfj/gknb/private/t20240301_2201.shtml",  # a report robots.txt disallows
         "/other/notice.html"}                        # an unrelated page of the site


def chrome(title: str, body: str) -> bytes:
    """A page in the site's template: header navigation, breadcrumbs, footer."""
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}-沭阳县人民政府</title></head><body>"
            "<div class='header'><a href='/'>首页</a> | <a href='/other/notice.html'>通知公告</a> | "
            f"<a href='{COLUMN}'>政府信息公开年报</a></div>"
            "<div class='crumbs'>当前位置：<a href='/'>首页</a> &gt; 政府信息公开 &gt; 政府信息公开年报</div>"
            f"{body}<div class='footer'>主办：沭阳县人民政府办公室 <a href='/admin/login.jsp'>管理</a></div>"
            "</body></html>").encode()


def item(href: str, title: str, date: str) -> str:
    shown = title if len(title) <= 22 else title[:20] + "..."
    return f"<li><a href='{href}' target='_blank' title='{title}'>{shown}</a><span>{date}</span></li>"


LISTING_1 = chrome("政府信息公开年报", "<ul class='list'>"
                   + item("./202401/2ecfb31a335f4d689220a3a23e24a986.shtml", "沭阳县发展和改革局2023年政府信息公开年度报告", "2024-01-19")
                   + item("./202401/t20240110_1093.shtml", "关于召开2024年全县政务公开工作会议的通知", "2024-01-10")
                   + item("./202401/t20240125_1102.shtml", "《2023年政府信息公开工作年度报告》解读", "2024-01-25")
                   + item("./private/t20240301_2201.shtml", "县档案馆2023年政府信息公开工作年度报告", "2024-03-01")
                   + "</ul><div class='page'><span>1</span> <a href='index_1.html'>2</a> "
                   "<a href='index_1.html'>下一页</a> <a href='index_1.html'>尾页</a></div>"
                   "<script>createPageHTML(2, 0, \"index\", \"html\");</script>")
LISTING_2 = chrome("政府信息公开年报", "<ul class='list'>"
                   + item("../gknb/202501/t20250120_1158.shtml", "淮安市洪泽区人民政府2024年政府信息公开工作年度报告", "2025-01-20")
                   + item(WORD, "上海市科学技术委员会2024年政府信息公开工作年度报告", "2025-01-18")
                   + item("./201801/t20180115_0421.shtml", "2017年政府信息公开工作年度报告", "2018-01-15")
                   + "</ul><div class='page'><a href='index.html'>首页</a> <a href='index.html'>上一页</a> "
                   "<a href='index.html'>1</a> <span>2</span></div>")
PDF_PAGE_HTML = chrome("淮安市洪泽区人民政府2024年政府信息公开工作年度报告",
                       "<h1>淮安市洪泽区人民政府2024年政府信息公开工作年度报告</h1><p>根据《条例》要求，现公布本机关年度报告全文。</p>"
                       f"<p>附件：<a href='{PDF}'>淮安市洪泽区人民政府2024年政府信息公开工作年度报告.pdf</a></p>")
# a district office's column, whose report names no place: the sites list's region places it
COLUMN_2 = "/qzwfwb/gknb/index.html"
REPORT_2 = "/qzwfwb/gknb/202101/t20210115_0001.shtml"
SEED_004 = CORPUS / "dev" / "seed_004.txt"  # 区政务服务办's 2020 report
LISTING_3 = ("<html><head><meta charset='utf-8'><title>政府信息公开年报</title></head><body><ul class='list'>"
             + item("./202101/t20210115_0001.shtml", "区政务服务办2020年政府信息公开工作年度报告", "2021-01-15")
             + "</ul></body></html>").encode()
REPORT_2_HTML = ("<html><head><meta charset='utf-8'><title>区政务服务办2020年政府信息公开工作年度报告</title></head>"
                 f"<body><pre>{escape(SEED_004.read_text(encoding='utf-8'))}</pre></body></html>").encode()
ROBOTS = b"User-agent: *\nDisallow: /sygfj/gknb/private/\nDisallow: /admin/\n"
LAST_MODIFIED = "Sat, 18 Jan 2025 08:00:00 GMT"


class Site(BaseHTTPRequestHandler):
    """The county site. `log`: (time, path, status, the request's conditional headers, User-Agent)."""
    bodies: dict[str, tuple[bytes, str]] = {}
    log: list[tuple[float, str, int, dict, str]] = []
    full: dict[str, int] = {}        # full (200) responses per path
    first_seen: set[str] = set()     # paths answered once already (429 / 503 before the first)
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        path = unquote(urlsplit(self.path).path)
        conditional = {k: v for k, v in self.headers.items() if k.lower().startswith("if-")}
        code, body, headers = self._answer(path)
        # logged before the answer goes out: a client that has its answer finds it in the log
        Site.log.append((time.monotonic(), path, code, conditional, self.headers.get("User-Agent", "")))
        if code == 200:
            Site.full[path] = Site.full.get(path, 0) + 1
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)

    def _answer(self, path: str) -> tuple[int, bytes, list[tuple[str, str]]]:
        first = path not in Site.first_seen
        Site.first_seen.add(path)
        if path == PDF and first:  # too many requests: come back in a second
            return 429, b"slow down", [("Retry-After", "1")]
        if path == "/sygfj/gknb/index_1.html" and first:  # busy, as an HTTP-date two seconds ahead
            return 503, b"busy", [("Retry-After", formatdate(time.time() + 2, usegmt=True))]
        if path.startswith("/down/"):
            return 500, b"down", []
        if path not in Site.bodies:
            return 404, b"not found", [("Content-Type", "text/html")]
        body, ctype = Site.bodies[path]
        headers = [("Content-Type", ctype)]
        if path == WORD:  # validated by date only
            headers.append(("Last-Modified", LAST_MODIFIED))
            since = self.headers.get("If-Modified-Since")
            if since and parsedate_to_datetime(since) >= parsedate_to_datetime(LAST_MODIFIED):
                return 304, b"", headers
        elif path != "/robots.txt":
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            headers.append(("ETag", etag))
            if self.headers.get("If-None-Match") == etag:
                return 304, b"", headers
        return 200, body, headers


def site_bodies() -> dict[str, tuple[bytes, str]]:
    html = "text/html; charset=utf-8"
    return {"/robots.txt": (ROBOTS, "text/plain"), COLUMN: (LISTING_1, html), "/sygfj/gknb/index_1.html": (LISTING_2, html),
            REPORT_PAGE: (SHUYANG.read_bytes(), html), PDF_PAGE: (PDF_PAGE_HTML, html),
            PDF: (HONGZE_PDF.read_bytes(), "application/pdf"), WORD: (DOCX.read_bytes(), "application/octet-stream"),
            COLUMN_2: (LISTING_3, html), REPORT_2: (REPORT_2_HTML, html),
            **{p: (chrome("通知", "<p>通知</p>"), html) for p in NEVER}}


@pytest.fixture
def site():
    Site.bodies, Site.log, Site.full, Site.first_seen = site_bodies(), [], {}, set()
    with serve(Site) as url:
        yield url


def requested(since: int = 0) -> list[str]:
    return [entry[1] for entry in Site.log[since:]]


LOCAL = CrawlSettings(delay=0, backoff=0.05, retries=2, allow_private=True)


# 1. reading a listing page

def test_report_titles_and_their_variants():
    for title in ("沭阳县发展和改革局2023年政府信息公开年度报告", "淮安市2024年政府信息公开工作年度报告",
                  "某镇2023年政务公开工作年度报告", "某局2022年度信息公开年报", "2023年度政府信息公开工作报告",
                  "政府信息公开工作年度报告（2021年）", "2023年度报告"):
        assert names_report(title), title
    for title in ("《2023年政府信息公开工作年度报告》解读", "一图读懂2023年政府信息公开工作年度报告",
                  "关于做好2023年政府信息公开工作年度报告编制发布工作的通知", "2023年度法治政府建设年度报告",
                  "2024年政务公开工作要点", "关于召开2024年全县政务公开工作会议的通知"):
        assert not names_report(title), title


def test_a_listing_gives_its_reports_pages_and_sub_columns():
    page = "http://www.shuyang.gov.cn/sygfj/gknb/index.html"
    listing = read_listing(LISTING_1.decode(), page)
    assert [(r.url.rsplit("/", 2)[-2:], r.year) for r in listing.reports] == [
        (["202401", "2ecfb31a335f4d689220a3a23e24a986.shtml"], 2023), (["private", "t20240301_2201.shtml"], 2023)]
    assert listing.reports[0].title == "沭阳县发展和改革局2023年政府信息公开年度报告"  # the title attribute, not the cut text
    assert listing.pages == ["http://www.shuyang.gov.cn/sygfj/gknb/index_1.html"]
    assert listing.columns == []  # the column's own link in the navigation is this page

    second = read_listing(LISTING_2.decode(), "http://www.shuyang.gov.cn/sygfj/gknb/index_1.html")
    assert [r.year for r in second.reports] == [2024, 2024]  # the 2017 report is left
    assert second.pages == []  # 首页, 上一页 and 1 lead back to the page already read

    other = read_listing(
        "<base href='http://www.example.gov.cn/col/col123/'>"
        "<a href='list.jsp?page=2&amp;col=123'>下一页</a><a href='list.jsp?page=9&amp;col=123'>尾页</a>"
        "<a href='/col/col456/index.html'>部门政府信息公开年报</a>"
        "<a href='http://www.huaian.gov.cn/a/2023nb.html'>淮安市2023年政府信息公开工作年度报告</a>"
        "<a href='http://xxgk.example.gov.cn/a/2023nb.html'>某局2023年政府信息公开工作年度报告</a>"
        "<a href='/x/2023.pdf' title='某镇2023年度政府信息公开工作报告'>2023</a>",
        "http://www.example.gov.cn/col/col123/list.jsp?page=1&col=123")
    assert other.pages == ["http://www.example.gov.cn/col/col123/list.jsp?page=2&col=123",
                           "http://www.example.gov.cn/col/col123/list.jsp?page=9&col=123"]
    assert other.columns == ["http://www.example.gov.cn/col/col456/index.html"]
    # another site's report is not this column's; a subdomain of the site is
    assert [r.url for r in other.reports] == ["http://xxgk.example.gov.cn/a/2023nb.html", "http://www.example.gov.cn/x/2023.pdf"]

    scripted = read_listing("<script>createPageHTML('page_div', 4, 0, 'index', 'shtml', 62);</script>",
                            "http://www.example.gov.cn/zfxxgk/nb/index.shtml")
    assert scripted.pages == [f"http://www.example.gov.cn/zfxxgk/nb/index_{i}.shtml" for i in (1, 2, 3)]


def test_a_column_is_walked_within_its_bounds():
    """Pagination at the same depth, sub-columns one level deeper, pages and reports counted."""
    from xxgk.ingest.discover import Bounds, walk

    root = "http://www.example.gov.cn/nb/"

    def page(links: str) -> str:
        return f"<html><body>{links}</body></html>"

    site = {
        root + "index.html": page("<a href='2023.html'>某局2023年政府信息公开工作年度报告</a>"
                                  "<a href='sub/index.html'>部门政府信息公开年报</a><a href='index_1.html'>下一页</a>"),
        root + "index_1.html": page("<a href='2022.html'>某局2022年政府信息公开工作年度报告</a>"
                                    "<a href='index_2.html'>下一页</a>"),
        root + "index_2.html": page("<a href='2021.html'>某局2021年政府信息公开工作年度报告</a>"),
        root + "sub/index.html": page("<a href='a2023.html'>某所2023年政府信息公开工作年度报告</a>"
                                      "<a href='deeper/index.html'>下属单位政府信息公开年报</a>"),
        root + "sub/deeper/index.html": page("<a href='b2023.html'>某站2023年政府信息公开工作年度报告</a>"),
    }
    read: list[str] = []

    def fetch(url, listed_on):
        read.append(url)
        return site.get(url)

    found = walk(root + "index.html", fetch, Bounds())
    assert [(r.url.removeprefix(root), page.removeprefix(root)) for r, page in found] == [
        ("2023.html", "index.html"), ("2022.html", "index_1.html"), ("sub/a2023.html", "sub/index.html"),
        ("2021.html", "index_2.html")]
    assert root + "sub/deeper/index.html" not in read  # max_depth 1

    read.clear()
    assert len(walk(root + "index.html", fetch, Bounds(max_pages=2, max_depth=2))) == 2 and len(read) == 2
    assert [r.year for r, _ in walk(root + "index.html", fetch, Bounds(max_reports=2, max_depth=2))] == [2023, 2022]
    assert root + "sub/deeper/index.html" in [p for _, p in walk(root + "index.html", fetch, Bounds(max_depth=2))]


# A 大汉 (Hanweb) JCMS column: its page holds the first 45 of 100 records in the <datastore> its
# jpage script pages through; the script asks the data proxy for the rest, 45 at a time. Records
# 1, 50 and 97 are annual reports, the others notices.
HANWEB_COLUMN = "/col/col1234/index.html"
PROXY = ("/module/web/jpage/dataproxy.jsp?page=1&webid=1&path=/&columnid=1234&unitid=52361"
         "&webname=%E6%B7%AE%E5%AE%89%E5%B8%82&permissiontype=0")
HANWEB_REPORTS = {1: "淮安市洪泽区人民政府2024年政府信息公开工作年度报告", 50: "沭阳县发展和改革局2023年政府信息公开年度报告",
                  97: "某局2021年政府信息公开工作年度报告"}


def hanweb_record(i: int) -> str:
    title = HANWEB_REPORTS.get(i, f"关于第{i}批政务公开事项的通知")
    return f"<record><![CDATA[\n{item(f'/art/2024/1/{i}/art_1234_{i}.html', title, '2024-01-20')}\n]]></record>"


def hanweb_column() -> bytes:
    records = "".join(map(hanweb_record, range(1, 46)))
    return chrome("政府信息公开年报", "<div id='52361'><script type='text/xml'><datastore>"
                  f"<nextgroup><![CDATA[<a href=\"{PROXY}\"></a>]]></nextgroup><recordset>{records}</recordset>"
                  "</datastore></script></div><script>$(document).ready(function(){$('#52361').jpage({dataStore:"
                  "dataStore,proxyUrl:'/module/web/jpage/dataproxy.jsp',perPage:15,totalRecord:100,groupSize:3});});"
                  "</script>")


class Hanweb(BaseHTTPRequestHandler):
    """The column and its data proxy (records `startrecord`..`endrecord` of the query, as the
    proxy answers), report pages, and a log of the paths asked for."""
    log: list[str] = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        url = urlsplit(self.path)
        Hanweb.log.append(url.path)
        query = dict(parse_qsl(url.query))
        if url.path == HANWEB_COLUMN:
            body = hanweb_column()
        elif url.path == "/module/web/jpage/dataproxy.jsp" and query.get("columnid") == "1234":
            first, last = int(query["startrecord"]), int(query["endrecord"])
            body = ("<?xml version='1.0' encoding='UTF-8'?><datastore><totalrecord>100</totalrecord><recordset>"
                    + "".join(map(hanweb_record, range(first, last + 1))) + "</recordset></datastore>").encode()
        elif url.path.startswith("/art/"):
            body = chrome("报告", f"<p>{url.path}</p>")
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_a_hanweb_column_s_records_past_its_page_come_from_its_data_proxy():
    listing = read_listing(hanweb_column().decode(), "http://www.huaian.gov.cn/col/col1234/index.html")
    assert [(r.url, r.year) for r in listing.reports] == [("http://www.huaian.gov.cn/art/2024/1/1/art_1234_1.html", 2024)]
    proxy = "http://www.huaian.gov.cn" + PROXY
    assert listing.pages == [f"{proxy}&startrecord=46&endrecord=90&perpage=15",
                             f"{proxy}&startrecord=91&endrecord=100&perpage=15"]

    # the same page with a list of the latest news before it, a jpage list of its own (500
    # records, 10 on the page, none a report): its proxy is not followed, nor its count taken
    news = ("<div id='777'><script type='text/xml'><datastore><nextgroup><![CDATA[<a href=\""
            + PROXY.replace("columnid=1234", "columnid=9").replace("unitid=52361", "unitid=777") + "\"></a>]]>"
            "</nextgroup><recordset>" + "".join(f"<record><![CDATA[{item(f'/art/n{i}.html', f'新闻{i}', '2024-01-01')}]]>"
                                                "</record>" for i in range(10))
            + "</recordset></datastore></script></div><script>$('#777').jpage({perPage:5,totalRecord:500});</script>")
    page = hanweb_column().decode().replace("<div id='52361'>", news + "<div id='52361'>")
    assert read_listing(page, "http://www.huaian.gov.cn/col/col1234/index.html").pages == listing.pages


def test_a_hanweb_column_is_crawled_whole(tmp_path):
    """From the column's URL: its page, then the proxy's two groups, and the three reports among
    the 100 records, each recorded with the page that listed it."""
    Hanweb.log = []
    with serve(Hanweb) as site:
        entries = crawl([], RawStore(tmp_path), LOCAL, [Target(site + HANWEB_COLUMN)])
    got = {e.source.removeprefix(site): e for e in entries}
    listings = [path for path, e in got.items() if e.status == LISTING]
    assert listings == [HANWEB_COLUMN, f"{PROXY}&startrecord=46&endrecord=90&perpage=15",
                        f"{PROXY}&startrecord=91&endrecord=100&perpage=15"]
    reports = {path: (e.year_hint, e.linked_from.removeprefix(site)) for path, e in got.items() if path.startswith("/art/")}
    assert reports == {"/art/2024/1/1/art_1234_1.html": (2024, HANWEB_COLUMN),
                       "/art/2024/1/50/art_1234_50.html": (2023, listings[1]),
                       "/art/2024/1/97/art_1234_97.html": (2021, listings[2])}
    assert sorted(p for p in Hanweb.log if p.startswith("/art/")) == sorted(reports)  # each once, no notice


def test_the_sites_list_is_read_line_by_line(tmp_path):
    f = tmp_path / "sites.txt"
    f.write_bytes("# 年报栏目\nurl,agency,region\n"
                  "http://www.shuyang.gov.cn/sygfj/gknb/index.html,沭阳县人民政府,江苏省宿迁市沭阳县\n"
                  "不是网址\n\"http://a.gov.cn/x,某局\nhttp://www.hongze.gov.cn/nb/\n".encode("gbk"))
    sites = read_sites(f)
    assert sites[0] == Target("http://www.shuyang.gov.cn/sygfj/gknb/index.html", "沭阳县人民政府", region="江苏省宿迁市沭阳县")
    assert sites[1] == Target(f"{f}:4", error="line 4 of the sites list: not a URL: '不是网址'")
    assert sites[2].error == "line 5 of the sites list: not valid CSV (unexpected end of data): a quote left open?"
    assert sites[3] == Target("http://www.hongze.gov.cn/nb/")


# 2. politeness

def test_retry_after_in_seconds_and_as_a_date():
    from datetime import UTC, datetime

    now = datetime(2025, 1, 20, 8, 0, 0, tzinfo=UTC)
    assert retry_after("120", now) == 120
    assert retry_after("Mon, 20 Jan 2025 08:00:30 GMT", now) == 30
    assert retry_after("Mon, 20 Jan 2025 07:00:00 GMT", now) == 0  # a date past: now
    assert retry_after("soon", now) is None and retry_after(None) is None and retry_after("-5") is None


def test_the_user_agent_names_a_contact():
    assert CrawlSettings().agent == USER_AGENT
    assert CrawlSettings(contact="ops@example.org").agent == \
        "xxgk/0.1 (annual-report research crawler; +mailto:ops@example.org)"
    assert CrawlSettings(user_agent="LabBot/2.0", contact="https://lab.example.org/bot").agent == \
        "LabBot/2.0 (+https://lab.example.org/bot)"
    assert product_token(CrawlSettings(contact="ops@example.org").agent) == "xxgk"


def test_robots_txt_and_retry_after_are_honoured(site, tmp_path):
    """The column crawled from its URL: disallowed and unrelated pages never requested; a 429
    and a 503 waited out as the server asked; every request names the contact."""
    entries = crawl([], RawStore(tmp_path), CrawlSettings(delay=0.05, backoff=0.05, retries=2, allow_private=True,
                                                         contact="ops@example.org"),
                    [Target(site + COLUMN)])
    got = {urlsplit(e.source).path: e for e in entries}
    assert requested()[0] == "/robots.txt" and requested().count("/robots.txt") == 1
    assert not NEVER & set(requested())
    assert got["/sygfj/gknb/private/t20240301_2201.shtml"].error == f"disallowed by {site}/robots.txt"
    assert [got[p].status for p in (COLUMN, "/sygfj/gknb/index_1.html", REPORT_PAGE, PDF_PAGE, PDF, WORD)] == \
        [LISTING, LISTING, STORED, LINKED, STORED, STORED]
    assert got[REPORT_PAGE].linked_from == site + COLUMN and got[REPORT_PAGE].year_hint == 2023
    assert got[WORD].linked_from == site + "/sygfj/gknb/index_1.html"
    assert got[PDF].linked_from == site + PDF_PAGE
    times = {p: [t for t, path, *_ in Site.log if path == p] for p in (PDF, "/sygfj/gknb/index_1.html")}
    assert times[PDF][1] - times[PDF][0] >= 0.95            # Retry-After: 1
    assert times["/sygfj/gknb/index_1.html"][1] - times["/sygfj/gknb/index_1.html"][0] >= 0.95  # an HTTP-date 2 s on
    assert all("+mailto:ops@example.org" in agent for *_, agent in Site.log)


def test_a_host_that_keeps_failing_is_skipped_for_the_run(site, tmp_path):
    urls = [Target(f"{site}/down/{i}.html") for i in range(6)]
    s = CrawlSettings(delay=0, retries=1, backoff=0.01, per_host=1, workers=1, max_host_failures=3, allow_private=True)
    entries = crawl(urls, RawStore(tmp_path), s)
    tried = [p for p in requested() if p.startswith("/down/")]
    assert tried == ["/down/0.html"] * 2 + ["/down/1.html"] * 2 + ["/down/2.html"] * 2  # 3 URLs, 2 attempts each
    assert [e.error for e in entries[:3]] == ["HTTP 500 (after 2 attempts)"] * 3
    for e in entries[3:]:
        assert e.status == ERROR and e.error == (
            f"not requested: 127.0.0.1:{urlsplit(site).port} failed 3 URLs in a row this run (last: HTTP 500 "
            "(after 2 attempts)), so the crawl skips it until the next run (max_host_failures)")


# 3. incremental

def test_a_second_crawl_downloads_nothing_unchanged_and_a_changed_report_replaces_the_old(site, tmp_path):
    store = RawStore(tmp_path)
    column = [Target(site + COLUMN, "沭阳县人民政府")]
    first = crawl([], store, LOCAL, column)
    lines = len(store.entries())
    old = store.latest()[site + REPORT_PAGE].sha256
    assert {urlsplit(e.source).path for e in first if e.status in (STORED, LINKED)} == {REPORT_PAGE, PDF_PAGE, PDF, WORD}

    mark = len(Site.log)
    Site.full.clear()
    second = crawl([], store, LOCAL, column)
    # listings fetched whole, without validators; every document asked for conditionally: 304
    assert set(Site.full) == {"/robots.txt", COLUMN, "/sygfj/gknb/index_1.html"}
    for _, path, status, conditional, _ in Site.log[mark:]:
        if path in (REPORT_PAGE, PDF_PAGE, PDF):
            assert status == 304 and "If-None-Match" in conditional, path
        elif path == WORD:
            assert status == 304 and conditional.get("If-Modified-Since") == LAST_MODIFIED
        else:
            assert not conditional, path
    assert sum(e.http_status == 304 for e in second) == 4
    assert len(store.entries()) == lines  # nothing new to say: the manifest as it was
    assert [e.status for e in second if urlsplit(e.source).path == PDF_PAGE] == [LINKED]

    body, ctype = Site.bodies[REPORT_PAGE]
    Site.bodies[REPORT_PAGE] = (body.replace(b"</body>", b"<p>\xe6\x9b\xb4\xe6\x96\xb0</p></body>"), ctype)  # 更新
    Site.full.clear()
    crawl([], store, LOCAL, column)
    assert set(Site.full) == {"/robots.txt", COLUMN, "/sygfj/gknb/index_1.html", REPORT_PAGE}
    assert len(store.entries()) == lines + 1
    new = store.latest()[site + REPORT_PAGE].sha256
    assert new != old and new in store.documents() and old not in store.documents()


# 4. the settings file

def test_crawl_settings_from_the_file_and_the_environment(tmp_path, monkeypatch):
    for name in [n for n in os.environ if n.startswith("XXGK_CRAWL_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("XXGK_HOME", str(tmp_path))
    (tmp_path / "xxgk.toml").write_text('[package]\ntitle = "x"\n\n[crawl]\ncontact = "ops@example.org"\n'
                                        'delay = 2\nper_host = 1\nallow_hosts = ["intranet.example:8080"]\n'
                                        "max_pages = 10\n", encoding="utf-8")
    monkeypatch.setenv("XXGK_CRAWL_DELAY", "0.5")
    monkeypatch.setenv("XXGK_CRAWL_ALLOW_PRIVATE", "1")
    s = CrawlSettings.configured(retries=1, timeout=None)
    assert (s.contact, s.delay, s.per_host, s.allow_hosts, s.max_pages, s.allow_private, s.retries, s.timeout) == \
        ("ops@example.org", 0.5, 1, ("intranet.example:8080",), 10, True, 1, 20.0)
    assert set(config.CRAWL_KEYS) <= {f.name for f in CrawlSettings.__dataclass_fields__.values()}

    for text, message in (("delay = -1", "delay: must be 0 or more, not -1"),
                          ("per_host = 0", "per_host: must be at least 1, not 0"),
                          ("retries = 1.5", "retries: must be a whole number, not 1.5"),
                          ("allow_private = 1", "allow_private: must be true or false, not 1"),
                          ("dealy = 1", "unknown key 'dealy'")):
        (tmp_path / "xxgk.toml").write_text(f"[crawl]\n{text}\n", encoding="utf-8")
        with pytest.raises(config.ConfigError, match=message):
            config.crawl()
    (tmp_path / "xxgk.toml").write_text("[crawl]\n", encoding="utf-8")
    monkeypatch.setenv("XXGK_CRAWL_RETRIES", "many")
    with pytest.raises(config.ConfigError, match="XXGK_CRAWL_RETRIES: 'many' is not a whole number"):
        config.crawl()
    monkeypatch.delenv("XXGK_CRAWL_RETRIES")
    monkeypatch.setenv("XXGK_CRAWL_DELAYS", "1")
    with pytest.raises(config.ConfigError, match="XXGK_CRAWL_DELAYS: not a crawl setting"):
        config.crawl()


def test_every_crawl_key_is_in_the_readme():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for key in config.CRAWL_KEYS:
        assert f"| `{key}` |" in readme, key


def test_a_bad_setting_stops_xxgk_run_in_one_line(tmp_path):
    (tmp_path / "sites.txt").write_text("http://www.example.gov.cn/nb/\n", encoding="utf-8")
    (tmp_path / "xxgk.toml").write_text("[crawl]\ndelay = \"slow\"\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("XXGK_CRAWL_") and k != "XXGK_HOME"}
    p = subprocess.run([str(Path(sys.executable).with_name("xxgk")), "run", "--sites", "sites.txt"], cwd=tmp_path,
                       env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and p.stderr == "xxgk: xxgk.toml [crawl] delay: must be a number, not 'slow'\n"


# 5. the whole route, as a user types it

def _xxgk_run(home: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XXGK_CRAWL_") and k != "XXGK_HOME"}
    env["XXGK_CRAWL_ALLOW_PRIVATE"] = "1"  # the site is on 127.0.0.1
    return subprocess.run([str(Path(sys.executable).with_name("xxgk")), "run", "--sites", "sites.txt"], cwd=home,
                          env=env, capture_output=True, text=True, timeout=900)


@pytest.mark.slow
def test_xxgk_run_sites_finds_every_report_and_the_next_run_downloads_nothing(site, tmp_path):
    (tmp_path / "sites.txt").write_bytes(f"# 年报栏目\nurl,agency,region\n{site}{COLUMN},沭阳县人民政府,江苏省宿迁市沭阳县\n"
                                         "不是网址\n".encode("gbk"))
    (tmp_path / "xxgk.toml").write_text('[crawl]\ncontact = "ops@example.org"\ndelay = 0.05\nbackoff = 0.1\n',
                                        encoding="utf-8")
    data = tmp_path / "data"

    p = _xxgk_run(tmp_path)
    assert p.returncode == 1, p.stdout[-3000:] + p.stderr[-3000:]  # two inputs failed: listed, not hidden
    assert not NEVER & set(requested())  # the notice, the interpretation, the old report, robots' folder
    assert all("+mailto:ops@example.org" in agent for *_, agent in Site.log)

    headline = q(data, "SELECT agency, report_year, new_received, carried_over, processed, granted, carried_forward "
                       "FROM report_headline ORDER BY agency")
    assert len(headline) == 3
    for agency, year, *values in headline:
        cells = GOLD[(agency, year)]["cells"]
        assert values == [cells[f"applications.{row}.total"] for row in
                          ("new_received", "carried_over", "total_processed", "granted", "carried_forward")], agency
    fails = dict(q(data, "SELECT regexp_extract(source, '[^/]+$'), reason FROM failures"))
    assert fails == {"sites.txt:4": "line 4 of the sites list: not a URL: '不是网址'",
                     "t20240301_2201.shtml": f"disallowed by {site}/robots.txt"}
    sources = {urlsplit(s).path or s: (status, linked_from and urlsplit(linked_from).path) for s, status, linked_from in
               q(data, "SELECT source, status, linked_from FROM sources")}
    assert sources[COLUMN] == ("listing", None) and sources["/sygfj/gknb/index_1.html"] == ("listing", COLUMN)
    assert sources[REPORT_PAGE] == ("stored", COLUMN) and sources[WORD] == ("stored", "/sygfj/gknb/index_1.html")
    assert sources[PDF_PAGE] == ("linked", "/sygfj/gknb/index_1.html") and sources[PDF] == ("stored", PDF_PAGE)
    # every input found under the column keeps its region; an agency whose name places it sits there
    assert set(q(data, "SELECT region_hint FROM sources WHERE source <> 'sites.txt:4'")) == {("江苏省宿迁市沭阳县",)}
    assert q(data, "SELECT province, city, county, place_source FROM reports WHERE agency = '上海市科委'") == [
        ("上海市", None, None, "name")]
    release = (data / "processed" / "current").resolve()
    manifest = (data / "raw" / "manifest.jsonl").read_bytes()

    # the next night: listings read again, every document asked for conditionally, nothing downloaded
    mark = len(Site.log)
    Site.full.clear()
    p = _xxgk_run(tmp_path)
    assert p.returncode == 1, p.stdout[-3000:] + p.stderr[-3000:]
    assert set(Site.full) == {"/robots.txt", COLUMN, "/sygfj/gknb/index_1.html"}
    assert sorted(path for _, path, status, *_ in Site.log[mark:] if status == 304) == sorted([REPORT_PAGE, PDF_PAGE, PDF, WORD])
    assert (data / "raw" / "manifest.jsonl").read_bytes() == manifest  # nothing new to record
    assert (data / "processed" / "current").resolve() == release      # nor to publish

    # a report changed on the site replaces its older version
    body, ctype = Site.bodies[REPORT_PAGE]
    Site.bodies[REPORT_PAGE] = (body.replace(b"</body>", "<p>（更新）</p></body>".encode()), ctype)
    Site.full.clear()
    p = _xxgk_run(tmp_path)
    assert p.returncode == 1, p.stdout[-3000:] + p.stderr[-3000:]
    assert set(Site.full) == {"/robots.txt", COLUMN, "/sygfj/gknb/index_1.html", REPORT_PAGE}
    new = hashlib.sha256(Site.bodies[REPORT_PAGE][0]).hexdigest()
    assert q(data, f"SELECT sha256 FROM reports WHERE source = '{site}{REPORT_PAGE}'") == [(new,)]
    assert q(data, "SELECT count(*) FROM reports") == [(3,)]


@pytest.mark.slow
def test_the_sites_lists_region_places_a_report_that_names_no_place(site, tmp_path):
    (tmp_path / "sites.txt").write_text(f"{site}{COLUMN_2},区政务服务办,江苏省淮安市洪泽区\n", encoding="utf-8")
    (tmp_path / "xxgk.toml").write_text('[crawl]\ncontact = "ops@example.org"\ndelay = 0.05\n', encoding="utf-8")
    p = _xxgk_run(tmp_path)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    data = tmp_path / "data"
    assert q(data, "SELECT agency, report_year, province, city, county, division_code, level, place_source, "
                   "agency_key FROM reports") == [("区政务服务办", 2020, "江苏省", "淮安市", "洪泽区", "320813",
                                                  "county_department", "list", "320813/county_department/区政务服务办")]
    assert q(data, f"SELECT region_hint FROM sources WHERE source = '{site}{REPORT_2}'") == [("江苏省淮安市洪泽区",)]
    assert q(data, "SELECT province, reports FROM province_year") == [("江苏省", 1)]
