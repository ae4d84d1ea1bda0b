"""Each layout reader's quirks, on snippets taken from the real reports."""
from __future__ import annotations

from xxgk.extract.document import fold
from xxgk.extract.layouts import html, text
from xxgk.extract.sections import find_sections


def cells(rows):
    return [[c.text for c in r.cells] for r in rows]


def test_pipe_rows_with_cells_broken_over_lines():
    src = "| \n 行政许可  | \n 99  | \n +11  | \n 151  | \n| \n 其他对外管理服务事项  | \n 94  | \n +171  | |\n三、收到"
    rows = text.read_rows(src)
    assert cells(rows)[0] == ["行政许可", "99", "+11", "151"]
    assert cells(rows)[1][:4] == ["其他对外管理服务事项", "94", "+171", ""]
    assert rows[0].grid
    assert cells(rows)[2] == ["三、收到"]


def test_markdown_tables_and_marks():
    src = "## 三、收到和处理政府信息公开申请情况\n| 类别 | 数据1 |\n|---|---|\n| **（七）总计** | 710 |\n"
    assert cells(text.read_rows(src)) == [["三、收到和处理政府信息公开申请情况"], ["类别", "数据1"], ["（七）总计", "710"]]


def test_one_cell_per_line_rows_end_at_blank_lines_and_wrapped_cells_continue():
    src = "\t信息内容\n\t本年新\n制作数量\n\t对外公开总数量\n\n\t规章\n\t0\n\t\u00a00\n"
    rows = text.read_rows(fold(src))
    assert cells(rows) == [["信息内容", "本年新\n制作数量", "对外公开总数量"], ["规章", "0", "0"]]


def test_pdf_text_lines_split_numbers_from_labels_and_drop_page_footers():
    src = "4.无正当理由大量反复 申请 0 0 0 0 0 0 0\n- 4 -\n2023 年政府信息公开工作年度报告\n"
    assert cells(text.read_rows(src)) == [["4.无正当理由大量反复 申请", "0", "0", "0", "0", "0", "0", "0"],
                                          ["2023", "年政府信息公开工作年度报告"]]


def test_spans_point_into_the_source():
    src = "规章\t0\t0\t12\n"
    (row,) = text.read_rows(src)
    c = row.cells[3]
    assert src[c.start:c.end] == "12"


def test_html_cells_colspan_entities_and_chrome():
    src = ('<html><head><script>var a="1 2 3";</script></head><body><div>首页&nbsp;|&nbsp;公开</div>'
           '<table><tr><td colspan="2"><p><span>申请人</span><span>情况</span></p></td><td>总计</td></tr>'
           '<tr><td>予以公开</td><td><o:p>&nbsp;</o:p></td><td><font>26</font></td></tr></table>'
           '<p>六、其他需要报告的事项</p></body></html>')
    rows = html.read_rows(src)
    # the colspan's second column holds no text in any row: a phantom, dropped
    assert cells(rows) == [["首页 | 公开"], ["申请人情况", "总计"], ["予以公开", "26"],
                           ["六、其他需要报告的事项"]]
    c = rows[2].cells[1]
    assert src[c.start:c.end] == "26"


def spans(rows):
    return [[(c.text, c.start, c.end) for c in r.cells] for r in rows]


def test_an_empty_cell_of_markup_and_entities_sits_where_its_first_piece_of_text_starts():
    """Word's empty cell: a line break, indentation, then `&nbsp;` inside a span. The blank is
    placed at its first piece of text (the break), not at the entity."""
    src = "<table><tr><td>项目</td><td>\n <span>&nbsp;</span></td><td>5</td></tr></table>"
    assert spans(html.read_rows(src)) == [[("项目", 15, 17), ("", 26, 26), ("5", 56, 57)]]


def test_ragged_and_holed_grid_rows_are_padded_to_the_widest():
    """A row shorter than the table (its cells spanned from above, or simply fewer) is padded
    with empty cells; a row spanned into from above gets an empty cell at the spanning cell."""
    ragged = ("<table><tr><td rowspan=2>a</td><td>1</td><td>2</td><td>3</td></tr><tr><td>4</td></tr>"
              "<tr><td>b</td><td>5</td><td colspan=2>6</td></tr></table>")
    assert spans(html.read_rows(ragged)) == [
        [("a", 25, 26), ("1", 35, 36), ("2", 45, 46), ("3", 55, 56)],
        [("", 26, 26), ("4", 74, 75), ("", 75, 75), ("", 75, 75)],
        [("b", 93, 94), ("5", 103, 104), ("6", 123, 124), ("", 124, 124)]]
    holed = ("<table><tr><td>x</td><td rowspan=3>7</td><td>8</td></tr><tr><td>y</td></tr>"
             "<tr><td>z</td><td>9</td><td>10</td></tr></table>")
    assert spans(html.read_rows(holed)) == [
        [("x", 15, 16), ("7", 35, 36), ("8", 45, 46), ("", 46, 46)],
        [("y", 64, 65), ("", 36, 36), ("", 36, 36), ("", 36, 36)],
        [("z", 83, 84), ("", 36, 36), ("9", 93, 94), ("10", 103, 105)]]


def test_sections_by_heading_despite_renumbering_and_preamble_mentions():
    src = ("报告全文包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况等六部分。\n"
           "一、总体情况\n正文\n三、主动公开工作情况\n正文\n"
           "一、主动公开政府信息情况\n规章 0 0 0\n二、收到和处理政府信息公开申请情况\n"
           "行政复议行政诉讼\n三、政府信息公开行政复议、行政诉讼情况\n1 0 0 0 1\n五、其他需要报告的事项\n无\n")
    rows = text.read_rows(src)
    found = {n: rows[s.start].text for n, s in find_sections(rows).items()}
    assert found == {1: "一、总体情况", 2: "一、主动公开政府信息情况", 3: "二、收到和处理政府信息公开申请情况",
                     4: "三、政府信息公开行政复议、行政诉讼情况", 6: "五、其他需要报告的事项"}
