"""Enterprise profiles as numpy columns, and one condition decided for every enterprise at once.

Owns the column layout (missing = -1 / NaN / 0, so "unknown" is a mask, not a branch) and the
three-valued decision of one ``Condition`` over all rows: 1 met, 0 not met, 2 unknown. This is
what makes 10,000 enterprises × 500 items a few thousand vector operations instead of millions
of Python calls. Leaves combining conditions into item decisions and explaining them to
``matching``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from assistant.policy_matching.conditions import (
    CREDIT_RATINGS,
    NUMERIC_KINDS,
    PROFILE_LIST,
    QUALIFICATION_IMPLIES,
    QUALIFICATIONS,
    SCALES,
    Condition,
)
from assistant.policy_matching.industries import division_of, parse_ranges
from assistant.policy_matching.profiles import EnterpriseProfile
from assistant.policy_matching.scale import classify_columns

MET, NOT_MET, UNKNOWN = 1, 0, 2
Decisions = npt.NDArray[np.int8]
_NUMBERS = tuple(kind for kind in NUMERIC_KINDS if kind != "years_registered")
_COMPARE = {">=": np.greater_equal, ">": np.greater, "<=": np.less_equal, "<": np.less}


def _qualification_bits(names: Sequence[str], implied: bool = True) -> int:
    """Bit mask of qualifications; ``implied`` adds what holding one implies (for profiles only)."""
    bits = 0
    for name in names:
        for held in (name, QUALIFICATION_IMPLIES.get(name) if implied else None):
            if held in QUALIFICATIONS:
                bits |= 1 << QUALIFICATIONS.index(held)
    return bits


def _decisions(met: npt.NDArray[np.bool_], known: npt.NDArray[np.bool_]) -> Decisions:
    return np.where(known, met.astype(np.int8), np.int8(UNKNOWN)).astype(np.int8)


@dataclass
class ProfileColumns:
    ids: list[str]
    region_codes: npt.NDArray[np.int32]
    region_names: list[str]
    division: npt.NDArray[np.int16]
    registered: npt.NDArray[np.int32]  # yyyymmdd, 0 = unknown
    numbers: dict[str, npt.NDArray[np.float64]]
    qualifications: npt.NDArray[np.int64]  # bit mask, -1 = unknown
    credit_rating: npt.NDArray[np.int8]  # index in CREDIT_RATINGS, -1 = unknown
    dishonest: npt.NDArray[np.int8]  # 1 listed, 0 not, -1 unknown
    scale_mask: npt.NDArray[np.uint8]

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def from_profiles(cls, profiles: Sequence[EnterpriseProfile]) -> ProfileColumns:
        names = sorted({p.region for p in profiles if p.region})
        index = {name: code for code, name in enumerate(names)}
        numbers = {
            field: np.array(
                [np.nan if getattr(p, field) is None else getattr(p, field) for p in profiles],
                dtype=np.float64,
            )
            for field in _NUMBERS
        }
        division = np.array(
            [division_of(p.industry_code) if p.industry_code else -1 for p in profiles], dtype=np.int16
        )
        return cls(
            ids=[p.enterprise_id for p in profiles],
            region_codes=np.array([index[p.region] if p.region else -1 for p in profiles], dtype=np.int32),
            region_names=names,
            division=division,
            registered=np.array([_ymd(p.registered_on) for p in profiles], dtype=np.int32),
            numbers=numbers,
            qualifications=np.array(
                [-1 if p.qualifications is None else _qualification_bits(p.qualifications) for p in profiles],
                dtype=np.int64,
            ),
            credit_rating=np.array(
                [CREDIT_RATINGS.index(p.credit_rating) if p.credit_rating else -1 for p in profiles],
                dtype=np.int8,
            ),
            dishonest=np.array(
                [-1 if p.dishonest is None else int(p.dishonest) for p in profiles], dtype=np.int8
            ),
            scale_mask=classify_columns(
                division, numbers["employees"], numbers["revenue"], numbers["assets"]
            ),
        )

    def evaluate(self, condition: Condition, as_of: date) -> Decisions:
        """The decision of one condition for every enterprise."""
        kind, operator, value = condition.kind, condition.operator, condition.value
        if kind == "free_text":
            return np.full(len(self), UNKNOWN, dtype=np.int8)
        if kind == "scale":
            wanted = np.uint8(sum(1 << SCALES.index(tier) for tier in value))
            met = (self.scale_mask & ~wanted) == 0
            return _decisions(met, met | ((self.scale_mask & wanted) == 0))
        if kind in NUMERIC_KINDS:
            return self._threshold(kind, operator, float(value), as_of)
        if kind == "region":
            lookup = np.array([any(n.startswith(v) for v in value) for n in self.region_names] + [False])
            return _decisions(lookup[self.region_codes], self.region_codes >= 0)
        if kind == "industry":
            inside = np.zeros(len(self), dtype=bool)
            for low, high in parse_ranges(value):
                inside |= (self.division >= low) & (self.division <= high)
            return _decisions(inside if operator == "in" else ~inside, self.division >= 0)
        if kind == "qualification":
            bits = _qualification_bits(value, implied=False)
            return _decisions((self.qualifications & bits) != 0, self.qualifications >= 0)
        if kind == "credit_rating":
            wanted_ratings = [CREDIT_RATINGS.index(r) for r in value]
            return _decisions(np.isin(self.credit_rating, wanted_ratings), self.credit_rating >= 0)
        if kind == "credit_record":
            known = self.dishonest >= 0 if value == PROFILE_LIST else np.zeros(len(self), dtype=bool)
            return _decisions(self.dishonest == 0, known)
        raise ValueError(f"unknown condition kind {kind!r}")

    def _threshold(self, kind: str, operator: str, bound: float, as_of: date) -> Decisions:
        if kind == "years_registered":
            known = self.registered > 0
            values = ((_ymd(as_of) - self.registered) // 10000).astype(np.float64)
        else:
            values = self.numbers[kind]
            known = ~np.isnan(values)
        with np.errstate(invalid="ignore"):
            met = _COMPARE[operator](values, bound)
        return _decisions(met, known)


def _ymd(day: date | None) -> int:
    return 0 if day is None else day.year * 10000 + day.month * 100 + day.day


def whole_years(start: date, as_of: date) -> int:
    return (_ymd(as_of) - _ymd(start)) // 10000
