"""Per-user question limits and server-side paging state; both pure and clock-injected."""

from __future__ import annotations

import secrets
from collections import OrderedDict, deque
from dataclasses import dataclass

from retrieval.search import Hit


class RateLimiter:
    """At most ``limit`` questions per user in any ``window`` seconds."""

    def __init__(self, limit: int, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self._seen: dict[int, deque[float]] = {}

    def wait_time(self, user_id: int, now: float) -> float:
        """0 if the user may ask now (and records it), else seconds until they may."""
        times = self._seen.setdefault(user_id, deque())
        while times and now - times[0] >= self.window:
            times.popleft()
        if len(times) >= self.limit:
            return self.window - (now - times[0])
        times.append(now)
        return 0.0


@dataclass(frozen=True)
class Page:
    """An answered question kept for its "More" button."""

    question: str
    hits: list[Hit]
    language: str
    created: float


class PageStore:
    """Recent answers by short token; old and surplus entries expire."""

    def __init__(self, ttl: float = 3600.0, capacity: int = 10_000) -> None:
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
