"""Training examples for the reader, from the question-answering sets in ``shared/training``.

Each example is one window (see ``reader_inputs``) with its label: the answer's first and
last token, or (0, 0) for "this window does not answer". The mix:
- questions with their own passage, answerable or not (IDK-MRC's unanswerable questions
  were written against the same passage, the hardest "no answer" there is);
- answerable questions paired with the passage that a BM25 search ranks first among the
  other passages of their set and that does not contain the answer: the passage that
  looks right and is not, as retrieval hands the reader.

Everything is chosen with one seeded generator, so the same data and seed give the same
examples in the same order.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from retrieval.reader.reader_inputs import Specials, Tokens, Window, passage_room, token_span, tokens, window_at

# Questions taken from each set, and hard negatives made for each (None = all there are).
DEFAULT_MIX = {
    "idk_mrc": (6500, 900),
    "squad2_id": (2000, 0),
    "english_qa": (2500, 600),
    "facqa": (None, 600),
}
# Every question of every set, and a hard negative for most answerable ones: for a longer run
# (several passes, an accelerator) than the 2-core default.
FULL_MIX = {
    "idk_mrc": (None, 3000),
    "squad2_id": (None, 2500),
    "english_qa": (None, 2500),
    "facqa": (None, 1000),
}
# The second stage (``--mix news --start-from``): news questions over real articles
# (``news_data``), with a share of the first stage's questions again so that the reader keeps
# what it learnt there.
NEWS_REPLAY_MIX = {
    "idk_mrc": (1500, 300),
    "squad2_id": (500, 0),
    "english_qa": (600, 200),
    "facqa": (400, 200),
}
MIXES = {"default": DEFAULT_MIX, "full": FULL_MIX, "news": NEWS_REPLAY_MIX}


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    passage_id: str
    answers: list[tuple[str, int]]
    language: str


@dataclass(frozen=True)
class Example:
    window: Window
    start: int
    end: int
    source: str
    group: str = ""  # the question, for a news question's passages read against each other

    @property
    def answerable(self) -> bool:
        return self.start > 0


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def read_set(folder: Path, split: str = "train") -> tuple[dict[str, str], list[Question]]:
    """Passages by id and the set's questions of ``split``."""
    passages = {p["id"]: p["text"] for p in read_jsonl(folder / "passages.jsonl")}
    questions = [Question(q["id"], q["question"], q["passage_id"],
                          [(a["text"], a["start"]) for a in q["answers"] if a["start"] >= 0], q["language"])
                 for q in read_jsonl(folder / "questions.jsonl") if q["split"] == split]
    return passages, [q for q in questions if q.passage_id in passages]


def hard_negatives(passages: dict[str, str], questions: list[Question], rng: random.Random,
                   count: int) -> list[tuple[Question, str]]:
    """(question, other passage id) pairs: BM25's best other passage without the answer."""
    import bm25s

    chosen = [q for q in questions if q.answers]
    rng.shuffle(chosen)
    chosen = chosen[:count]
    if not chosen:
        return []
    ids = sorted(passages)
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize([passages[i] for i in ids], show_progress=False), show_progress=False)
    found, _ = retriever.retrieve(bm25s.tokenize([q.question for q in chosen], show_progress=False),
                                  k=min(5, len(ids)), show_progress=False)
    pairs = []
    for question, row in zip(chosen, found):
        for r in row:
            pid = ids[int(r)]
            text = passages[pid].lower()
            if pid != question.passage_id and not any(a.lower() in text for a, _ in question.answers):
                pairs.append((question, pid))
                break
    return pairs


def make_example(tokenizer, sp: Specials, question: Question, passage: str, answer: tuple[str, int] | None,
                 rng: random.Random, source: str) -> Example | None:
    """One window of ``passage`` for ``question``: around the answer, or anywhere when there is none."""
    q, p = tokens(tokenizer, question.question), tokens(tokenizer, passage)
    room = passage_room(q)
    if answer is None:
        first = rng.randint(0, max(0, len(p.ids) - room))
        return Example(window_at(q, p, sp, first), 0, 0, source)
    text, start = answer
    inside = [i for i, (s, e) in enumerate(p.offsets) if s < start + len(text) and e > start]
    if not inside:
        return None
    low, high = max(0, inside[-1] - room + 1), min(inside[0], max(0, len(p.ids) - room))
    first = rng.randint(low, high) if low <= high else inside[0]
    window = window_at(q, p, sp, first)
    span = token_span(window, start, start + len(text))
    return None if span is None else Example(window, span[0], span[1], source)


def build_examples(root: Path, tokenizer, sp: Specials, seed: int, mix: dict | None = None,
                   limit: int | None = None) -> tuple[list[Example], dict[str, int]]:
    """The shuffled training examples and how many came from each source."""
    rng = random.Random(seed)
    examples: list[Example] = []
    for name, (take, negatives) in (mix or DEFAULT_MIX).items():
        passages, questions = read_set(root / name)
        rng.shuffle(questions)
        own = questions[:limit or take or len(questions)]
        for question in own:
            answer = question.answers[0] if question.answers else None
            examples.append(make_example(tokenizer, sp, question, passages[question.passage_id], answer, rng,
                                         name))
        for question, pid in hard_negatives(passages, questions, rng, min(negatives, limit or negatives)):
            examples.append(make_example(tokenizer, sp, question, passages[pid], None, rng, name + ":negative"))
    examples = [e for e in examples if e is not None]
    rng.shuffle(examples)
    return examples, source_counts(examples)


def source_counts(examples: list[Example]) -> dict[str, int]:
    """How many examples came from each source, with an answer and without."""
    counts: dict[str, int] = {}
    for e in examples:
        key = f"{e.source} {'answer' if e.answerable else 'none'}"
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))


def batches(examples: list[Example], size: int, rng: random.Random, pool: int = 50) -> list[list[Example]]:
    """Batches of similar length (less padding), in a seeded random order. Examples of one group
    (the passages of one news question) stay in one batch, so that they can be compared."""
    out = []
    units = _units(examples)
    for begin in range(0, len(units), size * pool):
        batch: list[Example] = []
        for unit in sorted(units[begin:begin + size * pool], key=lambda u: max(len(e.window.ids) for e in u)):
            if batch and len(batch) + len(unit) > size:
                out.append(batch)
                batch = []
            batch += unit
        if batch:
            out.append(batch)
    rng.shuffle(out)
    return out


def _units(examples: list[Example]) -> list[list[Example]]:
    """The examples as units that must share a batch: one group's examples, or one example alone."""
    units: list[list[Example]] = []
    grouped: dict[str, list[Example]] = {}
    for e in examples:
        if not e.group:
            units.append([e])
        elif e.group in grouped:
            grouped[e.group].append(e)
        else:
            grouped[e.group] = [e]
            units.append(grouped[e.group])
    return units


def validation_pairs(root: Path) -> list[tuple[Question, str]]:
    """IDK-MRC's valid questions with their passages, for choosing and reporting, never training."""
    passages, questions = read_set(root / "idk_mrc", "valid")
    return [(q, passages[q.passage_id]) for q in questions]


__all__ = ["MIXES", "Example", "Question", "Tokens", "batches", "build_examples", "source_counts", "validation_pairs"]
