"""A page that holds no report but links it (a PDF, a Word file, pictures of its tables): the
crawler fetches the linked files like any URL, stores them, and `sources` links page and file.
A local site on 127.0.0.1 serves the pages."""
from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import unquote

import pytest

from conftest import CORPUS, gold, q, serve
from xxgk.ingest.crawl import CrawlSettings, Target, crawl
from xxgk.ingest.links import MAX_LINKS, report_links, same_site, site_of
from xxgk.ingest.raw_store import ERROR, LINKED, NEEDS_ATTACHMENT, STORED, Entry, RawStore

FIXTURES = Path(__file__).parent / "fixtures"
HONGZE_PDF = CORPUS / "pdf" / "hongze_2024.pdf"
HONGZE_GOLD = gold(CORPUS / "pdf" / "hongze_2024.gold.json")
SEED3 = (CORPUS / "dev" / "seed_003.txt").read_text(encoding="utf-8")
# the Word report and its gold values (tests/fixtures/formats/, written by the formats' fixtures)
DOCX = FIXTURES / "formats" / "013_shanghai_kewei_2024.docx"
DOCX_GOLD = DOCX.with_suffix(".gold.json")


def text_pdf(lines: list[str]) -> bytes:
    """A one-page PDF whose text layer holds `lines` (ASCII): a real PDF that is not a report."""
    content = "BT /F1 12 Tf 72 720 Td 16 TL " + " ".join(f"({line}) '" for line in lines) + " ET"
    objs = ["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            "/Resources << /Font << /F1 5 0 R >> >> >>",
            f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def page(title: str, body: str) -> bytes:
    return (f"<html><head><meta charset='utf-8'><title>{title}</title></head><body>"
            "<div class='head'><img src='/images/logo.png' alt='logo'><a href='/index.html'>首页</a></div>"
            f"<h1>{title}</h1>{body}</body></html>").encode()


NOTICE_PDF = text_pdf(["Notice of a meeting", "The office moves on 1 March 2024."])
PAGES = {
    # the report as a PDF, beside a PDF that is not it: the one named as the annual report is taken
    "/pdf/page.html": page("淮安市洪泽区人民政府2024年政府信息公开工作年度报告",
                           "<p>根据《条例》要求，现公布本机关年度报告全文。</p>"
                           "<p>相关文件：<a href='/upload/guide.pdf'>政府信息公开指南.pdf</a></p>"
                           "<p>附件：<a href=\"/upload/P020250120%20hz.pdf\" title=\"淮安市洪泽区人民政府2024年"
                           "政府信息公开工作年度报告\">P020250120 hz.pdf</a></p>"),
    # the report as a Word file, linked by a download script
    "/docx/page.html": page("上海市科学技术委员会2024年政府信息公开工作年度报告",
                            "<p>附件：<a href='/module/download.jsp?filename=2024nb.docx&amp;id=7'>年报全文</a></p>"),
    # a notice: its PDF is no report
    "/notice/page.html": page("关于召开政务公开工作会议的通知",
                              "<p>详见附件：<a href='/files/notice.pdf'>会议通知.pdf</a></p>"),
    # its report link is broken
    "/broken/page.html": page("某某局2023年政府信息公开工作年度报告",
                              "<p>附件：<a href='/files/gone.pdf'>某某局2023年政府信息公开工作年度报告.pdf</a></p>"),
    # the report's tables in the page itself, and a PDF of it: the page is the report
    "/tables.html": ("<html><head><meta charset='utf-8'></head><body><pre>" + SEED3 + "</pre>"
                     "<p><a href='/files/copy.pdf'>年度报告.pdf</a></p></body></html>").encode(),
    # the report on another site (localhost is not 127.0.0.1's site)
    "/elsewhere.html": page("某某局2023年政府信息公开工作年度报告",
                            "<p>附件：<a href='http://localhost:{port}/upload/report.pdf'>年度报告.pdf</a></p>"),
    # a list of many files: a few are fetched
    "/many.html": page("某某局2023年政府信息公开工作年度报告",
                       "".join(f"<p><a href='/many/{n}.pdf'>文件{n}</a></p>" for n in range(8))),
    # the report as pictures of its tables, beside the site's logo and QR code
    "/pictures.html": page("某某局2023年政府信息公开工作年度报告",
                           "<p><img src='/upload/t1.jpg'><img src='/upload/t2.png'></p>"
                           "<div class='foot'><img src='/images/qrcode.png'></div>"),
}


class Site(BaseHTTPRequestHandler):
    hits: dict[str, int] = {}

    def log_message(self, *args):
        pass

    def _send(self, code, body=b"", ctype="text/html; charset=utf-8"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)

    def do_GET(self):
        path = unquote(self.path)
        Site.hits[path] = Site.hits.get(path, 0) + 1
        name = path.partition("?")[0]
        if name in PAGES:
            self._send(200, PAGES[name].replace(b"{port}", str(self.server.server_address[1]).encode()))
        elif name == "/upload/P020250120 hz.pdf":
            self._send(200, HONGZE_PDF.read_bytes(), "application/pdf")
        elif name == "/module/download.jsp" and DOCX.exists():
            self._send(200, DOCX.read_bytes(), "application/octet-stream")
        elif name in ("/files/notice.pdf", "/upload/guide.pdf", "/files/copy.pdf") or name.startswith("/many/"):
            self._send(200, NOTICE_PDF, "application/pdf")
        elif name.startswith("/upload/t"):
            self._send(200, b"\x89PNG\r\n\x1a\n" + name.encode(), "image/png")
        else:
            self._send(404, b"not found")


@pytest.fixture(scope="module")
def site():
    with serve(Site) as url:
        yield url


@pytest.fixture(autouse=True)
def fresh():
    Site.hits.clear()


LOCAL = CrawlSettings(delay=0, retries=0, allow_private=True)


# 1. which links are the report

def test_the_link_named_as_the_annual_report_is_taken():
    html = PAGES["/pdf/page.html"].decode()
    assert report_links(html, "http://www.hongze.gov.cn/xxgk/page.html") == (
        ["http://www.hongze.gov.cn/upload/P020250120%20hz.pdf"], [])


def test_links_a_page_may_give():
    base = "http://xxgk.example.gov.cn/a/b/page.html"
    # a download script, a PDF viewer's page, a link whose text names the file; each once
    html = ("<a href='/dl.jsp?id=3&amp;file=2023nb.doc'>x</a>"
            "<iframe src='/pdfjs/web/viewer.html?file=/u/2023.pdf'></iframe>"
            "<a href=\"/attach/99\">2023年年报.wps</a><a href='/dl.jsp?id=3&file=2023nb.doc'>again</a>"
            "<a href='javascript:void(0)'>x.pdf</a><a href='#top'>top</a>")
    here, elsewhere = report_links(html, base)
    assert here == ["http://xxgk.example.gov.cn/attach/99"]  # the one named as the annual report
    html = html.replace("2023年年报.wps", "2023.wps")
    assert report_links(html, base)[0] == ["http://xxgk.example.gov.cn/dl.jsp?id=3&file=2023nb.doc",
                                           "http://xxgk.example.gov.cn/u/2023.pdf",
                                           "http://xxgk.example.gov.cn/attach/99"]
    # no document, no word of an annual report: pictures are not taken
    assert report_links("<p>通知</p><img src='/u/1.jpg'>", base) == ([], [])
    assert report_links("<p>2023年年报</p><img src='/u/1.jpg'><img src='/img/logo.png'>", base) == (
        ["http://xxgk.example.gov.cn/u/1.jpg"], [])
    # a picture loaded lazily by a script: its data-src (data-original …), not its placeholder
    for lazy in ("data-src", "data-original", "data-lazy-src"):
        assert report_links(f"<p>2023年年报</p><img src='/img/loading.png' {lazy}='/u/2.jpg'>", base) == (
            ["http://xxgk.example.gov.cn/u/2.jpg"], [])
    assert report_links("<p>2023年年报</p><img data-src='' src='/u/3.jpg'>", base)[0] == [
        "http://xxgk.example.gov.cn/u/3.jpg"]
    # a PDF viewer loaded lazily into its frame
    assert report_links("<iframe src='about:blank' data-src='/pdfjs/viewer.html?file=/u/2023nb.pdf'></iframe>",
                        base) == (["http://xxgk.example.gov.cn/u/2023nb.pdf"], [])
    # relative links resolve against the page's <base href>, as a browser resolves them
    assert report_links("<base href='/files/2024/'><a href='nb.pdf'>2023年年报</a>", base) == (
        ["http://xxgk.example.gov.cn/files/2024/nb.pdf"], [])
    # bounded
    many = "".join(f"<a href='/f/{n}.pdf'>f</a>" for n in range(20))
    assert len(report_links(many, base)[0]) == MAX_LINKS


def test_the_site_of_a_page():
    assert site_of("www.hongze.gov.cn") == site_of("xxgk.hongze.gov.cn") == "hongze.gov.cn"
    assert site_of("www.huaian.gov.cn") == "huaian.gov.cn" and site_of("www.gov.cn") == "www.gov.cn"
    assert site_of("files.example.com") == "example.com" and site_of("a.b.zj.cn") == "b.zj.cn"
    assert site_of("127.0.0.1") == "127.0.0.1" and site_of("[::1]") == "::1"
    assert site_of("a.github.io") != site_of("b.github.io")  # the public suffix list's private part too
    page = "http://www.hongze.gov.cn/x.html"
    assert same_site("https://file.hongze.gov.cn/a.pdf", page)
    assert not same_site("http://www.huaian.gov.cn/a.pdf", page)
    assert same_site("http://cdn.other.cn/a.pdf", page, "http://cdn.other.cn/listed.html")  # the URL as listed
    html = "<a href='http://www.huaian.gov.cn/u/2023年度报告.pdf'>年度报告</a>"
    assert report_links(html, page) == ([], ["http://www.huaian.gov.cn/u/2023年度报告.pdf"])


# 2. the crawl: each linked file an entry of its own, the page settled after them

def test_a_page_that_links_its_report_leads_to_it(site, tmp_path):
    store = RawStore(tmp_path)
    urls = [f"{site}/pdf/page.html", f"{site}/notice/page.html", f"{site}/broken/page.html", f"{site}/tables.html",
            f"{site}/elsewhere.html", f"{site}/many.html", f"{site}/pictures.html"]
    entries = crawl([Target(urls[0], "洪泽区人民政府", 2024), *map(Target, urls[1:])], store, LOCAL)
    pages, files = entries[:len(urls)], entries[len(urls):]
    by_name = {e.source.removeprefix(site): e for e in entries}

    pdf_page, pdf = by_name["/pdf/page.html"], by_name["/upload/P020250120%20hz.pdf"]
    assert pdf_page.status == LINKED and pdf_page.attachment_url == pdf.source and pdf_page.error is None
    assert pdf_page.sha256 and store.path_of(pdf_page.sha256).exists()  # the page itself is kept too
    assert pdf.status == STORED and pdf.linked_from == pdf_page.source
    assert store.path_of(pdf.sha256).read_bytes() == HONGZE_PDF.read_bytes()
    assert (pdf.agency_hint, pdf.year_hint) == ("洪泽区人民政府", 2024)  # the list's hints go with the report
    assert "/upload/guide.pdf" not in Site.hits  # not named as the annual report: left

    assert by_name["/notice/page.html"].status == LINKED and by_name["/files/notice.pdf"].status == STORED

    broken = by_name["/broken/page.html"]
    assert broken.status == NEEDS_ATTACHMENT
    assert broken.error == f"the report it links could not be fetched: {site}/files/gone.pdf: HTTP 404"
    assert by_name["/files/gone.pdf"].status == ERROR and by_name["/files/gone.pdf"].linked_from == broken.source

    assert by_name["/tables.html"].status == STORED and "/files/copy.pdf" not in Site.hits

    port = site.rsplit(":", 1)[1]
    elsewhere = by_name["/elsewhere.html"]
    assert elsewhere.status == NEEDS_ATTACHMENT and elsewhere.error == (
        f"its report is linked on another site, not followed: http://localhost:{port}/upload/report.pdf")

    assert by_name["/many.html"].status == LINKED
    assert len(by_name["/many.html"].attachment_url.split()) == MAX_LINKS
    assert sum(p.startswith("/many/") for p in Site.hits) == MAX_LINKS

    pictures = by_name["/pictures.html"]
    assert pictures.attachment_url == f"{site}/upload/t1.jpg {site}/upload/t2.png"
    assert "/images/qrcode.png" not in Site.hits and "/images/logo.png" not in Site.hits

    # every linked file once, recorded before its page; the pages in the list's order
    assert [p.source for p in pages] == urls
    assert sorted(f.source for f in files) == sorted(u for p in pages if p.status == LINKED or p is broken
                                                     for u in p.attachment_url.split())
    order = [e.source for e in store.entries()]
    assert all(order.index(f.source) < order.index(f.linked_from) for f in files)
    assert {e.source: e.status for e in store.latest().values()} == {e.source: e.status for e in entries}


def test_a_linked_file_that_is_a_page_is_not_followed_further(site, tmp_path):
    """One level: a 'file' that turns out to be another page is stored as it is."""
    PAGES["/chain.html"] = page("某某局2023年年度报告", "<a href='/chain2.html'>年度报告.pdf</a>")
    PAGES["/chain2.html"] = page("某某局2023年年度报告", "<a href='/files/notice.pdf'>年度报告.pdf</a>")
    try:
        entries = crawl([Target(f"{site}/chain.html")], RawStore(tmp_path), LOCAL)
    finally:
        del PAGES["/chain.html"], PAGES["/chain2.html"]
    assert [e.status for e in entries] == [LINKED, STORED] and "/files/notice.pdf" not in Site.hits


def test_a_failed_refetch_of_a_linked_report_undoes_nothing(tmp_path):
    store = RawStore(tmp_path)
    store.record(Entry("http://x/a.pdf", STORED, sha256="4" * 64, linked_from="http://x/p.html"))
    store.record(Entry("http://x/p.html", LINKED, sha256="5" * 64, attachment_url="http://x/a.pdf"))
    store.record(Entry("http://x/a.pdf", ERROR, error="HTTP 500", linked_from="http://x/p.html"))
    store.record(Entry("http://x/p.html", NEEDS_ATTACHMENT, attachment_url="http://x/a.pdf",
                       error="the report it links could not be fetched: http://x/a.pdf: HTTP 500"))
    latest = store.latest()
    assert latest["http://x/p.html"].status == LINKED and latest["http://x/a.pdf"].status == STORED
    assert list(store.documents()) == ["4" * 64]  # the page itself is no document to extract


# 3. the whole pipeline, as a user runs it

@pytest.mark.slow
def test_xxgk_run_reads_reports_linked_as_pdf_and_docx(site, tmp_path):
    assert DOCX.exists() and DOCX_GOLD.exists(), f"{DOCX} and its gold file: not there yet"
    docx_gold = gold(DOCX_GOLD)
    (tmp_path / "list.csv").write_text(
        f"{site}/pdf/page.html\n{site}/docx/page.html\n{site}/notice/page.html\n{site}/broken/page.html\n",
        encoding="utf-8")
    env = {**os.environ, "XXGK_CRAWL_ALLOW_PRIVATE": "1"}  # the site is on 127.0.0.1
    xxgk = Path(sys.executable).with_name("xxgk")
    p = subprocess.run([str(xxgk), "run", "--urls", "list.csv"], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 1, p.stderr[-2000:]  # the notice's PDF and the broken link: counted, not hidden
    data = tmp_path / "data"
    pdf, docx = f"{site}/upload/P020250120%20hz.pdf", f"{site}/module/download.jsp?filename=2024nb.docx&id=7"

    # sources: each report's file, and the page that linked it
    sources = {s: (status, via) for s, status, via in q(data, "SELECT source, status, linked_from FROM sources")}
    assert sources == {
        f"{site}/pdf/page.html": ("linked", None), pdf: ("stored", f"{site}/pdf/page.html"),
        f"{site}/docx/page.html": ("linked", None), docx: ("stored", f"{site}/docx/page.html"),
        f"{site}/notice/page.html": ("linked", None), f"{site}/files/notice.pdf": ("stored", f"{site}/notice/page.html"),
        f"{site}/broken/page.html": ("needs_attachment", None), f"{site}/files/gone.pdf": ("error", f"{site}/broken/page.html"),
    }
    traced = q(data, """SELECT r.agency, r.report_year, s.source, s.linked_from
                        FROM reports r JOIN sources s USING (sha256) ORDER BY r.agency""")
    assert traced == sorted([(docx_gold["agency"], docx_gold["report_year"], docx, f"{site}/docx/page.html"),
                             (HONGZE_GOLD["agency"], HONGZE_GOLD["report_year"], pdf, f"{site}/pdf/page.html")])

    # the values, as the gold files give them, every cell
    cells = {(src, key): value for src, key, value in q(data, """
        SELECT r.source, c.key, coalesce(c.amount, c.value) FROM cells c JOIN reports r USING (sha256)""")}
    assert {k: cells[pdf, k] for k in HONGZE_GOLD["cells"]} == HONGZE_GOLD["cells"]
    assert {k: cells[docx, k] for k in docx_gold["cells"]} == docx_gold["cells"]
    assert q(data, f"SELECT new_received FROM report_headline WHERE agency = '{HONGZE_GOLD['agency']}'") == [
        (HONGZE_GOLD["cells"]["applications.new_received.total"],)]

    # nothing lost: the notice's PDF is no report, the broken link's page says so
    fails = {s: (stage, reason) for s, stage, reason in q(data, "SELECT source, stage, reason FROM failures")}
    assert fails[f"{site}/files/notice.pdf"] == (
        "extract", "no report found: neither the 2019 nor the 2021 form's tables")
    assert fails[f"{site}/broken/page.html"] == (
        "fetch", f"the report it links could not be fetched: {site}/files/gone.pdf: HTTP 404")
    assert fails[f"{site}/files/gone.pdf"] == ("fetch", "HTTP 404")
    assert set(fails) == {f"{site}/files/notice.pdf", f"{site}/broken/page.html", f"{site}/files/gone.pdf"}
    assert "no report found" in p.stdout and "could not be fetched" in p.stdout
