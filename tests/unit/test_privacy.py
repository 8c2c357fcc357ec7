"""Personal numbers are found by kind and masked before anything is logged or stored."""

import pytest

from assistant.privacy import (
    PersonalDataSpan,
    Pseudonymiser,
    find_personal_data,
    id_card_checksum_ok,
    luhn_ok,
    mask_as,
    mask_personal_data,
    mask_value,
    normalise_text,
)

VALID_ID = "11010519491231002X"  # GB 11643 check character X
BAD_CHECKSUM_ID = "110105194912310021"
VALID_CARD = "6222021234567890128"  # passes Luhn


def test_checksums():
    assert id_card_checksum_ok(VALID_ID) and id_card_checksum_ok(VALID_ID.lower())
    assert not id_card_checksum_ok(BAD_CHECKSUM_ID)
    assert luhn_ok(VALID_CARD) and not luhn_ok("6222021234567890121")


def test_every_kind_is_found_with_its_span():
    text = f"电话13812345678，座机0571-88886666，身份证{VALID_ID}，卡号{VALID_CARD}。"
    spans = find_personal_data(text)
    assert [s.kind for s in spans] == ["mobile", "landline", "id_card", "bank_card"]
    assert all(text[s.start : s.end] == s.text for s in spans)


def test_mistyped_and_unknown_long_numbers_are_still_masked():
    for number in (BAD_CHECKSUM_ID, "6222021234567890121", "1234567890123456"):
        [span] = find_personal_data(f"号码{number}错了")
        assert span.kind == "number"
        assert number not in mask_personal_data(f"号码{number}错了")


def test_masks_keep_head_tail_and_separators():
    assert mask_personal_data("我的电话13812345678，谢谢") == "我的电话138****5678，谢谢"
    assert mask_value("6222 0212 3456 7890") == "622* **** **** 7890"
    assert mask_personal_data(f"身份证{VALID_ID}") == "身份证110***********002X"


def test_ordinary_numbers_and_text_are_untouched():
    text = "12345热线，2024年3月5日，幸福路18号3单元，费用200元"
    assert find_personal_data(text) == [] and mask_personal_data(text) == text


def test_given_addresses_keep_city_and_district_and_names_keep_the_surname():
    text = "我叫张小明，住在示例市东城区幸福路88号锦绣花园，电话13812345678。"
    address = "示例市东城区幸福路88号锦绣花园"
    spans = [
        PersonalDataSpan("name", 2, 5, "张小明"),
        PersonalDataSpan("address", text.index(address), text.index(address) + len(address), address),
    ]
    masked = mask_personal_data(text, spans)
    assert masked == "我叫张**，住在示例市东城区" + "*" * len("幸福路88号锦绣花园") + "，电话138****5678。"
    assert len(masked) == len(text)


def test_an_estate_is_not_taken_for_a_district():
    text = "锦绣花园小区3栋"
    assert mask_personal_data(text, [PersonalDataSpan("address", 0, len(text), text)]) == "*" * len(text)


def test_numbers_win_over_given_spans_and_the_longer_of_two_given_spans_wins():
    text = "地址幸福路88号锦绣花园13812345678"
    spans = [
        PersonalDataSpan("address", 2, 7, "幸福路88"),
        PersonalDataSpan("address", 2, 12, "幸福路88号锦绣花园"),
        PersonalDataSpan("address", 10, 23, text[10:23]),
    ]  # the last overlaps the phone number
    assert mask_personal_data(text, spans) == "地址" + "*" * 10 + "138****5678"


@pytest.mark.parametrize(
    "disguised",
    [
        "电话１３８１２３４５６７８",  # full-width digits
        "电话138\u200b1234\u200c5678",  # zero-width space and non-joiner
        "电话\ufeff138\u20601234\u00ad5678",  # BOM, word joiner, soft hyphen
        f"身份证{VALID_ID[:6]}\u200b{VALID_ID[6:]}",
        "身份证" + VALID_ID.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")),
        "卡号６２２２\u200d０２１２３４５６７８９０１２８",
    ],
)
def test_full_width_and_zero_width_disguises_are_still_masked(disguised):
    plain = normalise_text(disguised)
    masked = mask_personal_data(disguised)
    assert find_personal_data(plain) and masked == mask_personal_data(plain)
    assert "*" in masked and not any(hidden in masked for hidden in ("1234", VALID_ID[6:14], "0212345"))


def test_normalising_keeps_chinese_punctuation_and_ordinary_text():
    text = "请问：居住证怎么办？（急）费用１００元，谢谢！"
    assert normalise_text(text) == "请问：居住证怎么办？（急）费用100元，谢谢！"
    assert normalise_text("plain ascii") == "plain ascii"


def test_pseudonyms_are_stable_within_an_export_and_differ_between_exports():
    first, second = Pseudonymiser(), Pseudonymiser()
    phone = first.pseudonym("mobile", "13812345678")
    assert phone.startswith("电话") and first.text("来电13812345678") == f"来电{phone}"
    assert first.text("又打来：+86 138-1234-5678") == f"又打来：{phone}"
    assert first.pseudonym("mobile", "13812345678") == first.pseudonym("mobile", "１３８ １２３４ ５６７８")
    assert first.pseudonym("mobile", "+8613812345678") == first.pseudonym("landline", "13812345678")
    assert first.pseudonym("name", "张小明") != first.pseudonym("name", "李小红")
    assert first.pseudonym("name", "张小明") != second.pseudonym("name", "张小明")
    assert first.pseudonym("name", "张小明").startswith("来电人") and first.pseudonym("name", "") == ""
    anonymised = first.text(f"身份证{VALID_ID}，卡号{VALID_CARD}，旧记录138****5678")
    assert not any(number in anonymised for number in (VALID_ID, VALID_CARD, "138****5678", "5678"))
    assert "证件" in anonymised and "银行卡" in anonymised and "号码" in anonymised


def test_a_known_value_is_masked_as_its_kind():
    assert (
        mask_as("name", "张小明") == "张**" and mask_as("mobile", "１３８１２３４５６７８") == "138****5678"
    )
    assert (
        mask_as("address", "示例市东城区幸福路8号").startswith("示例市东城区*") and mask_as("name", " ") == ""
    )
