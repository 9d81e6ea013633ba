"""The bot's limits and "More" pages in Redis, shared by every worker that uses the same server.

One clock for all workers: the limit's window is measured with Redis's own ``TIME`` inside a
script, so workers on machines whose clocks disagree still count the same minute. Keys carry
the bot's id (the public part of its token), so bots can share one Redis; every key expires."""

from __future__ import annotations

import logging
import secrets

from redis import Redis
from redis.asyncio import Redis as AsyncRedis
from redis.exceptions import AuthenticationError, RedisError

from retrieval.errors import StateError

from bot.limits import PAGE_SECONDS, Page, Verdict
from bot.page_codec import PageFormatError, page_from_json, page_to_json
from bot.settings import shown_url

log = logging.getLogger(__name__)
TIMEOUT = 5.0  # seconds to connect or to wait for a reply

# KEYS: the sender's recent update times (sorted set, milliseconds), the time they were last told.
# ARGV: limit, window in milliseconds, a unique member. Returns {allowed, notify, wait in ms}.
_CHECK = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit, window = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return {1, 0, 0}
end
local oldest = tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2])
local told = redis.call('SET', KEYS[2], now, 'PX', window, 'NX')
return {0, told and 1 or 0, window - (now - oldest)}
"""


def namespace(token: str) -> str:
    """The key prefix of one bot: its numeric id, never the secret part of the token."""
    return f"newsbot:{token.partition(':')[0]}"


def check_reachable(url: str) -> None:
    """Ping the server at start-up, so that a wrong URL or password stops the bot with advice."""
    client = Redis.from_url(url, socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT)
    try:
        client.ping()
    except AuthenticationError as exc:
        raise StateError(f"Redis at {shown_url(url)} refused the credentials in NEWSBOT_STATE_URL ({exc}); "
                         "check the user name and password") from None
    except RedisError as exc:
        raise StateError(f"could not reach Redis at {shown_url(url)} (NEWSBOT_STATE_URL): {exc}; start it, "
                         "correct the URL, or leave NEWSBOT_STATE_URL empty to keep state in this process") from None
    finally:
        client.close()


def connect(url: str) -> AsyncRedis:
    """A client for the bot's event loop (connections are opened there, on first use)."""
    return AsyncRedis.from_url(url, socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT)


class RedisLimiter:
    """At most ``limit`` answered updates per sender in any ``window`` seconds, across all workers."""

    def __init__(self, client: AsyncRedis, prefix: str, limit: int, window: float = 60.0) -> None:
        if limit < 1 or window <= 0:
            raise ValueError(f"a rate limit needs limit >= 1 and window > 0, got {limit} per {window}")
        self.prefix, self.limit, self.window_ms = prefix, limit, max(1, round(window * 1000))
        self._check = client.register_script(_CHECK)

    async def check(self, key: int) -> Verdict:
        slot = f"{self.prefix}:{{u{key}}}"  # braces: both keys in one cluster slot
        allowed, notify, wait_ms = await self._check(keys=[f"{slot}:times", f"{slot}:told"],
                                                     args=[self.limit, self.window_ms, secrets.token_hex(8)])
        return Verdict(bool(allowed), bool(notify), int(wait_ms) / 1000)


class RedisPages:
    """"More" pages kept in Redis for an hour, readable by every worker."""

    def __init__(self, client: AsyncRedis, prefix: str, ttl: float = PAGE_SECONDS) -> None:
        self.client, self.prefix, self.ttl = client, prefix, max(1, round(ttl))

    async def put(self, page: Page) -> str:
        body = page_to_json(page)
        while True:
            token = secrets.token_hex(5)
            if await self.client.set(f"{self.prefix}:page:{token}", body, ex=self.ttl, nx=True):
                return token

    async def get(self, token: str) -> Page | None:
        body = await self.client.get(f"{self.prefix}:page:{token}")
        if body is None:
            return None
        try:
            return page_from_json(body)
        except PageFormatError as exc:  # written by another version, or damaged: as good as expired
            log.warning("a stored page could not be read (%s); its More button says it has expired", exc)
            return None
