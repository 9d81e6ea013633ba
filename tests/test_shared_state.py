"""The bot's shared state in a real Redis: limits and "More" pages seen alike by several clients."""

from __future__ import annotations

import asyncio
import time

import numpy as np
import pytest
import redis

from bot.limits import Page
from bot.page_codec import PageFormatError, page_from_json, page_to_json
from bot.redis_state import RedisLimiter, RedisPages, check_reachable, connect, namespace
from bot.settings import BotSettings, shown_url
from bot.state import MemoryLimiter, MemoryPages, open_state
from retrieval.ingest.chunking import Passage
from retrieval.errors import ConfigError, StateError
from retrieval.reader.rerank import Answer
from retrieval.search.search import Hit

from bot_harness import TOKEN
from redis_server import RedisServer, free_port

PREFIX = namespace(TOKEN)


def passage(n: int, outlet: str = "Kompas") -> Passage:
    return Passage(id=f"p{n}", article_id=f"a{n}", outlet=outlet, title=f"Judul {n} — “kutip”", date="2024-06-18",
                   url=None if n % 2 else f"https://example.org/{n}", start=0, end=40,
                   text="Putin akan mengunjungi Vietnam pada 19-20 Juni. 🇻🇳")


def sample_page() -> Page:
    hits = [Hit(rank=1, score=np.float32(1.25), passage=passage(1), dense=np.float32(0.88), lexical=3.5,
                highlight=(0, 44), also_reported_by=(passage(7, "Antara"),), reading=np.float32(2.5),
                answer=Answer("19-20 Juni", 36, 46, 0.93)),
            Hit(rank=2, score=0.5, passage=passage(2), dense=0.8, lexical=0.0)]
    return Page("kapan putin ke vietnam?", hits, "id", 1_700_000_000.5)


def run(coroutine):
    return asyncio.run(coroutine)


# -- the page's JSON form ----------------------------------------------------------------

def test_a_page_comes_back_from_json_as_it_was():
    page = sample_page()
    back = page_from_json(page_to_json(page))
    assert back == page  # NumPy scores come back as the same numbers
    assert back.hits[0].answer == Answer("19-20 Juni", 36, 46, 0.93)
    assert back.hits[0].also_reported_by[0].outlet == "Antara" and back.hits[0].highlight == (0, 44)
    assert back.hits[0].passage == page.hits[0].passage and back.hits[1].answer is None
    assert back.hits[0].score == pytest.approx(1.25) and back.hits[1].reading is None


@pytest.mark.parametrize("text", ["", "not json", "[]", '{"format": 99}', '{"format": 1, "question": "q"}',
                                  '{"format": 1, "question": "q", "language": "id", "created": 0, '
                                  '"hits": [{"rank": 1}]}'])
def test_a_damaged_or_foreign_page_is_refused_with_a_reason(text):
    with pytest.raises(PageFormatError):
        page_from_json(text)


# -- settings --------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["localhost:6379", "http://localhost:6379", "redis://", "redis://:pw@:6379",
                                   "redis://host:port/0", "unix://"])
def test_a_state_url_that_is_not_redis_is_refused_without_its_password(value):
    with pytest.raises(ConfigError, match="NEWSBOT_STATE_URL must be a Redis URL") as caught:
        BotSettings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, "NEWSBOT_STATE_URL": value})
    assert "pw" not in str(caught.value)


def test_the_state_password_is_a_secret_of_the_settings():
    url = "redis://worker:Pa55-word@cache.internal:6380/2"
    settings = BotSettings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, "NEWSBOT_STATE_URL": url})
    assert settings.state_url == url and "Pa55-word" in settings.secrets()
    assert "Pa55-word" not in repr(settings)
    assert shown_url(url) == "redis://worker:***@cache.internal:6380/2"
    assert BotSettings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN}).state_url is None


def test_without_a_state_url_the_state_stays_in_this_process():
    state = open_state(BotSettings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, "NEWSBOT_QUESTIONS_PER_MINUTE": "1"}))
    assert isinstance(state.limiter, MemoryLimiter) and isinstance(state.pages, MemoryPages)
    assert run(state.limiter.check(5)).allowed and not run(state.limiter.check(5)).allowed


# -- Redis ---------------------------------------------------------------------------------------

def test_an_unreachable_server_stops_the_bot_with_advice():
    with pytest.raises(StateError, match="could not reach Redis at redis://127.0.0.1:.*NEWSBOT_STATE_URL"):
        check_reachable(f"redis://127.0.0.1:{free_port()}/0")


def test_a_wrong_password_is_named_and_never_shown(tmp_path):
    server = RedisServer(tmp_path, password="right-Secret-1")
    try:
        check_reachable(server.url)
        wrong = server.url.replace("right-Secret-1", "wrong-Secret-2")
        with pytest.raises(StateError, match="refused the credentials") as caught:
            check_reachable(wrong)
        assert "wrong-Secret-2" not in str(caught.value) and "***" in str(caught.value)
    finally:
        server.stop()


def test_the_limit_is_shared_by_workers_and_told_once(redis_url):
    async def scenario():
        first, second = connect(redis_url), connect(redis_url)  # two workers: two clients, no shared objects
        a, b = RedisLimiter(first, PREFIX, 2), RedisLimiter(second, PREFIX, 2)
        verdicts = [await a.check(42), await b.check(42), await a.check(42), await b.check(42), await a.check(7)]
        await first.aclose()
        await second.aclose()
        return verdicts

    v = run(scenario())
    assert [x.allowed for x in v] == [True, True, False, False, True]
    assert v[2].notify and not v[3].notify
    assert 0 < v[2].wait <= 60 and v[3].wait <= v[2].wait


def test_the_window_slides_and_every_key_expires(redis_url):
    async def scenario():
        client = connect(redis_url)
        limiter = RedisLimiter(client, PREFIX, 1, window=0.4)
        verdicts = [await limiter.check(9), await limiter.check(9)]
        await asyncio.sleep(0.5)
        verdicts.append(await limiter.check(9))
        await client.aclose()
        return verdicts

    v = run(scenario())
    assert [x.allowed for x in v] == [True, False, True] and v[1].notify
    plain = redis.Redis.from_url(redis_url)
    keys = plain.keys(f"{PREFIX}:*")
    assert keys and all(0 < plain.pttl(k) <= 400 for k in keys)
    time.sleep(0.5)
    assert plain.keys(f"{PREFIX}:*") == []
    plain.close()


def test_a_page_put_by_one_worker_is_read_by_another_and_expires(redis_url):
    page = sample_page()

    async def scenario():
        first, second = connect(redis_url), connect(redis_url)
        token = await RedisPages(first, PREFIX).put(page)
        read = await RedisPages(second, PREFIX).get(token)
        unknown = await RedisPages(second, PREFIX).get("0000000000")
        await first.aclose()
        await second.aclose()
        return token, read, unknown

    token, read, unknown = run(scenario())
    assert len(token) == 10 and unknown is None
    assert read.question == page.question and read.hits[0].answer == page.hits[0].answer
    plain = redis.Redis.from_url(redis_url)
    assert 3500 < plain.ttl(f"{PREFIX}:page:{token}") <= 3600
    plain.set(f"{PREFIX}:page:{token}", b"\xff damaged")
    plain.close()

    async def read_damaged():
        client = connect(redis_url)
        found = await RedisPages(client, PREFIX).get(token)
        await client.aclose()
        return found

    assert run(read_damaged()) is None


def test_bots_sharing_one_server_keep_apart(redis_url):
    other = namespace("987654321:AAEotherTOKENotherTOKENother")
    assert other != PREFIX and "AAE" not in other

    async def scenario():
        client = connect(redis_url)
        token = await RedisPages(client, PREFIX).put(sample_page())
        found = await RedisPages(client, other).get(token)
        mine = RedisLimiter(client, PREFIX, 1)
        theirs = RedisLimiter(client, other, 1)
        verdicts = [await mine.check(1), await theirs.check(1)]
        await client.aclose()
        return found, verdicts

    found, verdicts = run(scenario())
    assert found is None and all(v.allowed for v in verdicts)


def test_open_state_checks_the_server_first(redis_url):
    settings = BotSettings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, "NEWSBOT_STATE_URL": redis_url})
    state = open_state(settings)
    assert isinstance(state.limiter, RedisLimiter) and isinstance(state.pages, RedisPages)
    run(state.close())
    closed = BotSettings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN,
                                   "NEWSBOT_STATE_URL": f"redis://127.0.0.1:{free_port()}/0"})
    with pytest.raises(StateError):
        open_state(closed)
