"""The bot's fetches of the followed feeds: one at a time, run off the event loop, on a schedule or on demand.

After a fetch that changed the index the live index switches to the new generation; questions
in flight finish on the one they started with.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from retrieval.errors import NewsbotError
from retrieval.fetch.updates import FetchRun

log = logging.getLogger(__name__)


@dataclass
class FeedJob:
    """Runs ``fetch`` (blocking: call ``run`` in a worker thread), never two at once, and keeps the last result."""

    fetch: Callable[[], FetchRun]
    refresh: Callable[[], bool]
    minutes: int = 0  # the schedule; 0: only on demand
    last: FetchRun | None = None
    last_error: str | None = None  # why the last fetch as a whole failed; None after one that worked
    last_finished: float | None = None  # time.time() of the last fetch's end, good or not
    _running: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def running(self) -> bool:
        return self._running.locked()

    def run(self) -> FetchRun | None:
        """One fetch, then the switch to the new index; None when another fetch is still running.

        A NewsbotError (a feed list that cannot be opened, an index being written by another
        command, ...) is kept in ``last_error`` and raised again."""
        if not self._running.acquire(blocking=False):
            return None
        try:
            try:
                fetched = self.fetch()
            except NewsbotError as exc:
                self.last_error = str(exc)
                raise
            finally:
                self.last_finished = time.time()
            self.last, self.last_error = fetched, None
            if fetched.report is not None and self.refresh():
                log.info("fetched %d new article(s) in %.1f s; answering from the new index",
                         fetched.new, fetched.seconds)
            return fetched
        finally:
            self._running.release()
