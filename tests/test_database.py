"""The DuckDB file analysts open: every table, view and column documented from the schema
module; analysts' own views kept in their own file across publications; and answers while
another program holds the file's write lock.

On a database published by a real run (Prefect and the whole pipeline)."""
from __future__ import annotations

import io
import json
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from rich.console import Console

from conftest import CORPUS, q
from xxgk.console import pipeline_summary
from xxgk.flows.run import run_flow
from xxgk.schema.datasets import datasets
from xxgk.schema.views import HEADLINE, descriptions, views

pytestmark = pytest.mark.slow  # Prefect and the whole pipeline

XXGK = Path(sys.executable).with_name("xxgk")
SEEDS = ("seed_002.txt", "seed_003.txt", "seed_004.txt")
NEW_REPORT = CORPUS / "real" / "015_suqian_shuyang_fagaiju_2023_crawlhtml.html"


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> tuple[Path, Path]:
    """(inbox, data): three dev reports, published once for the module. Tests that publish
    again or hold a lock work on a copy (`copy`)."""
    root = tmp_path_factory.mktemp("database")
    inbox = root / "in"
    inbox.mkdir()
    for name in SEEDS:
        shutil.copy(CORPUS / "dev" / name, inbox / name)
    run_flow(str(inbox), None, str(root / "data"), runner="thread")
    return inbox, root / "data"


@pytest.fixture
def copy(published, tmp_path) -> tuple[Path, Path]:
    """(inbox, data) of this test's own: the inbox and the published data folder copied."""
    inbox, data = tmp_path / "in", tmp_path / "data"
    shutil.copytree(published[0], inbox)
    shutil.copytree(published[1], data, symlinks=True)  # `current` is a relative link: it follows
    # the raw store names the inputs by the inbox they came from: point it at the copy
    manifest = data / "raw" / "manifest.jsonl"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(str(published[0]), str(inbox)),
                        encoding="utf-8")
    return inbox, data


def xxgk(*args, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([str(XXGK), *map(str, args)], capture_output=True, text=True, timeout=120, cwd=cwd)


def catalog(db: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            "tables": con.execute("SELECT schema_name, table_name, comment FROM duckdb_tables() "
                                  "WHERE NOT internal").fetchall(),
            "views": con.execute("SELECT schema_name, view_name, comment FROM duckdb_views() "
                                 "WHERE NOT internal").fetchall(),
            "columns": con.execute("SELECT schema_name, table_name, column_name, comment FROM duckdb_columns() "
                                   "WHERE NOT internal ORDER BY schema_name, table_name, column_index").fetchall(),
        }
    finally:
        con.close()


# -- comments -------------------------------------------------------------------------------

def test_every_table_view_and_column_has_a_comment(published):
    found = catalog(published[1] / "processed" / "xxgk.duckdb")
    assert {t[1] for t in found["tables"]} == set(datasets())
    assert {v[1] for v in found["views"]} == set(datasets()) | set(views())
    assert len(found["columns"]) > 400
    missing = [r[:-1] for kind in found.values() for r in kind if not (r[-1] or "").strip()]
    assert missing == []


def test_comments_are_the_schema_modules_text(published):
    found = catalog(published[1] / "processed" / "xxgk.duckdb")
    tables = {(s, n): c for s, n, c in found["tables"]}
    views_ = {(s, n): c for s, n, c in found["views"]}
    columns = {(s, t, c): text for s, t, c, text in found["columns"]}
    reports, cells = datasets()["reports"], datasets()["cells"]
    # the datasets: the table in `release` and the view in main, both from xxgk/schema/datasets.py
    assert tables["release", "reports"] == views_["main", "reports"] == reports.description
    assert columns["release", "cells", "state"] == columns["main", "cells", "state"] == cells.column("state").description
    assert columns["main", "applications", "natural_person"] == "自然人 (件 (a count))."
    # the analyst views: xxgk/schema/views.py, a dataset's column passed through keeps its text
    assert views_["main", "report_headline"] == views()["report_headline"].description
    assert columns["main", "report_headline", "granted_rate"] == HEADLINE["granted_rate"]
    assert columns["main", "report_headline", "agency_key"] == reports.column("agency_key").description
    assert columns["main", "cells_labeled", "row_label"] == datasets()["dictionary"].column("row_label").description
    assert columns["main", "region_year", "granted_rate"].startswith("sum(granted) / sum(processed)")
    # and nothing the schema does not describe
    known = descriptions()
    for (schema, table, column), text in columns.items():
        assert text == known[table][1][column], (schema, table, column)


def test_views_list_the_columns_the_schema_describes(published):
    """A column added to a view in sql/*.sql needs its description in xxgk/schema/views.py."""
    con = duckdb.connect(str(published[1] / "processed" / "xxgk.duckdb"), read_only=True)
    try:
        for name, view in views().items():
            found = [r[0] for r in con.execute(f"DESCRIBE {name}").fetchall()]
            assert found == list(view.columns), name
    finally:
        con.close()


def test_query_shows_the_comments(published):
    p = xxgk("query", "SELECT comment FROM duckdb_columns() WHERE table_name = 'report_headline' "
             "AND column_name = 'received'", "--data", published[1], "--json")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout) == [{"comment": HEADLINE["received"]}]


# -- analysts' own views ----------------------------------------------------------------------

ATTACH = "ATTACH IF NOT EXISTS '{db}' AS xxgk (READ_ONLY);\n"


def test_analyst_views_in_their_own_file_survive_a_publication(copy, tmp_path):
    """As README "For analysts" says: the analyst's file holds their views, over ours attached
    read-only; an init script re-attaches at every open, and the views answer with whatever was
    published last."""
    inbox, data = copy
    work = tmp_path / "analyst"
    work.mkdir()
    db = (data / "processed" / "xxgk.duckdb").absolute()
    init = work / "attach.sql"
    init.write_text(ATTACH.format(db=db.as_posix()), encoding="utf-8")
    mine = work / "mine.duckdb"

    def session(sql: str) -> list[tuple]:
        """One analyst session, in another process and folder: open, run the init script, query."""
        code = textwrap.dedent(f"""
            import duckdb, json, sys
            con = duckdb.connect({str(mine)!r})
            con.execute(open({str(init)!r}, encoding="utf-8").read())
            print(json.dumps(con.execute(sys.argv[1]).fetchall(), ensure_ascii=False))
            con.close()
        """)
        p = subprocess.run([sys.executable, "-c", code, sql], capture_output=True, text=True, timeout=120,
                           cwd=tmp_path)
        assert p.returncode == 0, p.stderr
        return [tuple(r) for r in json.loads(p.stdout)]

    session("""CREATE VIEW my_years AS
               SELECT report_year, count(*) AS reports, sum(received) AS received
               FROM xxgk.report_headline GROUP BY report_year""")
    assert session("FROM my_years ORDER BY report_year") == [(2020, 3, 63)]

    shutil.copy(NEW_REPORT, inbox / "shuyang.html")  # a new report, and a new publication
    out = run_flow(str(inbox), None, str(data), runner="thread")
    assert out["extract"]["extracted"] == 1
    assert q(data, "SELECT count(*) FROM reports") == [(4,)]

    assert session("FROM my_years ORDER BY report_year") == [(2020, 3, 63), (2023, 1, 26)]
    # without the init script the view cannot bind: the attachment is not stored in the file
    con = duckdb.connect(str(mine))
    try:
        with pytest.raises(duckdb.CatalogException, match="xxgk"):
            con.execute("FROM my_years")
        assert con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall() == [("my_years",)]
    finally:
        con.close()


# -- another program holding the write lock ------------------------------------------------------

@pytest.fixture
def holder(copy):
    """A program holding data/processed/xxgk.duckdb open read-write (as the DuckDB CLI does by
    default), and so its write lock: yields the process, stopped at the end."""
    db = copy[1] / "processed" / "xxgk.duckdb"
    code = ("import duckdb, sys, time\n"
            f"c = duckdb.connect({str(db)!r})\n"
            "print('ready', flush=True)\n"
            "for line in sys.stdin:\n"
            "    c.execute(line)\n"
            "    print('done', flush=True)\n")
    p = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert p.stdout is not None and p.stdout.readline() == "ready\n"
    yield p
    p.send_signal(signal.SIGTERM)
    p.wait(timeout=30)


def lock_line(data: Path, holder: subprocess.Popen) -> str:
    release = (data / "processed" / "current").resolve().name
    db = data / "processed" / "xxgk.duckdb"
    return (f"xxgk: {db} is locked by another program (pid {holder.pid}, {Path(sys.executable).resolve()}) "
            f"that has it open read-write; answering from release {release} (its parquet files)\n")


def test_query_and_stats_answer_while_another_program_holds_the_lock(published, copy, holder):
    data = copy[1]
    with pytest.raises(duckdb.IOException, match=f"PID {holder.pid}"):
        duckdb.connect(str(data / "processed" / "xxgk.duckdb"), read_only=True)

    sql = "SELECT agency, received, granted_rate FROM report_headline ORDER BY agency"
    unlocked = xxgk("query", sql, "--data", published[1], "--json")
    assert unlocked.returncode == 0 and unlocked.stderr == ""
    p = xxgk("query", sql, "--data", data, "--json")
    assert p.returncode == 0, p.stderr
    assert p.stdout == unlocked.stdout and len(json.loads(p.stdout)) == 3
    assert p.stderr == lock_line(data, holder)

    p = xxgk("stats", "--data", data, "--csv")
    assert p.returncode == 0, p.stderr
    assert p.stdout == xxgk("stats", "--data", published[1], "--csv").stdout
    assert p.stdout.splitlines()[1].startswith("2020,3,")
    assert p.stderr == lock_line(data, holder)

    # the same views and comments, and the same sandbox
    p = xxgk("query", "SELECT comment FROM duckdb_views() WHERE view_name = 'agency_yoy'", "--data", data, "--json")
    assert json.loads(p.stdout) == [{"comment": views()["agency_yoy"].description}]
    p = xxgk("query", "SELECT count(*) AS n FROM cells_labeled", "--data", data, "--json")
    assert json.loads(p.stdout) == [{"n": 3 * 198}]

    # `xxgk run`'s closing summary reads the same way
    out = io.StringIO()
    pipeline_summary(Console(file=out, width=200), data / "processed" / "xxgk.duckdb", {"extract": {"extracted": 0}})
    assert "documents 3 · extracted 3" in out.getvalue()


def test_the_fallback_reads_nothing_outside_the_release(copy, holder, tmp_path):
    data = copy[1]
    secret = tmp_path / "secret.csv"
    secret.write_text("a\n1\n", encoding="utf-8")
    elsewhere = (data / "processed" / "work").absolute()
    for sql, refusal in [
        (f"SELECT * FROM read_csv('{secret}')", "Permission Error"),
        ("SELECT * FROM read_csv('/etc/passwd')", "Permission Error"),
        (f"SELECT * FROM glob('{elsewhere}/**')", "Permission Error"),
        (f"COPY (SELECT 1) TO '{(data / 'processed' / 'current').resolve()}/x.csv'", "COPY is not allowed"),
        ("SET enable_external_access = true", "SET/RESET/USE is not allowed"),
        (f"ATTACH '{secret}.db' AS x", "ATTACH is not allowed"),
    ]:
        p = xxgk("query", sql, "--data", data)
        assert p.returncode != 0 and refusal in p.stderr and not p.stdout, (sql, p.stderr)
    assert not (data / "processed" / "current" / "x.csv").exists() and not Path(f"{secret}.db").exists()


def test_the_fallback_refuses_a_changed_release(copy, holder):
    data = copy[1]
    f = data / "processed" / "current" / "reports.parquet"
    pq.write_table(pq.read_table(f).slice(0, 1), f)
    p = xxgk("query", "SELECT count(*) FROM reports", "--data", data)
    assert p.returncode == 2 and not p.stdout
    assert len(p.stderr.splitlines()) == 1
    assert f"is locked by another program (pid {holder.pid}" in p.stderr
    assert "was changed after it was published (the sha256 of reports.parquet differs" in p.stderr


def test_publishing_while_another_program_holds_the_lock(copy, holder):
    """The publication writes a new file and renames it over the locked one: it succeeds, and
    readers see the new release at once; the holder keeps the file it had. A write-ahead log
    the holder left beside the file is set aside, or no one could open the new file."""
    inbox, data = copy
    assert holder.stdin is not None and holder.stdout is not None

    def holder_runs(sql: str) -> None:
        holder.stdin.write(sql + "\n")
        holder.stdin.flush()
        assert holder.stdout.readline() == "done\n"

    holder_runs("CREATE VIEW scribble AS SELECT 1 AS x")  # written into our file: its WAL
    assert (data / "processed" / "xxgk.duckdb.wal").exists()

    shutil.copy(NEW_REPORT, inbox / "shuyang.html")
    out = run_flow(str(inbox), None, str(data), runner="thread")
    assert out["extract"]["extracted"] == 1

    assert q(data, "SELECT count(*) FROM reports") == [(4,)]  # the new file opens: no lock, no stray WAL
    assert q(data, "SELECT count(*) FROM duckdb_views() WHERE view_name = 'scribble'") == [(0,)]
    p = xxgk("query", "SELECT count(*) AS n FROM reports", "--data", data, "--json")
    assert (p.returncode, json.loads(p.stdout), p.stderr) == (0, [{"n": 4}], "")
    # the holder still has the file it opened, its own view with it, and writes on without
    # disturbing the new file's readers
    holder_runs("CREATE TABLE seen AS SELECT (SELECT count(*) FROM reports) AS n, (SELECT x FROM scribble) AS s")
    assert q(data, "SELECT count(*) FROM reports") == [(4,)]
    assert not list((data / "processed").glob("*.wal"))
