"""How the command line shows things to people: reports as tables, query results, run summaries."""
from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from xxgk import schema
from xxgk.extract.report import Report

EXAMPLE_QUERY = """SELECT agency, report_year,
       max(value) FILTER (key = 'applications.new_received.total')   AS new_requests,
       max(value) FILTER (key = 'applications.granted.total')        AS granted,
       max(value) FILTER (key = 'applications.total_processed.total') AS processed
FROM cells_labeled GROUP BY agency, report_year ORDER BY new_requests DESC NULLS LAST LIMIT 5"""

STATUS_STYLE = {"ok": "green", "warning": "yellow", "failed": "bold red"}


def report_summary(console: Console, r: Report):
    style = STATUS_STYLE[r.status]
    console.rule(f"[{style}]{r.status.upper()}[/] {r.source}")
    console.print(f"agency {r.agency or '?'} · year {r.report_year or '?'} · {r.template or '?'} form"
                  f" · {r.kind or '?'} ({r.encoding or '?'}) · published {r.published or '?'}")
    if r.cells:
        for table in schema.TABLES:
            console.print(report_table(r, table))
    bad = [c for c in r.checks if not c.ok]
    for c in bad:
        console.print(f"[{'red' if r.status == 'failed' else 'yellow'}]✗ {c.name}[/] {c.detail}")
    good = len(r.checks) - len(bad)
    console.print(f"{good} checks passed, {len(bad)} not")


def report_table(r: Report, table: str) -> Table:
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




def print_frame(df, fmt: str):
    if fmt == "csv":
        print(df.to_csv(index=False), end="")
    elif fmt == "json":
        print(df.to_json(orient="records", force_ascii=False))
    else:
        t = Table(pad_edge=False)
        for c in df.columns:
            t.add_column(str(c), justify="right" if df[c].dtype.kind in "iuf" else "left")
        for row in df.itertuples(index=False):
            t.add_row(*["" if v is None or v != v else f"{v:.4g}" if isinstance(v, float) else str(v) for v in row])
        Console(highlight=False).print(t)


def pipeline_summary(console: Console, db: Path, result: dict):
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute("SELECT count(*) FROM reports").fetchone()
        assert row is not None  # an aggregate without GROUP BY returns one row
        docs = row[0]
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


def jsonl_summary(console: Console, records: list[dict]):
    t = Table(show_lines=False, pad_edge=False)
    for col in ("source", "status", "form", "year", "agency", "cells read", "not passed"):
        t.add_column(col)
    counts: dict[str, int] = {}
    for rec in records:
        counts[rec["status"]] = counts.get(rec["status"], 0) + 1
        cells = rec["cells"]
        read = sum(v is not None for v in cells.values()) - len(rec.get("inferred", []))
        bad = [c["name"] if rec["status"] != "failed" else c["detail"] for c in rec["checks"] if not c["ok"]]
        style = STATUS_STYLE[rec["status"]]
        t.add_row(Path(rec["source"]).name, f"[{style}]{rec['status']}[/]", rec["template"] or "",
                  str(rec["report_year"] or ""), rec["agency"] or "", f"{read}/{len(cells)}",
                  ", ".join(bad)[:80])
    console.print(t)
    console.print(" · ".join(f"{n} {s}" for s, n in sorted(counts.items())))
