"""The bot end to end: real Application, real HTTP to a fake Bot API, real model and index."""

from __future__ import annotations

import itertools
import json
import shutil
import time

import pytest

from retrieval.store.indexing import update_index

from bot_harness import BotHarness, assert_quiet, bot_settings, make_data, send
from conftest import SEEDS
from fake_telegram import BOT_USER, FakeBotApi, check_html, command, message

OUTLETS = {"Kontan", "Liputan6", "VOA Indonesia", "Tribunnews", "Eastjourneymagz"}
_uids = itertools.count(5000)


@pytest.fixture(scope="module")
def seed_index(embedder, tmp_path_factory):
    folder = tmp_path_factory.mktemp("bot-index")
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


def test_startup_sets_command_menu_in_both_languages(running, api):
    menus = api.sent("setMyCommands")
    assert {m.get("language_code") for m in menus} == {None, "en"}
    assert {c["command"] for c in menus[0]["commands"]} == {"start", "help", "sources", "ask"}


def test_private_question_gets_cited_cards_with_more_button(running, api):
    uid = next(_uids)
    (reply,) = send(api, message("Siapa penasihat kebijakan luar negeri Putin?", uid=uid), uid)
    assert any(p["action"] == "typing" for p in api.sent("sendChatAction", uid))
    assert reply["parse_mode"] == "HTML"
    check_html(reply["text"])
    assert "Ushakov" in reply["text"]
    assert sum(f"<b>{o}</b>" in reply["text"] for o in OUTLETS) >= 1
    assert reply["text"].count("</b> · ") == 3  # three cards, each headed "<b>outlet</b> · date · title"
    assert reply["text"].count("<b>") == 6  # and each with its best sentence in bold
    (button,) = reply["reply_markup"]["inline_keyboard"][0]
    assert button["text"] == "Lainnya ▸" and len(button["callback_data"].encode()) <= 64


def test_more_button_pages_on_and_old_button_expires(running, api):
    uid = next(_uids)
    (first,) = send(api, message("Apa isi surat Putin untuk Kim Jong Un?", uid=uid), uid)
    data = first["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    press = {"callback_query": {"id": "cb1", "from": {"id": uid, "is_bot": False, "first_name": "U"},
                                "chat_instance": "x", "data": data,
                                "message": {"message_id": 77, "date": 0, "chat": {"id": uid, "type": "private"},
                                            "text": "old", "from": BOT_USER}}}
    (second,) = send(api, press, uid)
    assert second["text"] != first["text"] and "<b>" in second["text"]
    assert any(p.get("message_id") == 77 for p in api.sent("editMessageReplyMarkup", uid))
    expired = {"callback_query": {**press["callback_query"], "id": "cb2", "data": "more:0000000000:3"}}
    api.push(expired)
    api.wait_for(lambda calls: any(m == "answerCallbackQuery" and p.get("callback_query_id") == "cb2"
                                   for m, p in calls))
    answer = next(p for p in api.sent("answerCallbackQuery") if p["callback_query_id"] == "cb2")
    assert "kedaluwarsa" in answer["text"]


def test_english_user_gets_english_interface(running, api):
    uid = next(_uids)
    (start,) = send(api, command("start", uid=uid, language="en"), uid)
    assert start["text"].startswith("Hi! I'm newsbot")
    buttons = [row[0] for row in start["reply_markup"]["inline_keyboard"]]
    assert len(buttons) == 3
    tap = {"callback_query": {"id": "ex1", "from": {"id": uid, "is_bot": False, "first_name": "U", "language_code": "en"},
                              "chat_instance": "x", "data": buttons[0]["callback_data"],
                              "message": {"message_id": 5, "date": 0, "chat": {"id": uid, "type": "private"},
                                          "text": "x", "from": BOT_USER}}}
    (answer,) = send(api, tap, uid)
    assert "Vietnam" in answer["text"] and answer["reply_markup"]["inline_keyboard"][0][0]["text"] == "More ▸"
    (help_reply,) = send(api, command("help", uid=uid, language="en"), uid)
    assert "How to ask" in help_reply["text"] and "@newsbot_test_bot" in help_reply["text"]


def test_sources_lists_outlets_with_counts_and_dates(running, api):
    uid = next(_uids)
    (reply,) = send(api, command("sources", uid=uid), uid)
    check_html(reply["text"])
    assert "5 artikel" in reply["text"]
    for outlet in OUTLETS:
        assert f"• {outlet}: 1 artikel" in reply["text"]
    assert "(2024-06-18)" in reply["text"]


def test_groups_answer_mentions_and_ask_only(running, api):
    uid, group = next(_uids), -100123
    api.push(message("Putin ke Vietnam kapan ya?", uid=uid, chat_id=group, chat_type="supergroup"))
    assert_quiet(api, group)
    text = "@newsbot_test_bot Siapa Yuri Ushakov?"
    mention = [{"type": "mention", "offset": 0, "length": len("@newsbot_test_bot")}]
    (reply,) = send(api, message(text, uid=uid, chat_id=group, chat_type="supergroup", entities=mention), group)
    assert "Ushakov" in reply["text"]
    other = [{"type": "mention", "offset": 0, "length": 10}]
    api.push(message("@someone_x Putin?", uid=uid, chat_id=group, chat_type="supergroup", entities=other))
    assert_quiet(api, group, 1.5)
    (asked,) = send(api, command("ask", "Berapa kontainer amunisi?", uid=uid, chat_id=group,
                                 chat_type="supergroup"), group)
    assert "11.000" in asked["text"]
    (usage,) = send(api, command("ask", uid=uid, chat_id=group, chat_type="supergroup"), group)
    assert "/ask" in usage["text"]


def test_inline_query_offers_up_to_ten_cards(running, api):
    uid = next(_uids)
    before = len(api.sent("answerInlineQuery"))
    api.push({"inline_query": {"id": "iq1", "from": {"id": uid, "is_bot": False, "first_name": "U"},
                               "query": "Putin Kim Jong Un surat", "offset": ""}})
    api.wait_for(lambda calls: len([1 for m, _ in calls if m == "answerInlineQuery"]) > before)
    results = api.sent("answerInlineQuery")[-1]["results"]
    assert 1 <= len(results) <= 10
    assert all(r["title"].split(": ", 1)[0] in OUTLETS for r in results)
    assert all(r["input_message_content"]["parse_mode"] == "HTML" for r in results)


@pytest.mark.parametrize(("text", "expected"), [
    ("   ", "Tulis pertanyaan"),
    ("Putin " * 700, "terlalu panjang"),
    ("😀😀😀🎉", "hanya bisa menjawab"),
    ("How do I bake sourdough bread at home?", "tidak menemukan"),
])
def test_unusable_or_unanswerable_questions_get_advice(running, api, text, expected):
    uid = next(_uids)
    (reply,) = send(api, message(text, uid=uid), uid)
    assert expected in reply["text"]


def test_markup_characters_are_escaped(running, api):
    uid = next(_uids)
    (reply,) = send(api, message("<b>Putin</b> & *Kim* _surat_ <<<>>> &amp;", uid=uid), uid)
    check_html(reply["text"])
    assert not api.errors


def test_stickers_photos_commands_and_edits(running, api):
    uid = next(_uids)
    (sticker,) = send(api, message(None, uid=uid, sticker={"file_id": "s", "file_unique_id": "s", "type": "regular",
                                                           "width": 1, "height": 1, "is_animated": False,
                                                           "is_video": False}), uid)
    assert "teks" in sticker["text"]
    (photo,) = send(api, message(None, uid=uid, photo=[{"file_id": "p", "file_unique_id": "p", "width": 1,
                                                        "height": 1}]), uid)
    assert "teks" in photo["text"]
    (unknown,) = send(api, command("frobnicate", uid=uid), uid)
    assert "/help" in unknown["text"]
    edited = message("Siapa Yuri Ushakov?", uid=uid)
    api.push({"edited_message": {**edited["message"], "edit_date": int(time.time())}})
    assert_quiet(api, uid)


def test_rate_limit_is_polite(running, api):
    uid = next(_uids)
    for _ in range(5):
        send(api, message("Siapa Yuri Ushakov?", uid=uid), uid)
    (reply,) = send(api, message("Siapa Yuri Ushakov?", uid=uid), uid)
    assert "Pelan-pelan" in reply["text"] and "detik" in reply["text"]


def test_failure_reaches_error_handler_and_user_gets_kind_message(running, api):
    uid = next(_uids)
    api.fail("sendMessage", 400)  # refused outright: not retried, the answer is lost
    replies = send(api, message("Siapa Yuri Ushakov?", uid=uid), uid, count=2)
    assert "Ushakov" in replies[0]["text"] and replies[1]["text"].startswith("Maaf, ada yang salah")


@pytest.fixture()
def own_api():
    """A separate fake server for a second bot, so two bots never poll the same updates."""
    server = FakeBotApi().start()
    yield server
    server.stop()


def test_long_pages_are_split_at_card_boundaries(own_api, embedder, seed_index):
    api = own_api
    harness = BotHarness(bot_settings(api), make_data(embedder, seed_index, per_page=10)).start()
    try:
        uid = next(_uids)
        api.push(message("Putin dan Kim Jong Un", uid=uid))
        api.wait_for(lambda calls: any(m == "sendMessage" and p.get("chat_id") == uid and p.get("reply_markup")
                                       for m, p in calls))
        replies = api.sent("sendMessage", uid)
        assert len(replies) >= 2
        assert sum(r["text"].count("</b> · ") for r in replies) == 10
        assert all(check_html(r["text"])[0] <= 4096 for r in replies)
    finally:
        harness.stop()


def test_allow_list(own_api, embedder, seed_index):
    api = own_api
    harness = BotHarness(bot_settings(api), make_data(embedder, seed_index, allowed=frozenset({777}))).start()
    try:
        stranger = next(_uids)
        (reply,) = send(api, message("Siapa Yuri Ushakov?", uid=stranger), stranger)
        assert "hanya untuk pengguna terdaftar" in reply["text"]
        (allowed,) = send(api, message("Siapa Yuri Ushakov?", uid=777), 777)
        assert "Ushakov" in allowed["text"]
    finally:
        harness.stop()


def test_a_stranger_is_stopped_even_when_telling_them_fails(own_api, embedder, seed_index):
    api = own_api
    harness = BotHarness(bot_settings(api), make_data(embedder, seed_index, allowed=frozenset({777}))).start()
    try:
        stranger = next(_uids)
        api.fail("sendMessage", 400, times=None)  # the "not allowed" notice is refused
        api.push(message("Siapa Yuri Ushakov?", uid=stranger))
        api.wait_for(lambda calls: any(m == "sendMessage" and p.get("chat_id") == stranger for m, p in calls))
        api.clear_faults("sendMessage")
        time.sleep(2)  # long enough for a search, had the update gone on to the handlers
        assert api.sent("sendChatAction", stranger) == []
        assert len(api.sent("sendMessage", stranger)) == 1
    finally:
        harness.stop()


def test_filters_in_chat_and_bad_filter_advice(running, api):
    uid = next(_uids)
    (reply,) = send(api, message("media:Tribunnews Apa kata Putin tentang hubungan bilateral?", uid=uid), uid)
    assert reply["text"].count("</b> · ") >= 1
    assert {o for o in OUTLETS if f"<b>{o}</b> · " in reply["text"]} == {"Tribunnews"}
    (bad,) = send(api, message("sejak:kemarin Putin?", uid=uid), uid)
    assert "Filter tidak bisa dipakai" in bad["text"]


def test_same_quote_is_one_card_with_other_outlets_named(running, api):
    uid = next(_uids)
    question = "Putin mengembangkan mekanisme perdagangan alternatif yang tidak dikendalikan oleh Barat"
    (reply,) = send(api, message(question, uid=uid), uid)
    first_card = reply["text"].split("\n\n")[0]
    assert "Juga diberitakan:" in first_card
    named = {o for o in OUTLETS if o in first_card}
    assert {"Kontan", "Liputan6", "Eastjourneymagz"} <= named


def test_rebuilt_index_is_answered_from_without_a_restart(own_api, embedder, seed_index, tmp_path):
    api = own_api
    folder = tmp_path / "index"
    shutil.copytree(seed_index, folder)
    harness = BotHarness(bot_settings(api, reload_seconds=1), make_data(embedder, folder)).start()
    try:
        question = "Berapa kenaikan ekspor rumput laut dari Kepulauan Aru?"
        uid = next(_uids)
        first = send(api, message(question, uid=uid), uid)
        assert "Antara" not in first[0]["text"]
        article = {"id": "aru-1", "outlet": "Antara", "title": "Ekspor rumput laut Aru naik", "published": "2024-07-01",
                   "text": "Ekspor rumput laut dari Kepulauan Aru naik tiga kali lipat sepanjang musim kemarau tahun ini."}
        (tmp_path / "new.jsonl").write_text(json.dumps(article) + "\n", encoding="utf-8")
        update_index([tmp_path / "new.jsonl"], folder, embedder)
        deadline = time.monotonic() + 30
        while True:
            uid = next(_uids)
            replies = send(api, message(question, uid=uid), uid)
            if "<b>Antara</b>" in replies[0]["text"]:
                break
            assert time.monotonic() < deadline, "the bot never answered from the rebuilt index"
            time.sleep(0.5)
        assert "Kepulauan Aru" in replies[0]["text"]
    finally:
        harness.stop()
