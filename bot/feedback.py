"""Votes (👍/👎) on the bot's answers, in ``feedback.sqlite`` beside the index.

One row a vote (a salted hash of who voted under which message, up or down, the question, when)
and one row a passage that message showed (its id, rank and outlet). Telegram user ids are never
stored: a vote is keyed by an HMAC-SHA256 of the message and the user together, under a random
salt kept in ``feedback.salt``: enough to let each user vote once on each message, and nothing
that ties one user's votes on different messages together (a private chat's id is its user's id,
so the message key is never stored either).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import sqlite3
import tempfile
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType

from retrieval.errors import ConfigError
from retrieval.store.sqlite_files import open_sqlite

FEEDBACK_FILE = "feedback.sqlite"
SALT_FILE = "feedback.salt"
SALT_BYTES = 32
_SCHEMA = """
CREATE TABLE IF NOT EXISTS votes (id INTEGER PRIMARY KEY, voter_hash TEXT NOT NULL UNIQUE,
    vote INTEGER NOT NULL CHECK (vote IN (1, -1)), question TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS vote_passages (vote_id INTEGER NOT NULL REFERENCES votes (id), rank INTEGER NOT NULL,
    passage_id TEXT NOT NULL, outlet TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS vote_passages_vote ON vote_passages (vote_id);
"""


@dataclass(frozen=True)
class ShownPassage:
    """A passage a voted message showed, at its rank (1 first), credited to its outlet."""

    passage_id: str
    rank: int
    outlet: str


@dataclass(frozen=True)
class Vote:
    """One press of 👍 (``up``) or 👎 by ``user`` under ``message``, at a timezone-aware moment."""

    message: str
    user: int
    up: bool
    question: str
    shown: tuple[ShownPassage, ...]
    at: datetime

    def __post_init__(self) -> None:
        if not self.message:
            raise ValueError("a vote needs the key of the message it was given under; got an empty one")
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise ValueError(f"a vote's time must be timezone-aware (UTC); got {self.at.isoformat()}")


@dataclass(frozen=True)
class StoredVote:
    """A vote as read back: nothing about who gave it or under which message."""

    up: bool
    question: str
    shown: tuple[ShownPassage, ...]
    at: datetime


class FeedbackStore:
    """The votes of one index folder; safe to share between threads and to open from several processes."""

    def __init__(self, folder: Path) -> None:
        self._db = open_sqlite(folder / FEEDBACK_FILE, what="the feedback store", schema=_SCHEMA)
        try:
            self._salt = load_salt(folder / SALT_FILE)
        except BaseException:
            self._db.close()
            raise
        self._lock = threading.Lock()

    def record(self, vote: Vote) -> bool:
        """Store ``vote``; False (and nothing changed) when this user already voted on this message."""
        row = (self._hash(f"vote:{vote.message}\n{vote.user}"), 1 if vote.up else -1,
               vote.question, vote.at.astimezone(timezone.utc).isoformat(timespec="seconds"))
        with self._lock, self._db:
            cursor = self._db.execute(
                "INSERT INTO votes (voter_hash, vote, question, created_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (voter_hash) DO NOTHING", row)
            if cursor.rowcount != 1:
                return False
            self._db.executemany("INSERT INTO vote_passages (vote_id, rank, passage_id, outlet) VALUES (?, ?, ?, ?)",
                                 [(cursor.lastrowid, s.rank, s.passage_id, s.outlet) for s in vote.shown])
        return True

    def votes(self) -> list[StoredVote]:
        """Every vote, oldest first."""
        with self._lock:
            return read_stored(self._db)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> FeedbackStore:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def _hash(self, text: str) -> str:
        return hmac.new(self._salt, text.encode("utf-8"), hashlib.sha256).hexdigest()


def read_votes(folder: Path) -> list[StoredVote]:
    """The votes kept in ``folder``, oldest first; none (and no file created) when it has no feedback yet."""
    if not (folder / FEEDBACK_FILE).is_file():
        return []
    db = open_sqlite(folder / FEEDBACK_FILE, what="the feedback store", schema=_SCHEMA)
    try:
        return read_stored(db)
    finally:
        db.close()


def read_stored(db: sqlite3.Connection) -> list[StoredVote]:
    """Every vote in ``db`` with the passages it showed, read in one transaction so both tables agree."""
    db.execute("BEGIN")
    try:
        shown: dict[int, list[ShownPassage]] = {}
        for vote_id, passage_id, rank, outlet in db.execute(
                "SELECT vote_id, passage_id, rank, outlet FROM vote_passages ORDER BY vote_id, rank"):
            shown.setdefault(vote_id, []).append(ShownPassage(passage_id, rank, outlet))
        rows = db.execute("SELECT id, vote, question, created_at FROM votes ORDER BY created_at, id").fetchall()
    finally:
        db.rollback()
    return [StoredVote(vote > 0, question, tuple(shown.get(vote_id, ())), datetime.fromisoformat(created))
            for vote_id, vote, question, created in rows]


def load_salt(path: Path) -> bytes:
    """The salt in ``path``, made (readable by this user only) if there is none; the first writer wins a race."""
    try:
        salt = path.read_bytes()
    except FileNotFoundError:
        salt = _create_salt(path)
    except OSError as exc:
        raise ConfigError(f"cannot read the feedback salt {path} ({exc}); make it readable by the bot's user, "
                          f"or {_RESALT}") from None
    if len(salt) != SALT_BYTES:
        raise ConfigError(f"the feedback salt {path} holds {len(salt)} bytes, not {SALT_BYTES}; "
                          f"restore it from a backup, or {_RESALT}")
    return salt


_RESALT = ("delete it to start a new salt (earlier votes can then no longer be matched to their users or "
           "messages, which only matters for the one-vote-per-user rule)")


def _create_salt(path: Path) -> bytes:
    """A new salt written to a private temporary file, then linked into place unless another process did first."""
    try:
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0o600
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(os.urandom(SALT_BYTES))
                file.flush()
                os.fsync(file.fileno())
            try:
                os.link(temporary, path)
            except FileExistsError:
                pass  # another process made it first: theirs stands
        finally:
            os.unlink(temporary)
        _sync_folder(path.parent)
        return path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot create the feedback salt {path} ({exc}); make the folder {path.parent} "
                          "writable by the bot's user") from None


def _sync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
