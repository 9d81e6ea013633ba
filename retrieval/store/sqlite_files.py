"""SQLite files kept beside the index (the feed list, the feedback votes), opened for more than one writer.

Each is opened in WAL mode with a busy timeout, so the bot and a ``newsbot`` command can write at
once, and a file that cannot be opened or is not a SQLite database becomes an ``IndexFolderError``
that says what to do about it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from retrieval.errors import IndexFolderError

BUSY_TIMEOUT_S = 10.0
_NOT_A_DATABASE = {"SQLITE_NOTADB", "SQLITE_CORRUPT"}


def open_sqlite(path: Path, *, what: str, schema: str) -> sqlite3.Connection:
    """``path`` (folder and file created if missing) opened in WAL mode with ``schema`` applied.

    ``what`` names the file for messages ("the feedback store"). The connection may be used from
    several threads; callers that do so serialise their transactions themselves.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise IndexFolderError(f"cannot create the folder {path.parent} for {what} ({exc}); make it writable, "
                               "or choose another with --index or NEWSBOT_INDEX_DIR") from None
    db: sqlite3.Connection | None = None
    try:
        db = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.executescript(schema)
    except sqlite3.Error as exc:
        if db is not None:
            db.close()
        raise open_error(path, what, exc) from None
    return db


def open_error(path: Path, what: str, exc: sqlite3.Error) -> IndexFolderError:
    """The message for ``exc`` raised while opening ``path``: a damaged file, or one that cannot be opened."""
    if getattr(exc, "sqlite_errorname", "") in _NOT_A_DATABASE:
        return IndexFolderError(f"{path}, {what}, is not a SQLite database or is damaged ({exc}); move it aside "
                                "(or delete it, losing what it held) and newsbot starts a new one")
    return IndexFolderError(f"cannot open {what} {path} ({exc}); make the folder and file writable, "
                            "or choose another folder with --index or NEWSBOT_INDEX_DIR")
