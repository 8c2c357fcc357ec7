from assistant.hotline.triage import extract_fields, sentiment, urgency

CALL = "您好，我是西湖区的王女士，电话0571-88886666。我家住在东城区解放路18号3单元，今天早上开始小区停水了，请尽快处理。"


def test_fields_are_read_with_the_span_they_came_from():
    fields = {f.name: f for f in extract_fields(CALL)}
    assert fields["caller_name"].value == "王女士"
    assert fields["callback_number"].value == "0571-88886666"
    assert fields["address"].value.startswith("东城区解放路18号")
    assert "今天早上" in fields["event_time"].value
    assert "请尽快处理" in fields["request"].value
    for field in fields.values():
        assert CALL[field.start : field.end] == field.value


def test_urgency_and_sentiment_name_their_evidence():
    assert urgency("厨房燃气泄漏了，味道很大") == ("紧急", "燃气泄漏")
    assert urgency("想问一下公积金怎么提取")[0] == "一般"
    assert sentiment("反映好几次了一直没人管，太过分了")[0] == "不满"


def test_the_summary_is_the_ticket_form_of_place_matter_and_request_without_personal_data():
    from assistant.hotline.assist import summarise

    draft = {
        "caller_name": "王女士",
        "callback_number": "13912345678",
        "request_type": "投诉求助",
        "address": "解放路18号",
        "service_item": "楼下工地夜间施工",
        "request": "希望你们尽快处理",
        "department": "示例市城市管理综合执法局",
    }
    assert summarise(draft) == "来电人反映解放路18号，楼下工地夜间施工，诉求尽快处理。"
    assert summarise({**draft, "service_item": "解放路18号楼下工地夜间施工"}).startswith(
        "来电人反映解放路18号楼下"
    )


def test_a_call_without_a_stated_request_gets_its_types_plain_one_and_a_question_is_its_own_matter():
    from assistant.hotline.assist import summarise

    assert (
        summarise({"service_item": "路灯不亮", "request_type": "投诉求助"})
        == "来电人反映路灯不亮，诉求核实处理。"
    )
    question = {"service_item": "请问公积金怎么提取", "request": "请问公积金怎么提取", "request_type": "咨询"}
    assert summarise(question) == "来电人反映请问公积金怎么提取，诉求答复咨询。"
    assert summarise({}) == "来电人反映的问题尚未说明，诉求核实处理。"
