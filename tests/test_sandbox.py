"""`xxgk query` is a sandbox, and a release altered after publication is never trusted.

Through the command line as a user types it, on a database published by a real run."""
from __future__ import annotations

import hashlib
import json
import logging
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from conftest import CORPUS
from xxgk.flows.run import run_flow

pytestmark = pytest.mark.slow  # Prefect and the whole pipeline

XXGK = Path(sys.executable).with_name("xxgk")
REFUSED = "xxgk query runs read statements only"


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> tuple[Path, Path]:
    """(inbox, data): the dev reports, published once for the module. Tests that change the
    data work on a copy (`data_copy`)."""
    root = tmp_path_factory.mktemp("sandbox")
    inbox = root / "in"
    inbox.mkdir()
    for p in sorted((CORPUS / "dev").glob("*.txt")):
        shutil.copy(p, inbox / p.name)
    run_flow(str(inbox), None, str(root / "data"), runner="thread")
    return inbox, root / "data"


@pytest.fixture
def data(published) -> Path:
    return published[1]


@pytest.fixture
def data_copy(published, tmp_path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(published[1], copy, symlinks=True)  # `current` is a relative link: it follows
    return copy


def xxgk(*args) -> subprocess.CompletedProcess:
    return subprocess.run([str(XXGK), *map(str, args)], capture_output=True, text=True, timeout=120)


def query(data: Path, sql: str) -> subprocess.CompletedProcess:
    return xxgk("query", sql, "--data", data, "--json")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def refused(p: subprocess.CompletedProcess, what: str) -> bool:
    return p.returncode != 0 and f"{REFUSED}: {what} is not allowed" in p.stderr and not p.stdout


def reports_rows(data: Path) -> int:
    return json.loads(query(data, "SELECT count(*) AS n FROM reports").stdout)[0]["n"]


def tamper(data: Path) -> Path:
    """Rewrite the current release's reports.parquet with its first row only."""
    f = data / "processed" / "current" / "reports.parquet"
    pq.write_table(pq.read_table(f).slice(0, 1), f)
    return f


def test_copy_over_the_release_is_refused_and_the_file_unchanged(data):
    release = data / "processed" / "current" / "reports.parquet"
    before = sha256(release)
    p = query(data, f"COPY (SELECT * FROM reports LIMIT 1) TO '{release}'")
    assert refused(p, "COPY"), p.stderr
    assert sha256(release) == before
    assert reports_rows(data) == 5


def test_attach_is_refused_and_creates_no_file(data, tmp_path):
    target = tmp_path / "x.duckdb"
    assert refused(query(data, f"ATTACH '{target}' (READ_WRITE)"), "ATTACH")
    assert refused(query(data, f"ATTACH '{target}'"), "ATTACH")
    assert not target.exists()


def test_files_outside_the_database_cannot_be_read(data):
    """A SELECT passes the statement check; DuckDB's own setting refuses the file."""
    for sql in ("SELECT * FROM read_csv('/etc/passwd')", "SELECT * FROM read_text('/etc/hostname')",
                "SELECT * FROM glob('/etc/*')", f"SELECT * FROM '{data}/processed/current/reports.parquet'"):
        p = query(data, sql)
        assert p.returncode != 0 and "Permission Error" in p.stderr and not p.stdout, sql


def test_extensions_cannot_be_installed_or_loaded(data):
    for sql in ("INSTALL httpfs", "FORCE INSTALL httpfs", "LOAD httpfs"):
        assert refused(query(data, sql), "INSTALL/LOAD"), sql


def test_settings_cannot_be_changed(data):
    for sql in ("SET enable_external_access = true", "RESET enable_external_access", "SET lock_configuration = false"):
        assert refused(query(data, sql), "SET/RESET/USE"), sql
    p = query(data, """SELECT current_setting('enable_external_access') AS external,
                              current_setting('lock_configuration') AS locked,
                              current_setting('autoload_known_extensions') AS autoload,
                              current_setting('autoinstall_known_extensions') AS autoinstall""")
    assert json.loads(p.stdout) == [{"external": False, "locked": True, "autoload": False, "autoinstall": False}]


@pytest.mark.parametrize("sql,kind", [
    ("CREATE TABLE t AS SELECT 1 AS a", "CREATE"),
    ("CREATE TEMP TABLE t (a INT)", "CREATE"),
    ("INSERT INTO release.reports SELECT * FROM reports", "INSERT"),
    ("DROP VIEW reports", "DROP"),
    ("DELETE FROM release.reports", "DELETE"),
    ("PRAGMA table_info('reports')", "PRAGMA"),
    ("EXPLAIN ANALYZE SELECT 1", "EXPLAIN"),
])
def test_other_statements_are_refused(data, sql, kind):
    assert refused(query(data, sql), kind)


def test_reads_still_answer(data):
    assert reports_rows(data) == 5
    p = query(data, "DESCRIBE reports")
    assert p.returncode == 0 and "sha256" in {r["column_name"] for r in json.loads(p.stdout)}
    p = query(data, "SELECT 1 AS a; SELECT count(*) AS n FROM cells_labeled WHERE value IS NOT NULL")
    assert p.returncode == 0 and json.loads(p.stdout)[0]["n"] > 0  # several reads: the last one's result


def test_one_bad_statement_refuses_the_whole_string(data, tmp_path):
    out = tmp_path / "out.csv"
    p = query(data, f"SELECT count(*) AS n FROM reports; COPY (SELECT 1) TO '{out}'; SELECT 2 AS m")
    assert refused(p, "COPY")
    assert not out.exists()


def test_stats_and_report_read_through_the_sandbox(data, tmp_path):
    p = xxgk("stats", "--data", data, "--json")
    assert p.returncode == 0 and json.loads(p.stdout)[0]["reports"] == 5
    p = xxgk("report", "--data", data, "--out", tmp_path / "report.html")
    assert p.returncode == 0, p.stderr


def test_a_tampered_release_is_replaced_not_kept(published, data_copy, caplog):
    inbox, _ = published
    old = (data_copy / "processed" / "current").resolve()
    tamper(data_copy)
    with caplog.at_level(logging.WARNING, logger="xxgk.transform.store"):
        run_flow(str(inbox), None, str(data_copy), runner="thread")  # nothing new
    new = (data_copy / "processed" / "current").resolve()
    assert new != old
    assert pq.read_metadata(new / "reports.parquet").num_rows == 5
    assert reports_rows(data_copy) == 5
    warned = [r.getMessage() for r in caplog.records if r.name == "xxgk.transform.store"]
    assert len(warned) == 1 and "reports.parquet" in warned[0] and old.name in warned[0]


def test_an_untouched_release_is_kept(published, data_copy):
    inbox, _ = published
    old = (data_copy / "processed" / "current").resolve()
    run_flow(str(inbox), None, str(data_copy), runner="thread")
    assert (data_copy / "processed" / "current").resolve() == old


def test_snapshot_refuses_a_tampered_release(data_copy, tmp_path):
    out = tmp_path / "snapshots"
    p = xxgk("snapshot", "--data", data_copy, "--out", out)
    assert p.returncode == 0, p.stderr
    tamper(data_copy)
    shutil.rmtree(out)
    p = xxgk("snapshot", "--data", data_copy, "--out", out)
    assert p.returncode != 0
    assert "reports.parquet" in p.stderr and "changed after it was published" in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1 and not out.exists()
