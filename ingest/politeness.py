"""How the crawler treats a site: one host's requests spaced and few at a time, its requests to
wait (Retry-After) obeyed, and a host that keeps failing left alone for the rest of the run.

- `HostGate`: at most `limit` requests in flight per host, their starts spaced by the host's
  delay (the crawl's, or the longer Crawl-delay its robots.txt asks for); `hold` pushes a host's
  next start back (a 429 or 503 with Retry-After: every request to that host waits, not only the
  one that was told);
- `retry_after`: a Retry-After header's wait in seconds, given as seconds or as an HTTP-date;
- `Breaker`: a per-host circuit breaker. A URL that ends in a server-side failure (a connection
  error, a timeout, a 5xx or 429 after its retries) counts against its host, any other answer
  (a page, a 304, a 404) resets the count; after `threshold` failures in a row the host is open:
  its remaining URLs are not requested this run, each recorded with the reason.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


class Stopped(BaseException):  # noqa: N818 - like KeyboardInterrupt: no `except Exception` takes it
    """The crawl is stopping (Ctrl-C): a request waiting for its turn is not made."""


class HostGate:
    """At most `limit` requests in flight per host, starts spaced by the host's delay; once
    closed, no request waiting for its turn starts."""

    def __init__(self, limit: int, delay: float):
        self.limit, self.delay = limit, delay
        self.closed = threading.Event()
        self.lock = threading.Lock()
        self.sems: dict[str, threading.Semaphore] = {}
        self.next_start: dict[str, float] = {}
        self.delays: dict[str, float] = {}  # a host's own, when its robots.txt asks for more

    def set_delay(self, host: str, delay: float) -> None:
        with self.lock:
            self.delays[host] = max(self.delay, delay)

    def hold(self, host: str, seconds: float) -> None:
        """No request to `host` starts for `seconds` (a Retry-After)."""
        with self.lock:
            until = time.monotonic() + seconds
            self.next_start[host] = max(self.next_start.get(host, 0.0), until)

    def started(self, host: str) -> None:
        """A request to `host` that did not take a slot (its robots.txt) counts for the spacing."""
        with self.lock:
            now = time.monotonic()
            self.next_start[host] = max(self.next_start.get(host, now), now + self.delays.get(host, self.delay))

    @contextmanager
    def __call__(self, host: str) -> Iterator[None]:
        with self.lock:
            sem = self.sems.setdefault(host, threading.BoundedSemaphore(self.limit))
        with sem:
            while True:  # a hold may come while we sleep: look again before starting
                if self.closed.is_set():
                    raise Stopped
                with self.lock:
                    now = time.monotonic()
                    start = max(now, self.next_start.get(host, now))
                    if start <= now:
                        self.next_start[host] = now + self.delays.get(host, self.delay)
                        break
                self.closed.wait(start - now)
            yield

    def pause(self, seconds: float) -> None:
        """The wait before a retry, cut short when the gate closes (Ctrl-C): then `Stopped`."""
        if self.closed.wait(seconds):
            raise Stopped

    def close(self) -> None:
        self.closed.set()


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """The wait a Retry-After header asks for, in seconds (0 for a date past), or None when
    there is none or it cannot be read. RFC 9110: delay-seconds or an HTTP-date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # an HTTP-date is GMT
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class Breaker:
    """A host is skipped for the rest of the run after `threshold` failed URLs in a row (0: never)."""

    def __init__(self, threshold: int):
        self.threshold = threshold
        self.lock = threading.Lock()
        self.failures: dict[str, int] = {}
        self.opened: dict[str, str] = {}  # host → the last failure before it opened

    def is_open(self, host: str) -> bool:
        return host in self.opened

    def why(self, host: str) -> str:
        return (f"not requested: {host} failed {self.threshold} URLs in a row this run (last: "
                f"{self.opened[host]}), so the crawl skips it until the next run (max_host_failures)")

    def failed(self, host: str, error: str) -> None:
        with self.lock:
            self.failures[host] = self.failures.get(host, 0) + 1
            if self.threshold and self.failures[host] >= self.threshold:
                self.opened.setdefault(host, error)

    def answered(self, host: str) -> None:
        with self.lock:
            if host not in self.opened:
                self.failures[host] = 0
