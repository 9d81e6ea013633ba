"""What an index covers: outlets with article counts and date ranges."""

from __future__ import annotations

from dataclasses import dataclass

from retrieval.store.index import ArticleSummary


@dataclass(frozen=True)
class OutletCoverage:
    """One outlet's share of the index."""

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
        dates = sorted(a.date for a in items if a.date)
        rows.append(OutletCoverage(outlet, len(items), dates[0] if dates else None, dates[-1] if dates else None))
    return sorted(rows, key=lambda row: (-row.articles, row.outlet.casefold()))
