"""`xxgk`: the command line.

    xxgk extract PATH... [--jsonl]    read reports, print JSON lines or a summary per report
    xxgk summary FILE.jsonl           one line per report of an `extract --jsonl` output
    xxgk run [--folder DIR] [--urls FILE]   the pipeline: ingest/crawl → extract → publish
    xxgk query "SQL" [--csv|--json]   SQL against the DuckDB database
    xxgk stats [--year Y] [--region R]  the headline figures
    xxgk report [--out FILE]          one self-contained HTML page with charts
    xxgk snapshot                     a versioned, reproducible snapshot for researchers
    xxgk serve                        the nightly deployment (cron), served by this process
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from extract.report import Report, extract_file
from ingest.folder import report_files
from xxgk import schema

def _inputs(paths: tuple[str, ...]) -> list[Path]:
    """Files as given, and the report files under any directory, sorted, in argument order."""
    out = []
    for p in map(Path, paths):
        out.extend(report_files(p) if p.is_dir() else [p])
    return out


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """xxgk: government information disclosure annual reports → analysis-ready tables."""


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--jsonl", is_flag=True, help="One JSON object per input file (the data contract).")
def extract(paths, jsonl):
    """Extract the three standard tables from report files (txt, md, html, pdf).

    Directories are walked. Every input gets a result, `failed` with a reason when it cannot
    be read; the exit status is 1 when any input failed.
    """
    console = Console(highlight=False)
    failed = 0
    for path in _inputs(paths):
        report = extract_file(path, source=str(path))
        failed += report.status == "failed"
        if jsonl:
            sys.stdout.write(json.dumps(report.as_json(), ensure_ascii=False) + "\n")
            sys.stdout.flush()
        else:
            _summary(console, report)
    sys.exit(1 if failed else 0)


@main.command()
@click.argument("jsonl_file", type=click.File(encoding="utf-8"))
def summary(jsonl_file):
    """Summarise an `xxgk extract --jsonl` output: status, year, agency, failed checks."""
    console = Console(highlight=False)
    t = Table(show_lines=False, pad_edge=False)
    for col in ("source", "status", "form", "year", "agency", "cells read", "not passed"):
        t.add_column(col)
    counts: dict[str, int] = {}
    for line in jsonl_file:
        rec = json.loads(line)
        counts[rec["status"]] = counts.get(rec["status"], 0) + 1
        cells = rec["cells"]
        read = sum(v is not None for v in cells.values()) - len(rec.get("inferred", []))
        bad = [c["name"] if rec["status"] != "failed" else c["detail"] for c in rec["checks"] if not c["ok"]]
        style = _STATUS_STYLE[rec["status"]]
        t.add_row(Path(rec["source"]).name, f"[{style}]{rec['status']}[/]", rec["template"] or "",
                  str(rec["report_year"] or ""), rec["agency"] or "", f"{read}/{len(cells)}",
                  ", ".join(bad)[:80])
    console.print(t)
    console.print(" · ".join(f"{n} {s}" for s, n in sorted(counts.items())))


EXAMPLE_QUERY = """SELECT agency, report_year,
       max(value) FILTER (key = 'applications.new_received.total')   AS new_requests,
       max(value) FILTER (key = 'applications.granted.total')        AS granted,
       max(value) FILTER (key = 'applications.total_processed.total') AS processed
FROM cells_labeled GROUP BY agency, report_year ORDER BY new_requests DESC NULLS LAST LIMIT 5"""


@main.command()
@click.option("--folder", type=click.Path(exists=True, file_okay=False), help="Ingest report files from here.")
@click.option("--urls", type=click.Path(exists=True, dir_okay=False), help="Crawl the URLs listed here.")
@click.option("--data", default="data", show_default=True, help="Data folder (raw/ and processed/).")
@click.option("--runner", type=click.Choice(["process", "thread", "dask"]), default=None,
              help="Task runner for extraction (default: $XXGK_TASK_RUNNER or process).")
def run(folder, urls, data, runner):
    """Run the pipeline with Prefect: ingest and/or crawl, extract what is new, publish.

    Leaves parquet files under DATA/processed/current/ and the DuckDB database
    DATA/processed/xxgk.duckdb, then prints what happened to every input.
    """
    from flows.run import run_flow
    from transform.store import RunInProgress

    try:
        result = run_flow(folder, urls, data, runner)
    except RunInProgress as e:
        raise click.ClickException(str(e)) from None
    _pipeline_summary(Console(highlight=False), Path(data) / "processed" / "xxgk.duckdb", result)


@main.command()
@click.option("--data", default="data", show_default=True, help="Data folder (raw/ and processed/).")
@click.option("--out", default="snapshots", show_default=True, help="Where snapshots are written.")
def snapshot(data, out):
    """Write a versioned, reproducible snapshot of the current release for researchers:
    parquet files, a data dictionary, and a manifest with row counts and sha256 of every file."""
    from transform.snapshot import make_snapshot

    current = Path(data) / "processed" / "current"
    if not current.exists():
        raise click.ClickException(f"nothing published under {current}: run `xxgk run` first")
    path = make_snapshot(current.resolve(), Path(out))
    click.echo(path)


@main.command()
@click.option("--cron", default="0 2 * * *", show_default=True, help="When to run (Asia/Shanghai time).")
@click.option("--folder", default="data/raw/samples", show_default=True)
@click.option("--urls", default=None)
@click.option("--data", default="data", show_default=True)
def serve(cron, folder, urls, data):
    """Serve the nightly deployment from this process (Ctrl-C stops it).

    Uses the Prefect server at $PREFECT_API_URL, or an embedded one if unset.
    """
    from flows.schedule import serve as serve_nightly

    serve_nightly(cron=cron, folder=folder, urls=urls, data=data)


def _database(data: str):
    import duckdb

    db = Path(data) / "processed" / "xxgk.duckdb"
    if not db.exists():
        raise click.ClickException(f"no database at {db}: run `xxgk run` first")
    return duckdb.connect(str(db), read_only=True)


def _print_frame(df, fmt: str):
    if fmt == "csv":
        click.echo(df.to_csv(index=False), nl=False)
    elif fmt == "json":
        click.echo(df.to_json(orient="records", force_ascii=False))
    else:
        t = Table(pad_edge=False)
        for c in df.columns:
            t.add_column(str(c), justify="right" if df[c].dtype.kind in "iuf" else "left")
        for row in df.itertuples(index=False):
            t.add_row(*["" if v is None or v != v else f"{v:.4g}" if isinstance(v, float) else str(v) for v in row])
        Console(highlight=False).print(t)


@main.command()
@click.argument("sql")
@click.option("--data", default="data", show_default=True, help="Data folder (raw/ and processed/).")
@click.option("--csv", "fmt", flag_value="csv", help="Print CSV.")
@click.option("--json", "fmt", flag_value="json", help="Print JSON records.")
def query(sql, data, fmt):
    """Run SQL against the database (read-only) and print the result.

    Views: reports, cells, cells_labeled, checks, failures, dictionary, disclosure_wide,
    applications_wide, appeals_wide, report_headline, agency_year, region_year,
    province_year, agency_yoy, quality_status, quality_checks, quality_inconsistent.
    """
    import duckdb

    con = _database(data)
    try:
        df = con.execute(sql).df()
    except duckdb.Error as e:
        raise click.ClickException(str(e)) from None
    finally:
        con.close()
    _print_frame(df, fmt or "table")


STATS_SQL = """SELECT report_year AS year, count(*) AS reports,
       count(*) FILTER (status = 'ok') AS all_checks_passed,
       sum(received) AS received, sum(processed) AS processed, sum(granted) AS granted,
       round(sum(granted) / nullif(sum(processed), 0), 4) AS granted_rate,
       sum(refused_not_disclosable) AS not_disclosable, sum(refused_unavailable) AS unavailable,
       sum(refused_not_processed) AS not_processed, sum(carried_forward) AS carried_forward,
       sum(reviews) AS reviews, sum(lawsuits) AS lawsuits
FROM agency_year WHERE {where} GROUP BY report_year ORDER BY report_year"""


@main.command()
@click.option("--year", type=int, help="Only this report year.")
@click.option("--region", help="Only agencies in this province, city or county (e.g. 江苏省, 淮安市).")
@click.option("--data", default="data", show_default=True)
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
    con = _database(data)
    try:
        df = con.execute(STATS_SQL.format(where=" AND ".join(where)), params).df()
    finally:
        con.close()
    if not fmt:  # a figure per line, a year per column: readable in any terminal
        df = df.set_index("year").T.reset_index(names="figure")
        df.columns = [str(c) for c in df.columns]
    _print_frame(df, fmt or "table")


@main.command()
@click.option("--data", default="data", show_default=True)
@click.option("--out", default="data/processed/report.html", show_default=True, help="Where to write the page.")
def report(data, out):
    """Write one self-contained HTML page with charts: requests and outcomes by year, refusal
    reasons, regions compared, data quality."""
    from transform.report_page import write_report

    db = Path(data) / "processed" / "xxgk.duckdb"
    if not db.exists():
        raise click.ClickException(f"no database at {db}: run `xxgk run` first")
    click.echo(write_report(db, Path(out)))


def _pipeline_summary(console: Console, db: Path, result: dict):
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        docs = con.execute("SELECT count(*) FROM reports").fetchone()[0]
        fails = con.execute("SELECT source, stage, reason FROM failures ORDER BY source").fetchall()
        by_status = dict(con.execute("SELECT status, count(*) FROM reports GROUP BY status").fetchall())
        ex = result.get("extract", {})
        console.rule("xxgk run")
        console.print(f"documents {docs + len(fails)} · extracted {docs} "
                      f"(ok {by_status.get('ok', 0)}, warnings {by_status.get('warning', 0)}) · "
                      f"failed {len(fails)} · extracted this run {ex.get('extracted', 0)}")
        warned = con.execute("""SELECT r.source, string_agg(c.name, ', ' ORDER BY c.name)
                                FROM reports r JOIN checks c USING (sha256)
                                WHERE r.status = 'warning' AND NOT c.ok
                                GROUP BY r.source ORDER BY r.source""").fetchall()
        for source, names in warned:
            console.print(f"[yellow]![/] {source}: {names}", soft_wrap=True)
        for source, stage, reason in fails:
            console.print(f"[red]✗[/] {source} ({stage}): {reason}", soft_wrap=True)
        console.print(f"\nDuckDB: {db}   example query:\n{EXAMPLE_QUERY}\n", soft_wrap=True)
        console.print(con.execute(EXAMPLE_QUERY).df().to_string(index=False))
    finally:
        con.close()


_STATUS_STYLE = {"ok": "green", "warning": "yellow", "failed": "bold red"}


def _summary(console: Console, r: Report):
    style = _STATUS_STYLE[r.status]
    console.rule(f"[{style}]{r.status.upper()}[/] {r.source}")
    console.print(f"agency {r.agency or '?'} · year {r.report_year or '?'} · {r.template or '?'} form"
                  f" · {r.kind or '?'} ({r.encoding or '?'}) · published {r.published or '?'}")
    if r.cells:
        for table in schema.TABLES:
            console.print(_table(r, table))
    bad = [c for c in r.checks if not c.ok]
    for c in bad:
        console.print(f"[{'red' if r.status == 'failed' else 'yellow'}]✗ {c.name}[/] {c.detail}")
    good = len(r.checks) - len(bad)
    console.print(f"{good} checks passed, {len(bad)} not")


def _table(r: Report, table: str) -> Table:
    rows = schema.rows(r.template, table)
    cols: list[str] = []
    for row in rows:
        for c in schema.cols(r.template, table, row):
            if c not in cols:
                cols.append(c)
    t = Table(title=table, title_justify="left", show_lines=False, pad_edge=False)
    t.add_column("row")
    for c in cols:
        t.add_column(c, justify="right")
    for row in rows:
        line = [f"{schema.row_label(r.template, table, row)[:18]}"]
        for c in cols:
            cell = r.cells.get(f"{table}.{row}.{c}")
            if cell is None:
                line.append("")
            elif cell.value is None:
                line.append("[dim]·[/]")
            else:
                line.append(f"[italic cyan]{cell.value}*[/]" if cell.inferred else str(cell.value))
        t.add_row(*line)
    return t


if __name__ == "__main__":
    main()
