"""Policy matching end to end on real SQLite: import profiles → extract the evaluation set's
policies → match both ways → staff edit kept across re-extraction → push list; and the API."""

from __future__ import annotations

import csv
import io
import os
import shutil
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.api.security import create_api_key
from assistant.config import Settings
from assistant.database import Base
from assistant.policy_matching.service import PolicyMatching
from assistant.policy_matching.store import PolicyMatchingStore
from assistant.wiring import Services, build_database

pytestmark = pytest.mark.integration
EVAL = Path(__file__).resolve().parents[2] / "eval_sets" / "policy_matching"
OUT_OF_SAMPLE = EVAL.parent / "policy_matching_oos"
AS_OF = date(2025, 6, 30)


@pytest.fixture
def matching(tmp_path):
    services = Services(Settings(_env_file=None, data_dir=tmp_path / "data"))
    service = PolicyMatching(services.database, services.settings.policy_matching)
    service.import_profiles(EVAL / "enterprises.csv")
    service.extract([EVAL / "policies"])
    yield service
    services.close()


def _gold(enterprise_id: str) -> dict[str, str]:
    with (EVAL / "gold_decisions.csv").open(encoding="utf-8") as source:
        return {
            row["title"]: row["decision"]
            for row in csv.DictReader(source)
            if row["enterprise_id"] == enterprise_id
        }


def test_enterprise_sees_its_items_with_reasons_and_no_expired_ones(matching):
    profile, matches = matching.match_enterprise("E0004", AS_OF)
    gold = _gold("E0004")
    assert matches and all(gold[m.item.title] == m.decision for m in matches)
    everything = matching.match_enterprise("E0004", AS_OF, include_expired=True)[1]
    expired = {m.item.title for m in everything if m.window_status == "expired"}
    assert {m.item.title for m in matches if m.decision == "met"} == {
        t for t, d in gold.items() if d == "met"
    } - expired
    assert all(m.window_status != "expired" for m in matches)
    assert matches[0].decision == "met"
    for match in matches:
        for result in match.conditions:
            assert result.condition.sentence and result.profile_value
            assert (result.question is not None) == (result.decision == "unknown")


def test_policy_finds_qualifying_enterprises_and_exports_a_push_list(matching, tmp_path):
    item = next(i for i in matching.store.items() if i.title == "科技创新券")
    _, candidates = matching.match_item(item.item_id, AS_OF)
    with (EVAL / "gold_decisions.csv").open(encoding="utf-8") as source:
        expected = {
            r["enterprise_id"]
            for r in csv.DictReader(source)
            if r["title"] == "科技创新券" and r["decision"] != "not_met"
        }
    assert {c.profile.enterprise_id for c in candidates} == expected
    out = io.StringIO()
    assert matching.export_push_list(item.item_id, AS_OF, out) == len(candidates)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert rows[0]["判定"] == "符合" and rows[0]["政策事项"] == "科技创新券"


def test_staff_edit_is_kept_when_the_document_is_extracted_again(matching, tmp_path):
    item = next(i for i in matching.store.items() if i.title == "人才安居支持")
    edited = [{"kind": "employees", "operator": ">=", "value": 30, "sentence": "从业人员30人以上"}]
    matching.review(item.item_id, edited, "审核员甲")
    copy = tmp_path / "again"
    shutil.copytree(EVAL / "policies", copy)
    _, counts = matching.extract([copy])
    assert counts["kept_reviewed"] == 1
    stored = matching.store.item(item.item_id)
    assert stored.reviewed and [(c.kind, c.value, c.origin) for c in stored.conditions] == [
        ("employees", 30.0, "staff")
    ]


def test_bad_rows_are_reported_and_good_rows_still_imported(matching, tmp_path):
    path = tmp_path / "more.csv"
    path.write_text("企业编号,企业名称,成立日期\nN1,新企业,2020-01-01\nN2,,2020-02-30\n", encoding="utf-8")
    report, created, _ = matching.import_profiles(path)
    assert created == 1 and matching.store.profile("N1").name == "新企业"
    assert {(e.row, e.column) for e in report.errors} == {(3, "企业名称"), (3, "成立日期")}
    assert matching.store.profile("E0001").name  # earlier profiles untouched


def test_api_routes_need_a_staff_key_and_answer_both_ways(tmp_path):
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", llm={"backend": "extractive"})
    app = create_app(settings)
    key = create_api_key(app.state.services.database, "agent", "政策专员")
    auth = {"Authorization": f"Bearer {key}"}
    with TestClient(app) as client:
        assert client.get("/v1/policy-matching/items").status_code == 401
        with (EVAL / "enterprises.csv").open("rb") as upload:
            imported = client.post(
                "/v1/policy-matching/enterprises/import",
                files={"file": ("e.csv", upload, "text/csv")},
                headers=auth,
            )
        assert imported.status_code == 200 and imported.json()["created"] == 200
        PolicyMatching(app.state.services.database, settings.policy_matching).extract([EVAL / "policies"])
        items = client.get("/v1/policy-matching/items", headers=auth).json()["items"]
        item_id = next(i["item_id"] for i in items if i["title"] == "企业研发投入补助")
        found = client.get(
            f"/v1/policy-matching/items/{item_id}/enterprises", params={"as_of": "2025-06-30"}, headers=auth
        ).json()
        assert found["met"] > 0
        matches = client.get(
            "/v1/policy-matching/enterprises/E0004/matches", params={"as_of": "2025-06-30"}, headers=auth
        ).json()
        assert matches["matches"] and all(
            c["profile_value"] for m in matches["matches"] for c in m["conditions"]
        )
        bad = client.put(
            f"/v1/policy-matching/items/{item_id}/conditions",
            json={"conditions": [{"kind": "scale", "operator": "in", "value": ["特大"]}]},
            headers=auth,
        )
        assert bad.status_code == 400 and "可选" in bad.json()["error"]["message"]
        missing = client.get("/v1/policy-matching/enterprises/NOPE/matches", headers=auth)
        assert missing.status_code == 404 and "企业不存在" in missing.json()["error"]["message"]
        public = client.post(
            "/v1/policy-matching/match",
            json={"fields": {"企业名称": "访客企业", "注册地": "示例市东湖区", "行业代码": "C3511"}},
        )
        assert public.status_code == 200 and all(m["decision"] != "not_met" for m in public.json()["matches"])


@pytest.fixture(params=["sqlite", "postgresql"])
def database_settings(request, tmp_path) -> Settings:
    if request.param == "sqlite":
        return Settings(_env_file=None, data_dir=tmp_path / "data")
    url = os.environ.get("GOVASSIST_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("GOVASSIST_TEST_POSTGRES_URL is not set (run the tests through `make test`)")
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", database={"url": url})
    database = build_database(settings)
    Base.metadata.drop_all(database.engine)  # a clean schema for every test
    database.close()
    return settings


def test_unseen_policies_match_their_gold_through_the_database(database_settings):
    """The out-of-sample set end to end: trade, R&D and job figures survive the database, and each
    enterprise's decisions equal the independently generated gold."""
    services = Services(database_settings)
    try:
        service = PolicyMatching(services.database, services.settings.policy_matching)
        service.import_profiles(OUT_OF_SAMPLE / "enterprises.csv")
        service.extract([OUT_OF_SAMPLE / "policies"])
        with (OUT_OF_SAMPLE / "gold_decisions.csv").open(encoding="utf-8") as source:
            gold = list(csv.DictReader(source))
        exporters = [p for p in service.store.profiles() if p.trade_value]
        assert exporters and all(p.export_value is not None or p.trade_value for p in exporters)
        as_of = date(2025, 9, 30)
        for enterprise_id in ("Q0001", "Q0042", exporters[0].enterprise_id):
            _, matches = service.match_enterprise(
                enterprise_id, as_of, include_not_met=True, include_expired=True
            )
            expected = {
                (r["file"], r["title"]): r["decision"] for r in gold if r["enterprise_id"] == enterprise_id
            }
            assert len(matches) == len(expected)
            assert {(m.item.source, m.item.title): m.decision for m in matches} == expected
    finally:
        services.close()


def test_a_database_from_before_the_new_figures_gains_them(tmp_path):
    settings = Settings(_env_file=None, data_dir=tmp_path / "data")
    database = build_database(settings)
    PolicyMatching(database, settings.policy_matching).import_profiles(OUT_OF_SAMPLE / "enterprises.csv")
    with database.engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE pm_enterprises DROP COLUMN figures")  # as the table was
    database.close()
    database = build_database(settings)
    try:
        profiles = PolicyMatchingStore(database).profiles()
        assert len(profiles) == 150 and all(
            p.trade_value is None for p in profiles
        )  # old rows: figures unknown
        assert profiles[0].revenue is not None
    finally:
        database.close()
