"""Tables published as pictures in a web page, end to end: the HTML reader OCRs the pictures a
page carries as `data:` URIs when its own rows lack the report's tables (`formats/html.py`),
and the crawler puts a report page's pictures into the page as such URIs, storing one document
(`Crawler.inline`, `links.inline_pictures`).

The fixture is tests/fixtures/formats/img_table.html (sections 二 and 四 as HTML tables, 三 only
as hongze_2023_table.png; gold img_table.gold.json). OCR costs seconds a picture: the tests
that run it are `slow`, and the same page's bytes are read once (`_extracted`).
"""
from __future__ import annotations

import base64
import contextlib
import hashlib
import json
from functools import cache
from http.server import BaseHTTPRequestHandler
from io import BytesIO
from pathlib import Path
from urllib.parse import unquote

import pytest
from PIL import Image

from conftest import CORPUS, gold, needs_ocr, serve
from xxgk.extract import tesseract
from xxgk.extract.decode import Unreadable
from xxgk.extract.formats import html, scan
from xxgk.extract.model import CheckKind, Report, Status
from xxgk.extract.report import extract_bytes
from xxgk.ingest.crawl import CrawlSettings, Target, crawl
from xxgk.ingest.links import inline_pictures
from xxgk.ingest.raw_store import STORED, RawStore

FORMATS = Path(__file__).parent / "fixtures" / "formats"
PAGE = (FORMATS / "img_table.html").read_bytes()
PNG = (FORMATS / "hongze_2023_table.png").read_bytes()
GOLD = json.loads((FORMATS / "img_table.gold.json").read_text(encoding="utf-8"))
EXACT_AT_LEAST = 175  # as tests/test_scan.py's IMG_TABLE_EXACT_AT_LEAST: the same picture, the same OCR
SHUYANG = CORPUS / "real" / "015_suqian_shuyang_fagaiju_2023_crawlhtml.html"  # a page with its tables
SHUYANG_GOLD = gold(SHUYANG.with_name("015_suqian_shuyang_fagaiju_2023_crawlhtml.gold.json"))


def data_uri(data: bytes, mime: str = "image/png") -> bytes:
    return f"data:{mime};base64,".encode() + base64.b64encode(data)


def inlined_page() -> bytes:
    """img_table.html as a browser saves it with its pictures, or a CMS that inlines them."""
    out = PAGE.replace(b'src="hongze_2023_table.png"', b'src="' + data_uri(PNG) + b'"')
    assert out != PAGE
    return out


def picture(width: int, height: int, fmt: str = "PNG") -> bytes:
    out = BytesIO()
    Image.new("L", (width, height), 200).save(out, fmt)
    return out.getvalue()


@cache
def _extracted(data: bytes) -> Report:
    return extract_bytes(data, "img_table.html")


def _score(report: Report, cells: dict) -> tuple[int, list[str], list[str]]:
    """Cells read exactly; cells null or flagged (inferred, or named by a failed check); and
    cells holding a number other than gold's that nothing flags, which must never happen."""
    exact, flagged, wrong = 0, [], []
    for key, value in cells.items():
        cell = report.cells.get(key)
        got = None if cell is None else cell.value
        named = bool(cell and cell.inferred) or any(not c.ok and c.subject == key for c in report.checks)
        if got == value and not (cell and cell.inferred):
            exact += 1
        elif got is not None and got != value and not named:
            wrong.append(f"{key}: {got!r} (gold {value!r}, confidence {cell and cell.confidence})")
        else:
            flagged.append(key)
    return exact, flagged, wrong


@pytest.fixture
def no_ocr(monkeypatch):
    """OCR that fails the test if anything asks for it."""
    def refuse(*args, **kwargs):
        raise AssertionError("OCR ran")

    monkeypatch.setattr(scan, "embed", refuse)
    monkeypatch.setattr(scan, "read", refuse)


# 1. the HTML reader

@needs_ocr
@pytest.mark.slow
def test_a_page_carrying_its_table_as_a_picture_is_read_by_ocr():
    report = _extracted(inlined_page())
    assert (report.kind, report.template, report.report_year) == ("html", GOLD["template"], GOLD["report_year"])
    assert report.tables["applications"] == "read"
    exact, flagged, wrong = _score(report, GOLD["cells"])
    assert not wrong, wrong
    assert exact >= EXACT_AT_LEAST, flagged
    # the page's own values have no anchor; the picture's are placed at its <img> tag
    at = inlined_page().decode("utf-8").index("<img")
    assert report.cells["disclosure.penalty.decisions"].confidence is None
    assert report.cells["applications.new_received.natural_person"].where.startswith(f"image at {at}, page 1")
    assert report.cells["applications.new_received.natural_person"].confidence >= 70


def test_a_page_holding_its_tables_never_pays_for_ocr(no_ocr):
    """A page whose rows hold the report's tables: its pictures, even one of a table's size,
    are not OCR'd (scan.embed would fail the test), and the page reads as without them."""
    page = SHUYANG.read_bytes()
    extra = (b'<img src="' + data_uri(picture(200, 60)) + b'" alt="logo">'
             b'<img src="' + data_uri(PNG) + b'">')
    report = extract_bytes(page.replace(b"</body>", extra + b"</body>", 1), SHUYANG.name)
    assert report.kind == "html" and report.status is not Status.FAILED
    assert {k: report.cells[k].value for k in SHUYANG_GOLD["cells"]} == SHUYANG_GOLD["cells"]
    assert all(c.confidence is None for c in report.cells.values())  # nothing came from OCR
    assert not any(c.rule == "pictures" for c in report.checks)
    # and without the pictures the page reads alike
    plain = extract_bytes(page, SHUYANG.name)
    assert {k: c.value for k, c in plain.cells.items()} == {k: c.value for k, c in report.cells.items()}


def test_logos_and_icons_are_not_pictures_of_tables(no_ocr):
    """On a page without tables, pictures too small for a table (a logo, an icon, a QR code), an
    SVG and a data: URI that is no image are left: nothing is OCR'd."""
    body = "".join(f'<img src="{data_uri(b).decode()}">' for b in (picture(240, 80), picture(120, 120, "JPEG")))
    body += '<img src="data:image/svg+xml;base64,PHN2Zy8+"><img src="data:image/png;base64,bm90IGFuIGltYWdl">'
    page = f"<html><body><h1>某某局2023年政府信息公开工作年度报告</h1>{body}</body></html>".encode()
    doc = html.read(page, "page.html")
    assert doc.kind == "html" and not doc.anchors and not doc.notes


def test_without_tesseract_the_page_is_read_without_its_pictures(monkeypatch):
    """No OCR: the page is read as it is, and the report says its pictures were left unread."""
    def missing(languages):
        raise Unreadable("a scan needs OCR, and the tesseract program (tesseract) is not installed: "
                         "install tesseract-ocr")

    monkeypatch.setattr(tesseract, "program", missing)
    doc = html.read(inlined_page(), "img_table.html")
    assert not doc.anchors and len(doc.notes) == 1 and "tesseract" in doc.notes[0]
    report = extract_bytes(inlined_page(), "img_table.html")
    assert report.status is not Status.OK and report.tables.get("applications") != "read"
    said = [c for c in report.checks if c.rule == "pictures"]
    assert len(said) == 1 and not said[0].ok and said[0].kind is CheckKind.LAYOUT
    assert "picture(s) that may hold its tables, not read" in said[0].detail and "not installed" in said[0].detail


def test_inline_pictures_keeps_the_page_in_its_charset():
    pics = {"http://x.gov.cn/u/表1.png": ("image/png", b"\x89PNG one"),
            "http://x.gov.cn/u/t2.jpg": ("image/jpeg", b"\xff\xd8\xff two")}
    page = ("<html><head><meta charset='gbk'></head><body><p>某某局2023年政府信息公开工作年度报告</p>"
            "<a href='/u/表1.png'><img alt='表一' src=\"/u/表1.png\" width=600></a><img src='表1.png'>"
            "<p><a href='t2.jpg'>表二</a></p><img src='/img/logo.png'></body></html>")
    want = page.replace("<img alt='表一' src=\"/u/表1.png\"",
                        "<img alt='表一' src=\"" + data_uri(b"\x89PNG one").decode() + '"')
    jpeg = data_uri(b"\xff\xd8\xff two", "image/jpeg").decode()
    want = want.replace("<a href='t2.jpg'>", f"<img src=\"{jpeg}\"><a href='t2.jpg'>")
    for encoding, said in (("gb18030", "gb18030"), ("utf-8", "utf-8"), ("utf-16", "utf-16 (BOM)"),
                           ("utf-16-le", "utf-16-le")):
        out, put = inline_pictures(page.encode(encoding), said, "http://x.gov.cn/u/p.html", pics)
        # each picture once: the <img> inside its own link only; the link alone shows the other
        assert put == list(pics) and out.decode(encoding) == want, encoding
    # a picture loaded lazily: its bytes where it would load them, the placeholder left
    # (in its src: a reader takes an <img>'s first src, and the placeholder may be a data: GIF)
    gif = "data:image/gif;base64,R0lGODlhAQABAAAAACw="
    for placeholder in ("/img/loading.gif", gif):
        lazy = f"<p>年报</p><img class=lazy src='{placeholder}' data-original='/u/t2.jpg' alt=表二>"
        out, put = inline_pictures(lazy.encode(), "utf-8", "http://x.gov.cn/u/p.html", pics)
        assert put == ["http://x.gov.cn/u/t2.jpg"]
        assert out.decode() == lazy.replace(f"src='{placeholder}'", f'src="{jpeg}"')
    out, _ = inline_pictures(b"<img data-src='/u/t2.jpg'>", "utf-8", "http://x.gov.cn/u/p.html", pics)
    assert out.decode() == f'<img src="{jpeg}">'
    # relative to the page's <base href>, as its links are resolved when the pictures are found
    based = "<head><base href='/files/2023/'></head><p>年报</p><img src='t2.jpg'>"
    out, put = inline_pictures(based.encode(), "utf-8", "http://x.gov.cn/u/p.html",
                               {"http://x.gov.cn/files/2023/t2.jpg": pics["http://x.gov.cn/u/t2.jpg"]})
    assert put == ["http://x.gov.cn/files/2023/t2.jpg"] and out.decode() == based.replace("'t2.jpg'", f'"{jpeg}"')
    # a <base href> after 20,000 bytes of head (a long Chinese description: 3 bytes a character)
    based = based.replace("<head>", "<head><meta name=description content='" + "年报" * 4000 + "'>")
    out, put = inline_pictures(based.encode(), "utf-8", "http://x.gov.cn/u/p.html",
                               {"http://x.gov.cn/files/2023/t2.jpg": pics["http://x.gov.cn/u/t2.jpg"]})
    assert put == ["http://x.gov.cn/files/2023/t2.jpg"]
    # nothing to put in: the bytes as they were
    assert inline_pictures(page.encode("gb18030"), "gb18030", "http://x.gov.cn/u/p.html", {}) == (
        page.encode("gb18030"), [])


# 2. the crawler

GBK_PAGE = ("<html><head><meta http-equiv='Content-Type' content='text/html; charset=gb2312'>"
            "<title>某某县财政局2023年政府信息公开工作年度报告</title></head><body>"
            "<div class='head'><img src='/images/logo.png'></div>"
            "<h1>某某县财政局2023年政府信息公开工作年度报告</h1><p>附表：</p>"
            "<p><img src='/gbk/表一.png'></p><p><img src='/gbk/gone.png'></p></body></html>").encode("gb18030")
FILES = {
    "/nb/img_table.html": (PAGE, "text/html; charset=utf-8"),
    "/nb/hongze_2023_table.png": (PNG, "image/png"),
    "/gbk/page.html": (GBK_PAGE, "text/html; charset=gb2312"),
    "/gbk/表一.png": (picture(640, 400), "image/png"),
    "/images/logo.png": (picture(200, 60), "image/png"),
    # the same page with its picture loaded lazily by a script, a placeholder in its src
    "/nb/lazy.html": (PAGE.replace(b'src="hongze_2023_table.png"',
                                   b'src="/images/loading.gif" data-src="hongze_2023_table.png"'), "text/html"),
}


class Site(BaseHTTPRequestHandler):
    """The files above, each with an ETag, answering If-None-Match with 304."""
    hits: list[tuple[str, int]] = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        path = unquote(self.path)
        if path not in FILES:
            Site.hits.append((path, 404))
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body, ctype = FILES[path]
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        code = 304 if self.headers.get("If-None-Match") == etag else 200
        Site.hits.append((path, code))
        self.send_response(code)
        self.send_header("ETag", etag)
        if code == 200:
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if code == 200:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)


@pytest.fixture(scope="module")
def site():
    with serve(Site) as url:
        yield url


LOCAL = CrawlSettings(delay=0, retries=0, allow_private=True)


@pytest.fixture(scope="module")
def crawled(site, tmp_path_factory):
    """The two pages crawled into a fresh store, once for the module."""
    Site.hits.clear()
    store = RawStore(tmp_path_factory.mktemp("raw"))
    entries = crawl([Target(f"{site}/nb/img_table.html"), Target(f"{site}/gbk/page.html", "某某县财政局", 2023)],
                    store, LOCAL)
    return store, entries, list(Site.hits)


def test_the_crawler_puts_a_pages_pictures_in_it(site, crawled):
    store, entries, hits = crawled
    # one entry per page, no picture stored apart
    assert [e.source for e in entries] == [f"{site}/nb/img_table.html", f"{site}/gbk/page.html"]
    assert sorted(e.source for e in store.entries()) == sorted(e.source for e in entries)
    page, gbk = entries
    assert (page.status, page.error, page.linked_from) == (STORED, None, None)
    assert page.attachment_url == f"{site}/nb/hongze_2023_table.png"
    stored = store.path_of(page.sha256).read_bytes()
    assert page.bytes == len(stored) and store.documents()[page.sha256].source == page.source
    # the page as served, its <img> showing the picture's bytes instead of fetching them
    assert stored == inlined_page()

    # a GBK page stays GBK; a picture that cannot be fetched is said, the page stored anyway
    assert gbk.status == STORED and (gbk.agency_hint, gbk.year_hint) == ("某某县财政局", 2023)
    assert gbk.attachment_url == f"{site}/gbk/表一.png"
    assert gbk.error == (f"1 of the 2 pictures of its tables could not be put in the page: "
                         f"{site}/gbk/gone.png: HTTP 404")
    text = store.path_of(gbk.sha256).read_bytes().decode("gb18030")
    assert "charset=gb2312" in text and "某某县财政局" in text and "<img src='/gbk/gone.png'>" in text
    assert f"<img src=\"{data_uri(FILES['/gbk/表一.png'][0]).decode()}\">" in text
    assert ("/images/logo.png", 200) not in hits  # the site's logo is no picture of the report


def test_a_page_stored_with_its_pictures_is_not_fetched_again_when_unchanged(site, crawled, tmp_path):
    """The next crawl asks conditionally: a 304 leaves the page (its pictures in) as it is, with
    no new line in the manifest; a page that lacks a picture is fetched whole and tried again
    (the same outcome: no new line either)."""
    store, entries, _ = crawled
    again = RawStore(tmp_path)
    again.manifest_path.write_bytes(store.manifest_path.read_bytes())
    for e in entries:
        (again.path_of(e.sha256).parent).mkdir(parents=True, exist_ok=True)
        again.path_of(e.sha256).write_bytes(store.path_of(e.sha256).read_bytes())
    Site.hits.clear()
    second = crawl([Target(f"{site}/nb/img_table.html"), Target(f"{site}/gbk/page.html", "某某县财政局", 2023)],
                   again, LOCAL)
    assert ("/nb/img_table.html", 304) in Site.hits and ("/nb/hongze_2023_table.png", 200) not in Site.hits
    assert ("/gbk/page.html", 200) in Site.hits and ("/gbk/表一.png", 200) in Site.hits
    assert [(e.status, e.sha256, e.attachment_url, e.error) for e in second] == [
        (e.status, e.sha256, e.attachment_url, e.error) for e in entries]
    assert len(again.entries()) == len(entries)  # nothing changed: nothing recorded


@needs_ocr
@pytest.mark.slow
def test_a_crawled_page_showing_its_table_as_a_picture_is_one_report(crawled):
    store, entries, _ = crawled
    page = entries[0]
    report = _extracted(store.path_of(page.sha256).read_bytes())  # the page as stored: one document
    assert report.status is not Status.FAILED and report.agency == GOLD["agency"]
    applications = {k: v for k, v in GOLD["cells"].items() if k.startswith("applications.")}
    exact, flagged, wrong = _score(report, applications)
    assert not wrong, wrong
    assert exact >= EXACT_AT_LEAST - (len(GOLD["cells"]) - len(applications)), flagged


@needs_ocr
@pytest.mark.slow
def test_a_picture_loaded_lazily_is_put_in_and_read(site, tmp_path):
    store = RawStore(tmp_path)
    Site.hits.clear()
    [page] = crawl([Target(f"{site}/nb/lazy.html")], store, LOCAL)
    assert (page.status, page.error, page.attachment_url) == (STORED, None, f"{site}/nb/hongze_2023_table.png")
    assert ("/images/loading.gif", 200) not in Site.hits and ("/images/loading.gif", 404) not in Site.hits
    stored = store.path_of(page.sha256).read_bytes()
    assert stored == FILES["/nb/lazy.html"][0].replace(b'src="/images/loading.gif"', b'src="' + data_uri(PNG) + b'"')
    report = extract_bytes(stored, "lazy.html")
    assert report.tables["applications"] == "read"
    exact, flagged, wrong = _score(report, GOLD["cells"])
    assert not wrong, wrong
    assert exact >= EXACT_AT_LEAST, flagged
