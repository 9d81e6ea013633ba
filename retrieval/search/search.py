"""Questions in, cited passages out: hybrid retrieval, then grouping, diversity and highlights."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from retrieval.ingest.chunking import Passage
from retrieval.model.embedding import Embedder
from retrieval.errors import QuestionError, UnreadableText
from retrieval.search.filters import Filters
from retrieval.search.fusion import DENSE_WEIGHT, fuse
from retrieval.search.recency import asks_for_recent, prefer_recent
from retrieval.store.pool import CandidateSource, Pool
from retrieval.reader.reader import Reader
from retrieval.reader.rerank import Answer, ReaderMix, combine, is_answered_by_reader
from retrieval.search.results import arrange

MAX_QUESTION_CHARS = 1000
MAX_RESULTS = 50
# Below this cosine between the question and the first passage shown, nothing answers it:
# off-topic questions score 0.73-0.81 on the seeds, answerable ones 0.83 and up
# (docs/benchmarks.md has the same decision measured on TyDi-id's unanswerable questions).
MIN_DENSE_SCORE = 0.81


@dataclass(frozen=True)
class Hit:
    """One retrieved passage: rank (1 = best), fused score (with the recency prior), and what supports it."""

    rank: int
    score: float
    passage: Passage
    dense: float = 0.0
    lexical: float = 0.0
    highlight: tuple[int, int] | None = None
    also_reported_by: tuple[Passage, ...] = field(default=())
    reading: float | None = None  # the reader's answerability logit, when it read this passage
    answer: Answer | None = None


@dataclass(frozen=True)
class SearchResult:
    """The hits for a question and whether they answer it."""

    question: str
    hits: list[Hit]
    answered: bool


def check_question(question: str) -> str:
    """The question with surrounding whitespace removed, or a QuestionError saying why not."""
    try:
        question.encode("utf-8")
    except UnicodeEncodeError:  # bytes that were not UTF-8, decoded with surrogateescape or sent as lone surrogates
        raise UnreadableText("the question is not valid UTF-8 text; type it again or convert it to UTF-8 "
                             "(e.g. iconv -f latin1 -t utf-8)") from None
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


def is_answered(hits: list[Hit], min_dense: float) -> bool:
    """Whether the best-ranked passage is close enough in meaning to count as an answer."""
    return bool(hits) and hits[0].dense >= min_dense


class Searcher:
    """Hybrid retrieval (dense + BM25) over one loaded index with one embedder."""

    def __init__(self, embedder: Embedder, index: CandidateSource, *, dense_weight: float = DENSE_WEIGHT,
                 min_dense: float = MIN_DENSE_SCORE, reader: Reader | None = None,
                 mix: ReaderMix = ReaderMix()) -> None:
        self.embedder = embedder
        self.index = index
        self.dense_weight = dense_weight
        self.min_dense = min_dense
        self.reader = reader
        self.mix = mix

    def search(self, question: str, k: int = 3, filters: Filters | None = None, *,
               fast: bool = False) -> SearchResult:
        """The ``k`` best passages for ``question``, near-duplicates grouped, with highlights.

        With a reader (and not ``fast``), the best candidates are read: they are re-ordered,
        the first one's answer is found, and ``answered`` is the reader's decision."""
        question, k = check_question(question), check_k(k)
        filters = filters or Filters()
        self.index.check_outlets(filters.outlets)
        hits, vectors, pool = self._ranked(question, filters)
        if self.reader is not None and not fast:
            hits, vectors = self.read(question, hits, vectors)
            answered = is_answered_by_reader(hits, self.mix)
        else:
            answered = is_answered(hits, self.min_dense)
        arranged = arrange(hits, vectors, question, self.index.term_weights(pool), k)
        return SearchResult(question, arranged, answered)

    def read(self, question: str, hits: list[Hit], vectors: np.ndarray) -> tuple[list[Hit], np.ndarray]:
        """The best ``mix.read_top`` hits read and re-ordered ahead of the rest (their vectors alike)."""
        top = hits[:self.mix.read_top]
        readings = self.reader.read(question, [h.passage.text for h in top])
        return combine(hits, vectors, readings, self.mix)

    def rank(self, question: str, filters: Filters) -> tuple[list[Hit], np.ndarray]:
        """Every candidate from either retriever ranked by fused score, with its vector, row for row."""
        hits, vectors, _ = self._ranked(question, filters)
        return hits, vectors

    def _ranked(self, question: str, filters: Filters) -> tuple[list[Hit], np.ndarray, Pool]:
        pool = self.index.pool(question, self.embedder.embed_query(question), filters)
        if not pool.passages:
            return [], pool.vectors, pool
        fused = fuse(pool.dense, pool.lexical, self.dense_weight)
        fused = prefer_recent(fused, [p.date for p in pool.passages], recent=asks_for_recent(question, filters))
        order = np.argsort(-fused, kind="stable")
        hits = [Hit(rank, float(fused[i]), pool.passages[i], float(pool.dense[i]), float(pool.lexical[i]))
                for rank, i in enumerate(order, start=1)]
        return hits, pool.vectors[order], pool
