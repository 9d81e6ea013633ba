"""Pure pieces of the bot: settings, limits, paging state, question checks, replies."""

from __future__ import annotations

import re

import pytest

from bot.answers import UnusableQuestion, usable_question
from bot.i18n import language_for
from bot.limits import Page, PageStore, RateLimiter
from bot.replies import more_callback, parse_more, sources_reply
from bot.settings import BotSettings
from retrieval.errors import ConfigError
from retrieval.store.sources import OutletCoverage

TOKEN = "123456789:AAEtestTOKENtestTOKENtestTOKEN"


def test_missing_token_names_the_setting_and_the_example_file():
    with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN.*\\.env\\.example"):
        BotSettings.from_env({})


@pytest.mark.parametrize(("env", "match"), [
    ({"TELEGRAM_BOT_TOKEN": "not-a-token"}, "does not look like a bot token"),
    ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_URL": "http://x"}, "https://"),
    ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_URL": "https://x/hook"}, "TELEGRAM_WEBHOOK_SECRET"),
    ({"TELEGRAM_BOT_TOKEN": TOKEN, "NEWSBOT_ALLOWED_IDS": "12, bob"}, "NEWSBOT_ALLOWED_IDS"),
    ({"TELEGRAM_BOT_TOKEN": TOKEN, "NEWSBOT_RESULTS": "0"}, "NEWSBOT_RESULTS"),
    ({"TELEGRAM_BOT_TOKEN": TOKEN, "NEWSBOT_ADMIN_IDS": "12, alice"}, "NEWSBOT_ADMIN_IDS must list numeric"),
    ({"TELEGRAM_BOT_TOKEN": TOKEN, "NEWSBOT_ADMIN_IDS": "12, -100200"}, "not group or channel ids"),
    ({"TELEGRAM_BOT_TOKEN": TOKEN, "NEWSBOT_ADMIN_IDS": " , "}, "NEWSBOT_ADMIN_IDS.*lists no id"),
    ({"TELEGRAM_BOT_TOKEN": TOKEN, "NEWSBOT_FETCH_MINUTES": "soon"}, "NEWSBOT_FETCH_MINUTES"),
    ({"TELEGRAM_BOT_TOKEN": TOKEN, "NEWSBOT_FETCH_MINUTES": "-5"}, "NEWSBOT_FETCH_MINUTES"),
    ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_PORT": "99999"}, "TELEGRAM_WEBHOOK_PORT"),
])
def test_bad_settings_say_what_to_fix(env, match):
    with pytest.raises(ConfigError, match=match):
        BotSettings.from_env(env)


def test_settings_defaults_and_token_hidden_from_repr():
    s = BotSettings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, "NEWSBOT_ALLOWED_IDS": "12, -100200"})
    assert s.api_url == "https://api.telegram.org/bot" and s.allowed_ids == {12, -100200}
    assert s.answers.results_per_page == 3 and s.webhook_url is None
    assert TOKEN not in repr(s)
    assert s.admin_ids == frozenset() and s.fetch_minutes == 0  # no operators, no schedule unless asked
    operated = BotSettings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, "NEWSBOT_ADMIN_IDS": "7 8",
                                     "NEWSBOT_FETCH_MINUTES": "30"})
    assert operated.admin_ids == {7, 8} and operated.fetch_minutes == 30


def test_rate_limiter_window():
    limiter = RateLimiter(2, window=60)
    assert limiter.check(1, 0).allowed and limiter.check(1, 10).allowed
    refused = limiter.check(1, 20)
    assert not refused.allowed and refused.wait == pytest.approx(40)
    assert limiter.check(2, 20).allowed
    assert limiter.check(1, 61).allowed


def test_over_limit_user_is_told_once_per_window_then_ignored():
    limiter = RateLimiter(2, window=60)
    limiter.check(1, 0), limiter.check(1, 1)
    verdicts = [limiter.check(1, 2 + i * 0.1) for i in range(300)]
    assert [v.notify for v in verdicts].count(True) == 1 and verdicts[0].notify
    assert not any(v.allowed for v in verdicts)
    assert limiter.check(1, 61).allowed  # the window moved on: answered again
    limiter.check(1, 61.5)
    assert not limiter.check(1, 61.8).notify  # told at 2 s: not again within 60 s of that
    again = limiter.check(1, 62.5)
    assert not again.allowed and again.notify


@pytest.mark.parametrize("raw", [",", " , ,", ",,,\n,", "  "])
def test_allow_list_that_lists_no_id_refuses_to_start(raw):
    with pytest.raises(ConfigError, match="NEWSBOT_ALLOWED_IDS.*lists no id"):
        BotSettings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, "NEWSBOT_ALLOWED_IDS": raw})
    assert BotSettings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, "NEWSBOT_ALLOWED_IDS": ""}).allowed_ids == frozenset()


@pytest.mark.parametrize(("name", "value"), [
    ("TELEGRAM_API_URL", "localhost:8081/bot"), ("TELEGRAM_API_URL", "ftp://x"),
    ("TELEGRAM_API_URL", "not a url"), ("TELEGRAM_API_URL", "http://[::1/bot"),
    ("TELEGRAM_API_URL", "http://host:99999/bot"),
    ("TELEGRAM_WEBHOOK_LISTEN", "0.0.0.0.0"), ("TELEGRAM_WEBHOOK_LISTEN", "example com"),
    ("TELEGRAM_WEBHOOK_LISTEN", "-bad-.example"),
])
def test_unusable_addresses_say_what_to_set(name, value):
    with pytest.raises(ConfigError, match=f"{name} must be .* such as .*{re.escape(repr(value))}"):
        BotSettings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, name: value})


def test_token_pasted_into_a_bad_api_url_is_not_repeated_back():
    with pytest.raises(ConfigError) as caught:
        BotSettings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": f"api.telegram.org/bot{TOKEN}"})
    assert "api.telegram.org/bot<token>" in str(caught.value) and TOKEN.split(":")[1] not in str(caught.value)


@pytest.mark.parametrize(("name", "value"), [
    ("TELEGRAM_API_URL", "http://localhost:8081/bot"), ("TELEGRAM_API_URL", "https://api.telegram.org/bot"),
    ("TELEGRAM_WEBHOOK_LISTEN", "0.0.0.0"), ("TELEGRAM_WEBHOOK_LISTEN", "::"),
    ("TELEGRAM_WEBHOOK_LISTEN", "localhost"), ("TELEGRAM_WEBHOOK_LISTEN", "bot.example.org"),
])
def test_usable_addresses_are_kept(name, value):
    settings = BotSettings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, name: value})
    assert value in (settings.api_url, settings.webhook_listen)


def test_page_store_expires_and_evicts():
    store = PageStore(ttl=100, capacity=2)
    first = store.put(Page("q1", [], "id", created=0))
    second = store.put(Page("q2", [], "id", created=0))
    assert store.get(first, now=50).question == "q1"
    store.put(Page("q3", [], "id", created=0))
    assert store.get(first, now=50) is None and store.get(second, now=50).question == "q2"
    assert store.get(second, now=101) is None


def test_more_callback_round_trip_and_foreign_data():
    data = more_callback("abcdef0123", 27)
    assert parse_more(data) == ("abcdef0123", 27) and len(data.encode()) <= 64
    for foreign in ("more:x", "ex:1", "more:a:b", ""):
        assert parse_more(foreign) is None


@pytest.mark.parametrize(("raw", "reason"), [
    (None, "empty_question"), ("  \n ", "empty_question"), ("x" * 4000, "too_long"),
    ("😀🎉", "no_words"), ("<<< &&& >>>", "no_words"), ("?", "no_words"),
    ("Siapa \ud800 Putin?", "unreadable"), ("\udcff" * 5000, "unreadable"),
])
def test_unusable_questions(raw, reason):
    with pytest.raises(UnusableQuestion) as caught:
        usable_question(raw)
    assert caught.value.reason == reason


def test_usable_questions_are_normalised():
    assert usable_question("  Siapa   Yuri\nUshakov? ") == "Siapa Yuri Ushakov?"
    assert usable_question("<b>Putin</b> & *Kim*") == "<b>Putin</b> & *Kim*"
    assert usable_question("2024?") == "2024?"


def test_language_choice():
    assert [language_for(c) for c in ("en", "en-GB", "id", None, "ru")] == ["en", "en", "id", "id", "id"]


def test_sources_reply_escapes_and_shows_ranges():
    rows = [OutletCoverage("A&B <News>", 2, "2016-01-01", "2017-05-02"), OutletCoverage("Solo", 1, None, None)]
    (reply,) = sources_reply(rows, "en")
    assert "A&amp;B &lt;News&gt;: 2 article(s) (2016-01-01 – 2017-05-02)" in reply
    assert "Solo: 1 article(s)" in reply and "3 articles" in reply


def test_filters_are_pulled_out_of_questions():
    from bot.answers import split_filters

    question, filters = split_filters('media:"VOA Indonesia" sejak:2023-01-01 hingga:2023-12-31 Apa isi surat Kim?')
    assert " ".join(question.split()) == "Apa isi surat Kim?"
    assert filters.outlets == {"VOA Indonesia"} and (filters.since, filters.until) == ("2023-01-01", "2023-12-31")
    question, filters = split_filters("outlet:Liputan6 outlet:Kontan_Baru until:2024-06-30 Putin?")
    assert filters.outlets == {"Liputan6", "Kontan Baru"} and filters.until == "2024-06-30"
    with pytest.raises(UnusableQuestion) as caught:
        split_filters("sejak:kemarin Putin?")
    assert caught.value.reason == "bad_filter"


@pytest.mark.parametrize("text", ["Apa isi https://example.com/since:2024 ini?", "lihat www.x.com/media:foo",
                                  "baca http://x.id/a?outlet:Kontan&sejak:2020", "email:media:x itu"])
def test_filter_keys_inside_urls_and_words_are_part_of_the_question(text):
    from bot.answers import split_filters

    question, filters = split_filters(text)
    assert question == text and not filters.outlets and filters.since is None and filters.until is None


def test_filters_at_start_after_spaces_and_newlines_still_count():
    from bot.answers import split_filters

    question, filters = split_filters("Putin?\nmedia:Kontan\tsince:2024-01-01")
    assert question.split() == ["Putin?"] and filters.outlets == {"Kontan"} and filters.since == "2024-01-01"


def test_unknown_outlet_advice_is_escaped_and_fits_one_message():
    from telegram.constants import MessageLimit

    from bot.answers import unknown_outlet
    from bot.replies import advice_reply
    from retrieval.errors import UnknownOutlet

    from fake_telegram import check_html

    reply = advice_reply(unknown_outlet(UnknownOutlet(("No<pe>",), ("A&B", "Kontan"))), "id")
    assert "Tidak ada media bernama No&lt;pe&gt;" in reply and "A&amp;B, Kontan" in reply
    check_html(reply)
    many = tuple(f"Outlet <{i}> & co" for i in range(3000))
    long = advice_reply(unknown_outlet(UnknownOutlet(("x" * 5000,), many)), "en")
    assert len(long) <= MessageLimit.MAX_TEXT_LENGTH and check_html(long)[0] <= MessageLimit.MAX_TEXT_LENGTH
    assert "Outlet &lt;0&gt; &amp; co" in long and long.endswith("…. See /sources.")


def test_advice_values_are_escaped_for_html():
    from bot.replies import advice_reply

    from fake_telegram import check_html

    check_html(advice_reply(UnusableQuestion("bad_filter", detail="since <b> & until"), "en"))
    assert "unreadable" not in advice_reply(UnusableQuestion("unreadable"), "en")


def test_card_bolds_highlight_and_lists_other_outlets():
    from bot.formatting import CardData, card_html

    from fake_telegram import check_html

    text = "Putin tiba.\n\nIa akan ke <Vietnam> & Laos."
    card = card_html(CardData("Kontan", "2024-06-18", "T", None, text, highlight=(13, len(text)),
                              also_reported_by=("Liputan6", "Eastjourneymagz")), "id")
    assert card.html.endswith("Putin tiba. <b>Ia akan ke &lt;Vietnam&gt; &amp; Laos.</b>")
    assert "<i>Juga diberitakan: Liputan6, Eastjourneymagz</i>" in card.html
    assert check_html(card.html)[1] == card.entities == 4


def test_rate_limiter_forgets_idle_senders():
    from bot.limits import _FORGET_FROM, RateLimiter

    limiter = RateLimiter(2, window=60)
    for user in range(_FORGET_FROM + 1):
        assert limiter.check(user, now=0.0).allowed
    assert limiter.check(-1, now=61.0).allowed
    assert len(limiter._seen) == 1
    assert limiter.check(-1, now=62.0).allowed and not limiter.check(-1, now=63.0).allowed


def test_a_fetch_asked_for_while_one_runs_is_skipped_not_queued():
    import asyncio
    import threading

    from bot.feed_job import FeedJob
    from retrieval.fetch.updates import FetchRun

    release, calls = threading.Event(), []
    fetched = FetchRun(started="2026-12-04T10:00:00+00:00", seconds=1.0, outcomes=[], report=None, feeds=[])

    def fetch(stop):
        calls.append(stop.is_set())
        release.wait(5)
        return fetched

    job = FeedJob(fetch, lambda: False)

    async def twice():
        first = asyncio.ensure_future(job.run_soon())
        await asyncio.sleep(0.05)
        assert job.running and await job.run_soon() is None  # the second comes back at once
        release.set()
        return await first

    assert asyncio.run(twice()) is fetched
    assert calls == [False] and not job.running and job.last is fetched
    job.close()


def test_a_stop_signal_tells_a_running_fetch_to_stop_before_shutdown():
    import asyncio
    import os
    import signal
    from types import SimpleNamespace

    from bot.admin import stop_fetching_on_signals
    from bot.feed_job import FeedJob

    job = FeedJob(lambda stop: None, lambda: False)
    application = SimpleNamespace(bot_data=SimpleNamespace(feed_job=job))

    async def serve() -> None:
        stop_fetching_on_signals(application)
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.sleep(5)

    with pytest.raises(SystemExit):
        asyncio.run(serve())
    assert job._stop.is_set()  # the fetch in progress was told to stop, and shutdown began
