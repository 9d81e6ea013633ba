"""👍 / 👎 under answers: each vote stored once per user and message, with no user id (bot/feedback.py)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from telegram import Update

from bot.access import admitted, language_of
from bot.feedback import ShownPassage, Vote
from bot.i18n import text as t
from bot.replies import parse_vote

if TYPE_CHECKING:
    from bot.handlers import Context


async def vote_button(update: Update, context: Context) -> None:
    """👍 / 👎 under an answer: stored once per user and message, without the user's id."""
    if not await admitted(update, context):
        return
    query, language, store = update.callback_query, language_of(update), context.bot_data.feedback
    parsed = parse_vote(query.data or "")
    page = await context.bot_data.pages.get(parsed[0]) if parsed and store else None
    if page is None or update.effective_user is None:
        await query.answer(t("expired", language), show_alert=True)
        return
    token, offset, up = parsed
    shown = page.hits[offset : offset + context.bot_data.results_per_page]
    vote = Vote(f"{token}:{offset}", update.effective_user.id, up, page.question,
                tuple(ShownPassage(hit.passage.id, hit.rank, hit.passage.outlet) for hit in shown),
                datetime.now(timezone.utc))
    recorded = await asyncio.to_thread(store.record, vote)
    await query.answer(t("vote_thanks" if recorded else "vote_again", language))
