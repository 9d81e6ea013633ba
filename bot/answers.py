"""From a user's text to an answer: validation, search, and the "nothing relevant" decision."""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.errors import QuestionError
from retrieval.search import MAX_QUESTION_CHARS, Hit, Searcher, check_question

from bot.formatting import CardData

DEPTH = 30  # passages kept per question for paging


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
    except QuestionError:
        if raw and raw.strip():
            raise UnusableQuestion("too_long", length=len(raw.strip()), limit=MAX_QUESTION_CHARS) from None
        raise UnusableQuestion("empty_question") from None
    if not re.search(r"\w", question) or not re.search(r"[^\W\d_]{2,}|\d", question):
        raise UnusableQuestion("no_words")
    return question


class AnswerService:
    """Answers questions from one searcher; blocking, so call it off the event loop."""

    def __init__(self, searcher: Searcher, *, min_score: float, depth: int = DEPTH) -> None:
        self.searcher = searcher
        self.min_score = min_score
        self.depth = depth

    def answer(self, question: str) -> Answer:
        hits = self.searcher.search(question, k=min(self.depth, max(len(self.searcher.index.passages), 1)))
        relevant = bool(hits) and hits[0].score >= self.min_score
        return Answer(question, hits, relevant)


def card_data(hit: Hit) -> CardData:
    """What a card shows for a hit."""
    p = hit.passage
    return CardData(outlet=p.outlet, date=p.date, title=p.title, url=p.url, text=p.text)
