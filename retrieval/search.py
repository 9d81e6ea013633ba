"""Questions in, cited passages out."""

from __future__ import annotations

from dataclasses import dataclass

from retrieval.chunking import Passage
from retrieval.embedding import Embedder
from retrieval.errors import QuestionError
from retrieval.index import PassageIndex

MAX_QUESTION_CHARS = 1000
MAX_RESULTS = 50


@dataclass(frozen=True)
class Hit:
    """One retrieved passage with its rank (1 = best) and similarity score."""

    rank: int
    score: float
    passage: Passage


def check_question(question: str) -> str:
    """The question with surrounding whitespace removed, or a QuestionError saying why not."""
    cleaned = " ".join(question.split())
    if not cleaned:
        raise QuestionError("the question is empty; type a question, e.g. 'Kapan Putin mengunjungi Vietnam?'")
    if len(cleaned) > MAX_QUESTION_CHARS:
        raise QuestionError(
            f"the question is {len(cleaned):,} characters long; ask in at most {MAX_QUESTION_CHARS:,} "
            "characters (one or two sentences work best)")
    return cleaned


def check_k(k: int) -> int:
    """A result count between 1 and MAX_RESULTS, or a QuestionError."""
    if not 1 <= k <= MAX_RESULTS:
        raise QuestionError(f"the number of results must be between 1 and {MAX_RESULTS}, got {k}")
    return k


class Searcher:
    """Dense retrieval over one loaded index with one embedder."""

    def __init__(self, embedder: Embedder, index: PassageIndex) -> None:
        self.embedder = embedder
        self.index = index

    def search(self, question: str, k: int = 3) -> list[Hit]:
        """The ``k`` best passages for ``question``."""
        vector = self.embedder.embed_query(check_question(question))
        found = self.index.search(vector, check_k(k))
        return [Hit(rank, score, passage) for rank, (score, passage) in enumerate(found, start=1)]
