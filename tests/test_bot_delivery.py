"""The retry policy of Bot API calls, on the real AIORateLimiter with calls that fail as Telegram's do."""

from __future__ import annotations

import asyncio

import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.delivery import RetryingRateLimiter, backoff


class Flaky:
    """A Bot API call that raises each of ``errors`` in turn, then succeeds."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self, *args, **kwargs):
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return {"ok": True}


def _send(limiter: RetryingRateLimiter, call: Flaky, endpoint: str = "sendMessage"):
    async def go():
        await limiter.initialize()
        try:
            return await limiter.process_request(callback=call, args=(), kwargs={}, endpoint=endpoint,
                                                 data={"chat_id": 1}, rate_limit_args=None)
        finally:
            await limiter.shutdown()

    return asyncio.run(go())


def _limiter(waits: list[float]) -> RetryingRateLimiter:
    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    return RetryingRateLimiter(max_retries=3, sleep=sleep)


def test_backoff_doubles():
    assert [backoff(n) for n in (1, 2, 3)] == [0.5, 1.0, 2.0]


@pytest.mark.parametrize("error", [NetworkError("Internal Server Error"), TimedOut("Timed out")])
def test_passing_failures_are_retried_with_backoff(error):
    waits: list[float] = []
    call = Flaky(error, error)
    assert _send(_limiter(waits), call) == {"ok": True}
    assert call.calls == 3 and waits == [0.5, 1.0]


def test_retries_are_bounded():
    waits: list[float] = []
    call = Flaky(*[NetworkError("Bad Gateway")] * 5)
    with pytest.raises(NetworkError):
        _send(_limiter(waits), call)
    assert call.calls == 3 and waits == [0.5, 1.0]


@pytest.mark.parametrize("error", [BadRequest("Message is too long"), Forbidden("bot was blocked by the user")])
def test_refusals_are_not_retried(error):
    waits: list[float] = []
    call = Flaky(error)
    with pytest.raises(type(error)):
        _send(_limiter(waits), call)
    assert call.calls == 1 and waits == []


def test_chat_action_gets_one_try():
    waits: list[float] = []
    call = Flaky(NetworkError("Internal Server Error"))
    with pytest.raises(NetworkError):
        _send(_limiter(waits), call, "sendChatAction")
    assert call.calls == 1


def test_retry_after_is_left_to_aioratelimiter_and_not_doubled():
    waits: list[float] = []
    call = Flaky(*[RetryAfter(0)] * 10)  # AIORateLimiter sleeps retry_after itself (0 s here)
    with pytest.raises(RetryAfter):
        _send(_limiter(waits), call)
    assert call.calls == 4 and waits == []  # 1 + max_retries, none of ours on top
