"""Newer articles first when relevance does not decide: a small date prior on the ranking scores.

Pure functions over the candidates' scores and publication dates, of which only the day counts
(``article_day``: a date with a time ranks as its day):
- every ranking gets ``TIE_WEIGHT`` x recency, which only settles ties and near-ties
  (on the news questions the best two fused scores lie 0.08 apart at the 5th percentile,
  0.96 at the median);
- a question that asks for the latest news ("berita terbaru", "today", or a ``since:``
  filter) also gives the candidates within ``RECENT_MARGIN`` of the best score up to
  ``RECENT_MARGIN`` more, the newest the most: among passages that are about equally
  relevant the newest comes first, while one that is more relevant by more than the margin
  keeps its place ahead of every newer one.

Recency is a day's rank among the candidates' distinct days, scaled to [0, 1] (1 = the
newest), relative to the candidates rather than to today because an index may hold only
years-old news. A passage without a date gets no bonus.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from retrieval.ingest.dates import article_day
from retrieval.search.filters import Filters

TIE_WEIGHT = 0.01
RECENT_MARGIN = 0.5  # in fused-score units (weighted z-scores); the reader adds its own on top

# Whole words or phrases, Indonesian (formal and casual) and English, that ask for the latest.
# "terakhir"/"last" are left out: "kapan terakhir kali ..." asks about a past event, not for news.
_RECENT_WORDS = (
    r"terbaru(?:nya)?", r"terkini(?:nya)?", r"teranyar", r"ter-?update", r"baru-baru ini", r"barusan",
    r"hari ini", r"kemarin", r"kemaren", r"kmrn", r"sekarang", r"skrg", r"saat ini",
    r"(?:minggu|pekan|bulan|tahun) ini",
    r"latest", r"newest", r"recent(?:ly)?", r"todays?", r"tonight", r"yesterdays?",
    r"this (?:morning|week|month|year)", r"right now", r"currently", r"breaking news",
)
_RECENT = re.compile(r"(?<!\w)(?:" + "|".join(w.replace(" ", r"\s+") for w in _RECENT_WORDS) + r")(?![\w-])",
                     re.IGNORECASE)


def wants_recent(question: str) -> bool:
    """Whether the question asks for the latest news ("terbaru", "hari ini", "latest", "today", ...)."""
    return _RECENT.search(question) is not None


def asks_for_recent(question: str, filters: Filters) -> bool:
    """A question that asks for the latest, or one restricted to news since a date."""
    return filters.since is not None or wants_recent(question)


def recency(dates: Sequence[str | None]) -> np.ndarray:
    """Each date's day's rank among the distinct days given, scaled to [0, 1]: 0 the oldest, 1 the
    newest (and a lone day); 0 where there is no day."""
    days = [article_day(d) for d in dates]
    distinct = sorted({d for d in days if d})
    steps = len(distinct) - 1
    rank = {day: i / steps if steps else 1.0 for i, day in enumerate(distinct)}
    return np.array([rank.get(d, 0.0) for d in days], dtype=np.float32)


def prefer_recent(scores: np.ndarray, dates: Sequence[str | None], *, recent: bool = False) -> np.ndarray:
    """``scores`` plus the date prior: ``TIE_WEIGHT`` x recency for all, and with ``recent``,
    ``RECENT_MARGIN`` x recency among the candidates within ``RECENT_MARGIN`` of the best."""
    if len(scores) != len(dates):
        raise ValueError(f"{len(scores)} scores but {len(dates)} days")
    if len(scores) == 0:
        return scores
    prior = TIE_WEIGHT * recency(dates)
    if recent:
        near = scores >= scores.max() - RECENT_MARGIN
        prior += RECENT_MARGIN * recency([d if n else None for d, n in zip(dates, near)])
    return (scores + prior).astype(scores.dtype, copy=False)
