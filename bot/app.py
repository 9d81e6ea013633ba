"""Wiring of the Telegram application: handlers, rate limiting and retries, start-up."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import fields

from telegram import BotCommand, BotCommandScopeDefault, Update
from telegram.ext import (Application, CallbackQueryHandler, CommandHandler, ContextTypes, InlineQueryHandler,
                          MessageHandler, TypeHandler, filters)

from bot import access, admin, handlers, votes
from bot.delivery import RetryingRateLimiter
from bot.handlers import BotData
from bot.i18n import COMMANDS
from bot.running import TOKEN_REJECTED, PollingRequest, stop_for
from bot.settings import BotSettings

log = logging.getLogger(__name__)
FIRST_FETCH_SECONDS = 60  # the first scheduled fetch comes this soon after start, to catch up


def build_application(settings: BotSettings, data: BotData,
                      on_shutdown: Callable[[], Awaitable[None]] | None = None) -> Application:
    """The python-telegram-bot application with every handler registered; ``on_shutdown`` runs last."""
    polling = PollingRequest()
    builder = Application.builder()
    if on_shutdown is not None:
        builder = builder.post_shutdown(lambda _application: on_shutdown())
    application = (
        builder
        .token(settings.token)
        .base_url(settings.api_url)
        .get_updates_request(polling)
        .rate_limiter(RetryingRateLimiter(max_retries=3))
        .concurrent_updates(True)
        .context_types(ContextTypes(bot_data=BotData))
        .post_init(announce_commands)
        .build()
    )
    for field in fields(data):
        setattr(application.bot_data, field.name, getattr(data, field.name))
    polling.on_token_rejected = lambda: stop_for(application, TOKEN_REJECTED)
    register_handlers(application)
    application.job_queue.run_repeating(handlers.reload_index, interval=settings.reload_seconds,
                                        first=settings.reload_seconds, name="reload-index")
    if settings.fetch_minutes and data.feed_job is not None:
        application.job_queue.run_repeating(admin.scheduled_fetch, interval=settings.fetch_minutes * 60,
                                            first=min(settings.fetch_minutes * 60, FIRST_FETCH_SECONDS),
                                            name="fetch-feeds")
    return application


def register_handlers(application: Application) -> None:
    """Route each kind of update to its handler; edited messages are ignored on purpose."""
    new_messages = filters.UpdateType.MESSAGE
    private = filters.ChatType.PRIVATE & new_messages
    groups = filters.ChatType.GROUPS & new_messages
    application.add_handler(TypeHandler(Update, access.gate), group=-1)
    application.add_handler(CommandHandler("start", handlers.start, filters=new_messages))
    application.add_handler(CommandHandler("help", handlers.help_command, filters=new_messages))
    application.add_handler(CommandHandler("sources", handlers.sources, filters=new_messages))
    application.add_handler(CommandHandler("ask", handlers.ask_command, filters=new_messages))
    application.add_handler(CommandHandler("status", admin.status_command, filters=private))  # never in groups
    application.add_handler(CommandHandler("fetch", admin.fetch_command, filters=private))
    application.add_handler(MessageHandler(private & filters.COMMAND, handlers.unknown_command))
    application.add_handler(MessageHandler(private & filters.TEXT, handlers.private_text))
    application.add_handler(MessageHandler(groups & filters.TEXT & filters.Entity("mention"), handlers.group_mention))
    application.add_handler(MessageHandler(private & ~filters.TEXT, handlers.non_text))
    application.add_handler(CallbackQueryHandler(handlers.more_button, pattern=r"^more:"))
    application.add_handler(CallbackQueryHandler(handlers.example_button, pattern=r"^ex:"))
    application.add_handler(CallbackQueryHandler(votes.vote_button, pattern=r"^vote:"))
    application.add_handler(CallbackQueryHandler(handlers.other_button))  # every button press gets an answer
    application.add_handler(InlineQueryHandler(handlers.inline_query))
    application.add_error_handler(handlers.error_handler)


async def announce_commands(application: Application) -> None:
    """Set the command menu in Indonesian (default) and English, then log that the bot is ready."""
    for language, commands in COMMANDS.items():
        await application.bot.set_my_commands(
            [BotCommand(name, description) for name, description in commands],
            scope=BotCommandScopeDefault(), language_code=None if language == "id" else language)
    await admin.announce_admin_commands(application)
    if application.bot_data.feed_job is not None:
        admin.stop_fetching_on_signals(application)
    log.info("newsbot is ready as @%s", application.bot.username)
