"""Cards for cited passages, as Telegram HTML or plain text, split within Telegram's limits.

Pure functions only. Every piece of article text is escaped; lengths are measured as
Telegram measures them (UTF-16 code units), and a reply never exceeds 4096 of them nor
100 formatting entities.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from telegram.constants import MessageLimit

from bot.i18n import text as t

MAX_MESSAGE = MessageLimit.MAX_TEXT_LENGTH  # 4096
MAX_ENTITIES = MessageLimit.MESSAGE_ENTITIES  # 100
SEPARATOR = "\n\n"
ELLIPSIS = "…"


@dataclass(frozen=True)
class CardData:
    """What a card shows; built from a search hit by the caller."""

    outlet: str
    date: str | None  # as shown: "2024-06-18", or "2024-06-18 09:30 WIB"
    title: str
    url: str | None
    text: str
    highlight: tuple[int, int] | None = None
    also_reported_by: tuple[str, ...] = ()
    answer: tuple[int, int] | None = None  # the reader's answer span: bolded instead of the sentence
    age: str | None = None  # how long ago ``date`` was, in words ("2 hari yang lalu"), shown after it


@dataclass(frozen=True)
class Card:
    """One rendered card and how many formatting entities it uses."""

    html: str
    entities: int


def utf16_len(s: str) -> int:
    """Length as Telegram counts it."""
    return len(s.encode("utf-16-le")) // 2


def card_html(card: CardData, language: str, *, limit: int = MAX_MESSAGE) -> Card:
    """``<b>outlet</b> · date · age · title`` (linked when there is a URL), then the passage."""
    date = html.escape(_dated(card, language))
    title = html.escape(_clip(card.title, 200))
    if card.url and card.url.startswith(("http://", "https://")):
        heading = f'<b>{html.escape(card.outlet)}</b> · {date} · <a href="{html.escape(card.url)}">{title}</a>'
    else:
        heading = f"<b>{html.escape(card.outlet)}</b> · {date} · <i>{title}</i>"
    entities = 2
    if card.also_reported_by:
        heading += "\n<i>" + html.escape(t("also", language, outlets=", ".join(card.also_reported_by))) + "</i>"
        entities += 1
    budget = limit - utf16_len(heading) - 1
    body = _highlighted(card, budget)
    if body is None:
        body = escape_within(_flat(card.text), budget)
    else:
        entities += 1
    return Card(f"{heading}\n{body}", entities=entities)


def _dated(card: CardData, language: str) -> str:
    """The date with its age after it ("2024-06-18 · kemarin", "2024-06-18 09:30 WIB · 2 jam yang lalu"),
    or "date unknown"."""
    if not card.date:
        return t("unknown_date", language)
    return f"{card.date} · {card.age}" if card.age else card.date


def _flat(text: str) -> str:
    return " ".join(text.split("\n\n")).strip()


def _highlighted(card: CardData, budget: int) -> str | None:
    """The passage with its highlighted sentence in bold, or None if there is none or it won't fit."""
    if not (card.answer or card.highlight):
        return None
    start, end = card.answer or card.highlight
    if not 0 <= start < end <= len(card.text):
        return None
    before, middle, after = (html.escape(" ".join(part.split("\n\n")), quote=False)
                             for part in (card.text[:start], card.text[start:end], card.text[end:]))
    body = f"{before}<b>{middle}</b>{after}".strip()
    return body if utf16_len(body) <= budget else None


def card_plain(card: CardData, language: str) -> str:
    """The same card as plain text, for terminals."""
    heading = f"{card.outlet} · {_dated(card, language)} · {card.title}"
    text = card.text
    if card.highlight:
        start, end = card.highlight
        text = f"{text[:start]}»{text[start:end]}«{text[end:]}"
    lines = [heading] + ([card.url] if card.url else []) + [text.replace("\n\n", "\n")]
    if card.also_reported_by:
        lines.append(t("also", language, outlets=", ".join(card.also_reported_by)))
    return "\n".join(lines)


def escape_within(plain: str, budget: int) -> str:
    """``plain`` HTML-escaped, cut at a word boundary with an ellipsis if it exceeds ``budget``."""
    escaped = html.escape(plain, quote=False)
    if utf16_len(escaped) <= budget:
        return escaped
    out, used = [], utf16_len(ELLIPSIS)
    for ch in plain:  # escape per character so an entity is never cut in half
        piece = html.escape(ch, quote=False)
        used += utf16_len(piece)
        if used > budget:
            break
        out.append(piece)
    cut = "".join(out)
    if " " in cut[-40:]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip() + ELLIPSIS


def split_messages(cards: list[Card], header: str | None = None) -> list[str]:
    """Pack cards into as few messages as possible, cutting only between cards."""
    messages: list[str] = []
    current, length, entities = [], 0, 0
    if header:
        current, length, entities = [header], utf16_len(header), header.count("<") - header.count("</")
    for card in cards:
        extra = utf16_len(card.html) + (utf16_len(SEPARATOR) if current else 0)
        if current and (length + extra > MAX_MESSAGE or entities + card.entities > MAX_ENTITIES):
            messages.append(SEPARATOR.join(current))
            current, length, entities = [], 0, 0
            extra = utf16_len(card.html)
        current.append(card.html)
        length += extra
        entities += card.entities
    if current:
        messages.append(SEPARATOR.join(current))
    return messages


def answer_line(answer: str, outlet: str, language: str) -> str:
    """``Jawaban: …`` / ``Answer: …`` with the outlet it comes from, HTML, for above the cards."""
    return t("answer_line", language, answer=html.escape(_clip(" ".join(answer.split()), 300), quote=False),
             outlet=html.escape(outlet, quote=False))


def inline_title(card: CardData) -> str:
    """Title of an inline result: outlet and article title."""
    return _clip(f"{card.outlet}: {card.title}", 120)


def inline_description(card: CardData) -> str:
    """Description of an inline result: the start of the passage."""
    return _clip(" ".join(card.text.split()), 160)


def _clip(s: str, limit: int) -> str:
    return s if len(s) <= limit else s[: limit - 1].rstrip() + ELLIPSIS
