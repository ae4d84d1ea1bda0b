"""The crawler against hostile servers on 127.0.0.1: every fetch is bounded in memory, in time
and in where it may connect, and a bad line of the URL list costs that line alone."""
from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from xxgk.ingest.addresses import why_not_public
from xxgk.ingest.crawl import CrawlSettings, Target, crawl, read_targets
from xxgk.ingest.raw_store import ERROR, STORED, RawStore

PAGE = ("<html><head><meta charset='utf-8'><title>某局2023年政府信息公开工作年度报告</title></head>"
        "<body><p>一、总体情况</p></body></html>").encode()
MB = 1024 * 1024


def _stacked_gzip_bomb() -> bytes:
    """1 GB of zeros gzipped twice: 12 KB on the wire."""
    c = zlib.compressobj(1, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(MB)
    inner = b"".join(c.compress(zeros) for _ in range(1024)) + c.flush()
    return gzip.compress(inner)


class Hostile(BaseHTTPRequestHandler):
    hits: dict[tuple[int, str], int] = {}
    encodings: list[str] = []
    bomb = b""

    def log_message(self, *args):
        pass

    def _send(self, code, body=b"", headers=()):
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)

    def do_GET(self):
        port = self.server.server_address[1]
        path, _, query = self.path.partition("?")
        Hostile.hits[(port, path)] = Hostile.hits.get((port, path), 0) + 1
        Hostile.encodings.append(self.headers.get("Accept-Encoding", ""))
        args = {k: v[0] for k, v in parse_qs(query).items()}
        if path == "/ok.html":
            self._send(200, PAGE, [("Content-Type", "text/html; charset=utf-8")])
        elif path == "/bomb":
            self._send(200, Hostile.bomb, [("Content-Type", "text/html"), ("Content-Encoding", "gzip, gzip")])
        elif path == "/encoded":  # PAGE in the encoding asked for
            header, body = {
                "gzip": ("gzip", gzip.compress(PAGE)),
                "deflate": ("deflate", zlib.compress(PAGE)),
                "deflate-raw": ("deflate", zlib.compress(PAGE, wbits=-zlib.MAX_WBITS)),  # as some servers send it
                "gzip-gzip": ("gzip, gzip", gzip.compress(gzip.compress(PAGE))),
                "gzip-members": ("gzip", gzip.compress(PAGE[:50]) + gzip.compress(PAGE[50:])),
                "gzip-padded": ("gzip", gzip.compress(PAGE) + b"\n\x00\x00"),  # bytes after the stream
                "br": ("br", b"\x0b\x02\x80"),
            }[args["as"]]
            self._send(200, body, [("Content-Encoding", header)])
        elif path.startswith("/big/"):  # distinct bytes per document
            n = int(args["mb"]) * MB
            self.send_response(200)
            self.send_header("Content-Length", str(n))
            self.end_headers()
            block = (b"%PDF-1.4 " + path.encode() * 1000)[:65536].ljust(65536, b".")  # a PDF: the crawler reads back no more than its head
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                for _ in range(n // 65536):
                    self.wfile.write(block)
        elif path == "/trickle":  # a byte a second, forever
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                for _ in range(100000):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(1)
        elif path == "/down":
            self._send(503, b"down")
        elif path == "/redirect":
            self._send(302, b"", [("Location", args["to"])])
        elif path == "/loop":
            self._send(301, b"", [("Location", "/loop")])
        else:
            self._send(404, b"not found")


def _serve():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
    server.daemon_threads = True  # a trickle in progress must not hold the test up
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def sites():
    """Two servers: two ports of 127.0.0.1."""
    servers = [_serve(), _serve()]
    yield [f"http://127.0.0.1:{s.server_address[1]}" for s in servers]
    for s in servers:
        s.shutdown()
        s.server_close()


@pytest.fixture
def site(sites):
    return sites[0]


def _port(url):
    return urlsplit(url).port


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    monkeypatch.delenv("XXGK_CRAWL_ALLOW_PRIVATE", raising=False)
    Hostile.hits.clear()


LOCAL = CrawlSettings(delay=0, retries=0, allow_private=True)

# A crawl in a process of its own, to measure its memory: its peak RSS (VmHWM: getrusage's
# ru_maxrss keeps the forking parent's peak across exec) minus its RSS before crawling. Address
# space is capped at 2 GB so that a regression fails here instead of swapping the machine.
CHILD = r"""
import json, re, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
from xxgk.ingest.crawl import CrawlSettings, Target, crawl
from xxgk.ingest.raw_store import RawStore

def peak_mb():
    with open("/proc/self/status") as f:
        return int(re.search(r"VmHWM:\s+(\d+) kB", f.read()).group(1)) / 1024

args = json.loads(sys.argv[1])
before = peak_mb()
t0 = time.monotonic()
entries = crawl([Target(u) for u in args["urls"]], RawStore(args["raw"]), CrawlSettings(**args["settings"]))
print(json.dumps({"entries": [vars(e) for e in entries], "seconds": time.monotonic() - t0,
                  "peak_mb": peak_mb(), "growth_mb": peak_mb() - before}))
"""


def _crawl_in_child(urls, raw, **settings):
    env = {**os.environ, "MALLOC_ARENA_MAX": "2"}  # glibc's per-thread arenas would eat the 2 GB of address space
    out = subprocess.run([sys.executable, "-c", CHILD, json.dumps({"urls": urls, "raw": str(raw), "settings": settings})],
                         capture_output=True, text=True, timeout=60, env=env)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


# 1. decompression bombs

needs_proc = pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="measures memory in /proc (Linux)")


@needs_proc
def test_a_stacked_gzip_bomb_is_refused_within_bounded_memory(site, tmp_path):
    Hostile.bomb = _stacked_gzip_bomb()
    assert len(Hostile.bomb) < 20_000
    run = _crawl_in_child([f"{site}/bomb", f"{site}/ok.html"], tmp_path / "raw", delay=0, allow_private=True)
    bomb, ok = run["entries"]
    assert bomb["status"] == ERROR and bomb["error"] == \
        "response larger than 30 MB after decoding (over the 31457280-byte limit)"
    assert ok["status"] == STORED
    print(f"stacked gzip bomb: peak RSS {run['peak_mb']:.0f} MB (+{run['growth_mb']:.1f} MB), {run['seconds']:.2f} s")
    assert run["growth_mb"] < 300
    assert not list((tmp_path / "raw" / "store").glob(".tmp-*"))  # the abandoned download is gone


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "deflate-raw", "gzip-gzip", "gzip-members", "gzip-padded"])
def test_encoded_bodies_are_stored_decoded(site, tmp_path, encoding):
    store = RawStore(tmp_path)
    (entry,) = crawl([Target(f"{site}/encoded?as={encoding}")], store, LOCAL)
    assert entry.status == STORED, entry.error
    assert store.path_of(entry.sha256).read_bytes() == PAGE and entry.bytes == len(PAGE)
    assert Hostile.encodings[-1] == "gzip, deflate"  # what we can decode within bounds, and no more


def test_an_encoding_we_did_not_offer_is_refused(site, tmp_path):
    (entry,) = crawl([Target(f"{site}/encoded?as=br")], RawStore(tmp_path), LOCAL)
    assert entry.error == "unsupported Content-Encoding 'br'"


# 2. a response streams into the store; the crawl keeps no page in memory

@needs_proc
def test_pages_stream_into_the_store_not_into_memory(site, tmp_path):
    urls = [f"{site}/big/{i}?mb=16" for i in range(8)]  # 128 MB in all
    run = _crawl_in_child(urls, tmp_path / "raw", delay=0, per_host=4, allow_private=True)
    store = RawStore(tmp_path / "raw")
    for e in run["entries"]:
        assert e["status"] == STORED and e["bytes"] == 16 * MB, e["error"]
        with open(store.path_of(e["sha256"]), "rb") as f:
            assert hashlib.file_digest(f, "sha256").hexdigest() == e["sha256"]
    assert len({e["sha256"] for e in run["entries"]}) == 8
    print(f"8 pages of 16 MB: peak RSS {run['peak_mb']:.0f} MB (+{run['growth_mb']:.1f} MB), {run['seconds']:.2f} s")
    assert run["growth_mb"] < 64


# 3. a deadline per URL, retries included

def test_a_trickling_body_ends_at_the_deadline(site, tmp_path):
    t0 = time.monotonic()
    (entry,) = crawl([Target(f"{site}/trickle")], RawStore(tmp_path),
                     CrawlSettings(deadline=3, retries=3, backoff=0.1, delay=0, allow_private=True))
    elapsed = time.monotonic() - t0
    print(f"trickle at 1 byte/s, deadline 3 s: ended after {elapsed:.2f} s")
    assert entry.error == "no complete response within the 3 s deadline for this URL (retries included)"
    assert elapsed < 4.0
    assert Hostile.hits[(_port(site), "/trickle")] == 1  # not retried: the time is spent


def test_retries_stop_at_the_deadline(site, tmp_path):
    t0 = time.monotonic()
    (entry,) = crawl([Target(f"{site}/down")], RawStore(tmp_path),
                     CrawlSettings(deadline=1, retries=5, backoff=0.4, delay=0, allow_private=True))
    assert time.monotonic() - t0 < 1.0
    # attempts at 0 and 0.4 s; the next, at 1.2 s, would be past the deadline
    assert entry.error == "HTTP 503, then the 1 s deadline for this URL (retries included) came"


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to ourselves")
def test_ctrl_c_cuts_a_wait_between_retries_short(site, tmp_path):
    """Ctrl-C while a URL waits 30 s to be tried again: the crawl stops now, not after the wait."""
    settings = CrawlSettings(retries=3, backoff=30, max_backoff=30, deadline=300, delay=0, allow_private=True)
    threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT)).start()
    t0 = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        crawl([Target(f"{site}/down")], RawStore(tmp_path), settings)
    assert time.monotonic() - t0 < 3


# 4. where the crawler may connect

def test_non_public_addresses_are_named():
    assert why_not_public("127.0.0.1") == "127.0.0.1 is a loopback address"
    assert why_not_public("::ffff:127.0.0.1") == "::ffff:127.0.0.1 is a loopback address"
    assert why_not_public("10.1.2.3") == "10.1.2.3 is a private address"
    assert why_not_public("172.31.0.1") == "172.31.0.1 is a private address"
    assert why_not_public("192.168.1.1") == "192.168.1.1 is a private address"
    assert why_not_public("fd12::1") == "fd12::1 is a private address"
    assert why_not_public("169.254.169.254") == "169.254.169.254 is a link-local address"
    assert why_not_public("fe80::1") == "fe80::1 is a link-local address"
    assert why_not_public("0.0.0.0") == "0.0.0.0 is an unspecified address"
    assert why_not_public("::") == ":: is an unspecified address"
    assert why_not_public("100.64.0.1") == "100.64.0.1 is not a public address"
    assert why_not_public("202.108.22.5") is None and why_not_public("2400:da00::6666") is None


def test_private_addresses_are_refused_unless_allowed(site, tmp_path):
    port = _port(site)
    urls = [f"{site}/ok.html", f"http://localhost:{port}/ok.html", f"http://[::1]:{port}/",
            f"http://0.0.0.0:{port}/", "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/"]
    entries = crawl([Target(u) for u in urls], RawStore(tmp_path), CrawlSettings(delay=0, retries=2))
    assert [e.status for e in entries] == [ERROR] * 6
    assert entries[0].error == (f"refused to connect to 127.0.0.1:{port}: 127.0.0.1 is a loopback address "
                                "(private addresses are crawled only with allow_private or XXGK_CRAWL_ALLOW_PRIVATE=1)")
    assert "localhost (127.0.0.1)" in entries[1].error or "localhost (::1)" in entries[1].error
    assert "::1 is a loopback address" in entries[2].error
    assert "0.0.0.0 is an unspecified address" in entries[3].error
    assert "169.254.169.254 is a link-local address" in entries[4].error
    assert "10.0.0.1 is a private address" in entries[5].error
    assert (port, "/ok.html") not in Hostile.hits

    (entry,) = crawl([Target(f"{site}/ok.html")], RawStore(tmp_path), LOCAL)
    assert entry.status == STORED


def test_the_environment_allows_private_addresses(site, tmp_path, monkeypatch):
    monkeypatch.setenv("XXGK_CRAWL_ALLOW_PRIVATE", "1")
    (entry,) = crawl([Target(f"{site}/ok.html")], RawStore(tmp_path), CrawlSettings(delay=0))
    assert entry.status == STORED


def test_every_redirect_hop_is_checked(sites, tmp_path):
    a, b = sites
    to_b = Target(f"{a}/redirect?to={b}/ok.html")
    store = RawStore(tmp_path)

    # private addresses allowed: followed to the other port
    (entry,) = crawl([to_b], store, LOCAL)
    assert entry.status == STORED and Hostile.hits[(_port(b), "/ok.html")] == 1

    # only the first server trusted: its redirect to the second port is refused, unfetched
    only_a = CrawlSettings(delay=0, retries=2, allow_hosts=(f"127.0.0.1:{_port(a)}",))
    ok, redirected = crawl([Target(f"{a}/ok.html"), to_b], store, only_a)
    assert ok.status == STORED
    assert redirected.error.startswith(f"refused to connect to 127.0.0.1:{_port(b)}: 127.0.0.1 is a loopback address")
    assert Hostile.hits[(_port(b), "/ok.html")] == 1

    both = CrawlSettings(delay=0, allow_hosts=(f"127.0.0.1:{_port(a)}", f"127.0.0.1:{_port(b)}"))
    (entry,) = crawl([to_b], store, both)
    assert entry.status == STORED and Hostile.hits[(_port(b), "/ok.html")] == 2

    # never to another scheme, never forever
    odd = crawl([Target(f"{a}/redirect?to=ftp://{a[7:]}/x"), Target(f"{a}/redirect?to=file:///etc/passwd"),
                 Target(f"{a}/loop")], store, LOCAL)
    assert odd[0].error == f"redirected to a URL that is not http(s): ftp://{a[7:]}/x"
    assert odd[1].error == "redirected to a URL that is not http(s): file:///etc/passwd"
    assert odd[2].error == "more than 10 redirects" and Hostile.hits[(_port(a), "/loop")] == 11


# 5. the URL list, line by line

def _hostile_list(tmp_path, site):
    lines = [
        f"{site}/ok.html?1,某局,2023".encode(),
        b"http://example.org/" + b"a" * 200_000,                     # 2: a 200 KB line
        f'"{site}/ok.html?q,某局,2023'.encode(),                      # 3: a quote left open
        f"{site}/ok.html?gbk,某某县人民政府,2022".encode("gbk"),        # 4: GBK, a good line
        "二〇二三年报告清单".encode("gbk"),                               # 5: GBK, not a URL
        f"{site}/ok.html?2".encode(),
    ]
    path = tmp_path / "urls.csv"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_a_bad_line_costs_that_line_alone(site, tmp_path, caplog):
    path = _hostile_list(tmp_path, site)
    targets = read_targets(path)
    assert "line(s) 4, 5 are not UTF-8; read as GB18030" in caplog.text
    entries = crawl(targets, RawStore(tmp_path / "raw"), LOCAL)
    got = {e.source.rsplit("/", 1)[-1]: e for e in entries}
    assert [got[k].status for k in ("ok.html?1", "ok.html?gbk", "ok.html?2")] == [STORED] * 3
    assert got["ok.html?gbk"].agency_hint == "某某县人民政府" and got["ok.html?gbk"].year_hint == 2022
    assert got["urls.csv:2"].error == "line 2 of the URL list: longer than 128 KB (200020 bytes): skipped"
    assert got["urls.csv:3"].error == ("line 3 of the URL list: not valid CSV (unexpected end of data): "
                                       "a quote left open?")
    assert got["urls.csv:5"].error == "line 5 of the URL list: not a URL: '二〇二三年报告清单'"
    assert len(entries) == 6 and [e.status for e in RawStore(tmp_path / "raw").entries()].count(ERROR) == 3


def test_a_url_listed_twice_is_fetched_once(tmp_path):
    f = tmp_path / "list.txt"
    f.write_text("http://a.example/1.html\t某局\nhttp://a.example/2.html\nhttp://a.example/1.html\t别的局\n")
    assert [(t.url, t.agency) for t in read_targets(f)] == [("http://a.example/1.html", "某局"),
                                                             ("http://a.example/2.html", None)]


def test_a_utf16_list_is_read(tmp_path):
    f = tmp_path / "list.txt"
    f.write_text("url\tagency\tyear\nhttp://a.example/1.html\t某局\t2022\n", encoding="utf-16")
    assert read_targets(f) == [Target("http://a.example/1.html", "某局", 2022)]


@pytest.mark.slow
def test_bad_lines_reach_the_sources_and_failures_datasets(site, tmp_path, monkeypatch):
    from conftest import q
    from xxgk.flows.run import run_flow

    monkeypatch.setenv("XXGK_CRAWL_ALLOW_PRIVATE", "1")
    path = _hostile_list(tmp_path, site)
    data = tmp_path / "data"
    run_flow(None, str(path), str(data), runner="thread", crawl_delay=0)
    sources = dict(q(data, "SELECT regexp_extract(source, '[^/]+$'), status FROM sources"))
    assert {k: v for k, v in sources.items() if k.startswith("urls.csv")} == \
        {"urls.csv:2": "error", "urls.csv:3": "error", "urls.csv:5": "error"}
    reasons = dict(q(data, "SELECT regexp_extract(source, '[^/]+$'), reason FROM failures WHERE stage = 'fetch'"))
    assert reasons["urls.csv:5"] == "line 5 of the URL list: not a URL: '二〇二三年报告清单'"
