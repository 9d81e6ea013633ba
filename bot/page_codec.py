"""A "More" page as JSON and back, so that it can be kept outside the process (shared state).

JSON, not pickle: whoever can write to the shared store must not be able to run code in the bot."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from retrieval.ingest.chunking import Passage
from retrieval.reader.rerank import Answer
from retrieval.search.search import Hit

from bot.limits import Page

FORMAT = 1


class PageFormatError(ValueError):
    """A stored page that cannot be read back (another format, or damaged)."""


def page_to_json(page: Page) -> str:
    """``page`` as one JSON text."""
    return json.dumps({"format": FORMAT, "question": page.question, "language": page.language,
                       "created": page.created, "hits": [asdict(hit) for hit in page.hits]},
                      ensure_ascii=False, separators=(",", ":"), default=_plain)


def page_from_json(text: str | bytes) -> Page:
    """The page written by :func:`page_to_json`; PageFormatError when ``text`` is not one."""
    try:
        data = json.loads(text)
        if data.get("format") != FORMAT:
            raise PageFormatError(f"a page of format {data.get('format')!r}, expected {FORMAT}")
        return Page(question=str(data["question"]), hits=[_hit(h) for h in data["hits"]],
                    language=str(data["language"]), created=float(data["created"]))
    except PageFormatError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise PageFormatError(f"a damaged page ({type(exc).__name__}: {exc})") from exc


def _plain(value: Any) -> Any:
    """NumPy scalars (scores, offsets) as Python numbers."""
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"cannot store a {type(value).__name__} in a page")


def _hit(data: dict[str, Any]) -> Hit:
    highlight = data.get("highlight")
    answer = data.get("answer")
    return Hit(rank=int(data["rank"]), score=float(data["score"]), passage=Passage(**data["passage"]),
               dense=float(data["dense"]), lexical=float(data["lexical"]),
               highlight=(int(highlight[0]), int(highlight[1])) if highlight else None,
               also_reported_by=tuple(Passage(**p) for p in data["also_reported_by"]),
               reading=None if data.get("reading") is None else float(data["reading"]),
               answer=Answer(**answer) if answer else None)
