"""What a run leaves when it is killed or interrupted, who may write a data folder, what an
ingested folder may reach, and how the machine's own errors end a run: the review's
adversarial findings.

The slow tests run `xxgk run` as a user does (the console script, its own session, its own
PREFECT_HOME) and watch its processes through /proc."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from conftest import CORPUS, SAMPLES, q, serve
from xxgk.ingest.folder import OUT_OF_FOLDER, ingest_folder, walk
from xxgk.ingest.raw_store import ERROR, REMOVED, STORED, Entry, RawStore
from xxgk.transform import store as work

XXGK = Path(sys.executable).with_name("xxgk")
linux_only = pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="reads /proc")


def env_for(tmp: Path, **extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API_URL")}
    return {**env, "PREFECT_HOME": str(tmp / "prefect"), "XXGK_HOME": str(tmp), **extra}


def inbox(tmp: Path) -> Path:
    """The five dev reports (their gold files left out: five inputs, five reports)."""
    d = tmp / "in"
    d.mkdir()
    for f in sorted((CORPUS / "dev").glob("*.txt")):
        shutil.copy(f, d / f.name)
    return d


def processes_of(prefect_home: Path) -> dict[int, str]:
    """pid → command line of every live process whose environment has this PREFECT_HOME: the
    run, its Prefect server, its workers, and whatever they started."""
    mark = f"PREFECT_HOME={prefect_home}".encode()
    out = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            if mark in (d / "environ").read_bytes().split(b"\0"):
                out[int(d.name)] = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue  # gone meanwhile, or a zombie
    return out


def wait_until_gone(prefect_home: Path, seconds: float) -> tuple[float, dict[int, str]]:
    """How long until no process of this PREFECT_HOME is left (at most `seconds`), and those left."""
    t0 = time.monotonic()
    while processes_of(prefect_home) and time.monotonic() - t0 < seconds:
        time.sleep(0.05)
    return time.monotonic() - t0, processes_of(prefect_home)


def flow_run_states(tmp: Path) -> dict[str, list[str]]:
    """State name → flow names of every flow run recorded under tmp's PREFECT_HOME, read with
    Prefect's client in a process of its own (a server on that home, stopped at its exit)."""
    code = textwrap.dedent("""
        import json
        from prefect import get_client
        with get_client(sync_client=True) as c:
            flows = {f.id: f.name for f in c.read_flows(limit=200)}
            out = {}
            for r in c.read_flow_runs(limit=200):
                out.setdefault(r.state.name, []).append(flows.get(r.flow_id))
        print(json.dumps(out))
    """)
    p = subprocess.run([sys.executable, "-c", code], env=env_for(tmp), capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout.splitlines()[-1])


def task_run_states(tmp: Path) -> dict[str, int]:
    """State name → how many task runs are in it, under tmp's PREFECT_HOME (as flow_run_states)."""
    code = textwrap.dedent("""
        import json
        from collections import Counter
        from prefect import get_client
        with get_client(sync_client=True) as c:
            print(json.dumps(Counter(t.state.name for t in c.read_task_runs(limit=200))))
    """)
    p = subprocess.run([sys.executable, "-c", code], env=env_for(tmp), capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout.splitlines()[-1])


def many_reports(folder: Path, copies: int) -> Path:
    """The twelve sample reports `copies` times over, each copy with bytes of its own (blank
    lines added at its end): as many documents, every one a report."""
    folder.mkdir()
    for i in range(copies):
        for f in SAMPLES:
            (folder / f"{i:03d}_{f.name}").write_bytes(f.read_bytes() + b"\n" * (i + 1))
    return folder


def plant_temporary_files(data: Path, age: float = 3600, name: str = "killed") -> list[Path]:
    """What a writer killed at each step leaves, dated `age` seconds ago."""
    processed, blobs = data / "processed", data / "raw" / "store"
    dirs = [processed / "work" / "parser=0" / f".tmp-batch-{name}", processed / "releases" / f".tmp-{name}"]
    files = [processed / f".tmp-{name}.duckdb", processed / f".tmp-{name}.duckdb.wal",
             blobs / "ab" / f".tmp-{name}", blobs / f".tmp-download-{name}"]
    for d in dirs:
        d.mkdir(parents=True, exist_ok=True)
        (d / "reports.parquet").write_bytes(b"half")
    for f in files:
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(b"half")
    link = processed / f".current-{name}"
    os.symlink("releases/nothing", link)
    then = time.time() - age
    for p in [*(d / "reports.parquet" for d in dirs), *dirs, *files]:
        os.utime(p, (then, then))
    os.utime(link, (then, then), follow_symlinks=False)
    return [*dirs, *files, link]


# --- 1. kill -9 leaves no process behind, and the next run finishes the job ------------------

@pytest.mark.slow
@linux_only
def test_kill_9_mid_extraction_leaves_no_process_and_the_next_run_completes(tmp_path):
    folder, data, home = inbox(tmp_path), tmp_path / "data", tmp_path / "prefect"
    with open(tmp_path / "first.log", "w") as log:  # the child writes on through its own copy
        run = subprocess.Popen([str(XXGK), "run", "--folder", str(folder), "--data", str(data)], cwd=tmp_path,
                               env=env_for(tmp_path), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 600  # a fresh PREFECT_HOME: Prefect migrates its database first
        while not any("spawn_main" in c for c in processes_of(home).values()):  # the workers are up
            assert run.poll() is None, (tmp_path / "first.log").read_text()
            assert time.monotonic() < deadline, "the run never started extracting"
            time.sleep(0.05)
        before = processes_of(home)
        os.kill(run.pid, signal.SIGKILL)
        run.wait()
        gone_after, left = wait_until_gone(home, 30)
    finally:
        for pid in processes_of(home):  # whatever a regression leaves must not outlive the test
            os.kill(pid, signal.SIGKILL)
    print(f"\nbefore kill -9: {len(before)} processes {sorted(before.values())}\n"
          f"after: {len(left)} left, none after {gone_after:.2f} s")
    assert sum("spawn_main" in c for c in before.values()) >= 1
    # one Prefect server (the run's own), however many workers there are
    assert sum("uvicorn" in c for c in before.values()) == 1
    assert left == {} and gone_after < 10

    planted = plant_temporary_files(data)
    again = subprocess.run([str(XXGK), "run", "--folder", str(folder), "--data", str(data)], cwd=tmp_path,
                           env=env_for(tmp_path), capture_output=True, text=True, timeout=900)
    assert again.returncode == 0, again.stderr
    assert q(data, "SELECT count(*), count(DISTINCT sha256) FROM reports") == [(5, 5)]
    assert q(data, "SELECT count(*) FROM failures") == [(0,)]
    assert [p for p in planted if p.exists() or p.is_symlink()] == []
    assert wait_until_gone(home, 10)[1] == {}  # a run that ends leaves nothing either

    states = flow_run_states(tmp_path)
    print("flow runs by state:", states)
    assert "Running" not in states and "Pending" not in states
    assert "xxgk-run" in states["Crashed"] and "xxgk-extract" in states["Crashed"]  # the killed run's
    assert states["Completed"].count("xxgk-run") == 1


@pytest.mark.slow
@linux_only
@pytest.mark.parametrize("sent_to", ["terminal", "pid"])
def test_ctrl_c_mid_extraction_stops_in_seconds_and_the_next_run_completes(tmp_path, sent_to):
    """Ctrl-C as a terminal sends it (SIGINT to the foreground process group: the run and its
    workers) and as `kill -INT` sends it (to the run alone), while 300 documents are being
    extracted by 2 workers: the run ends within 5 s, status 130, in one line; no process is
    left; the previous release is still the one published, whole; the next run does the rest."""
    from xxgk.flows.extract import plan
    from xxgk.flows.machine import interrupted

    workers = os.cpu_count() or 1
    planned = plan([{}] * 300, workers)  # (2 workers: 6 batches of 50)
    folder, data, home = inbox(tmp_path), tmp_path / "data", tmp_path / "prefect"
    first = subprocess.run([str(XXGK), "run", "--folder", str(folder), "--data", str(data)], cwd=tmp_path,
                           env=env_for(tmp_path), capture_output=True, text=True, timeout=900)
    assert first.returncode == 0, first.stderr
    release = (data / "processed" / "current").resolve()
    big = many_reports(tmp_path / "big", 25)
    written = len(work.batches(data / "processed"))
    with open(tmp_path / "run.log", "w") as log:
        run = subprocess.Popen([str(XXGK), "run", "--folder", str(big), "--data", str(data)], cwd=tmp_path,
                               env=env_for(tmp_path), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 600
        while len(work.batches(data / "processed")) == written:  # a batch written, the others not: mid-extraction
            assert run.poll() is None, (tmp_path / "run.log").read_text()
            assert time.monotonic() < deadline, "the run never wrote a batch"
            time.sleep(0.02)
        running = processes_of(home)
        t0 = time.monotonic()
        if sent_to == "terminal":
            os.killpg(run.pid, signal.SIGINT)
        else:
            os.kill(run.pid, signal.SIGINT)
        run.wait(timeout=60)
        stopped = time.monotonic() - t0
        gone_after, left = wait_until_gone(home, 30)
    finally:
        for pid in processes_of(home):  # whatever a regression leaves must not outlive the test
            os.kill(pid, signal.SIGKILL)
    out = (tmp_path / "run.log").read_text()
    batches = len(work.batches(data / "processed")) - written
    print(f"\nCtrl-C ({sent_to}) with {len(running)} processes running, {batches} of {len(planned)} batches written: "
          f"status {run.returncode} after {stopped:.2f} s; no process left after {gone_after:.2f} s\n{out}")
    assert sum("spawn_main" in c for c in running.values()) == workers
    assert run.returncode == 130 and stopped < 5
    assert out.splitlines()[-1] == f"xxgk: {interrupted(data)}" and "Traceback" not in out
    assert left == {}
    assert (data / "processed" / "current").resolve() == release
    assert q(data, "SELECT count(*) FROM reports") == [(5,)]
    assert 1 <= batches < len(planned)

    again = subprocess.run([str(XXGK), "run", "--folder", str(big), "--data", str(data)], cwd=tmp_path,
                           env=env_for(tmp_path), capture_output=True, text=True, timeout=900)
    assert again.returncode == 0, again.stderr
    assert f"extracted this run {300 - sum(map(len, planned[:batches]))}" in again.stdout
    assert q(data, "SELECT count(*), count(DISTINCT sha256) FROM reports") == [(305, 305)]
    assert q(data, "SELECT count(*) FROM failures") == [(0,)]
    assert wait_until_gone(home, 10)[1] == {}
    states = flow_run_states(tmp_path)
    print("flow runs by state:", states, "task runs by state:", task_run_states(tmp_path))
    assert "Running" not in states and "Pending" not in states
    assert "xxgk-run" in states["Crashed"] and "xxgk-extract" in states["Crashed"]  # the interrupted run's
    assert states["Completed"].count("xxgk-run") == 2
    assert {"Running", "Pending"}.isdisjoint(task_run_states(tmp_path))


@pytest.mark.slow
def test_no_alarm_is_armed_while_a_run_waits_for_its_batches(tmp_path):
    """A timer's SIGALRM a moment after a Ctrl-C, while the KeyboardInterrupt unwinds, raised
    Prefect's CancelledError in its place: status 1 and a traceback instead of 130 and a line
    (seen once in CI). The run's own thread waits for its batches with no alarm armed: watched
    from another thread while 120 documents are extracted, the process never has one."""
    from xxgk.flows.extract import run_extract
    from xxgk.flows.ingest import ingest_flow

    data = tmp_path / "data"
    ingest_flow(str(many_reports(tmp_path / "many", 10)), str(data))
    seen, stop = set(), threading.Event()

    def watch():
        while not stop.is_set():
            seen.add((signal.getsignal(signal.SIGALRM) is signal.SIG_DFL, signal.getitimer(signal.ITIMER_REAL) == (0, 0)))
            time.sleep(0.001)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        assert run_extract(str(data), "thread")["extracted"] == 120
    finally:
        stop.set()
        watcher.join()
    assert seen == {(True, True)}

class SlowSite(BaseHTTPRequestHandler):
    """Every page after 2 s: a crawl of 40 of them takes 40 s and more."""

    def do_GET(self):
        time.sleep(2)
        body = "<html><body><p>通知</p></body></html>".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.mark.slow
@linux_only
def test_ctrl_c_mid_crawl_stops_in_seconds(tmp_path):
    """Ctrl-C while 40 slow URLs are being fetched: the queued ones are dropped, not fetched
    first (that took 38 s), the run ends within 5 s with status 130 and leaves no process."""
    data, home = tmp_path / "data", tmp_path / "prefect"
    with serve(SlowSite) as site:
        urls = tmp_path / "urls.txt"
        urls.write_text("".join(f"{site}/report/{i}.html\n" for i in range(40)))
        manifest = data / "raw" / "manifest.jsonl"
        with open(tmp_path / "run.log", "w") as log:
            run = subprocess.Popen([str(XXGK), "run", "--urls", str(urls), "--data", str(data)], cwd=tmp_path,
                                   env=env_for(tmp_path, XXGK_CRAWL_ALLOW_PRIVATE="1"), stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + 600
            while not (manifest.exists() and manifest.read_text().count("\n") >= 2):  # mid-crawl
                assert run.poll() is None, (tmp_path / "run.log").read_text()
                assert time.monotonic() < deadline, "the crawl never recorded a URL"
                time.sleep(0.05)
            t0 = time.monotonic()
            os.kill(run.pid, signal.SIGINT)
            run.wait(timeout=60)
            stopped = time.monotonic() - t0
            left = wait_until_gone(home, 30)[1]
        finally:
            for pid in processes_of(home):
                os.kill(pid, signal.SIGKILL)
    out = (tmp_path / "run.log").read_text()
    print(f"\nCtrl-C mid-crawl: status {run.returncode} after {stopped:.2f} s\n{out}")
    assert run.returncode == 130 and stopped < 5
    assert "Traceback" not in out and left == {}
    assert manifest.read_text().count("\n") < 40


def test_a_dead_process_is_told_from_a_live_one_and_from_its_pid_reused():
    from xxgk.flows.crashes import process_is_gone

    done = subprocess.Popen(["true"])
    done.wait()
    assert process_is_gone(done.pid)
    now = datetime.now(UTC)
    assert not process_is_gone(os.getpid(), since=now)
    if Path("/proc/self/stat").exists():  # this process started after that run: the pid was reused
        assert process_is_gone(os.getpid(), since=now + timedelta(days=1)) is False
        assert process_is_gone(os.getpid(), since=now - timedelta(days=365))


def test_which_flow_runs_left_running_are_dead():
    import socket
    from types import SimpleNamespace

    from prefect.client.schemas.objects import StateType

    from xxgk.flows.crashes import _dead

    done = subprocess.Popen(["true"])
    done.wait()
    now = datetime.now(UTC)
    host = socket.gethostname()

    def run(pid, state=StateType.RUNNING, minutes=1):
        return SimpleNamespace(infrastructure_pid=pid, state_type=state, start_time=now - timedelta(minutes=minutes))

    assert _dead(run(f"{host}:{done.pid}"), now) == f"its process (pid {done.pid}) is gone: killed"
    assert _dead(run(f"{host}:{os.getpid()}", minutes=0), now) is None     # alive: this process
    assert _dead(run(f"{host}:{os.getpid()}", minutes=60 * 24 * 365), now)  # this pid, given anew since
    assert _dead(run(f"elsewhere:{done.pid}"), now) is None                 # another machine's
    assert _dead(run("docker-container-id"), now) is None                   # another kind of worker's
    assert _dead(run(None, minutes=11), now).startswith("still running 11 min")  # killed before recording
    assert _dead(run(None, minutes=1), now) is None
    assert _dead(run(None, StateType.PENDING, minutes=60), now) is None     # waiting for infrastructure


def test_temporary_files_older_than_the_run_are_removed_and_newer_ones_kept(tmp_path):
    data = tmp_path / "data"
    old = plant_temporary_files(data)
    fresh = plant_temporary_files(data, age=0, name="being-written")  # by this run, after it started
    cut = time.time() - 60
    removed = work.clean_temporary(data / "processed", before=cut) + RawStore(data / "raw").clean_temporary(before=cut)
    assert sorted(removed) == sorted(old)
    assert not any(p.exists() or p.is_symlink() for p in old)
    assert all(p.exists() or p.is_symlink() for p in fresh)


# --- 2. one writer per data folder, whatever the entry point ---------------------------------

@contextmanager
def held_by_another_process(data: Path):
    """The data folder's lock, held by a process of its own until the block ends."""
    code = ("import sys; from pathlib import Path; from xxgk.transform import store\n"
            f"with store.lock(Path({str(data / 'processed')!r})):\n"
            "    print('held', flush=True); sys.stdin.read()\n")
    p = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert p.stdout is not None and p.stdout.readline().strip() == "held"
        yield p.pid
    finally:
        p.communicate("", timeout=60)


@pytest.mark.slow
def test_every_flow_that_writes_takes_the_lock(tmp_path):
    from xxgk.flows.crawl import crawl_flow
    from xxgk.flows.extract import run_extract
    from xxgk.flows.ingest import ingest_flow
    from xxgk.flows.publish import publish_flow
    from xxgk.flows.run import run_flow

    folder, data = inbox(tmp_path), tmp_path / "data"
    urls = tmp_path / "urls.csv"
    urls.write_text("http://127.0.0.1:9/nothing.html\n", encoding="utf-8")
    calls = {
        "ingest": lambda: ingest_flow(str(folder), str(data)),
        "crawl": lambda: crawl_flow(str(urls), str(data), delay=0, retries=0),
        "extract": lambda: run_extract(str(data), "thread"),
        "publish": lambda: publish_flow(str(data)),
        "run": lambda: run_flow(str(folder), None, str(data), runner="thread"),
    }
    with held_by_another_process(data) as pid:
        for name, call in calls.items():
            with pytest.raises(work.RunInProgress) as refused:
                call()
            assert str(refused.value) == f"another xxgk run (pid {pid}) is using {data}: try again when it ends", name
    assert not (data / "raw" / "manifest.jsonl").exists()  # nothing was written meanwhile


@pytest.mark.slow
def test_two_standalone_publishes_at_once_one_is_refused_and_the_release_stays_whole(tmp_path):
    from xxgk.flows.extract import run_extract
    from xxgk.flows.ingest import ingest_flow
    from xxgk.flows.run import run_flow

    folder, data = inbox(tmp_path), tmp_path / "data"
    (folder / "seed_004.txt").rename(tmp_path / "seed_004.txt")
    run_flow(str(folder), None, str(data), runner="thread")
    shutil.copy(tmp_path / "seed_004.txt", folder / "seed_004.txt")
    ingest_flow(str(folder), str(data))
    run_extract(str(data), "thread")  # a fifth report extracted, not yet published

    cmd = [sys.executable, "-m", "xxgk.flows.publish", str(data)]
    procs = [subprocess.Popen(cmd, cwd=tmp_path, env=env_for(tmp_path), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=900) for p in procs]
    codes = sorted(p.returncode for p in procs)
    assert codes == [0, 2], outs
    winner = next(p for p in procs if p.returncode == 0)
    _, refusal = next(o for p, o in zip(procs, outs, strict=True) if p.returncode == 2)
    assert refusal == f"xxgk: another xxgk run (pid {winner.pid}) is using {data}: try again when it ends\n"

    current = (data / "processed" / "current").resolve()
    manifest = json.loads((current / "manifest.json").read_text())
    assert manifest["rows"]["reports"] == 5
    assert {f: work.file_sha256(current / f) for f in manifest["files"]} == manifest["files"]
    assert q(data, "SELECT count(*), count(DISTINCT sha256) FROM reports") == [(5, 5)]
    assert [p.name for p in (data / "processed" / "releases").iterdir() if p.name.startswith(".tmp")] == []


# --- 3. an ingested folder's links stay inside it --------------------------------------------

def test_links_out_of_the_folder_are_not_followed_and_say_so(tmp_path):
    outside = tmp_path / "outside"
    (outside / "secrets").mkdir(parents=True)
    (outside / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
    (outside / "secrets" / "report.txt").write_bytes((CORPUS / "dev" / "seed_001.txt").read_bytes())
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(CORPUS / "dev" / "seed_002.txt", folder / "a.txt")
    os.symlink(outside / "passwd", folder / "passwd.txt")       # a file out of the folder
    os.symlink(outside / "secrets", folder / "more")            # a directory out of the folder
    os.symlink("../a.txt", folder / "sub" / "same.txt")         # a file inside: followed
    os.symlink("..", folder / "sub" / "up")                     # inside, round in a loop: once

    store = RawStore(tmp_path / "raw")
    store.record(Entry(str(folder / "passwd.txt"), STORED, sha256="0" * 64))  # stored by an older xxgk
    entries = ingest_folder(folder, store)

    assert [str(p.relative_to(folder)) for p in walk(folder)[0]] == ["a.txt", "sub/same.txt"]
    latest = store.latest()
    assert {Path(s).name: (e.status, e.error) for s, e in latest.items()} == {
        "a.txt": (STORED, None), "same.txt": (STORED, None),
        "passwd.txt": (ERROR, OUT_OF_FOLDER), "more": (ERROR, OUT_OF_FOLDER)}
    assert [e.status for e in entries if e.source.endswith("passwd.txt")] == [REMOVED, ERROR]
    assert len(store.documents()) == 1  # a.txt, under two names
    stored = b"".join(p.read_bytes() for p in store.blobs.rglob("*") if p.is_file())
    assert b"root:x:0:0" not in stored
    assert ingest_folder(folder, store) == []  # said once, not every night


# --- 4. the machine's errors end in one line, status 2 ---------------------------------------

@contextmanager
def mounted_tmpfs(where: Path, options: str):
    """A tmpfs mounted at `where` (root only, as in CI's containers): a read-only folder that
    root's permissions cannot bypass, or a small disk to fill."""
    where.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], capture_output=True, text=True)
    if p.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {p.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


@contextmanager
def read_only_folder(where: Path):
    if os.geteuid() != 0:
        where.mkdir(parents=True)
        where.chmod(0o555)
        try:
            yield where
        finally:
            where.chmod(0o755)
    else:
        with mounted_tmpfs(where, "ro,size=64k") as d:
            yield d


def xxgk_run(tmp: Path, data: Path, env: dict[str, str], timeout: float = 900):
    t0 = time.monotonic()
    p = subprocess.run([str(XXGK), "run", "--folder", str(inbox(tmp)), "--data", str(data)], cwd=tmp, env=env,
                       capture_output=True, text=True, timeout=timeout)
    return p, time.monotonic() - t0


def test_a_read_only_data_folder_is_one_line(tmp_path):
    with read_only_folder(tmp_path / "ro") as ro:
        p, seconds = xxgk_run(tmp_path, ro / "data", env_for(tmp_path), timeout=120)
    print(f"\nread-only data folder: status {p.returncode} after {seconds:.1f} s: {p.stderr.strip()}")
    assert p.returncode == 2
    reason = "Read-only file system" if os.geteuid() == 0 else "Permission denied"
    assert p.stderr == f"xxgk: cannot write to the data folder ({ro / 'data'}): {reason}\n"


def test_an_unwritable_prefect_home_is_one_line_before_prefect_starts(tmp_path):
    with read_only_folder(tmp_path / "ro") as ro:
        p, seconds = xxgk_run(tmp_path, tmp_path / "data", env_for(tmp_path, PREFECT_HOME=str(ro / "prefect")),
                              timeout=120)
    print(f"\nunwritable PREFECT_HOME: status {p.returncode} after {seconds:.1f} s: {p.stderr.strip()}")
    assert p.returncode == 2
    reason = "Read-only file system" if os.geteuid() == 0 else "Permission denied"
    assert p.stderr == f"xxgk: cannot write to PREFECT_HOME ({ro / 'prefect'}): {reason}\n"
    assert seconds < 30  # not Prefect's ten-minute startup timeout


@pytest.mark.slow
def test_a_full_disk_is_one_line_and_no_traceback(tmp_path):
    with mounted_tmpfs(tmp_path / "small", "size=256k") as small:
        folder = inbox(tmp_path)
        (folder / "big.txt").write_bytes(b"x" * (512 * 1024))  # more than the disk holds
        t0 = time.monotonic()
        p = subprocess.run([str(XXGK), "run", "--folder", str(folder), "--data", str(small / "data")],
                           cwd=tmp_path, env=env_for(tmp_path), capture_output=True, text=True, timeout=900)
        seconds = time.monotonic() - t0
    print(f"\nfull disk: status {p.returncode} after {seconds:.1f} s:\n{p.stderr}")
    assert p.returncode == 2
    assert "Traceback" not in p.stderr + p.stdout
    (line,) = p.stderr.splitlines()  # ours alone: not Prefect's account of the flow runs it ended
    assert line.startswith(f"xxgk: disk full, cannot write ({small / 'data'}") and line.endswith("): No space left on device")


@pytest.mark.slow
def test_a_disk_that_fills_while_publishing_is_one_line_and_publishes_no_broken_database(tmp_path):
    """Room for the documents and their batches, not for the DuckDB file: DuckDB's failed
    checkpoint at close() was silent, and a database without its tables was published."""
    with mounted_tmpfs(tmp_path / "small", "size=1200k") as small:
        p = subprocess.run([str(XXGK), "run", "--folder", str(inbox(tmp_path)), "--data", str(small / "data")],
                           cwd=tmp_path, env=env_for(tmp_path), capture_output=True, text=True, timeout=900)
        print(f"\ndisk full while publishing: status {p.returncode}:\n{p.stderr}")
        assert p.returncode == 2 and "Traceback" not in p.stderr
        *steps, line = p.stderr.splitlines()
        assert [s.split()[0] for s in steps] == ["ingest", "extract"]  # it got as far as publishing
        assert line == f"xxgk: disk full, cannot write ({small / 'data'}): No space left on device"
        assert not (small / "data" / "processed" / "xxgk.duckdb").exists()
        assert not (small / "data" / "processed" / "current").exists()


@pytest.mark.slow  # (imports Prefect; starts nothing)
@pytest.mark.parametrize("module", ["run", "ingest", "extract", "publish"])
def test_python_m_flows_end_on_the_machines_errors_in_one_line(tmp_path, module):
    """`python -m xxgk.flows.…` as `xxgk run`: a read-only data folder is one line, status 2."""
    folder = inbox(tmp_path)
    with read_only_folder(tmp_path / "ro") as ro:
        data = ro / "data"
        args = {"run": ["--folder", folder, "--data", data], "ingest": [folder, data], "extract": [data],
                "publish": [data]}[module]
        p = subprocess.run([sys.executable, "-m", f"xxgk.flows.{module}", *map(str, args)], cwd=tmp_path,
                           env=env_for(tmp_path), capture_output=True, text=True, timeout=300)
    reason = "Read-only file system" if os.geteuid() == 0 else "Permission denied"
    assert (p.returncode, p.stderr) == (2, f"xxgk: cannot write to the data folder ({data}): {reason}\n")
