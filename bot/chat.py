"""``newsbot chat``: the bot's answer pipeline in a terminal, cards as plain text."""

from __future__ import annotations

from typing import TextIO

from bot.answers import AnswerService, UnusableQuestion, split_filters, usable_question
from bot.i18n import EXAMPLES
from bot.i18n import text as t
from bot.replies import plain_page

MORE_WORDS = {"more", "lagi", "lainnya"}
QUIT_WORDS = {"quit", "exit", "keluar"}


def chat(service: AnswerService, stdin: TextIO, out: TextIO, *, language: str, page_size: int) -> int:
    """Answer each line of ``stdin``; "more"/"lagi" pages on, "quit" or end of input stops."""
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


def _ask(service: AnswerService, line: str, language: str, page_size: int) -> tuple[list, int, str]:
    try:
        text, filters = split_filters(line)
        question = usable_question(text)
    except UnusableQuestion as exc:
        return [], 0, t(exc.reason, language, example=EXAMPLES[language][0], **exc.values)
    service.refresh()  # a rebuilt index is used from the next question on
    answer = service.answer(question, filters)
    if not answer.relevant:
        return [], 0, t("no_answer", language)
    return answer.hits, 0, plain_page(answer.hits, 0, page_size, language)
