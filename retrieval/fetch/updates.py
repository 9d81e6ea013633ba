"""A whole fetch: every followed feed read, the new articles indexed, then the round recorded.

The same for ``newsbot fetch`` and the bot's schedule. The round is recorded only after the
index holds its articles, so a fetch stopped at any point (killed, or an indexing error) asks
for the same entries again next time and the index keeps its previous good state. A page whose
text the index already holds under another URL (outlets republish) is recorded as seen, so it is
not fetched again, but not counted as new.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

from retrieval.errors import ConfigError
from retrieval.fetch.feed_list import Feed, FeedList, now
from retrieval.fetch.feed_round import FeedOutcome, read_feeds, round_pages
from retrieval.fetch.fetcher import FetchSettings
from retrieval.model.embedding import Embedder
from retrieval.store.indexing import IndexReport
from retrieval.store.store_settings import StoreSettings
from retrieval.store.stores import index_sources


@dataclass(frozen=True)
class FetchRun:
    """What one fetch brought: per feed outcomes, the indexing report (None: nothing new), the feeds after it."""

    started: str
    seconds: float
    outcomes: list[FeedOutcome]
    report: IndexReport | None
    feeds: list[Feed]

    @property
    def new(self) -> int:
        return sum(len(outcome.articles) for outcome in self.outcomes)

    @property
    def duplicates(self) -> int:
        """Pages whose article the index already held under another URL."""
        return sum(len(outcome.duplicates) for outcome in self.outcomes)

    @property
    def failed(self) -> int:
        """Pages that failed, plus feeds that could not be read at all."""
        return sum(outcome.failed + (outcome.error is not None and not outcome.failed) for outcome in self.outcomes)


def fetch_and_index(folder: Path, stores: StoreSettings, embedder: Embedder, settings: FetchSettings,
                    stop: threading.Event | None = None) -> FetchRun:
    """Read every feed followed in ``folder``, index what is new, record the round; ConfigError with no feeds.

    ``stop`` set while pages are read ends the round early (FetchStopped), recording nothing."""
    started, clock = now(), time.monotonic()
    feeds = FeedList(folder)
    try:
        if not feeds.feeds():
            raise ConfigError("no feeds are followed; add one with: newsbot feeds add URL")
        outcomes = read_feeds(feeds, settings, stop)
        pages = round_pages(outcomes)
        report = index_sources(stores, [], folder, embedder, sync=False, pages=pages) if pages.articles else None
        record_round(feeds, outcomes, report)
        return FetchRun(started, time.monotonic() - clock, outcomes, report, feeds.feeds())
    finally:
        feeds.close()


def record_round(feeds: FeedList, outcomes: list[FeedOutcome], report: IndexReport | None) -> None:
    """Record each feed's round once its articles are indexed; pages the index skipped as the same
    text under another URL are recorded as seen but not counted as new."""
    skipped = {source for source, _ in report.skipped} if report is not None else set()
    for outcome in outcomes:
        outcome.drop_duplicates(skipped)
        feeds.record(outcome.feed, etag=outcome.etag, last_modified=outcome.last_modified,
                     new=len(outcome.articles), failed=outcome.failed, error=outcome.error,
                     indexed=outcome.entries, failures=outcome.failures)
