"""The bot when Bot API calls fail, when one user floods it, and with updates and text real clients can send.

Real python-telegram-bot over real HTTP to the fake Bot API, with the real model and a seed index."""

from __future__ import annotations

import itertools
import logging

import pytest

from retrieval.store.indexing import update_index

from bot_harness import BotHarness, assert_quiet, bot_settings, make_data, send
from conftest import SEEDS
from fake_telegram import FakeBotApi, button, check_html, command, inline, message

OUTLETS = {"Kontan", "Liputan6", "VOA Indonesia", "Tribunnews", "Eastjourneymagz"}
QUESTION = "Siapa Yuri Ushakov?"
_uids = itertools.count(9000)


@pytest.fixture(scope="module")
def seed_index(embedder, tmp_path_factory):
    folder = tmp_path_factory.mktemp("resilience-index")
    update_index([SEEDS], folder, embedder, sync=True)
    return folder


@pytest.fixture(scope="module")
def api():
    server = FakeBotApi().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def running(api, embedder, seed_index):
    harness = BotHarness(bot_settings(api), make_data(embedder, seed_index)).start()
    yield harness
    harness.stop()


@pytest.fixture()
def errors(caplog):
    """ERROR records of the bot's own error handler while a test runs."""
    caplog.set_level(logging.ERROR, logger="bot.handlers")
    return lambda: [r for r in caplog.records if r.name == "bot.handlers" and r.levelno >= logging.ERROR]


def _answered(api: FakeBotApi, query_ids: set[str]) -> None:
    api.wait_for(lambda calls: query_ids <= {p.get("callback_query_id") for m, p in calls
                                             if m == "answerCallbackQuery"})


# -- failing Bot API calls -----------------------------------------------------------------

def test_failed_typing_action_does_not_lose_the_answer(running, api, errors):
    uid = next(_uids)
    api.fail("sendChatAction", 500)
    (reply,) = send(api, message(QUESTION, uid=uid), uid)
    assert "Ushakov" in reply["text"]
    assert len(api.sent("sendChatAction", uid)) == 1  # best effort: tried once, not retried
    assert not errors()


@pytest.mark.parametrize(("status", "retry_after"), [(500, None), (502, None), (429, 1)])
def test_reply_that_fails_once_for_a_passing_reason_is_sent_again(running, api, errors, status, retry_after):
    uid = next(_uids)
    api.fail("sendMessage", status, retry_after=retry_after)
    first, again = send(api, message(QUESTION, uid=uid), uid, count=2)
    assert first["text"] == again["text"] and "Ushakov" in again["text"]
    assert_quiet(api, uid, 1.5)  # one more try was enough: nothing sent on top of it
    assert not errors()


def test_retries_are_bounded_and_then_the_user_hears_of_it(running, api):
    uid = next(_uids)
    api.fail("sendMessage", 500, times=3)
    replies = send(api, message(QUESTION, uid=uid), uid, count=4)
    assert all("Ushakov" in r["text"] for r in replies[:3])
    assert replies[3]["text"].startswith("Maaf, ada yang salah")
    assert_quiet(api, uid, 1.5)


# -- one user flooding ---------------------------------------------------------------------

@pytest.fixture()
def own_api():
    server = FakeBotApi().start()
    yield server
    server.stop()


def test_a_flooding_user_is_told_once_and_others_stay_prompt(own_api, embedder, seed_index):
    api = own_api
    harness = BotHarness(bot_settings(api), make_data(embedder, seed_index, limit=5)).start()
    try:
        flooder, presser, typist, other = (next(_uids) for _ in range(4))
        for _ in range(300):
            api.push(message(QUESTION, uid=flooder))
        presses = {f"flood-{i}" for i in range(60)}
        for query_id in sorted(presses):
            api.push(button("ex:0", uid=presser, query_id=query_id))
        for i in range(60):
            api.push(inline("Putin Kim Jong Un surat", uid=typist, query_id=f"typed-{i}"))
        (answer,) = send(api, message(QUESTION, uid=other), other)  # queued behind all of the above
        assert "Ushakov" in answer["text"]
        assert len(api.sent("sendMessage", flooder)) < 50
        _answered(api, presses)  # every press is answered, also past the limit
        # the flooder's 5 answers and one "slow down" may still be on their way: wait for them, then
        # check that nothing more comes
        api.wait_for(lambda calls: sum(m == "sendMessage" and p.get("chat_id") == flooder for m, p in calls) >= 6)
        assert_quiet(api, flooder, 2.0)
        to_flooder = api.sent("sendMessage", flooder)
        assert sum("Pelan-pelan" in r["text"] for r in to_flooder) == 1
        assert sum(bool(r.get("reply_markup")) for r in to_flooder) == 5  # 5 answers, each ending in "More"
        press_answers = [p for p in api.sent("answerCallbackQuery") if p["callback_query_id"].startswith("flood-")]
        assert len(press_answers) == 60 and sum("Pelan-pelan" in (p.get("text") or "") for p in press_answers) == 1
        assert sum(bool(r.get("reply_markup")) for r in api.sent("sendMessage", presser)) == 5
        typed = [p for p in api.sent("answerInlineQuery") if p["inline_query_id"].startswith("typed-")]
        assert len(typed) == 6 and sum(not p["results"] for p in typed) == 1  # 5 answered, told once, then quiet
    finally:
        harness.stop()


# -- updates real clients send -------------------------------------------------------------

@pytest.mark.parametrize("data", ["ex:abc", "more:x:y", "zzz", "", None, "ex:99", "ex:\u00b2", "more:0:-1"])
def test_every_button_press_is_answered_whatever_its_data(running, api, errors, data):
    uid = next(_uids)
    press = button(data, uid=uid)
    api.push(press)
    _answered(api, {press["callback_query"]["id"]})
    assert_quiet(api, uid, 1.0)
    assert not errors()


def test_presses_on_messages_sent_inline_are_answered(running, api, errors):
    uid = next(_uids)
    presses = [button(data, uid=uid, chat_message=False) for data in ("more:abcdef0123:3", "ex:0")]
    for press in presses:
        api.push(press)
    _answered(api, {p["callback_query"]["id"] for p in presses})
    expired = next(p for p in api.sent("answerCallbackQuery") if p["callback_query_id"] == presses[0]["callback_query"]["id"])
    assert "kedaluwarsa" in expired["text"]
    assert_quiet(api, uid, 1.0)  # and nothing fails after the answer (the example has no chat to go to)
    assert not errors()


def test_messages_without_a_sender_are_answered_and_limited_by_chat(running, api, errors):
    group = -100_000_000_000 - next(_uids)
    (asked,) = send(api, command("ask", QUESTION, chat_id=group, chat_type="supergroup", anonymous=True), group)
    assert "Ushakov" in asked["text"]
    text = f"@newsbot_test_bot {QUESTION}"
    mention = [{"type": "mention", "offset": 0, "length": len("@newsbot_test_bot")}]
    (mentioned,) = send(api, message(text, chat_id=group, chat_type="supergroup", anonymous=True,
                                     entities=mention), group)
    assert "Ushakov" in mentioned["text"]
    channel = -100_000_000_000 - next(_uids)
    post = message(QUESTION, chat_id=channel, chat_type="channel", anonymous=True)["message"]
    api.push({"channel_post": post})
    assert_quiet(api, channel, 1.0)
    for _ in range(3):  # the chat has asked 2 of its 5: 3 more, then it is told once
        send(api, command("ask", QUESTION, chat_id=group, chat_type="supergroup", anonymous=True), group)
    (told,) = send(api, command("ask", QUESTION, chat_id=group, chat_type="supergroup", anonymous=True), group)
    assert "Pelan-pelan" in told["text"]
    assert not errors()


def test_text_that_is_not_utf8_gets_advice_or_an_empty_inline_answer(running, api, errors):
    uid = next(_uids)
    (reply,) = send(api, message("Siapa \ud800 Yuri Ushakov?", uid=uid), uid)
    assert "tidak bisa saya baca" in reply["text"]
    group, text = -100_000_000_000 - next(_uids), "@newsbot_test_bot Siapa \udcff?"
    mention = [{"type": "mention", "offset": 0, "length": len("@newsbot_test_bot")}]
    (in_group,) = send(api, message(text, uid=uid, chat_id=group, chat_type="supergroup", entities=mention), group)
    assert "tidak bisa saya baca" in in_group["text"]
    api.push(inline("Putin \ud800 Vietnam", uid=next(_uids), query_id="iq-unreadable"))
    api.wait_for(lambda calls: any(m == "answerInlineQuery" and p["inline_query_id"] == "iq-unreadable"
                                   for m, p in calls))
    assert next(p for p in api.sent("answerInlineQuery") if p["inline_query_id"] == "iq-unreadable")["results"] == []
    assert not errors()


# -- filters -------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [f"{QUESTION} https://example.com/since:2024", f"lihat www.x.com/media:foo {QUESTION}"])
def test_urls_holding_filter_words_are_part_of_the_question(running, api, text):
    uid = next(_uids)
    (reply,) = send(api, message(text, uid=uid), uid)
    assert "Ushakov" in reply["text"] and "Filter" not in reply["text"] and "Tidak ada media" not in reply["text"]


def test_unknown_outlet_is_named_with_the_outlets_there_are(running, api):
    uid = next(_uids)
    (reply,) = send(api, command("ask", f"{QUESTION} media:Nope<&>", uid=uid, language="en"), uid)
    assert reply["parse_mode"] == "HTML" and check_html(reply["text"])
    assert "There is no outlet named Nope&lt;&amp;&gt;" in reply["text"]
    assert all(outlet in reply["text"] for outlet in OUTLETS)
    (private,) = send(api, message(f"media:Nope {QUESTION}", uid=uid), uid)
    assert "Tidak ada media bernama Nope" in private["text"]
    api.push(inline(f"media:Nope {QUESTION}", uid=uid, query_id="iq-nope"))
    api.wait_for(lambda calls: any(m == "answerInlineQuery" and p["inline_query_id"] == "iq-nope" for m, p in calls))
    assert next(p for p in api.sent("answerInlineQuery") if p["inline_query_id"] == "iq-nope")["results"] == []
