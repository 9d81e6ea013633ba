"""Serving until stopped, and stopping with a clear reason when the bot cannot go on."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

from telegram import Update
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application
from telegram.request import HTTPXRequest

from retrieval.errors import NewsbotError

from bot.logs import redact
from bot.settings import DEFAULT_API_URL, BotSettings

log = logging.getLogger(__name__)
TOKEN_REJECTED = ("Telegram rejected the bot token (it was revoked, or is mistyped): copy the current token "
                  "from @BotFather into TELEGRAM_BOT_TOKEN and start newsbot again")


class BotStopped(NewsbotError):
    """The bot could not start, or had to stop; the message says why and what to do."""


class PollingRequest(HTTPXRequest):
    """The connection ``getUpdates`` polls over; a rejected token (401/404) stops the bot.

    python-telegram-bot's polling loop ends on InvalidToken without stopping the application,
    which leaves a process that is up but answers nobody. Here the rejection calls
    ``on_token_rejected`` and reads as "no updates", so that polling, and then the whole
    application, shut down in their usual order (the last poll at shutdown is rejected quietly too).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.on_token_rejected: Callable[[], None] | None = None

    async def post(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return await super().post(*args, **kwargs)
        except InvalidToken:
            if self.on_token_rejected is None:
                raise
            self.on_token_rejected()
            return []


def stop_for(application: Application, reason: str) -> None:
    """Stop serving, so that ``run`` ends with BotStopped(``reason``); the first reason given is kept."""
    if application.bot_data.stop_reason is None:
        log.error("stopping: %s", reason)
        application.bot_data.stop_reason = reason
        application.create_task(_stop(application), name="newsbot-stop")


async def _stop(application: Application) -> None:
    if application.updater and application.updater.running:
        try:
            await application.updater.stop()
        except TelegramError:
            log.debug("stopping the updater failed", exc_info=True)
    application.stop_running()


def run(application: Application, settings: BotSettings) -> None:
    """Serve until SIGINT/SIGTERM; BotStopped with a one-line reason when Telegram cannot be used."""
    try:
        _serve(application, settings)
    except InvalidToken:
        raise BotStopped(_with_url_hint(TOKEN_REJECTED, settings)) from None
    except NetworkError as exc:
        raise BotStopped(_safe(f"could not reach the Telegram Bot API at {settings.api_url} ({exc}); check the "
                               "network, and TELEGRAM_API_URL if you set it", settings)) from None
    except TelegramError as exc:
        raise BotStopped(_safe(f"the Telegram Bot API refused to start the bot ({exc}); try again in a "
                               "minute", settings)) from None
    except OSError as exc:
        raise BotStopped(_safe(f"could not listen for webhook updates on {settings.webhook_listen}:"
                               f"{settings.webhook_port} ({exc}); check TELEGRAM_WEBHOOK_LISTEN and "
                               "TELEGRAM_WEBHOOK_PORT (is another program using that port?)", settings)) from None
    except Exception:  # noqa: BLE001 - logged, redacted, with its traceback; the exit message stays short
        log.exception("the bot stopped on an unexpected error")
        raise BotStopped("the bot stopped on an unexpected error; the log above has the details") from None
    if application.bot_data.stop_reason:
        raise BotStopped(_safe(application.bot_data.stop_reason, settings))


def _serve(application: Application, settings: BotSettings) -> None:
    """Long polling, or a webhook with a secret token when configured."""
    if settings.webhook_url:
        application.run_webhook(
            listen=settings.webhook_listen, port=settings.webhook_port,
            url_path=urlparse(settings.webhook_url).path.lstrip("/"), webhook_url=settings.webhook_url,
            secret_token=settings.webhook_secret, allowed_updates=Update.ALL_TYPES)
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES)


def _with_url_hint(message: str, settings: BotSettings) -> str:
    if settings.api_url != DEFAULT_API_URL:
        message += f" (or check TELEGRAM_API_URL: {settings.api_url} must be a Bot API server's URL ending in /bot)"
    return _safe(message, settings)


def _safe(message: str, settings: BotSettings) -> str:
    return redact(message, settings.secrets())
