"""One URL's requests, politely retried: what `Crawler.request` runs once robots.txt and the
circuit breaker let the URL through.

Each attempt waits for its host's turn (`politeness.HostGate`), then GETs the URL (`fetch.get`).
Connection errors, timeouts, 5xx and 429 are tried again (tenacity), other 4xx never: after the
server's Retry-After when it sends one (the whole host is then held that long), else after an
exponential backoff with jitter. The retries stop after `retries` more attempts, when the host's
breaker opens, when a Retry-After asks for more than `max_retry_after`, or when the next attempt
would start past the URL's deadline, which runs from the first request (the wait for a slot does
not count); the last outcome then says why. A wait between attempts ends at once when the crawl
stops (Ctrl-C closes the gate).
"""
from __future__ import annotations

import contextlib
import dataclasses
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx
from tenacity import RetryCallState, Retrying, retry_if_result, wait_exponential, wait_random

from xxgk.ingest.addresses import AddressRefused
from xxgk.ingest.fetch import DeadlinePassed, Fetched, Limits, Refused, get
from xxgk.ingest.politeness import retry_after
from xxgk.ingest.raw_store import RawStore

if TYPE_CHECKING:
    from xxgk.ingest.crawl import Crawler


@dataclass
class Try:
    """One request's outcome: a response, or why there is none."""
    fetched: Fetched | None = None
    error: str | None = None
    retry: bool = False           # a failure that asking again may cure
    wait: float | None = None     # the server's Retry-After, in seconds
    timed_out: bool = False       # the URL's deadline passed
    refused: bool = False         # the address policy refused the host


class Attempts:
    """The attempts at one URL, and why they stopped (`stopped`, said after the last failure)."""

    def __init__(self, crawler: Crawler, url: str, store: RawStore | None, headers: dict[str, str] | None,
                 limits: Limits, deadline: float, robots: bool, gated: bool):
        self.c, self.url, self.store, self.headers = crawler, url, store, headers
        self.limits, self.deadline, self.robots, self.gated = limits, deadline, robots, gated
        self.host = urlsplit(url).netloc
        self.deadline_at = 0.0  # set by the first request: the wait for a slot does not count
        self.stopped = ""
        s = crawler.s
        self.backoff = wait_exponential(multiplier=s.backoff, max=s.max_backoff) + wait_random(0, s.backoff)

    def run(self) -> Try:
        t = Retrying(retry=retry_if_result(lambda t: t.retry), stop=self._stop, wait=self._pause,
                     sleep=self.c.gate.pause,
                     retry_error_callback=lambda rs: rs.outcome.result())(self._attempt)  # type: ignore[union-attr]
        if t.retry:
            t.error = f"{t.error}{self.stopped}"
        return t

    def _attempt(self) -> Try:
        if self.c.breaker.is_open(self.host):
            return Try(error=self.c.breaker.why(self.host))
        with self.c.gate(self.host) if self.gated else contextlib.nullcontext():
            self.deadline_at = self.deadline_at or time.monotonic() + self.deadline
            try:
                limits = dataclasses.replace(self.limits, deadline_at=self.deadline_at)
                r = get(self.c.client, self.url, self.store, limits, self.headers,
                        self.c.robots.why_not if self.robots else None)
            except DeadlinePassed:
                return Try(error=f"no complete response within the {self.deadline:g} s deadline for this URL "
                                 "(retries included)", timed_out=True)
            except AddressRefused as e:
                return Try(error=str(e), refused=True)
            except (Refused, httpx.UnsupportedProtocol, httpx.InvalidURL) as e:
                return Try(error=str(e) or type(e).__name__)  # asking again would not change these
            except httpx.HTTPError as e:  # timeouts, refused connections, protocol errors
                return Try(error=f"{type(e).__name__}: {e}" if str(e) else type(e).__name__, retry=True)
        return self._judged(r)

    def _judged(self, r: Fetched) -> Try:
        if r.status == 429 or r.status >= 500:
            asked = retry_after(r.retry_after)
            if asked is not None:  # every request to the host waits, not only this one
                self.c.gate.hold(self.host, min(asked, self.c.s.max_retry_after))
            return Try(r, f"HTTP {r.status}", retry=True, wait=asked)
        if r.status >= 400:
            return Try(r, f"HTTP {r.status}")  # 4xx: asking again will not help
        return Try(r)

    def _stop(self, rs: RetryCallState) -> bool:
        s, t = self.c.s, rs.outcome.result()  # type: ignore[union-attr]
        if rs.attempt_number > s.retries:
            self.stopped = f" (after {rs.attempt_number} attempts)"
        elif self.c.breaker.is_open(self.host):
            self.stopped = f"; {self.c.breaker.why(self.host)}"
        elif t.wait is not None and t.wait > s.max_retry_after:
            self.stopped = (f": the server asks to retry after {t.wait:g} s (Retry-After), more than "
                            f"max_retry_after ({s.max_retry_after:g} s)")
        elif time.monotonic() + rs.upcoming_sleep >= self.deadline_at:
            asked = f" (Retry-After: {t.wait:g} s)" if t.wait is not None else ""
            self.stopped = f"{asked}, then the {self.deadline:g} s deadline for this URL (retries included) came"
        else:
            return False
        return True

    def _pause(self, rs: RetryCallState) -> float:
        t: Try = rs.outcome.result()  # type: ignore[union-attr]
        return t.wait if t.wait is not None else self.backoff(rs)
