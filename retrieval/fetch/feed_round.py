"""One round over the followed feeds: each feed read (conditionally), its unseen entries' pages
fetched and their articles extracted. One feed's failure never stops the others; each is kept
with its reason. Indexing the articles, and recording the round, is the caller's next step, so
an entry counts as seen only once its article is in the index."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from retrieval.errors import NewsbotError
from retrieval.fetch.feed_list import Feed, FeedList
from retrieval.fetch.feeds import read_feed
from retrieval.fetch.fetcher import FEED_TYPES, PAGE_TYPES, Fetcher, FetchError, FetchSettings
from retrieval.fetch.pages import article_from_page
from retrieval.ingest.articles import Article, ReadReport


@dataclass
class FeedOutcome:
    """What one feed gave in a round."""

    feed: Feed
    etag: str | None
    last_modified: str | None
    articles: list[Article] = field(default_factory=list)
    entries: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # entry URL -> article id, updated
    failed: int = 0
    error: str | None = None


MAX_REFETCHES = 10  # updated entries fetched again per feed and round; the rest wait for the next rounds


class FetchStopped(NewsbotError):
    """The round was told to stop (the bot is shutting down) before it finished."""


def read_feeds(feeds: FeedList, settings: FetchSettings, stop: threading.Event | None = None) -> list[FeedOutcome]:
    """Every followed feed's new articles (pages not seen before), with failures and their reasons.

    ``stop``, once set, ends the round before its next request (waits between requests end early):
    FetchStopped, and nothing of the round is indexed or recorded."""
    stop = stop or threading.Event()
    with Fetcher(settings, sleep=stop.wait) as fetcher:
        return [_read_one(fetcher, feed, feeds, stop) for feed in feeds.feeds()]


def round_pages(outcomes: list[FeedOutcome]) -> ReadReport:
    """The round's articles as a source for indexing."""
    return ReadReport(articles=[article for outcome in outcomes for article in outcome.articles])


def _stop_here(stop: threading.Event) -> None:
    if stop.is_set():
        raise FetchStopped("the fetch was stopped before it finished; nothing of this round was recorded, "
                           "and the next fetch picks it up")


def _read_one(fetcher: Fetcher, feed: Feed, feeds: FeedList, stop: threading.Event) -> FeedOutcome:
    _stop_here(stop)
    try:
        result = fetcher.fetch(feed.url, etag=feed.etag, last_modified=feed.last_modified, accept=FEED_TYPES)
        entries = [] if result.not_modified else read_feed(result.text or "", result.final_url)
    except FetchError as exc:
        return FeedOutcome(feed, feed.etag, feed.last_modified, error=exc.reason)
    outcome, refetched = FeedOutcome(feed, result.etag, result.last_modified), 0
    for entry in entries:
        if feeds.seen(entry.url, entry.updated):
            continue
        if feeds.known(entry.url):  # updated since: fetched again, a few a round (some feeds restamp every entry)
            refetched += 1
            if refetched > MAX_REFETCHES:
                continue
        _stop_here(stop)
        try:
            page = fetcher.fetch(entry.url, accept=PAGE_TYPES)
        except FetchError as exc:
            outcome.failed, outcome.error = outcome.failed + 1, f"{entry.url}: {exc.reason}"
            continue
        article = article_from_page(page.text or "", page.final_url, outlet=feed.outlet)
        if article is None:
            outcome.failed, outcome.error = outcome.failed + 1, f"{entry.url}: the page holds no article text"
            continue
        outcome.articles.append(article)
        outcome.entries[entry.url] = (article.id, entry.updated)
    return outcome
