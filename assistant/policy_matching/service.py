"""The policy-matching use cases the CLI and the API share, and their JSON shapes.

Owns the steps behind each command/route: import profiles (valid rows stored, bad rows reported),
extract documents (stored, reviewed items kept), match an enterprise or an item (as of a date),
review an item's conditions, export a push list. Leaves parsing, matching and storage to their
modules, and presentation (tables, HTTP) to ``assistant.cli``/``assistant.api``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from assistant.config import PolicyMatchingSettings
from assistant.database import Database
from assistant.errors import BadInput
from assistant.policy_matching.conditions import KIND_LABELS, Condition, PolicyItem, validate_condition
from assistant.policy_matching.extraction import extract_path
from assistant.policy_matching.matching import EnterpriseCandidate, ItemMatch, Matcher
from assistant.policy_matching.profiles import EnterpriseProfile, ImportReport, read_profiles
from assistant.policy_matching.push_list import DECISION_WORDS, write_push_list
from assistant.policy_matching.store import PolicyMatchingStore

logger = logging.getLogger(__name__)


class PolicyMatching:
    def __init__(self, database: Database, settings: PolicyMatchingSettings) -> None:
        self.store = PolicyMatchingStore(database)
        self.settings = settings

    def import_profiles(self, path: Path) -> tuple[ImportReport, int, int]:
        report = read_profiles(path, self.settings.max_import_rows)
        created, updated = self.store.save_profiles(report.profiles)
        logger.info(
            "Imported %d profiles from %s (%d bad cells)", len(report.profiles), path.name, len(report.errors)
        )
        return report, created, updated

    def extract(self, paths: Sequence[Path]) -> tuple[list[PolicyItem], dict[str, int]]:
        files = [
            f for p in paths for f in (sorted(x for x in p.rglob("*") if x.is_file()) if p.is_dir() else [p])
        ]
        if not files:
            raise BadInput("没有找到要抽取的政策文件")
        items = [item for path in files for item in extract_path(path, self.settings.regions)]
        return items, self.store.save_items(items)

    def match_enterprise(
        self, enterprise_id: str, as_of: date, include_not_met: bool = False, include_expired: bool = False
    ) -> tuple[EnterpriseProfile, list[ItemMatch]]:
        profile = self.store.profile(enterprise_id)
        return profile, Matcher(self.store.items()).for_enterprise(
            profile, as_of, include_not_met, include_expired
        )

    def match_item(self, item_id: str, as_of: date) -> tuple[PolicyItem, list[EnterpriseCandidate]]:
        matcher = Matcher(self.store.items())
        item = matcher.item(item_id)
        return item, matcher.for_item(item_id, self.store.profiles(), as_of)

    def review(self, item_id: str, conditions: Sequence[dict[str, Any]], reviewer: str) -> PolicyItem:
        """Replace an item's conditions with staff-checked ones; every one is validated first."""
        checked = [
            validate_condition(
                str(c.get("kind", "")), str(c.get("operator", "")), c.get("value"), str(c.get("sentence", ""))
            )
            for c in conditions
        ]
        return self.store.update_conditions(item_id, checked, reviewer)

    def export_push_list(self, item_id: str, as_of: date, out: TextIO) -> int:
        item, candidates = self.match_item(item_id, as_of)
        return write_push_list(item, candidates, out)


def condition_dict(condition: Condition) -> dict[str, Any]:
    return {**asdict(condition), "label": KIND_LABELS[condition.kind], "text": condition.describe()}


def item_dict(item: PolicyItem, as_of: date | None = None) -> dict[str, Any]:
    values = asdict(item)
    values["conditions"] = [condition_dict(c) for c in item.conditions]
    for name in ("window_start", "window_end"):
        values[name] = values[name].isoformat() if values[name] else None
    if as_of is not None:
        values["window_status"] = item.window_status(as_of)
    return values


def match_dict(match: ItemMatch) -> dict[str, Any]:
    return {
        "item_id": match.item.item_id,
        "title": match.item.title,
        "document_title": match.item.document_title,
        "decision": match.decision,
        "decision_text": DECISION_WORDS[match.decision],
        "window_status": match.window_status,
        "window_start": match.item.window_start.isoformat() if match.item.window_start else None,
        "window_end": match.item.window_end.isoformat() if match.item.window_end else None,
        "benefit": match.item.benefit,
        "department": match.item.department,
        "materials": match.item.materials,
        "source": match.item.source,
        "section": match.item.section,
        "conditions": [
            {
                **condition_dict(c.condition),
                "decision": c.decision,
                "profile_value": c.profile_value,
                "question": c.question,
            }
            for c in match.conditions
        ],
        "questions": match.questions,
    }


def candidate_dict(candidate: EnterpriseCandidate) -> dict[str, Any]:
    profile = candidate.profile
    return {
        "enterprise_id": profile.enterprise_id,
        "name": profile.name,
        "region": profile.region,
        "decision": candidate.decision,
        "decision_text": DECISION_WORDS[candidate.decision],
        "to_confirm": candidate.to_confirm,
    }
