"""Telegram handlers: parse the update, call the answer pipeline, reply. Nothing else."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from telegram import (InlineKeyboardButton, InlineKeyboardMarkup, InlineQueryResultArticle, InputTextMessageContent,
                      LinkPreviewOptions, Message, MessageEntity, Update)
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError
from telegram.ext import CallbackContext, ExtBot

from retrieval.errors import UnknownOutlet

from bot.feed_job import FeedJob
from bot.feedback import FeedbackStore

from bot.access import admitted, language_of
from bot.answers import AnswerService, UnusableQuestion, card_data, split_filters, unknown_outlet, usable_question
from bot.formatting import card_html, inline_description, inline_title
from bot.i18n import EXAMPLES
from bot.i18n import text as t
from bot.limits import Page
from bot.replies import advice_reply, more_callback, page_reply, parse_more, sources_reply, vote_callback
from bot.running import TOKEN_REJECTED, stop_for
from bot.state import Limiter, MemoryPages, Pages

log = logging.getLogger(__name__)
INLINE_RESULTS = 10


@dataclass
class BotData:
    """Shared objects for every handler (python-telegram-bot's typed ``bot_data``)."""

    answers: AnswerService | None = None
    limiter: Limiter | None = None
    pages: Pages = field(default_factory=MemoryPages)
    allowed_ids: frozenset[int] = frozenset()
    admin_ids: frozenset[int] = frozenset()  # operators: /status and /fetch (and always allowed)
    results_per_page: int = 3
    feedback: FeedbackStore | None = None  # 👍 / 👎 under answers when set
    feed_job: FeedJob | None = None
    feeds_folder: Path | None = None  # where feeds.sqlite is, for /status
    model: str = ""  # the models answering, for /status
    started: float = field(default_factory=time.monotonic)
    stop_reason: str | None = None  # set when the bot must stop (see bot.running.stop_for)


Context = CallbackContext[ExtBot, dict, dict, BotData]


async def start(update: Update, context: Context) -> None:
    """Introduce the bot and offer three example questions as buttons."""
    if not await admitted(update, context):
        return
    language = language_of(update)
    buttons = [[InlineKeyboardButton(q, callback_data=f"ex:{i}")] for i, q in enumerate(EXAMPLES[language])]
    await update.effective_message.reply_text(t("start", language), reply_markup=InlineKeyboardMarkup(buttons))


async def help_command(update: Update, context: Context) -> None:
    """Explain how to ask, in private chats, groups and inline."""
    if not await admitted(update, context):
        return
    await update.effective_message.reply_text(
        t("help", language_of(update), username=context.bot.username), parse_mode=ParseMode.HTML)


async def sources(update: Update, context: Context) -> None:
    """List the outlets in the index with article counts and date ranges."""
    if not await admitted(update, context):
        return
    for message in sources_reply(context.bot_data.answers.sources(), language_of(update)):
        await update.effective_message.reply_text(message, parse_mode=ParseMode.HTML)


async def ask_command(update: Update, context: Context) -> None:
    """``/ask question``: answer in any chat."""
    if not await admitted(update, context):
        return
    if not context.args:
        language = language_of(update)
        await update.effective_message.reply_text(t("ask_usage", language, example=EXAMPLES[language][0]))
        return
    await answer_question(update, context, " ".join(context.args))


async def private_text(update: Update, context: Context) -> None:
    """Any text in a private chat is a question."""
    if await admitted(update, context):
        await answer_question(update, context, update.effective_message.text)


async def group_mention(update: Update, context: Context) -> None:
    """In groups, answer only text that mentions this bot."""
    message = update.effective_message
    mention = f"@{context.bot.username}".lower()
    try:
        mentions = message.parse_entities([MessageEntity.MENTION])
    except UnicodeEncodeError:  # text that is not valid UTF-8 cannot be cut at Telegram's offsets
        if mention in message.text.lower() and await admitted(update, context):
            await _advise(message, UnusableQuestion("unreadable"), language_of(update))
        return
    if not any(value.lower() == mention for value in mentions.values()) or not await admitted(update, context):
        return
    question = message.text
    for entity, value in mentions.items():
        if value.lower() == mention:
            question = question.replace(value, " ")
    await answer_question(update, context, question)


def _example_index(data: str | None) -> int | None:
    match = re.fullmatch(r"ex:([0-9]{1,3})", data or "")
    return int(match.group(1)) if match else None


async def example_button(update: Update, context: Context) -> None:
    """A tapped example question from /start."""
    if not await admitted(update, context):
        return
    await update.callback_query.answer()
    examples = EXAMPLES[language_of(update)]
    index = _example_index(update.callback_query.data)
    if index is not None and index < len(examples) and update.effective_message:
        await answer_question(update, context, examples[index])


async def other_button(update: Update, context: Context) -> None:
    """Any other button press (old, foreign or garbled data): answered, so the button stops spinning."""
    await update.callback_query.answer()


async def more_button(update: Update, context: Context) -> None:
    """Show the next page of an earlier answer, or say politely that it has expired."""
    if not await admitted(update, context):
        return
    query, message = update.callback_query, update.effective_message
    parsed = parse_more(query.data or "")
    page = await context.bot_data.pages.get(parsed[0]) if parsed else None
    if page is None or message is None:  # no message: too old to reach, or not in a chat of ours
        await query.answer(t("expired", language_of(update)), show_alert=True)
        return
    await query.answer()
    shown_at = max(parsed[1] - context.bot_data.results_per_page, 0)  # the page this button was under
    try:
        await query.edit_message_reply_markup(reply_markup=_page_buttons(context, page, parsed[0], shown_at, None))
    except BadRequest:
        log.debug("could not remove the old More button", exc_info=True)
    await _send_page(message, context, page, parsed[0], parsed[1])


async def inline_query(update: Update, context: Context) -> None:
    """``@bot question`` in any chat: up to ten cited passages to pick from."""
    if not await admitted(update, context):
        return
    query = update.inline_query
    language = language_of(update)
    try:
        text, filters = split_filters(query.query)
        question = usable_question(text)
        answer = await asyncio.to_thread(context.bot_data.answers.answer, question, filters, fast=True)
    except (UnusableQuestion, UnknownOutlet):
        await query.answer([], cache_time=5, is_personal=True)
        return
    hits = answer.hits[:INLINE_RESULTS] if answer.relevant else []
    results = [InlineQueryResultArticle(
        id=hit.passage.id, title=inline_title(card_data(hit)), description=inline_description(card_data(hit, language=language)),
        input_message_content=InputTextMessageContent(card_html(card_data(hit, language=language), language).html,
                                                      parse_mode=ParseMode.HTML))
        for hit in hits]
    await query.answer(results, cache_time=60)


async def non_text(update: Update, context: Context) -> None:
    """Stickers, photos and other non-text messages in private chats."""
    if await admitted(update, context):
        await update.effective_message.reply_text(t("text_only", language_of(update)))


async def unknown_command(update: Update, context: Context) -> None:
    """A command the bot does not have."""
    if await admitted(update, context):
        await update.effective_message.reply_text(t("unknown_command", language_of(update)))


async def reload_index(context: Context) -> None:
    """Start answering from a newly written index (a repeating job); questions in flight finish on the old one."""
    await asyncio.to_thread(context.bot_data.answers.refresh)


async def error_handler(update: object, context: Context) -> None:
    """Log the failure with its traceback and tell the user something short and kind.

    A rejected token stops the bot (nothing can be answered with it); a failed poll for updates
    is a warning, as python-telegram-bot polls again."""
    error = context.error
    if isinstance(error, InvalidToken):
        stop_for(context.application, TOKEN_REJECTED)
        return
    if update is None and isinstance(error, NetworkError):
        log.warning("could not fetch updates from Telegram (%s); trying again", error)
        return
    log.error("error while handling an update", exc_info=error)
    if isinstance(update, Update) and update.effective_message and update.effective_chat:
        try:
            await update.effective_message.reply_text(t("error", language_of(update)))
        except Exception:  # the reply itself failing must not loop back here
            log.warning("could not tell the user about the error", exc_info=True)


async def answer_question(update: Update, context: Context, raw: str | None) -> None:
    """The shared path: validate, search off the loop, reply with cards and "More"."""
    message = update.effective_message
    language = language_of(update)
    try:
        text, filters = split_filters(raw or "")
        question = usable_question(text)
        await _typing(context, message.chat_id)
        answer = await asyncio.to_thread(context.bot_data.answers.answer, question, filters)
    except UnusableQuestion as advice:
        await _advise(message, advice, language)
        return
    except UnknownOutlet as error:
        await _advise(message, unknown_outlet(error), language)
        return
    if not answer.relevant:
        await message.reply_text(t("no_answer", language))
        return
    page = Page(question, answer.hits, language, time.time())
    token = await context.bot_data.pages.put(page)
    await _send_page(message, context, page, token, 0)


async def _typing(context: Context, chat_id: int) -> None:
    """Show "typing" while searching; best effort, as the answer matters and this does not."""
    try:
        await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
    except TelegramError as error:
        log.warning("could not show typing in chat %s (%s); answering anyway", chat_id, error)


async def _advise(message: Message, advice: UnusableQuestion, language: str) -> None:
    await message.reply_text(advice_reply(advice, language), parse_mode=ParseMode.HTML)


async def _send_page(message: Message, context: Context, page: Page, token: str, offset: int) -> None:
    reply = page_reply(page.hits, offset, context.bot_data.results_per_page, page.language)
    if not reply.messages:
        await message.reply_text(t("no_more", page.language))
        return
    for i, html_text in enumerate(reply.messages):
        last = i == len(reply.messages) - 1
        markup = _page_buttons(context, page, token, offset, reply.next_offset) if last else None
        await message.reply_text(html_text, parse_mode=ParseMode.HTML, reply_markup=markup,
                                 link_preview_options=LinkPreviewOptions(is_disabled=True))


def _page_buttons(context: Context, page: Page, token: str, offset: int,
                  next_offset: int | None) -> InlineKeyboardMarkup | None:
    """"More" when there is a next page, and 👍 / 👎 when feedback is kept."""
    rows = []
    if next_offset is not None:
        rows.append([InlineKeyboardButton(t("more", page.language), callback_data=more_callback(token, next_offset))])
    if context.bot_data.feedback is not None:
        rows.append([InlineKeyboardButton("👍", callback_data=vote_callback(token, offset, True)),
                     InlineKeyboardButton("👎", callback_data=vote_callback(token, offset, False))])
    return InlineKeyboardMarkup(rows) if rows else None
