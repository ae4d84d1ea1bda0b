"""`xxgk extract` as a user runs it: the installed console script, real files."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import CORPUS

XXGK = Path(sys.executable).with_name("xxgk")


def run(*args, cwd=None):
    return subprocess.run([str(XXGK), *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


def test_jsonl_one_line_per_input_in_order_and_bad_files_do_not_stop_others(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    inputs = [CORPUS / "dev" / "seed_002.txt", tmp_path / "empty.txt", CORPUS / "dev" / "seed_004.txt"]
    p = run("extract", "--jsonl", *inputs)
    lines = [json.loads(line) for line in p.stdout.splitlines()]
    assert [rec["source"] for rec in lines] == [str(i) for i in inputs]
    assert [rec["status"] for rec in lines] == ["ok", "failed", "warning"]
    assert p.returncode == 1  # some input failed
    first = lines[0]
    assert first["template"] == "2019" and first["report_year"] == 2020 and first["agency"] == "高新区"
    assert first["cells"]["disclosure.procurement.amount"] == 2601
    assert first["cells"]["applications.granted.total"] == 1
    start, end = first["spans"]["disclosure.procurement.amount"]
    text = (CORPUS / "dev" / "seed_002.txt").read_text(encoding="utf-8")
    assert text[start:end] == "2,601"
    assert lines[1]["checks"] == [{"name": "readable", "kind": "unreadable", "rule": "readable", "subject": "",
                                   "ok": False, "detail": "empty file"}]


def test_directories_are_walked_and_exit_zero_when_nothing_failed(tmp_path):
    for name in ("seed_001.txt", "seed_003.txt"):
        shutil.copy(CORPUS / "dev" / name, tmp_path / name)
    (tmp_path / "sub").mkdir()
    shutil.copy(CORPUS / "real" / "015_suqian_shuyang_fagaiju_2023_crawlhtml.html", tmp_path / "sub" / "page.html")
    p = run("extract", "--jsonl", tmp_path)
    assert p.returncode == 0, p.stderr
    recs = [json.loads(line) for line in p.stdout.splitlines()]
    assert [Path(r["source"]).name for r in recs] == ["seed_001.txt", "seed_003.txt", "page.html"]
    assert [r["status"] for r in recs] == ["ok", "ok", "ok"]


def test_readable_summary_shows_tables_and_failed_checks():
    p = run("extract", CORPUS / "dev" / "seed_004.txt")
    out = p.stdout
    assert "WARNING" in out and "区政务服务办" in out
    assert "applications" in out and "appeals" in out and "disclosure" in out
    assert "row_sum:granted" in out and "5 + 0 + 0 + 0 + 0 + 0 ≠ 0" in out  # name, then detail
    assert "-1237" in out


def test_summary_of_a_jsonl_file(tmp_path):
    out = tmp_path / "x.jsonl"
    out.write_text(run("extract", "--jsonl", CORPUS / "dev").stdout, encoding="utf-8")
    p = run("summary", out)
    assert p.returncode == 0
    assert "3 ok" in p.stdout and "2 warning" in p.stdout


def test_jobs_give_the_same_lines_in_the_same_order(tmp_path):
    for name in ("seed_000.txt", "seed_001.txt", "seed_002.txt"):
        shutil.copy(CORPUS / "dev" / name, tmp_path / name)
    (tmp_path / "empty.txt").write_bytes(b"")
    one, two = run("extract", "--jsonl", tmp_path), run("extract", "--jsonl", "-j", "2", tmp_path)
    assert two.stdout == one.stdout and two.returncode == one.returncode == 1


def _imported(*args) -> set[str]:
    """The modules `xxgk ARGS` imports, as Python's -X importtime lists them."""
    p = subprocess.run([str(XXGK), *map(str, args)], capture_output=True, text=True, timeout=120,
                       env={**os.environ, "PYTHONPROFILEIMPORTTIME": "1"})
    return {line.rsplit("|", 1)[1].strip() for line in p.stderr.splitlines() if line.startswith("import time:")}


# What a text report's extraction never needs: the pipeline's libraries, the terminal's, and the
# readers of the other formats (every file is sniffed by every format reader, which therefore
# loads its layout only to read)
_NOT_FOR_TEXT = ("pandas", "prefect", "duckdb", "pyarrow", "rich", "charset_normalizer", "multiprocessing",
                 "xxgk.extract.layouts.positions", "xxgk.extract.layouts.html", "xxgk.extract.layouts.word")


def test_extracting_a_text_report_imports_only_what_it_uses():
    modules = _imported("extract", "--jsonl", CORPUS / "dev" / "seed_002.txt")
    assert "xxgk.extract.layouts.text" in modules and "orjson" in modules
    assert sorted(m for m in modules if m.split(".")[0] in _NOT_FOR_TEXT or m in _NOT_FOR_TEXT) == []
    page = _imported("extract", "--jsonl", CORPUS / "real" / "015_suqian_shuyang_fagaiju_2023_crawlhtml.html")
    assert "xxgk.extract.layouts.html" in page and "xxgk.extract.layouts.positions" not in page
    summary = _imported("extract", CORPUS / "dev" / "seed_002.txt")  # a person's summary prints with rich
    assert "rich.console" in summary
