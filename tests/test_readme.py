"""The README's first route, as a newcomer types it: `make run` on the bundled samples, then the
README's one-line DuckDB query. Run in a copy of the checkout's files (the venv is shared by a
link, so nothing is installed twice)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # the whole pipeline

ROOT = Path(__file__).resolve().parents[1]


def readme_block(after: str) -> str:
    """The first shell command in the README's code block that follows `after`."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text[text.index(after):].split("```sh\n", 1)[1].split("```", 1)[0]
    return block.strip().splitlines()[0]


@pytest.mark.skipif(sys.prefix == sys.base_prefix, reason="needs the project's venv (make test creates it)")
def test_make_run_then_the_readme_query(tmp_path):
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy2(ROOT / name, tmp_path / name)  # its time too: make must find the venv up to date
    shutil.copytree(ROOT / "data" / "raw" / "samples", tmp_path / "data" / "raw" / "samples")
    os.symlink(Path(sys.prefix), tmp_path / ".venv")
    env = {k: v for k, v in os.environ.items() if not k.startswith("XXGK_")}
    p = subprocess.run(["make", "run"], cwd=tmp_path, capture_output=True, text=True, timeout=900, env=env)
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-2000:]
    assert "documents 12 · extracted 12" in p.stdout
    assert (tmp_path / "data" / "processed" / "xxgk.duckdb").exists()

    command = readme_block("Needs Python")
    assert command.startswith(".venv/bin/python -c ")
    q = subprocess.run(["bash", "-c", command], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert q.returncode == 0, q.stderr
    assert "12 rows" in q.stdout and "淮安市人民政府" in q.stdout
