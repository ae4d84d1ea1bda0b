"""The README's two routes to the nightly run (section "Nightly"), followed for real: a Prefect
server, then either `prefect deploy` from prefect.yaml and a process worker, or `xxgk serve`.
Every command is a subprocess, as a user would type it; only the waiting is done with the Prefect
client. Each route must end in a published release: the five dev reports in the DuckDB file.

The server, the worker and `xxgk serve` each get their own process group, killed whole in the
fixtures' finalizers, so a failing test leaves nothing running.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager, suppress
from pathlib import Path
from types import SimpleNamespace
from urllib.request import urlopen
from uuid import UUID

import pytest

from conftest import CORPUS, q

pytestmark = pytest.mark.slow  # a Prefect server start and three pipeline runs: about 70 s

ROOT = Path(__file__).resolve().parents[1]  # where prefect.yaml lives: `prefect deploy` runs here
BIN = Path(sys.executable).parent  # the venv's prefect and xxgk
DEPLOYMENT = "xxgk-run/xxgk-nightly"  # the same name on both routes
ENTRYPOINT = "xxgk.flows.run.run_flow"  # a module path: a file path put flows/ first on sys.path
REPORTS = sorted((CORPUS / "dev").glob("*.txt"))  # five reports: a quick run
SEED_003_FIGURE = 18855  # a real figure of seed_003 (disclosure.other_services.decisions)


# --- processes ---------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(args: list, log: Path, env: dict, cwd: Path) -> subprocess.Popen:
    """A long-running command in its own process group (a session), output to `log`."""
    # An ignored SIGINT is inherited (pytest started with `&` from a script): Ctrl-C would then
    # stop nothing. A handler is not inherited, so children start with the default again.
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    with log.open("wb") as out:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen([str(a) for a in args], stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, env=env, cwd=cwd, start_new_session=True)
    proc.log = log  # type: ignore[attr-defined]
    return proc


def group_alive(pgid: int) -> list[str]:
    """The live processes of a process group, from /proc (zombies are dead: their parent, or
    init, only has to reap them)."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # gone meanwhile
            continue
        # pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses
        state, _ppid, pgrp = text[text.rindex(")") + 2:].split()[:3]
        if int(pgrp) == pgid and state != "Z":
            alive.append(f"{stat.parent.name} {cmdline.strip()}")
    return alive


def kill_group(proc: subprocess.Popen, grace: float = 20) -> None:
    """Ctrl-C to the whole group, then SIGKILL to whatever is left of it."""
    for sig, wait in ((signal.SIGINT, grace), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + wait
        while group_alive(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
    with suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)


def tail(log: Path, n: int = 3000) -> str:
    return f"--- {log.name} ---\n{log.read_text(errors='replace')[-n:]}" if log.exists() else ""


def cli(*args, env: dict, cwd: Path = ROOT, timeout: float = 180) -> str:
    """A short command that must succeed; its output on failure."""
    p = subprocess.run([str(a) for a in args], capture_output=True, text=True, env=env, cwd=cwd,
                       stdin=subprocess.DEVNULL, timeout=timeout)
    if p.returncode != 0:
        pytest.fail(f"{' '.join(map(str, args[1:4]))} exited {p.returncode}:\n{(p.stdout + p.stderr)[-3000:]}")
    return p.stdout


def wait_for(what: str, check, timeout: float, *logs: Path, every: float = 1.0):
    """Poll `check` until it returns something truthy; fail with the processes' logs if not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(every)
    pytest.fail(f"no {what} after {timeout:.0f} s\n" + "\n".join(tail(log) for log in logs))


# --- Prefect -----------------------------------------------------------------------------------

def user_env(api_url: str, prefect_home: Path) -> dict[str, str]:
    """A user's shell with PREFECT_API_URL exported: nothing else of xxgk's or Prefect's set up."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XXGK_", "PREFECT_"))}
    env.update(
        PREFECT_API_URL=api_url,
        PREFECT_HOME=str(prefect_home),  # the CLI's profiles, not the user's ~/.prefect
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_CLI_PROMPT="false",  # no questions when something is missing: fail instead
        # Pick up a triggered run within a second or two instead of the default 10 s.
        PREFECT_WORKER_QUERY_SECONDS="2",
        PREFECT_RUNNER_POLL_FREQUENCY="2",
    )
    return env


@contextmanager
def client(api_url: str):
    """A Prefect client for the test server (this process's own settings point elsewhere)."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: api_url}), get_client(sync_client=True) as c:
        yield c


def read_deployment(api_url: str):
    from prefect.exceptions import ObjectNotFound

    with client(api_url) as c:
        try:
            return c.read_deployment_by_name(DEPLOYMENT)
        except ObjectNotFound:
            return None


def trigger(env: dict) -> UUID:
    """`prefect deployment run` as the README says, with the deployment's own parameters."""
    out = cli(BIN / "prefect", "deployment", "run", DEPLOYMENT, env=env)
    found = re.search(r"UUID: ([0-9a-f-]{36})", out)
    assert found, f"no flow run id in:\n{out}"
    return UUID(found.group(1))


def final_state(api_url: str, run_id: UUID, *logs: Path, timeout: float = 300):
    def done():
        with client(api_url) as c:
            run = c.read_flow_run(run_id)
        return run if run.state and run.state.is_final() else None

    return wait_for(f"final state of flow run {run_id}", done, timeout, *logs)


def assert_published(data: Path) -> None:
    """The release: every report in the DuckDB file, with its figures."""
    assert (data / "processed" / "xxgk.duckdb").exists(), f"no release under {data}"
    assert q(data, "SELECT count(*) FROM reports") == [(len(REPORTS),)]
    assert q(data, f"SELECT count(*) FROM cells WHERE value = {SEED_003_FIGURE}")[0][0] >= 1


def home_with_reports(home: Path, folder: str) -> Path:
    """An XXGK_HOME with the dev reports in `folder`, as a user lays out the sample reports."""
    (home / folder).mkdir(parents=True)
    for report in REPORTS:
        shutil.copy2(report, home / folder / report.name)
    return home


# --- fixtures ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def server(tmp_path_factory) -> SimpleNamespace:
    """`prefect server start` on a free port, shared by both routes (the first start migrates its
    database: up to a minute or more)."""
    tmp = tmp_path_factory.mktemp("prefect-server")
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = user_env(api_url, tmp / "home")
    del env["PREFECT_API_URL"]  # the server itself is not a client of another one
    log = tmp / "server.log"
    proc = start([BIN / "prefect", "server", "start", "--host", "127.0.0.1", "--port", port],
                 log, env, cwd=tmp)
    try:
        def healthy():
            assert proc.poll() is None, f"the server exited {proc.returncode}\n{tail(log)}"
            try:
                with urlopen(f"{api_url}/health", timeout=2) as r:
                    return r.status == 200
            except OSError:
                return False

        wait_for("healthy server", healthy, 300, log)
        yield SimpleNamespace(api_url=api_url, env=user_env(api_url, tmp / "home"), log=log)
    finally:
        kill_group(proc)


@pytest.fixture
def spawn():
    """`start`, with every process group it started killed when the test ends, failed or not."""
    started: list[subprocess.Popen] = []

    def _spawn(*args, **kw) -> subprocess.Popen:
        started.append(start(*args, **kw))
        return started[-1]

    yield _spawn
    for proc in reversed(started):
        kill_group(proc)


# --- the routes --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def work_pool(server) -> str:
    """README: `prefect work-pool create xxgk-pool --type process`, once per server."""
    cli(BIN / "prefect", "work-pool", "create", "xxgk-pool", "--type", "process", env=server.env)
    return "xxgk-pool"


# XXGK_HOME, the folder every run works in, set for `prefect deploy` (the README: one path for all
# workers) or else for each worker (each machine its own path).
@pytest.mark.parametrize("home_for", ["deploy", "worker"])
def test_work_pool_and_worker(server, work_pool, spawn, tmp_path, home_for):
    """README: `prefect deploy` from prefect.yaml, a worker, then a run of the deployment."""
    home = home_with_reports(tmp_path / "home", "data/raw/samples")  # prefect.yaml's `folder`
    env = server.env
    with_home = {**env, "XXGK_HOME": str(home)}

    # From the checkout, where prefect.yaml is.
    cli(BIN / "prefect", "deploy", "--name", "xxgk-nightly", env=with_home if home_for == "deploy" else env)
    deployment = read_deployment(server.api_url)
    assert deployment is not None, f"prefect deploy did not create {DEPLOYMENT}"
    assert deployment.entrypoint == ENTRYPOINT
    assert deployment.work_pool_name == work_pool
    # Filled in by `prefect deploy` if it had XXGK_HOME, else left for the worker to fill in.
    directory = str(home) if home_for == "deploy" else "{{ $XXGK_HOME }}"
    assert deployment.pull_steps == [{"xxgk.flows.schedule.set_working_directory": {"directory": directory}}]

    # From a folder of its own: where a run works must not depend on where the worker started.
    (tmp_path / "worker").mkdir()
    worker = spawn([BIN / "prefect", "worker", "start", "--pool", work_pool], tmp_path / "worker.log",
                   with_home if home_for == "worker" else env, tmp_path / "worker")
    t0 = time.monotonic()
    run = final_state(server.api_url, trigger(env), worker.log, server.log)
    assert run.state.is_completed(), f"{run.state!r}\n{tail(worker.log)}"
    assert run.work_pool_name == work_pool
    print(f"worker run ({home_for}): {time.monotonic() - t0:.1f} s")
    assert_published(home / "data")  # prefect.yaml's relative `data`, taken from XXGK_HOME


def test_no_xxgk_home_no_run():
    """Set neither for `prefect deploy` nor for the worker, XXGK_HOME reaches the pull step empty:
    a run must stop there, not work (and publish) in the worker's temporary folder."""
    from xxgk.flows.schedule import set_working_directory

    with pytest.raises(ValueError, match="XXGK_HOME is not set"):
        set_working_directory("")


def test_xxgk_serve(server, spawn, tmp_path):
    """README: `xxgk serve` registers the deployment and runs it from its own process; Ctrl-C
    stops it and everything it started."""
    home = home_with_reports(tmp_path / "home", "reports")
    env = server.env
    # The other route registered the same name: remove it, so that the deployment found below is
    # the one `xxgk serve` registered, and no worker's deployment is left to compete.
    if (stale := read_deployment(server.api_url)) is not None:
        with client(server.api_url) as c:
            c.delete_deployment(stale.id)

    log = tmp_path / "serve.log"
    # Relative --folder and --data, as a user types them: taken from where serve runs.
    proc = spawn([BIN / "xxgk", "serve", "--folder", "reports", "--data", "data"], log, env, home)

    def registered():
        assert proc.poll() is None, f"xxgk serve exited {proc.returncode}\n{tail(log)}"
        return read_deployment(server.api_url)

    deployment = wait_for(f"deployment {DEPLOYMENT}", registered, 120, log)
    assert deployment.entrypoint == ENTRYPOINT
    assert deployment.work_pool_name is None  # served by the process, not by a work pool
    assert deployment.parameters["folder"] == "reports"

    t0 = time.monotonic()
    run = final_state(server.api_url, trigger(env), log, server.log)
    assert run.state.is_completed(), f"{run.state!r}\n{tail(log)}"
    print(f"served run: {time.monotonic() - t0:.1f} s")
    assert_published(home / "data")

    # Ctrl-C: SIGINT to serve alone, so serve itself must stop whatever it started.
    t0 = time.monotonic()
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        pytest.fail(f"xxgk serve still running 20 s after Ctrl-C\n{tail(log)}")
    print(f"serve stopped in {time.monotonic() - t0:.1f} s")
    assert proc.returncode == 0, tail(log)
    time.sleep(1)  # a child killed at the same moment may take an instant to go
    assert group_alive(proc.pid) == [], "left behind by xxgk serve"
