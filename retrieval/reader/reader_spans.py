"""From the reader's logits to an answer: the best span, its text, and whether to answer at all.

Pure functions over numpy arrays; the network and its runtime live elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from retrieval.reader.reader_inputs import Window

MAX_ANSWER_TOKENS = 30


@dataclass(frozen=True)
class Span:
    """Best answer span of one window: token positions (inclusive) and its score.

    ``score`` is start logit + end logit; ``null`` is the same for the "no answer" token;
    ``margin`` = score - null, the SQuAD 2.0 answerability signal."""

    start: int
    end: int
    score: float
    null: float

    @property
    def margin(self) -> float:
        return self.score - self.null


def best_span(start_logits: np.ndarray, end_logits: np.ndarray, first: int, last: int,
              max_tokens: int = MAX_ANSWER_TOKENS) -> Span:
    """The highest-scoring span with start <= end < start + max_tokens inside [first, last)."""
    if last <= first:
        raise ValueError("a window needs at least one passage token")
    start = np.asarray(start_logits[first:last], dtype=np.float64)
    end = np.asarray(end_logits[first:last], dtype=np.float64)
    n = len(start)
    pair = start[:, None] + end[None, :]
    i, j = np.indices((n, n))
    pair[(j < i) | (j - i >= max_tokens)] = -np.inf
    flat = int(np.argmax(pair))
    s, e = divmod(flat, n)
    return Span(first + s, first + e, float(pair[s, e]), float(start_logits[0] + end_logits[0]))


def char_span(window: Window, span: Span) -> tuple[int, int]:
    """The span's characters in the passage text: [start, end)."""
    return window.offsets[span.start - window.first][0], window.offsets[span.end - window.first][1]


def clean_answer(text: str, start: int, end: int) -> tuple[int, int]:
    """Trim spaces and stray punctuation at the edges (tokens carry a leading space or a comma)."""
    while start < end and (text[start].isspace() or text[start] in ",.;:)]}\"'”’"):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",.;:([{\"'“‘"):
        end -= 1
    return start, end


def sigmoid(x: np.ndarray | float) -> np.ndarray | float:
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64)))
