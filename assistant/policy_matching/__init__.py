"""Policy matching (政策双找): support items extracted from policy texts, enterprise profiles, and
explained eligibility decisions both ways (企业找政策, 政策找企业).

Modules, one job each: ``conditions`` (the typed vocabulary), ``industries`` and ``scale`` (national
classification rules), ``clauses`` (one clause → typed conditions, 待核实 for the rest), ``outline``
(headings, numbered sections, articles and table rows), ``facts`` (受理部门, window, award),
``extraction`` (a policy document → support items, document-level conditions inherited),
``profiles`` (enterprise profiles from CSV/XLSX, validated), ``columns`` (profiles as numpy columns, one condition evaluated for all enterprises at once),
``matching`` (decisions and explanations), ``store`` (the database tables).
"""

from assistant.policy_matching.conditions import Condition, PolicyItem
from assistant.policy_matching.extraction import extract_items, extract_path
from assistant.policy_matching.matching import Matcher
from assistant.policy_matching.profiles import EnterpriseProfile, read_profiles
from assistant.policy_matching.service import PolicyMatching
from assistant.policy_matching.store import PolicyMatchingStore

__all__ = [
    "Condition",
    "EnterpriseProfile",
    "Matcher",
    "PolicyItem",
    "PolicyMatching",
    "PolicyMatchingStore",
    "extract_items",
    "extract_path",
    "read_profiles",
]
