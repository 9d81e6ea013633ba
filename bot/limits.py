"""Per-user question limits and server-side paging state; both pure and clock-injected."""

from __future__ import annotations

import secrets
from collections import OrderedDict, deque
from dataclasses import dataclass

from retrieval.search.search import Hit


_FORGET_FROM = 10_000  # senders tracked before the idle ones are dropped
PAGE_SECONDS = 3600.0  # how long an answer's "More" button keeps working


@dataclass(frozen=True)
class Verdict:
    """Whether a user may be answered now; if not, whether to tell them (once per window) and when to retry."""

    allowed: bool
    notify: bool = False
    wait: float = 0.0


class RateLimiter:
    """At most ``limit`` answered updates per user (or chat) in any ``window`` seconds.

    Over the limit, a user is told once per window and their further updates are dropped
    quietly: each "slow down" would otherwise cost a Bot API call from the budget every user
    shares, so one flooder would delay everyone's answers.
    """

    def __init__(self, limit: int, window: float = 60.0) -> None:
        if limit < 1 or window <= 0:
            raise ValueError(f"a rate limit needs limit >= 1 and window > 0, got {limit} per {window}")
        self.limit = limit
        self.window = window
        self._seen: dict[int, deque[float]] = {}
        self._told: dict[int, float] = {}
        self._forget_from = _FORGET_FROM

    def check(self, key: int, now: float) -> Verdict:
        """Record an update from ``key`` at ``now`` and say how to treat it."""
        if len(self._seen) > self._forget_from:
            self._forget(now)
        times = self._seen.setdefault(key, deque())
        while times and now - times[0] >= self.window:
            times.popleft()
        if len(times) < self.limit:
            times.append(now)
            return Verdict(True)
        told = self._told.get(key)
        notify = told is None or now - told >= self.window
        if notify:
            self._told[key] = now
        return Verdict(False, notify, self.window - (now - times[0]))

    def _forget(self, now: float) -> None:
        """Drop senders with nothing left in their window, so memory follows recent users, not all users ever."""
        self._seen = {k: t for k, t in self._seen.items() if t and now - t[-1] < self.window}
        self._told = {k: t for k, t in self._told.items() if now - t < self.window}
        self._forget_from = max(_FORGET_FROM, 2 * len(self._seen))  # many active senders: not on every update


@dataclass(frozen=True)
class Page:
    """An answered question kept for its "More" button."""

    question: str
    hits: list[Hit]
    language: str
    created: float


class PageStore:
    """Recent answers by short token; old and surplus entries expire."""

    def __init__(self, ttl: float = PAGE_SECONDS, capacity: int = 10_000) -> None:
        self.ttl = ttl
        self.capacity = capacity
        self._pages: OrderedDict[str, Page] = OrderedDict()

    def put(self, page: Page) -> str:
        token = secrets.token_hex(5)
        while token in self._pages:
            token = secrets.token_hex(5)
        self._pages[token] = page
        while len(self._pages) > self.capacity:
            self._pages.popitem(last=False)
        return token

    def get(self, token: str, now: float) -> Page | None:
        page = self._pages.get(token)
        if page is None or now - page.created > self.ttl:
            self._pages.pop(token, None)
            return None
        return page
