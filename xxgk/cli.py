"""`xxgk`: the command line.

    xxgk extract PATH... [--jsonl]    read reports, print JSON lines or a summary per report
    xxgk summary FILE.jsonl           one line per report of an `extract --jsonl` output
    xxgk run [--folder DIR] [--urls FILE] [--sites FILE]   the pipeline: ingest/crawl → extract → publish
    xxgk query "SQL" [--csv|--json]   read-only SQL against the DuckDB database (sandboxed)
    xxgk stats [--year Y] [--region R]  the headline figures
    xxgk report [--out FILE]          one self-contained HTML page with charts (DATA/processed/report.html)
    xxgk snapshot                     a versioned, reproducible snapshot for researchers
    xxgk serve                        the nightly deployment (cron), served by this process
"""
from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import NoReturn

import click
import orjson

from xxgk import config
from xxgk.extract import heap
from xxgk.extract.report import PARSER_VERSION, Report, extract_file
from xxgk.ingest.folder import report_files, source_name


def _inputs(paths: tuple[str, ...]) -> list[Path]:
    """Files as given, and the report files under any directory, sorted, in argument order."""
    out = []
    for p in map(Path, paths):
        out.extend(report_files(p) if p.is_dir() else [p])
    return out


def fail(line: str) -> NoReturn:
    """End a command on an error of the machine, not of xxgk: one line, status 2."""
    click.echo(f"xxgk: {line}", err=True)
    sys.exit(2)


@contextmanager
def environment_errors(data: str) -> Iterator[None]:
    """For a command that writes under the data folder: a full disk, a read-only or forbidden
    folder, or another run holding the data folder end it in one line (`fail`) rather than a
    traceback (the line as `xxgk run` says it: `xxgk.flows.machine.one_line`)."""
    from xxgk.transform.store import RunInProgress

    try:
        yield
    except (RunInProgress, OSError) as e:
        from xxgk.flows.machine import one_line

        fail(one_line(e, data) or str(e))


def _console(stderr: bool = False):
    """Where rich prints for a person. (rich and what prints with it load here, not at start-up:
    `xxgk extract --jsonl` prints none of it.)"""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


def data_option(f):
    """--data: the data folder (raw/ and processed/), from $XXGK_DATA or $XXGK_HOME/data."""
    return click.option("--data", default=lambda: str(config.data_dir()), show_default="$XXGK_DATA or ./data",
                        help="Data folder (raw/ and processed/).")(f)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="xxgk", message=f"%(prog)s, version %(version)s (parser {PARSER_VERSION})")
def main():
    """xxgk: government information disclosure annual reports → analysis-ready tables."""


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--jsonl", is_flag=True, help="One JSON object per input file (the data contract).")
@click.option("--strict", is_flag=True, help="Raise on a bug of ours instead of failing that report (for debugging).")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=1, show_default=True,
              help="Extract on this many processes (0: one per core); the output keeps the input order.")
def extract(paths, jsonl, strict, jobs):
    """Extract the three standard tables from report files (txt, md, html, pdf).

    Directories are walked. Every input gets a result, `failed` with a reason when it cannot
    be read; the exit status is 1 when any input failed.
    """
    out = sys.stdout.buffer
    failed = 0
    console = None
    heap.pace_for_batches()  # (workers forked for -j inherit it)
    one = partial(_extract_one, strict=strict or None, jsonl=jsonl)  # None: $XXGK_STRICT
    for bad, result in _each(one, _inputs(paths), jobs or os.cpu_count() or 1):
        failed += bad
        if isinstance(result, bytes):
            out.write(result)
            out.flush()  # a line per report as it is done: a consumer reads as we go
        else:
            from xxgk.console import report_summary

            console = console or _console()
            report_summary(console, result)
    sys.exit(1 if failed else 0)


def _extract_one(path: Path, strict: bool | None, jsonl: bool) -> tuple[bool, bytes | Report]:
    """Whether the file failed, and its `--jsonl` line or (for the summary) its report."""
    report = extract_file(path, source=source_name(path), strict=strict)
    line = orjson.dumps(report.as_json(), option=orjson.OPT_APPEND_NEWLINE) if jsonl else None
    return report.status == "failed", line or report


def _each(one, paths: list[Path], jobs: int) -> Iterable[tuple[bool, bytes | Report]]:
    """`one` of each path, in order: here, or on `jobs` worker processes, a few files at a time."""
    if jobs == 1 or len(paths) < 2:
        yield from map(one, paths)
        return
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(min(jobs, len(paths))) as pool:
        yield from pool.imap(one, paths, chunksize=max(1, min(16, len(paths) // (jobs * 4))))


@main.command()
@click.argument("jsonl_file", type=click.File(encoding="utf-8"))
def summary(jsonl_file):
    """Summarise an `xxgk extract --jsonl` output: status, year, agency, failed checks."""
    from xxgk.console import jsonl_summary

    jsonl_summary(_console(), [json.loads(line) for line in jsonl_file if line.strip()])


@main.command()
@click.option("--folder", type=click.Path(exists=True, file_okay=False), help="Ingest report files from here.")
@click.option("--urls", type=click.Path(exists=True, dir_okay=False), help="Crawl the URLs listed here.")
@click.option("--sites", type=click.Path(exists=True, dir_okay=False),
              help="Find and crawl the annual reports of the columns listed here (url[,agency[,region]] per line).")
@data_option
@click.option("--runner", type=click.Choice(["process", "thread", "dask"]), default=None,
              help="Task runner for extraction (default: $XXGK_TASK_RUNNER or process).")
@click.option("--json", "as_json", is_flag=True,
              help="Print what became of every input as one JSON object (counts, each input's outcome).")
def run(folder, urls, sites, data, runner, as_json):
    """Run the pipeline with Prefect: ingest and/or crawl, extract what is new, publish.

    Leaves parquet files under DATA/processed/current/ and the DuckDB database
    DATA/processed/xxgk.duckdb, then prints what happened to every input (--json: as JSON).
    Progress goes to stderr: bars on a terminal, a line per step otherwise. Exit status: 0 when
    every input became a report, 1 when some did not (each is listed with its reason), 2 for
    a usage or environment error, 130 when interrupted (Ctrl-C: the release is left whole, and
    the next run does the rest).
    """
    if not (folder or urls or sites):
        raise click.UsageError("nothing to read: give --folder DIR, --urls FILE and/or --sites FILE")
    if urls or sites:
        try:
            config.crawl()  # xxgk.toml [crawl] and XXGK_CRAWL_*: a bad value stops here, in one line
        except config.ConfigError as e:
            fail(str(e))
    from xxgk.flows import machine  # (xxgk.flows first sets Prefect's defaults: PREFECT_HOME, logging)
    from xxgk.transform.warehouse import Unavailable

    db = Path(data) / "processed" / "xxgk.duckdb"
    try:
        for option, path in (("--folder", folder), ("--urls", urls), ("--sites", sites), ("--data", data)):
            if path:
                machine.utf8_name(option, path)
        machine.check_folders(data)  # before Prefect is imported: it cannot start without them
        from xxgk.console import RunProgress, pipeline_json, pipeline_summary
        from xxgk.flows import processes, progress
        from xxgk.flows.run import run_flow

        with RunProgress(_console(stderr=True)) as shown, progress.showing(shown):
            result = processes.run_here(data, lambda: run_flow(folder, urls, data, runner, sites=sites))
        with environment_errors(data):
            failed = pipeline_json(db, result) if as_json else pipeline_summary(_console(), db, result)
    except KeyboardInterrupt:
        click.echo(f"xxgk: {machine.interrupted(data)}", err=True)
        sys.exit(130)
    except (machine.Stopped, Unavailable) as e:  # (Unavailable: the summary cannot read the database)
        fail(str(e))
    if failed:  # counted above, input by input; the status says so to a script or a scheduler
        sys.exit(1)


@main.command()
@data_option
@click.option("--out", default="snapshots", show_default=True, help="Where snapshots are written.")
def snapshot(data, out):
    """Write a versioned, reproducible snapshot of the current release for researchers:
    parquet files, a data dictionary, a Frictionless Data Package (datapackage.json), a
    CITATION.cff, and a manifest with row counts and sha256 of every file. Title, licence,
    contributors and repository come from XXGK_HOME/xxgk.toml [package] and XXGK_PACKAGE_*.
    A release whose files differ from its own manifest's sha256 is refused."""
    from xxgk.transform.snapshot import TamperedRelease, make_snapshot

    current = Path(data) / "processed" / "current"
    if not current.exists():
        raise click.ClickException(f"nothing published under {current}: run `xxgk run` first")
    try:
        package = config.package()
    except config.ConfigError as e:
        raise click.ClickException(str(e)) from None
    with environment_errors(out):
        try:
            path = make_snapshot(current.resolve(), Path(out), package)
        except TamperedRelease as e:
            raise click.ClickException(str(e)) from None
    click.echo(path)


@main.command()
@click.option("--cron", default="0 2 * * *", show_default=True, help="When to run (Asia/Shanghai time).")
@click.option("--folder", default="data/raw/samples", show_default=True)
@click.option("--urls", default=None)
@click.option("--sites", default=None, help="A sites list whose columns' reports are found and crawled each night.")
@click.option("--data", default="data", show_default=True)
def serve(cron, folder, urls, sites, data):
    """Serve the nightly deployment from this process (Ctrl-C stops it).

    Uses the Prefect server at $PREFECT_API_URL, or an embedded one if unset.
    """
    from xxgk.flows.schedule import serve as serve_nightly

    serve_nightly(cron=cron, folder=folder, urls=urls, sites=sites, data=data)


def _database_path(data: str) -> Path:
    db = Path(data) / "processed" / "xxgk.duckdb"
    if not db.exists():
        raise click.ClickException(f"no database at {db}: run `xxgk run` first")
    return db


def _database(data: str):
    """The sandboxed connection (read-only, nothing outside the file, read statements only).
    A database another program holds locked is answered from its release's parquet files,
    said in one line on stderr."""
    from xxgk.transform.warehouse import Unavailable, query_connection

    try:
        con = query_connection(_database_path(data))
    except Unavailable as e:
        fail(str(e))
    if con.note:
        click.echo(f"xxgk: {con.note}", err=True)
    return con


@main.command()
@click.argument("sql")
@data_option
@click.option("--csv", "fmt", flag_value="csv", help="Print CSV.")
@click.option("--json", "fmt", flag_value="json", help="Print JSON records.")
def query(sql, data, fmt):
    """Run read statements (SELECT, DESCRIBE, SHOW, SUMMARIZE...) against the database and
    print the result. Nothing else runs: no COPY, ATTACH, INSTALL, SET, CREATE, and no file
    or URL outside the database.

    Views: reports, cells, cells_labeled, checks, failures, dictionary, disclosure_wide,
    applications_wide, appeals_wide, report_headline, agency_year, region_year,
    province_year, agency_yoy, quality_status, quality_checks, quality_inconsistent.
    """
    import duckdb

    from xxgk.console import print_rows
    from xxgk.transform.warehouse import NotARead

    con = _database(data)
    try:
        cur = con.execute(sql)
        columns, rows = [d[0] for d in cur.description or []], cur.fetchall()
    except (duckdb.Error, NotARead) as e:
        raise click.ClickException(str(e)) from None
    finally:
        con.close()
    print_rows(columns, rows, fmt or "table")


STATS_SQL = """SELECT report_year AS year, count(*) AS reports,
       count(*) FILTER (status = 'ok') AS all_checks_passed,
       count(*) FILTER (applications_table <> 'read' OR appeals_table <> 'read') AS left_out,
       sum(received) AS received, sum(processed) AS processed, sum(granted) AS granted,
       round(sum(granted) / nullif(sum(processed), 0), 4) AS granted_rate,
       sum(refused_not_disclosable) AS not_disclosable, sum(refused_unavailable) AS unavailable,
       sum(refused_not_processed) AS not_processed, sum(carried_forward) AS carried_forward,
       sum(reviews) AS reviews, sum(lawsuits) AS lawsuits
FROM agency_year WHERE {where} GROUP BY report_year ORDER BY report_year"""


@main.command()
@click.option("--year", type=int, help="Only this report year.")
@click.option("--region", help="Only agencies in this province, city or county (e.g. 江苏省, 淮安市).")
@data_option
@click.option("--csv", "fmt", flag_value="csv", help="Print CSV.")
@click.option("--json", "fmt", flag_value="json", help="Print JSON records.")
def stats(year, region, data, fmt):
    """The headline figures per year: requests, outcomes, refusals, reviews and lawsuits,
    with the number of reports behind them and how many passed every check."""
    where, params = ["true"], []
    if year:
        where.append("report_year = ?")
        params.append(year)
    if region:
        where.append("? IN (province, city, county)")
        params.append(region)
    import duckdb

    from xxgk.console import print_rows

    con = _database(data)
    try:
        cur = con.execute(STATS_SQL.format(where=" AND ".join(where)), params)
        columns, rows = [d[0] for d in cur.description or []], cur.fetchall()
    except duckdb.Error as e:  # a database published by an older xxgk: `xxgk run` republishes it
        raise click.ClickException(str(e).splitlines()[0]) from None
    finally:
        con.close()
    if not fmt:  # a figure per line, a year per column: readable in any terminal
        columns, rows = (["figure", *(str(r[0]) for r in rows)],
                         [(name, *(r[i] for r in rows)) for i, name in enumerate(columns) if i])
    print_rows(columns, rows, fmt or "table")


@main.command()
@data_option
@click.option("--out", default=None, show_default="DATA/processed/report.html", help="Where to write the page.")
def report(data, out):
    """Write one self-contained HTML page with charts, one report per agency and year, per
    administrative level: requests and outcomes by year, provinces, refusal reasons, granted
    rates, applicants, correction rates, agencies over the years, data quality."""
    from xxgk.transform.report_page import write_report

    db = _database_path(data)
    with environment_errors(data):
        click.echo(write_report(db, Path(out) if out else Path(data) / "processed" / "report.html"))


if __name__ == "__main__":
    main()
