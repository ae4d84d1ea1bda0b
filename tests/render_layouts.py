"""Render a gold record (a `.gold.json` dict) as a complete report document in one of the
layouts reports reach us in, so the extractor can be tested on layouts the corpus lacks.

Every renderer builds the same document: a title `<agency><year>年政府信息公开工作年度报告`,
a short narrative section 一, sections 二 (the 第二十条 items), 三 (the applicant × outcome
matrix) and 四 (review and litigation) with their tables laid out as the official form prints
them, and sections 五 and 六 with a sentence each. A null gold value is an empty cell; numbers
are written as a report writes them (`16`, `-4`, `756.308`).

    data, filename = render(gold, "html_rowspan")

Layouts (`LAYOUTS`):

- html_rowspan:  UTF-8 page with site chrome and real <table> markup (rowspan/colspan);
- html_word:     the same tables pasted from Word: <p class=MsoNormal><span>…</span></p> in
                 every cell, labels split over two spans, &nbsp; in empty cells, GBK page;
- html_word_phantom: Word-pasted tables with Word's hidden grid columns: some rows carry one
                 more, empty `<td width=0>` than the form has columns (between the label and
                 the values, after the last value, between 行政复议 and 行政诉讼) where other
                 rows cover that position with a larger colspan (a header, a label, or a value
                 with colspan=2); row labels span rows (三、本年度办理结果, （三）不予公开…), and
                 each table ends with Word's `<![if !supportMisalignedColumns]>` row of empty
                 width cells, one per grid column;
- markdown:      pipe tables (an HTML→markdown conversion: spanned positions left empty);
- markdown_html: markdown whose tables are HTML, one line each with their spans (what
                 PDF→markdown tools such as MinerU and PP-Structure write);
- pdf_text:      a PDF text layer: one table row per line, values separated by single spaces,
                 the vertical group label printed one character per line, page footers;
- tabs:          tab-separated rows (a table copied out of a browser or a spreadsheet);
- cell_per_line: every cell on its own tab-prefixed line, rows separated by a blank line.
"""
from __future__ import annotations

import html
from dataclasses import dataclass

from xxgk import schema

LAYOUTS = ("html_rowspan", "html_word", "html_word_phantom", "markdown", "markdown_html", "pdf_text", "tabs",
           "cell_per_line")

APPLICANT_HEADERS = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计")
APPEAL_HEADERS = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
BALANCE_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
SECTION_TITLES = {
    1: "一、总体情况",
    2: "二、主动公开政府信息情况",
    3: "三、收到和处理政府信息公开申请情况",
    4: "四、政府信息公开行政复议、行政诉讼情况",
    5: "五、存在的主要问题及改进情况",
    6: "六、其他需要报告的事项",
}


# --------------------------------------------------------------------------------------------
# values


def fmt(value) -> str:
    """A value as a report prints it; None is an empty cell."""
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def title(gold: dict) -> str:
    return f"{gold['agency']}{gold['report_year']}年政府信息公开工作年度报告"


def _v(gold: dict, key: str) -> str:
    return fmt(gold["cells"][key])


# --------------------------------------------------------------------------------------------
# the tables as the official form lays them out: rows of cells with row/column spans


@dataclass
class C:
    text: str
    colspan: int = 1
    rowspan: int = 1
    value: bool = False   # a value cell (not a label or header)
    phantom: bool = False  # an empty cell of a Word hidden grid column (html_word_phantom)


Table = list[list[C]]


def _val(gold: dict, key: str, colspan: int = 1) -> C:
    return C(_v(gold, key), colspan=colspan, value=True)


def _disclosure_items(template: str) -> list[tuple[str, list[str], list[tuple[str, int]]]]:
    """(item heading, its rows, its column headers with their spans) in the form's order."""
    if template == "2021":
        return [
            ("第二十条第（一）项", ["regulations", "normative_documents"],
             [("本年制发件数", 1), ("本年废止件数", 1), ("现行有效件数", 1)]),
            ("第二十条第（五）项", ["licensing"], [("本年处理决定数量", 3)]),
            ("第二十条第（六）项", ["penalty", "enforcement"], [("本年处理决定数量", 3)]),
            ("第二十条第（八）项", ["fees"], [("本年收费金额（单位：万元）", 3)]),
        ]
    return [
        ("第二十条第（一）项", ["regulations", "normative_documents"],
         [("本年新制作数量", 1), ("本年新公开数量", 1), ("对外公开总数量", 1)]),
        ("第二十条第（五）项", ["licensing", "other_services"],
         [("上一年项目数量", 1), ("本年增/减", 1), ("处理决定数量", 1)]),
        ("第二十条第（六）项", ["penalty", "enforcement"],
         [("上一年项目数量", 1), ("本年增/减", 1), ("处理决定数量", 1)]),
        ("第二十条第（八）项", ["fees"], [("上一年项目数量", 1), ("本年增/减", 2)]),
        ("第二十条第（九）项", ["procurement"], [("采购项目数量", 1), ("采购总金额（单位：万元）", 2)]),
    ]


def disclosure_table(gold: dict) -> Table:
    """Section 二 as one 4-column table, each 第二十条 item with its own header row."""
    t = gold["template"]
    out: Table = []
    for heading, rows, headers in _disclosure_items(t):
        out.append([C(heading, colspan=4)])
        out.append([C("信息内容")] + [C(h, colspan=span) for h, span in headers])
        for row in rows:
            cols = schema.cols(t, "disclosure", row)
            cells = [C(schema.row_label(t, "disclosure", row))]
            for (_, span), col in zip(headers, cols, strict=True):
                cells.append(_val(gold, f"disclosure.{row}.{col}", span))
            out.append(cells)
    return out


def _split_label(template: str, row: str) -> tuple[str, str]:
    """(group label, sub-row label): ("（三）不予公开", "1.属于国家秘密"); group "" for none."""
    label = schema.row_label(template, "applications", row)
    number = next(c.number for c in schema.codes(template)
                  if c.table == "applications" and c.row == row)
    if number in ("一", "二", "四"):
        return "", f"{number}、{label}"
    if " " in label:
        group, sub = label.split(" ", 1)
        return group, sub
    return "", label


def applications_groups(template: str) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """The table's rows in order, grouped: (kind, group label, [(row, sub label)]).

    kind is "top" (一、二、四: label over all three label columns), "outcome_single"
    (（一）（二）（七）, 2019 （六）: label over two columns) or "outcome_group" (（三）…: a
    rowspan group label with its sub-rows).
    """
    out: list[tuple[str, str, list[tuple[str, str]]]] = []
    for row in schema.rows(template, "applications"):
        group, sub = _split_label(template, row)
        number = next(c.number for c in schema.codes(template)
                      if c.table == "applications" and c.row == row)
        if number in ("一", "二", "四"):
            out.append(("top", "", [(row, sub)]))
        elif not group:
            out.append(("outcome_single", "", [(row, sub)]))
        elif out and out[-1][0] == "outcome_group" and out[-1][1] == group:
            out[-1][2].append((row, sub))
        else:
            out.append(("outcome_group", group, [(row, sub)]))
    return out


def applications_table(gold: dict) -> Table:
    """Section 三: 10 columns (three label columns, seven applicant columns)."""
    t = gold["template"]
    out: Table = [
        [C(BALANCE_NOTE, colspan=3, rowspan=3), C("申请人情况", colspan=7)],
        [C("自然人", rowspan=2), C("法人或其他组织", colspan=5), C("总计", rowspan=2)],
        [C(h) for h in APPLICANT_HEADERS[1:6]],
    ]
    groups = applications_groups(t)
    n_outcomes = sum(len(rows) for kind, _, rows in groups if kind != "top")
    first_outcome = True
    for kind, group, rows in groups:
        for i, (row, sub) in enumerate(rows):
            cells: list[C] = []
            if kind != "top" and first_outcome:
                cells.append(C("三、本年度办理结果", rowspan=n_outcomes))
                first_outcome = False
            if kind == "top":
                cells.append(C(sub, colspan=3))
            elif kind == "outcome_single":
                cells.append(C(sub, colspan=2))
            else:
                if i == 0:
                    cells.append(C(group, rowspan=len(rows)))
                cells.append(C(sub))
            cells += [_val(gold, f"applications.{row}.{col}") for col in schema.APPLICANT_COLS]
            out.append(cells)
    return out


def appeals_table(gold: dict) -> Table:
    """Section 四: 15 columns under a three-level header, one value row."""
    return [
        [C("行政复议", colspan=5), C("行政诉讼", colspan=10)],
        [C(h, rowspan=2) for h in APPEAL_HEADERS]
        + [C("未经复议直接起诉", colspan=5), C("复议后起诉", colspan=5)],
        [C(h) for h in APPEAL_HEADERS * 2],
        [_val(gold, f"appeals.{r}.{c}") for r in schema.APPEAL_ROWS for c in schema.APPEAL_COLS],
    ]


def grid(table: Table, pad_colspan: bool = True) -> list[list[str]]:
    """The table as text rows, as a copy out of a browser gives it: a rowspan leaves an empty
    cell in the rows it covers; a colspan leaves empty cells after it (unless not padded)."""
    width = max(sum(c.colspan for c in row) for row in table)
    covered: dict[tuple[int, int], int] = {}  # (row, col) -> colspan of the covering cell
    out: list[list[str]] = []
    for r, row in enumerate(table):
        texts: list[str] = []
        col = 0
        cells = iter(row)
        while col < width:
            if (r, col) in covered:
                span = covered[(r, col)]
                texts.extend([""] * (span if pad_colspan else 1))
                col += span
                continue
            cell = next(cells, None)
            if cell is None:
                break
            texts.append(cell.text)
            if pad_colspan:
                texts.extend([""] * (cell.colspan - 1))
            for dr in range(1, cell.rowspan):
                covered[(r + dr, col)] = cell.colspan
            col += cell.colspan
        out.append(texts)
    return out


# --------------------------------------------------------------------------------------------
# prose


def narrative(gold: dict) -> list[tuple[str, str]]:
    """The document's prose: (kind, text) with kind "heading" or "para", section by section.
    `None` marks where a section's table goes."""
    year, agency = gold["report_year"], gold["agency"]
    return [
        ("para", f"本报告由{agency}根据《中华人民共和国政府信息公开条例》（以下简称《条例》）要求编制。"
                 f"报告中所列数据统计期限自{year}年1月1日起至{year}年12月31日止。"
                 f"如对本报告有疑问，请与{agency}办公室联系。"),
        ("heading", SECTION_TITLES[1]),
        ("para", f"{year}年，{agency}坚持以习近平新时代中国特色社会主义思想为指导，认真贯彻落实《条例》"
                 "和上级关于政务公开工作的部署要求，持续深化政务公开，不断提升政府信息公开工作质效。"),
        ("para", "（一）主动公开情况。依托政府门户网站、政务新媒体等平台，及时公开政策文件、"
                 "财政预决算、重点领域信息，主动回应社会关切。"),
        ("para", "（二）依申请公开情况。规范依申请公开受理、审查、答复流程，严格按照法定期限答复，"
                 "切实保障申请人合法权益。"),
        ("para", "（三）政府信息管理情况。严格落实信息发布审核制度，坚持“先审后发”，确保公开内容准确规范。"),
        ("heading", SECTION_TITLES[2]),
        ("table", "disclosure"),
        ("heading", SECTION_TITLES[3]),
        ("table", "applications"),
        ("heading", SECTION_TITLES[4]),
        ("table", "appeals"),
        ("heading", SECTION_TITLES[5]),
        ("para", "政府信息公开工作仍存在政策解读形式不够丰富、依申请公开答复规范化水平有待提高等问题，"
                 f"{year + 1}年将进一步加强业务培训，完善工作机制，推动政务公开工作提质增效。"),
        ("heading", SECTION_TITLES[6]),
        ("para", "本年度未收取政府信息公开信息处理费，无其他需要报告的事项。"),
    ]


TABLES = {"disclosure": disclosure_table, "applications": applications_table, "appeals": appeals_table}


def _published(gold: dict) -> str:
    return f"{gold['report_year'] + 1}-01-20"


# --------------------------------------------------------------------------------------------
# HTML (government site page, plain markup)


def _html_table(table: Table, cell_html, table_open: str) -> str:
    lines = [table_open, "<tbody>"]
    for row in table:
        lines.append("<tr>")
        for c in row:
            attrs = ""
            if c.colspan > 1:
                attrs += f' colspan="{c.colspan}"'
            if c.rowspan > 1:
                attrs += f' rowspan="{c.rowspan}"'
            lines.append(cell_html(c, attrs))
        lines.append("</tr>")
    lines += ["</tbody>", "</table>"]
    return "\n".join(lines)


def _site_page(gold: dict, body: str, charset: str) -> str:
    t = html.escape(title(gold))
    agency = html.escape(gold["agency"])
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="{charset}">
<meta name="ArticleTitle" content="{t}">
<title>{t}_政府信息公开年报_{agency}</title>
<link rel="stylesheet" href="/css/main.css">
<script type="text/javascript">var _hmt = _hmt || []; var columnId = "1024";</script>
</head>
<body>
<div class="header"><div class="logo"><a href="/">{agency}</a></div></div>
<div class="nav">
<ul><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li><li><a href="/hdjl/">互动交流</a></li><li><a href="/zwfw/">政务服务</a></li></ul>
</div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <a href="/zwgk/nb/">政府信息公开年报</a></div>
<div class="article">
<h1 class="article-title">{t}</h1>
<div class="article-info"><span>发布时间：{_published(gold)}</span> <span>信息来源：{agency}</span> <span>浏览次数：<em id="hits"></em></span></div>
<div class="article-content" id="zoom">
{body}
</div>
<div class="article-tools"><a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>
</div>
<div class="footer">
<p>主办单位：{agency}　承办单位：{agency}办公室</p>
<p>网站标识码：3213220001　备案号：苏ICP备05006532号</p>
<script type="text/javascript">document.getElementById("hits").innerText = "1024";</script>
</div>
</body>
</html>
"""


def render_html_rowspan(gold: dict) -> tuple[bytes, str]:
    def cell(c: C, attrs: str) -> str:
        return f"<td{attrs}>{html.escape(c.text)}</td>"

    table_open = ('<table border="1" cellspacing="0" cellpadding="0" width="100%" '
                  'style="border-collapse:collapse;text-align:center">')
    parts = []
    for kind, text in narrative(gold):
        if kind == "heading":
            parts.append(f'<p style="text-indent:2em"><strong>{html.escape(text)}</strong></p>')
        elif kind == "para":
            parts.append(f'<p style="text-indent:2em">{html.escape(text)}</p>')
        else:
            parts.append(_html_table(TABLES[text](gold), cell, table_open))
    page = _site_page(gold, "\n".join(parts), "utf-8")
    return page.encode("utf-8"), "report.html"


# --------------------------------------------------------------------------------------------
# HTML pasted from Word


_WORD_TD_STYLE = ("style='border:solid windowtext 1.0pt;mso-border-alt:solid windowtext .5pt;\n"
                  "  padding:0cm 5.4pt 0cm 5.4pt'")
_SPAN = "<span style='font-family:仿宋'>"


def _word_spans(text: str) -> str:
    """A label split over two spans, as Word saves text edited in two goes."""
    if len(text) < 2:
        return f"{_SPAN}{html.escape(text)}</span>"
    cut = max(1, len(text) // 2)
    a, b = text[:cut], text[cut:]
    return (f"{_SPAN}{html.escape(a)}</span><span\n  style='font-family:仿宋;mso-hansi-font-family:"
            f"\"Times New Roman\"'>{html.escape(b)}</span>")


def _word_cell(c: C, attrs: str) -> str:
    attrs = attrs.replace('"', "")  # Word writes colspan=3, unquoted
    if not c.text:
        inner = f"{_SPAN}&nbsp;</span>"
    elif c.value:
        inner = f"{_SPAN}{html.escape(c.text)}</span>"
    else:
        inner = _word_spans(c.text)
    return (f"  <td{attrs} valign=center {_WORD_TD_STYLE}>\n"
            f"  <p class=MsoNormal align=center style='text-align:center;line-height:20.0pt'>{inner}"
            f"<span lang=EN-US><o:p></o:p></span></p>\n  </td>")


def render_html_word(gold: dict) -> tuple[bytes, str]:
    table_open = ("<table class=MsoNormalTable border=1 cellspacing=0 cellpadding=0 width=604\n"
                  " style='width:453.0pt;border-collapse:collapse;border:none;mso-border-alt:solid windowtext .5pt;\n"
                  " mso-yfti-tbllook:1184;mso-padding-alt:0cm 5.4pt 0cm 5.4pt'>")
    parts = [f"<p class=MsoNormal align=center style='text-align:center;line-height:28.0pt'><b><span\n"
             f"style='font-size:22.0pt;font-family:方正小标宋简体'>{html.escape(title(gold))}</span></b></p>"]
    for kind, text in narrative(gold):
        if kind == "heading":
            parts.append(f"<p class=MsoNormal style='text-indent:32.0pt;line-height:28.0pt'><span\n"
                         f"style='font-size:16.0pt;font-family:黑体'>{html.escape(text)}</span></p>")
        elif kind == "para":
            parts.append(f"<p class=MsoNormal style='text-indent:32.0pt;line-height:28.0pt'><span\n"
                         f"style='font-size:16.0pt;font-family:仿宋_GB2312'>{html.escape(text)}</span></p>")
        else:
            parts.append(_html_table(TABLES[text](gold), _word_cell, table_open))
            parts.append("<p class=MsoNormal><span lang=EN-US>&nbsp;</span></p>")
    body = '<div class=WordSection1 style="layout-grid:15.6pt">\n' + "\n".join(parts) + "\n</div>"
    page = _site_page(gold, body, "gbk")
    return page.encode("gb18030"), "report.html"


# --------------------------------------------------------------------------------------------
# HTML pasted from Word, with Word's hidden grid columns


def _phantom() -> C:
    return C("", phantom=True)


def _widen(c: C, by: int = 1) -> C:
    return C(c.text, colspan=c.colspan + by, rowspan=c.rowspan, value=c.value)


def _phantom_disclosure(table: Table) -> Table:
    """A hidden column between the label and the values (grid column 1): the item headings
    span it, "信息内容" spans it in every other item, the other rows carry an empty cell."""
    out: Table = []
    item = -1
    for i, row in enumerate(table):
        if len(row) == 1:                      # 第二十条第（…）项: over the whole width
            item += 1
            out.append([_widen(row[0])])
        elif (row[0].text == "信息内容" and item % 2 == 0) or (not row[0].value and i % 3 == 0):
            out.append([_widen(row[0])] + row[1:])   # "信息内容" or a label spanning the hidden column
        else:
            out.append([row[0], _phantom()] + row[1:])
    return out


def _phantom_applications(table: Table) -> Table:
    """Two hidden columns: between the label columns and 自然人, and after 总计. The header
    spans both; a data row either spans them (its last label, its 总计 value with colspan=2)
    or carries an empty cell, alternating."""
    head = [
        [_widen(table[0][0]), _widen(table[0][1])],          # the note over 3+1 columns, 申请人情况 over 7+1
        table[1][:-1] + [_widen(table[1][-1])],               # 总计 (rowspan 2) over 1+1
        table[2],
    ]
    out: Table = head
    for i, row in enumerate(table[3:]):
        labels, values = row[:-7], row[-7:]
        labels = labels[:-1] + [_widen(labels[-1])] if i % 2 == 0 else labels + [_phantom()]
        values = values[:-1] + [_widen(values[-1])] if i % 3 == 1 else values + [_phantom()]
        out.append(labels + values)
    return out


def _phantom_appeals(table: Table) -> Table:
    """Two hidden columns: between 行政复议 and 行政诉讼, and after the last column."""
    top, mid, low, values = table
    return [
        [_widen(top[0]), _widen(top[1])],
        mid[:4] + [_widen(mid[4])] + mid[5:6] + [_widen(mid[6])],
        low + [_phantom()],
        values[:5] + [_phantom()] + values[5:] + [_phantom()],
    ]


PHANTOM_TABLES = {"disclosure": _phantom_disclosure, "applications": _phantom_applications,
                  "appeals": _phantom_appeals}


def _phantom_cell(c: C, attrs: str) -> str:
    if c.phantom:
        return ("  <td width=0 style='border:none;padding:0cm 0cm 0cm 0cm'>"
                "<p class=MsoNormal>&nbsp;</p></td>")
    return _word_cell(c, attrs)


def _width_row(table: Table) -> str:
    """Word's closing row: one empty cell per grid column, hidden grid columns included."""
    width = sum(c.colspan for c in table[0])
    cells = "<td width=41 style='border:none'></td>" * width
    return f"<![if !supportMisalignedColumns]>\n<tr height=0>\n  {cells}\n</tr>\n<![endif]>"


def render_html_word_phantom(gold: dict) -> tuple[bytes, str]:
    table_open = ("<table class=MsoNormalTable border=1 cellspacing=0 cellpadding=0 width=604\n"
                  " style='width:453.0pt;border-collapse:collapse;border:none;mso-border-alt:solid windowtext .5pt;\n"
                  " mso-yfti-tbllook:1184;mso-padding-alt:0cm 5.4pt 0cm 5.4pt'>")
    parts = [f"<p class=MsoNormal align=center style='text-align:center;line-height:28.0pt'><b><span\n"
             f"style='font-size:22.0pt;font-family:方正小标宋简体'>{html.escape(title(gold))}</span></b></p>"]
    for kind, text in narrative(gold):
        if kind == "table":
            table = PHANTOM_TABLES[text](TABLES[text](gold))
            markup = _html_table(table, _phantom_cell, table_open)
            markup = markup.replace("</tbody>\n</table>", _width_row(table) + "\n</tbody>\n</table>")
            parts.append(markup)
            parts.append("<p class=MsoNormal><span lang=EN-US>&nbsp;</span></p>")
        else:
            font = "黑体" if kind == "heading" else "仿宋_GB2312"
            parts.append(f"<p class=MsoNormal style='text-indent:32.0pt;line-height:28.0pt'><span\n"
                         f"style='font-size:16.0pt;font-family:{font}'>{html.escape(text)}</span></p>")
    body = '<div class=WordSection1 style="layout-grid:15.6pt">\n' + "\n".join(parts) + "\n</div>"
    return _site_page(gold, body, "utf-8").encode("utf-8"), "report.html"


# --------------------------------------------------------------------------------------------
# markdown


def _md_row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _markdown(gold: dict, table_lines) -> tuple[bytes, str]:
    """The report in markdown, each table as `table_lines(table)` gives it."""
    lines = [f"# {title(gold)}", ""]
    for kind, text in narrative(gold):
        if kind == "heading":
            lines += [f"## {text}", ""]
        elif kind == "para":
            lines += [text, ""]
        else:
            lines += [*table_lines(TABLES[text](gold)), ""]
    return "\n".join(lines).encode("utf-8"), "report.md"


def render_markdown(gold: dict) -> tuple[bytes, str]:
    def pipes(table: Table) -> list[str]:
        rows = grid(table)
        return [_md_row(rows[0]), _md_row(["---"] * len(rows[0])), *map(_md_row, rows[1:])]

    return _markdown(gold, pipes)


def render_markdown_html(gold: dict) -> tuple[bytes, str]:
    def cell(c: C, attrs: str) -> str:
        return f"<td{attrs}>{html.escape(c.text)}</td>"

    return _markdown(gold, lambda table: [_html_table(table, cell, "<table>").replace("\n", "")])


# --------------------------------------------------------------------------------------------
# PDF text layer


def _wrap(text: str, width: int = 30) -> list[str]:
    """Hard line wraps every `width` characters, as a PDF text layer gives them (a number is
    kept whole, as the typesetter keeps it)."""
    out, line = [], ""
    for ch in text:
        if len(line) >= width and not (ch.isdigit() and line[-1:].isdigit()):
            out.append(line)
            line = ""
        line += ch
    return out + [line] if line else out


def _line(label: str, values: list[str]) -> str:
    return " ".join([label] + [v for v in values if v]) if label else " ".join(v for v in values if v)


def _pdf_disclosure(gold: dict) -> list[str]:
    t = gold["template"]
    out = []
    for heading, rows, headers in _disclosure_items(t):
        out.append(heading)
        out.append(" ".join(["信息内容"] + [h for h, _ in headers]))
        for row in rows:
            vals = [_v(gold, f"disclosure.{row}.{c}") for c in schema.cols(t, "disclosure", row)]
            out.append(_line(schema.row_label(t, "disclosure", row), vals))
    return out


def _pdf_applications(gold: dict) -> list[str]:
    t = gold["template"]
    out = [BALANCE_NOTE, "申请人情况", "自然人", "法人或其他组织", "总计",
           "商业", "企业", "科研", "机构", "社会", "公益", "组织", "法律", "服务", "机构", "其他"]
    first_outcome = True
    for kind, group, rows in applications_groups(t):
        if kind != "top" and first_outcome:
            out += list("三、本年度办理结果")  # the vertical rowspan label, one char per line
            first_outcome = False
        if kind == "outcome_group":
            out.append(group)
        for row, sub in rows:
            vals = [_v(gold, f"applications.{row}.{c}") for c in schema.APPLICANT_COLS]
            out.append(_line(sub, vals))
            if row == "denied_inquiry":
                out.append("- 3 -")  # the page ends inside the table
    return out


def _pdf_appeals(gold: dict) -> list[str]:
    vals = [_v(gold, f"appeals.{r}.{c}") for r in schema.APPEAL_ROWS for c in schema.APPEAL_COLS]
    return ["行政复议 行政诉讼",
            " ".join(APPEAL_HEADERS) + " 未经复议直接起诉 复议后起诉",
            " ".join(APPEAL_HEADERS * 2),
            _line("", vals)]


def render_pdf_text(gold: dict) -> tuple[bytes, str]:
    pdf_tables = {"disclosure": _pdf_disclosure, "applications": _pdf_applications,
                  "appeals": _pdf_appeals}
    lines = ["- 1 -"] + _wrap(title(gold), 16)
    for kind, text in narrative(gold):
        if kind == "heading":
            lines.append(text)
        elif kind == "para":
            lines += _wrap(text)
            if text.startswith("（三）"):
                lines.append("- 2 -")
        else:
            lines += pdf_tables[text](gold)
    lines.append("- 4 -")
    return ("\n".join(lines) + "\n").encode("utf-8"), "report.txt"


# --------------------------------------------------------------------------------------------
# tab-separated rows and one cell per line


def render_tabs(gold: dict) -> tuple[bytes, str]:
    lines = [title(gold), ""]
    for kind, text in narrative(gold):
        if kind == "table":
            lines += ["\t".join(r) for r in grid(TABLES[text](gold))]
        else:
            lines.append(text)
        lines.append("")
    return "\n".join(lines).encode("utf-8"), "report.txt"


def render_cell_per_line(gold: dict) -> tuple[bytes, str]:
    lines = [title(gold), ""]
    for kind, text in narrative(gold):
        if kind == "table":
            for r in grid(TABLES[text](gold), pad_colspan=False):
                lines += ["\t" + c for c in r]
                lines.append("")
        else:
            lines += [text, ""]
    return "\n".join(lines).encode("utf-8"), "report.txt"


RENDERERS = {
    "html_rowspan": render_html_rowspan,
    "html_word": render_html_word,
    "html_word_phantom": render_html_word_phantom,
    "markdown": render_markdown,
    "markdown_html": render_markdown_html,
    "pdf_text": render_pdf_text,
    "tabs": render_tabs,
    "cell_per_line": render_cell_per_line,
}


def render(gold: dict, layout: str) -> tuple[bytes, str]:
    return RENDERERS[layout](gold)


if __name__ == "__main__":  # write every layout of one gold file, to look at
    import json
    import sys
    from pathlib import Path

    src, dest = Path(sys.argv[1]), Path(sys.argv[2])
    dest.mkdir(parents=True, exist_ok=True)
    g = json.loads(src.read_text(encoding="utf-8"))
    for layout in LAYOUTS:
        data, name = render(g, layout)
        (dest / f"{layout}__{name}").write_bytes(data)
