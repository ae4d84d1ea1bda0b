"""Number notations as real reports print them, and what is not a number."""
import pytest

from xxgk.extract.numbers import parse_values, scale_to_wan


@pytest.mark.parametrize("text,expected", [
    ("0", [0]), ("2,601", [2601]), ("756. 308", [756.308]), ("+11", [11]), ("-4", [-4]),
    ("减1237", [-1237]), ("增5", [5]), ("\u3000-4", [-4]), ("1.795（万元）", [1.795]),
    ("25829.67 (万元)", [25829.67]), ("14584.9972", [14584.9972]), (" 6 ", [6]),
    ("0 0", [0, 0]), ("3119件", [3119]), ("/", [None]), ("—", [None]), ("-", [None]), ("无", [None]),
])
def test_values(text, expected):
    assert [v.value for v in parse_values(text)] == expected


@pytest.mark.parametrize("text", ["1.属于国家秘密", "2023 年", "2021-2030", "第二十条第（一）项", "总计", "（其中修订"])
def test_labels_are_not_values(text):
    assert parse_values(text) is None


def test_empty_cell_has_no_values():
    assert parse_values("   ") == ()


def test_spans_cover_sign_and_digits():
    (v,) = parse_values("  减1237 ")
    assert (v.start, v.end) == (2, 7)


def test_units():
    assert parse_values("1.795（万元）")[0].unit == "万元"
    assert parse_values("17950 元")[0].unit == "元"
    assert scale_to_wan(17950, "元") == 1.795
    assert scale_to_wan(2, "亿元") == 20000
    assert scale_to_wan(3, None) == 3
