"""The policy-matching tables and their one reader/writer: enterprise profiles, support items,
conditions.

Owns the SQLAlchemy tables (declared on ``assistant.database.Base``) and ``PolicyMatchingStore``:
upserting profiles and extracted items, reading them back as ``EnterpriseProfile``/``PolicyItem``,
and staff edits of an item's conditions. A reviewed item keeps its conditions when its document
is extracted again (only benefit, window and the like are refreshed), so staff edits are never
overwritten. Profile figures added after the first release (R&D amount, trade volumes and growth,
new jobs) live in one JSON column, so an existing database gains them without a migration. Leaves matching to ``matching``; authorisation to the API.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, fields
from datetime import UTC, date, datetime

from sqlalchemy import Boolean, Date, DateTime, Float, ForeignKey, Integer, String, Text, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from assistant.database import Base, Database
from assistant.errors import NotFound
from assistant.policy_matching.conditions import Condition, PolicyItem
from assistant.policy_matching.profiles import EnterpriseProfile


class EnterpriseRow(Base):
    __tablename__ = "pm_enterprises"

    enterprise_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str] = mapped_column(String(32), default="")
    region: Mapped[str | None] = mapped_column(String(100))
    industry_code: Mapped[str | None] = mapped_column(String(8))
    registered_on: Mapped[date | None] = mapped_column(Date)
    employees: Mapped[float | None] = mapped_column(Float)
    revenue: Mapped[float | None] = mapped_column(Float)
    assets: Mapped[float | None] = mapped_column(Float)
    rd_ratio: Mapped[float | None] = mapped_column(Float)
    tax_paid: Mapped[float | None] = mapped_column(Float)
    qualifications: Mapped[str | None] = mapped_column(Text)  # JSON list; NULL = unknown
    credit_rating: Mapped[str | None] = mapped_column(String(1))
    dishonest: Mapped[bool | None] = mapped_column(Boolean)
    figures: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")  # JSON of _FIGURES
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=lambda: datetime.now(UTC))


class PolicyItemRow(Base):
    __tablename__ = "pm_items"

    item_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    document_title: Mapped[str] = mapped_column(String(300))
    document_number: Mapped[str] = mapped_column(String(60), default="")
    source: Mapped[str] = mapped_column(String(300))
    section: Mapped[str] = mapped_column(String(300), default="")
    benefit: Mapped[str] = mapped_column(Text, default="")
    max_amount_wan: Mapped[float | None] = mapped_column(Float)
    materials: Mapped[str] = mapped_column(Text, default="[]")
    window_start: Mapped[date | None] = mapped_column(Date)
    window_end: Mapped[date | None] = mapped_column(Date)
    department: Mapped[str] = mapped_column(String(200), default="")
    region: Mapped[str] = mapped_column(String(200), default="")
    reviewed: Mapped[bool] = mapped_column(Boolean, default=False)
    reviewed_by: Mapped[str] = mapped_column(String(100), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=lambda: datetime.now(UTC))


class ConditionRow(Base):
    __tablename__ = "pm_conditions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("pm_items.item_id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    operator: Mapped[str] = mapped_column(String(12))
    value: Mapped[str] = mapped_column(Text)  # JSON
    sentence: Mapped[str] = mapped_column(Text, default="")
    origin: Mapped[str] = mapped_column(String(10), default="extracted")


_ITEM_FIELDS = [f.name for f in fields(PolicyItem) if f.name not in ("conditions", "materials", "reviewed")]
_FIGURES = (
    "rd_amount",
    "trade_value",
    "export_value",
    "import_value",
    "export_growth",
    "revenue_growth",
    "new_jobs",
)


def _profile(row: EnterpriseRow) -> EnterpriseProfile:
    values = {f.name: getattr(row, f.name) for f in fields(EnterpriseProfile) if f.name not in _FIGURES}
    values["qualifications"] = None if row.qualifications is None else json.loads(row.qualifications)
    figures = json.loads(row.figures or "{}")
    return EnterpriseProfile(**values, **{name: figures.get(name) for name in _FIGURES})


def _profile_row(profile: EnterpriseProfile) -> EnterpriseRow:
    values = asdict(profile)
    values["qualifications"] = (
        None if profile.qualifications is None else json.dumps(profile.qualifications, ensure_ascii=False)
    )
    figures = {name: values.pop(name) for name in _FIGURES}
    values["figures"] = json.dumps({name: value for name, value in figures.items() if value is not None})
    return EnterpriseRow(**values, updated_at=datetime.now(UTC))


def _condition_rows(item_id: str, conditions: Sequence[Condition]) -> list[ConditionRow]:
    return [
        ConditionRow(
            item_id=item_id,
            position=position,
            kind=c.kind,
            operator=c.operator,
            value=json.dumps(c.value, ensure_ascii=False),
            sentence=c.sentence,
            origin=c.origin,
        )
        for position, c in enumerate(conditions)
    ]


class PolicyMatchingStore:
    def __init__(self, database: Database) -> None:
        self._database = database
        database.create_tables()  # this module is imported, so its tables are declared

    def save_profiles(self, profiles: Sequence[EnterpriseProfile]) -> tuple[int, int]:
        """Insert or replace profiles by 企业编号; returns (created, updated)."""
        created = updated = 0
        with self._database.session() as session:
            for profile in profiles:
                existing = session.get(EnterpriseRow, profile.enterprise_id)
                created, updated = (created, updated + 1) if existing else (created + 1, updated)
                session.merge(_profile_row(profile))
        return created, updated

    def profile(self, enterprise_id: str) -> EnterpriseProfile:
        with self._database.session() as session:
            row = session.get(EnterpriseRow, enterprise_id)
            if row is None:
                raise NotFound(f"企业不存在：{enterprise_id}")
            return _profile(row)

    def profiles(self) -> list[EnterpriseProfile]:
        with self._database.session() as session:
            return [
                _profile(row)
                for row in session.scalars(select(EnterpriseRow).order_by(EnterpriseRow.enterprise_id))
            ]

    def save_items(self, items: Sequence[PolicyItem]) -> dict[str, int]:
        """Store extracted items; reviewed items keep their staff-checked conditions."""
        counts = {"created": 0, "updated": 0, "kept_reviewed": 0}
        with self._database.session() as session:
            for item in items:
                row = session.get(PolicyItemRow, item.item_id)
                if row is None:
                    row = PolicyItemRow(item_id=item.item_id)
                    session.add(row)
                    counts["created"] += 1
                else:
                    counts["kept_reviewed" if row.reviewed else "updated"] += 1
                for name in _ITEM_FIELDS:
                    setattr(row, name, getattr(item, name))
                row.materials = json.dumps(item.materials, ensure_ascii=False)
                row.updated_at = datetime.now(UTC)
                if not row.reviewed:
                    self._replace_conditions(session, item.item_id, item.conditions)
        return counts

    def _replace_conditions(self, session: Session, item_id: str, conditions: Sequence[Condition]) -> None:
        session.flush()
        session.execute(delete(ConditionRow).where(ConditionRow.item_id == item_id))
        session.add_all(_condition_rows(item_id, conditions))

    def update_conditions(self, item_id: str, conditions: Sequence[Condition], reviewer: str) -> PolicyItem:
        """Replace an item's conditions with a staff-reviewed list and mark the item reviewed."""
        with self._database.session() as session:
            row = session.get(PolicyItemRow, item_id)
            if row is None:
                raise NotFound(f"政策事项不存在：{item_id}")
            row.reviewed, row.reviewed_by, row.updated_at = True, reviewer[:100], datetime.now(UTC)
            self._replace_conditions(session, item_id, conditions)
        return self.item(item_id)

    def items(self) -> list[PolicyItem]:
        with self._database.session() as session:
            rows = list(session.scalars(select(PolicyItemRow).order_by(PolicyItemRow.item_id)))
            conditions: dict[str, list[Condition]] = {row.item_id: [] for row in rows}
            for c in session.scalars(
                select(ConditionRow).order_by(ConditionRow.item_id, ConditionRow.position)
            ):
                conditions.setdefault(c.item_id, []).append(
                    Condition(c.kind, c.operator, json.loads(c.value), c.sentence, c.origin)  # type: ignore[arg-type]
                )
            return [self._item(row, conditions[row.item_id]) for row in rows]

    def item(self, item_id: str) -> PolicyItem:
        found = [item for item in self.items() if item.item_id == item_id]
        if not found:
            raise NotFound(f"政策事项不存在：{item_id}")
        return found[0]

    @staticmethod
    def _item(row: PolicyItemRow, conditions: list[Condition]) -> PolicyItem:
        values = {name: getattr(row, name) for name in _ITEM_FIELDS}
        return PolicyItem(
            **values, materials=json.loads(row.materials), conditions=conditions, reviewed=row.reviewed
        )
