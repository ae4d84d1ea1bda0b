"""Fetching report pages from a list of URLs, politely, into the raw store.

- only http/https; a descriptive User-Agent; connect/read timeouts;
- retries with exponential backoff on 5xx and connection errors, never on 4xx;
- per host: at most `per_host` requests at once and `delay` seconds between their starts;
- a response larger than `max_bytes`, or slower than `deadline` in all, is abandoned;
- a page that holds no report but links one as an attachment (.pdf/.doc/.docx/.wps) is recorded
  `needs_attachment` with the attachment's URL (reading attachments is a separate step).

The URL list is a text or CSV file: one URL per line, optionally followed by agency and year
columns (comma or tab separated); `#` starts a comment.
"""
from __future__ import annotations

import csv
import io
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import regex

from xxgk.extract.decode import Unreadable, decode_text
from xxgk.extract.formats import reader_for
from xxgk.extract.metadata import detect_template
from xxgk.ingest.raw_store import ERROR, NEEDS_ATTACHMENT, STORED, Entry, RawStore

USER_AGENT = "xxgk/0.1 (+https://github.com/xxgk; annual-report research crawler)"
_ATTACHMENT = regex.compile(r"""href\s*=\s*["']([^"'#]+\.(?:pdf|docx?|wps))(?:[?#][^"']*)?["']""", regex.I)


@dataclass(frozen=True)
class Target:
    url: str
    agency: str | None = None
    year: int | None = None


@dataclass(frozen=True)
class CrawlSettings:
    timeout: float = 20.0
    retries: int = 3
    backoff: float = 1.0          # seconds before the first retry; doubles each time
    delay: float = 1.0            # seconds between request starts on one host
    per_host: int = 2
    workers: int = 8
    max_bytes: int = 30 * 1024 * 1024
    deadline: float = 120.0       # seconds for a whole response, however slowly it trickles
    user_agent: str = USER_AGENT


def read_targets(path: str | Path) -> list[Target]:
    text = Path(path).read_text(encoding="utf-8-sig")
    out = []
    for row in csv.reader(io.StringIO(text.replace("\t", ","))):
        if not row or not row[0].strip() or row[0].lstrip().startswith("#"):
            continue
        url = row[0].strip()
        if url.lower() in ("url", "source"):
            continue  # a header row
        agency = row[1].strip() or None if len(row) > 1 else None
        year = row[2].strip() if len(row) > 2 else ""
        # a year hint is a report year or nothing (`202301` is a date, not a year)
        out.append(Target(url, agency, int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else None))
    return out


class _HostGate:
    """At most `limit` requests in flight per host, starts spaced by `delay` seconds."""

    def __init__(self, limit: int, delay: float):
        self.limit, self.delay = limit, delay
        self.lock = threading.Lock()
        self.sems: dict[str, threading.Semaphore] = {}
        self.next_start: dict[str, float] = {}

    def __call__(self, host: str):
        gate = self

        class _Slot:
            def __enter__(self):
                with gate.lock:
                    sem = gate.sems.setdefault(host, threading.BoundedSemaphore(gate.limit))
                sem.acquire()
                with gate.lock:
                    now = time.monotonic()
                    start = max(now, gate.next_start.get(host, now))
                    gate.next_start[host] = start + gate.delay
                time.sleep(max(0.0, start - now))

            def __exit__(self, *exc):
                gate.sems[host].release()

        return _Slot()


class _Refused(Exception):
    """A response we will not take, and asking again would not change."""


def _get(client: httpx.Client, url: str, s: CrawlSettings) -> httpx.Response:
    started = time.monotonic()
    with client.stream("GET", url) as r:
        declared = r.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > s.max_bytes:
            raise _Refused(f"response of {declared} bytes exceeds the {s.max_bytes}-byte limit")
        body = bytearray()
        for chunk in r.iter_bytes():
            body.extend(chunk)
            if len(body) > s.max_bytes:
                raise _Refused(f"response exceeds the {s.max_bytes}-byte limit")
            if time.monotonic() - started > s.deadline:
                raise httpx.ReadTimeout(f"response not complete after {s.deadline:g} s")
        r._content = bytes(body)  # noqa: SLF001 - keep the bytes on the response we return
        return r


def fetch(client: httpx.Client, target: Target, s: CrawlSettings, gate: _HostGate) -> tuple[Entry, bytes | None]:
    """Fetch one URL with retries; returns its manifest entry and the bytes to store, if any."""
    url = target.url
    base = Entry(url, ERROR, agency_hint=target.agency, year_hint=target.year)
    try:
        parts = urlsplit(url)
        client.build_request("GET", url)  # httpx's own check of the URL
    except (ValueError, httpx.InvalidURL) as e:
        base.error = f"not a valid URL: {e}"
        return base, None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        base.error = f"not an http(s) URL: {url}"
        return base, None
    wait = s.backoff
    for attempt in range(s.retries + 1):
        try:
            with gate(parts.netloc):
                r = _get(client, url, s)
        except (_Refused, httpx.UnsupportedProtocol, httpx.InvalidURL, httpx.TooManyRedirects) as e:
            base.error = str(e) or type(e).__name__  # a redirect to ftp://, a loop: not transient
            return base, None
        except httpx.HTTPError as e:  # timeouts, refused connections, protocol errors
            base.error = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
            base.http_status = None
        else:
            base.http_status = r.status_code
            base.content_type = r.headers.get("content-type")
            if r.status_code < 400:
                return _classify(base, str(r.url), r.content), r.content
            base.error = f"HTTP {r.status_code}"
            if r.status_code < 500:
                return base, None  # 4xx: asking again will not help
        if attempt < s.retries:
            time.sleep(wait)
            wait *= 2
    base.error = f"{base.error} (after {s.retries + 1} attempts)"
    return base, None


def _classify(entry: Entry, final_url: str, data: bytes) -> Entry:
    entry.bytes = len(data)
    kind = reader_for(data, final_url).KIND
    if kind not in ("html", "text"):
        entry.status = STORED  # a PDF or Word file: stored for the extractor to judge
        return entry
    try:
        text, entry.charset = decode_text(data)
    except Unreadable:
        entry.status = STORED  # undecodable: the extractor records why
        return entry
    if kind == "html" and detect_template(text)[0] is None:
        m = _ATTACHMENT.search(text)
        if m:
            entry.status = NEEDS_ATTACHMENT
            entry.attachment_url = urljoin(final_url, m.group(1))
            return entry
    entry.status = STORED
    return entry


def _fetch_safely(client, target: Target, s: CrawlSettings, gate) -> tuple[Entry, bytes | None]:
    """One URL's outcome, whatever happens: a bug or an odd page costs that URL, not the crawl."""
    try:
        return fetch(client, target, s, gate)
    except Exception as e:  # noqa: BLE001
        return Entry(target.url, ERROR, error=f"{type(e).__name__}: {e}", agency_hint=target.agency,
                     year_hint=target.year), None


def crawl(targets: list[Target], store: RawStore, settings: CrawlSettings | None = None) -> list[Entry]:
    """Fetch every target; every one ends as a manifest entry (stored, needs_attachment, error),
    recorded as soon as it is fetched, so a crawl killed midway keeps what it got. Entries come
    back in the targets' order."""
    s = settings or CrawlSettings()
    gate = _HostGate(s.per_host, s.delay)
    timeout = httpx.Timeout(s.timeout, connect=min(s.timeout, 10.0))
    out: dict[int, Entry] = {}  # by the target's index
    with (
        httpx.Client(timeout=timeout, follow_redirects=True, headers={"User-Agent": s.user_agent}) as client,
        ThreadPoolExecutor(max_workers=s.workers) as pool,
    ):
        futures = {pool.submit(_fetch_safely, client, t, s, gate): i for i, t in enumerate(targets)}
        for f in as_completed(futures):
            entry, data = f.result()
            if data is not None and entry.status in (STORED, NEEDS_ATTACHMENT):
                entry.sha256 = store.put(data)
            out[futures[f]] = store.record(entry)
    return [out[i] for i in range(len(targets))]
