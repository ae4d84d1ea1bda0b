"""The README's benchmark commands, run as written at a small size: they must run and print
their figures (what the figures are is the benchmarks' business, never a test's)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def _run(*args: str, tmp: Path) -> str:
    env = {**os.environ, "PREFECT_HOME": str(tmp / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    done = subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=600, env=env, cwd=tmp)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.skipif(shutil.which("taskset") is None, reason="pins to a core with taskset")
def test_extract_throughput_prints_its_figures(tmp_path):
    out = _run(str(BENCH / "extract_throughput.py"), "--reports", "24", tmp=tmp_path)
    assert "cycled to 24 files" in out
    assert re.search(r"xxgk extract:.* reports/s  = [\d.]+ x the floor", out), out


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("valgrind") is None, reason="counts with valgrind")
def test_instructions_prints_a_count_per_report(tmp_path):
    out = _run(str(BENCH / "instructions.py"), "--passes", "1", tmp=tmp_path)
    assert re.fullmatch(r"all: [\d.]+ M instructions per report \(12 reports, 1 passes\)\n", out), out


@pytest.mark.slow
def test_pipeline_prints_a_line_per_size(tmp_path):
    out = _run(str(BENCH / "pipeline.py"), "--documents", "10,20", tmp=tmp_path)
    sizes = [line.split()[0] for line in out.splitlines() if re.match(r"\s+\d+\s", line)]
    assert sizes == ["10", "20"], out
