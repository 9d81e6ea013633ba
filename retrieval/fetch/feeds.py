"""Read the entries of an RSS 2.0, Atom or RDF (RSS 1.0) feed with feedparser.

``read_feed`` takes a feed's text as fetched and gives one ``FeedEntry`` per entry that links to a
web page, with relative links resolved against the feed's URL (an entry whose link cannot be a URL,
such as one with a port that is not a number, is skipped). A document that is not a feed raises
``FetchError``; a feed without entries gives an empty list. The text is only ever parsed: feedparser
is never handed anything it could open as a URL or a file.
"""

from __future__ import annotations

import calendar
import io
import logging
import re
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urljoin, urlsplit

import feedparser

from retrieval.fetch.fetcher import FetchError
from retrieval.fetch.pages import normalise_url

log = logging.getLogger(__name__)

_FEED_LINK = re.compile(
    r"""<link\b(?=[^>]*\brel=["']?alternate)(?=[^>]*\btype=["']?application/(?:rss|atom)\+xml)[^>]*"""
    r"""\bhref=["']([^"'>]+)""", re.IGNORECASE)


@dataclass(frozen=True)
class FeedEntry:
    """One entry of a feed: the page it links to, its title, when it was published and last updated
    (UTC, ISO 8601; updated falls back to published), its id."""

    url: str
    title: str
    published: str | None
    id: str
    updated: str | None = None


def read_feed(text: str, url: str) -> list[FeedEntry]:
    """The entries of the feed ``text`` fetched from ``url``, in the feed's order, without repeated links."""
    parsed = feedparser.parse(io.BytesIO(text.encode("utf-8")), response_headers={
        "content-type": "application/xml; charset=utf-8", "content-location": url})
    if not parsed.version:
        raise FetchError(url, _not_a_feed(text, url, parsed.get("bozo_exception")))
    entries: list[FeedEntry] = []
    seen: set[str] = set()
    for raw in parsed.entries:
        entry = _entry(raw, url)
        if entry is None or entry.url in seen:
            continue
        seen.add(entry.url)
        entries.append(entry)
    return entries


def _entry(raw: feedparser.FeedParserDict, feed_url: str) -> FeedEntry | None:
    link = _web_link((raw.get("link") or "").strip(), feed_url)
    if link is None:
        log.info("feed %s: an entry without a web link is skipped (%r)", feed_url, raw.get("title"))
        return None
    title = " ".join((raw.get("title") or "").split())
    published = _moment(dict.get(raw, "published_parsed") or dict.get(raw, "updated_parsed"))
    updated = _moment(dict.get(raw, "updated_parsed")) or published
    return FeedEntry(url=link, title=title, published=published, id=(raw.get("id") or link).strip(), updated=updated)


def _web_link(href: str, feed_url: str) -> str | None:
    """``href`` resolved against the feed's URL; None unless it is an http(s) URL of another page."""
    try:
        link = urljoin(feed_url, href)
        normalise_url(link)  # raises for what cannot be a URL (a port that is not a number)
    except ValueError:
        return None
    return link if urlsplit(link).scheme in ("http", "https") and link != feed_url else None


def _moment(parsed: time.struct_time | None) -> str | None:
    """A feed's parsed time as ISO 8601 UTC (plain dict look-ups above: feedparser's own mapping
    between the published and updated keys warns that it will go away)."""
    if parsed is None:
        return None
    try:
        moment = datetime.fromtimestamp(calendar.timegm(parsed), tz=timezone.utc)
    except (OverflowError, ValueError, OSError):
        return None
    return moment.isoformat()


def _not_a_feed(text: str, url: str, problem: Exception | None) -> str:
    if "<html" in text[:2048].lower():
        found = _FEED_LINK.search(text)
        hint = (f"the page names its feed at {urljoin(url, found.group(1))}: add that instead" if found
                else "look for the site's RSS or Atom link and add that instead")
        return f"it is a web page, not an RSS, Atom or RDF feed; {hint}"
    detail = f" ({problem})" if problem else ""
    return f"it is not an RSS, Atom or RDF feed{detail}; check the feed's address"
