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


def test_the_summary_says_who_what_where_and_who_handles_it():
    from assistant.hotline.assist import summarise

    summary = summarise(
        {
            "caller_name": "王女士",
            "request_type": "投诉求助",
            "address": "解放路18号",
            "request": "楼下工地夜间施工",
            "department": "示例市城市管理综合执法局",
        }
    )
    assert (
        summary
        == "王女士来电投诉求助；地点：解放路18号；内容：楼下工地夜间施工；建议承办单位：示例市城市管理综合执法局。"
    )


def test_a_surname_alone_is_written_as_such_in_the_summary():
    from assistant.hotline.assist import summarise

    assert summarise({"caller_name": "王", "request_type": "咨询"}).startswith("王姓市民来电咨询")
    assert summarise({}).startswith("来电人来电")
