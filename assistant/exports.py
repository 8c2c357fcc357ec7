"""Exports for analysis: tickets (工单) and conversations as JSON rows or CSV, masked or anonymised.

Masked (the default): numbers masked as everywhere (138****5678), caller names and addresses
masked as a whole (张**). Anonymised (匿名化): every name, phone, ID-card, bank-card number
and address, and every session id, replaced by a pseudonym that is stable within one export
(``privacy.Pseudonymiser``: the same caller is 来电人A7F3C2 in every row of it, and someone else
in the next export), so analysts count repeat callers without learning who they are. The
unmasked caller fields leave only through the audited reveal route, never through an export;
the callers of these functions audit each export.

What a caller of a department exports keeps to that department (``assistant.access``): tickets
whose handling department (承办单位) is theirs, and conversation turns citing only documents they
may read (an answer quoting another department's 敏感 document stays with that department).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, cast

from assistant.answering.conversations import ConversationStore
from assistant.hotline.tickets import CALLER_FIELDS, FIELD_LABELS, TicketStore, caller_spans
from assistant.privacy import Pseudonymiser
from assistant.text_normalisation import normalise_text

TICKET_COLUMNS = {
    "id": "工单编号",
    "created_at": "创建时间",
    "agent": "坐席",
    **FIELD_LABELS,
    "transcript": "通话转写",
}
CONVERSATION_COLUMNS = {
    "session_id": "会话",
    "created_at": "时间",
    "question": "问题",
    "standalone_question": "检索问题",
    "answer": "回答",
    "status": "状态",
    "mode": "回答方式",
    "model": "模型",
}
_TICKET_TEXTS = ("service_item", "request", "summary", "transcript")  # free text that may name the caller
_HIDDEN = "（已匿名化）"  # a corrected caller field: that it was corrected is kept, not what it said


def _anonymised_ticket(ticket: dict[str, Any], pseudonyms: Pseudonymiser) -> dict[str, Any]:
    out = {
        **ticket,
        **{key: pseudonyms.pseudonym(kind, ticket.get(key, "")) for key, kind in CALLER_FIELDS.items()},
    }
    for key in _TICKET_TEXTS:
        text = normalise_text(ticket.get(key, ""))
        out[key] = pseudonyms.text(text, caller_spans(text, ticket))
    out["corrections"] = {
        key: [_HIDDEN, _HIDDEN] if key in CALLER_FIELDS else [pseudonyms.text(value) for value in pair]
        for key, pair in ticket["corrections"].items()
    }
    return out


def tickets(store: TicketStore, anonymise: bool = False, department: str = "") -> list[dict[str, Any]]:
    """Every ticket (of ``department`` as 承办单位; "": all), masked or anonymised (see the module docstring)."""
    rows = store.masked() if not anonymise else store.all()
    if department:
        rows = [ticket for ticket in rows if ticket.get("department") == department]
    if not anonymise:
        return rows
    pseudonyms = Pseudonymiser()
    return [_anonymised_ticket(ticket, pseudonyms) for ticket in rows]


def conversations(
    store: ConversationStore,
    since: datetime | None = None,
    anonymise: bool = False,
    readable: Callable[[str], bool] | None = None,
) -> list[dict[str, Any]]:
    """Stored conversation turns (their text is masked when stored), less those citing a document
    ``readable`` rejects (``access.readable_documents``); anonymised, the session ids become
    pseudonyms and names and addresses in the questions too."""
    turns = store.turns(since)
    if readable is not None:
        turns = [turn for turn in turns if all(map(readable, cast(list[str], turn["citations"])))]
    if not anonymise:
        return turns
    pseudonyms = Pseudonymiser()
    for turn in turns:
        turn["session_id"] = pseudonyms.pseudonym("session", str(turn["session_id"]))
        for key in ("question", "standalone_question"):
            text = normalise_text(str(turn[key]))
            turn[key] = pseudonyms.text(text, caller_spans(text, {}))
    return turns


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    """A text that a spreadsheet would run as a formula (=HYPERLINK(…) in a citizen's comment) is
    quoted with a leading apostrophe, which spreadsheets show as text (OWASP CSV injection)."""
    return f"'{value}" if isinstance(value, str) and value.startswith(_FORMULA_STARTS) else value


def to_csv(rows: Sequence[dict[str, Any]], columns: dict[str, str]) -> str:
    """Rows as CSV with Chinese headers and a BOM (Excel opens UTF-8 Chinese correctly); no cell
    starts a formula."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns.values())
    for row in rows:
        writer.writerow([_cell(row.get(column, "")) for column in columns])
    return "\ufeff" + out.getvalue()
