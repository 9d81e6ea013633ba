"""Where the bot keeps what outlives one update: per-user limits and "More" pages.

In this process by default; with ``NEWSBOT_STATE_URL=redis://...`` in Redis, so that several
workers behind one webhook URL serve the same users (``bot/redis_state.py``)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from bot.limits import Page, PageStore, RateLimiter, Verdict
from bot.settings import BotSettings


class Limiter(Protocol):
    """Records an update from ``key`` and says whether to answer it."""

    async def check(self, key: int) -> Verdict: ...


class Pages(Protocol):
    """Answers kept for their "More" button, by short token."""

    async def put(self, page: Page) -> str: ...

    async def get(self, token: str) -> Page | None: ...


@dataclass
class MemoryLimiter:
    """The per-user limit of this process alone."""

    limiter: RateLimiter
    clock: Callable[[], float] = time.monotonic

    async def check(self, key: int) -> Verdict:
        return self.limiter.check(key, self.clock())


@dataclass
class MemoryPages:
    """The "More" pages of this process alone."""

    store: PageStore = field(default_factory=PageStore)
    clock: Callable[[], float] = time.time

    async def put(self, page: Page) -> str:
        return self.store.put(page)

    async def get(self, token: str) -> Page | None:
        return self.store.get(token, self.clock())


async def _nothing() -> None:
    return None


@dataclass
class BotState:
    """The bot's limiter and pages, and how to let go of their store at shutdown."""

    limiter: Limiter
    pages: Pages
    close: Callable[[], Awaitable[None]] = _nothing


def open_state(settings: BotSettings) -> BotState:
    """In Redis when NEWSBOT_STATE_URL is set (checked reachable now: StateError if not), else in memory."""
    if not settings.state_url:
        return BotState(MemoryLimiter(RateLimiter(settings.questions_per_minute)), MemoryPages())
    from bot import redis_state  # only deployments with shared state need the redis package loaded

    redis_state.check_reachable(settings.state_url)
    client = redis_state.connect(settings.state_url)
    prefix = redis_state.namespace(settings.token)
    return BotState(redis_state.RedisLimiter(client, prefix, settings.questions_per_minute),
                    redis_state.RedisPages(client, prefix), client.aclose)
