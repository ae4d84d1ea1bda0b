"""`xxgk snapshot` as a data package researchers can cite: datapackage.json (Frictionless Data
Package, validated by the real `frictionless` command), CITATION.cff, and the configuration they
take their title, licence, contributors and repository from."""
from __future__ import annotations

import csv
import gzip
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from conftest import mixed_inbox
from xxgk import config
from xxgk.config import ConfigError, Contributor, Package
from xxgk.extract.report import PARSER_VERSION
from xxgk.schema.datasets import datasets
from xxgk.transform.snapshot import SOURCES_INLINE, citation, package_sources

BIN = Path(sys.executable).parent
FRICTIONLESS = BIN / "frictionless"
PACKAGE = Package(title="测试 test package", license="CC0-1.0",
                  contributors=(Contributor("Wang Fang", "wang@example.org", "author"),
                                Contributor("Open Data Lab", None, "publisher")),
                  repository="https://example.org/xxgk")
ENV_KEYS = ("XXGK_PACKAGE_TITLE", "XXGK_PACKAGE_LICENSE", "XXGK_PACKAGE_LICENCE", "XXGK_PACKAGE_REPOSITORY",
            "XXGK_PACKAGE_CONTRIBUTORS")


# -- configuration --------------------------------------------------------------------------

@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("XXGK_HOME", str(tmp_path))
    for k in ENV_KEYS:
        monkeypatch.delenv(k, raising=False)
    return tmp_path


def test_package_defaults_without_configuration(home):
    p = config.package()
    assert p == Package()
    assert (p.license, p.contributors, p.repository) == ("CC-BY-4.0", (Contributor("xxgk contributors"),), None)


def test_package_from_xxgk_toml_and_the_environment(home, monkeypatch):
    (home / "xxgk.toml").write_text('''
[package]
title = "政府信息公开 tables"
licence = "ODC-By-1.0"
repository = "https://example.org/xxgk"
contributors = [
  {title = "Wang Fang", email = "wang@example.org"},
  {title = "Open Data Lab", role = "publisher"},
]
''', encoding="utf-8")
    assert config.package() == Package("政府信息公开 tables", "ODC-By-1.0",
                                       (Contributor("Wang Fang", "wang@example.org", "author"),
                                        Contributor("Open Data Lab", None, "publisher")),
                                       "https://example.org/xxgk")
    monkeypatch.setenv("XXGK_PACKAGE_LICENSE", "CC-BY-SA-4.0")
    monkeypatch.setenv("XXGK_PACKAGE_CONTRIBUTORS", "Li Lei <li@example.org>; Han Meimei")
    p = config.package()
    assert p.license == "CC-BY-SA-4.0" and p.title == "政府信息公开 tables"
    assert p.contributors == (Contributor("Li Lei", "li@example.org"), Contributor("Han Meimei"))


@pytest.mark.parametrize("toml,says", [
    ("[package\ntitle = 1", "xxgk.toml"),
    ("package = 3", "`package` must be a table"),
    ("[package]\ntitle = 3", "title must be a non-empty string"),
    ("[package]\nlicense = 'CC BY 4.0'", "give an SPDX identifier"),
    ("[package]\nrepository = 'example.org'", "give the URL of the code"),
    ("[package]\ncontributors = [{email = 'a@b.c'}]", "contributors[0] needs a title"),
    ("[package]\ncontributors = [{title = 'A', role = 'boss'}]", "role 'boss' is not one of author, publisher"),
    ("[package]\ncontributors = 'A'", "contributors must be a list"),
])
def test_a_bad_configuration_is_one_clear_error(home, toml, says):
    (home / "xxgk.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        config.package()
    assert says in str(e.value) and "\n" not in str(e.value)


def test_many_inputs_are_listed_in_the_sources_resource():
    one = {"source": "https://www.example.gov.cn/1.html", "fetched_at": "2024-03-01T02:00:00+00:00",
           "sha256": "ab" * 32, "status": "stored"}
    assert package_sources([one]) == [{"title": one["source"], "path": one["source"],
                                       "fetched": "2024-03-01T02:00:00Z", "sha256": "ab" * 32, "status": "stored"}]
    many = package_sources([one] * (SOURCES_INLINE + 1))
    assert len(many) == 1 and many[0]["path"] == "sources.csv.gz"
    assert f"The {SOURCES_INLINE + 1} inputs" in many[0]["title"]


def test_citation_cff_names_the_authors():
    cff = yaml.safe_load(citation("0.3.0+abc", PACKAGE, "2024-03-01T02:00:00Z"))
    assert cff == {
        "cff-version": "1.2.0", "message": "If you use these data, please cite them as below.", "type": "dataset",
        "title": "测试 test package", "version": "0.3.0+abc", "date-released": "2024-03-01", "license": "CC0-1.0",
        "repository-code": "https://example.org/xxgk",
        "authors": [{"name": "Wang Fang", "email": "wang@example.org"}],  # the publisher is not an author
        "abstract": cff["abstract"], "keywords": cff["keywords"]}
    no_authors = Package(contributors=(Contributor("Open Data Lab", None, "publisher"),))
    assert yaml.safe_load(citation("1", no_authors, None))["authors"] == [{"name": "Open Data Lab"}]


# -- the snapshot of a real release -----------------------------------------------------------

@pytest.fixture(scope="module")
def snapshot(tmp_path_factory) -> Path:
    from xxgk.flows.run import run_flow
    from xxgk.transform.snapshot import make_snapshot

    root = tmp_path_factory.mktemp("package")
    run_flow(str(mixed_inbox(root / "in")), None, str(root / "data"), runner="thread")
    return make_snapshot((root / "data" / "processed" / "current").resolve(), root / "snapshots", PACKAGE)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.slow
def test_the_snapshot_is_a_data_package(snapshot):
    d = json.loads((snapshot / "datapackage.json").read_text(encoding="utf-8"))
    manifest = json.loads((snapshot / "manifest.json").read_text(encoding="utf-8"))
    digest = snapshot.name.rsplit("-", 1)[1]
    assert snapshot.name == f"xxgk-{PARSER_VERSION}-{digest}" == d["id"] == manifest["snapshot"]
    assert d["name"] == "xxgk" and d["version"] == f"{PARSER_VERSION}+{digest}" == manifest["version"]
    assert d["title"] == PACKAGE.title
    assert d["licenses"] == [{"name": "CC0-1.0", "path": "https://creativecommons.org/publicdomain/zero/1.0/",
                              "title": "Creative Commons Zero v1.0 Universal"}]
    assert d["contributors"] == [{"title": "Wang Fang", "email": "wang@example.org", "role": "author"},
                                 {"title": "Open Data Lab", "role": "publisher"}]
    assert d["homepage"] == "https://example.org/xxgk"
    # dated by the data: the newest input's fetch time, not the clock
    fetched = pq.read_table(snapshot / "sources.parquet").column("fetched_at").to_pylist()
    assert len(fetched) == 5 and d["created"] == max(fetched).replace("+00:00", "Z")
    assert [s["title"] for s in d["sources"]] == sorted(s["path"] for s in d["sources"])
    assert all(s["fetched"] and s["status"] == "stored" for s in d["sources"])

    # every dataset as gzipped CSV (the tabular resource, with the schema module's fields) and
    # as parquet (a file resource), each with its size and sha256
    resources = {r["name"]: r for r in d["resources"]}
    assert list(resources) == [n for name in datasets() for n in (name, f"{name}-parquet")]
    for r in resources.values():
        f = snapshot / r["path"]
        assert r["bytes"] == f.stat().st_size and r["hash"] == f"sha256:{sha256(f)}" == f"sha256:{manifest['files'][f.name]}"
        assert (r["format"], r["mediatype"]) == (("parquet", "application/vnd.apache.parquet")
                                                 if f.suffix == ".parquet" else ("csv", "text/csv"))
    for name, dataset in datasets().items():
        fields = {f["name"]: f for f in resources[name]["schema"]["fields"]}
        for column in dataset.columns:
            if column.name in ("extracted_at", "at"):  # run-specific: not in the snapshot
                assert column.name not in fields
                continue
            assert fields[column.name]["description"] == column.description
            assert fields[column.name].get("unit") == column.unit
        assert list(fields) == pq.read_schema(snapshot / f"{name}.parquet").names
    cells = {f["name"]: f for f in resources["cells"]["schema"]["fields"]}
    assert (cells["value"]["type"], cells["value"]["unit"]) == ("integer", "count")
    assert (cells["amount"]["type"], cells["amount"]["unit"]) == ("number", "wan_yuan")
    assert cells["inferred"]["type"] == "boolean" and cells["state"]["type"] == "string"
    assert {f["name"]: f["type"] for f in resources["disclosure"]["schema"]["fields"]}["amount"] == "number"
    assert resources["cells"]["schema"]["primaryKey"] == ["sha256", "key"]
    assert {"fields": "sha256", "reference": {"resource": "reports", "fields": "sha256"}} \
        in resources["cells"]["schema"]["foreignKeys"]

    cff = yaml.safe_load((snapshot / "CITATION.cff").read_text(encoding="utf-8"))
    assert (cff["cff-version"], cff["version"], cff["license"], cff["date-released"]) == \
        ("1.2.0", d["version"], "CC0-1.0", d["created"][:10])
    assert cff["authors"] == [{"name": "Wang Fang", "email": "wang@example.org"}]
    assert cff["repository-code"] == "https://example.org/xxgk"
    # the dictionary's place_source values are the ones the data holds
    values = set(pq.read_table(snapshot / "reports.parquet").column("place_source").to_pylist())
    text = datasets()["reports"].column("place_source").description
    kinds = ("name", "text", "list", "override")
    assert values - {None} <= set(kinds) and all(f"`{v}`" in text for v in kinds)


@pytest.mark.slow
def test_frictionless_validate_datapackage(snapshot):
    """`frictionless validate datapackage.json`, as a researcher runs it: the descriptor, every
    CSV resource's rows against its Table Schema (types, primary and foreign keys), and every
    file's size and sha256."""
    p = subprocess.run([str(FRICTIONLESS), "validate", "datapackage.json"], cwd=snapshot,
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout[-3000:]
    d = json.loads((snapshot / "datapackage.json").read_text(encoding="utf-8"))
    assert "INVALID" not in p.stdout and p.stdout.count("VALID") == len(d["resources"])


def test_the_csv_resources_hold_the_parquet_rows(snapshot):
    for name in datasets():
        table = pq.read_table(snapshot / f"{name}.parquet")
        with gzip.open(snapshot / f"{name}.csv.gz", "rt", encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        assert rows[0] == table.column_names and len(rows) == table.num_rows + 1


@pytest.mark.slow
def test_snapshot_command_takes_the_package_from_xxgk_toml(snapshot, tmp_path):
    data = snapshot.parent.parent / "data"
    (tmp_path / "xxgk.toml").write_text('[package]\ntitle = "Configured"\nlicense = "ODbL-1.0"\n'
                                        'contributors = [{title = "Wang Fang"}]\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ENV_KEYS}
    env.update(XXGK_HOME=str(tmp_path), XXGK_PACKAGE_REPOSITORY="https://example.org/code")
    p = subprocess.run([str(BIN / "xxgk"), "snapshot", "--data", str(data), "--out", str(tmp_path / "out")],
                       capture_output=True, text=True, timeout=300, env=env)
    assert p.returncode == 0, p.stderr
    made = Path(p.stdout.strip())
    assert made.parent == tmp_path / "out" and made.name != snapshot.name  # another licence: another version
    d = json.loads((made / "datapackage.json").read_text(encoding="utf-8"))
    assert (d["title"], d["licenses"][0]["name"], d["homepage"]) == ("Configured", "ODbL-1.0", "https://example.org/code")
    assert yaml.safe_load((made / "CITATION.cff").read_text(encoding="utf-8"))["authors"] == [{"name": "Wang Fang"}]

    (tmp_path / "xxgk.toml").write_text("[package]\nlicense = 7\n", encoding="utf-8")
    p = subprocess.run([str(BIN / "xxgk"), "snapshot", "--data", str(data), "--out", str(tmp_path / "out")],
                       capture_output=True, text=True, timeout=300, env=env)
    assert p.returncode == 1 and p.stderr == f"Error: {tmp_path / 'xxgk.toml'} [package]: license must be a non-empty string\n"
