"""👍 / 👎 under answers, end to end: real bot over HTTP, real model, votes in a real SQLite file."""

from __future__ import annotations

import argparse
import io
import json

import pytest

from bot.feedback import FEEDBACK_FILE, FeedbackStore
from bot.cli_feedback import run_feedback
from retrieval.store.indexing import update_index

from bot_harness import BotHarness, bot_settings, make_data, send
from conftest import SEEDS
from fake_telegram import FakeBotApi, button, message

pytestmark = pytest.mark.slow
USER = 918273645


@pytest.fixture(scope="module")
def bot(embedder, tmp_path_factory):
    folder = tmp_path_factory.mktemp("feedback-index")
    update_index([SEEDS], folder, embedder, sync=True)
    api = FakeBotApi().start()
    store = FeedbackStore(folder)
    data = make_data(embedder, folder, limit=20)
    data.feedback = store
    harness = BotHarness(bot_settings(api), data).start()
    yield api, folder
    harness.stop()
    store.close()
    api.stop()


def press(api: FakeBotApi, data: str, uid: int) -> dict:
    """Press a button and return the bot's answer to the press."""
    update = button(data, uid=uid)
    query_id = update["callback_query"]["id"]
    api.push(update)
    api.wait_for(lambda calls: any(m == "answerCallbackQuery" and p.get("callback_query_id") == query_id
                                   for m, p in calls))
    return next(p for p in api.sent("answerCallbackQuery") if p["callback_query_id"] == query_id)


def test_votes_are_kept_once_per_user_and_message_and_summarised(bot):
    api, folder = bot
    (reply,) = send(api, message("Siapa penasihat kebijakan luar negeri Putin?", uid=USER), USER)
    more_row, vote_row = reply["reply_markup"]["inline_keyboard"]
    assert more_row[0]["text"] == "Lainnya ▸" and [b["text"] for b in vote_row] == ["👍", "👎"]
    up, down = (b["callback_data"] for b in vote_row)
    assert all(len(data.encode()) <= 64 for data in (up, down))

    assert press(api, up, USER)["text"] == "Terima kasih atas penilaian Anda!"
    assert press(api, down, USER)["text"] == "Anda sudah menilai jawaban ini."  # the first vote stands
    assert press(api, down, 302)["text"] == "Terima kasih atas penilaian Anda!"  # another user (a group, say)

    (page_two,) = send(api, button(more_row[0]["callback_data"], uid=USER), USER)  # the next page is another message
    (edited,) = [p for p in api.sent("editMessageReplyMarkup", USER)]
    assert [b["text"] for b in edited["reply_markup"]["inline_keyboard"][0]] == ["👍", "👎"]  # kept; More gone
    page_two_down = page_two["reply_markup"]["inline_keyboard"][-1][1]["callback_data"]
    assert page_two_down != down and press(api, page_two_down, USER)["text"].startswith("Terima kasih")

    expired = press(api, "vote:0000000000:0:up", USER)
    assert "kedaluwarsa" in expired["text"] and expired.get("show_alert")

    out = io.StringIO()
    assert run_feedback(argparse.Namespace(index=folder, json=True), out) == 0
    summary = json.loads(out.getvalue())
    assert (summary["votes"], summary["up"], summary["down"]) == (3, 1, 2)
    assert summary["most_down"][0]["question"] == "Siapa penasihat kebijakan luar negeri Putin?"
    raw = b"".join(p.read_bytes() for p in folder.glob(FEEDBACK_FILE + "*"))
    assert str(USER).encode() not in raw  # no user (nor private chat) id stored
