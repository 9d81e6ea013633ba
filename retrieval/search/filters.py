"""What a question may be restricted to: outlets and an inclusive date range."""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.ingest.articles import iso_day
from retrieval.errors import QuestionError

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Filters:
    """Restrict a search to some outlets (case-insensitive) and an inclusive ISO date range."""

    outlets: frozenset[str] = frozenset()
    since: str | None = None
    until: str | None = None

    def __post_init__(self) -> None:
        for name in ("since", "until"):
            value = getattr(self, name)
            # Only YYYY-MM-DD: dates are compared as text, which orders these (and only these) by day.
            if value is not None and not (_DAY.fullmatch(value) and iso_day(value)):
                raise QuestionError(f"{name} date {value!r} is not a date like 2024-06-18 (year-month-day)")
        if self.since and self.until and self.since > self.until:
            raise QuestionError(f"the date range is empty: since {self.since} is after until {self.until}")
