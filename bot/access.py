"""Who gets an answer: the allow-list and the per-user limit, checked before any handler does work."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.i18n import language_for
from bot.i18n import text as t

if TYPE_CHECKING:
    from bot.handlers import Context

log = logging.getLogger(__name__)


def language_of(update: Update) -> str:
    """The interface language for whoever sent ``update``."""
    return language_for(update.effective_user.language_code if update.effective_user else None)


def sender_key(update: Update) -> int:
    """Whom an update counts against: its user, or its chat when it has none (channel posts, anonymous admins)."""
    sender = update.effective_user or update.effective_chat
    return sender.id if sender else 0


async def notify(update: Update, text: str | None) -> None:
    """Tell the sender ``text`` in the cheapest way the update allows; a button press is always answered."""
    if update.callback_query:
        await update.callback_query.answer(text)
    elif text is None:
        return
    elif update.inline_query:
        await update.inline_query.answer([], cache_time=0, is_personal=True)
    elif update.effective_message:
        await update.effective_message.reply_text(text)


async def admitted(update: Update, context: Context) -> bool:
    """Whether to answer ``update``; over the limit its sender is told once per window, then ignored."""
    limiter = context.bot_data.limiter
    if limiter is None:
        return True
    verdict = await limiter.check(sender_key(update))
    if verdict.allowed:
        return True
    notice = t("rate_limited", language_of(update), seconds=max(1, round(verdict.wait))) if verdict.notify else None
    await notify(update, notice)
    return False


async def gate(update: Update, context: Context) -> None:
    """Stop updates from users and chats outside the allow-list, when one is set (operators are always in).

    Strangers are told so in private chats, inline and on buttons, within the same per-user
    limit; past it, only their button presses are answered (silently). Their update stops here
    whatever happens while telling them: python-telegram-bot hands a handler's error to the error
    handler and then goes on to the next group, so a failed reply (or limiter) must not let it through."""
    allowed = context.bot_data.allowed_ids
    if not allowed:
        return
    ids = {x.id for x in (update.effective_user, update.effective_chat) if x is not None}
    if ids & allowed or (update.effective_user and update.effective_user.id in context.bot_data.admin_ids):
        return
    try:
        await _tell_stranger(update, context)
    except Exception:  # noqa: BLE001 - logged; the update is stopped either way
        log.warning("could not tell a sender outside the allow-list so; their update is dropped", exc_info=True)
    raise ApplicationHandlerStop


async def _tell_stranger(update: Update, context: Context) -> None:
    private = update.effective_chat is not None and update.effective_chat.type == "private"
    limiter = context.bot_data.limiter
    within = limiter is None or (await limiter.check(sender_key(update))).allowed
    if within and (private or update.inline_query or update.callback_query):
        await notify(update, t("not_allowed", language_of(update)))
    elif update.callback_query:
        await update.callback_query.answer()
