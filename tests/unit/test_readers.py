"""Readers: every supported format read from files built here, and every bad file refused clearly."""

from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path

import pytest

from assistant.documents import opaque_document_id
from assistant.errors import BadInput
from ingest.readers import ReadOptions, read_path
from ingest.readers.pdf import join_lines

POLICY = (
    "示例市人民政府办公室文件\n"
    "示府办发〔2025〕12号\n"
    "示例市人民政府办公室关于印发创业补贴管理办法的通知\n"
    "各区县人民政府，市政府各部门：\n"
    "第一条 为支持创业，制定本办法。\n"
    "第二条 本办法自2025年3月1日起施行，有效期至2027年12月31日。\n"
    "示例市人民政府办公室\n"
    "2025年2月10日\n"
)


def write(path: Path, content: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(content.encode(encoding))
    return path


# --- text ---------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_text_is_decoded_whatever_the_encoding(tmp_path: Path, encoding: str) -> None:
    path = write(tmp_path / "通知.txt", POLICY, encoding)
    [document] = read_path(path)
    assert "为支持创业，制定本办法。" in document.text
    assert not document.text.startswith("\ufeff")
    assert document.metadata.document_number == "示府办发〔2025〕12号"
    assert document.metadata.issuing_body == "示例市人民政府办公室"
    assert document.metadata.effective_date == date(2025, 3, 1)
    assert document.metadata.expiry_date == date(2027, 12, 31)
    assert document.metadata.region == "示例市"


@pytest.mark.parametrize("content", [b"", b"  \n\r\n\t "])
def test_empty_file_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "空白.txt"
    path.write_bytes(content)
    with pytest.raises(BadInput, match="空白.txt：文件为空"):
        read_path(path)


def test_binary_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "图片.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    with pytest.raises(BadInput, match="图片.txt：无法识别文件编码"):
        read_path(path)


def test_markdown_title_and_headings_become_the_heading_path(tmp_path: Path) -> None:
    path = write(
        tmp_path / "指南.md",
        "# 办事指南\n## 申请条件\n年满十八周岁。\n## 办理材料\n| 材料 | 份数 |\n|---|---|\n| 身份证 | 1 |\n",
    )
    [document] = read_path(path)
    paths = [(section.heading_path, section.is_table) for section in document.sections]
    assert paths == [(["申请条件"], False), (["办理材料"], True)]
    assert document.metadata.title == "办事指南"
    assert document.metadata.kind == "guide"


def test_unsupported_suffix_lists_accepted_ones(tmp_path: Path) -> None:
    path = write(tmp_path / "旧文件.doc", "x")
    with pytest.raises(BadInput, match=r"旧文件.doc：不支持的文件类型“.doc”.*\.pdf.*\.docx.*另存为 \.docx"):
        read_path(path)


# --- sidecar and overrides -----------------------------------------------------------------


def test_sidecar_overrides_extracted_and_options_override_sidecar(tmp_path: Path) -> None:
    path = write(tmp_path / "通知.txt", POLICY)
    sidecar = {"region": "示例省", "category": "就业创业", "publish_date": "2025-02-11", "kind": "guide"}
    write(tmp_path / "通知.txt.meta.json", json.dumps(sidecar, ensure_ascii=False))
    [document] = read_path(path, ReadOptions(metadata_overrides={"category": "创业补贴"}))
    assert document.metadata.region == "示例省"
    assert document.metadata.kind == "guide"
    assert document.metadata.publish_date == date(2025, 2, 11)
    assert document.metadata.category == "创业补贴"
    assert document.metadata.document_number == "示府办发〔2025〕12号"  # still extracted


def test_sidecar_is_not_a_document_and_bad_keys_are_named(tmp_path: Path) -> None:
    sidecar = write(tmp_path / "通知.txt.meta.json", '{"regoin": "示例市"}')
    with pytest.raises(BadInput, match="元数据文件"):
        read_path(sidecar)
    write(tmp_path / "通知.txt", POLICY)
    with pytest.raises(BadInput, match="不认识的元数据字段“regoin”.*region"):
        read_path(tmp_path / "通知.txt")


def test_bad_override_date_is_refused() -> None:
    with pytest.raises(BadInput, match="publish_date 不是有效日期"):
        ReadOptions.with_overrides({"publish_date": "明天"})


def test_doc_ids_reveal_no_path_and_follow_the_file(tmp_path: Path) -> None:
    folder = tmp_path / "政策"
    folder.mkdir()
    path = write(folder / "通知.txt", POLICY)
    [document] = read_path(path)
    assert (
        str(tmp_path) not in document.doc_id and "/" not in document.doc_id and "通知" not in document.doc_id
    )
    assert document.metadata.source == "通知.txt"  # a file name at most
    assert read_path(path)[0].doc_id == document.doc_id  # the same file, the same id
    assert (
        read_path(write(tmp_path / "通知.txt", POLICY))[0].doc_id != document.doc_id
    )  # another file, another id


def test_doc_id_is_relative_to_the_id_base(tmp_path: Path) -> None:
    for base in (tmp_path / "一", tmp_path / "二"):  # the same tree in two places
        (base / "政策").mkdir(parents=True)
        write(base / "政策" / "通知.txt", POLICY)
    ids = {
        read_path(base / "政策" / "通知.txt", ReadOptions(id_base=base, doc_id_prefix="kb/"))[0].doc_id
        for base in (tmp_path / "一", tmp_path / "二")
    }
    assert ids == {opaque_document_id("kb/政策/通知.txt")}


# --- Word ----------------------------------------------------------------------------------


def test_docx_headings_and_tables(tmp_path: Path) -> None:
    docx = pytest.importorskip("docx")
    document = docx.Document()
    document.add_heading("创业补贴办事指南", level=0)
    document.add_heading("申请条件", level=1)
    document.add_paragraph("在本市登记注册的小微企业。")
    document.add_heading("补贴标准", level=2)
    table = document.add_table(rows=2, cols=2)
    for row, cells in zip(table.rows, [("类别", "金额"), ("一次性创业补贴", "5000元")], strict=True):
        for cell, value in zip(row.cells, cells, strict=True):
            cell.text = value
    document.save(str(tmp_path / "指南.docx"))
    [read] = read_path(tmp_path / "指南.docx")
    assert read.metadata.title == "创业补贴办事指南"
    prose, grid = read.sections
    assert prose.heading_path == ["申请条件"] and "小微企业" in prose.text
    assert grid.is_table and grid.heading_path == ["申请条件", "补贴标准"]
    assert grid.text.splitlines()[0] == "| 类别 | 金额 |"
    assert "| 一次性创业补贴 | 5000元 |" in grid.text


def test_corrupt_docx_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "坏文件.docx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(BadInput, match="坏文件.docx：Word 文件已损坏"):
        read_path(path)


# --- HTML ----------------------------------------------------------------------------------

PAGE = """<html><head><meta charset="gbk"><title>关于创业补贴的通知_示例市人民政府</title>
<meta name="ArticleTitle" content="关于创业补贴的通知"><meta name="PubDate" content="2025-03-01 10:00">
<meta name="ContentSource" content="示例市人力资源和社会保障局"></head><body>
<div class="header"><ul><li>首页</li><li>政务公开</li><li>办事服务</li></ul></div>
<div class="breadcrumb">当前位置：首页 &gt; 政策文件</div>
<div class="main"><div class="sidebar"><p>热点专题：示例市优化营商环境专栏入口</p></div>
<div class="article"><h1>关于创业补贴的通知</h1>
<div class="TRS_Editor"><p>各有关单位：为支持<span>高校毕业生</span>创业，现将有关事项通知如下。</p>
<h2>一、补贴对象</h2><p>在本市首次创办小微企业的高校毕业生。</p>
<table><tr><th>类别</th><th>金额</th></tr><tr><td>一次性创业补贴</td><td>5000元</td></tr></table>
</div><div class="share">分享到：微信 微博</div>
<p><a href="/a.html">上一篇：关于就业见习的通知</a></p><p><a href="/b.html">下一篇：关于技能培训的通知</a></p>
</div></div><div class="footer">版权所有：示例市人民政府 网站标识码</div>
<script>var tracker = "统计代码";</script></body></html>"""


def test_html_keeps_the_article_and_drops_the_page_furniture(tmp_path: Path) -> None:
    path = tmp_path / "通知.html"
    path.write_bytes(PAGE.encode("gbk"))
    [document] = read_path(path)
    text = document.text
    assert "为支持高校毕业生创业，现将有关事项通知如下。" in text
    assert "在本市首次创办小微企业的高校毕业生。" in text
    for noise in ("首页", "当前位置", "热点专题", "分享到", "上一篇", "下一篇", "版权所有", "统计代码"):
        assert noise not in text, noise
    assert document.metadata.title == "关于创业补贴的通知"
    assert document.metadata.publish_date == date(2025, 3, 1)
    assert document.metadata.issuing_body == "示例市人力资源和社会保障局"
    table = [section for section in document.sections if section.is_table]
    assert (
        table and table[0].heading_path == ["一、补贴对象"] and "| 一次性创业补贴 | 5000元 |" in table[0].text
    )


def test_html_without_markup_hints_uses_the_densest_block(tmp_path: Path) -> None:
    body = (
        "<div><a>首页</a> <a>新闻</a></div><div><p>"
        + "本市将于下月起实施新的社会保障卡办理流程。" * 3
        + "</p></div>"
    )
    path = write(
        tmp_path / "页面.htm", f"<html><head><title>社保卡办理</title></head><body>{body}</body></html>"
    )
    [document] = read_path(path)
    assert "社会保障卡办理流程" in document.text and "首页" not in document.text
    assert document.metadata.title == "社保卡办理"


# --- PDF -----------------------------------------------------------------------------------


def make_pdf(path: Path, pages: list[list[str]]) -> Path:
    """A PDF with real Chinese text (reportlab's built-in STSong-Light CID font); [] is a blank page."""
    canvas_module = pytest.importorskip(
        "reportlab.pdfgen.canvas", reason="reportlab (dev extra) is not installed"
    )
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    canvas = canvas_module.Canvas(str(path))
    for lines in pages:
        canvas.setFont("STSong-Light", 12)
        for number, line in enumerate(lines):
            canvas.drawString(72, 760 - 18 * number, line)
        canvas.showPage()
    canvas.save()
    return path


def test_pdf_chinese_text_is_extracted_and_broken_lines_rejoined(tmp_path: Path) -> None:
    lines = [
        "示例市创业补贴管理办法",
        "第一条 为支持高校毕业生和就业困难人员自主创业，根据有关规定",
        "，结合本市实际，制定本办法。",
        "第二条 本办法自2025年1月1日起施行。",
    ]
    [document] = read_path(make_pdf(tmp_path / "办法.pdf", [lines, ["- 2 -"]]))
    text = document.text
    assert "根据有关规定，结合本市实际，制定本办法。" in text
    assert text.splitlines()[0] == "示例市创业补贴管理办法"
    assert "- 2 -" not in text
    assert document.metadata.effective_date == date(2025, 1, 1)


def test_join_lines_keeps_sentence_and_heading_breaks() -> None:
    lines = [
        "为进一步做好高校毕业生就业创业工作，现就有关事",
        "项通知如下。",
        "一、总体要求",
        "坚持就业优先。",
    ]
    assert (
        join_lines(lines)
        == "为进一步做好高校毕业生就业创业工作，现就有关事项通知如下。\n一、总体要求\n坚持就业优先。"
    )


def test_scanned_pdf_is_refused(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "扫描件.pdf", [[], []])
    with pytest.raises(BadInput, match=r"扫描件.pdf：PDF 没有可提取的文本（可能是扫描件），请先做 OCR"):
        read_path(path)


def test_encrypted_pdf_is_refused(tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    source = make_pdf(tmp_path / "原件.pdf", [["第一条 为支持创业，制定本办法。"]])
    writer = PdfWriter()
    writer.append(PdfReader(source))
    writer.encrypt("secret", algorithm="RC4-128")
    with open(tmp_path / "加密.pdf", "wb") as handle:
        writer.write(handle)
    with pytest.raises(BadInput, match="加密.pdf：PDF 已加密"):
        read_path(tmp_path / "加密.pdf")


def test_corrupt_pdf_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "损坏.pdf"
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(7, 250)) * 20)
    with pytest.raises(BadInput, match="损坏.pdf：PDF 文件已损坏"):
        read_path(path)


# --- FAQ tables ----------------------------------------------------------------------------

ANSWER = "携带身份证原件到任一社保经办网点办理，\n当场制卡。\n（咨询电话：12345）"


def test_csv_faq_in_gbk(tmp_path: Path) -> None:
    rows = [
        "常见问题汇总,,",
        "问题,答复,承办单位",
        f'社保卡丢了怎么补办？,"{ANSWER}",市人社局',
        ",,",
        "公积金怎么提取？,凭身份证到公积金中心办理。,市公积金中心",
    ]
    path = write(tmp_path / "问答.csv", "\r\n".join(rows) + "\r\n", "gbk")
    documents = read_path(path, ReadOptions(id_base=tmp_path))
    assert [document.faq.question for document in documents if document.faq] == [
        "社保卡丢了怎么补办？",
        "公积金怎么提取？",
    ]
    first = documents[0]
    assert first.faq is not None and first.faq.answer == ANSWER
    assert first.metadata.kind == "faq" and first.metadata.title == "社保卡丢了怎么补办？"
    assert first.metadata.department == "市人社局"
    assert (
        first.doc_id.startswith(opaque_document_id("问答.csv") + "#")
        and len(first.doc_id.split("#")[1]) == 12
    )


def test_faq_doc_id_is_stable_when_rows_move(tmp_path: Path) -> None:
    first = write(tmp_path / "a.csv", "问题,答案\n甲？,一\n乙？,二\n")
    ids = {d.faq.question: d.doc_id for d in read_path(first, ReadOptions(id_base=tmp_path)) if d.faq}
    write(first, "问题,答案\n乙？,二\n甲？,一\n")
    moved = {d.faq.question: d.doc_id for d in read_path(first, ReadOptions(id_base=tmp_path)) if d.faq}
    assert ids == moved and len(set(ids.values())) == 2


def test_xlsx_faq_every_sheet(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    workbook.active.append(["Question", "Answer", "分类"])
    workbook.active.append(["如何办理居住证？", ANSWER, "户籍"])
    other = workbook.create_sheet("第二页")
    other.append(["用户问题", "正文内容"])
    other.append([None, None])
    other.append(["失业金怎么领？", "在线申领。"])
    workbook.save(tmp_path / "问答.xlsx")
    documents = read_path(tmp_path / "问答.xlsx")
    assert [document.metadata.title for document in documents] == ["如何办理居住证？", "失业金怎么领？"]
    assert documents[0].faq is not None and documents[0].faq.answer == ANSWER
    assert documents[0].metadata.category == "户籍"


def test_table_without_faq_columns_names_what_it_found(tmp_path: Path) -> None:
    path = write(tmp_path / "名单.csv", "姓名,电话\n张三,123\n")
    with pytest.raises(BadInput, match=r"名单.csv：没有找到问题列和答案列。表头为：姓名、电话.*问题.*答案"):
        read_path(path)


def test_question_column_names_can_be_added(tmp_path: Path) -> None:
    path = write(tmp_path / "工单.csv", "诉求内容,答复意见\n路灯不亮,已修复。\n")
    options = ReadOptions.with_overrides({}, question_columns=["诉求内容"], answer_columns=["答复意见"])
    [document] = read_path(path, options)
    assert document.faq is not None and document.faq.answer == "已修复。"


# --- JSONL ---------------------------------------------------------------------------------


def test_jsonl_reads_records_and_skips_a_bad_line(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    lines = [
        json.dumps(
            {"id": "d1", "title": "地震自救", "text": "尽量保护头部。", "dept": "应急局"}, ensure_ascii=False
        ),
        "{not json",
        json.dumps({"id": "d2", "title": "", "text": "办事指南正文。", "kind": "guide"}, ensure_ascii=False),
    ]
    path = write(tmp_path / "docs.jsonl", "\n".join(lines))
    with caplog.at_level(logging.WARNING):
        documents = read_path(path, ReadOptions(doc_id_prefix="msga/"))
    assert [document.doc_id for document in documents] == ["msga/d1", "msga/d2"]
    assert documents[0].metadata.department == "应急局" and documents[0].metadata.kind == "policy"
    assert documents[1].metadata.kind == "guide"
    assert "line 2" in caplog.text


def test_jsonl_with_no_good_line_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "坏.jsonl", '{"title": "无编号"}\n[1, 2]\n')
    with pytest.raises(
        BadInput, match="坏.jsonl：没有可导入的记录（第 1 行：缺少 id 字段；第 2 行：不是 JSON 对象）"
    ):
        read_path(path)


def test_shared_dataset_lines_are_readable(tmp_path: Path) -> None:
    shared = Path("/work/shared/data/ncp_policy_qa/docs.jsonl")
    if not shared.is_file():
        pytest.skip("shared data set not present")
    sample = tmp_path / "sample.jsonl"
    with shared.open(encoding="utf-8") as handle:
        sample.write_text("".join(next(handle) for _ in range(5)), encoding="utf-8")
    documents = read_path(sample)
    assert len(documents) == 5 and all(document.text for document in documents)
