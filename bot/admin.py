"""The operators' commands (``/status``, ``/fetch``) and the scheduled fetch of the followed feeds.

Operators are the users listed in NEWSBOT_ADMIN_IDS. Anyone else who types these commands is
told politely that they are not for them; the commands appear only in the operators' menus.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from typing import TYPE_CHECKING

from telegram import BotCommand, BotCommandScopeChat, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application

from retrieval.errors import NewsbotError
from retrieval.fetch.feed_list import FeedList

from bot.access import admitted, language_of
from bot.i18n import ADMIN_COMMANDS, COMMANDS
from bot.i18n import text as t
from bot.operator_menus import menu_holders, record_menu_holders
from bot.status import StatusReport, status_html

if TYPE_CHECKING:
    from bot.handlers import BotData, Context

log = logging.getLogger(__name__)


def is_admin(update: Update, data: BotData) -> bool:
    """Whether the sender is one of the bot's operators (a user, never a chat)."""
    return update.effective_user is not None and update.effective_user.id in data.admin_ids


async def status_command(update: Update, context: Context) -> None:
    """``/status``: index size, articles per outlet, each feed's last fetch, model and uptime."""
    if not await _operator(update, context):
        return
    report = await asyncio.to_thread(gather_status, context.bot_data)
    for html_text in status_html(report, language_of(update)):
        await update.effective_message.reply_text(html_text, parse_mode=ParseMode.HTML,
                                                  link_preview_options=LinkPreviewOptions(is_disabled=True))


async def fetch_command(update: Update, context: Context) -> None:
    """``/fetch``: fetch the followed feeds now, and say what came of it."""
    if not await _operator(update, context):
        return
    language, job, message = language_of(update), context.bot_data.feed_job, update.effective_message
    if job is None or job.running:
        await message.reply_text(t("fetch_busy", language))
        return
    await message.reply_text(t("fetch_started", language))
    try:
        fetched = await job.run_soon()
    except NewsbotError as exc:
        await message.reply_text(t("fetch_failed", language, error=str(exc)))
        return
    if fetched is None:
        await message.reply_text(t("fetch_busy", language))
        return
    await message.reply_text(t("fetch_done", language, seconds=round(fetched.seconds), new=fetched.new,
                               failed=fetched.failed))


async def scheduled_fetch(context: Context) -> None:
    """The repeating job: fetch in a worker thread, so that questions keep being answered meanwhile."""
    job = context.bot_data.feed_job
    try:
        fetched = await job.run_soon()
    except NewsbotError as exc:
        log.warning("the scheduled fetch failed (%s); the index is unchanged, next try in %d min",
                    exc, job.minutes)
        return
    if fetched is not None:
        log.info("scheduled fetch: %d new article(s), %d failed, in %.1f s", fetched.new, fetched.failed,
                 fetched.seconds)


def gather_status(data: BotData) -> StatusReport:
    """The status of the running bot (blocking: reads the feed list)."""
    rows = data.answers.sources()
    feeds = []
    if data.feeds_folder is not None:
        feed_list = FeedList(data.feeds_folder)
        try:
            feeds = feed_list.feeds()
        finally:
            feed_list.close()
    job = data.feed_job
    return StatusReport(
        articles=sum(row.articles for row in rows), passages=data.answers.passages(),
        outlets=[(row.outlet, row.articles) for row in rows], model=data.model, feeds=feeds,
        uptime_s=time.monotonic() - data.started, fetch_minutes=job.minutes if job else 0,
        fetching=bool(job and job.running), fetch_error=job.last_error if job else None)


async def announce_admin_commands(application: Application) -> None:
    """Give each operator a menu with the operators' commands too (a chat-scoped menu, in both languages),
    and take it back from users given it by an earlier start who are no longer operators.

    Who holds the menu is recorded before it is given (so a crash in between leaves no holder
    unrecorded) and again once it is known which menus were set and which were taken back."""
    data: BotData = application.bot_data
    folder = data.feeds_folder
    if folder is None:  # nowhere to keep the record
        await _give_menus(application)
        return
    on_file = await asyncio.to_thread(menu_holders, folder)
    earlier = on_file or frozenset()
    if on_file is None or not data.admin_ids <= earlier:
        on_file = earlier | data.admin_ids
        await asyncio.to_thread(record_menu_holders, folder, on_file)
    kept = frozenset()
    for former in sorted(earlier - data.admin_ids):
        if not await _take_menu_back(application, former):
            kept |= {former}
    holders = await _give_menus(application) | (earlier & data.admin_ids) | kept
    if holders != on_file:
        await asyncio.to_thread(record_menu_holders, folder, holders)


async def _give_menus(application: Application) -> frozenset[int]:
    """Set each operator's menu; the operators whose menu was set."""
    given = frozenset()
    for position, admin in enumerate(sorted(application.bot_data.admin_ids), start=1):
        for language, commands in COMMANDS.items():
            menu = [BotCommand(name, description) for name, description in commands + ADMIN_COMMANDS[language]]
            try:
                await application.bot.set_my_commands(menu, scope=BotCommandScopeChat(admin),
                                                      language_code=None if language == "id" else language)
            except TelegramError as exc:  # e.g. an operator who has not opened a chat with the bot yet
                log.warning("could not set the command menu of operator %d of NEWSBOT_ADMIN_IDS (in numeric order) "
                            "(%s); has that user opened a chat with the bot? /status and /fetch work anyway",
                            position, exc)
                break
            given |= {admin}
    return given


async def _take_menu_back(application: Application, user_id: int) -> bool:
    """Delete the operators' menu of a former operator; False when Telegram could not be reached about it."""
    for language in COMMANDS:
        try:
            await application.bot.delete_my_commands(scope=BotCommandScopeChat(user_id),
                                                     language_code=None if language == "id" else language)
        except TelegramError as exc:
            if isinstance(exc, BadRequest) and "chat not found" in exc.message.lower():
                return True  # no chat with the bot: no menu to take back
            log.warning("could not take the operators' menu back from a user no longer in NEWSBOT_ADMIN_IDS (%s); "
                        "tried again at the next start", exc)
            return False
    return True


def stop_fetching_on_signals(application: Application) -> None:
    """On SIGINT/SIGTERM, tell a fetch in progress to stop before python-telegram-bot shuts down (it waits
    for running jobs, and a fetch may have minutes of polite delays left); then stop as it would."""
    job = application.bot_data.feed_job

    def stopping() -> None:
        job.close()
        raise SystemExit  # what python-telegram-bot's own handler does: the loop ends and shutdown begins

    try:
        loop = asyncio.get_running_loop()
        for name in ("SIGINT", "SIGTERM", "SIGABRT"):
            loop.add_signal_handler(getattr(signal, name), stopping)
    except (NotImplementedError, RuntimeError, ValueError):  # no signals here (another thread, Windows)
        log.debug("signals are not watched in this loop; a fetch in progress ends on its own at shutdown")


async def _operator(update: Update, context: Context) -> bool:
    """Admitted and an operator; anyone else is told politely that the command is not for them."""
    if not await admitted(update, context):
        return False
    if is_admin(update, context.bot_data):
        return True
    await update.effective_message.reply_text(t("admin_only", language_of(update)))
    return False
