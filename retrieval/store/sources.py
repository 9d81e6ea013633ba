"""What an index covers: outlets with article counts and date ranges."""

from __future__ import annotations

from dataclasses import dataclass

from retrieval.ingest.dates import day_range
from retrieval.store.index import ArticleSummary


@dataclass(frozen=True)
class OutletCoverage:
    """One outlet's share of the index, with its first and last days."""

    outlet: str
    articles: int
    first_date: str | None
    last_date: str | None


def coverage(articles: list[ArticleSummary]) -> list[OutletCoverage]:
    """Outlets by article count (most first, then by name), each with its date range."""
    by_outlet: dict[str, list[ArticleSummary]] = {}
    for article in articles:
        by_outlet.setdefault(article.outlet, []).append(article)
    rows = []
    for outlet, items in by_outlet.items():
        rows.append(OutletCoverage(outlet, len(items), *day_range(a.date for a in items)))
    return sorted(rows, key=lambda row: (-row.articles, row.outlet.casefold()))
