"""A user's install, not the developers': a wheel built from this tree, installed NON-editable into
a fresh venv, `xxgk run` from a folder that has nothing to do with the repository, and the
database queried again after its data folder has moved.

The rest of the suite runs against the editable install, where the repository's folders are on
the path and a missing package-data entry or a path taken from `__file__` goes unnoticed.
(`../shared/tools/install_check.py` checks the same on the committed state.)
"""
from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

pytestmark = pytest.mark.slow  # a wheel build, a pip install from PyPI and the whole pipeline

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT / "tests" / "fixtures" / "corpus" / "dev"
# The repository's top-level folders; installed they must only exist as xxgk.<name>.
GENERIC = ("extract", "transform", "flows", "ingest", "sql")

QUESTIONS = {
    "reports": "SELECT count(*) AS n FROM reports",
    "seed_003_figure": "SELECT count(*) AS n FROM cells WHERE value = 18855",
    "views": "SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY view_name",
}


def sh(*args, timeout=600, **kw) -> subprocess.CompletedProcess:
    """Run a command; on failure, fail the test with the end of its output."""
    p = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=timeout, **kw)
    assert p.returncode == 0, f"{args[:3]} exited {p.returncode}:\n{(p.stdout + p.stderr)[-2000:]}"
    return p


def copy_sources(dest: Path) -> Path:
    """The files a commit of this tree would hold (tracked and not ignored, as they are now).

    The wheel is built from a copy, not in the tree: setuptools would leave build/ and
    *.egg-info behind, and reuse build/lib, where a module deleted since the last build lives on.
    """
    listed = sh("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=ROOT).stdout
    for rel in filter(None, listed.split("\0")):
        if (ROOT / rel).is_file():  # a tracked file deleted in the tree is still listed
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, dest / rel)
    return dest


def clean_env(prefect_home: Path) -> dict[str, str]:
    """The environment of a user who never set xxgk or Prefect up: nothing pointing into the
    repository (XXGK_*, PREFECT_*, PYTHONPATH, the dev venv), Prefect's state in a temp folder."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("XXGK_", "PREFECT_")) and k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PREFECT_HOME"] = str(prefect_home)
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> SimpleNamespace:
    """A fresh venv with the wheel installed in it (dependencies from PyPI, through pip's cache)."""
    tmp = tmp_path_factory.mktemp("install")
    src = copy_sources(tmp / "src")
    # Build isolation: the wheel is built with the setuptools pyproject.toml asks for, not the dev venv's.
    sh(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", tmp / "dist", src)
    (wheel,) = (tmp / "dist").glob("xxgk-*.whl")
    venv = tmp / "venv"
    sh(sys.executable, "-m", "venv", venv)
    sh(venv / "bin" / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check", wheel,
       timeout=1200)
    site = next((venv / "lib").glob("python3*/site-packages"))
    env = clean_env(tmp / "prefect-home")
    return SimpleNamespace(venv=venv, site=site, xxgk=venv / "bin" / "xxgk", python=venv / "bin" / "python",
                           env=env, tmp=tmp)


def xxgk(inst, *args, cwd: Path, timeout=120) -> subprocess.CompletedProcess:
    """The installed command line, as a user runs it from `cwd`."""
    return sh(inst.xxgk, *args, cwd=cwd, env=inst.env, timeout=timeout)


def ask(inst, data: Path, cwd: Path) -> dict[str, list[str]]:
    """Each of QUESTIONS through `xxgk query --csv`: the first column's values."""
    answers = {}
    for name, sql in QUESTIONS.items():
        rows = list(csv.reader(io.StringIO(xxgk(inst, "query", sql, "--data", data, "--csv", cwd=cwd).stdout)))
        answers[name] = [row[0] for row in rows[1:]]
    return answers


@pytest.fixture(scope="module")
def answers(installed) -> dict[str, dict[str, list[str]]]:
    """Run the pipeline on the dev reports from an unrelated folder, ask QUESTIONS there, move the
    data folder elsewhere and ask again from yet another folder."""
    work = installed.tmp / "somewhere" / "work"
    (work / "inbox").mkdir(parents=True)
    for p in sorted(DEV.glob("*.txt")):
        shutil.copy(p, work / "inbox" / p.name)
    xxgk(installed, "run", "--folder", "inbox", "--data", "data", cwd=work, timeout=900)
    published = ask(installed, Path("data"), cwd=work)

    # Elsewhere, and the old path gone: a database that still read the old parquet paths would fail.
    moved = shutil.move(work / "data", installed.tmp / "elsewhere" / "moved-data")
    other = installed.tmp / "another-cwd"
    other.mkdir()
    return {"published": published, "moved": ask(installed, Path(moved), cwd=other)}


def test_only_the_xxgk_package_lands_in_site_packages(installed):
    assert not [n for n in GENERIC if (installed.site / n).exists()]
    (dist_info,) = installed.site.glob("xxgk-*.dist-info")
    # RECORD lists every file the wheel installed: only xxgk/, its dist-info and the console script.
    recorded = {row[0].split("/")[0] for row in csv.reader((dist_info / "RECORD").open(encoding="utf-8"))}
    assert recorded == {"xxgk", dist_info.name, ".."}, recorded
    assert (dist_info / "top_level.txt").read_text().split() == ["xxgk"]


def test_package_data_is_inside(installed):
    pkg = installed.site / "xxgk"
    shipped = sorted(p.name for p in (pkg / "sql").glob("*.sql"))
    assert shipped == sorted(p.name for p in (ROOT / "sql").glob("*.sql"))
    assert (pkg / "codes.csv").read_bytes() == (ROOT / "xxgk" / "codes.csv").read_bytes()
    # Every module of the mapped folders made it (the package list in pyproject.toml is explicit).
    for folder in GENERIC:
        for module in (ROOT / folder).rglob("*.py"):
            assert (pkg / folder / module.relative_to(ROOT / folder)).is_file(), module


def test_the_installed_copy_is_the_one_imported(installed, tmp_path):
    p = sh(installed.python, "-c", "import xxgk.flows.run, xxgk.transform.warehouse as w; print(w.__file__)",
           cwd=tmp_path, env=installed.env)
    assert Path(p.stdout.strip()).is_relative_to(installed.site)


def test_a_run_from_an_unrelated_folder_publishes_the_dev_reports(answers):
    assert answers["published"]["reports"] == ["5"]
    assert int(answers["published"]["seed_003_figure"][0]) >= 1  # seed_003's 18855


def test_the_views_are_in_the_database(answers):
    assert {"reports", "cells", "report_headline"} <= set(answers["published"]["views"])


def test_a_moved_data_folder_gives_the_same_answers(answers):
    assert answers["moved"] == answers["published"]
