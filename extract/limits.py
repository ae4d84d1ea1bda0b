"""Bounds on one document's extraction: time, memory, PDF pages.

A hostile or broken file (a 16 MB line of `|`, a 3,000-page PDF) must cost one document a
bounded time and memory, never the batch. Time is bounded by SIGALRM, which only the main
thread of a process receives: off it (a thread runner) extraction runs unbounded in time.
Memory is bounded per process (`cap_memory`, for a worker that extracts one document at a
time), so that a document that needs too much raises MemoryError in that worker instead of
swapping the machine.
"""
from __future__ import annotations

import resource
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    seconds: float = 30.0     # a real report takes milliseconds; a PDF of 300 pages, seconds
    memory_mb: int = 2048     # per worker process, heap and private mappings (RLIMIT_DATA)


class TimeLimit(Exception):
    """Raised into the extraction when its time is up."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread() or seconds <= 0:
        yield
        return

    def expire(signum, frame):
        raise TimeLimit(f"took longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    # and again every second: raised while a finalizer (`__del__`) runs, or into a broad
    # `except`, the exception is lost and the extraction would run on unbounded
    signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def cap_memory(megabytes: int) -> None:
    """Cap this process's data segment; a worker calls it once, before its first document."""
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    limit = megabytes * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    if soft == resource.RLIM_INFINITY or soft > limit:
        resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))
