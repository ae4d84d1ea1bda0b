"""Crawling real report pages from a local HTTP server on 127.0.0.1, through the real flows."""
from __future__ import annotations

import contextlib
import time
from http.server import BaseHTTPRequestHandler

import duckdb
import pytest

from conftest import CORPUS, serve
from xxgk.flows.crawl import crawl_flow
from xxgk.flows.extract import run_extract
from xxgk.flows.publish import publish_flow
from xxgk.ingest.crawl import CrawlSettings, Target, crawl, read_targets
from xxgk.ingest.raw_store import RawStore

pytestmark = pytest.mark.slow  # Prefect and the whole pipeline

SEED3 = (CORPUS / "dev" / "seed_003.txt").read_text(encoding="utf-8")
PAGE = ("<html><head><meta charset='{cs}'><title>卧龙区人民政府2020年政府信息公开工作年度报告</title></head>"
        "<body><div class='nav'>首页 | 政务公开</div><pre>{body}</pre></body></html>")
SHUYANG = (CORPUS / "real" / "015_suqian_shuyang_fagaiju_2023_crawlhtml.html").read_bytes()


class Site(BaseHTTPRequestHandler):
    hits: dict[str, int] = {}
    agents: list[str] = []

    def log_message(self, *args):
        pass

    def _send(self, code, body=b"", ctype="text/html"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
            self.wfile.write(body)

    def do_GET(self):
        Site.hits[self.path] = Site.hits.get(self.path, 0) + 1
        Site.agents.append(self.headers.get("User-Agent", ""))
        if self.path == "/report.html":
            self._send(200, PAGE.format(cs="utf-8", body=SEED3).encode())
        elif self.path == "/gbk.html":  # a GBK page that says so only in its meta tag
            self._send(200, SHUYANG.decode("utf-8").replace('charset="utf-8"', 'charset="gbk"')
                       .encode("gb18030"), "text/html")
        elif self.path == "/flaky.html":  # fails twice, then recovers
            if Site.hits[self.path] <= 2:
                self._send(500, b"busy")
            else:
                self._send(200, PAGE.format(cs="utf-8", body=SEED3.replace("卧龙区", "宛城区")).encode())
        elif self.path == "/down.html":
            self._send(503, b"down")
        elif self.path == "/attach.html":
            self._send(200, "<html><body><h1>某某局2023年政府信息公开工作年度报告</h1>"
                            "<p>详见附件：<a href='/files/2023nb.pdf'>年度报告.pdf</a></p></body></html>".encode())
        elif self.path == "/slow.html":
            time.sleep(3)
            self._send(200, b"too late")
        elif self.path == "/big.html":
            self._send(200, b"x" * 200_000)
        else:
            self._send(404, b"not found")


@pytest.fixture(scope="module")
def site():
    Site.hits.clear()
    with serve(Site) as url:
        yield url


def test_crawl_extract_publish(site, tmp_path, monkeypatch):
    monkeypatch.setenv("XXGK_CRAWL_ALLOW_PRIVATE", "1")  # the site is on 127.0.0.1
    urls = tmp_path / "urls.csv"
    urls.write_text("url,agency,year\n"
                    f"{site}/report.html,卧龙区人民政府,2020\n{site}/gbk.html\n{site}/flaky.html\n"
                    f"{site}/missing.html\n{site}/attach.html\n{site}/slow.html\n{site}/down.html\n"
                    "ftp://example.org/x.txt\n# a comment\n", encoding="utf-8")
    data = tmp_path / "data"
    counts = crawl_flow(str(urls), str(data), delay=0.01, timeout=1.0, retries=2, backoff=0.05)
    assert counts == {"stored": 3, "error": 5, "needs_attachment": 1}  # error: 4 of the list, and attach.html's PDF
    latest = RawStore(data / "raw").latest()
    by_path = {src.rsplit("/", 1)[-1]: e for src, e in latest.items()}
    assert by_path["report.html"].agency_hint == "卧龙区人民政府" and by_path["report.html"].year_hint == 2020
    assert by_path["gbk.html"].charset == "gbk" or by_path["gbk.html"].charset == "gb18030"
    assert by_path["missing.html"].error == "HTTP 404" and Site.hits["/missing.html"] == 1  # no retry on 4xx
    assert Site.hits["/flaky.html"] == 3 and by_path["flaky.html"].status == "stored"
    assert by_path["down.html"].error == "HTTP 503 (after 3 attempts)"
    assert "ReadTimeout" in by_path["slow.html"].error
    assert by_path["attach.html"].attachment_url == f"{site}/files/2023nb.pdf"  # fetched: not found
    assert by_path["2023nb.pdf"].error == "HTTP 404" and by_path["2023nb.pdf"].linked_from == f"{site}/attach.html"
    assert by_path["x.txt"].error.startswith("not an http(s) URL")
    assert all(a.startswith("xxgk/") for a in Site.agents)

    assert run_extract(str(data), runner="thread") == {"extracted": 3, "ok": 3}
    publish_flow(str(data))
    con = duckdb.connect(str(data / "processed" / "xxgk.duckdb"), read_only=True)
    rows = con.execute("""SELECT agency, report_year, value FROM cells_labeled
                          WHERE key = 'applications.new_received.total'""").fetchall()
    assert sorted(rows) == sorted([("宛城区人民政府", 2020, 56.0), ("卧龙区人民政府", 2020, 56.0), ("沭阳县发展和改革局", 2023, 26.0)])
    fails = dict(con.execute("SELECT regexp_extract(source, '[^/]+$'), reason FROM failures").fetchall())
    con.close()
    assert fails["attach.html"] == f"the report it links could not be fetched: {site}/files/2023nb.pdf: HTTP 404"
    assert fails["2023nb.pdf"] == "HTTP 404"
    assert fails["missing.html"] == "HTTP 404"
    assert set(fails) == {"attach.html", "2023nb.pdf", "missing.html", "slow.html", "down.html", "x.txt"}


def test_size_limit_and_politeness(site, tmp_path):
    store = RawStore(tmp_path / "raw")
    s = CrawlSettings(timeout=2, retries=0, delay=0.3, per_host=1, max_bytes=100_000, allow_private=True)
    t0 = time.monotonic()
    entries = crawl([Target(f"{site}/big.html"), Target(f"{site}/report.html"), Target(f"{site}/missing.html")],
                    store, s)
    elapsed = time.monotonic() - t0
    assert entries[0].status == "error" and "100000-byte limit" in entries[0].error
    assert entries[1].status == "stored"
    assert elapsed >= 0.6  # three requests to one host, started 0.3 s apart


def test_url_list_formats(tmp_path):
    f = tmp_path / "list.txt"
    f.write_text("http://a.example/1.html\n\n# skip\nhttp://a.example/2.html\t某局\t2022\n", encoding="utf-8")
    assert read_targets(f) == [Target("http://a.example/1.html"), Target("http://a.example/2.html", "某局", 2022)]


def test_xxgk_run_urls_as_the_readme_gives_it(site, tmp_path):
    """`xxgk run --urls list.csv`, typed as the README writes it, from a folder of its own."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    (tmp_path / "list.csv").write_text(f"{site}/report.html,卧龙区人民政府,2020\n{site}/missing.html\n",
                                       encoding="utf-8")
    env = {**os.environ, "XXGK_CRAWL_ALLOW_PRIVATE": "1"}  # the site is on 127.0.0.1
    xxgk = Path(sys.executable).with_name("xxgk")
    p = subprocess.run([str(xxgk), "run", "--urls", "list.csv"], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 1, p.stderr[-2000:]  # one input failed: counted, not hidden
    assert "documents 2 · extracted 1" in p.stdout and "failed 1" in p.stdout and "HTTP 404" in p.stdout
    con = duckdb.connect(str(tmp_path / "data" / "processed" / "xxgk.duckdb"), read_only=True)
    assert con.execute("SELECT agency, report_year FROM reports").fetchall() == [("卧龙区人民政府", 2020)]
    con.close()
