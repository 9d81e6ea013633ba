"""From a user's text to an answer: validation, search, and the "nothing relevant" decision."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from retrieval.errors import QuestionError, UnknownOutlet, UnreadableText
from retrieval.store.live import LiveIndex
from retrieval.search.search import MAX_QUESTION_CHARS, Filters, Hit, check_question
from retrieval.store.sources import OutletCoverage

from bot.ages import age_text, date_text, news_now
from bot.formatting import CardData
from bot.i18n import DEFAULT_LANGUAGE

DEPTH = 30  # passages kept per question for paging
# A filter is a word of its own: at the start or after whitespace, so "https://x.com/since:2024" is no filter.
_FILTER = re.compile(r'(?i)(?<!\S)(media|outlet|sejak|since|dari|hingga|until|sampai):(?:"([^"]+)"|(\S+))')
_FILTER_KEYS = {"media": "outlet", "outlet": "outlet", "sejak": "since", "since": "since", "dari": "since",
                "hingga": "until", "until": "until", "sampai": "until"}


@dataclass(frozen=True)
class Answer:
    """Hits for a question and whether the best of them is close enough to show."""

    question: str
    hits: list[Hit]
    relevant: bool


class UnusableQuestion(Exception):
    """A question the bot answers with advice instead of search; ``reason`` is an i18n key."""

    def __init__(self, reason: str, **values: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.values = values


def usable_question(raw: str | None) -> str:
    """The question to search, or UnusableQuestion saying why not."""
    try:
        question = check_question(raw or "")
    except UnreadableText:
        raise UnusableQuestion("unreadable") from None
    except QuestionError:
        if raw and raw.strip():
            raise UnusableQuestion("too_long", length=len(raw.strip()), limit=MAX_QUESTION_CHARS) from None
        raise UnusableQuestion("empty_question") from None
    if not re.search(r"\w", question) or not re.search(r"[^\W\d_]{2,}|\d", question):
        raise UnusableQuestion("no_words")
    return question


def unknown_outlet(error: UnknownOutlet) -> UnusableQuestion:
    """Advice for a filter naming outlets the index does not have: which ones, and those it has."""
    return UnusableQuestion("unknown_outlet", unknown=", ".join(error.unknown), outlets=", ".join(error.known) or "-")


def split_filters(text: str) -> tuple[str, Filters]:
    """Pull ``media:X``/``outlet:X``, ``sejak:``/``since:`` and ``hingga:``/``until:`` out of a question.

    Raises UnusableQuestion("bad_filter") for an impossible date or range.
    """
    outlets, dates = set(), {}
    for match in _FILTER.finditer(text):
        key, value = _FILTER_KEYS[match.group(1).lower()], match.group(2) or match.group(3)
        if key == "outlet":
            outlets.add(value.replace("_", " "))
        else:
            dates[key] = value
    question = _FILTER.sub(" ", text)
    try:
        return question, Filters(frozenset(outlets), dates.get("since"), dates.get("until"))
    except QuestionError as exc:
        raise UnusableQuestion("bad_filter", detail=str(exc)) from None


class AnswerService:
    """Answers questions from the live index; blocking, so call it off the event loop."""

    def __init__(self, live: LiveIndex, *, depth: int = DEPTH) -> None:
        self.live = live
        self.depth = depth

    def answer(self, question: str, filters: Filters | None = None, *, fast: bool = False) -> Answer:
        """The hits for ``question``; ``fast`` skips the reader (for inline queries, one per pause in typing)."""
        result = self.live.searcher.search(question, self.depth, filters, fast=fast)
        return Answer(question, result.hits, result.answered and bool(result.hits))

    def sources(self) -> list[OutletCoverage]:
        """Outlets in the index being searched, with article counts and date ranges."""
        return self.live.coverage

    def passages(self) -> int:
        """Passages in the index being searched."""
        return self.live.passages

    def refresh(self) -> bool:
        """Start answering from a newly written index, if there is one."""
        return self.live.refresh()


def card_data(hit: Hit, *, language: str = DEFAULT_LANGUAGE, now: date | datetime | None = None) -> CardData:
    """What a card shows for a hit: its date readable (the day, and the time in WIB when known), and its age
    in ``language`` at ``now`` (by default now in WIB; a date alone: counted in whole days to that day)."""
    p = hit.passage
    answer = (hit.answer.start, hit.answer.end) if hit.answer is not None and hit.rank == 1 else None
    return CardData(outlet=p.outlet, date=date_text(p.date), title=p.title, url=p.url, text=p.text,
                    highlight=hit.highlight, answer=answer, age=age_text(p.date, now or news_now(), language),
                    also_reported_by=tuple(dict.fromkeys(o.outlet for o in hit.also_reported_by)))
