"""Operators' commands and the scheduled fetch, end to end: real bot over HTTP, real model, a news site on 127.0.0.1."""

from __future__ import annotations

import asyncio
import shutil
import time
from functools import partial

import pytest

from bot.answers import AnswerService
from bot.feed_job import FeedJob
from bot.handlers import BotData
from bot.limits import RateLimiter
from bot.state import MemoryLimiter
from retrieval.fetch.feed_list import FeedList
from retrieval.fetch.fetcher import FetchSettings
from retrieval.fetch.updates import fetch_and_index
from retrieval.store.indexing import update_index
from retrieval.store.live import LiveIndex
from retrieval.store.store_settings import StoreSettings

from bot_harness import BotHarness, assert_quiet, bot_settings, send
from conftest import SEEDS
from fake_telegram import FakeBotApi, command, message

pytestmark = pytest.mark.slow
ADMIN, STRANGER = 4242, 5151


@pytest.fixture(scope="module")
def seed_index(embedder, tmp_path_factory):
    folder = tmp_path_factory.mktemp("admin-seeds")
    update_index([SEEDS], folder, embedder, sync=True)
    return folder


@pytest.fixture
def api():
    server = FakeBotApi().start()
    yield server
    server.stop()


def start_bot(api, embedder, folder, site, *, delay=0.0, minutes=0, allowed=frozenset(),
              admins=frozenset({ADMIN})) -> BotHarness:
    """The bot as ``newsbot run`` wires it, following the site's RSS feed from ``folder``."""
    feeds = FeedList(folder)
    if not feeds.feeds():
        feeds.add(site.url("/feed/rss.xml"), "Situs Uji")
    feeds.close()
    live = LiveIndex(folder, embedder)
    fetching = FetchSettings(allow_private=True, host_delay_s=delay)
    job = FeedJob(partial(fetch_and_index, folder, StoreSettings.from_env({}), embedder, fetching), live.refresh,
                  minutes=minutes)
    data = BotData(answers=AnswerService(live), limiter=MemoryLimiter(RateLimiter(50)), allowed_ids=allowed,
                   admin_ids=admins, feed_job=job, feeds_folder=folder, model="test-model")
    return BotHarness(bot_settings(api, admin_ids=admins, fetch_minutes=minutes), data).start()


def test_a_user_taken_out_of_the_operators_loses_their_menu_at_the_next_start(api, embedder, seed_index,
                                                                             served_site, tmp_path, caplog):
    folder, successor = tmp_path / "index", 4343
    shutil.copytree(seed_index, folder)
    start_bot(api, embedder, folder, served_site).stop()
    assert not api.sent("deleteMyCommands")
    start_bot(api, embedder, folder, served_site, admins=frozenset({successor})).stop()
    taken_back = api.sent("deleteMyCommands")
    assert [(m["scope"]["type"], m["scope"]["chat_id"]) for m in taken_back] == [("chat", ADMIN)] * 2
    assert sorted(str(m.get("language_code")) for m in taken_back) == ["None", "en"]  # both languages
    given = [m["scope"]["chat_id"] for m in api.sent("setMyCommands") if m.get("scope", {}).get("type") == "chat"]
    assert given == [ADMIN, ADMIN, successor, successor]

    api.fail("deleteMyCommands", 500)  # Telegram failing: the user stays on record, tried again next start
    start_bot(api, embedder, folder, served_site, admins=frozenset()).stop()
    start_bot(api, embedder, folder, served_site, admins=frozenset()).stop()
    assert [m["scope"]["chat_id"] for m in api.sent("deleteMyCommands")] == [ADMIN, ADMIN, successor,
                                                                             successor, successor]
    start_bot(api, embedder, folder, served_site, admins=frozenset()).stop()
    assert len(api.sent("deleteMyCommands")) == 5  # nobody left to take it back from

    (folder / "operator_menus.json").write_text("{not json")  # a damaged record: a warning, and written again
    with caplog.at_level("WARNING", logger="bot.operator_menus"):
        start_bot(api, embedder, folder, served_site, admins=frozenset({ADMIN})).stop()
    assert "operator_menus.json" in caplog.text and "written again" in caplog.text
    assert '"holders": [4242]' in (folder / "operator_menus.json").read_text()

    api.fail("deleteMyCommands", 400, description="Bad Request: chat not found")  # no chat, so no menu
    start_bot(api, embedder, folder, served_site, admins=frozenset()).stop()
    assert len(api.sent("deleteMyCommands")) == 6  # one try, taken as done
    assert '"holders": []' in (folder / "operator_menus.json").read_text()


def test_operators_get_status_and_fetch_others_a_polite_refusal(api, embedder, seed_index, served_site, tmp_path):
    folder = tmp_path / "index"
    shutil.copytree(seed_index, folder)
    bot = start_bot(api, embedder, folder, served_site, allowed=frozenset({998, 999}))
    try:
        menus = api.sent("setMyCommands")
        default = [m for m in menus if "scope" not in m or m["scope"]["type"] == "default"]
        operator = [m for m in menus if m.get("scope", {}).get("type") == "chat"]
        assert all({"status", "fetch"}.isdisjoint(c["command"] for c in m["commands"]) for m in default)
        assert {m["scope"]["chat_id"] for m in operator} == {ADMIN} and len(operator) == 2  # both languages
        assert all({"status", "fetch"} <= {c["command"] for c in m["commands"]} for m in operator)

        (stranger,) = send(api, command("status", uid=STRANGER, language="en"), STRANGER)
        assert "only available to registered users" in stranger["text"]  # the allow-list still comes first
        (refused,) = send(api, command("status", uid=998, language="en"), 998)  # allowed, but no operator
        assert refused["text"] == "Sorry, that command is only for this bot's operators."
        (refused,) = send(api, command("fetch", uid=999), 999)
        assert "hanya untuk pengelola" in refused["text"]
        assert served_site.requested("/feed/rss.xml") == 0  # no fetch happened for them

        (status,) = send(api, command("status", uid=ADMIN, language="en"), ADMIN)  # the allow-list lets operators in
        text = status["text"]
        assert "Index: " in text and "test-model" in text and "Up for " in text and "Kontan" in text
        assert served_site.url("/feed/rss.xml") in text and "not fetched yet" in text
        assert "Scheduled fetching is off" in text

        api.push(command("status", uid=ADMIN, chat_id=-100777, chat_type="group"))
        assert_quiet(api, -100777, 1.5)  # never shown to a group, even when an operator asks there

        replies = send(api, command("fetch", uid=ADMIN, language="en"), ADMIN, count=2)
        assert replies[0]["text"] == "Fetching the feeds now…"
        assert "3 new article(s), 0 failed" in replies[1]["text"], replies[1]["text"]
        article = served_site.articles[0]
        (answer,) = send(api, message(article.title, uid=ADMIN), ADMIN)
        assert "Situs Uji" in answer["text"]  # answered from the new index at once
        (status,) = send(api, command("status", uid=ADMIN, language="en"), ADMIN)
        assert "3 new, 0 failed" in status["text"] and "Situs Uji 3" in status["text"]
    finally:
        bot.stop()


def test_the_bot_keeps_answering_while_a_scheduled_fetch_runs(api, embedder, seed_index, served_site, tmp_path):
    folder = tmp_path / "index"
    shutil.copytree(seed_index, folder)
    bot = start_bot(api, embedder, folder, served_site, delay=1.5, minutes=1)  # four requests: 4.5 s of waiting
    try:
        (scheduled,) = bot.application.job_queue.get_jobs_by_name("fetch-feeds")
        assert scheduled.trigger.interval.total_seconds() == 60
        job = bot.application.bot_data.feed_job
        running = asyncio.run_coroutine_threadsafe(scheduled.run(bot.application), bot.loop)
        deadline = time.monotonic() + 10
        while not job.running and time.monotonic() < deadline:
            time.sleep(0.05)
        assert job.running
        started = time.monotonic()
        (answer,) = send(api, message("Siapa penasihat kebijakan luar negeri Putin?", uid=7001), 7001)
        assert "Ushakov" in answer["text"] and job.running  # answered while the fetch was still going
        assert time.monotonic() - started < 4
        running.result(120)
        assert not job.running and job.last is not None and job.last.new == 3
        (fetched,) = send(api, message(served_site.articles[1].title, uid=7001), 7001)
        assert "Situs Uji" in fetched["text"]
        assert_quiet(api, ADMIN, 0.1)  # a scheduled fetch tells nobody
    finally:
        bot.stop()


def test_a_failed_fetch_is_reported_and_the_index_kept(api, embedder, seed_index, served_site, tmp_path):
    folder = tmp_path / "index"
    shutil.copytree(seed_index, folder)
    bot = start_bot(api, embedder, folder, served_site)
    try:
        feeds = FeedList(folder)
        feeds.remove(served_site.url("/feed/rss.xml"))
        feeds.close()
        replies = send(api, command("fetch", uid=ADMIN, language="en"), ADMIN, count=2)
        assert "The fetch failed: no feeds are followed; add one with: newsbot feeds add URL" in replies[1]["text"]
        (status,) = send(api, command("status", uid=ADMIN, language="en"), ADMIN)
        assert "last error: no feeds are followed" in status["text"]
        (answer,) = send(api, message("Siapa penasihat kebijakan luar negeri Putin?", uid=7002), 7002)
        assert "Ushakov" in answer["text"]
    finally:
        bot.stop()
