"""Conversations: sessions and their turns, persisted in the application database.

Only masked text is stored: the questions are masked here too (``privacy``: phone, ID-card and
bank-card numbers, after NFKC and zero-width normalisation), whatever the caller did before. The
history feeds the condense step of the next question; ``turns`` feeds exports (``assistant.exports``).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from assistant.database import Base, Database
from assistant.errors import BadInput
from assistant.privacy import mask_personal_data

_SESSION_ID_MAX = 64


def _now() -> datetime:
    return datetime.now(UTC)


class ConversationRow(Base):
    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(_SESSION_ID_MAX), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class TurnRow(Base):
    __tablename__ = "conversation_turns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    question: Mapped[str] = mapped_column(Text)
    standalone_question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(32))
    # How the answer was made (faq / generated / extractive / refusal) and, if generated, by which
    # model: stored conversations mark AI-generated text (GB 45438-2025).
    mode: Mapped[str] = mapped_column(String(16), default="", server_default="")
    model: Mapped[str] = mapped_column(String(128), default="", server_default="")
    citations: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of doc ids
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


@dataclass(frozen=True)
class Turn:
    question: str
    standalone_question: str
    answer: str
    status: str
    mode: str = ""
    model: str = ""


class ConversationStore:
    def __init__(self, database: Database) -> None:
        self._database = database

    def ensure(self, session_id: str | None) -> str:
        """The given session (created if new) or a fresh one."""
        if session_id is not None and not (0 < len(session_id) <= _SESSION_ID_MAX):
            raise BadInput(f"会话 ID 长度应为 1–{_SESSION_ID_MAX} 个字符")
        session_id = session_id or uuid.uuid4().hex
        with self._database.session() as session:
            if session.get(ConversationRow, session_id) is None:
                session.add(ConversationRow(id=session_id))
        return session_id

    def history(self, session_id: str, turns: int) -> list[Turn]:
        """The last ``turns`` turns, oldest first."""
        if turns <= 0:
            return []
        with self._database.session() as session:
            rows = session.scalars(
                select(TurnRow)
                .where(TurnRow.conversation_id == session_id)
                .order_by(TurnRow.id.desc())
                .limit(turns)
            ).all()
        return [
            Turn(r.question, r.standalone_question, r.answer, r.status, r.mode, r.model)
            for r in reversed(rows)
        ]

    def append(self, session_id: str, turn: Turn, cited_doc_ids: list[str]) -> None:
        with self._database.session() as session:
            session.add(
                TurnRow(
                    conversation_id=session_id,
                    question=mask_personal_data(turn.question),
                    standalone_question=mask_personal_data(turn.standalone_question),
                    answer=turn.answer,
                    status=turn.status,
                    mode=turn.mode,
                    model=turn.model,
                    citations=json.dumps(cited_doc_ids, ensure_ascii=False),
                )
            )

    def turns(self, since: datetime | None = None, limit: int = 100_000) -> list[dict[str, object]]:
        """Stored turns, oldest first, with their session id, for exports."""
        query = select(TurnRow).order_by(TurnRow.id).limit(limit)
        if since is not None:
            query = query.where(TurnRow.created_at >= since)
        with self._database.session() as session:
            rows = list(session.scalars(query))
        return [
            {
                "session_id": r.conversation_id,
                "created_at": r.created_at.isoformat(timespec="seconds"),
                "question": r.question,
                "standalone_question": r.standalone_question,
                "answer": r.answer,
                "status": r.status,
                "mode": r.mode,
                "model": r.model,
                "citations": json.loads(r.citations),
            }
            for r in rows
        ]
