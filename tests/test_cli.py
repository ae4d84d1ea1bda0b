"""`xxgk extract` as a user runs it: the installed console script, real files."""
from __future__ import annotations

import json
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
