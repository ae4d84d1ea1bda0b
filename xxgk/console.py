"""How the command line shows things to people: reports as tables, query results, run summaries."""
from __future__ import annotations

import csv
import json
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.padding import Padding
from rich.progress import TaskID
from rich.table import Table
from rich.text import Text

from xxgk import schema
from xxgk.extract.model import TableStatus
from xxgk.extract.report import Report
from xxgk.schema.checks import check_name

EXAMPLE_QUERY = """SELECT agency, report_year,
       max(value) FILTER (key = 'applications.new_received.total')   AS new_requests,
       max(value) FILTER (key = 'applications.granted.total')        AS granted,
       max(value) FILTER (key = 'applications.total_processed.total') AS processed
FROM cells_labeled GROUP BY agency, report_year ORDER BY new_requests DESC NULLS LAST LIMIT 5"""

STATUS_STYLE = {"ok": "green", "warning": "yellow", "failed": "bold red"}


# `xxgk extract FILE`: one report for people. The form's own Chinese labels (from the schema),
# sub-rows indented under their parent, labels wrapped and never cut, units and marks explained;
# legible at 80 columns and when piped (ASCII rules and no colour when stdout is no terminal).

REPORT_STATUS = {"ok": "正常", "warning": "警告", "failed": "失败"}
TABLE_TITLE = {"disclosure": "二、主动公开政府信息情况",
               "applications": "三、收到和处理政府信息公开申请情况",
               "appeals": "四、政府信息公开行政复议、行政诉讼情况"}
TABLE_STATUS = {"read": ("已读取", "green"), "incomplete": ("不完整", "yellow"),
                "cut": ("被截断", "red"), "missing": ("未找到", "red")}
UNIT_NAME = {"count": "件", "signed_count": "件", "wan_yuan": "万元"}
OUTCOMES_HEADING = "三、本年度办理结果"  # the form's heading over （一）…（七）: no cells of its own
NUMERALS = "〇一二三四五六七八九"
# the applicant columns' short headers when the full ones do not fit (a legend names them in full)
SHORT_HEADER = {"commercial": "商业", "research": "科研", "social_welfare": "公益", "legal_service": "法律"}
GAP = 2          # cells between two columns of a table
MIN_LABEL = 24   # the row-label column is kept at least this wide (12 Chinese characters) ...
PLAIN_HEAD = box.Box("    \n    \n -- \n    \n    \n    \n    \n    \n", ascii=True)  # ... piped: ASCII


@dataclass(frozen=True)
class _Line:
    """One line of a table as the form prints it: a row with cells, or a heading over sub-rows."""
    depth: int
    label: str
    row: str | None  # None: a heading (三、本年度办理结果, （三）不予公开, 行政诉讼) with no cells


def report_summary(console: Console, r: Report):
    plain = not console.is_terminal
    style = STATUS_STYLE[r.status]
    console.rule(characters="=" if plain else "━", style=style)
    console.print(Text.assemble((f"{REPORT_STATUS[r.status]} {r.status.upper()}", style), "  ", r.source),
                  overflow="fold")
    form = f"{r.template}年版" if r.template else "?"
    console.print(f"机关 agency：{r.agency or '?'} · 年度 year：{r.report_year or '?'} · 表式 form：{form}",
                  overflow="fold", markup=False)
    console.print(f"格式 format：{r.kind or '?'} ({r.encoding or '?'}) · 发布 published：{r.published or '?'}",
                  overflow="fold", markup=False)
    if r.cells and r.template:
        console.print(_legend())
        for table in schema.TABLES:
            _print_table(console, r, r.template, table, plain)
    bad = [c for c in r.checks if not c.ok]
    console.print()
    console.print(f"检查 checks：{len(r.checks) - len(bad)} 项通过 passed，{len(bad)} 项未通过 not passed",
                  markup=False)
    if bad:
        grid = Table.grid(padding=(0, 1))
        grid.add_column()
        grid.add_column(overflow="fold")
        mark = "red" if r.status == "failed" else "yellow"
        for c in bad:
            name = Text(check_name(c.rule, str(c.kind)), style=mark)
            about = _subject(r.template, c.subject, c.rule) if r.template else ""
            grid.add_row(Text("✗", style=mark),
                         Text.assemble(name, f"：{about}  " if about else " ", c.name, "\n", c.detail))
        console.print(Padding(grid, (0, 0, 0, 2)))


def _subject(template: str, subject: str, rule: str) -> str:
    """What a check was on, in the form's words: a cell, a row, a table, an applicant column."""
    table, _, rest = subject.partition(".")
    row, _, col = rest.partition(".")
    if table not in schema.TABLES:  # an identity's subject: an applicant column or a row
        if rule in ("outcomes_sum", "balance"):
            table, row, col = "applications", "", subject
        else:
            table, row, col = "appeals" if rule == "appeal_sum" else "applications", subject, ""
    rows = schema.rows(template, table)
    if not row and col in schema.APPLICANT_COLS:
        return _col_label(template, table, rows[0], col)
    if row not in rows:
        return TABLE_TITLE[table] if subject == table else ""
    label = schema.row_label(template, table, row)
    if col in schema.cols(template, table, row):
        return f"{label} · {_col_label(template, table, row, col)}"
    return label


@cache
def _col_label(template: str, table: str, row: str, col: str) -> str:
    return next(c.col_label for c in schema.codes(template) if c.key == f"{table}.{row}.{col}")


def _legend() -> Table:
    g = Table.grid(padding=(0, 2))
    g.add_column()
    g.add_column()
    g.add_column(overflow="fold")
    g.add_row("说明 legend", "空白", "报告中此格为空 blank in the report (empty, /, 无)")
    g.add_row("", Text("·", style="dim"), "未读取 not read: table cut or missing, row not found")
    g.add_row("", Text("5*", style="italic cyan"), "推算值 inferred: not printed, deduced from the sums")
    g.add_row("", "+N -N", "本年增/减 increase / decrease")
    g.add_row("", "件 万元", "单位 units: 件 count, 万元 10,000 yuan")
    return g


def _print_table(console: Console, r: Report, template: str, table: str, plain: bool):
    status = r.tables.get(table)
    title = Text.assemble(("\n" + TABLE_TITLE[table], "bold"), f"  {table}")
    if status is not None:
        zh, style = TABLE_STATUS[str(status)]
        title.append(" · ")
        title.append(f"{zh} {status}", style=style)
    console.print(title, overflow="fold")
    rows = schema.rows(template, table)
    if status in (TableStatus.CUT, TableStatus.MISSING) and all(
            c.value is None for k, c in r.cells.items() if k.startswith(f"{table}.")):
        what = "表格被截断" if status is TableStatus.CUT else "未找到表格"
        console.print(f"  （{what}，未读取任何数值 no values read）", markup=False)
        return
    if table == "disclosure":  # one small table per item of 第二十条, as the form prints them
        groups: dict[str, list[str]] = {}
        for row in rows:
            groups.setdefault(_number(template, table, row), []).append(row)
        width = max(cell_len(line.label) for line in _lines(template, table, rows))
        for number, group in groups.items():
            article, _, item = number.partition(".")
            heading = f"第二十条第（{NUMERALS[int(item)]}）项" if article == "20" and item.isdigit() else number
            console.print(Text(heading, style="bold"))
            console.print(_grid(console, r, template, table, _lines(template, table, group), "信息内容", plain,
                                width))
        return
    lines = _lines(template, table, rows)
    unit = UNIT_NAME[schema.unit(template, f"{table}.{rows[0]}.{schema.cols(template, table, rows[0])[0]}")]
    console.print(_grid(console, r, template, table, lines, f"单位：{unit}", plain))


@cache
def _number(template: str, table: str, row: str) -> str:
    return next(c.number for c in schema.codes(template) if c.table == table and c.row == row)


def _lines(template: str, table: str, rows: tuple[str, ...] | list[str]) -> list[_Line]:
    """The form's two-level rows: `（三）不予公开 1.属于国家秘密` is `1.属于国家秘密` under a
    heading line `（三）不予公开`; the applications' （一）…（七） sit under 三、本年度办理结果."""
    out: list[_Line] = []
    parent = None
    for row in rows:
        label, number, depth = schema.row_label(template, table, row), _number(template, table, row), 0
        if table == "applications":
            if number.startswith("三."):
                if not any(line.label == OUTCOMES_HEADING for line in out):
                    out.append(_Line(0, OUTCOMES_HEADING, None))
                depth = 1
            elif number in NUMERALS:
                label = f"{number}、{label}"
        head, _, sub = label.partition(" ")
        if sub:
            if head != parent:
                out.append(_Line(depth, head, None))
                parent = head
            out.append(_Line(depth + 1, sub, row))
        else:
            parent = None
            out.append(_Line(depth, label, row))
    return out


def _grid(console: Console, r: Report, template: str, table: str, lines: list[_Line], corner: str,
          plain: bool, label_min: int = 0) -> Table:
    """One table of the form: its row labels (wrapped in their column, sub-rows indented), then
    its value columns, as wide as their values and headers (folded or short when narrow)."""
    cols: list[str] = []
    for line in lines:
        for c in schema.cols(template, table, line.row) if line.row else ():
            if c not in cols:
                cols.append(c)
    rows = [line.row for line in lines if line.row]
    cells = {(row, c): _cell(r, template, f"{table}.{row}.{c}")
             for row in rows for c in schema.cols(template, table, row)}
    starred = {c for (_, c), t in cells.items() if t.plain.endswith("*")}  # inferred values in them
    full, short = [], []
    for c in cols:
        row = next(row for row in rows if (row, c) in cells)
        key = f"{table}.{row}.{c}"
        label = _col_label(template, table, row, c)
        if table == "disclosure":
            if "单位" not in label:
                label += f"（{UNIT_NAME[schema.unit(template, key)]}）"
        else:
            label = label.rpartition(" ")[2]  # 法人或其他组织 商业企业 → 商业企业 (the legend says whose)
        full.append(label)
        short.append(SHORT_HEADER.get(c, label) if table == "applications" else label)
    widest = [max([cell_len(t.plain) for (_, col), t in cells.items() if col == c] + [1]) for c in cols]
    label_width = max([cell_len(line.label) + 2 * line.depth for line in lines] + [cell_len(corner)])
    use_short, widths = _fit(console.width, label_width, full, short, widest)
    headers = short if use_short else full
    if table == "applications":
        console.print(_applicants(template, table, cols, headers), overflow="fold")
    t = Table(box=PLAIN_HEAD if plain else box.SIMPLE_HEAD, show_edge=False, pad_edge=False,
              padding=(0, 0, 0, GAP - 1), collapse_padding=False)
    room = console.width - sum(widths) - GAP * len(widths)  # label_min: as wide as its sister tables' labels
    t.add_column(Text(corner), overflow="fold", min_width=min(label_min, room) if label_min else None)
    for h, w in zip(headers, widths, strict=True):
        t.add_column(Text(h), justify="right", overflow="fold", width=w)
    for line in lines:
        name = Padding(Text(line.label, style="" if line.row else "bold", overflow="fold"), (0, 0, 0, 2 * line.depth))
        values = [cells.get((line.row, c), Text("")) if line.row else Text("") for c in cols]
        # digits aligned in a column with inferred values: `21` over `0*`, a space after the 21
        t.add_row(name, *[Padding(v, (0, 1, 0, 0)) if c in starred and not v.plain.endswith("*") else v
                          for c, v in zip(cols, values, strict=True)])
    return t


def _fit(width: int, label_width: int, full: list[str], short: list[str],
         values: list[int]) -> tuple[bool, list[int]]:
    """Short headers or not, and the value columns' widths: full headers on one line if the
    labels keep room (MIN_LABEL), else the short ones, else headers folded over 2, then 3 lines."""
    need = min(label_width, MIN_LABEL)
    tried = (False, values)
    for lines in (1, 2, 3):
        for use_short in (False, True) if short != full else (False,):
            headers = short if use_short else full
            tried = (use_short, [max(v, _folded(h, lines)) for h, v in zip(headers, values, strict=True)])
            if width - sum(tried[1]) - GAP * len(headers) >= need:
                return tried
    return tried


def _folded(text: str, lines: int) -> int:
    """The width that folds `text` onto `lines` lines: even, so no Chinese character is split,
    and never under two characters a line."""
    w = -(-cell_len(text) // lines)
    return min(cell_len(text), max(4, w + w % 2))


def _applicants(template: str, table: str, cols: list[str], headers: list[str]) -> Text:
    """The applicant columns named in full (自然人，法人或其他组织（商业企业 …），总计), with the
    short header each stands for when it differs (商业=商业企业)."""
    row = schema.rows(template, table)[0]
    parts: list[str] = []
    group, members = "", []
    for i, c in enumerate(cols):
        head, _, sub = _col_label(template, table, row, c).partition(" ")
        name = sub or head
        if headers[i] != name:
            name = f"{headers[i]}={name}"
        if sub:
            group = head
            members.append(name)
            continue
        if members:
            parts.append(f"{group}（{' '.join(members)}）")
            members = []
        parts.append(name)
    if members:
        parts.append(f"{group}（{' '.join(members)}）")
    return Text("申请人 applicants：" + "，".join(parts))


def _cell(r: Report, template: str, key: str) -> Text:
    cell = r.cells.get(key)
    if cell is None or cell.value is None:
        return Text("") if cell is not None and cell.blank else Text("·", style="dim")
    text = _value(cell.value, schema.unit(template, key) == "signed_count")
    return Text(text + "*", style="italic cyan") if cell.inferred else Text(text)


def _value(v: int | float, signed: bool) -> str:
    """As printed, every digit kept; a signed count with its sign (`+2`, `-584`)."""
    s = repr(v) if isinstance(v, float) else str(v)
    if "e" in s:
        s = format(Decimal(s), "f")
    return f"+{s}" if signed and v > 0 else s


def print_rows(columns: list[str], rows: list[tuple], fmt: str) -> None:
    """A query's answer as the database gave it: integers stay integers, decimals keep every
    digit (the shortest text that reads back as the same float), times are ISO 8601."""
    if fmt == "csv":
        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(columns)
        w.writerows([_plain(v) for v in row] for row in rows)
    elif fmt == "json":
        records = [{c: _json(v) for c, v in zip(columns, row, strict=True)} for row in rows]
        print(json.dumps(records, ensure_ascii=False, default=str))
    else:
        t = Table(pad_edge=False)
        numeric = [bool(rows) and all(isinstance(r[i], int | float | Decimal) or r[i] is None for r in rows)
                   for i in range(len(columns))]
        for c, right in zip(columns, numeric, strict=True):
            t.add_column(str(c), justify="right" if right else "left", overflow="fold")
        for row in rows:
            t.add_row(*[_plain(v) for v in row])
        Console(highlight=False).print(t)


def _plain(v) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, datetime | date):
        return v.isoformat()
    return repr(v) if isinstance(v, float) else str(v)


def _json(v):
    if isinstance(v, float) and v != v:
        return None
    if isinstance(v, datetime | date):
        return v.isoformat()
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    return v


def _summary(db: Path, result: dict) -> dict:
    """The release and its counts: the run's own account (`run_flow`'s `summary`), or read
    from the database."""
    if "summary" in result:
        return result["summary"]
    from xxgk.flows.publish import outcome_counts

    return outcome_counts(db)


# inputs listed per outcome on the console: a night of 10,000 documents is not read line by
# line there (and rich took 10 s to print 4,000 lines); `xxgk run --json` lists every one
MAX_LISTED = 50


def _more(console: Console, count: int, outcome: str) -> None:
    if count > MAX_LISTED:
        console.print(f"… and {count - MAX_LISTED} more {outcome}: `xxgk run --json` lists every input, "
                      "the release's `sources` and `failures` too", soft_wrap=True)


def pipeline_summary(console: Console, db: Path, result: dict) -> int:
    """What became of every input; returns how many inputs did not become a report."""
    from xxgk.flows.publish import inputs
    from xxgk.transform.warehouse import query_connection

    summary = _summary(db, result)
    c = summary["counts"]
    now = result.get("extract", {}).get("extracted", 0)
    console.rule("xxgk run")
    console.print(f"documents {c['inputs']} · extracted {c['extracted']} (ok {c['ok']}, warnings {c['warning']}) · "
                  f"failed {c['failed']} · extracted this run {now}", soft_wrap=True)
    for i in inputs(db, "warning", MAX_LISTED):
        console.print(Text.assemble(("!", "yellow"), f" {i['source']}: {', '.join(i['warnings'])}"), soft_wrap=True)
    _more(console, c["warning"], "with warnings")
    for i in inputs(db, "failed", MAX_LISTED):
        console.print(Text.assemble(("✗", "red"), f" {i['source']} ({i['stage']}): {i['reason']}"), soft_wrap=True)
    _more(console, c["failed"], "failed")
    if not c["inputs"]:
        console.print("nothing to do: no inputs were ingested or fetched, so the release is empty", soft_wrap=True)
    elif not now and result.get("publish", {}).get("kept"):
        console.print(f"nothing new: no document to extract; release {summary['release']} kept as it was",
                      soft_wrap=True)
    console.print(f"\nDuckDB: {db}   example query:\n{EXAMPLE_QUERY}\n", soft_wrap=True)
    con = query_connection(db)  # the analysts' sandbox: it answers while another program holds the file
    try:
        cur = con.execute(EXAMPLE_QUERY)
        columns, rows = [d[0] for d in cur.description or []], cur.fetchall()
    finally:
        con.close()
    print_rows(columns, rows, "table")
    if result.get("flow_run"):
        console.print(f"\nPrefect: flow run {result['flow_run']!r}, its logs and its artifact `xxgk-run` (what "
                      "became of every input): `prefect server start` with this PREFECT_HOME, see the README",
                      soft_wrap=True, markup=False)
    return c["failed"]


def pipeline_json(db: Path, result: dict) -> int:
    """`xxgk run --json`: one object on stdout, the counts and every input's outcome; returns
    how many inputs did not become a report."""
    from xxgk.flows.publish import inputs

    summary = _summary(db, result)
    steps = {k: result[k] for k in ("ingest", "crawl", "extract", "publish") if k in result}
    out = {"release": summary["release"], "database": str(db), "flow_run": result.get("flow_run"),
           "counts": {**summary["counts"], "extracted_this_run": result.get("extract", {}).get("extracted", 0)},
           "steps": steps}
    # the inputs written as they are read: a release of any size is listed in the same memory
    write = sys.stdout.write
    write(json.dumps(out, ensure_ascii=False, default=str)[:-1] + ', "inputs": [')
    for n, i in enumerate(inputs(db)):
        write((", " if n else "") + json.dumps(i, ensure_ascii=False, default=str))
    write("]}\n")
    return summary["counts"]["failed"]


class RunProgress:
    """The steps of `xxgk run` on stderr (a `xxgk.flows.progress.Reporter`): on a terminal, a
    bar per step (fetch and extract count their inputs; ingest counts what it stores); piped,
    a plain line per step as it ends."""

    def __init__(self, console: Console):
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.console = console
        self.started: dict[str, float] = {}
        self.tasks: dict[str, TaskID] = {}
        self.progress = Progress(
            TextColumn("{task.description:<8}"), BarColumn(bar_width=32), TextColumn("{task.fields[count]}"),
            TimeElapsedColumn(), TextColumn("{task.fields[note]}"),
            console=console, redirect_stdout=False, redirect_stderr=False) if console.is_terminal else None

    def __enter__(self) -> RunProgress:
        if self.progress is not None:
            self.progress.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.progress is not None:
            self.progress.stop()

    def begin(self, step: str, total: int | None) -> None:
        self.started[step] = time.monotonic()
        if self.progress is not None:
            self.tasks[step] = self.progress.add_task(step, total=total, count=_count(0, total), note="")

    def update(self, step: str, done: int, total: int | None = None) -> None:
        if self.progress is not None and step in self.tasks:
            total = max(total, done) if total is not None else None
            self.progress.update(self.tasks[step], completed=done, total=total, count=_count(done, total))

    def end(self, step: str, note: str) -> None:
        seconds = time.monotonic() - self.started.pop(step, time.monotonic())
        if self.progress is None:
            self.console.print(f"{step:<8} {note} ({seconds:.1f} s)", markup=False, highlight=False, soft_wrap=True)
            return
        task = self.tasks.pop(step)
        t = next(t for t in self.progress.tasks if t.id == task)
        total = int(t.total if t.total is not None else t.completed)
        self.progress.update(task, total=max(total, 1), completed=max(total, 1),
                             count=_count(total, total) if total else "", note=note)


def _count(done: int, total: int | None) -> str:
    if total:
        return f"{done}/{total}"
    return str(done) if done else ""


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
