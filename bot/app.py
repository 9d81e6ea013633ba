"""Wiring of the Telegram application: handlers, rate limiting, start-up and run modes."""

from __future__ import annotations

import logging
from dataclasses import fields
from urllib.parse import urlparse

from telegram import BotCommand, BotCommandScopeDefault, Update
from telegram.ext import (AIORateLimiter, Application, CallbackQueryHandler, CommandHandler, ContextTypes,
                          InlineQueryHandler, MessageHandler, TypeHandler, filters)

from bot import handlers
from bot.handlers import BotData
from bot.i18n import COMMANDS
from bot.settings import BotSettings

log = logging.getLogger(__name__)


class RedactToken(logging.Filter):
    """Replaces the bot token wherever it would appear in a log line (e.g. request URLs)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = message.replace(self.token, "<token>"), None
        return True


def build_application(settings: BotSettings, data: BotData) -> Application:
    """The python-telegram-bot application with every handler registered."""
    application = (
        Application.builder()
        .token(settings.token)
        .base_url(settings.api_url)
        .rate_limiter(AIORateLimiter(max_retries=3))
        .concurrent_updates(True)
        .context_types(ContextTypes(bot_data=BotData))
        .post_init(announce_commands)
        .build()
    )
    for field in fields(data):
        setattr(application.bot_data, field.name, getattr(data, field.name))
    register_handlers(application)
    application.job_queue.run_repeating(handlers.reload_index, interval=settings.reload_seconds,
                                        first=settings.reload_seconds, name="reload-index")
    return application


def register_handlers(application: Application) -> None:
    """Route each kind of update to its handler; edited messages are ignored on purpose."""
    new_messages = filters.UpdateType.MESSAGE
    private = filters.ChatType.PRIVATE & new_messages
    groups = filters.ChatType.GROUPS & new_messages
    application.add_handler(TypeHandler(Update, handlers.gate), group=-1)
    application.add_handler(CommandHandler("start", handlers.start, filters=new_messages))
    application.add_handler(CommandHandler("help", handlers.help_command, filters=new_messages))
    application.add_handler(CommandHandler("sources", handlers.sources, filters=new_messages))
    application.add_handler(CommandHandler("ask", handlers.ask_command, filters=new_messages))
    application.add_handler(MessageHandler(private & filters.COMMAND, handlers.unknown_command))
    application.add_handler(MessageHandler(private & filters.TEXT, handlers.private_text))
    application.add_handler(MessageHandler(groups & filters.TEXT & filters.Entity("mention"), handlers.group_mention))
    application.add_handler(MessageHandler(private & ~filters.TEXT, handlers.non_text))
    application.add_handler(CallbackQueryHandler(handlers.more_button, pattern=r"^more:"))
    application.add_handler(CallbackQueryHandler(handlers.example_button, pattern=r"^ex:"))
    application.add_handler(InlineQueryHandler(handlers.inline_query))
    application.add_error_handler(handlers.error_handler)


async def announce_commands(application: Application) -> None:
    """Set the command menu in Indonesian (default) and English, then log that the bot is ready."""
    for language, commands in COMMANDS.items():
        await application.bot.set_my_commands(
            [BotCommand(name, description) for name, description in commands],
            scope=BotCommandScopeDefault(), language_code=None if language == "id" else language)
    log.info("newsbot is ready as @%s", application.bot.username)


def run(application: Application, settings: BotSettings) -> None:
    """Serve until SIGINT/SIGTERM: long polling, or a webhook with a secret token when configured."""
    if settings.webhook_url:
        application.run_webhook(
            listen=settings.webhook_listen, port=settings.webhook_port, url_path=urlparse(settings.webhook_url).path.lstrip("/"),
            webhook_url=settings.webhook_url, secret_token=settings.webhook_secret,
            allowed_updates=Update.ALL_TYPES)
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES)
