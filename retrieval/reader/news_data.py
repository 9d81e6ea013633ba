"""Reader training examples from news questions over real articles, cut into passages as the index cuts them.

For each answerable question: the passage holding its answer (with the answer span), and the
passages of the same article that do not hold it and share most words with the question, as
"no answer". Those are what search hands the reader when the lead passage, closest to the
question's topic, outranks the passage with the answer. For a question the article cannot
answer (a detail it does not report), its closest passages, as "no answer".

The question file is JSON Lines: ``{"id", "question", "language", "article_id", "answers",
"answerable"}``, answers verbatim from the article (``benchmarks/news_train_questions.jsonl``).
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import replace
from pathlib import Path

from retrieval.errors import ConfigError
from retrieval.ingest.articles import read_sources
from retrieval.ingest.chunking import ChunkingSettings, chunk_article
from retrieval.reader.reader_data import Example, Question, make_example
from retrieval.reader.reader_inputs import Specials

NEGATIVES = 2  # same-article passages without the answer, per question
_WORD = re.compile(r"\w{3,}")


def read_news_questions(path: Path) -> list[dict]:
    """The question file's records; ConfigError naming the line that is not a question."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"cannot read the news questions {path} ({exc.strerror or exc})") from exc
    questions = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            questions.append({k: record[k] for k in ("id", "question", "language", "article_id", "answers",
                                                     "answerable")})
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"{path}, line {number}: not a news question ({exc})") from exc
    return questions


def article_passages(corpus: Path, article_ids: set[str], count_tokens) -> dict[str, list[str]]:
    """The passages' texts of the articles asked about, cut with the index's default chunking."""
    report = read_sources([corpus])
    settings = ChunkingSettings()
    return {a.id: [p.text for p in chunk_article(a, settings, count_tokens)]
            for a in report.articles if a.id in article_ids}


def overlap(question: str, passage: str) -> int:
    """How many of the question's words (three letters or more) the passage contains."""
    words = set(_WORD.findall(passage.lower()))
    return sum(w in words for w in set(_WORD.findall(question.lower())))


def news_examples(questions: list[dict], passages: dict[str, list[str]], tokenizer, sp: Specials,
                  rng: random.Random, negatives: int = NEGATIVES) -> list[Example]:
    """Answer windows and same-article "no answer" windows for ``questions`` (see the module)."""
    examples: list[tuple[Example | None, str]] = []
    for record in questions:
        chunks = passages.get(record["article_id"], [])
        answers = record["answers"] if record["answerable"] else []
        question = Question(record["id"], record["question"], record["article_id"], [], record["language"])
        holding = [c for c in chunks if any(a in c for a in answers)]
        if answers:
            if not holding:
                continue
            text = next(a for a in answers if a in holding[0])
            examples.append((make_example(tokenizer, sp, question, holding[0], (text, holding[0].index(text)), rng,
                                          "news"), record["id"]))
        others = [c for c in chunks if not any(a.lower() in c.lower() for a in answers)]
        others.sort(key=lambda c: -overlap(record["question"], c))
        for chunk in others[:negatives]:
            examples.append((make_example(tokenizer, sp, question, chunk, None, rng, "news:negative"), record["id"]))
    return [replace(e, group=record_id) for e, record_id in examples if e is not None]


__all__ = ["article_passages", "news_examples", "overlap", "read_news_questions"]
