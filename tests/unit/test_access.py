"""Who reads and who manages what: the access rules and their translation into index filters."""

from __future__ import annotations

import pytest

from assistant.access import Access, check_sensitivity, may_manage
from assistant.errors import BadInput
from assistant.retrieval.index import FilterSpec, Readable
from ingest.readers import parse_overrides

DOCUMENTS = [
    (level, owner) for level in ("公开", "内部", "敏感") for owner in ("", "示例市人社局", "示例市公安局")
]


def _readable(access: Access) -> set[tuple[str, str]]:
    return {(level, owner) for level, owner in DOCUMENTS if access.can_read(level, owner)}


def test_the_public_reads_public_documents_only():
    assert _readable(Access.for_caller("public", "示例市人社局")) == {d for d in DOCUMENTS if d[0] == "公开"}


@pytest.mark.parametrize("role", ["agent", "admin"])
def test_department_staff_read_internal_and_their_own_restricted_documents(role):
    readable = _readable(Access.for_caller(role, "示例市人社局"))
    assert readable == {d for d in DOCUMENTS if d[0] != "敏感"} | {("敏感", "示例市人社局")}


def test_an_agent_without_a_department_reads_no_restricted_document_but_the_installation_admin_reads_all():
    assert {level for level, _ in _readable(Access.for_caller("agent"))} == {"公开", "内部"}
    assert _readable(Access.for_caller("admin")) == set(DOCUMENTS)


def test_documents_from_before_levels_existed_count_as_public():
    assert Access.public().can_read("", "")
    assert FilterSpec.readable_by(Access.public()) == (Readable(("公开",), legacy=True),)


def test_the_index_filter_says_what_can_read_says():
    spec = FilterSpec.from_filters(None, Access.for_caller("agent", "示例市人社局"))
    assert spec.readable == (Readable(("公开", "内部"), legacy=True), Readable(("敏感",), ("示例市人社局",)))
    assert FilterSpec.from_filters(None).readable == FilterSpec.readable_by(
        Access.public()
    )  # public unless told


def test_a_department_admin_manages_its_own_documents_and_the_installation_admin_every_one():
    assert may_manage("示例市人社局", "示例市人社局") and not may_manage("示例市人社局", "示例市公安局")
    assert not may_manage("示例市人社局", "")
    assert may_manage("", "示例市公安局") and may_manage("", "")


def test_levels_are_checked_wherever_they_are_set():
    assert check_sensitivity(" 内部 ") == "内部"
    with pytest.raises(BadInput, match="公开、内部、敏感"):
        check_sensitivity("秘密")
    assert parse_overrides({"sensitivity": "敏感", "owner_department": "示例市人社局"}, "x.meta.json") == {
        "sensitivity": "敏感",
        "owner_department": "示例市人社局",
    }
    with pytest.raises(BadInput, match="x.meta.json"):
        parse_overrides({"sensitivity": "绝密"}, "x.meta.json")


def test_a_chunk_stored_without_a_level_is_stored_as_one_from_before_levels():
    from assistant.retrieval.index import with_filter_fields

    assert "sensitivity" not in with_filter_fields({"doc_id": "a", "sensitivity": ""})
    assert with_filter_fields({"doc_id": "a", "sensitivity": "内部"})["sensitivity"] == "内部"
