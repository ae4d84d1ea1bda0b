"""`xxgk extract FILE` as an analyst reads it: the installed command on real reports, piped,
at 80 and 120 columns. Official labels whole, sub-rows under their parent, values beside
their labels, units, a legend, table statuses and failed checks in Chinese and English."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import unicodedata
from functools import cache
from pathlib import Path

import pytest

from conftest import CORPUS
from xxgk import schema

XXGK = Path(sys.executable).with_name("xxgk")
SEED_003 = CORPUS / "dev" / "seed_003.txt"  # 2019 form, every table read
SEED_004 = CORPUS / "dev" / "seed_004.txt"  # 2019 form, identities broken
HTML_015 = CORPUS / "real" / "015_suqian_shuyang_fagaiju_2023_crawlhtml.html"  # 2021 form, blank 法人 columns
MD_014 = CORPUS / "real" / "014_shanghai_shizhengfu_bangongting_2025_pdf2md.md"  # 2021, inferred values
REPORTS = (SEED_003, SEED_004, HTML_015, MD_014)


@cache
def summaries(columns: int) -> dict[Path, str]:
    """Each report's summary, from one run of the command with stdout piped."""
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE")}
    env["COLUMNS"] = str(columns)
    p = subprocess.run([str(XXGK), "extract", *map(str, REPORTS)], capture_output=True, text=True, env=env,
                       timeout=120)
    assert p.returncode == 0, p.stderr
    parts = re.split(rf"^={{{columns}}}\n", p.stdout, flags=re.M)
    assert parts[0] == "" and len(parts) == len(REPORTS) + 1, p.stdout[:2000]
    return dict(zip(REPORTS, parts[1:], strict=True))


def width(line: str) -> int:
    """Display cells: East Asian wide and fullwidth characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in line)


def label_column(out: str) -> tuple[list[str], str]:
    """Each line's first field (the row label column: text up to the first run of two spaces),
    and all of them joined, so a label folded over several lines reads whole again."""
    firsts = [re.split(r" {2,}", line.strip(), maxsplit=1)[0] for line in out.splitlines()]
    return firsts, "".join(firsts)


def values_beside(out: str, label: str) -> list[str]:
    """The values printed on the line of the row labelled `label` (its label on one line)."""
    for line in out.splitlines():
        first, _, rest = line.strip().partition("  ")
        if first == label or (first.endswith(label) and first[: -len(label)] in {f"{n}、" for n in "一二四"}):
            return rest.split()
    raise AssertionError(f"no line for {label!r} in\n{out}")


def gold_values(path: Path, table: str, row: str) -> list[str]:
    """The gold values of a row as the summary prints them (signed counts with their sign,
    blank cells as nothing)."""
    g = json.loads(path.with_name(path.name.rsplit(".", 1)[0] + ".gold.json").read_text(encoding="utf-8"))
    out = []
    for col in schema.cols(g["template"], table, row):
        key = f"{table}.{row}.{col}"
        v = g["cells"][key]
        if v is not None:
            signed = schema.unit(g["template"], key) == "signed_count" and v > 0
            out.append(f"+{v}" if signed else str(v))
    return out


@pytest.mark.parametrize("columns", [80, 120])
def test_every_line_fits_and_piped_output_is_plain_text(columns):
    for path, out in summaries(columns).items():
        for line in out.splitlines():
            assert width(line) <= columns, f"{path.name}: {width(line)} cells: {line!r}"
        assert "\x1b" not in out  # no colour codes
        assert not re.search("[\u2500-\u257f\u2580-\u259f]", out)  # no box drawing
        assert "…" not in out  # nothing cut with an ellipsis


@pytest.mark.parametrize("path", [SEED_003, HTML_015], ids=["2019 form", "2021 form"])
@pytest.mark.parametrize("columns", [80, 120])
def test_every_official_row_label_whole_and_sub_rows_under_their_parent(path, columns):
    out = summaries(columns)[path]
    lines = out.splitlines()
    firsts, joined = label_column(out)
    template = "2019" if path == SEED_003 else "2021"
    groups: dict[str, list[str]] = {}  # a two-level label's parent → its sub-rows, in form order
    for table in schema.TABLES:
        for row in schema.rows(template, table):
            label = schema.row_label(template, table, row)
            assert all(part in joined for part in label.split(" ")), f"{label!r} not whole in\n{out}"
            parent, _, sub = label.partition(" ")
            if sub:
                groups.setdefault(parent, []).append(sub)
    assert groups  # 不予公开, 无法提供, 不予处理, 行政诉讼 (and 其他处理 in 2021)
    for parent, subs in groups.items():
        p = firsts.index(parent)
        assert lines[p].strip() == parent  # the parent on a line of its own, without values
        at = p
        for sub in subs:  # each sub-row after the one before it, its label's first line a start of it
            at = next(i for i in range(at + 1, len(lines)) if firsts[i] and sub.startswith(firsts[i]))
        indent = len(lines[p]) - len(lines[p].lstrip())
        assert all(len(line) - len(line.lstrip()) > indent for line in lines[p + 1: at + 1]), lines[p: at + 1]
        assert subs[0].startswith(firsts[p + 1])  # the first sub-row right under its parent
    # the applications' （一）…（七） under the form's heading 三、本年度办理结果
    heading = firsts.index("三、本年度办理结果")
    granted = firsts.index("（一）予以公开")
    assert granted == heading + 1
    assert lines[granted].index("（") > lines[heading].index("三")


@pytest.mark.parametrize("columns", [80, 120])
def test_real_values_beside_their_labels(columns):
    out = summaries(columns)[SEED_003]
    rows = {"disclosure": ["regulations", "normative_documents", "licensing", "enforcement", "fees", "procurement"],
            "applications": ["granted", "denied_process_info", "denied_inquiry", "unavailable_not_held",
                             "rejected_petition", "total_processed"],
            "appeals": ["review", "litigation_after_review"]}
    for table, names in rows.items():
        for row in names:
            label = schema.row_label("2019", table, row).rpartition(" ")[2]
            assert values_beside(out, label) == gold_values(SEED_003, table, row), label
    assert values_beside(out, "（一）予以公开") == ["21", "0", "0", "0", "0", "0", "21"]
    assert values_beside(out, "行政许可") == ["1282", "-584", "1849"]  # 本年增/减 signed
    assert values_beside(out, "行政强制") == ["5", "+21", "0"]
    assert values_beside(out, "政府集中采购") == ["6", "14584.9972"]
    # a 2021 page whose 法人 columns are empty cells: only 自然人 and 总计 hold numbers
    html = summaries(columns)[HTML_015]
    assert values_beside(html, "本年新收政府信息公开申请数量") == ["26", "26"]
    assert values_beside(html, "行政复议") == gold_values(HTML_015, "appeals", "review") == ["0", "0", "0", "1", "1"]
    # inferred values carry their mark
    assert values_beside(summaries(columns)[MD_014], "规章") == ["22", "22*", "235"]


@pytest.mark.parametrize("columns", [80, 120])
def test_units_legend_statuses_and_column_names(columns):
    out = summaries(columns)[SEED_003]
    assert "说明 legend" in out
    for mark in ("空白", "报告中此格为空 blank in the report", "·", "未读取 not read", "5*", "推算值 inferred",
                 "+N -N", "件 count", "万元 10,000 yuan"):
        assert mark in out, mark
    assert "单位：件" in out and "采购总金额（万元）" in out and "上一年项目数量（件）" in out
    assert out.count("已读取 read") == 3
    for table in schema.TABLES:
        assert table in out
    assert "不完整 incomplete" in summaries(columns)[MD_014]
    # the applicant columns named in full, in the headers (wide) or in the line above them (narrow)
    for col in schema.APPLICANT_COLS:
        full = schema.codes("2019")[schema.keys("2019").index(f"applications.granted.{col}")].col_label
        assert full.rpartition(" ")[2] in out
    if columns == 80:
        assert "公益=社会公益组织" in out
    else:
        header = next(line for line in out.splitlines() if line.startswith("单位：件") and "自然人" in line)
        assert header.split()[1:] == ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]


def test_failed_checks_with_their_chinese_rule_name_and_detail():
    out = summaries(80)[SEED_004]
    assert "警告 WARNING" in out and "区政务服务办" in out
    assert "检查 checks：38 项通过 passed，3 项未通过 not passed" in out
    assert "✗ 行合计不符：（一）予以公开 row_sum:granted" in re.sub(" +", " ", out)
    assert "5 + 0 + 0 + 0 + 0 + 0 ≠ 0" in out
    assert "办理结果合计" in out and "outcomes_sum:total" in out


def test_cut_and_missing_tables_say_so(tmp_path):
    text = SEED_004.read_text(encoding="utf-8")
    cut = tmp_path / "cut.txt"
    cut.write_text(text[: text.index("四、")], encoding="utf-8")
    env = {**os.environ, "COLUMNS": "80"}
    out = subprocess.run([str(XXGK), "extract", str(cut)], capture_output=True, text=True, env=env,
                         timeout=120).stdout
    assert "applications · 被截断 cut" in out and "appeals · 未找到 missing" in out
    assert "（表格被截断，未读取任何数值 no values read）" in out
    assert "表格被截断：三、收到和处理政府信息公开申请情况 cut:applications" in re.sub(" +", " ", out)
    assert all(width(line) <= 80 for line in out.splitlines())


def test_every_check_the_extractor_emits_has_a_chinese_name():
    """The names come from one place (xxgk.schema.checks): a new rule without a name fails here."""
    from xxgk.extract.model import CheckKind
    from xxgk.schema.checks import CHECK_KINDS, CHECK_RULES

    root = Path(__file__).resolve().parent.parent
    source = "\n".join(p.read_text(encoding="utf-8") for p in [*(root / "extract").rglob("*.py"),
                                                                  root / "xxgk" / "schema" / "__init__.py"])
    rules = set(re.findall(r'Check\(CheckKind\.[A-Z_]+,\s*"([a-z_]+)"', source))
    rules |= set(re.findall(r'Identity\("([a-z_]+)"', source))
    rules |= set(re.findall(r'\brule(?:: str)? ?= ?"([a-z_]+)"', source))  # a failure's rule, passed on
    assert {"row_sum", "balance", "short_row", "doubtful", "readable", "reports"} <= rules
    assert sorted(rules - CHECK_RULES.keys()) == []
    assert sorted({str(k) for k in CheckKind} - CHECK_KINDS.keys()) == []
