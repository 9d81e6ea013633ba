"""``newsbot chat``: the bot's answer pipeline in a terminal, cards as plain text."""

from __future__ import annotations

from typing import TextIO

from retrieval.errors import UnknownOutlet

from bot.answers import AnswerService, UnusableQuestion, split_filters, unknown_outlet, usable_question
from bot.i18n import EXAMPLES
from bot.i18n import text as t
from bot.replies import plain_page

MORE_WORDS = {"more", "lagi", "lainnya"}
QUIT_WORDS = {"quit", "exit", "keluar"}


def chat(service: AnswerService, stdin: TextIO, out: TextIO, *, language: str, page_size: int) -> int:
    """Answer each line of ``stdin``; "more"/"lagi" pages on, "quit" or end of input stops."""
    keep_undecodable(stdin)
    interactive = stdin.isatty()
    if interactive:
        out.write(t("start", language) + "\n  " + "\n  ".join(EXAMPLES[language]) + "\n")
    hits, offset = [], 0
    while True:
        if interactive:
            out.write("\n> ")
            out.flush()
        line = stdin.readline()
        if not line or line.strip().lower() in QUIT_WORDS:
            return 0
        if line.strip().lower() in MORE_WORDS:
            offset += page_size
            reply = plain_page(hits, offset, page_size, language) or t("no_more", language)
        else:
            hits, offset, reply = _ask(service, line, language, page_size)
        out.write(reply + "\n")
        out.flush()


def keep_undecodable(stdin: TextIO) -> None:
    """Read bytes that are not UTF-8 as surrogates, so that one bad line is refused, not the whole input."""
    if hasattr(stdin, "reconfigure"):
        stdin.reconfigure(errors="surrogateescape")


def _ask(service: AnswerService, line: str, language: str, page_size: int) -> tuple[list, int, str]:
    service.refresh()  # a rebuilt index is used from the next question on
    try:
        text, filters = split_filters(line)
        answer = service.answer(usable_question(text), filters)
    except UnknownOutlet as error:
        return [], 0, _advice(unknown_outlet(error), language)
    except UnusableQuestion as exc:
        return [], 0, _advice(exc, language)
    if not answer.relevant:
        return [], 0, t("no_answer", language)
    return answer.hits, 0, plain_page(answer.hits, 0, page_size, language)


def _advice(advice: UnusableQuestion, language: str) -> str:
    return t(advice.reason, language, example=EXAMPLES[language][0], **advice.values)
