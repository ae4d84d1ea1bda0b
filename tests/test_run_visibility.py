"""What an operator sees of `xxgk run`, typed as the README types it: the steps as they go (bars
on a terminal, a line each when piped), the summary or `--json`, the exit status, and in
Prefect's UI, opened on the project's own state as the README says, every run with its logs
and an artifact saying what became of every input."""
from __future__ import annotations

import json
import os
import pty
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from conftest import CORPUS, SAMPLES
from xxgk.console import MAX_LISTED

XXGK = Path(sys.executable).with_name("xxgk")
ROOT = Path(__file__).resolve().parents[1]
ANSI = re.compile(r"\x1b\[[0-9;?]*[a-zA-Z]")


def env_for(home: Path, **extra) -> dict[str, str]:
    """The environment of a user working in `home` (XXGK_HOME): Prefect's state is its
    .prefect, as by default (not the test session's PREFECT_HOME)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "XXGK_HOME", "XXGK_DATA"))}
    return {**env, "XXGK_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false", **extra}


def xxgk(home: Path, *args, env: dict | None = None, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run([str(XXGK), *map(str, args)], cwd=home, env=env or env_for(home), capture_output=True,
                          text=True, timeout=timeout)


def inbox(folder: Path) -> Path:
    """The five dev reports and an empty file: five reports (two with warnings), one failure."""
    folder.mkdir(parents=True)
    for f in sorted((CORPUS / "dev").glob("*.txt")):
        shutil.copy(f, folder / f.name)
    (folder / "empty.txt").write_bytes(b"")
    return folder


def test_a_run_with_nothing_to_read_is_a_usage_error(tmp_path):
    p = xxgk(tmp_path, "run", "--data", tmp_path / "data", timeout=120)
    assert p.returncode == 2
    assert p.stderr.splitlines()[-1] == "Error: nothing to read: give --folder DIR, --urls FILE and/or --sites FILE"
    assert not (tmp_path / "data").exists()  # not an empty release


def test_a_name_that_is_not_utf8_is_one_line(tmp_path):
    """A URL list saved under a GBK name (Python keeps its bytes as surrogates, which Prefect
    cannot record): one line, status 2, before anything starts."""
    name = "列表.csv".encode("gbk")
    path = os.fsencode(tmp_path) + b"/" + name
    with open(path, "wb") as f:
        f.write("https://www.example.gov.cn/a.html,淮安市人民政府,2024\n".encode("gbk"))
    p = subprocess.run([os.fsencode(XXGK), b"run", b"--urls", path, b"--data", os.fsencode(tmp_path / "data")],
                       cwd=tmp_path, env=env_for(tmp_path), capture_output=True, timeout=120)
    shown = os.fsencode(tmp_path).decode() + "/" + name.decode("utf-8", "backslashreplace")
    assert (p.returncode, p.stderr.decode()) == (2, f"xxgk: --urls {shown}: the name is not UTF-8 (GBK, say): Prefect "
                                                    "records what a run was given as text; rename it, or give a link "
                                                    "to it with a UTF-8 name\n")


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    """`xxgk run --folder in --json`, piped, in a folder of its own (XXGK_HOME)."""
    home = tmp_path_factory.mktemp("home")
    inbox(home / "in")
    t0 = time.monotonic()
    p = xxgk(home, "run", "--folder", "in", "--data", "data", "--json")
    print(f"\nfirst run: {time.monotonic() - t0:.1f} s, status {p.returncode}\n{p.stderr}")
    return home, p


@pytest.mark.slow
def test_json_is_one_object_with_every_input_and_piped_progress_is_plain_lines(first_run):
    home, p = first_run
    assert p.returncode == 1  # one input failed: counted
    out = json.loads(p.stdout)  # one object, nothing else on stdout
    assert out["counts"] == {"inputs": 6, "extracted": 5, "ok": 3, "warning": 2, "failed": 1, "extracted_this_run": 6}
    assert out["release"] == (home / "data" / "processed" / "current").resolve().name
    assert out["steps"]["ingest"] == {"new_or_changed": 6, "unreadable": 0}
    assert out["steps"]["extract"] == {"extracted": 6, "ok": 3, "warning": 2, "failed": 1}
    by_source = {i["source"]: i for i in out["inputs"]}
    assert [i["source"] for i in out["inputs"]] == sorted(by_source) and len(by_source) == 6
    assert by_source["in/empty.txt"] == {"source": "in/empty.txt", "outcome": "failed", "stage": "extract",
                                         "kind": "report", "reason": "empty file"}
    assert by_source["in/seed_002.txt"] == {"source": "in/seed_002.txt", "outcome": "ok", "agency": "高新区",
                                            "year": 2020}
    assert by_source["in/seed_004.txt"]["outcome"] == "warning"
    assert "row_sum:granted" in by_source["in/seed_004.txt"]["warnings"]

    # stderr, piped: a plain line per step, and nothing of Prefect's
    lines = p.stderr.splitlines()
    assert [line.split()[0] for line in lines] == ["ingest", "extract", "publish"], p.stderr
    assert lines[1].startswith("extract  3 ok, 2 warning, 1 failed (")
    assert not ANSI.search(p.stderr) and "|" not in p.stderr and "Traceback" not in p.stderr


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def readme_command(marker: str) -> str:
    """The command of the README's shell block that carries `marker`."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.splitlines():
            if marker in line:
                return line.split("  #", 1)[0].strip()
    raise AssertionError(f"no command with {marker!r} in the README")


def api(url: str, path: str, body: dict | None = None):
    r = httpx.post(f"{url}/api{path}", json=body or {}, timeout=30)
    r.raise_for_status()
    return r.json()


@pytest.mark.slow
def test_the_prefect_ui_on_the_project_state_shows_each_run_its_logs_and_its_artifact(first_run, tmp_path):
    """The README's `prefect server start`, in the project's folder, serves the UI over the runs
    `xxgk run` recorded with its embedded server; a run pointed at that server
    (PREFECT_API_URL) shows there too, and a run with nothing to do says so."""
    home, first = first_run
    os.symlink(Path(sys.prefix), home / ".venv", target_is_directory=True)  # as in a checkout: .venv/bin/prefect
    port = free_port()
    command = readme_command("prefect server start")
    assert command.startswith("PREFECT_HOME=$PWD/.prefect ") and command.endswith("prefect server start")
    with open(tmp_path / "server.log", "w") as log:
        server = subprocess.Popen(["bash", "-c", f"{command} --port {port}"], cwd=home, env=env_for(home),
                                  stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            assert server.poll() is None, (tmp_path / "server.log").read_text()
            assert time.monotonic() < deadline, "the UI's server never answered"
            try:
                if httpx.get(f"{url}/api/health", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        page = httpx.get(url, timeout=30)
        assert page.status_code == 200 and "<html" in page.text.lower()  # the UI itself

        # a second run, nothing new, recorded straight into the UI's server
        again = xxgk(home, "run", "--folder", "in", "--data", "data",
                     env=env_for(home, PREFECT_API_URL=f"{url}/api"))
        assert again.returncode == 1  # the empty file still fails
        release = json.loads(first.stdout)["release"]
        assert f"nothing new: no document to extract; release {release} kept as it was" in again.stdout
        assert "extracted this run 0" in again.stdout
        assert again.stderr.splitlines()[-1].startswith("publish  nothing new: release ")

        flows = {f["id"]: f["name"] for f in api(url, "/flows/filter")}
        runs = api(url, "/flow_runs/filter", {"sort": "START_TIME_ASC"})
        assert sorted(flows[r["flow_id"]] for r in runs) == sorted(["xxgk-run", "xxgk-ingest", "xxgk-extract",
                                                                    "xxgk-publish"] * 2)
        assert {r["state_type"] for r in runs} == {"COMPLETED"}
        for r in runs:  # every run has its log, with its step's counts
            logs = [entry["message"] for entry in api(url, "/logs/filter", {"logs": {"flow_run_id": {"any_": [r["id"]]}}})]
            assert logs, flows[r["flow_id"]]
            print(flows[r["flow_id"]], r["name"], logs)
        messages = {flows[r["flow_id"]]: "\n".join(e["message"] for e in api(url, "/logs/filter", {"logs": {
            "flow_run_id": {"any_": [r["id"]]}}})) for r in runs[:4]}
        assert "ingested in: 6 files new or changed, 0 unreadable" in messages["xxgk-ingest"]
        assert "6 documents to extract" in messages["xxgk-extract"]
        assert "1 documents: 0 ok, 0 warning, 1 failed" in messages["xxgk-extract"]  # a batch's, from its worker
        assert f"published release {release}: 5 reports, 1 failures" in messages["xxgk-publish"]
        assert "6 inputs: 5 extracted (2 with warnings), 1 failed; 6 extracted by this run" in messages["xxgk-run"]

        artifacts = api(url, "/artifacts/filter", {"artifacts": {"key": {"any_": ["xxgk-run"]}}})
        run_ids = {r["id"] for r in runs if flows[r["flow_id"]] == "xxgk-run"}
        assert {a["flow_run_id"] for a in artifacts} == run_ids  # one per run, on the run's page
        for a in artifacts:
            assert a["type"] == "table"
            assert a["description"].startswith("**6 inputs**: 3 extracted, 2 extracted with warnings, 1 failed")
            table = json.loads(a["data"]) if isinstance(a["data"], str) else a["data"]
            assert len(table) == 6
            assert {"source": "in/empty.txt", "outcome": "failed", "agency": "", "year": "",
                    "detail": "extract: empty file"} in table
            assert {row["outcome"] for row in table} == {"extracted", "extracted with warnings", "failed"}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


@pytest.mark.slow
def test_a_terminal_shows_a_bar_per_step_counting_the_documents(first_run, tmp_path):
    """On a terminal (a pseudo-terminal here) the steps are bars, extract counting documents as
    the workers finish them (not batch by batch); stdout is still the summary."""
    home, _ = first_run  # its PREFECT_HOME is set up: no database to create
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(50):  # 600 documents, each with bytes of its own: batches of 100, each long enough to
        # be seen halfway (batches of 20 were over between two of the bar's polls, now and then)
        for f in SAMPLES:
            (folder / f"{i}_{f.name}").write_bytes(f.read_bytes() + b"\n" * (i + 1))
    controller, terminal = pty.openpty()
    os.set_blocking(controller, False)
    p = subprocess.Popen([str(XXGK), "run", "--folder", str(folder), "--data", str(tmp_path / "data")], cwd=home,
                         env=env_for(home, TERM="xterm-256color", COLUMNS="120"), stdin=subprocess.DEVNULL,
                         stdout=terminal, stderr=terminal)
    os.close(terminal)
    seen = b""
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        ready, _, _ = select.select([controller], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # the terminal's other end closed: the run is over
                break
            if not chunk:
                break
            seen += chunk
        elif p.poll() is not None:
            break
    os.close(controller)
    assert p.wait(timeout=60) == 0
    screen = ANSI.sub("", seen.decode("utf-8", "replace")).replace("\r", "\n")
    counts = {int(m) for m in re.findall(r"^extract +[━╸╺]+ +(\d+)/600", screen, re.M)}
    print(f"\nextract bar counts seen: {sorted(counts)}")
    assert 600 in counts and any(0 < n < 600 and n % 100 for n in counts)  # by document, not by batch
    assert re.search(r"^ingest +━+ +600/600 .* 600 files new or changed, 0 unreadable", screen, re.M)
    assert re.search(r"^publish +━+ .*release ", screen, re.M)
    assert "documents 600 · extracted 600" in screen  # and the summary
    # which lists at most MAX_LISTED inputs of an outcome, then says how many more
    warned = int(re.search(r"extracted 600 \(ok \d+, warnings (\d+)\)", screen).group(1))
    listed = re.findall(r"^! \S+: ", screen, re.M)
    assert len(listed) == min(warned, MAX_LISTED) and warned > MAX_LISTED
    assert f"… and {warned - MAX_LISTED} more with warnings: `xxgk run --json` lists every input" in screen
