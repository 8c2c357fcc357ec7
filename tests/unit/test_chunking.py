"""Chunking: structure kept, limits respected, nothing lost, FAQ answers whole."""

from __future__ import annotations

import re

import pytest

from assistant.documents import Document, DocumentMetadata, FaqEntry, Section
from ingest.chunking import chunk_document, heading_marker

REGULATION = """示例市创业补贴管理办法
第一章 总则
第一条 为了规范创业补贴的发放，支持高校毕业生和就业困难人员自主创业，根据有关规定，结合本市实际，制定本办法。
第二条 本办法适用于本市行政区域内创业补贴的申请、审核和发放。
第二章 申请条件
第三条 申请人应当符合下列条件：
（一）在本市登记注册的小微企业；
（二）正常经营满一年。
第四条 本办法自2025年1月1日起施行。"""


def policy(text: str, *sections: Section) -> Document:
    return Document(
        "doc-1", DocumentMetadata(title="测试文件"), [Section(text), *sections] if text else list(sections)
    )


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("第十二条 申请人应当", (3, "第十二条")),
        ("第三章 附则", (1, "第三章")),
        ("一、总体要求", (4, "一、")),
        ("（二）加强领导", (5, "（二）")),
        ("3. 身份证", (6, "3.")),
        ("(1)户口本", (7, "(1)")),
        ("1.5万元补贴", None),
        ("根据第三条规定", None),
    ],
)
def test_heading_markers(line: str, expected: tuple[int, str] | None) -> None:
    assert heading_marker(line) == expected


def test_articles_get_chapter_and_article_heading_paths() -> None:
    chunks = chunk_document(policy(REGULATION), max_chars=60)
    by_start = {chunk.text.split()[0]: chunk for chunk in chunks}
    assert by_start["第二条"].heading_path == ["第一章 总则", "第二条"]
    assert by_start["第三条"].heading_path == ["第二章 申请条件", "第三条"]
    items = next(chunk for chunk in chunks if "（一）在本市登记注册的小微企业；" in chunk.text)
    assert items.heading_path[0] == "第二章 申请条件"
    assert [chunk.chunk_no for chunk in chunks] == list(range(len(chunks)))


def test_no_text_is_lost_and_no_chunk_exceeds_the_limit() -> None:
    long_text = (
        REGULATION
        + "\n一、申请材料\n1. 身份证\n2. 营业执照\n"
        + "申请人应按要求提交材料，逐级审核，" * 40
        + "。"
    )
    for max_chars in (50, 80, 200, 500):
        chunks = chunk_document(policy(long_text), max_chars=max_chars)
        assert all(len(chunk.text) <= max_chars for chunk in chunks)
        body = squeeze("".join(chunk.text for chunk in chunks))
        headings = {heading for chunk in chunks for heading in chunk.heading_path}
        for line in long_text.splitlines():  # a heading line may live in heading_path instead of the text
            assert squeeze(line)[:30] in body or line in headings, line


def test_list_items_that_look_like_headings_stay_in_the_text() -> None:
    chunks = chunk_document(policy("一、申请材料\n1. 身份证\n2. 营业执照"), max_chars=200)
    assert len(chunks) == 1
    assert "1. 身份证" in chunks[0].text and "2. 营业执照" in chunks[0].text
    assert chunks[0].heading_path == ["一、申请材料"]


def test_sentences_are_not_split_when_avoidable() -> None:
    sentences = [f"第{number}句话讲的是创业补贴申请的有关要求和具体办理流程。" for number in range(1, 30)]
    chunks = chunk_document(policy("".join(sentences)), max_chars=100)
    assert len(chunks) > 1
    for chunk in chunks:
        assert chunk.text.endswith("。") and len(chunk.text) <= 100


def test_overlong_sentence_is_split_at_commas() -> None:
    sentence = "，".join(f"第{number}项材料" for number in range(1, 60)) + "。"
    chunks = chunk_document(policy(sentence), max_chars=80)
    assert len(chunks) > 1 and all(len(chunk.text) <= 80 for chunk in chunks)
    assert all(chunk.text.endswith(("，", "。")) for chunk in chunks)
    assert "".join(chunk.text for chunk in chunks) == sentence


def test_overlap_repeats_trailing_sentences() -> None:
    text = "".join(f"这是第{number}个完整的句子。" for number in range(1, 40))
    chunks = chunk_document(policy(text), max_chars=60, overlap_chars=20)
    assert all(len(chunk.text) <= 60 for chunk in chunks)
    for previous, current in zip(chunks, chunks[1:], strict=False):
        last_sentence = re.findall(r"[^。]+。", previous.text)[-1]
        assert current.text.startswith(last_sentence)


def test_tiny_pieces_under_one_heading_are_merged() -> None:
    document = policy("", Section("第一段。", ["申请条件"]), Section("第二段。", ["申请条件"]))
    [chunk] = chunk_document(document, max_chars=200)
    assert chunk.text == "第一段。\n第二段。" and chunk.heading_path == ["申请条件"]


def test_small_table_is_kept_whole() -> None:
    table = "| 类别 | 金额 |\n| --- | --- |\n" + "\n".join(f"| 补贴{n} | {n}000元 |" for n in range(1, 8))
    assert 80 < len(table) <= 160
    document = policy("前言。", Section(table, ["补贴标准"], is_table=True), Section("结尾。", ["补贴标准"]))
    chunks = chunk_document(document, max_chars=80)  # the table is over 80 but under 160 characters
    tables = [chunk for chunk in chunks if chunk.text.startswith("| 类别")]
    assert len(tables) == 1 and tables[0].text == table and tables[0].heading_path == ["补贴标准"]


def test_large_table_is_split_by_rows_with_the_header_repeated() -> None:
    header = "| 类别 | 金额 |\n| --- | --- |"
    rows = [f"| 补贴项目第{n}项 | {n}000元 |" for n in range(1, 60)]
    document = policy("", Section("\n".join([header, *rows]), ["补贴标准"], is_table=True))
    chunks = chunk_document(document, max_chars=100)
    assert len(chunks) > 1
    for chunk in chunks:
        assert chunk.text.startswith(header) and len(chunk.text) <= 200
    assert [row for chunk in chunks for row in chunk.text.splitlines()[2:]] == rows


def test_faq_is_one_chunk_with_the_answer_verbatim() -> None:
    answer = "携带身份证原件到任一社保经办网点办理。\n" * 80
    metadata = DocumentMetadata(title="社保卡丢了怎么补办？", kind="faq")
    document = Document("faq#1", metadata, faq=FaqEntry("社保卡丢了怎么补办？", answer))
    [chunk] = chunk_document(document, max_chars=100)
    assert chunk.text == answer and chunk.question == "社保卡丢了怎么补办？"
    assert chunk.content_hash == document.content_hash and chunk.chunk_no == 0


def test_chunks_carry_metadata_and_content_hash() -> None:
    document = policy(REGULATION)
    chunks = chunk_document(document, max_chars=80)
    assert {chunk.content_hash for chunk in chunks} == {document.content_hash}
    assert all(chunk.metadata.title == "测试文件" and chunk.doc_id == "doc-1" for chunk in chunks)


def test_inline_numbering_in_one_long_line_is_recognised() -> None:
    text = (
        "为贯彻落实有关部署，现提出以下要求。"
        * 8
        + " 一、支持疫情防控物资供应 对生产重点物资的企业，加快办理退税。"
        " 二、落实税收优惠政策 对参加疫情防控工作的医务人员取得的补助，免征个人所得税。"
    )
    chunks = chunk_document(policy(text), max_chars=300)
    paths = [chunk.heading_path for chunk in chunks]
    assert ["一、支持疫情防控物资供应"] in paths and ["二、落实税收优惠政策"] in paths


def test_bad_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="max_chars"):
        chunk_document(policy("正文。"), max_chars=10)
