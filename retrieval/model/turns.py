"""Taking turns at the model: one call at a time, and a question never waits behind a bulk run.

Indexing hands the model thousands of passages; a question in the meantime must not wait for all
of them. Bulk work therefore takes one batch per turn, and a turn asked for ``urgently`` (a
question, a token count) goes before the next bulk batch.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class Turns:
    """A lock with two kinds of waiters: urgent ones are served before bulk ones."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._busy = False
        self._urgent = 0  # urgent callers waiting for their turn

    @contextmanager
    def urgent(self) -> Iterator[None]:
        """The next turn, ahead of any bulk batch waiting."""
        with self._changed:
            self._urgent += 1
            try:
                self._changed.wait_for(lambda: not self._busy)
            finally:
                self._urgent -= 1
            self._busy = True
        try:
            yield
        finally:
            self._release()

    @contextmanager
    def bulk(self) -> Iterator[None]:
        """A turn once no urgent caller is waiting."""
        with self._changed:
            self._changed.wait_for(lambda: not self._busy and not self._urgent)
            self._busy = True
        try:
            yield
        finally:
            self._release()

    def _release(self) -> None:
        with self._changed:
            self._busy = False
            self._changed.notify_all()
