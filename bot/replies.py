"""Reply pages: which cards go in which message, and the "More" button beneath the last one."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from telegram.constants import MessageLimit

from retrieval.search.search import Hit
from retrieval.store.sources import OutletCoverage

from bot.answers import UnusableQuestion, card_data
from bot.formatting import Card, answer_line, card_html, card_plain, split_messages
from bot.i18n import EXAMPLES
from bot.i18n import text as t

MORE_PREFIX = "more"
VOTE_PREFIX = "vote"
_SHOWN_VALUE = 200  # characters of a user's own value (an outlet name, a date) repeated back


@dataclass(frozen=True)
class PageReply:
    """Messages to send for one page of results, and where the next page starts (None: last)."""

    messages: list[str]
    next_offset: int | None


def page_reply(hits: list[Hit], offset: int, size: int, language: str) -> PageReply:
    """HTML messages for ``hits[offset:offset+size]``."""
    shown = hits[offset : offset + size]
    cards = [card_html(card_data(hit, language=language), language) for hit in shown]
    next_offset = offset + size if offset + size < len(hits) else None
    first = shown[0] if shown and offset == 0 else None
    header = answer_line(first.answer.text, first.passage.outlet, language) if first and first.answer else None
    return PageReply(split_messages(cards, header), next_offset)


def plain_page(hits: list[Hit], offset: int, size: int, language: str) -> str:
    """The same page as plain text, numbered, for the terminal chat."""
    shown = hits[offset : offset + size]
    return "\n\n".join(f"{offset + i}. {card_plain(card_data(hit, language=language), language)}" for i, hit in enumerate(shown, 1))


def more_callback(token: str, offset: int) -> str:
    """Callback data for the "More" button (well under Telegram's 64 bytes)."""
    return f"{MORE_PREFIX}:{token}:{offset}"


def parse_more(data: str) -> tuple[str, int] | None:
    """(token, offset) from "More" callback data, or None if it is not ours."""
    parts = data.split(":")
    if len(parts) != 3 or parts[0] != MORE_PREFIX or not parts[2].isdigit():
        return None
    return parts[1], int(parts[2])


def vote_callback(token: str, offset: int, up: bool) -> str:
    """Callback data for a 👍 / 👎 button under the page of ``token`` starting at ``offset``."""
    return f"{VOTE_PREFIX}:{token}:{offset}:{'up' if up else 'down'}"


def parse_vote(data: str) -> tuple[str, int, bool] | None:
    """(token, offset, up) from vote callback data, or None if it is not ours."""
    parts = data.split(":")
    if len(parts) != 4 or parts[0] != VOTE_PREFIX or not parts[2].isdigit() or parts[3] not in ("up", "down"):
        return None
    return parts[1], int(parts[2]), parts[3] == "up"


def advice_reply(advice: UnusableQuestion, language: str) -> str:
    """HTML advice for a question that is not searched: values escaped, outlet lists cut to fit one message."""
    values = {key: escape(str(value)[:_SHOWN_VALUE]) for key, value in advice.values.items() if key != "outlets"}
    values["example"] = escape(EXAMPLES[language][0])
    if "outlets" not in advice.values:
        return t(advice.reason, language, **values)
    room = MessageLimit.MAX_TEXT_LENGTH - len(t(advice.reason, language, outlets="", **values)) - len(", …")
    shown: list[str] = []
    for name in str(advice.values["outlets"]).split(", "):
        name = escape(name)
        room -= len(name) + 2
        if room < 0:
            shown.append("…")
            break
        shown.append(name)
    return t(advice.reason, language, outlets=", ".join(shown), **values)


def sources_reply(rows: list[OutletCoverage], language: str) -> list[str]:
    """The /sources listing, split like any reply."""
    total = sum(row.articles for row in rows)
    lines = [t("sources_head", language, articles=total)]
    for row in rows:
        dates = ""
        if row.first_date:
            dates = f" ({row.first_date}" + (f" – {row.last_date})" if row.last_date != row.first_date else ")")
        lines.append(t("sources_line", language, outlet=escape(row.outlet), count=row.articles, dates=dates))
    return split_messages([Card(line, 0) for line in lines[1:]], header=lines[0]) if rows else [lines[0]]
