"""The passages of one index generation, kept on disk in SQLite and read by row on demand.

A question needs the text of a few hundred candidate rows, not a million Passage objects in
memory: the table answers ``len``, ``table[row]``, ``take(rows)`` and iteration, like the list
it replaces, from a read-only, immutable SQLite file (generations are never changed once
written). What filters need for every row (outlet, date) is read once, as compact columns.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from pathlib import Path

import numpy as np

from retrieval.ingest.chunking import Passage
from retrieval.ingest.dates import article_day

COLUMNS = ("id", "article_id", "outlet", "title", "date", "url", "start", "end", "text")
NO_DATE = -1  # sorts before every real day
_BATCH = 10_000


class PassageTable:
    """Read-only rows of a ``passages.sqlite`` file, in vector order."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        self._length = self._one("SELECT count(*) FROM passages")[0]
        if self._length and self._one("SELECT max(row) FROM passages")[0] != self._length - 1:
            raise sqlite3.DatabaseError("its rows are not numbered 0 to n-1")

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, row: int) -> Passage:
        if not -self._length <= row < self._length:
            raise IndexError(row)
        return self.take([row % self._length])[0]

    def __iter__(self) -> Iterator[Passage]:
        for begin in range(0, self._length, _BATCH):
            yield from self._rows("WHERE row >= ? AND row < ? ORDER BY row", (begin, begin + _BATCH))

    def take(self, rows: Sequence[int]) -> list[Passage]:
        """The passages at ``rows``, in that order."""
        wanted = [int(r) for r in rows]
        found: dict[int, Passage] = {}
        for begin in range(0, len(wanted), 900):  # SQLite's limit on bound values
            part = wanted[begin:begin + 900]
            marks = ",".join("?" * len(part))
            for row, passage in self._numbered(f"WHERE row IN ({marks})", part):
                found[row] = passage
        return [found[r] for r in wanted]

    def column(self, name: str) -> list:
        """One column for every row, in order (``outlet``, ``date``, ``article_id``, ...)."""
        if name not in COLUMNS:
            raise ValueError(f"no column {name!r}")
        with self._lock:
            return [value for (value,) in self._db.execute(f'SELECT "{name}" FROM passages ORDER BY row')]

    def close(self) -> None:
        self._db.close()

    def _rows(self, where: str, values: Sequence) -> list[Passage]:
        return [passage for _, passage in self._numbered(where, values)]

    def _numbered(self, where: str, values: Sequence) -> list[tuple[int, Passage]]:
        names = ", ".join(f'"{c}"' for c in COLUMNS)
        with self._lock:
            fetched = self._db.execute(f"SELECT row, {names} FROM passages {where}", values).fetchall()
        return [(row, Passage(*rest)) for row, *rest in fetched]

    def _one(self, sql: str) -> tuple:
        with self._lock:
            return self._db.execute(sql).fetchone()


def write_table(path: Path, passages: Iterable[Passage]) -> None:
    """Write ``passages`` (row numbers in order) to a new SQLite file at ``path``, made durable."""
    db = sqlite3.connect(str(path))
    try:
        db.execute("PRAGMA journal_mode=OFF")  # a new file in a generation not yet live: no journal needed
        db.execute("PRAGMA synchronous=OFF")
        db.execute('CREATE TABLE passages (row INTEGER PRIMARY KEY, id TEXT NOT NULL, article_id TEXT NOT NULL, '
                   'outlet TEXT NOT NULL, title TEXT NOT NULL, date TEXT, url TEXT, start INTEGER NOT NULL, '
                   '"end" INTEGER NOT NULL, text TEXT NOT NULL)')
        db.executemany(f"INSERT INTO passages VALUES ({','.join('?' * (len(COLUMNS) + 1))})",
                       ((row, p.id, p.article_id, p.outlet, p.title, p.date, p.url, p.start, p.end, p.text)
                        for row, p in enumerate(passages)))
        db.commit()
    finally:
        db.close()
    with path.open("rb+") as f:
        os.fsync(f.fileno())


def take(passages: Sequence[Passage], rows: Sequence[int]) -> list[Passage]:
    """``passages[r]`` for each of ``rows``: one query for a table, plain indexing for a list."""
    if isinstance(passages, PassageTable):
        return passages.take(rows)
    return [passages[int(r)] for r in rows]


def filter_columns(passages: Sequence[Passage]) -> tuple[list[str], np.ndarray]:
    """Every row's outlet and its date as a day number (``NO_DATE`` when it has none)."""
    if isinstance(passages, PassageTable):
        outlets, dates = passages.column("outlet"), passages.column("date")
    else:
        outlets, dates = [p.outlet for p in passages], [p.date for p in passages]
    numbers = {value: day_number(value) for value in set(dates)}  # far fewer dates than rows
    return outlets, np.array([numbers[d] for d in dates], dtype=np.int32)


def day_number(value: str | None) -> int:
    """A date's day (``YYYY-MM-DD``, with or without a time) as a day number; ``NO_DATE`` if none or unreadable."""
    day = article_day(value)
    return date.fromisoformat(day).toordinal() if day else NO_DATE
