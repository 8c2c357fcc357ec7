"""Policy matching routes (政策双找): enterprise → items, item → enterprises (and its CSV push list),
profile import, staff review of extracted conditions, and a profile-in/matches-out check for the
enterprise page that stores nothing.

Profiles are business data: every route that reads or changes stored profiles or items needs a
staff key (agent or admin); finer roles (department-scoped access) are not modelled yet. Only
``POST /match`` is public (rate limited), and it answers from the profile in the request alone.
"""

from __future__ import annotations

import io
import shutil
import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile

from assistant.api.deps import AgentDep, AuditDep, PublicDep, ServicesDep, audit_event
from assistant.api.uploads import form_files, multipart_body, safe_filename, save_upload
from assistant.policy_matching.conditions import OPERATORS, Decision
from assistant.policy_matching.matching import Matcher
from assistant.policy_matching.profiles import HEADERS, profile_from_cells
from assistant.policy_matching.service import PolicyMatching, candidate_dict, item_dict, match_dict

router = APIRouter(prefix="/v1/policy-matching", tags=["policy-matching"])
WindowStatus = Literal["open", "upcoming", "expired", "unspecified"]


def get_policy_matching(services: ServicesDep) -> PolicyMatching:
    return services.policy_matching


PolicyMatchingDep = Annotated[PolicyMatching, Depends(get_policy_matching)]


class ConditionIn(BaseModel):
    kind: str = Field(..., description="One of: " + ", ".join(OPERATORS))
    operator: str
    value: Any
    sentence: str = ""


class ReviewIn(BaseModel):
    conditions: list[ConditionIn] = Field(..., max_length=50)


class ProfileIn(BaseModel):
    """A profile in the import file's Chinese column names, e.g. {"企业名称": ..., "行业代码": "C3511"}."""

    fields: dict[str, Any] = Field(..., description="列名 → 值，列名同导入文件（企业编号可省略）")
    as_of: date | None = Field(None, description="按该日期判断申报期与有效期，默认今天")


class ConditionOut(BaseModel):
    kind: str
    operator: str
    value: Any
    sentence: str = Field("", description="条件出自的政策原文")
    origin: Literal["extracted", "staff"] = Field(..., description="extracted：自动抽取；staff：人工审核")
    label: str = Field(..., description="条件类别的中文名")
    text: str = Field(..., description="条件的中文描述")


class MatchedConditionOut(ConditionOut):
    decision: Decision = Field(..., description="met 符合 / not_met 不符合 / unknown 待核实")
    profile_value: str = Field(..., description="企业画像中的对应值")
    question: str | None = Field(None, description="待核实时向企业提的问题")


class ItemOut(BaseModel):
    item_id: str
    title: str
    document_title: str
    source: str
    section: str
    benefit: str
    max_amount_wan: float | None
    materials: list[str]
    window_start: str | None = Field(..., description="申报开始日期（ISO）")
    window_end: str | None = Field(..., description="申报截止日期（ISO）")
    department: str
    region: str
    document_number: str
    conditions: list[ConditionOut]
    reviewed: bool
    window_status: WindowStatus


class MatchOut(BaseModel):
    item_id: str
    title: str
    document_title: str
    decision: Decision
    decision_text: str
    window_status: WindowStatus
    window_start: str | None
    window_end: str | None
    benefit: str
    department: str
    materials: list[str]
    source: str
    section: str
    conditions: list[MatchedConditionOut]
    questions: list[str]


class EnterpriseMatchesOut(BaseModel):
    enterprise_id: str
    name: str
    matches: list[MatchOut]


class MatchesOut(BaseModel):
    matches: list[MatchOut]


class ItemsOut(BaseModel):
    items: list[ItemOut]
    total: int


class CandidateOut(BaseModel):
    enterprise_id: str
    name: str
    region: str | None = Field(..., description="注册地（画像未填时为空）")
    decision: Decision
    decision_text: str
    to_confirm: list[str] = Field(..., description="仍待核实的条件")


class ItemEnterprisesOut(BaseModel):
    item_id: str
    title: str
    total: int
    met: int
    enterprises: list[CandidateOut] = Field(
        ..., description="最多 policy_matching.max_results 家（CSV 推送清单为全部）"
    )


class ImportErrorOut(BaseModel):
    row: int
    column: str
    message: str


class ImportOut(BaseModel):
    rows: int
    created: int
    updated: int
    errors: list[ImportErrorOut]


@router.get("/enterprises/{enterprise_id}/matches", response_model=EnterpriseMatchesOut)
def enterprise_matches(
    enterprise_id: str,
    matching: PolicyMatchingDep,
    principal: AgentDep,
    as_of: date | None = None,
    include_not_met: bool = False,
    include_expired: bool = False,
) -> dict[str, Any]:
    profile, matches = matching.match_enterprise(
        enterprise_id, as_of or date.today(), include_not_met, include_expired
    )
    return {
        "enterprise_id": profile.enterprise_id,
        "name": profile.name,
        "matches": [match_dict(m) for m in matches],
    }


@router.post("/match", response_model=MatchesOut)
def match_profile(body: ProfileIn, matching: PolicyMatchingDep, principal: PublicDep) -> dict[str, Any]:
    """The enterprise page: a profile typed into a form → matched items with reasons (nothing stored)."""
    names = {header: name for name, header in HEADERS.items()}
    cells = {names[k]: (v, 1.0) for k, v in body.fields.items() if k in names}
    cells.setdefault("enterprise_id", ("表单", 1.0))
    profile, errors = profile_from_cells(cells, row=1)
    if profile is None:
        raise HTTPException(status_code=400, detail="；".join(f"{e.column}：{e.message}" for e in errors))
    matches = Matcher(matching.store.items()).for_enterprise(profile, body.as_of or date.today())
    return {"matches": [match_dict(m) for m in matches]}


@router.get("/items", response_model=ItemsOut)
def list_items(matching: PolicyMatchingDep, principal: AgentDep) -> dict[str, Any]:
    items = matching.store.items()
    return {"items": [item_dict(item, date.today()) for item in items], "total": len(items)}


@router.get("/items/{item_id}", response_model=ItemOut)
def get_item(item_id: str, matching: PolicyMatchingDep, principal: AgentDep) -> dict[str, Any]:
    return item_dict(matching.store.item(item_id), date.today())


@router.get("/items/{item_id}/enterprises", response_model=ItemEnterprisesOut)
def item_enterprises(
    item_id: str, matching: PolicyMatchingDep, principal: AgentDep, as_of: date | None = None
) -> dict[str, Any]:
    item, candidates = matching.match_item(item_id, as_of or date.today())
    limit = matching.settings.max_results
    return {
        "item_id": item.item_id,
        "title": item.title,
        "total": len(candidates),
        "met": sum(c.decision == "met" for c in candidates),
        "enterprises": [candidate_dict(c) for c in candidates[:limit]],
    }


@router.get(
    "/items/{item_id}/push-list.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}},
)
def push_list(
    item_id: str, matching: PolicyMatchingDep, principal: AgentDep, as_of: date | None = None
) -> StreamingResponse:
    out = io.StringIO()
    out.write("\ufeff")
    matching.export_push_list(item_id, as_of or date.today(), out)
    return StreamingResponse(
        iter([out.getvalue()]),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": "attachment; filename=push-list.csv"},
    )


@router.put("/items/{item_id}/conditions", response_model=ItemOut)
def review_conditions(
    item_id: str,
    body: ReviewIn,
    request: Request,
    matching: PolicyMatchingDep,
    principal: AgentDep,
    audit: AuditDep,
) -> dict[str, Any]:
    """Staff replace an item's conditions; the item is marked reviewed and re-extraction keeps them."""
    item = matching.review(item_id, [c.model_dump() for c in body.conditions], principal.name)
    audit.record(
        audit_event(
            request, principal, "policy_matching.review", f"{item_id}: {len(item.conditions)} conditions"
        )
    )
    return item_dict(item, date.today())


ProfileFiles = Annotated[list[UploadFile], Depends(form_files("file"))]


@router.post("/enterprises/import", openapi_extra=multipart_body("file"), response_model=ImportOut)
def import_enterprises(
    request: Request, matching: PolicyMatchingDep, principal: AgentDep, audit: AuditDep, files: ProfileFiles
) -> dict[str, Any]:
    """Import a CSV/XLSX of profiles: valid rows stored, every bad cell reported with its row. The
    file (``files`` after ``principal``) is read only once the caller is known to be staff."""
    name = safe_filename(files[0].filename)
    if Path(name).suffix.lower() not in (".csv", ".xlsx"):
        raise HTTPException(status_code=400, detail="请上传 .csv 或 .xlsx 文件")
    folder = Path(tempfile.mkdtemp(prefix="govassist-profiles-"))
    try:
        target = save_upload(files[0], folder / name, matching.settings.max_import_mb)
        report, created, updated = matching.import_profiles(target)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    audit.record(
        audit_event(request, principal, "policy_matching.import", f"{name}: {created} new, {updated} updated")
    )
    return {
        "rows": report.rows,
        "created": created,
        "updated": updated,
        "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in report.errors],
    }
