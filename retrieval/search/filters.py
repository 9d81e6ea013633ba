"""What a question may be restricted to: outlets and an inclusive date range."""

from __future__ import annotations

from dataclasses import dataclass

from retrieval.errors import QuestionError
from retrieval.ingest.dates import article_day


@dataclass(frozen=True)
class Filters:
    """Restrict a search to some outlets (case-insensitive) and an inclusive ISO date range."""

    outlets: frozenset[str] = frozenset()
    since: str | None = None
    until: str | None = None

    def __post_init__(self) -> None:
        for name in ("since", "until"):
            value = getattr(self, name)
            # Only a day (YYYY-MM-DD): compared as text, which orders days (and only these) in time; articles
            # are compared by their day (``article_day``), whether or not they carry a time.
            if value is not None and article_day(value) != value:
                raise QuestionError(f"{name} date {value!r} is not a date like 2024-06-18 (year-month-day)")
        if self.since and self.until and self.since > self.until:
            raise QuestionError(f"the date range is empty: since {self.since} is after until {self.until}")
