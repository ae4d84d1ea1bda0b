"""`make system`, which `.ci/run` runs first: it installs the Debian packages only when a command
is missing and it may (root, apt-get), and otherwise says what to install. Run on a copy of the
Makefile with a PATH of our making: the commands it looks for, some left out."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("libreoffice-writer-nogui tesseract-ocr tesseract-ocr-chi-sim poppler-utils chromium "
            "fonts-wqy-microhei")


def make_system(tmp_path: Path, commands: dict[str, str]) -> subprocess.CompletedProcess:
    """`make system` with only these commands on the PATH (name → a script's body, or "" for the
    machine's own program)."""
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    bin_ = tmp_path / "bin"
    bin_.mkdir(exist_ok=True)
    for name, body in commands.items():
        if body:
            (bin_ / name).write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
            (bin_ / name).chmod(0o755)
        else:
            os.symlink(shutil.which(name), bin_ / name)
    return subprocess.run([shutil.which("make"), "--no-print-directory", "system"], cwd=tmp_path, text=True,
                          capture_output=True, timeout=60, env={"PATH": str(bin_), "HOME": str(tmp_path)})


TESSERACT = 'echo "List of available languages (2):"; echo chi_sim; echo eng'
ALL = {"soffice": "true", "tesseract": TESSERACT, "pdftoppm": "true", "chromium": "true", "grep": "",
       "cksum": "", "cut": ""}


@pytest.mark.skipif(shutil.which("make") is None, reason="runs make")
def test_nothing_missing_nothing_done(tmp_path):
    p = make_system(tmp_path, {**ALL, "id": "echo 0", "apt-get": "echo apt-get ran; exit 1"})
    assert (p.returncode, p.stdout, p.stderr) == (0, "", "")


@pytest.mark.skipif(shutil.which("make") is None, reason="runs make")
def test_not_root_says_what_to_install(tmp_path):
    commands = {k: v for k, v in ALL.items() if k != "soffice"}
    p = make_system(tmp_path, {**commands, "tesseract": 'echo "List of available languages (1):"; echo eng',
                               "id": "echo 1000", "apt-get": "echo apt-get ran; exit 1"})
    assert p.returncode == 0, p.stderr
    assert p.stdout == f"missing: soffice chi_sim; install as root: apt-get install {PACKAGES}\n"


@pytest.mark.skipif(shutil.which("make") is None, reason="runs make")
def test_root_installs_every_package_with_apt_get(tmp_path):
    log = tmp_path / "apt.log"
    commands = {k: v for k, v in ALL.items() if k != "chromium"}
    p = make_system(tmp_path, {**commands, "id": "echo 0", "apt-get": f'echo "$@" >> {log}'})
    assert p.returncode == 0, p.stderr
    assert p.stdout == "installing Debian packages for: chromium\n"
    assert log.read_text(encoding="utf-8").splitlines() == ["update -qq", f"install -y -qq {PACKAGES}"]
