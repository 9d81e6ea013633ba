"""One round over the followed feeds: each feed read (conditionally), its unseen entries' pages
fetched and their articles extracted. One feed's failure never stops the others, nor does one
page's: each is kept with its reason, and an unexpected error (a parser's or an extractor's bug)
is logged with its traceback. Indexing the articles, and recording the round, is the caller's
next step, so an entry counts as seen only once its article is in the index.

A feed whose round left entries to retry (pages that failed, updated entries held back) keeps no
validators, so the next round reads it whole rather than getting a 304 that would hide them. A
page that failed ``feed_list.MAX_PAGE_TRIES`` rounds in a row rests (``FeedList.resting``): it no
longer keeps its feed from a 304, and is tried once a day, when its feed is read whole again."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from retrieval.errors import NewsbotError
from retrieval.fetch import feed_list
from retrieval.fetch.feed_list import Feed, FeedList
from retrieval.fetch.feeds import FeedEntry, read_feed
from retrieval.fetch.fetcher import FEED_TYPES, PAGE_TYPES, Fetcher, FetchError, FetchSettings
from retrieval.fetch.pages import article_from_page, normalise_url
from retrieval.ingest.articles import Article, ReadReport

log = logging.getLogger(__name__)


@dataclass
class FeedOutcome:
    """What one feed gave in a round; ``etag`` and ``last_modified`` are the validators to keep for
    the next round's conditional GET (none when entries were left to retry)."""

    feed: Feed
    etag: str | None
    last_modified: str | None
    articles: list[Article] = field(default_factory=list)
    entries: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # entry URL -> article id, updated
    failures: dict[str, tuple[str | None, int]] = field(default_factory=dict)  # failed entry URL -> updated, tries
    failed: int = 0
    error: str | None = None
    deferred: int = 0  # updated entries held back for the next rounds (MAX_REFETCHES)
    duplicates: list[str] = field(default_factory=list)  # pages whose article is already held under another URL

    def fail(self, url: str, reason: str) -> None:
        self.failed, self.error = self.failed + 1, f"{url}: {reason}"

    def fail_page(self, entry: FeedEntry, key: str, reason: str, tries: int) -> None:
        """The entry's page failed, for the ``tries``-th round in a row."""
        if tries >= feed_list.MAX_PAGE_TRIES:
            reason += f" (failed {tries} rounds in a row: now tried once a day until it works)"
        self.fail(entry.url, reason)
        self.failures[key] = (entry.updated, tries)

    def drop_duplicates(self, skipped: set[str]) -> None:
        """Move the articles the index did not store (``skipped``: their sources; the same text is stored
        under another URL) to ``duplicates``: their entries count as seen, but not as new."""
        self.duplicates += [article.source for article in self.articles if article.source in skipped]
        self.articles = [article for article in self.articles if article.source not in skipped]


MAX_REFETCHES = 10  # updated entries fetched again per feed and round; the rest wait for the next rounds


class FetchStopped(NewsbotError):
    """The round was told to stop (the bot is shutting down) before it finished."""


@dataclass
class _Round:
    """What the feeds of one round share: the fetcher, and the entries and articles already read."""

    fetcher: Fetcher
    feeds: FeedList
    stop: threading.Event
    entries: set[str] = field(default_factory=set)  # normalised entry URLs taken by a feed this round
    articles: set[str] = field(default_factory=set)  # ids of the articles read this round


def read_feeds(feeds: FeedList, settings: FetchSettings, stop: threading.Event | None = None) -> list[FeedOutcome]:
    """Every followed feed's new articles (pages not seen before), with failures and their reasons.

    ``stop``, once set, ends the round before its next request (waits between requests end early):
    FetchStopped, and nothing of the round is indexed or recorded."""
    stop = stop or threading.Event()
    with Fetcher(settings, sleep=stop.wait) as fetcher:
        shared = _Round(fetcher, feeds, stop)
        return [_read_one(shared, feed) for feed in feeds.feeds()]


def round_pages(outcomes: list[FeedOutcome]) -> ReadReport:
    """The round's articles as a source for indexing."""
    return ReadReport(articles=[article for outcome in outcomes for article in outcome.articles])


def _stop_here(stop: threading.Event) -> None:
    if stop.is_set():
        raise FetchStopped("the fetch was stopped before it finished; nothing of this round was recorded, "
                           "and the next fetch picks it up")


def _read_one(shared: _Round, feed: Feed) -> FeedOutcome:
    _stop_here(shared.stop)
    try:
        whole = shared.feeds.retry_due(feed.url)  # a 304 would hide the resting pages due today
        result = shared.fetcher.fetch(feed.url, etag=None if whole else feed.etag,
                                      last_modified=None if whole else feed.last_modified, accept=FEED_TYPES)
        entries = [] if result.not_modified else read_feed(result.text or "", result.final_url)
    except FetchError as exc:
        log.warning("reading the feed %s failed: %s", feed.url, exc.reason)
        return FeedOutcome(feed, feed.etag, feed.last_modified, error=exc.reason)
    except Exception as exc:  # noqa: BLE001 - a bug met on this feed fails it alone; the others go on
        log.exception("reading the feed %s failed unexpectedly", feed.url)
        return FeedOutcome(feed, feed.etag, feed.last_modified,
                           error=f"unexpected error reading the feed: {_named(exc)}")
    outcome, refetched = FeedOutcome(feed, result.etag, result.last_modified), 0
    for entry in entries:
        key = normalise_url(entry.url)
        if key in shared.entries or shared.feeds.seen(key, entry.updated):
            continue
        if shared.feeds.resting(key, entry.updated):  # its page keeps failing: tried once a day
            continue
        if shared.feeds.known(key):  # updated since: fetched again, a few a round (some feeds restamp every entry)
            refetched += 1
            if refetched > MAX_REFETCHES:
                outcome.deferred += 1
                continue
        shared.entries.add(key)
        _stop_here(shared.stop)
        _read_entry(shared, entry, key, outcome)
    retry = any(tries < feed_list.MAX_PAGE_TRIES for _, tries in outcome.failures.values())
    if retry or outcome.deferred:  # a 304 next time would hide the entries left to retry
        outcome.etag = outcome.last_modified = None
    return outcome


def _read_entry(shared: _Round, entry: FeedEntry, key: str, outcome: FeedOutcome) -> None:
    """Fetch the entry's page and add its article to ``outcome``, or count the failure with its reason."""
    def fail(reason: str) -> None:
        outcome.fail_page(entry, key, reason, shared.feeds.tries(key, entry.updated) + 1)

    try:
        page = shared.fetcher.fetch(entry.url, accept=PAGE_TYPES)
        article = article_from_page(page.text or "", page.final_url, outlet=outcome.feed.outlet,
                                    published=entry.published)
    except FetchError as exc:
        fail(exc.reason)
        return
    except Exception as exc:  # noqa: BLE001 - a bug met on this page fails it alone; the round goes on
        log.exception("reading the page %s failed unexpectedly", entry.url)
        fail(f"unexpected error reading the page: {_named(exc)}")
        return
    if article is None:
        fail("the page holds no article text")
        return
    outcome.entries[key] = (article.id, entry.updated)
    if article.id in shared.articles:  # another entry of the round led to the same article
        outcome.duplicates.append(article.source)
        return
    shared.articles.add(article.id)
    outcome.articles.append(article)


def _named(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
