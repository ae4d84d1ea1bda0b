"""Shared fixtures: the real reports under tests/fixtures/corpus with their gold values."""
from __future__ import annotations

import atexit
import os
import shutil
import tempfile

# Prefect's embedded server writes to PREFECT_HOME: give the test session its own, before any
# module imports prefect (flows.settings only sets defaults), and remove it after (its database
# is megabytes: left behind, every run's would pile up in /tmp).
os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="xxgk-prefect-")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "600")
# A bug in the extractor raises in the tests instead of passing as one failed report
# (subprocesses and pipeline workers inherit it).
os.environ["XXGK_STRICT"] = "1"

import contextlib
import json
import threading
from collections.abc import Iterator
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from xxgk.extract.report import Report, extract_file

atexit.register(shutil.rmtree, os.environ["PREFECT_HOME"], ignore_errors=True)

CORPUS = Path(__file__).parent / "fixtures" / "corpus"
GOLD_FILES = sorted(CORPUS.glob("*/*.gold.json"))
# The text, markdown and HTML gold reports: the same twelve `make run` bundles as samples.
SAMPLES = sorted(p for d in ("dev", "real") for p in (CORPUS / d).iterdir()
                 if p.suffix in (".txt", ".md", ".html"))


def make_inbox(folder: Path, files: dict[str, Path | bytes]) -> Path:
    """A folder of inputs to ingest: each name a copy of a file, or the bytes given."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        target = folder / name
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            shutil.copy(content, target)
    return folder


def mixed_inbox(folder: Path) -> Path:
    """Three dev reports, a crawled HTML page, and an empty file that must fail."""
    return make_inbox(folder, {**{n: CORPUS / "dev" / n for n in ("seed_002.txt", "seed_003.txt", "seed_004.txt")},
                          "shuyang.html": CORPUS / "real" / "015_suqian_shuyang_fagaiju_2023_crawlhtml.html",
                          "empty.txt": b""})


def gold(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def source_of(gold_path: Path) -> Path:
    return gold_path.parent / gold(gold_path)["file"]


def q(data: Path, sql: str) -> list[tuple]:
    """Rows of a query against the DuckDB database published under `data`, read-only."""
    import duckdb

    con = duckdb.connect(str(data / "processed" / "xxgk.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@cache
def extracted(path: Path) -> Report:
    return extract_file(path)


@pytest.fixture(params=GOLD_FILES, ids=lambda p: p.name.removesuffix(".gold.json"))
def gold_path(request) -> Path:
    return request.param


@contextlib.contextmanager
def serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 (a free port) answering with `handler`: its base URL.
    Requests in progress (a trickle) never hold the test up at its end."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _has_ocr() -> bool:
    from xxgk.extract import ocr, tesseract
    from xxgk.extract.decode import Unreadable

    try:
        tesseract.program((ocr.SETTINGS.lang, ocr.SETTINGS.check_lang))
    except Unreadable:
        return False
    return True


# `make system` installs Tesseract; a machine without it skips the tests that OCR
needs_ocr = pytest.mark.skipif(not _has_ocr(), reason="Tesseract with chi_sim and eng data is not installed")
