"""How Bot API calls survive Telegram's limits and passing failures: one rate limiter for every call."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram.error import BadRequest, NetworkError
from telegram.ext import AIORateLimiter

log = logging.getLogger(__name__)
ATTEMPTS = 3  # per call, for network failures and 5xx answers
BEST_EFFORT = frozenset({"sendChatAction"})  # worth one try: a late "typing" only delays the answer


def backoff(attempt: int, base: float = 0.5) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1, 2, ...): 0.5, 1, 2, ..."""
    return base * 2 ** (attempt - 1)


class RetryingRateLimiter(AIORateLimiter):
    """Paces every Bot API call and retries the ones that fail for a passing reason.

    The policy, per call (``getUpdates`` is polled by python-telegram-bot's own retry loop):

    - 429 Too Many Requests with ``retry_after``: AIORateLimiter waits that long, holding all other
      calls, and retries up to ``max_retries`` times. This class adds nothing to that.
    - A network failure (connection error, timeout) or a 5xx answer, which python-telegram-bot raises as
      ``NetworkError`` (other than its subclass ``BadRequest``): up to ``attempts`` tries in all, waiting ``backoff()`` between them. A timed-out
      call may have reached Telegram, so in rare cases a message arrives twice; better than lost.
    - Anything else (400 Bad Request, 403 blocked by the user, 401 rejected token) is not retried.
    - Methods in BEST_EFFORT (the "typing" action) get a single try; their callers carry on without them.
    """

    def __init__(self, *, max_retries: int = 3, attempts: int = ATTEMPTS,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep) -> None:
        super().__init__(max_retries=max_retries)
        self.attempts = attempts
        self._sleep = sleep

    async def process_request(self, callback: Callable[..., Any], args: Any, kwargs: dict[str, Any],
                              endpoint: str, data: dict[str, Any], rate_limit_args: int | None) -> Any:
        attempts, attempt = (1 if endpoint in BEST_EFFORT else self.attempts), 1
        while True:
            try:
                return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
            except BadRequest:
                raise
            except NetworkError as exc:
                if attempt >= attempts:
                    raise
                delay = backoff(attempt)
                log.warning("%s failed (%s); trying again in %.1f s (%d of %d)", endpoint, exc, delay,
                            attempt + 1, attempts)
                await self._sleep(delay)
                attempt += 1
