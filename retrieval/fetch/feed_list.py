"""The feeds newsbot follows, and what each last fetch brought, in ``feeds.sqlite`` beside the index.

One row a feed (its URL, the outlet to credit, the validators for a conditional GET, the last
fetch's time, new and failed counts and error), one row an entry already indexed, so the
next fetch asks only for pages it has not read, and one row a page that failed, with the number
of rounds in a row it failed. A page that failed ``MAX_PAGE_TRIES`` rounds in a row rests: it is
tried once a day (``RETRY_AFTER``) rather than every round, until it works or its feed says the
entry was updated; a failure not tried again for ``FORGET_AFTER`` (its entry left the feed) is
dropped. Entries are kept under their normalised URL
(``pages.normalise_url``: no tracking parameters, fragment or default port), so a feed that tags
its links with changing ``utm_*``, ``fbclid`` or ``gclid`` parameters does not have them read again.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from retrieval.errors import ConfigError
from retrieval.fetch.pages import normalise_url
from retrieval.fetch.web_sources import is_url
from retrieval.store.sqlite_files import open_error, open_sqlite

FEEDS_FILE = "feeds.sqlite"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS feeds (url TEXT PRIMARY KEY, outlet TEXT, added TEXT NOT NULL, etag TEXT,
    last_modified TEXT, last_fetch TEXT, new INTEGER NOT NULL DEFAULT 0, failed INTEGER NOT NULL DEFAULT 0,
    last_error TEXT);
CREATE TABLE IF NOT EXISTS entries (url TEXT PRIMARY KEY, feed TEXT NOT NULL, article_id TEXT NOT NULL,
    indexed TEXT NOT NULL, updated TEXT);
CREATE TABLE IF NOT EXISTS failures (url TEXT PRIMARY KEY, feed TEXT NOT NULL, tries INTEGER NOT NULL,
    last_try TEXT NOT NULL, updated TEXT);
"""
MAX_PAGE_TRIES = 5  # rounds in a row a page may fail before it rests
RETRY_AFTER = timedelta(days=1)  # how often a resting page is tried
FORGET_AFTER = timedelta(days=30)


@dataclass(frozen=True)
class Feed:
    """A followed feed and how its last fetch went."""

    url: str
    outlet: str | None
    added: str
    etag: str | None = None
    last_modified: str | None = None
    last_fetch: str | None = None
    new: int = 0
    failed: int = 0
    last_error: str | None = None
    resting: int = 0  # pages that kept failing, now tried once a day


class FeedList:
    """The followed feeds of one index folder."""

    def __init__(self, folder: Path) -> None:
        self._db = open_sqlite(folder / FEEDS_FILE, what="the feed list", schema=_SCHEMA)
        try:
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(entries)")}
            if "updated" not in columns:  # a feed list written before entries kept their update time
                self._db.execute("ALTER TABLE entries ADD COLUMN updated TEXT")
        except sqlite3.Error as exc:
            self._db.close()
            raise open_error(folder / FEEDS_FILE, "the feed list", exc) from None

    def add(self, url: str, outlet: str | None = None) -> Feed:
        if not is_url(url):
            raise ConfigError(f"{url!r} is not a feed address; give its http:// or https:// URL")
        with self._db:
            if self._db.execute("SELECT 1 FROM feeds WHERE url = ?", (url,)).fetchone():
                raise ConfigError(f"{url} is already followed; `newsbot feeds list` shows every feed")
            self._db.execute("INSERT INTO feeds (url, outlet, added) VALUES (?, ?, ?)", (url, outlet, now()))
        return self.get(url)

    def remove(self, url: str) -> None:
        with self._db:
            if not self._db.execute("DELETE FROM feeds WHERE url = ?", (url,)).rowcount:
                raise ConfigError(f"{url} is not followed; `newsbot feeds list` shows every feed")
            self._db.execute("DELETE FROM failures WHERE feed = ?", (url,))

    def feeds(self) -> list[Feed]:
        return [Feed(*row) for row in self._db.execute(f"SELECT {_FIELDS} FROM feeds ORDER BY added, url",
                                                        (MAX_PAGE_TRIES,))]

    def get(self, url: str) -> Feed:
        row = self._db.execute(f"SELECT {_FIELDS} FROM feeds WHERE url = ?", (MAX_PAGE_TRIES, url)).fetchone()
        return Feed(*row)

    def seen(self, entry_url: str, updated: str | None = None) -> bool:
        """Whether the entry is indexed as it is now: not when the feed says it was updated later
        (UTC ISO times compare as text; an earlier or equal time, or none, counts as seen)."""
        row = self._db.execute("SELECT updated FROM entries WHERE url = ?", (normalise_url(entry_url),)).fetchone()
        return row is not None and (updated is None or row[0] is None or updated <= row[0])

    def known(self, entry_url: str) -> bool:
        """Whether the entry was indexed before, in any version."""
        return self._db.execute("SELECT 1 FROM entries WHERE url = ?",
                                (normalise_url(entry_url),)).fetchone() is not None

    def tries(self, entry_url: str, updated: str | None = None) -> int:
        """The rounds in a row the entry's page failed, as it is now (0 when the feed says it was
        updated after the last failure)."""
        return self._failure(entry_url, updated)[0]

    def resting(self, entry_url: str, updated: str | None = None) -> bool:
        """Whether the entry's page kept failing and was tried less than ``RETRY_AFTER`` ago."""
        tries, last_try = self._failure(entry_url, updated)
        return tries >= MAX_PAGE_TRIES and last_try > _ago(RETRY_AFTER)

    def retry_due(self, feed_url: str) -> bool:
        """Whether a resting page of the feed is due to be tried (the feed must then be read whole)."""
        return self._db.execute("SELECT 1 FROM failures WHERE feed = ? AND tries >= ? AND last_try <= ? LIMIT 1",
                                (feed_url, MAX_PAGE_TRIES, _ago(RETRY_AFTER))).fetchone() is not None

    def _failure(self, entry_url: str, updated: str | None) -> tuple[int, str]:
        row = self._db.execute("SELECT tries, last_try, updated FROM failures WHERE url = ?",
                               (normalise_url(entry_url),)).fetchone()
        if row is None or (updated is not None and (row[2] is None or updated > row[2])):
            return 0, ""
        return row[0], row[1]

    def record(self, feed: Feed, *, etag: str | None, last_modified: str | None, new: int, failed: int,
               error: str | None, indexed: dict[str, tuple[str, str | None]],
               failures: dict[str, tuple[str | None, int]] | None = None) -> None:
        """One fetch of ``feed``: its counts and error, the entries now indexed (URL -> article id,
        the entry's update time) and the entries whose page failed (URL -> the entry's update time,
        rounds in a row it has failed, this one included)."""
        stamp, failures = now(), failures or {}
        with self._db:
            self._db.execute("UPDATE feeds SET etag = ?, last_modified = ?, last_fetch = ?, new = ?, failed = ?, "
                             "last_error = ? WHERE url = ?",
                             (etag, last_modified, stamp, new, failed, error, feed.url))
            self._db.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?, ?)",
                                 [(normalise_url(url), feed.url, article, stamp, updated)
                                  for url, (article, updated) in indexed.items()])
            self._db.executemany("DELETE FROM failures WHERE url = ?", [(normalise_url(url),) for url in indexed])
            self._db.executemany("INSERT OR REPLACE INTO failures VALUES (?, ?, ?, ?, ?)",
                                 [(normalise_url(url), feed.url, tries, stamp, updated)
                                  for url, (updated, tries) in failures.items()])
            self._db.execute("DELETE FROM failures WHERE feed = ? AND last_try < ?", (feed.url, _ago(FORGET_AFTER)))

    def close(self) -> None:
        self._db.close()


_FIELDS = ("url, outlet, added, etag, last_modified, last_fetch, new, failed, last_error, "
           "(SELECT COUNT(*) FROM failures WHERE failures.feed = feeds.url AND failures.tries >= ?)")


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _ago(span: timedelta) -> str:
    """The time ``span`` before ``now()``, in the same form (ISO times in UTC compare as text)."""
    return (datetime.fromisoformat(now()) - span).isoformat(timespec="seconds")
