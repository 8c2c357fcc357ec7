"""Metadata extraction from the text of Chinese official documents."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.documents import DocumentMetadata
from ingest.metadata import extract_metadata, normalize_document_number, parse_date

NOTICE = """示例市人民政府办公室文件
示府办发〔2025〕12号
示例市人民政府办公室关于印发《示例市创业补贴管理办法》的通知
各区县人民政府，市政府各部门：
现将《示例市创业补贴管理办法》印发给你们，请认真贯彻执行。本办法依据《财政部 税务总局关于进一步支持和促进重点群体创业就业有关税收政策的公告》（财税〔2019〕22号）制定。
本办法自2025年3月1日起施行，有效期3年。
示例市人民政府办公室
2025年2月10日"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025年3月1日", date(2025, 3, 1)),
        ("成文日期：2024-12-31", date(2024, 12, 31)),
        ("2025/3/9", date(2025, 3, 9)),
        ("二〇二五年三月十一日", date(2025, 3, 11)),
        ("二〇二四年十二月三十一日", date(2024, 12, 31)),
        ("2025年2月30日", None),
        ("无日期", None),
    ],
)
def test_parse_date(text: str, expected: date | None) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("示府办发〔2025〕12号", "示府办发〔2025〕12号"),
        ("国税发[2020]5号", "国税发〔2020〕5号"),
        ("财税〔2019〕13号", "财税〔2019〕13号"),
        ("粤府（2023）8号", "粤府〔2023〕8号"),
        ("京政发［2021］ 3 号", "京政发〔2021〕3号"),
        ("没有文号", ""),
    ],
)
def test_document_number_variants(text: str, expected: str) -> None:
    assert normalize_document_number(text) == expected


def test_full_notice() -> None:
    metadata = extract_metadata(NOTICE, DocumentMetadata())
    assert metadata.title == "示例市人民政府办公室关于印发《示例市创业补贴管理办法》的通知"
    assert metadata.document_number == "示府办发〔2025〕12号"  # not the 财税 number cited in the body
    assert metadata.issuing_body == "示例市人民政府办公室"
    assert metadata.publish_date == date(2025, 2, 10)
    assert metadata.effective_date == date(2025, 3, 1)
    assert metadata.expiry_date == date(2028, 2, 29)
    assert metadata.region == "示例市"


def test_only_empty_fields_are_filled() -> None:
    base = DocumentMetadata(title="人工标题", region="示例省", effective_date=date(2025, 6, 1), kind="guide")
    metadata = extract_metadata(NOTICE, base)
    assert (metadata.title, metadata.region, metadata.kind) == ("人工标题", "示例省", "guide")
    assert metadata.expiry_date == date(2028, 5, 31)  # 有效期3年 counted from the known effective date
    assert base.document_number == ""  # the input is not modified


def test_signature_block_gives_the_issuing_body_and_date() -> None:
    text = "关于做好2025年高校毕业生就业工作的通知\n各有关单位：\n请认真做好相关工作。\n广东省人力资源和社会保障厅\n2025年4月2日"
    metadata = extract_metadata(text, DocumentMetadata())
    assert metadata.issuing_body == "广东省人力资源和社会保障厅"
    assert metadata.publish_date == date(2025, 4, 2)
    assert metadata.region == "广东省"


def test_expiry_until_and_effective_on_publication() -> None:
    text = (
        "关于调整最低工资标准的通知\n本通知自印发之日起施行，有效期至2027年12月31日。\n发布日期：2025-01-15"
    )
    metadata = extract_metadata(text, DocumentMetadata())
    assert metadata.publish_date == date(2025, 1, 15)
    assert metadata.effective_date == date(2025, 1, 15)
    assert metadata.expiry_date == date(2027, 12, 31)


def test_region_is_not_invented_for_national_bodies() -> None:
    text = "国家市场监督管理总局关于加强食品安全监管的通知\n各地要加强监管。"
    metadata = extract_metadata(text, DocumentMetadata())
    assert metadata.issuing_body == "国家市场监督管理总局"
    assert metadata.region == ""


def test_prose_without_structure_leaves_fields_empty() -> None:
    text = "《战国无双3》是由光荣和ω-force开发的战国无双系列的正统第三续作。本作以三大故事为主轴。"
    metadata = extract_metadata(text, DocumentMetadata())
    assert metadata.document_number == "" and metadata.issuing_body == "" and metadata.publish_date is None
