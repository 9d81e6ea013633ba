"""Telegram handlers: parse the update, call the answer pipeline, reply. Nothing else."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field

from telegram import (InlineKeyboardButton, InlineKeyboardMarkup, InlineQueryResultArticle, InputTextMessageContent,
                      LinkPreviewOptions, Message, MessageEntity, Update)
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest
from telegram.ext import ApplicationHandlerStop, CallbackContext, ExtBot

from bot.answers import AnswerService, UnusableQuestion, card_data, split_filters, usable_question
from bot.formatting import card_html, inline_description, inline_title
from bot.i18n import EXAMPLES, language_for
from bot.i18n import text as t
from bot.limits import Page, PageStore, RateLimiter
from bot.replies import more_callback, page_reply, parse_more, sources_reply

log = logging.getLogger(__name__)
INLINE_RESULTS = 10


@dataclass
class BotData:
    """Shared objects for every handler (python-telegram-bot's typed ``bot_data``)."""

    answers: AnswerService | None = None
    limiter: RateLimiter | None = None
    pages: PageStore = field(default_factory=PageStore)
    allowed_ids: frozenset[int] = frozenset()
    results_per_page: int = 3


Context = CallbackContext[ExtBot, dict, dict, BotData]


def _language(update: Update) -> str:
    return language_for(update.effective_user.language_code if update.effective_user else None)


async def gate(update: Update, context: Context) -> None:
    """Stop updates from users and chats outside the allow-list, when one is set."""
    allowed = context.bot_data.allowed_ids
    if not allowed:
        return
    ids = {x.id for x in (update.effective_user, update.effective_chat) if x is not None}
    if ids & allowed:
        return
    if update.effective_chat and update.effective_chat.type == "private" and update.effective_message:
        await update.effective_message.reply_text(t("not_allowed", _language(update)))
    elif update.inline_query:
        await update.inline_query.answer([], cache_time=0, is_personal=True)
    elif update.callback_query:
        await update.callback_query.answer(t("not_allowed", _language(update)))
    raise ApplicationHandlerStop


async def start(update: Update, context: Context) -> None:
    """Introduce the bot and offer three example questions as buttons."""
    language = _language(update)
    buttons = [[InlineKeyboardButton(q, callback_data=f"ex:{i}")] for i, q in enumerate(EXAMPLES[language])]
    await update.effective_message.reply_text(t("start", language), reply_markup=InlineKeyboardMarkup(buttons))


async def help_command(update: Update, context: Context) -> None:
    """Explain how to ask, in private chats, groups and inline."""
    await update.effective_message.reply_text(
        t("help", _language(update), username=context.bot.username), parse_mode=ParseMode.HTML)


async def sources(update: Update, context: Context) -> None:
    """List the outlets in the index with article counts and date ranges."""
    for message in sources_reply(context.bot_data.answers.sources(), _language(update)):
        await update.effective_message.reply_text(message, parse_mode=ParseMode.HTML)


async def ask_command(update: Update, context: Context) -> None:
    """``/ask question``: answer in any chat."""
    if not context.args:
        language = _language(update)
        await update.effective_message.reply_text(t("ask_usage", language, example=EXAMPLES[language][0]))
        return
    await answer_question(update, context, " ".join(context.args))


async def private_text(update: Update, context: Context) -> None:
    """Any text in a private chat is a question."""
    await answer_question(update, context, update.effective_message.text)


async def group_mention(update: Update, context: Context) -> None:
    """In groups, answer only text that mentions this bot."""
    message = update.effective_message
    mention = f"@{context.bot.username}".lower()
    mentions = message.parse_entities([MessageEntity.MENTION])
    if not any(value.lower() == mention for value in mentions.values()):
        return
    question = message.text
    for entity, value in mentions.items():
        if value.lower() == mention:
            question = question.replace(value, " ")
    await answer_question(update, context, question)


async def example_button(update: Update, context: Context) -> None:
    """A tapped example question from /start."""
    query = update.callback_query
    await query.answer()
    examples = EXAMPLES[_language(update)]
    index = int(query.data.split(":")[1]) if query.data.split(":")[-1].isdigit() else -1
    if 0 <= index < len(examples):
        await answer_question(update, context, examples[index])


async def more_button(update: Update, context: Context) -> None:
    """Show the next page of an earlier answer, or say politely that it has expired."""
    query = update.callback_query
    parsed = parse_more(query.data or "")
    page = context.bot_data.pages.get(parsed[0], time.time()) if parsed else None
    if page is None:
        await query.answer(t("expired", _language(update)), show_alert=True)
        return
    await query.answer()
    try:
        await query.edit_message_reply_markup(reply_markup=None)
    except BadRequest:
        log.debug("could not remove the old More button", exc_info=True)
    await _send_page(query.message, context, page, parsed[0], parsed[1])


async def inline_query(update: Update, context: Context) -> None:
    """``@bot question`` in any chat: up to ten cited passages to pick from."""
    query = update.inline_query
    language = _language(update)
    try:
        text, filters = split_filters(query.query)
        question = usable_question(text)
    except UnusableQuestion:
        await query.answer([], cache_time=5, is_personal=True)
        return
    if context.bot_data.limiter.wait_time(update.effective_user.id, time.monotonic()):
        await query.answer([], cache_time=0, is_personal=True)
        return
    answer = await asyncio.to_thread(context.bot_data.answers.answer, question, filters)
    hits = answer.hits[:INLINE_RESULTS] if answer.relevant else []
    results = [InlineQueryResultArticle(
        id=hit.passage.id, title=inline_title(card_data(hit)), description=inline_description(card_data(hit)),
        input_message_content=InputTextMessageContent(card_html(card_data(hit), language).html,
                                                      parse_mode=ParseMode.HTML))
        for hit in hits]
    await query.answer(results, cache_time=60)


async def non_text(update: Update, context: Context) -> None:
    """Stickers, photos and other non-text messages in private chats."""
    await update.effective_message.reply_text(t("text_only", _language(update)))


async def unknown_command(update: Update, context: Context) -> None:
    """A command the bot does not have."""
    await update.effective_message.reply_text(t("unknown_command", _language(update)))


async def reload_index(context: Context) -> None:
    """Start answering from a newly written index (a repeating job); questions in flight finish on the old one."""
    await asyncio.to_thread(context.bot_data.answers.refresh)


async def error_handler(update: object, context: Context) -> None:
    """Log the failure with its traceback and tell the user something short and kind."""
    log.error("error while handling an update", exc_info=context.error)
    if isinstance(update, Update) and update.effective_message and update.effective_chat:
        try:
            await update.effective_message.reply_text(t("error", _language(update)))
        except Exception:  # the reply itself failing must not loop back here
            log.warning("could not tell the user about the error", exc_info=True)


async def answer_question(update: Update, context: Context, raw: str | None) -> None:
    """The shared path: limit, validate, search off the loop, reply with cards and "More"."""
    message = update.effective_message
    language = _language(update)
    wait = context.bot_data.limiter.wait_time(update.effective_user.id, time.monotonic())
    if wait:
        await message.reply_text(t("rate_limited", language, seconds=max(1, round(wait))))
        return
    try:
        text, filters = split_filters(raw or "")
        question = usable_question(text)
    except UnusableQuestion as exc:
        await message.reply_text(t(exc.reason, language, example=EXAMPLES[language][0], **exc.values))
        return
    await context.bot.send_chat_action(update.effective_chat.id, ChatAction.TYPING)
    answer = await asyncio.to_thread(context.bot_data.answers.answer, question, filters)
    if not answer.relevant:
        await message.reply_text(t("no_answer", language))
        return
    page = Page(question, answer.hits, language, time.time())
    token = context.bot_data.pages.put(page)
    await _send_page(message, context, page, token, 0)


async def _send_page(message: Message, context: Context, page: Page, token: str, offset: int) -> None:
    reply = page_reply(page.hits, offset, context.bot_data.results_per_page, page.language)
    if not reply.messages:
        await message.reply_text(t("no_more", page.language))
        return
    for i, html_text in enumerate(reply.messages):
        last = i == len(reply.messages) - 1
        markup = None
        if last and reply.next_offset is not None:
            button = InlineKeyboardButton(t("more", page.language), callback_data=more_callback(token, reply.next_offset))
            markup = InlineKeyboardMarkup([[button]])
        await message.reply_text(html_text, parse_mode=ParseMode.HTML, reply_markup=markup,
                                 link_preview_options=LinkPreviewOptions(is_disabled=True))
