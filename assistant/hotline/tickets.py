"""Tickets (工单): the draft the copilot proposes, the version the agent confirms, and the
agent's corrections, kept as training data for the classifiers.

Stored transcripts are masked (numbers always; addresses and names when the deployment's
``PrivacySettings`` ask for it), and so is every other stored value: the draft, the corrections
and the confirmed fields. Only the confirmed caller fields (caller name, callback number,
address) are kept as the agent confirmed them, for the call back: ``caller`` returns them (the
route audits each reveal); every listing masks them (``masked``). Exports are in ``assistant.exports``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from assistant.config import PrivacySettings
from assistant.database import Base, Database
from assistant.errors import BadInput, NotFound
from assistant.hotline.extraction import names_and_addresses
from assistant.privacy import PersonalDataSpan, mask_as, mask_personal_data
from assistant.text_normalisation import normalise_text

TICKET_FIELDS = (
    "caller_name",
    "callback_number",
    "address",
    "event_time",
    "service_item",
    "request",
    "request_type",
    "category",
    "department",
    "urgency",
    "summary",
)
FIELD_LABELS = {
    "caller_name": "来电人",
    "callback_number": "联系电话",
    "address": "地址",
    "event_time": "事发时间",
    "service_item": "事项",
    "request": "诉求",
    "request_type": "诉求类型",
    "category": "分类",
    "department": "承办单位",
    "urgency": "紧急程度",
    "summary": "通话摘要",
}
CALLER_FIELDS = {
    "caller_name": "name",
    "callback_number": "mobile",
    "address": "address",
}  # field → kind of personal data


def mask_field(key: str, value: str) -> str:
    """A ticket value as it may be shown or stored beside the confirmed caller fields: a caller field
    masked as a whole (张**, 138****5678), any other value with its numbers masked."""
    return mask_as(CALLER_FIELDS[key], value) if key in CALLER_FIELDS else mask_personal_data(value)


def caller_spans(
    text: str, fields: dict[str, str], names: bool = True, addresses: bool = True
) -> list[PersonalDataSpan]:
    """Names and addresses in a normalised text (``normalise_text``): those the patterns find and
    every mention of the ticket's confirmed caller name and address (which the patterns may miss)."""
    spans = names_and_addresses(text, names, addresses)
    for kind, key, on in (("name", "caller_name", names), ("address", "address", addresses)):
        value = normalise_text(fields.get(key, ""))
        if on and len(value) >= 2:
            spans += [
                PersonalDataSpan(kind, m.start(), m.end(), value) for m in re.finditer(re.escape(value), text)
            ]
    return spans


@dataclass
class TicketFields:
    values: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> TicketFields:
        unknown = set(values) - set(TICKET_FIELDS)
        if unknown:
            raise BadInput(
                f"未知的工单字段：{'、'.join(sorted(unknown))}；可用字段：{'、'.join(TICKET_FIELDS)}"
            )
        return cls({key: str(values.get(key) or "").strip() for key in TICKET_FIELDS})


class TicketRow(Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=lambda: datetime.now(UTC))
    agent: Mapped[str] = mapped_column(String(100))
    fields: Mapped[str] = mapped_column(Text)  # JSON: the confirmed fields
    draft: Mapped[str] = mapped_column(Text)  # JSON: what the copilot proposed
    corrections: Mapped[str] = mapped_column(Text)  # JSON: {field: [proposed, confirmed]}
    transcript: Mapped[str] = mapped_column(Text, default="")  # masked


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class ConfirmedTicket:
    id: int
    corrections: dict[str, list[str]]


class TicketStore:
    def __init__(self, database: Database, privacy: PrivacySettings | None = None) -> None:
        self._database = database
        self._privacy = privacy or PrivacySettings()

    def _mask(self, transcript: str, confirmed: TicketFields) -> str:
        transcript = normalise_text(transcript)
        return mask_personal_data(
            transcript,
            caller_spans(
                transcript, confirmed.values, self._privacy.mask_names, self._privacy.mask_addresses
            ),
        )

    def confirm(
        self, agent: str, draft: TicketFields, confirmed: TicketFields, transcript: str
    ) -> ConfirmedTicket:
        if not confirmed.values.get("request") and not confirmed.values.get("service_item"):
            raise BadInput("工单至少需要填写“事项”或“诉求”")
        corrections = {
            key: [mask_field(key, draft.values.get(key, "")), mask_field(key, value)]
            for key, value in confirmed.values.items()
            if draft.values.get(key, "") != value
        }
        stored = {
            key: value if key in CALLER_FIELDS else mask_field(key, value)
            for key, value in confirmed.values.items()
        }
        row = TicketRow(
            agent=agent,
            fields=json.dumps(stored, ensure_ascii=False),
            draft=json.dumps(
                {key: mask_field(key, value) for key, value in draft.values.items()}, ensure_ascii=False
            ),
            corrections=json.dumps(corrections, ensure_ascii=False),
            transcript=self._mask(transcript, confirmed),
        )
        with self._database.session() as session:
            session.add(row)
            session.flush()
            ticket_id = row.id
        return ConfirmedTicket(ticket_id, corrections)

    def all(self) -> list[dict[str, Any]]:
        """Every ticket with the confirmed caller fields as stored (for exports that mask or anonymise them)."""
        with self._database.session() as session:
            rows = list(session.scalars(select(TicketRow).order_by(TicketRow.id)))
        return [
            {
                "id": r.id,
                "created_at": r.created_at.isoformat(timespec="seconds"),
                "agent": r.agent,
                **json.loads(r.fields),
                "corrections": json.loads(r.corrections),
                "transcript": r.transcript,
            }
            for r in rows
        ]

    def since(self, created_after: datetime) -> list[dict[str, Any]]:
        """The tickets confirmed after a moment, oldest first: their id, time and confirmed fields as
        stored (the caller fields unmasked: for grouping, never for showing)."""
        with self._database.session() as session:
            rows = list(
                session.scalars(
                    select(TicketRow).where(TicketRow.created_at > created_after).order_by(TicketRow.id)
                )
            )
        return [{"id": r.id, "created_at": _aware(r.created_at), **json.loads(r.fields)} for r in rows]

    def masked(self) -> list[dict[str, Any]]:
        """Every ticket as agents list it: the caller fields masked too."""
        return [
            {**ticket, **{key: mask_field(key, ticket.get(key, "")) for key in CALLER_FIELDS}}
            for ticket in self.all()
        ]

    def caller(self, ticket_id: int) -> tuple[str, dict[str, str]]:
        """The agent who confirmed a ticket and its unmasked caller fields."""
        with self._database.session() as session:
            row = session.get(TicketRow, ticket_id)
        if row is None:
            raise NotFound(f"没有编号为 {ticket_id} 的工单")
        fields = json.loads(row.fields)
        return row.agent, {key: fields.get(key, "") for key in CALLER_FIELDS}
