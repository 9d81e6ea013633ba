"""The bot's fetches of the followed feeds: one at a time, run off the event loop, on a schedule or on demand.

After a fetch that changed the index the live index switches to the new generation; questions
in flight finish on the one they started with.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from retrieval.errors import NewsbotError
from retrieval.fetch.updates import FetchRun

log = logging.getLogger(__name__)


class FetchFailed(NewsbotError):
    """A fetch that failed on something unexpected; the message says so and points to the log."""


@dataclass
class FeedJob:
    """Runs ``fetch`` (blocking: call ``run`` in a worker thread), never two at once, and keeps the last result."""

    fetch: Callable[[threading.Event], FetchRun]  # told to stop early through the event
    refresh: Callable[[], bool]
    minutes: int = 0  # the schedule; 0: only on demand
    last: FetchRun | None = None
    last_error: str | None = None  # why the last fetch as a whole failed; None after one that worked
    _running: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)
    # its own thread: a fetch lasts minutes, and the event loop's shared pool serves the questions
    _worker: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="newsbot-fetch"), repr=False)

    _asked: bool = field(default=False, repr=False)  # a run_soon is under way (set on the event loop only)

    @property
    def running(self) -> bool:
        return self._asked or self._running.locked()

    async def run_soon(self) -> FetchRun | None:
        """``run`` in the job's own thread, awaited from the event loop; None at once while one is under way
        (a schedule that comes round during a long fetch is skipped, not queued behind it)."""
        if self._asked:
            return None
        self._asked = True
        try:
            return await asyncio.get_running_loop().run_in_executor(self._worker, self.run)
        finally:
            self._asked = False

    def close(self) -> None:
        """Stop: a fetch in progress ends at its next page (recording nothing), one not yet started is dropped."""
        self._stop.set()
        self._worker.shutdown(wait=False, cancel_futures=True)

    def run(self) -> FetchRun | None:
        """One fetch, then the switch to the new index; None when another fetch is still running.

        A NewsbotError (a feed list that cannot be opened, an index being written by another
        command, ...) is kept in ``last_error`` and raised again."""
        if not self._running.acquire(blocking=False):
            return None
        try:
            try:
                fetched = self.fetch(self._stop)
            except NewsbotError as exc:
                self.last_error = str(exc)
                raise
            except Exception as exc:  # a bug, a full disk: the bot goes on answering and reports it
                log.exception("the fetch failed unexpectedly")
                self.last_error = (f"the fetch failed unexpectedly ({exc.__class__.__name__}: {exc}); the log has "
                                   "the details, and the index is unchanged")
                raise FetchFailed(self.last_error) from exc
            finally:
                _give_back_memory()
            self.last, self.last_error = fetched, None
            if fetched.report is not None and self.refresh():
                log.info("fetched %d new article(s) in %.1f s; answering from the new index",
                         fetched.new, fetched.seconds)
            return fetched
        finally:
            self._running.release()


def _give_back_memory() -> None:
    """Return the memory a fetch freed (pages, indexing buffers) to the system, where glibc allows it."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: its allocator keeps it for later use, which is fine
        pass
