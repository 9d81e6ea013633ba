"""Runs the real python-telegram-bot Application against the fake Bot API, in a thread."""

from __future__ import annotations

import asyncio
import threading
import time

from bot.answers import AnswerService
from bot.app import announce_commands, build_application
from bot.handlers import BotData
from bot.limits import RateLimiter
from bot.state import MemoryLimiter
from bot.settings import AnswerSettings, BotSettings
from retrieval.store.live import LiveIndex

from fake_telegram import FakeBotApi

TOKEN = "123456789:AAEtestTOKENtestTOKENtestTOKEN"


def bot_settings(api: FakeBotApi, **overrides) -> BotSettings:
    values = dict(token=TOKEN, api_url=api.base_url, webhook_url=None, webhook_secret=None,
                  webhook_listen="127.0.0.1", webhook_port=8443, allowed_ids=frozenset(),
                  questions_per_minute=5, answers=AnswerSettings(3))
    values.update(overrides)
    return BotSettings(**values)


def make_data(embedder, folder, *, per_page=3, limit=5, allowed=frozenset(), reader=None) -> BotData:
    return BotData(answers=AnswerService(LiveIndex(folder, embedder, reader)), limiter=MemoryLimiter(RateLimiter(limit)),
                   allowed_ids=allowed, results_per_page=per_page)


def send(api: FakeBotApi, update: dict, chat_id: int, count: int = 1, method: str = "sendMessage") -> list[dict]:
    """Push an update and wait for ``count`` new ``method`` calls to that chat."""
    before = len(api.sent(method, chat_id))
    api.push(update)
    api.wait_for(lambda calls: len([p for m, p in calls if m == method and p.get("chat_id") == chat_id])
                 >= before + count)
    return api.sent(method, chat_id)[before:]


def assert_quiet(api: FakeBotApi, chat_id: int, seconds: float = 2.0) -> None:
    before = len(api.sent("sendMessage", chat_id))
    time.sleep(seconds)
    assert len(api.sent("sendMessage", chat_id)) == before


class BotHarness:
    """Start/stop the bot exactly as ``newsbot run`` wires it, but on a background loop."""

    def __init__(self, settings: BotSettings, data: BotData) -> None:
        self.application = build_application(settings, data)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def start(self) -> BotHarness:
        self.thread.start()
        self._run(self._start())
        return self

    def stop(self) -> None:
        self._run(self._stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    def _run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(60)

    async def _start(self) -> None:
        app = self.application
        await app.initialize()
        await announce_commands(app)
        await app.start()
        await app.updater.start_polling(poll_interval=0.0, timeout=1)

    async def _stop(self) -> None:
        app = self.application
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
