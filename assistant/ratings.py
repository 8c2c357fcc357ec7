"""好差评: five-level ratings of answers and the follow-up of every negative one.

Owns the ``ratings`` and ``rating_follow_ups`` tables (``wiring.build_database`` imports this
module, so they exist wherever the database is built), the levels and reason tags every page
offers, the deadline in working days, and the rows of the CSV export for the 好差评 platform.
A rating of 不满意 or 非常不满意 opens a follow-up holding a copy of the conversation it rates
(questions, answers and the documents cited, as stored: masked), so the item outlives the
conversation's retention. Comments and resolutions are masked like every stored text
(``privacy.mask_personal_data`` normalises first). Auditing is the callers' job (the routes).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from assistant.answering.conversations import ConversationRow, TurnRow
from assistant.config import RatingSettings
from assistant.database import Base, Database
from assistant.errors import BadInput, NotFound
from assistant.privacy import mask_personal_data

# 国办发〔2019〕51号: five levels, coded 5 (best) to 1 on the 好差评 platform.
LEVELS = {"非常满意": 5, "满意": 4, "基本满意": 3, "不满意": 2, "非常不满意": 1}
LEVEL_NAMES = {code: name for name, code in LEVELS.items()}
NEGATIVE = frozenset({2, 1})  # 差评: each opens a follow-up
REASON_TAGS = (
    "回答准确",
    "通俗易懂",
    "来源清楚",
    "答非所问",
    "信息过时",
    "内容不全",
    "难以理解",
    "未解决问题",
)
CHANNELS = {"web": "网页", "widget": "网站挂件", "agent": "坐席", "api": "接口"}
FOLLOW_UP_STATUS = {"open": "待整改", "resolved": "已整改"}
EXPORT_COLUMNS = {
    "id": "评价编号",
    "rated_at": "评价时间",
    "channel": "评价渠道",
    "level_code": "评价等级代码",
    "level": "评价等级",
    "tags": "评价标签",
    "comment": "评价内容",
    "session_id": "会话编号",
    "answer_id": "回答编号",
    "follow_up_status": "整改状态",
    "due_on": "整改期限",
    "owner": "责任人",
    "resolution": "整改情况",
    "resolved_at": "整改时间",
}


def _now() -> datetime:
    return datetime.now(UTC)


class RatingRow(Base):
    __tablename__ = "ratings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    answer_id: Mapped[str] = mapped_column(String(64), unique=True)  # one rating per answer (一次一评)
    session_id: Mapped[str] = mapped_column(String(64), index=True)
    level: Mapped[int] = mapped_column(Integer)  # LEVELS code
    tags: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of REASON_TAGS
    comment: Mapped[str] = mapped_column(Text, default="")  # masked
    channel: Mapped[str] = mapped_column(String(16))
    rater: Mapped[str] = mapped_column(String(100), default="")  # the key holder's name; empty for the public
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, index=True)


class FollowUpRow(Base):
    __tablename__ = "rating_follow_ups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("ratings.id"), unique=True)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    owner: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    conversation: Mapped[str] = mapped_column(Text, default="[]")  # JSON copy of the rated conversation
    resolution: Mapped[str] = mapped_column(Text, default="")  # masked
    resolved_by: Mapped[str] = mapped_column(String(100), default="")
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


def add_working_days(start: date, days: int, settings: RatingSettings) -> date:
    """``days`` working days after ``start``: Monday to Friday, less the configured holidays, plus
    the configured make-up working days (调休)."""
    holidays, workdays = set(settings.holidays), set(settings.extra_workdays)
    current, left = start, days
    while left > 0:
        current += timedelta(days=1)
        if current in workdays or (current.weekday() < 5 and current not in holidays):
            left -= 1
    return current


@dataclass(frozen=True)
class RatingInput:
    answer_id: str
    session_id: str
    level: str  # a LEVELS name
    tags: tuple[str, ...] = ()
    comment: str = ""
    channel: str = "web"
    rater: str = ""


@dataclass(frozen=True)
class Recorded:
    rating_id: int
    follow_up_id: int | None
    due_on: date | None


class RatingStore:
    def __init__(self, database: Database, settings: RatingSettings) -> None:
        self._database = database
        self._settings = settings

    def record(self, rating: RatingInput, today: date | None = None) -> Recorded:
        """Store the rating of an answer of a stored conversation (one per answer, and no more
        ratings than the conversation has answers); a negative one opens its follow-up."""
        try:
            return self._record(rating, today)
        except IntegrityError as exc:  # the same answer rated twice at once: the second insert loses
            raise BadInput("这条回答已经评价过了") from exc

    def _record(self, rating: RatingInput, today: date | None) -> Recorded:
        if rating.level not in LEVELS:
            raise BadInput(f"评价等级应为：{'、'.join(LEVELS)}")
        unknown = [tag for tag in rating.tags if tag not in REASON_TAGS]
        if unknown:
            raise BadInput(f"未知的评价标签：{'、'.join(unknown)}；可选：{'、'.join(REASON_TAGS)}")
        level = LEVELS[rating.level]
        with self._database.session() as session:
            if session.get(ConversationRow, rating.session_id) is None:
                raise NotFound("要评价的会话不存在或已过保存期限")
            if (
                session.scalar(select(RatingRow.id).where(RatingRow.answer_id == rating.answer_id))
                is not None
            ):
                raise BadInput("这条回答已经评价过了")
            answers, rated = (
                session.scalar(select(func.count()).select_from(table).where(column == rating.session_id))
                or 0
                for table, column in (
                    (TurnRow, TurnRow.conversation_id),
                    (RatingRow, RatingRow.session_id),
                )
            )
            if rated >= answers:  # one rating per answer: made-up answer ids cannot flood the follow-ups
                raise BadInput("这次会话的回答都已评价过了")
            row = RatingRow(
                answer_id=rating.answer_id,
                session_id=rating.session_id,
                level=level,
                tags=json.dumps(sorted(set(rating.tags), key=REASON_TAGS.index), ensure_ascii=False),
                comment=mask_personal_data(rating.comment),
                channel=rating.channel,
                rater=rating.rater,
            )
            session.add(row)
            session.flush()
            if level not in NEGATIVE:
                return Recorded(row.id, None, None)
            turns = session.scalars(
                select(TurnRow).where(TurnRow.conversation_id == rating.session_id).order_by(TurnRow.id)
            ).all()
            conversation = [
                {
                    "question": t.question,
                    "answer": t.answer,
                    "status": t.status,
                    "sources": json.loads(t.citations),
                }
                for t in turns
            ]
            due_on = add_working_days(
                today or _now().date(), self._settings.follow_up_working_days, self._settings
            )
            follow_up = FollowUpRow(
                rating_id=row.id,
                due_on=due_on,
                owner=self._settings.default_owner,
                conversation=json.dumps(conversation, ensure_ascii=False),
            )
            session.add(follow_up)
            session.flush()
            return Recorded(row.id, follow_up.id, due_on)

    def follow_ups(self, status: str | None = None, today: date | None = None) -> list[dict[str, Any]]:
        """Follow-up items, oldest first, each with its rating and whether it is overdue."""
        today = today or _now().date()
        query = (
            select(FollowUpRow, RatingRow)
            .join(RatingRow, FollowUpRow.rating_id == RatingRow.id)
            .order_by(FollowUpRow.id)
        )
        if status is not None:
            query = query.where(FollowUpRow.status == status)
        with self._database.session() as session:
            return [
                _follow_up(follow_up, rating, today) for follow_up, rating in session.execute(query).all()
            ]

    def update_follow_up(
        self,
        follow_up_id: int,
        actor: str,
        owner: str | None = None,
        resolution: str | None = None,
        today: date | None = None,
    ) -> dict[str, Any]:
        """Assign an owner and/or resolve (a resolution closes the item; it is stored masked)."""
        with self._database.session() as session:
            follow_up = session.get(FollowUpRow, follow_up_id)
            if follow_up is None:
                raise NotFound(f"整改事项 {follow_up_id} 不存在")
            if owner is not None:
                follow_up.owner = owner
            if resolution is not None:
                if follow_up.status == "resolved":
                    raise BadInput(f"整改事项 {follow_up_id} 已整改完毕")
                follow_up.resolution, follow_up.status = mask_personal_data(resolution), "resolved"
                follow_up.resolved_by, follow_up.resolved_at = actor, _now()
            rating = session.get(RatingRow, follow_up.rating_id)
            assert rating is not None
            return _follow_up(follow_up, rating, today or _now().date())

    def trends(self, days: int, today: date | None = None) -> list[dict[str, Any]]:
        """Ratings per day and level over the last ``days`` days, every day and level (zeros
        included, levels best first), so that a chart's lines do not skip the quiet days."""
        since = (today or _now().date()) - timedelta(days=days - 1)
        day = func.date(RatingRow.at)
        query = (
            select(day, RatingRow.level, func.count())
            .where(RatingRow.at >= datetime.combine(since, datetime.min.time(), UTC))
            .group_by(day, RatingRow.level)
        )
        with self._database.session() as session:
            counts = {(str(d), level): count for d, level, count in session.execute(query).all()}
        dates = [(since + timedelta(days=offset)).isoformat() for offset in range(days)]
        return [
            {"day": d, "level": name, "count": counts.get((d, code), 0)}
            for d in dates
            for name, code in LEVELS.items()
        ]

    def export_rows(self, since: datetime | None = None) -> list[dict[str, Any]]:
        """Every rating (with its follow-up, if any) as the 好差评 platform's columns (``EXPORT_COLUMNS``)."""
        query = (
            select(RatingRow, FollowUpRow)
            .outerjoin(FollowUpRow, FollowUpRow.rating_id == RatingRow.id)
            .order_by(RatingRow.id)
        )
        if since is not None:
            query = query.where(RatingRow.at >= since)
        with self._database.session() as session:
            rows = session.execute(query).all()
        return [
            {
                "id": r.id,
                "rated_at": r.at.isoformat(timespec="seconds"),
                "channel": CHANNELS.get(r.channel, r.channel),
                "level_code": r.level,
                "level": LEVEL_NAMES[r.level],
                "tags": "、".join(json.loads(r.tags)),
                "comment": r.comment,
                "session_id": r.session_id,
                "answer_id": r.answer_id,
                "follow_up_status": FOLLOW_UP_STATUS[f.status] if f else "",
                "due_on": f.due_on.isoformat() if f else "",
                "owner": f.owner if f else "",
                "resolution": f.resolution if f else "",
                "resolved_at": f.resolved_at.isoformat(timespec="seconds") if f and f.resolved_at else "",
            }
            for r, f in rows
        ]


def _follow_up(follow_up: FollowUpRow, rating: RatingRow, today: date) -> dict[str, Any]:
    overdue = follow_up.status == "open" and follow_up.due_on < today
    return {
        "id": follow_up.id,
        "status": follow_up.status,
        "status_label": FOLLOW_UP_STATUS[follow_up.status],
        "opened_at": follow_up.opened_at.isoformat(timespec="seconds"),
        "due_on": follow_up.due_on.isoformat(),
        "overdue": overdue,
        "overdue_days": (today - follow_up.due_on).days if overdue else 0,
        "owner": follow_up.owner,
        "rating": {
            "id": rating.id,
            "level": LEVEL_NAMES[rating.level],
            "tags": json.loads(rating.tags),
            "comment": rating.comment,
            "channel": CHANNELS.get(rating.channel, rating.channel),
            "answer_id": rating.answer_id,
            "session_id": rating.session_id,
            "rated_at": rating.at.isoformat(timespec="seconds"),
        },
        "conversation": json.loads(follow_up.conversation),
        "resolution": follow_up.resolution,
        "resolved_by": follow_up.resolved_by,
        "resolved_at": follow_up.resolved_at.isoformat(timespec="seconds") if follow_up.resolved_at else None,
    }
