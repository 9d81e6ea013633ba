"""Combine the reader with hybrid retrieval: new order, the answer, and whether there is one.

Pure functions: the best ``READ_TOP`` candidates of the fused ranking are read; each gets
fused score + ``weight`` x reader logit, and they are sorted by it ahead of the unread rest.
The first passage answers when its reader logit, plus ``closeness`` x how far its dense
cosine to the question lies above ``CLOSENESS_CENTRE``, clears ``threshold``: a passage the
reader likes but that is far in meaning from the question (an off-topic question) is no
answer. Its best span is the answer. N, the weights and the threshold are fitted by
benchmarks/fit_mix.py (docs/reader.md).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from retrieval.reader.reader import Reading
from retrieval.reader.reader_spans import sigmoid

READ_TOP = 3
READER_WEIGHT = 1.0
ANSWER_THRESHOLD = -0.8
CLOSENESS_WEIGHT = 10.0
CLOSENESS_CENTRE = 0.8  # a typical question-passage cosine of the embedder; only shifts the threshold


@dataclass(frozen=True)
class Answer:
    """The answer found in a passage: its text, offsets into the passage text, and probability."""

    text: str
    start: int
    end: int
    score: float


@dataclass(frozen=True)
class ReaderMix:
    """How the reader's logit joins the fused score, and when the first passage counts as an answer."""

    read_top: int = READ_TOP
    weight: float = READER_WEIGHT
    threshold: float = ANSWER_THRESHOLD
    closeness: float = CLOSENESS_WEIGHT


def combine(hits: list, rows: np.ndarray, readings: list[Reading], mix: ReaderMix) -> tuple[list, np.ndarray]:
    """Hits re-ordered: the read ones by fused + weight x logit, then the unread ones as they were."""
    n = len(readings)
    if n == 0:
        return hits, rows
    combined = np.array([h.score + mix.weight * r.logit for h, r in zip(hits, readings)])
    order = list(np.argsort(-combined, kind="stable")) + list(range(n, len(hits)))
    read = [replace(hits[i], score=float(combined[i]), reading=readings[i].logit, answer=answer_of(readings[i]))
            for i in range(n)]
    arranged = [read[i] if i < n else hits[i] for i in order]
    return [replace(h, rank=r) for r, h in enumerate(arranged, start=1)], rows[order]


def answer_of(reading: Reading) -> Answer | None:
    """The reading's span as an answer, or None when it is empty."""
    if reading.end <= reading.start or not reading.text.strip():
        return None
    return Answer(reading.text, reading.start, reading.end, round(float(sigmoid(reading.logit)), 4))


def answer_score(logit: float, dense: float, closeness: float) -> float:
    """What the "no answer" decision thresholds: the reader's logit, raised or lowered by how
    close in meaning (dense cosine) the passage is to the question."""
    return logit + closeness * (dense - CLOSENESS_CENTRE)


def is_answered_by_reader(hits: list, mix: ReaderMix) -> bool:
    """Whether the first passage answers: the reader read it and its answer score clears the threshold."""
    if not hits or hits[0].reading is None:
        return False
    return answer_score(hits[0].reading, hits[0].dense, mix.closeness) >= mix.threshold
