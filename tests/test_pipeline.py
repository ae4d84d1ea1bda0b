"""The real Prefect flows end to end: folder → raw store → batches → parquet release → DuckDB."""
from __future__ import annotations

import gzip
import json
import os
import shutil

import duckdb
import pyarrow.parquet as pq
import pytest

from conftest import CORPUS, mixed_inbox, q
from xxgk.flows.run import run_flow
from xxgk.ingest.raw_store import RawStore
from xxgk.transform import store as work

pytestmark = pytest.mark.slow  # Prefect and the whole pipeline


@pytest.fixture
def inbox(tmp_path):
    return mixed_inbox(tmp_path / "in")


def test_folder_to_parquet_and_duckdb(inbox, tmp_path):
    data = tmp_path / "data"
    out = run_flow(str(inbox), None, str(data), runner="thread")
    assert out["ingest"] == {"new_or_changed": 5, "unreadable": 0}
    assert out["extract"] == {"extracted": 5, "ok": 3, "warning": 1, "failed": 1}

    current = data / "processed" / "current"
    reports = pq.read_table(current / "reports.parquet").to_pylist()
    assert sorted(r["agency"] for r in reports) == ["区政务服务办", "卧龙区人民政府", "沭阳县发展和改革局", "高新区"]
    failures = pq.read_table(current / "failures.parquet").to_pylist()
    assert [(f["source"].endswith("empty.txt"), f["reason"]) for f in failures] == [(True, "empty file")]

    # every input is in exactly one of reports or failures
    manifest = RawStore(data / "raw").latest()
    assert len(manifest) == 5
    assert {r["source"] for r in reports} | {f["source"] for f in failures} == set(manifest)

    cells = pq.read_table(current / "cells.parquet")
    assert cells.num_rows == 198 * 3 + 200
    assert q(data, "SELECT amount, value, unit, state FROM cells_labeled WHERE agency = '高新区' AND key = 'disclosure.procurement.amount'") == [(2601.0, None, "wan_yuan", "read")]
    # counts are integers all the way (parquet, the views), amounts decimals
    assert q(data, """SELECT typeof(value), typeof(amount), value, state FROM cells_labeled
                      WHERE agency = '高新区' AND key = 'applications.granted.total'""") == [("BIGINT", "DOUBLE", 1, "read")]
    assert q(data, "SELECT DISTINCT typeof(natural_person) FROM applications") == [("BIGINT",)]
    assert q(data, "SELECT typeof(amount), typeof(projects) FROM disclosure LIMIT 1") == [("DOUBLE", "BIGINT")]
    # a cell the report left blank is blank, not missing, not 0
    assert q(data, """SELECT value, state FROM cells_labeled
                      WHERE agency = '沭阳县发展和改革局' AND key = 'applications.new_received.commercial'""") == [(None, "blank")]
    assert q(data, """SELECT natural_person, total FROM applications JOIN reports USING (sha256)
                      WHERE agency = '区政务服务办' AND row = 'granted'""") == [(5.0, 0.0)]
    assert q(data, """SELECT ok, detail FROM checks JOIN reports USING (sha256)
                      WHERE agency = '区政务服务办' AND name = 'row_sum:granted'""") == [(False, "5 + 0 + 0 + 0 + 0 + 0 ≠ 0")]
    assert q(data, """SELECT commercial, total FROM applications JOIN reports USING (sha256)
                      WHERE agency = '沭阳县发展和改革局' AND row = 'new_received'""") == [(None, 26.0)]
    assert q(data, "SELECT row_label, col_label, unit FROM dictionary WHERE template = '2021' AND key = 'disclosure.fees.amount'") \
        == [("行政事业性收费", "本年收费金额（单位：万元）", "wan_yuan")]
    release = json.loads((current / "manifest.json").read_text())
    assert release["rows"]["reports"] == 4 and release["rows"]["failures"] == 1

    # a second run finds nothing new and publishes the same data, while an analyst keeps a
    # read-only connection open across the publication
    analyst = duckdb.connect(str(data / "processed" / "xxgk.duckdb"), read_only=True)
    again = run_flow(str(inbox), None, str(data), runner="thread")
    assert analyst.execute("SELECT count(*) FROM reports").fetchall() == [(4,)]
    analyst.close()
    assert again["ingest"] == {"new_or_changed": 0, "unreadable": 0}
    assert again["extract"] == {"extracted": 0}
    assert q(data, "SELECT count(*) FROM reports") == [(4,)]
    assert q(data, "SELECT count(*) FROM cells") == [(794,)]


def test_a_crash_mid_publish_keeps_the_previous_release(inbox, tmp_path, monkeypatch):
    data = tmp_path / "data"
    run_flow(str(inbox), None, str(data), runner="thread")
    before = (data / "processed" / "current").resolve()
    shutil.copy(CORPUS / "dev" / "seed_001.txt", inbox / "seed_001.txt")

    def crash(*args, **kwargs):
        raise KeyboardInterrupt("killed")  # as if the process died with the release written

    monkeypatch.setattr(work, "build_database", crash)
    with pytest.raises(KeyboardInterrupt):
        run_flow(str(inbox), None, str(data), runner="thread")
    assert (data / "processed" / "current").resolve() == before
    assert q(data, "SELECT count(*) FROM reports") == [(4,)]  # the previous release, whole
    made = [p for p in (data / "processed" / "releases").iterdir() if p != before]
    assert len(made) == 1  # written, never switched to: readers never saw it

    monkeypatch.undo()
    out = run_flow(str(inbox), None, str(data), runner="thread")
    assert out["extract"] == {"extracted": 0}  # seed_001 was extracted before the crash
    assert q(data, "SELECT count(*), count(DISTINCT sha256) FROM reports") == [(5, 5)]
    assert q(data, "SELECT count(*) FROM cells") == [(794 + 198,)]
    releases = list((data / "processed" / "releases").iterdir())
    assert len(releases) == work.KEEP_RELEASES and (data / "processed" / "current").resolve() in releases


def test_a_crash_mid_batch_leaves_no_half_batch(inbox, tmp_path, monkeypatch):
    data = tmp_path / "data"
    real_write = work.pq.write_table
    calls = {"n": 0}

    def dying_write(table, where, **kw):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt("killed while writing a batch")
        return real_write(table, where, **kw)

    monkeypatch.setattr(work.pq, "write_table", dying_write)
    with pytest.raises(KeyboardInterrupt):
        run_flow(str(inbox), None, str(data), runner="thread")
    monkeypatch.undo()
    # one document per batch here: the batch that died left only a .tmp-batch directory, which
    # counts for nothing; the other four completed whole
    processed = data / "processed"
    assert len(work.batches(processed)) == 4
    assert len(list(work.work_dir(processed).glob(".tmp-batch-*"))) == 1
    out = run_flow(str(inbox), None, str(data), runner="thread")
    assert out["extract"]["extracted"] == 1
    assert q(data, "SELECT count(*), count(DISTINCT sha256) FROM reports") == [(4, 4)]


def test_two_runs_at_once_are_refused(inbox, tmp_path):
    data = tmp_path / "data"
    with work.lock((data / "processed").absolute()):
        import subprocess
        import sys

        p = subprocess.run([sys.executable, "-m", "xxgk.flows.run", "--folder", str(inbox), "--data", str(data)],
                           capture_output=True, text=True, timeout=600)
    assert p.returncode == 2
    assert p.stderr == f"xxgk: another xxgk run (pid {os.getpid()}) is using {data}: try again when it ends\n"


def test_process_pool_is_the_default_runner(inbox, tmp_path):
    data = tmp_path / "data"
    out = run_flow(str(inbox), None, str(data))
    assert out["extract"]["extracted"] == 5
    assert q(data, "SELECT count(*) FROM reports") == [(4,)]


def test_dask_runner_on_a_local_cluster(inbox, tmp_path):
    pytest.importorskip("prefect_dask")
    data = tmp_path / "data"
    out = run_flow(str(inbox), None, str(data), runner="dask")
    assert out["extract"] == {"extracted": 5, "ok": 3, "warning": 1, "failed": 1}
    assert q(data, "SELECT value FROM cells_labeled WHERE agency = '卧龙区人民政府' "
                   "AND key = 'applications.new_received.total'") == [(56.0,)]


def test_snapshot_is_reproducible_from_the_same_raw_store(inbox, tmp_path):
    """Two pipelines from the same raw store (the bytes and the record of when each input was
    fetched, which the data package carries): the same snapshot, byte for byte."""
    from xxgk.transform.snapshot import make_snapshot

    snaps = []
    for run in ("a", "b"):
        data = tmp_path / run
        if run == "b":  # the raw store of a, extracted and published anew
            shutil.copytree(tmp_path / "a" / "raw", data / "raw")
        run_flow(str(inbox), None, str(data), runner="thread")
        snaps.append(make_snapshot((data / "processed" / "current").resolve(), tmp_path / f"snap-{run}"))
    a, b = (json.loads((s / "manifest.json").read_text()) for s in snaps)
    assert a == b
    assert snaps[0].name == snaps[1].name == a["snapshot"]
    assert {p.name: p.read_bytes() for p in snaps[0].iterdir()} == {p.name: p.read_bytes() for p in snaps[1].iterdir()}
    assert a["rows"]["reports"] == 4 and a["rows"]["cells"] == 794 and a["rows"]["failures"] == 1
    assert set(a["files"]) >= {"cells.parquet", "cells.csv.gz", "dictionary.csv.gz", "DATA_DICTIONARY.md",
                               "datapackage.json", "CITATION.cff", "sources.csv.gz"}
    doc = (snaps[0] / "DATA_DICTIONARY.md").read_text(encoding="utf-8")
    assert "blank" in doc and "| span_start | int32 |" in doc
    with gzip.open(snaps[0] / "dictionary.csv.gz", "rt", encoding="utf-8") as f:
        assert "本年收费金额（单位：万元）" in f.read()


def test_nightly_deployment_is_scheduled():
    from xxgk.flows.schedule import nightly

    d = nightly(folder="in", data="d")
    assert d.name == "xxgk-nightly"
    assert d.parameters == {"folder": "in", "urls": None, "sites": None, "data": "d"}
    (sched,) = d.schedules
    assert sched.schedule.cron == "0 2 * * *" and sched.schedule.timezone == "Asia/Shanghai"


def test_a_changed_file_replaces_its_older_version(inbox, tmp_path):
    data = tmp_path / "data"
    run_flow(str(inbox), None, str(data), runner="thread")
    changed = (inbox / "seed_002.txt").read_text(encoding="utf-8").replace("政府集中采购\t78\t2,601", "政府集中采购\t79\t2,601")
    (inbox / "seed_002.txt").write_text(changed, encoding="utf-8")
    out = run_flow(str(inbox), None, str(data), runner="thread")
    assert out["extract"]["extracted"] == 1
    assert q(data, "SELECT count(*) FROM reports WHERE source LIKE '%seed_002.txt'") == [(1,)]
    assert q(data, "SELECT value FROM cells_labeled WHERE agency = '高新区' AND key = 'disclosure.procurement.projects'") == [(79.0,)]
