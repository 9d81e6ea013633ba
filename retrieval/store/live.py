"""The index a long-running process searches, swapped for a newer generation while it runs.

``refresh`` (called periodically) loads a newly written generation in the caller's thread
and then replaces the searcher in one assignment: a question already being answered keeps
the searcher it started with, the next question gets the new one. A generation that fails
to load is logged and skipped; the previous index keeps answering.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from retrieval.model.embedding import Embedder
from retrieval.errors import IndexFolderError
from retrieval.store.index import current_generation, live_name, load_index
from retrieval.reader.reader import Reader
from retrieval.search.search import Searcher
from retrieval.store.sources import OutletCoverage, coverage

log = logging.getLogger(__name__)


class _Answering:
    """The searcher and outlet coverage a long-running process answers with."""

    _searcher: Searcher
    _coverage: list[OutletCoverage]

    @property
    def searcher(self) -> Searcher:
        """The searcher to use for one question (keep the reference for the whole question)."""
        return self._searcher

    @property
    def coverage(self) -> list[OutletCoverage]:
        """Outlets in the current index with article counts and date ranges."""
        return self._coverage

    @property
    def passages(self) -> int:
        """Passages in the index being searched."""
        return self._passages()

    def _passages(self) -> int:
        raise NotImplementedError


class LiveIndex(_Answering):
    """Holds the current searcher of an index folder and reloads it when the folder changes."""

    def __init__(self, folder: Path, embedder: Embedder, reader: Reader | None = None) -> None:
        self.folder = folder
        self._embedder = embedder
        self._reader = reader
        self._searcher = self._open()
        self._coverage = coverage(self._searcher.index.articles)
        self._failed = ""  # a generation that could not be loaded, not tried again
        self._problem = ""  # the last loading problem logged, not logged again
        self._reloading = threading.Lock()

    def refresh(self) -> bool:
        """Load the folder's current generation if it is new; True when the searcher was replaced."""
        if not self._reloading.acquire(blocking=False):
            return False  # another refresh is loading it already
        name = ""
        try:
            name = live_name(self.folder) or current_generation(self.folder).name  # the latter says what is wrong
            if name in (self._searcher.index.generation, self._failed):
                return False
            searcher = self._open()
        except IndexFolderError as exc:
            if str(exc) != self._problem:
                log.warning("still answering from %s: the index on disk could not be loaded (%s)",
                            self._searcher.index.generation, exc)
            self._failed, self._problem = name, str(exc)
            return False
        finally:
            self._reloading.release()
        self._searcher, self._coverage = searcher, coverage(searcher.index.articles)
        log.info("now answering from %s: %d articles, %d passages", searcher.index.generation,
                 len(searcher.index.articles), len(searcher.index.passages))
        return True

    def _passages(self) -> int:
        return len(self._searcher.index.passages)

    def _open(self) -> Searcher:
        index = load_index(self.folder, model=self._embedder.model_name)
        return Searcher(self._embedder, index, min_dense=self._embedder.settings.min_score, reader=self._reader)


class LiveStore(_Answering):
    """A store that search always sees current (Milvus: each write is visible once it lands);
    ``refresh`` only brings the outlets' coverage up to date when the passage count moved."""

    def __init__(self, store, embedder: Embedder, reader: Reader | None = None) -> None:
        self._store = store
        self._searcher = Searcher(embedder, store, min_dense=embedder.settings.min_score, reader=reader)
        self._count = store.count()
        self._coverage = coverage(list(store.articles().values()))

    def _passages(self) -> int:
        return self._count

    def refresh(self) -> bool:
        count = self._store.count()
        if count == self._count:
            return False
        self._store.refresh()
        self._count, self._coverage = count, coverage(list(self._store.articles().values()))
        return True
