"""Fetching report pages from a list of URLs, politely and within bounds, into the raw store.

- only http/https; a descriptive User-Agent; connect/read timeouts;
- retries with exponential backoff on 5xx and connection errors, never on 4xx;
- per host: at most `per_host` requests at once and `delay` seconds between their starts;
- a URL ends by its `deadline`, retries and redirects included;
- a body is decoded layer by layer (gzip, deflate) and abandoned when the raw bytes or any
  layer's output pass `max_bytes`; it streams into the raw store, never held whole in memory;
- loopback, private, link-local and other non-public addresses are refused, on every redirect
  hop, unless `allow_private` (or XXGK_CRAWL_ALLOW_PRIVATE=1) or `allow_hosts` says otherwise;
- a page that holds no report but links it (a .pdf/.doc/.docx/.wps/.rtf, or pictures of its
  tables: which links, and on which sites, in ingest/links.py) has the linked files fetched like
  any URL (same client, per-host gate, address policy, size limit, retries, each its own deadline),
  each stored and recorded as an entry of its own whose `linked_from` is the page. The page is
  then `linked` (`attachment_url`: the files); when none could be fetched, or its report is on
  another site, `needs_attachment` with the reason in `error`. A page with report tables of its
  own is stored and extracted as it is: its attachments are not needed. Links are followed one
  level: a linked file that is itself a page is stored as it is.

The URL list's format is in ingest/targets.py.
"""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from xxgk.extract.decode import Unreadable, decode_text
from xxgk.extract.formats import HEAD, reader_for
from xxgk.extract.metadata import detect_template
from xxgk.ingest.addresses import AddressPolicy, AddressRefused, CheckedTransport, allow_private_from_env
from xxgk.ingest.decompress import ACCEPT_ENCODING
from xxgk.ingest.fetch import DeadlinePassed, Limits, Refused, get
from xxgk.ingest.links import MAX_LINKS, report_links
from xxgk.ingest.raw_store import ERROR, LINKED, NEEDS_ATTACHMENT, STORED, Entry, RawStore
from xxgk.ingest.targets import Target, read_targets

__all__ = ["CrawlSettings", "Target", "crawl", "fetch", "read_targets"]

USER_AGENT = "xxgk/0.1 (+https://github.com/xxgk; annual-report research crawler)"
_CLASSIFY_BYTES = 8 * 1024 * 1024  # of a page, read back to find its charset and attachment links


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


def fetch(client: httpx.Client, target: Target, s: CrawlSettings, gate: _HostGate, store: RawStore,
          linked_from: str | None = None) -> Entry:
    """Fetch one URL with retries into the store; returns its manifest entry. A page that only
    links its report comes back `needs_attachment` with the files to fetch in `attachment_url`
    (space-separated) and no `error`: `crawl` fetches them. `linked_from`: the page that linked
    this URL (its links are not followed)."""
    url = target.url
    base = Entry(url, ERROR, agency_hint=target.agency, year_hint=target.year, linked_from=linked_from)
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
                return _classify(base, r.url, store.path_of(r.sha256), follow=linked_from is None)
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


def _classify(entry: Entry, final_url: str, path: Path, follow: bool = True) -> Entry:
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
    if follow and kind == "html" and detect_template(text)[0] is None:
        here, elsewhere = report_links(text, final_url, entry.source)
        if here:
            entry.status = NEEDS_ATTACHMENT  # until crawl() has fetched them (settle)
            entry.attachment_url = " ".join(here)
        elif elsewhere:
            entry.status = NEEDS_ATTACHMENT
            entry.attachment_url = " ".join(elsewhere[:MAX_LINKS])
            entry.error = (f"its report is linked on another site, not followed: {elsewhere[0]}"
                           + (f" (and {len(elsewhere) - 1} more)" if len(elsewhere) > 1 else ""))
    return entry


def settle(page: Entry, files: list[Entry]) -> Entry:
    """A page that links its report, once the linked files have been fetched: `linked` when one
    at least was stored (the others' failures said in `error`), else `needs_attachment` with why."""
    failed = [f"{f.source}: {f.error}" for f in files if f.status != STORED]
    if len(failed) < len(files):
        page.status = LINKED
        page.error = f"{len(failed)} of the {len(files)} linked files could not be fetched: " + "; ".join(failed) \
            if failed else None
    else:
        page.status = NEEDS_ATTACHMENT
        page.error = "the report it links could not be fetched: " + "; ".join(failed)
    return page


def _fetch_safely(client, target: Target, s: CrawlSettings, gate, store: RawStore,
                  linked_from: str | None = None) -> Entry:
    """One URL's outcome, whatever happens: a bug or an odd page costs that URL, not the crawl."""
    try:
        return fetch(client, target, s, gate, store, linked_from)
    except Exception as e:  # noqa: BLE001
        return Entry(target.url, ERROR, error=f"{type(e).__name__}: {e}", agency_hint=target.agency,
                     year_hint=target.year, linked_from=linked_from)


def _fetch_with_links(client, target: Target, s: CrawlSettings, gate, store: RawStore) -> tuple[Entry, list[Entry]]:
    """A URL, and when it is a page that only links its report, the files it links, one after
    the other in this worker (each through the host gate, with its own deadline)."""
    page = _fetch_safely(client, target, s, gate, store)
    if page.status != NEEDS_ATTACHMENT or not page.attachment_url or page.error:
        return page, []
    files = [_fetch_safely(client, Target(url, target.agency, target.year), s, gate, store, page.source)
             for url in page.attachment_url.split()]
    return settle(page, files), files


def crawl(targets: list[Target], store: RawStore, settings: CrawlSettings | None = None) -> list[Entry]:
    """Fetch every target, and the files a page that only links its report links; every one
    ends as a manifest entry (stored, linked, needs_attachment, error), recorded as soon as it
    is fetched (a page right after its linked files), so a crawl killed midway keeps what it
    got. Entries come back in the targets' order, then the linked files, page by page."""
    s = settings or CrawlSettings()
    gate = _HostGate(s.per_host, s.delay)
    transport = CheckedTransport(AddressPolicy(s.allow_private, frozenset(s.allow_hosts)))
    headers = {"User-Agent": s.user_agent, "Accept-Encoding": ACCEPT_ENCODING}
    out: dict[int, Entry] = {}  # by the target's index
    linked: dict[int, list[Entry]] = {}  # the files a page links, by the page's index
    with (
        httpx.Client(transport=transport, trust_env=False, follow_redirects=False, headers=headers) as client,
        ThreadPoolExecutor(max_workers=s.workers) as pool,
    ):
        futures = {pool.submit(_fetch_with_links, client, t, s, gate, store): i for i, t in enumerate(targets)}
        for f in as_completed(futures):
            i = futures.pop(f)  # popped: a done future's result is not kept
            page, files = f.result()
            for e in files:
                store.record(e)
            out[i] = store.record(page)
            if files:
                linked[i] = files
    return [out[i] for i in range(len(targets))] + [e for i in sorted(linked) for e in linked[i]]
