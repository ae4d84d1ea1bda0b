"""Fetching report pages from a list of URLs, politely and within bounds, into the raw store.

- only http/https; a descriptive User-Agent; connect/read timeouts;
- retries with exponential backoff on 5xx and connection errors, never on 4xx;
- per host: at most `per_host` requests at once and `delay` seconds between their starts;
- a URL ends by its `deadline`, retries and redirects included;
- a body is decoded layer by layer (gzip, deflate) and abandoned when the raw bytes or any
  layer's output pass `max_bytes`; it streams into the raw store, never held whole in memory;
- loopback, private, link-local and other non-public addresses are refused, on every redirect
  hop, unless `allow_private` (or XXGK_CRAWL_ALLOW_PRIVATE=1) or `allow_hosts` says otherwise;
- a page that holds no report but links one as an attachment (.pdf/.doc/.docx/.wps) is recorded
  `needs_attachment` with the attachment's URL (reading attachments is a separate step).

The URL list's format is in ingest/targets.py.
"""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import regex

from xxgk.extract.decode import Unreadable, decode_text
from xxgk.extract.formats import HEAD, reader_for
from xxgk.extract.metadata import detect_template
from xxgk.ingest.addresses import AddressPolicy, AddressRefused, CheckedTransport, allow_private_from_env
from xxgk.ingest.decompress import ACCEPT_ENCODING
from xxgk.ingest.fetch import DeadlinePassed, Limits, Refused, get
from xxgk.ingest.raw_store import ERROR, NEEDS_ATTACHMENT, STORED, Entry, RawStore
from xxgk.ingest.targets import Target, read_targets

__all__ = ["CrawlSettings", "Target", "crawl", "fetch", "read_targets"]

USER_AGENT = "xxgk/0.1 (+https://github.com/xxgk; annual-report research crawler)"
_ATTACHMENT = regex.compile(r"""href\s*=\s*["']([^"'#]+\.(?:pdf|docx?|wps))(?:[?#][^"']*)?["']""", regex.I)
_CLASSIFY_BYTES = 8 * 1024 * 1024  # of a page, read back to find its charset and attachment link


@dataclass(frozen=True)
class CrawlSettings:
    timeout: float = 20.0
    retries: int = 3
    backoff: float = 1.0          # seconds before the first retry; doubles each time
    delay: float = 1.0            # seconds between request starts on one host
    per_host: int = 2
    workers: int = 8
    max_bytes: int = 30 * 1024 * 1024  # raw, and after each Content-Encoding layer
    deadline: float = 120.0       # seconds for a URL from its first request, retries included
    max_redirects: int = 10
    # loopback, private, link-local addresses: for a crawl of an intranet or of a test server
    allow_private: bool = field(default_factory=allow_private_from_env)
    allow_hosts: tuple[str, ...] = ()  # `host` or `host:port` allowed whatever they resolve to
    user_agent: str = USER_AGENT


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


def fetch(client: httpx.Client, target: Target, s: CrawlSettings, gate: _HostGate, store: RawStore) -> Entry:
    """Fetch one URL with retries into the store; returns its manifest entry."""
    url = target.url
    base = Entry(url, ERROR, agency_hint=target.agency, year_hint=target.year)
    if target.error:
        base.error = target.error  # a line of the URL list that could not be read
        return base
    try:
        parts = urlsplit(url)
        client.build_request("GET", url)  # httpx's own check of the URL
    except (ValueError, httpx.InvalidURL) as e:
        base.error = f"not a valid URL: {e}"
        return base
    if parts.scheme not in ("http", "https") or not parts.netloc:
        base.error = f"not an http(s) URL: {url}"
        return base
    deadline_at = 0.0  # set by the first request
    wait = s.backoff
    for attempt in range(s.retries + 1):
        try:
            with gate(parts.netloc):
                # the deadline starts with the first request, not with the wait for a slot
                deadline_at = deadline_at or time.monotonic() + s.deadline
                r = get(client, url, store, Limits(s.max_bytes, s.timeout, deadline_at, s.max_redirects))
        except DeadlinePassed:
            base.error = f"no complete response within the {s.deadline:g} s deadline for this URL (retries included)"
            return base
        except (Refused, AddressRefused, httpx.UnsupportedProtocol, httpx.InvalidURL) as e:
            base.error = str(e) or type(e).__name__  # asking again would not change these
            return base
        except httpx.HTTPError as e:  # timeouts, refused connections, protocol errors
            base.error = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
            base.http_status = None
        else:
            base.http_status, base.content_type = r.status, r.content_type
            if r.sha256:
                base.sha256, base.bytes = r.sha256, r.size
                return _classify(base, r.url, store.path_of(r.sha256))
            base.error = f"HTTP {r.status}"
            if r.status < 500:
                return base  # 4xx: asking again will not help
        if attempt < s.retries:
            if time.monotonic() + wait >= deadline_at:
                base.error = f"{base.error}, then the {s.deadline:g} s deadline for this URL (retries included) came"
                return base
            time.sleep(wait)
            wait *= 2
    base.error = f"{base.error} (after {s.retries + 1} attempts)"
    return base


def _classify(entry: Entry, final_url: str, path: Path) -> Entry:
    entry.status = STORED  # unless the page only links its report
    with open(path, "rb") as f:
        data = f.read(HEAD)
        kind = reader_for(data, final_url).KIND
        if kind not in ("html", "text"):
            return entry  # a PDF or Word file: stored for the extractor to judge
        data += f.read(_CLASSIFY_BYTES - len(data))
        if f.read(1):
            data = data[: data.rfind(b"\n") + 1] or data  # a cut inside a character would change the charset
    try:
        text, entry.charset = decode_text(data)
    except Unreadable:
        return entry  # undecodable: the extractor records why
    if kind == "html" and detect_template(text)[0] is None:
        m = _ATTACHMENT.search(text)
        if m:
            entry.status = NEEDS_ATTACHMENT
            entry.attachment_url = urljoin(final_url, m.group(1))
    return entry


def _fetch_safely(client, target: Target, s: CrawlSettings, gate, store: RawStore) -> Entry:
    """One URL's outcome, whatever happens: a bug or an odd page costs that URL, not the crawl."""
    try:
        return fetch(client, target, s, gate, store)
    except Exception as e:  # noqa: BLE001
        return Entry(target.url, ERROR, error=f"{type(e).__name__}: {e}", agency_hint=target.agency,
                     year_hint=target.year)


def crawl(targets: list[Target], store: RawStore, settings: CrawlSettings | None = None) -> list[Entry]:
    """Fetch every target; every one ends as a manifest entry (stored, needs_attachment, error),
    recorded as soon as it is fetched, so a crawl killed midway keeps what it got. Entries come
    back in the targets' order."""
    s = settings or CrawlSettings()
    gate = _HostGate(s.per_host, s.delay)
    transport = CheckedTransport(AddressPolicy(s.allow_private, frozenset(s.allow_hosts)))
    headers = {"User-Agent": s.user_agent, "Accept-Encoding": ACCEPT_ENCODING}
    out: dict[int, Entry] = {}  # by the target's index
    with (
        httpx.Client(transport=transport, trust_env=False, follow_redirects=False, headers=headers) as client,
        ThreadPoolExecutor(max_workers=s.workers) as pool,
    ):
        futures = {pool.submit(_fetch_safely, client, t, s, gate, store): i for i, t in enumerate(targets)}
        for f in as_completed(futures):
            out[futures.pop(f)] = store.record(f.result())  # popped: a done future's result is not kept
    return [out[i] for i in range(len(targets))]
